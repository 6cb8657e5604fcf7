"""``python -m danvan.nlp models``: convert the public datasets and train the benchmark models.

Each model is tuned on its dev split (VNTC and the project's domain set have none: a stratified held-out
share of train, then a refit on all of train), and its card records the dev scores. Settings searched
(the grids below) come from ``bench/nlp/experiments.py``; see docs/nlp.md.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

from .classify import ClassifierConfig
from .datasets import DatasetError, convert
from .training import train_model

__all__ = ["MODEL_SPECS", "ModelSpec", "build_models"]

_SHORT = ClassifierConfig(char_ngrams=(1, 4))
_LONG = ClassifierConfig(char_ngrams=None, min_df=2)  # news articles: word n-grams only (speed, size)


@dataclass(frozen=True)
class ModelSpec:
    name: str
    dataset: str
    source: str  # path under the shared data folder
    metric: str
    base: ClassifierConfig
    grid: dict[str, list[Any]]
    field: str | None = None
    has_dev: bool = True
    holdout: float = 0.1
    refit: bool = True  # after holding out: refit on all of train
    cv_folds: int = 0
    published: str = ""
    target: dict[str, float] = dataclass_field(default_factory=dict)


MODEL_SPECS: list[ModelSpec] = [
    ModelSpec(
        "vntc_topic", "vntc", "raw/vntc-10topics", "accuracy", _LONG, {"C": [0.3, 1.0]},
        has_dev=False, holdout=0.1, refit=False,
        published="TF-IDF + LinearSVC 0.928 accuracy on the VNTC test split; SVM 96.21 % in the original paper",
        target={"accuracy": 0.93},
    ),
    ModelSpec(
        "vsfc_sentiment", "vsfc", "raw/uit-vsfc", "weighted_f1", _SHORT,
        {"C": [0.3, 1.0, 3.0], "class_weight": [None, "balanced"]}, field="sentiment",
        published="UIT-VSFC test: MaxEnt F1 87.94; TF-IDF SVM 89.3 weighted F1; Bi-LSTM 92.0; PhoBERT ≈ 93.2",
        target={"weighted_f1": 0.90},
    ),
    ModelSpec(
        "vsfc_topic", "vsfc", "raw/uit-vsfc", "weighted_f1", _SHORT,
        {"C": [0.3, 1.0, 3.0], "class_weight": [None, "balanced"]}, field="topic",
        published="UIT-VSFC paper reports topic classification on its test split (not quoted here)",
    ),
    ModelSpec(
        "vihsd", "vihsd", "raw/vihsd", "macro_f1", _SHORT,
        {"C": [0.1, 0.3, 1.0], "class_weight": [None, "balanced"]},
        published="ViHSD paper (test): Text CNN 86.69 acc / 61.11 macro F1; GRU 85.41 / 60.47",
    ),
    ModelSpec(
        "victsd_toxicity", "victsd", "raw/uit-victsd", "macro_f1", _SHORT,
        {"use_context": [False, True], "C": [0.3, 1.0, 3.0], "class_weight": [None, "balanced"]},
        field="toxicity", published="UIT-ViCTSD paper (test): PhoBERT F1 59.40 for toxic speech",
    ),
    ModelSpec(
        "victsd_constructiveness", "victsd", "raw/uit-victsd", "macro_f1", _SHORT,
        {"use_context": [False, True], "C": [0.3, 1.0], "class_weight": [None, "balanced"]},
        field="constructiveness", published="UIT-ViCTSD paper (test): PhoBERT F1 78.59 for constructiveness",
    ),
    ModelSpec(
        "domain_field", "domain", "domain", "macro_f1", _SHORT,
        {"use_context": [False, True], "C": [0.3, 1.0, 3.0], "class_weight": [None, "balanced"]},
        field="field", has_dev=False, holdout=0.2, cv_folds=5,
        published="no published result (the project's own labels)",
    ),
    ModelSpec(
        "domain_sentiment", "domain", "domain", "macro_f1", _SHORT,
        {"use_context": [False, True], "C": [0.3, 1.0, 3.0], "class_weight": [None, "balanced"]},
        field="sentiment", has_dev=False, holdout=0.2, cv_folds=5,
        published="no published result (the project's own labels)",
    ),
]  # fmt: skip


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_models(
    shared: str | Path, out: str | Path, only: list[str] | None = None, n_jobs: int = 1, log: Any = _log
) -> dict[str, Any]:
    """Convert, train and score every model in :data:`MODEL_SPECS` (or *only* those named)."""
    shared = Path(shared)
    out = Path(out)
    if not shared.exists():
        raise DatasetError(f"{shared}: shared data folder not found (give --shared)")
    data_dir = out / "datasets"
    data_dir.mkdir(parents=True, exist_ok=True)
    summary_path = out / "summary.json"
    summary: dict[str, Any] = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    summary.setdefault("models", {})
    started = time.perf_counter()
    specs = [s for s in MODEL_SPECS if not only or s.name in only]
    unknown = set(only or []) - {s.name for s in MODEL_SPECS}
    if unknown:
        raise ValueError(f"unknown model(s) {sorted(unknown)}; known: {[s.name for s in MODEL_SPECS]}")
    for spec in specs:
        log(f"== {spec.name}")
        model_started = time.perf_counter()
        suffix = ".jsonl.gz" if spec.dataset == "vntc" else ".jsonl"
        stem = f"{spec.dataset}-{spec.field}" if spec.field else spec.dataset
        train_file = data_dir / f"{stem}-train{suffix}"
        convert(spec.dataset, shared / spec.source, train_file, "train", spec.field)
        dev_file = None
        if spec.has_dev:
            dev_file = data_dir / f"{stem}-dev{suffix}"
            convert(spec.dataset, shared / spec.source, dev_file, "dev", spec.field)
        classifier = train_model(
            train_file, out / spec.name, dev_path=dev_file, base=spec.base, grid=spec.grid, metric=spec.metric,
            holdout=spec.holdout, refit=spec.refit, cv_folds=spec.cv_folds, task=spec.name, n_jobs=n_jobs, log=log,
            extra_card={"published_results": spec.published, "targets": spec.target},
        )  # fmt: skip
        metrics = classifier.card["metrics"]
        dev = metrics["dev"]
        entry = {
            "task": spec.name,
            "labels": classifier.labels,
            "n_train": classifier.card["training_data"]["train"]["n"],
            "dev_source": metrics["dev_source"],
            "selection_metric": spec.metric,
            "dev": {k: dev[k] for k in ("n", "accuracy", "macro_f1", "weighted_f1", "calibration_error")},
            "dev_per_class_f1": {label: row["f1"] for label, row in dev["per_class"].items()},
            "config": {
                k: classifier.card["config"][k]
                for k in ("segmenter", "word_ngrams", "char_ngrams", "use_context", "C", "class_weight")
            },  # fmt: skip
            "published": spec.published,
            "targets": spec.target,
            "licence": classifier.card["training_data"].get("licence"),
            "research_only": classifier.card["training_data"].get("research_only"),
            "seconds": round(time.perf_counter() - model_started, 1),
        }
        if "cross_validation" in metrics:
            cv = metrics["cross_validation"]
            entry["cross_validation"] = {k: cv[k] for k in ("folds", "accuracy", "macro_f1", "weighted_f1",
                                                            "accuracy_sd", "macro_f1_sd")}  # fmt: skip
        summary["models"][spec.name] = entry
        summary_path.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
        log(f"{spec.name}: {entry['seconds']} s")
    summary["last_run_seconds"] = round(time.perf_counter() - started, 1)
    summary_path.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    (out / "summary.md").write_text(summary_markdown(summary), encoding="utf-8")
    return summary


def summary_markdown(summary: dict[str, Any]) -> str:
    lines = [
        "| model | dev data | n train | accuracy | macro F1 | weighted F1 | calibration error | settings |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, entry in summary.get("models", {}).items():
        dev = entry["dev"]
        cfg = entry["config"]
        settings = f"C={cfg['C']}, class_weight={cfg['class_weight']}, context={cfg['use_context']}"
        lines.append(
            f"| {name} | {entry['dev_source']} (n={dev['n']}) | {entry['n_train']} | {dev['accuracy']:.4f} | "
            f"{dev['macro_f1']:.4f} | {dev['weighted_f1']:.4f} | {dev['calibration_error']:.4f} | {settings} |"
        )
        if "cross_validation" in entry:
            cv = entry["cross_validation"]
            lines.append(
                f"| {name} ({cv['folds']}-fold CV on train) | | | {cv['accuracy']:.4f} ± {cv['accuracy_sd']:.4f} | "
                f"{cv['macro_f1']:.4f} ± {cv['macro_f1_sd']:.4f} | {cv['weighted_f1']:.4f} | | |"
            )
    return "\n".join(lines) + "\n"
