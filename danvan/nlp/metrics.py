"""Classification metrics (accuracy, macro and weighted F1, per class, calibration)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

__all__ = ["classification_scores", "expected_calibration_error", "format_report"]


def classification_scores(
    y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str] | None = None
) -> dict[str, Any]:
    """``n``, ``accuracy``, ``macro_f1``, ``weighted_f1`` and ``per_class`` (precision, recall, f1, support)."""
    if labels is None:
        labels = sorted(set(y_true) | set(y_pred))
    labels = list(labels)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    present = [label for label, s in zip(labels, support, strict=True) if s > 0]
    return {
        "n": len(y_true),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(
            float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)), 4
        ),
        "weighted_f1": round(
            float(f1_score(y_true, y_pred, labels=present, average="weighted", zero_division=0)), 4
        ),
        "per_class": {
            label: {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
                "support": int(s),
            }
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
    }


def expected_calibration_error(probabilities: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Top-label expected calibration error: mean |confidence − accuracy| over equal-width confidence bins."""
    confidence = probabilities.max(axis=1)
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = len(confidence)
    if total == 0:
        return 0.0
    error = 0.0
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        mask = (confidence > low) & (confidence <= high)
        if mask.any():
            error += mask.sum() / total * abs(confidence[mask].mean() - correct[mask].mean())
    return round(float(error), 4)


def format_report(scores: dict[str, Any]) -> str:
    """A per-class table like scikit-learn's classification report."""
    per_class = scores["per_class"]
    width = max([len(label) for label in per_class] + [12])
    lines = [f"{'class':<{width}}  precision  recall      f1  support"]
    for label, row in per_class.items():
        lines.append(
            f"{label:<{width}}  {row['precision']:9.4f}  {row['recall']:6.4f}  {row['f1']:6.4f}  {row['support']:7d}"
        )
    lines.append(
        f"{'accuracy':<{width}}  {'':9}  {'':6}  {scores['accuracy']:6.4f}  {scores['n']:7d}\n"
        f"{'macro F1':<{width}}  {'':9}  {'':6}  {scores['macro_f1']:6.4f}\n"
        f"{'weighted F1':<{width}}  {'':9}  {'':6}  {scores['weighted_f1']:6.4f}"
    )
    return "\n".join(lines)
