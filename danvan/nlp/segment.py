"""Word segmentation: syllables (no segmentation), underthesea or pyvi, behind one batch API.

Vietnamese writes a space between syllables, not between words ("quyết định" is one word). A segmenter joins
the syllables of a word with ``_`` ("quyết_định"). Which one the classifiers use was chosen by measurement
(docs/nlp.md): on the dev sets here a segmenter moved scores by −0.013 to +0.006 against n-grams of plain
syllables while making the pipeline several times slower, so ``syllable`` is the default; the others stay
available for comparison.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Protocol

__all__ = ["SEGMENTERS", "Segmenter", "get_segmenter"]


class Segmenter(Protocol):
    name: str

    def segment(self, text: str) -> list[str]: ...

    def segment_batch(self, texts: Iterable[str]) -> list[list[str]]: ...


class SyllableSegmenter:
    """No segmentation: the tokens are the space-separated syllables and punctuation marks."""

    name = "syllable"

    def segment(self, text: str) -> list[str]:
        return text.split()

    def segment_batch(self, texts: Iterable[str]) -> list[list[str]]:
        return [t.split() for t in texts]


class Underthesea:
    """underthesea's CRF word segmenter (``word_tokenize``); its model ships inside the package."""

    name = "underthesea"

    def __init__(self) -> None:
        from underthesea import word_tokenize

        self._tokenize = word_tokenize

    def segment(self, text: str) -> list[str]:
        if not text.strip():
            return []
        return [token.replace(" ", "_") for token in self._tokenize(text)]

    def segment_batch(self, texts: Iterable[str]) -> list[list[str]]:
        return [self.segment(t) for t in texts]


class Pyvi:
    """pyvi's CRF segmenter (``ViTokenizer``); its model ships inside the package."""

    name = "pyvi"

    def __init__(self) -> None:
        from pyvi import ViTokenizer

        self._tokenize = ViTokenizer.tokenize

    def segment(self, text: str) -> list[str]:
        if not text.strip():
            return []
        return self._tokenize(text).split()

    def segment_batch(self, texts: Iterable[str]) -> list[list[str]]:
        return [self.segment(t) for t in texts]


SEGMENTERS = {"syllable": SyllableSegmenter, "underthesea": Underthesea, "pyvi": Pyvi}


@cache
def get_segmenter(name: str = "syllable") -> Segmenter:
    """A shared segmenter instance by name: ``syllable`` (none), ``underthesea`` or ``pyvi``."""
    try:
        return SEGMENTERS[name]()
    except KeyError:
        raise ValueError(f"unknown segmenter {name!r}; choose one of {sorted(SEGMENTERS)}") from None


def segment_batch(texts: Sequence[str], name: str = "syllable") -> list[list[str]]:
    return get_segmenter(name).segment_batch(texts)
