"""Trainable text classifier: TF-IDF over word and character n-grams + a calibrated linear model.

    clf = Classifier.train(texts, labels, ClassifierConfig(char_ngrams=(1, 4)))
    clf.save("var/models/sentiment", training_data={...})
    clf = Classifier.load("var/models/sentiment")   # checks the content hash in model_card.json
    clf.predict(["Cán bộ phường rất nhiệt tình"])   # → ["positive"]
    clf.predict_scores([...])                         # → [{"negative": 0.02, "neutral": 0.05, ...}]

The artefact is a folder with ``model.pkl`` (the fitted scikit-learn objects) and ``model_card.json`` (task,
labels, training data and its licence, features, metrics, library versions and the SHA-256 of
``model.pkl``). :meth:`Classifier.load` refuses a ``model.pkl`` whose hash differs from the card's — the pickle
is only opened once it is known to be the file the card describes.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import platform
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from .metrics import classification_scores, expected_calibration_error
from .normalize import Normalizer, NormalizerConfig, fold_diacritics
from .segment import get_segmenter

__all__ = ["Classifier", "ClassifierConfig", "ModelIntegrityError", "tune"]

CARD_FORMAT = "danvan-nlp-classifier/1"
MODEL_FILE = "model.pkl"
CARD_FILE = "model_card.json"
CONTEXT_SEPARATOR = "xxctx"


class ModelIntegrityError(RuntimeError):
    """The artefact's ``model.pkl`` does not match the hash in its model card (or the card is missing)."""


@dataclass(frozen=True)
class ClassifierConfig:
    """Features and estimator. Everything here is written into the model card."""

    segmenter: str = "syllable"
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] | None = (1, 4)  # char_wb n-grams of the normalised text; None = off
    folded_ngrams: tuple[int, int] | None = None  # word n-grams of the diacritic-free text; None = off
    min_df: int = 1
    max_features: int | None = None  # per vectorizer
    use_context: bool = False  # append the record's context (e.g. the article title) to the text
    estimator: str = "svm"  # "svm" (LinearSVC) or "logreg"
    C: float = 0.5
    class_weight: str | None = None  # None or "balanced"
    calibration: str = "temperature"  # "temperature", or scikit-learn's "sigmoid" / "isotonic"
    calibration_cv: int = 3
    normalizer: dict[str, bool] = field(default_factory=lambda: NormalizerConfig().to_dict())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ClassifierConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for key in ("word_ngrams", "char_ngrams", "folded_ngrams"):
            if known.get(key) is not None:
                known[key] = tuple(known[key])
        return cls(**known)


# --- features ------------------------------------------------------------------------------------------


class Featurizer:
    """Normalise → segment → TF-IDF blocks (word n-grams, char n-grams, diacritic-free word n-grams)."""

    def __init__(self, config: ClassifierConfig) -> None:
        self.config = config
        self.normalizer = Normalizer(NormalizerConfig.from_dict(config.normalizer))
        self.vectorizers: dict[str, TfidfVectorizer] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.config, "vectorizers": self.vectorizers}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.config = state["config"]
        self.vectorizers = state["vectorizers"]
        self.normalizer = Normalizer(NormalizerConfig.from_dict(self.config.normalizer))

    def prepare(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> dict[str, list[str]]:
        """The strings each vectorizer reads: ``norm`` (normalised), ``words`` (segmented), ``folded``."""
        cfg = self.config
        norm = [self.normalizer(t) for t in texts]
        if cfg.use_context and contexts is not None:
            norm = [
                f"{n} {CONTEXT_SEPARATOR} {self.normalizer(c)}" if c else n
                for n, c in zip(norm, contexts, strict=True)
            ]
        if cfg.segmenter == "syllable":
            words = norm
        else:
            words = [" ".join(tokens) for tokens in get_segmenter(cfg.segmenter).segment_batch(norm)]
        prepared = {"norm": norm, "words": words}
        if cfg.folded_ngrams:
            prepared["folded"] = [fold_diacritics(w) for w in words]
        return prepared

    def _make(self) -> dict[str, tuple[TfidfVectorizer, str]]:
        cfg = self.config
        common = {
            "lowercase": False,
            "sublinear_tf": True,
            "min_df": cfg.min_df,
            "max_features": cfg.max_features,
            "dtype": np.float32,
        }
        blocks = {
            "words": (TfidfVectorizer(token_pattern=r"\S+", ngram_range=cfg.word_ngrams, **common), "words")
        }
        if cfg.char_ngrams:
            blocks["chars"] = (
                TfidfVectorizer(analyzer="char_wb", ngram_range=cfg.char_ngrams, **common),
                "norm",
            )
        if cfg.folded_ngrams:
            blocks["folded"] = (
                TfidfVectorizer(token_pattern=r"\S+", ngram_range=cfg.folded_ngrams, **common),
                "folded",
            )
        return blocks

    def fit_transform(self, prepared: dict[str, list[str]]) -> sp.csr_matrix:
        matrices = []
        self.vectorizers = {}
        self._sources: dict[str, str] = {}
        for name, (vectorizer, source) in self._make().items():
            matrices.append(vectorizer.fit_transform(prepared[source]))
            vectorizer.stop_words_ = None  # pruned terms: large and not needed to transform
            self.vectorizers[name] = vectorizer
        return sp.hstack(matrices, format="csr")

    def transform(self, prepared: dict[str, list[str]]) -> sp.csr_matrix:
        source = {"words": "words", "chars": "norm", "folded": "folded"}
        matrices = [v.transform(prepared[source[name]]) for name, v in self.vectorizers.items()]
        return sp.hstack(matrices, format="csr")

    @property
    def n_features(self) -> int:
        return sum(len(v.vocabulary_) for v in self.vectorizers.values())


def _linear(config: ClassifierConfig, C: float | None = None) -> Any:
    C = config.C if C is None else C
    if config.estimator == "svm":
        return LinearSVC(C=C, class_weight=config.class_weight, dual="auto", max_iter=5000)
    if config.estimator == "logreg":
        return LogisticRegression(C=C, class_weight=config.class_weight, max_iter=2000)
    raise ValueError(f"unknown estimator {config.estimator!r}: 'svm' or 'logreg'")


class TemperatureCalibrated:
    """A linear model whose decision values become probabilities by a softmax with one temperature.

    The temperature is fitted (log loss) on out-of-fold decision values, so the probabilities are
    calibrated in confidence while the arg-max — the predicted label — stays exactly the linear model's
    (per-class sigmoid calibration can undo class weighting and lowered macro F1 on ViHSD by 0.03).
    """

    def __init__(self, estimator: Any, temperature: float) -> None:
        self.estimator = estimator
        self.temperature = temperature
        self.classes_ = estimator.classes_

    @staticmethod
    def _columns(scores: np.ndarray) -> np.ndarray:
        return np.column_stack([np.zeros_like(scores), scores]) if scores.ndim == 1 else scores

    @staticmethod
    def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
        z = scores / temperature
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    @classmethod
    def fit_temperature(cls, scores: np.ndarray, y_index: np.ndarray) -> float:
        from scipy.optimize import minimize_scalar

        scores = cls._columns(scores)

        def loss(log_t: float) -> float:
            p = cls.softmax(scores, float(np.exp(log_t)))
            return float(-np.mean(np.log(p[np.arange(len(y_index)), y_index] + 1e-12)))

        result = minimize_scalar(loss, bounds=(-6.0, 4.0), method="bounded")
        return float(np.exp(result.x))

    def decision_function(self, X: Any) -> np.ndarray:
        return self.estimator.decision_function(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.softmax(self._columns(self.decision_function(X)), self.temperature)

    def predict(self, X: Any) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def _fit_calibrated(config: ClassifierConfig, X: sp.csr_matrix, y: np.ndarray, n_jobs: int = 1) -> Any:
    counts = np.bincount(np.unique(y, return_inverse=True)[1])
    cv = int(min(config.calibration_cv, counts.min()))
    if cv < 2:
        # a class with a single example: no held-out scores to calibrate on
        model = _linear(config)
        model.fit(X, y)
        return model
    if config.calibration == "temperature":
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=13)
        scores = cross_val_predict(_linear(config), X, y, cv=folds, method="decision_function", n_jobs=n_jobs)
        model = _linear(config).fit(X, y)
        y_index = np.searchsorted(model.classes_, y)
        return TemperatureCalibrated(model, TemperatureCalibrated.fit_temperature(scores, y_index))
    calibrated = CalibratedClassifierCV(
        _linear(config), method=config.calibration, cv=cv, ensemble=False, n_jobs=n_jobs
    )
    calibrated.fit(X, y)
    return calibrated


def _shrink(model: Any) -> None:
    """Store linear coefficients as float32 (halves the artefact; scores change by < 1e-6)."""
    estimators = [model, getattr(model, "estimator", None)]
    for calibrated in getattr(model, "calibrated_classifiers_", []):
        estimators.append(calibrated.estimator)
    for est in estimators:
        if est is not None and hasattr(est, "coef_") and est.coef_.dtype == np.float64:
            est.coef_ = est.coef_.astype(np.float32)


def _library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in ("scikit-learn", "numpy", "scipy", "underthesea", "pyvi"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- the classifier ---------------------------------------------------------------------------------------


class Classifier:
    """A fitted text classifier; build with :meth:`train` or :meth:`load`."""

    def __init__(
        self, featurizer: Featurizer, model: Any, labels: list[str], card: dict[str, Any] | None = None
    ):
        self.featurizer = featurizer
        self.model = model
        self.labels = labels
        self.card: dict[str, Any] = card or {}

    @property
    def config(self) -> ClassifierConfig:
        return self.featurizer.config

    # training ----------------------------------------------------------------------------------------------

    @classmethod
    def train(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        config: ClassifierConfig | None = None,
        contexts: Sequence[str] | None = None,
        n_jobs: int = 1,
    ) -> Classifier:
        """Fit features and the calibrated linear model on *texts* / *labels*."""
        config = config or ClassifierConfig()
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        distinct = sorted(set(labels))
        if len(distinct) < 2:
            raise ValueError("training needs at least two distinct labels")
        started = time.perf_counter()
        featurizer = Featurizer(config)
        X = featurizer.fit_transform(featurizer.prepare(texts, contexts))
        y = np.asarray(labels)
        model = _fit_calibrated(config, X, y, n_jobs=n_jobs)
        _shrink(model)
        classifier = cls(featurizer, model, [str(c) for c in model.classes_])
        classifier.card = {
            "format": CARD_FORMAT,
            "labels": classifier.labels,
            "config": config.to_dict(),
            "n_features": featurizer.n_features,
            "training": {
                "n": len(texts),
                "label_counts": {label: int((y == label).sum()) for label in distinct},
                "seconds": round(time.perf_counter() - started, 1),
            },
        }
        return classifier

    # prediction --------------------------------------------------------------------------------------------

    def predict_proba(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in :attr:`labels` order."""
        if len(texts) == 0:
            return np.zeros((0, len(self.labels)))
        X = self.featurizer.transform(self.featurizer.prepare(texts, contexts))
        if hasattr(self.model, "predict_proba"):
            return self.model.predict_proba(X)
        # uncalibrated fallback (a class had one example): softmax of the decision values
        scores = self.model.decision_function(X)
        if scores.ndim == 1:
            scores = np.column_stack([-scores, scores])
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        return scores / scores.sum(axis=1, keepdims=True)

    def predict(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> list[str]:
        proba = self.predict_proba(texts, contexts)
        return [self.labels[i] for i in proba.argmax(axis=1)]

    def predict_scores(
        self, texts: Sequence[str], contexts: Sequence[str] | None = None
    ) -> list[dict[str, float]]:
        """``[{label: probability, ...}, ...]`` (rounded to 4 decimals)."""
        proba = self.predict_proba(texts, contexts)
        return [
            {label: round(float(p), 4) for label, p in zip(self.labels, row, strict=True)} for row in proba
        ]

    def evaluate(
        self, texts: Sequence[str], labels: Sequence[str], contexts: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """Scores on labelled data, with throughput and calibration error."""
        started = time.perf_counter()
        proba = self.predict_proba(texts, contexts)
        seconds = time.perf_counter() - started
        predicted = [self.labels[i] for i in proba.argmax(axis=1)]
        scores = classification_scores(labels, predicted, labels=sorted(set(self.labels) | set(labels)))
        correct = np.array([p == t for p, t in zip(predicted, labels, strict=True)], dtype=float)
        scores["calibration_error"] = expected_calibration_error(proba, correct) if len(texts) else 0.0
        scores["seconds"] = round(seconds, 3)
        scores["docs_per_second"] = round(len(texts) / seconds, 1) if seconds > 0 else None
        return scores

    # persistence -------------------------------------------------------------------------------------------

    def save(self, directory: str | Path, **card: Any) -> Path:
        """Write ``model.pkl`` and ``model_card.json`` into *directory*; *card* adds fields to the card
        (``task``, ``training_data``, ``metrics``, ...)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        model_path = directory / MODEL_FILE
        tmp = model_path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(
                {"featurizer": self.featurizer, "model": self.model, "labels": self.labels},
                fh,
                protocol=pickle.HIGHEST_PROTOCOL,
            )
        tmp.replace(model_path)
        self.card.update(card)
        self.card.update(
            {
                "format": CARD_FORMAT,
                "labels": self.labels,
                "config": self.config.to_dict(),
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "library_versions": _library_versions(),
                "artefact": {
                    "file": MODEL_FILE,
                    "bytes": model_path.stat().st_size,
                    "sha256": _sha256(model_path),
                },
            }
        )
        with open(directory / CARD_FILE, "w", encoding="utf-8") as fh:
            json.dump(self.card, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> Classifier:
        """Load an artefact folder, checking ``model.pkl`` against the card's SHA-256 before unpickling."""
        directory = Path(directory)
        card_path = directory / CARD_FILE
        model_path = directory / MODEL_FILE
        if not card_path.exists() or not model_path.exists():
            raise ModelIntegrityError(f"{directory}: not a model folder (needs {CARD_FILE} and {MODEL_FILE})")
        with open(card_path, encoding="utf-8") as fh:
            card = json.load(fh)
        if card.get("format") != CARD_FORMAT:
            raise ModelIntegrityError(f"{card_path}: unknown format {card.get('format')!r}")
        expected = card.get("artefact", {}).get("sha256")
        actual = _sha256(model_path)
        if not expected or expected != actual:
            raise ModelIntegrityError(
                f"{model_path}: content hash {actual[:12]}… does not match the model card ({str(expected)[:12]}…)"
            )
        trained_with = card.get("library_versions", {}).get("scikit-learn")
        installed = _library_versions()["scikit-learn"]
        if trained_with and trained_with != installed:
            warnings.warn(
                f"{directory}: trained with scikit-learn {trained_with}, running {installed}", stacklevel=2
            )
        with open(model_path, "rb") as fh:
            payload = pickle.load(fh)
        return cls(payload["featurizer"], payload["model"], payload["labels"], card)


# --- tuning -----------------------------------------------------------------------------------------------

METRICS = ("accuracy", "macro_f1", "weighted_f1")


def tune(
    train: tuple[Sequence[str], Sequence[str], Sequence[str] | None],
    dev: tuple[Sequence[str], Sequence[str], Sequence[str] | None],
    base: ClassifierConfig,
    grid: dict[str, list[Any]],
    metric: str = "accuracy",
    feature_keys: Sequence[str] = (
        "segmenter",
        "word_ngrams",
        "char_ngrams",
        "folded_ngrams",
        "min_df",
        "max_features",
        "use_context",
        "normalizer",
    ),
    log: Any = None,
) -> tuple[ClassifierConfig, list[dict[str, Any]]]:
    """Pick the best config on *dev* by *metric* over *grid* (``{"C": [...], "char_ngrams": [...]}``).

    Features are fitted once per distinct feature setting and reused for the estimator settings; the
    estimator is scored uncalibrated (calibration does not change the arg-max much and costs extra fits).
    Returns the best config and one row per tried setting.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}")
    import itertools

    keys = list(grid)
    feature_grid = [k for k in keys if k in feature_keys]
    model_grid = [k for k in keys if k not in feature_keys]
    rows: list[dict[str, Any]] = []
    best: tuple[float, ClassifierConfig] | None = None
    for feature_values in itertools.product(*(grid[k] for k in feature_grid)):
        config = replace(base, **dict(zip(feature_grid, feature_values, strict=True)))
        featurizer = Featurizer(config)
        started = time.perf_counter()
        X_train = featurizer.fit_transform(featurizer.prepare(train[0], train[2]))
        X_dev = featurizer.transform(featurizer.prepare(dev[0], dev[2]))
        feature_seconds = time.perf_counter() - started
        for model_values in itertools.product(*(grid[k] for k in model_grid)):
            candidate = replace(config, **dict(zip(model_grid, model_values, strict=True)))
            started = time.perf_counter()
            model = _linear(candidate).fit(X_train, np.asarray(train[1]))
            predicted = model.predict(X_dev)
            scores = classification_scores(list(dev[1]), list(predicted))
            row = {
                **{k: getattr(candidate, k) for k in keys},
                "accuracy": scores["accuracy"],
                "macro_f1": scores["macro_f1"],
                "weighted_f1": scores["weighted_f1"],
                "n_features": featurizer.n_features,
                "seconds": round(feature_seconds + time.perf_counter() - started, 1),
            }
            rows.append(row)
            if log:
                log(row)
            if best is None or scores[metric] > best[0]:
                best = (scores[metric], candidate)
    assert best is not None
    return best[1], rows
