"""Vietnamese NLP engine of Dân Vận Số: plain Python, no Django, no download at run time.

Public API (imported lazily, so ``import danvan.nlp`` stays cheap)::

    from danvan.nlp import normalize_text, fold_diacritics      # text normalisation
    from danvan.nlp import get_segmenter                        # word segmentation (syllable/underthesea/pyvi)
    from danvan.nlp import Classifier, ClassifierConfig         # Classifier.load(dir).predict(texts)
    from danvan.nlp import DuplicateIndex                       # near-duplicates (MinHash LSH)
    from danvan.nlp import Gazetteer                            # Gazetteer.default().link(text)
    from danvan.nlp import detect_bursts, kleinberg_states, forecast, backtest

See docs/nlp.md.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "normalize_text": "normalize",
    "Normalizer": "normalize",
    "NormalizerConfig": "normalize",
    "fold_diacritics": "normalize",
    "canonical_tones": "normalize",
    "get_segmenter": "segment",
    "Classifier": "classify",
    "ClassifierConfig": "classify",
    "ModelIntegrityError": "classify",
    "DuplicateIndex": "dedup",
    "group_duplicates": "dedup",
    "Gazetteer": "places",
    "PlaceMention": "places",
    "Unit": "places",
    "detect_bursts": "bursts",
    "kleinberg_states": "bursts",
    "burst_intervals": "bursts",
    "forecast": "bursts",
    "backtest": "bursts",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'danvan.nlp' has no attribute {name!r}")
    source = "normalize" if name == "normalize_text" else name
    value = getattr(import_module(f".{module}", __name__), source)
    globals()[name] = value
    return value
