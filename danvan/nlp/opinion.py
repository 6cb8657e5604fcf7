"""Opinion analysis bundle: relevance, field, sentiment and a toxic/offensive flag in one artefact.

    out = opinion.train(records, "data/models/opinion/default", toxic_records=victsd, seed=13)
    analyzer = OpinionAnalyzer.load(out)            # checks model.pkl against the card's SHA-256
    analyzer.analyze([{"text": "Đường xuống cấp, ổ gà khắp nơi", "title": ""}])
    evaluate(analyzer, records)                     # field_accuracy, field_macro_f1, relevance_f1, ...

Features (shared by field, relevance and sentiment): TF-IDF blocks over the normalised text with the article
title appended after a separator (word 1-2-grams, char_wb 2-5-grams), the diacritic-free text (word 1-2-grams)
and the article title again as its own block (word 1-2-grams). Models: LinearSVC with one softmax temperature
(fitted on out-of-fold scores) for the field (balanced class weights, unsure labels weighted 0.5), relevance
derived from the field probabilities (``1 - P(not_relevant)``), the same LinearSVC set-up for the sentiment
(one model for news articles, one for comments and posts: ``sentiment_split``, see :func:`is_article`; the
articles' field also comes from a model of their own, ``field_split``), and a
separate logistic regression on UIT-ViCTSD for the toxic flag (research only: the source states no licence).
Plain Python: no Django import.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import platform
import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from .classify import CONTEXT_SEPARATOR, TemperatureCalibrated
from .metrics import classification_scores
from .normalize import Normalizer, fold_diacritics

__all__ = [
    "Analysis",
    "OpinionAnalyzer",
    "OpinionConfig",
    "OpinionIntegrityError",
    "cross_validate",
    "evaluate",
    "gold_relevant",
    "is_article",
    "item_title",
    "retrain",
    "train",
]

CARD_FORMAT = "danvan-opinion-bundle/1"
MODEL_FILE = "model.pkl"
CARD_FILE = "model_card.json"
NOT_RELEVANT = "not_relevant"
SENTIMENTS = ("negative", "neutral", "positive")


class OpinionIntegrityError(RuntimeError):
    """The bundle's ``model.pkl`` is missing or does not match the SHA-256 written in its card."""


@dataclass(frozen=True)
class OpinionConfig:
    """Features and estimators; written into the model card."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] | None = (2, 5)
    folded_ngrams: tuple[int, int] | None = (1, 2)
    title_ngrams: tuple[int, int] | None = (1, 2)
    title_weight: float = 0.6
    title_mode: str = "both"  # "block" (own TF-IDF block), "append" (title appended to the text), "both"
    min_df: int = 2
    max_char_features: int = 120_000
    field_estimator: str = "svm"  # "logreg" or "svm" (LinearSVC + temperature calibration)
    field_C: float = 1.0
    field_class_weight: str | None = "balanced"
    sentiment_estimator: str = "svm"
    sentiment_C: float = 1.0
    sentiment_class_weight: str | None = "balanced"
    # one sentiment model for news articles and one for the rest (comments, posts): see ``is_article``
    sentiment_split: bool = True
    # field: a second model trained on the news articles alone (C = field_article_C) scores the articles;
    # comments and posts keep the model trained on everything
    field_split: bool = True
    field_article_C: float = 0.3
    # a second set of models for items without any title (a post or comment seen without its article): trained
    # on the records plus title-less copies of those with one, since the main models lean on the title
    untitled_core: bool = True
    unsure_weight: float = 0.5
    relevance: str = "derived"  # "derived" (1 - P(not_relevant)) or "separate" (own binary model)
    relevance_threshold: float = 0.5
    toxic_C: float = 4.0
    toxic_threshold: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OpinionConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for key in ("word_ngrams", "char_ngrams", "folded_ngrams", "title_ngrams"):
            if known.get(key) is not None:
                known[key] = tuple(known[key])
        return cls(**known)


@dataclass
class Analysis:
    relevant: bool
    relevance_confidence: float
    field: str
    field_confidence: float
    field_scores: dict[str, float]
    sentiment: str
    sentiment_confidence: float
    toxic: bool
    toxic_confidence: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def item_title(item: dict[str, Any]) -> str:
    """The article title of a comment (``article_title``) or the title of an article (``title``)."""
    return str(item.get("title") or item.get("article_title") or "")


ARTICLE_KINDS = frozenset({"article", "news"})


def is_article(item: dict[str, Any]) -> bool:
    """A news article (own ``title``, no ``article_title``) rather than a comment under one.

    An explicit ``kind`` wins: ``article``/``news`` are articles, any other kind (``comment``, ``post``, ...) is not.
    """
    kind = str(item.get("kind") or "").strip().lower()
    if kind:
        return kind in ARTICLE_KINDS
    return bool(item.get("title")) and not item.get("article_title")


def without_title(item: dict[str, Any]) -> dict[str, Any]:
    """The item as it would come without its title or article title (an article keeps ``kind="article"``)."""
    out = {k: v for k, v in item.items() if k not in ("title", "article_title")}
    if not out.get("kind"):
        out["kind"] = "article" if is_article(item) else "comment"
    return out


def untitled_training_set(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the untitled models learn from: every record, plus a title-less copy of each one with a title."""
    return [*records, *(without_title(r) for r in records if item_title(r))]


def _fit_untitled(records: Sequence[dict[str, Any]], config: OpinionConfig) -> dict[str, Any]:
    """The untitled models: one field and one sentiment model (an article without a title is rare, so no
    article models), and ``min_df`` doubled because each titled record is there twice (it would otherwise let
    in every n-gram of a single record and triple the bundle's size)."""
    own = replace(config, field_split=False, sentiment_split=False, min_df=2 * config.min_df)
    return _fit_core(untitled_training_set(records), own)


def gold_relevant(item: dict[str, Any]) -> bool:
    value = item.get("relevant")
    if value is None:
        return item.get("field") != NOT_RELEVANT
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "có"}
    return bool(value)


# ---------------------------------------------------------------------------------------------- features


class _Features:
    def __init__(self, config: OpinionConfig) -> None:
        self.config = config
        self.normalizer = Normalizer()
        self.vectorizers: dict[str, TfidfVectorizer] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"config": self.config, "vectorizers": self.vectorizers}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.config = state["config"]
        self.vectorizers = state["vectorizers"]
        self.normalizer = Normalizer()

    def _sources(self, texts: Sequence[str], titles: Sequence[str]) -> dict[str, list[str]]:
        norm = [self.normalizer(t) for t in texts]
        mode = getattr(self.config, "title_mode", "block")
        norm_titles = [self.normalizer(t) if t else "" for t in titles]
        if mode in ("append", "both"):
            norm = [
                f"{n} {CONTEXT_SEPARATOR} {t}" if t else n for n, t in zip(norm, norm_titles, strict=True)
            ]
        out = {"words": norm, "chars": norm}
        if self.config.folded_ngrams:
            out["folded"] = [fold_diacritics(n) for n in norm]
        if self.config.title_ngrams and mode in ("block", "both"):
            out["title"] = norm_titles
        return out

    def _make(self) -> dict[str, TfidfVectorizer]:
        cfg = self.config
        common = {"lowercase": False, "sublinear_tf": True, "min_df": cfg.min_df, "dtype": np.float32}
        blocks = {"words": TfidfVectorizer(token_pattern=r"\S+", ngram_range=cfg.word_ngrams, **common)}
        if cfg.char_ngrams:
            blocks["chars"] = TfidfVectorizer(
                analyzer="char_wb", ngram_range=cfg.char_ngrams, max_features=cfg.max_char_features, **common
            )
        if cfg.folded_ngrams:
            blocks["folded"] = TfidfVectorizer(token_pattern=r"\S+", ngram_range=cfg.folded_ngrams, **common)
        if cfg.title_ngrams and cfg.title_mode in ("block", "both"):
            blocks["title"] = TfidfVectorizer(token_pattern=r"\S+", ngram_range=cfg.title_ngrams, **common)
        return blocks

    def _stack(self, matrices: dict[str, sp.csr_matrix]) -> sp.csr_matrix:
        parts = []
        for name, m in matrices.items():
            parts.append(m * self.config.title_weight if name == "title" else m)
        return sp.hstack(parts, format="csr")

    def fit_transform(self, texts: Sequence[str], titles: Sequence[str]) -> sp.csr_matrix:
        sources = self._sources(texts, titles)
        self.vectorizers = {}
        matrices = {}
        for name, vectorizer in self._make().items():
            matrices[name] = vectorizer.fit_transform(sources[name])
            vectorizer.stop_words_ = None
            self.vectorizers[name] = vectorizer
        return self._stack(matrices)

    def transform(self, texts: Sequence[str], titles: Sequence[str]) -> sp.csr_matrix:
        sources = self._sources(texts, titles)
        return self._stack({name: v.transform(sources[name]) for name, v in self.vectorizers.items()})


def _logreg(C: float, class_weight: str | None) -> LogisticRegression:
    return LogisticRegression(C=C, class_weight=class_weight, max_iter=2000, solver="lbfgs")


def _shrink(model: Any) -> Any:
    inner = model.estimator if isinstance(model, TemperatureCalibrated) else model
    inner.coef_ = inner.coef_.astype(np.float32)
    inner.intercept_ = inner.intercept_.astype(np.float32)
    return model


def _svc(C: float, class_weight: str | None) -> LinearSVC:
    return LinearSVC(C=C, class_weight=class_weight, dual="auto", max_iter=5000)


def _fit_model(
    estimator: str, C: float, class_weight: str | None, X: sp.csr_matrix, y: np.ndarray, w: np.ndarray
) -> Any:
    """Logistic regression, or a LinearSVC whose scores become probabilities by a fitted temperature."""
    if estimator == "logreg":
        return _shrink(_logreg(C, class_weight).fit(X, y, sample_weight=w))
    if estimator != "svm":
        raise ValueError(f"unknown estimator {estimator!r}: 'logreg' or 'svm'")
    model = _svc(C, class_weight).fit(X, y, sample_weight=w)
    counts = np.bincount(np.unique(y, return_inverse=True)[1])
    cv = int(min(3, counts.min()))
    if cv < 2:
        return _shrink(TemperatureCalibrated(model, 1.0))
    classes = model.classes_
    scores = np.zeros((len(y), len(classes)) if len(classes) > 2 else len(y), dtype=np.float64)
    for tr, te in StratifiedKFold(n_splits=cv, shuffle=True, random_state=13).split(np.zeros(len(y)), y):
        part = _svc(C, class_weight).fit(X[tr], y[tr], sample_weight=w[tr])
        d = part.decision_function(X[te])
        if d.ndim == 2 and len(part.classes_) != len(classes):  # a class missing from this fold
            full = np.full((len(te), len(classes)), -10.0)
            full[:, np.searchsorted(classes, part.classes_)] = d
            d = full
        scores[te] = d
    y_index = np.searchsorted(classes, y)
    return _shrink(TemperatureCalibrated(model, TemperatureCalibrated.fit_temperature(scores, y_index)))


def _weights(records: Sequence[dict[str, Any]], unsure: float) -> np.ndarray:
    return np.array([unsure if r.get("sure") is False else 1.0 for r in records], dtype=np.float64)


def _fit_core(records: Sequence[dict[str, Any]], config: OpinionConfig) -> dict[str, Any]:
    texts = [str(r.get("text") or "") for r in records]
    titles = [item_title(r) for r in records]
    feats = _Features(config)
    X = feats.fit_transform(texts, titles)
    w = _weights(records, config.unsure_weight)
    y_field = np.array([r["field"] for r in records])
    field_model = _fit_model(config.field_estimator, config.field_C, config.field_class_weight, X, y_field, w)
    mask = np.array([is_article(r) for r in records])
    field_article = None
    if getattr(config, "field_split", False) and mask.sum() >= 10 and len(set(y_field[mask].tolist())) >= 2:
        field_article = _fit_model(
            config.field_estimator,
            config.field_article_C,
            config.field_class_weight,
            X[mask],
            y_field[mask],
            w[mask],
        )
    y_sent = np.array([r["sentiment"] for r in records])
    sent_args = (config.sentiment_estimator, config.sentiment_C, config.sentiment_class_weight)
    article_model = None
    if getattr(config, "sentiment_split", False):
        if _splittable(y_sent, mask):
            article_model = _fit_model(*sent_args, X[mask], y_sent[mask], w[mask])
            sent_model = _fit_model(*sent_args, X[~mask], y_sent[~mask], w[~mask])
    if article_model is None:
        sent_model = _fit_model(*sent_args, X, y_sent, w)
    core: dict[str, Any] = {
        "features": feats,
        "field": field_model,
        "field_article": field_article,
        "sentiment": sent_model,
        "sentiment_article": article_model,
        "relevance": None,
    }
    if config.relevance == "separate":
        y_rel = np.array([gold_relevant(r) for r in records])
        core["relevance"] = _shrink(_logreg(config.field_C, "balanced").fit(X, y_rel, sample_weight=w))
    return core


def _splittable(y: np.ndarray, mask: np.ndarray, min_per_class: int = 5) -> bool:
    """Both parts (articles, the rest) hold every sentiment label at least ``min_per_class`` times."""
    labels = set(y.tolist())
    for part in (y[mask], y[~mask]):
        counts = Counter(part.tolist())
        if set(counts) != labels or min(counts.values()) < min_per_class:
            return False
    return True


def _fit_toxic(records: Sequence[dict[str, Any]], config: OpinionConfig) -> dict[str, Any]:
    toxic_features = OpinionConfig(
        char_ngrams=(2, 5), folded_ngrams=None, title_ngrams=None, min_df=2, max_char_features=60_000
    )
    feats = _Features(toxic_features)
    texts = [str(r.get("text") or "") for r in records]
    X = feats.fit_transform(texts, [""] * len(texts))
    y = np.array([bool(r["toxic"]) for r in records])
    return {"features": feats, "model": _shrink(_logreg(config.toxic_C, "balanced").fit(X, y))}


def _predict_core(core: dict[str, Any], config: OpinionConfig, items: Sequence[dict[str, Any]]) -> dict:
    texts = [str(i.get("text") or "") for i in items]
    titles = [item_title(i) for i in items]
    X = core["features"].transform(texts, titles)
    pf = core["field"].predict_proba(X)
    ps = core["sentiment"].predict_proba(X)
    labels = [str(c) for c in core["field"].classes_]
    mask = np.array([is_article(i) for i in items], dtype=bool)
    if mask.any() and core.get("field_article") is not None:
        fa = core["field_article"]
        part = np.zeros((int(mask.sum()), len(labels)))
        part[:, [labels.index(str(c)) for c in fa.classes_]] = fa.predict_proba(X[mask])
        pf[mask] = part
    if mask.any() and core.get("sentiment_article") is not None:
        ps[mask] = core["sentiment_article"].predict_proba(X[mask])
    if core.get("relevance") is not None:
        rel_model = core["relevance"]
        p_rel = rel_model.predict_proba(X)[:, list(rel_model.classes_).index(True)]
    elif NOT_RELEVANT in labels:
        p_rel = 1.0 - pf[:, labels.index(NOT_RELEVANT)]
    else:
        p_rel = np.ones(len(items))
    return {
        "field_labels": labels,
        "pf": pf,
        "ps": ps,
        "p_rel": p_rel,
        "sent_labels": [str(c) for c in core["sentiment"].classes_],
    }


def _decide(
    pred: dict[str, Any], config: OpinionConfig, i: int
) -> tuple[bool, float, str, float, dict, str, float]:
    labels, pf, ps = pred["field_labels"], pred["pf"][i], pred["ps"][i]
    p_rel = float(pred["p_rel"][i])
    relevant = p_rel >= config.relevance_threshold
    order = np.argsort(-pf)
    scores = {labels[j]: round(float(pf[j]), 4) for j in order[:3]}
    if relevant:
        cand = [j for j in order if labels[j] != NOT_RELEVANT]
        j = cand[0] if cand else order[0]
        fld, fconf = labels[j], float(pf[j])
        rconf = p_rel
    else:
        fld, fconf = NOT_RELEVANT, 1.0 - p_rel
        rconf = 1.0 - p_rel
    s = int(np.argmax(ps))
    return relevant, rconf, fld, fconf, scores, pred["sent_labels"][s], float(ps[s])


# ---------------------------------------------------------------------------------------------- bundle


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("scikit-learn", "numpy", "scipy"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover
            pass
    return out


class OpinionAnalyzer:
    """The loaded bundle. Build one with :func:`train`, open one with :meth:`load`."""

    def __init__(
        self,
        core: dict[str, Any],
        toxic: dict[str, Any] | None,
        config: OpinionConfig,
        card: dict,
        untitled: dict[str, Any] | None = None,
    ) -> None:
        self.core = core
        self.untitled = untitled
        self.toxic_model = toxic
        self.config = config
        self.card = card

    @property
    def version(self) -> str:
        return str(self.card.get("version") or "")

    @property
    def field_labels(self) -> list[str]:
        return [str(c) for c in self.core["field"].classes_]

    @property
    def sentiment_labels(self) -> list[str]:
        return [str(c) for c in self.core["sentiment"].classes_]

    def analyze(self, items: Sequence[dict[str, Any] | str], batch_size: int = 512) -> list[Analysis]:
        items = [{"text": i} if isinstance(i, str) else i for i in items]
        out: list[Analysis] = []
        for start in range(0, len(items), batch_size):
            batch = items[start : start + batch_size]
            # items without a title go to the untitled models when the bundle has them
            groups: dict[bool, list[int]] = {True: [], False: []}
            for k, item in enumerate(batch):
                groups[self.untitled is not None and not item_title(item)].append(k)
            routes: list[tuple[dict, int]] = [({}, 0)] * len(batch)  # (prediction of its group, index in it)
            for untitled, ks in groups.items():
                if ks:
                    pred = _predict_core(
                        self.untitled if untitled else self.core, self.config, [batch[k] for k in ks]
                    )
                    for local, k in enumerate(ks):
                        routes[k] = (pred, local)
            if self.toxic_model is not None:
                tx = self.toxic_model
                X = tx["features"].transform([str(i.get("text") or "") for i in batch], [""] * len(batch))
                p_tox = tx["model"].predict_proba(X)[:, list(tx["model"].classes_).index(True)]
            else:
                p_tox = np.zeros(len(batch))
            for k in range(len(batch)):
                pred, local = routes[k]
                rel, rconf, fld, fconf, scores, sent, sconf = _decide(pred, self.config, local)
                toxic = bool(p_tox[k] >= self.config.toxic_threshold)
                out.append(
                    Analysis(
                        relevant=bool(rel),
                        relevance_confidence=round(rconf, 4),
                        field=fld,
                        field_confidence=round(fconf, 4),
                        field_scores=scores,
                        sentiment=sent,
                        sentiment_confidence=round(sconf, 4),
                        toxic=toxic,
                        toxic_confidence=round(float(p_tox[k] if toxic else 1.0 - p_tox[k]), 4),
                    )
                )
        return out

    def save(self, directory: str | Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        payload = {
            "format": CARD_FORMAT,
            "core": self.core,
            "untitled_core": self.untitled,
            "toxic": self.toxic_model,
            "config": self.config.to_dict(),
        }
        with open(directory / MODEL_FILE, "wb") as fh:
            pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
        sha = _sha256(directory / MODEL_FILE)
        card = dict(self.card)
        card.update({"format": CARD_FORMAT, "sha256": sha, "version": f"opinion-{sha[:12]}"})
        card["size_bytes"] = (directory / MODEL_FILE).stat().st_size
        (directory / CARD_FILE).write_text(
            json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        self.card = card
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> OpinionAnalyzer:
        directory = Path(directory)
        card_path, model_path = directory / CARD_FILE, directory / MODEL_FILE
        if not card_path.exists() or not model_path.exists():
            raise OpinionIntegrityError(f"{directory}: expected {CARD_FILE} and {MODEL_FILE}")
        card = json.loads(card_path.read_text(encoding="utf-8"))
        if card.get("format") != CARD_FORMAT:
            raise OpinionIntegrityError(f"{card_path}: not an opinion bundle card")
        if _sha256(model_path) != card.get("sha256"):
            raise OpinionIntegrityError(
                f"{model_path}: SHA-256 differs from the model card; refusing to load"
            )
        with open(model_path, "rb") as fh:
            payload = pickle.load(fh)
        return cls(
            payload["core"],
            payload["toxic"],
            OpinionConfig.from_dict(payload["config"]),
            card,
            untitled=payload.get("untitled_core"),
        )


# ---------------------------------------------------------------------------------------------- training


def _clean(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in records:
        # an article whose opening sits in its title (empty text) still teaches: keep it (the CV does)
        if (
            not (str(r.get("text") or "") + item_title(r)).strip()
            or not r.get("field")
            or not r.get("sentiment")
        ):
            continue
        out.append(r)
    return out


def train(
    records: Iterable[dict[str, Any]],
    out_dir: str | Path,
    *,
    extra_records: Iterable[dict[str, Any]] = (),
    toxic_records: Iterable[dict[str, Any]] = (),
    config: OpinionConfig | None = None,
    seed: int = 13,
    cv_folds: int = 0,
    data_info: dict[str, Any] | None = None,
    extra_weight: float = 1.0,
) -> Path:
    """Train the bundle on ``records`` (+ ``extra_records``, e.g. analysts' labels) and save it to ``out_dir``.

    ``toxic_records`` are ``{"text", "toxic": bool}`` (UIT-ViCTSD); without them the toxic flag is always false.
    ``cv_folds`` > 1 runs a stratified cross-validation first and writes its mean ± sd into the card.
    """
    config = config or OpinionConfig()
    base = _clean(records)
    extra = [dict(r, sure=r.get("sure", True)) for r in _clean(extra_records)]
    data = base + extra
    if len(data) < 10:
        raise ValueError("at least 10 labelled items are needed to train the opinion bundle")
    random.Random(seed).shuffle(data)
    np.random.seed(seed)
    started = time.perf_counter()
    cv = cross_validate(data, config, folds=cv_folds, seed=seed) if cv_folds > 1 else None
    core = _fit_core(data, config)
    untitled = _fit_untitled(data, config) if config.untitled_core else None
    toxic_list = list(toxic_records)
    toxic = _fit_toxic(toxic_list, config) if toxic_list else None
    card = {
        "task": "opinion: relevance, field, sentiment, toxic flag",
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed": seed,
        "config": config.to_dict(),
        "labels": {
            "field": [str(c) for c in core["field"].classes_],
            "sentiment": [str(c) for c in core["sentiment"].classes_],
            "relevance": [True, False],
            "toxic": [True, False],
        },
        "data": dict(data_info or {}),
        "sizes": {
            "base_records": len(base),
            "extra_records": len(extra),
            "toxic_records": len(toxic_list),
            "field_counts": dict(Counter(r["field"] for r in data).most_common()),
            "sentiment_counts": dict(Counter(r["sentiment"] for r in data).most_common()),
        },
        "cv": cv,
        "research_only": {
            "field": False,
            "sentiment": False,
            "relevance": False,
            "toxic": bool(toxic_list),
        },
        "research_only_reason": (
            "the toxic flag is trained on UIT-ViCTSD, whose source states no licence: research use only"
            if toxic_list
            else ""
        ),
        "train_seconds": round(time.perf_counter() - started, 1),
        "libraries": _library_versions(),
    }
    return OpinionAnalyzer(core, toxic, config, card, untitled=untitled).save(out_dir)


def _summary(gold: Sequence[dict[str, Any]], analyses: Sequence[Analysis]) -> dict[str, Any]:
    fields_true = [g["field"] for g in gold]
    fields_pred = [a.field for a in analyses]
    field = classification_scores(fields_true, fields_pred)
    rel_true = [gold_relevant(g) for g in gold]
    rel_pred = [a.relevant for a in analyses]
    tp = sum(1 for t, p in zip(rel_true, rel_pred, strict=True) if t and p)
    fp = sum(1 for t, p in zip(rel_true, rel_pred, strict=True) if p and not t)
    fn = sum(1 for t, p in zip(rel_true, rel_pred, strict=True) if t and not p)
    rel_f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    sent = classification_scores([g["sentiment"] for g in gold], [a.sentiment for a in analyses])
    return {
        "field": field,
        "sentiment": sent,
        "relevance": {
            "precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
            "recall": round(tp / (tp + fn), 4) if tp + fn else 0.0,
            "f1": round(rel_f1, 4),
            "support": sum(rel_true),
        },
        "field_accuracy": field["accuracy"],
        "field_macro_f1": field["macro_f1"],
        "relevance_f1": round(rel_f1, 4),
        "sentiment_weighted_f1": sent["weighted_f1"],
        "n": len(gold),
    }


SUMMARY_KEYS = ("field_accuracy", "field_macro_f1", "relevance_f1", "sentiment_weighted_f1", "n")


def evaluate(analyzer: OpinionAnalyzer, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per-class results (``field``, ``sentiment``, ``relevance``) and the summary keys."""
    records = list(records)
    return _summary(records, analyzer.analyze(records))


def cross_validate(
    records: Sequence[dict[str, Any]], config: OpinionConfig, folds: int = 5, seed: int = 13
) -> dict[str, Any]:
    """Stratified (by field) k-fold CV of field, relevance and sentiment: mean, sd and per-fold values."""
    records = list(records)
    y = np.array([r["field"] for r in records])
    skf = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    per_fold: dict[str, list[float]] = defaultdict(list)
    per_class: dict[str, list[float]] = defaultdict(list)
    untitled_fold: dict[str, list[float]] = defaultdict(list)
    for train_idx, test_idx in skf.split(np.zeros(len(y)), y):
        train_part = [records[i] for i in train_idx]
        core = _fit_core(train_part, config)
        untitled = _fit_untitled(train_part, config) if config.untitled_core else None
        analyzer = OpinionAnalyzer(core, None, config, {}, untitled=untitled)
        result = evaluate(analyzer, [records[i] for i in test_idx])
        for key in SUMMARY_KEYS[:-1]:
            per_fold[key].append(result[key])
        # the same held-out items seen without any title (how most posts and comments arrive)
        bare = evaluate(analyzer, [without_title(records[i]) for i in test_idx])
        for key in SUMMARY_KEYS[:-1]:
            untitled_fold[key].append(bare[key])
        for label, row in result["field"]["per_class"].items():
            per_class[label].append(row["f1"])
    out: dict[str, Any] = {"folds": folds, "seed": seed}
    for key, values in per_fold.items():
        out[key] = {
            "mean": round(float(np.mean(values)), 4),
            "sd": round(float(np.std(values)), 4),
            "folds": values,
        }
    out["field_f1_per_class"] = {k: round(float(np.mean(v)), 4) for k, v in sorted(per_class.items())}
    out["without_titles"] = {
        key: {"mean": round(float(np.mean(v)), 4), "sd": round(float(np.std(v)), 4)}
        for key, v in untitled_fold.items()
    }
    return out


def _stratified_holdout(records: Sequence[dict[str, Any]], fraction: float, seed: int) -> tuple[list, list]:
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        by_label[r["field"]].append(i)
    rng = random.Random(seed)
    held: set[int] = set()
    for idx in by_label.values():
        rng.shuffle(idx)
        k = int(round(len(idx) * fraction))
        if len(idx) >= 2:
            k = max(1, min(k, len(idx) - 1))
        else:
            k = 0
        held.update(idx[:k])
    rest = [r for i, r in enumerate(records) if i not in held]
    hold = [r for i, r in enumerate(records) if i in held]
    return rest, hold


def retrain(
    base_records: Iterable[dict[str, Any]],
    analyst_records: Iterable[dict[str, Any]],
    out_dir: str | Path,
    holdout_fraction: float = 0.2,
    seed: int = 13,
    *,
    current: OpinionAnalyzer | str | Path | None = None,
    toxic_records: Iterable[dict[str, Any]] = (),
    config: OpinionConfig | None = None,
    data_info: dict[str, Any] | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Train a new bundle on the shipped set + most analysts' labels; compare it with ``current`` on the rest.

    A stratified ``holdout_fraction`` of the analysts' labels is held back; both bundles are evaluated on it.
    Returns ``(new bundle dir, report)``; the report has ``current``, ``candidate`` (summary metrics),
    ``delta`` (candidate - current), ``holdout_n``, ``train_n`` and ``better`` (True when the candidate's
    field macro-F1 and accuracy are not worse). The caller decides whether to promote.
    """
    analysts = _clean(analyst_records)
    rest, hold = _stratified_holdout(analysts, holdout_fraction, seed) if analysts else ([], [])
    base = list(base_records)
    toxic_list = list(toxic_records)
    if current is not None and not isinstance(current, OpinionAnalyzer):
        current = OpinionAnalyzer.load(current)
    if config is None and isinstance(current, OpinionAnalyzer):
        config = current.config
    toxic_reuse = None
    if not toxic_list and isinstance(current, OpinionAnalyzer):
        toxic_reuse = current.toxic_model
    info = dict(data_info or {})
    info.update({"analyst_labels_used": len(rest), "analyst_labels_held_back": len(hold)})
    path = train(
        base, out_dir, extra_records=rest, toxic_records=toxic_list, config=config, seed=seed, data_info=info
    )
    candidate = OpinionAnalyzer.load(path)
    if toxic_reuse is not None:
        candidate.toxic_model = toxic_reuse
        candidate.card["research_only"]["toxic"] = True
        candidate.card["research_only_reason"] = current.card.get("research_only_reason") or ""  # type: ignore[union-attr]
        candidate.save(path)
    report: dict[str, Any] = {
        "holdout_n": len(hold),
        "train_n": len(base) + len(rest),
        "candidate_version": candidate.version,
        "current_version": current.version if isinstance(current, OpinionAnalyzer) else None,
    }
    if hold:
        cand = evaluate(candidate, hold)
        report["candidate"] = {k: cand[k] for k in SUMMARY_KEYS}
        report["candidate_per_class"] = cand["field"]["per_class"]
        if isinstance(current, OpinionAnalyzer):
            cur = evaluate(current, hold)
            report["current"] = {k: cur[k] for k in SUMMARY_KEYS}
            report["delta"] = {k: round(cand[k] - cur[k], 4) for k in SUMMARY_KEYS[:-1]}
            report["better"] = bool(
                report["delta"]["field_macro_f1"] >= 0 and report["delta"]["field_accuracy"] >= 0
            )
        else:
            report["current"] = None
            report["delta"] = None
            report["better"] = True
    else:
        report.update({"candidate": None, "current": None, "delta": None, "better": None})
    return path, report
