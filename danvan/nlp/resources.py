"""Locations of the data files the engine reads at run time (all inside the repository)."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

#: Repository root (``danvan/nlp/resources.py`` → two levels up from ``danvan``).
REPO_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The repository's ``data/`` folder; ``DANVAN_DATA_DIR`` overrides it (e.g. in a packaged install)."""
    override = os.environ.get("DANVAN_DATA_DIR")
    return Path(override) if override else REPO_ROOT / "data"


def nlp_data_path(name: str) -> Path:
    return data_dir() / "nlp" / name


@lru_cache(maxsize=1)
def nsw_dictionary() -> dict[str, list[str]]:
    """The non-standard-word dictionary ``{"ko": ["không"], ...}`` (MIT, see data/nlp/README.md)."""
    with open(nlp_data_path("vi-nsw-dict.json"), encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Vietnamese stopwords (MIT, see data/nlp/README.md), syllables separated by spaces."""
    with open(nlp_data_path("vietnamese-stopwords.txt"), encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip())


@lru_cache(maxsize=1)
def standard_words() -> frozenset[str]:
    """Lower-cased standard Vietnamese words and their syllables.

    Read from the Viet74K list that the installed ``underthesea`` package ships (Apache-2.0); nothing is
    downloaded. Returns an empty set if the file is not there, which makes slang replacement stricter
    (only forms containing digits or no vowel are then replaced).
    """
    try:
        import underthesea

        path = Path(underthesea.__file__).parent / "corpus" / "data" / "Viet74K.txt"
        lines = path.read_text(encoding="utf-8").splitlines()
    except (ImportError, OSError):
        return frozenset()
    import unicodedata

    words: set[str] = set()
    for line in lines:
        word = unicodedata.normalize("NFC", line.strip().lower())
        if not word:
            continue
        words.add(word)
        words.update(word.split())
    return frozenset(words)


def units_path(name: str) -> Path:
    return data_dir() / "units" / name


def reference_path(name: str) -> Path:
    return data_dir() / "reference" / name
