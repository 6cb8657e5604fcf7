"""Training with model selection on a dev split (or a held-out part of train), writing the artefact."""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from .classify import METRICS, Classifier, ClassifierConfig, tune
from .datasets import load_meta, read_texts_labels

__all__ = ["DEFAULT_GRID", "cross_validate", "stratified_split", "train_model"]

Data = tuple[list[str], list[str], list[str]]

#: Grid searched on dev when the caller gives none.
DEFAULT_GRID: dict[str, list[Any]] = {"C": [0.3, 1.0, 3.0]}


def stratified_split(data: Data, fraction: float, seed: int = 13) -> tuple[Data, Data]:
    """Split (texts, labels, contexts) keeping each label's share; returns (rest, held_out)."""
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(data[1]):
        by_label.setdefault(label, []).append(i)
    rng = random.Random(seed)
    held: list[int] = []
    for indices in by_label.values():
        rng.shuffle(indices)
        held.extend(indices[: max(1, round(len(indices) * fraction))] if len(indices) > 1 else [])
    held_set = set(held)
    rest = [i for i in range(len(data[0])) if i not in held_set]
    held.sort()

    def pick(idx: list[int]) -> Data:
        return ([data[0][i] for i in idx], [data[1][i] for i in idx], [data[2][i] for i in idx])

    return pick(rest), pick(held)


def cross_validate(data: Data, config: ClassifierConfig, folds: int = 5, seed: int = 13) -> dict[str, Any]:
    """Stratified k-fold scores (mean and per fold) of the calibrated classifier with *config*."""
    from sklearn.model_selection import StratifiedKFold

    labels = np.asarray(data[1])
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    per_fold: list[dict[str, Any]] = []
    predicted = np.empty(len(labels), dtype=object)
    for train_idx, test_idx in splitter.split(np.zeros(len(labels)), labels):
        fold_train = (
            [data[0][i] for i in train_idx],
            [data[1][i] for i in train_idx],
            [data[2][i] for i in train_idx],
        )
        clf = Classifier.train(fold_train[0], fold_train[1], config, contexts=fold_train[2])
        texts = [data[0][i] for i in test_idx]
        contexts = [data[2][i] for i in test_idx]
        scores = clf.evaluate(texts, [data[1][i] for i in test_idx], contexts)
        predicted[test_idx] = clf.predict(texts, contexts)
        per_fold.append({k: scores[k] for k in ("accuracy", "macro_f1", "weighted_f1")})
    from .metrics import classification_scores

    pooled = classification_scores(list(labels), list(predicted))
    return {
        "folds": folds,
        "accuracy": round(float(np.mean([f["accuracy"] for f in per_fold])), 4),
        "macro_f1": round(float(np.mean([f["macro_f1"] for f in per_fold])), 4),
        "weighted_f1": round(float(np.mean([f["weighted_f1"] for f in per_fold])), 4),
        "accuracy_sd": round(float(np.std([f["accuracy"] for f in per_fold])), 4),
        "macro_f1_sd": round(float(np.std([f["macro_f1"] for f in per_fold])), 4),
        "per_fold": per_fold,
        "per_class": pooled["per_class"],
    }


def _log_to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def train_model(
    train_path: str | Path,
    out: str | Path,
    dev_path: str | Path | None = None,
    base: ClassifierConfig | None = None,
    grid: dict[str, list[Any]] | None = None,
    metric: str = "accuracy",
    holdout: float = 0.1,
    refit: bool = True,
    cv_folds: int = 0,
    task: str | None = None,
    label_field: str = "label",
    n_jobs: int = 1,
    log: Callable[[str], None] = _log_to_stderr,
    extra_card: dict[str, Any] | None = None,
) -> Classifier:
    """Train on *train_path*, select settings from *grid* on the dev data, save to *out*.

    Dev data: *dev_path* if given; otherwise a stratified ``holdout`` share of train, in which case the
    final model is refitted on all of train when ``refit`` (the card then reports the held-out scores of
    the model trained without that share). ``cv_folds`` > 1 adds k-fold cross-validation scores on train.
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}")
    base = base or ClassifierConfig()
    grid = grid if grid is not None else DEFAULT_GRID
    train = read_texts_labels(train_path, label_field=label_field)
    if len(set(train[1])) < 2:
        raise ValueError(f"{train_path}: needs at least two distinct labels")
    meta = load_meta(train_path)
    if dev_path:
        dev = read_texts_labels(dev_path, label_field=label_field)
        fit_data, dev_source = train, f"dev file {Path(dev_path).name}"
    else:
        fit_data, dev = stratified_split(train, holdout)
        dev_source = f"stratified {holdout:.0%} of train held out (seed 13)"
    log(f"train {len(fit_data[0])} / dev {len(dev[0])} ({dev_source}); metric {metric}")
    started = time.perf_counter()
    tuning: list[dict[str, Any]] = []
    config = base
    if grid and any(len(v) > 1 for v in grid.values()):
        config, tuning = tune(
            fit_data, dev, base, grid, metric=metric,
            log=lambda row: log("  " + ", ".join(f"{k}={v}" for k, v in row.items())),
        )  # fmt: skip
        log(f"chosen: {', '.join(f'{k}={getattr(config, k)}' for k in grid)}")
    elif grid:
        config = replace(base, **{k: v[0] for k, v in grid.items()})
    classifier = Classifier.train(fit_data[0], fit_data[1], config, contexts=fit_data[2], n_jobs=n_jobs)
    dev_scores = classifier.evaluate(dev[0], dev[1], dev[2])
    log(
        f"dev: accuracy {dev_scores['accuracy']:.4f}, macro F1 {dev_scores['macro_f1']:.4f}, "
        f"weighted F1 {dev_scores['weighted_f1']:.4f}, calibration error {dev_scores['calibration_error']:.4f}"
    )
    refitted = False
    if not dev_path and refit:
        classifier = Classifier.train(train[0], train[1], config, contexts=train[2], n_jobs=n_jobs)
        refitted = True
    metrics: dict[str, Any] = {"dev": dev_scores, "dev_source": dev_source, "selection_metric": metric}
    if cv_folds > 1:
        log(f"{cv_folds}-fold cross-validation on train ...")
        metrics["cross_validation"] = cross_validate(train, config, folds=cv_folds)
        cv = metrics["cross_validation"]
        log(f"cv: accuracy {cv['accuracy']:.4f} ± {cv['accuracy_sd']:.4f}, macro F1 {cv['macro_f1']:.4f}")
    training_data = {
        "train": {"file": Path(train_path).name, "n": len(train[0])},
        "dev": {"file": Path(dev_path).name if dev_path else None, "n": len(dev[0]), "source": dev_source},
        "fitted_on": "train + held-out share (refit)" if refitted else "train",
        "label_field": label_field,
    }
    for key in ("dataset", "name", "source", "licence", "research_only", "split", "field"):
        if key in meta:
            training_data[key] = meta[key]
    card: dict[str, Any] = {
        "task": task or meta.get("dataset") or Path(train_path).stem,
        "training_data": training_data,
        "metrics": metrics,
        "tuning": tuning,
        "training_seconds": round(time.perf_counter() - started, 1),
    }
    if extra_card:
        card.update(extra_card)
    classifier.save(out, **card)
    log(f"saved {out}")
    return classifier


def parse_range(value: str | None) -> tuple[int, int] | None:
    """``"1,4"`` → (1, 4); ``"none"``/``""`` → None."""
    if value is None or value.strip().lower() in ("", "none", "off", "0"):
        return None
    parts = [int(p) for p in value.replace("-", ",").split(",")]
    if len(parts) == 1:
        return (parts[0], parts[0])
    if len(parts) != 2 or parts[0] < 1 or parts[1] < parts[0]:
        raise ValueError(f"not an n-gram range: {value!r}")
    return (parts[0], parts[1])


def parse_floats(values: Sequence[str]) -> list[float]:
    return [float(v) for v in values]
