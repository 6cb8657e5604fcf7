"""Command line: ``python -m danvan.nlp {convert,train,evaluate,predict,places,dedup,bursts,models}``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

__all__ = ["main"]


class UserError(Exception):
    """A mistake in the command line or the input: reported in one line, exit status 2."""


def _emit(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


def _records(path: str | None) -> Iterator[dict[str, Any]]:
    from .datasets import DatasetError, read_jsonl

    try:
        yield from read_jsonl(path or "-")
    except DatasetError as exc:
        raise UserError(str(exc)) from exc


def _batched(items: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _text(record: dict[str, Any], field: str) -> str:
    value = record.get(field)
    if value is None:
        raise UserError(f"input line without {field!r}: {json.dumps(record, ensure_ascii=False)[:80]}")
    return str(value)


def _context(record: dict[str, Any]) -> str:
    return str(record.get("context") or record.get("article_title") or record.get("title") or "")


def _load_classifier(path: str) -> Any:
    from .classify import Classifier, ModelIntegrityError

    try:
        return Classifier.load(path)
    except ModelIntegrityError as exc:
        raise UserError(f"mô hình không hợp lệ / invalid model: {exc}") from exc


# --- commands -------------------------------------------------------------------------------------------


def cmd_convert(args: argparse.Namespace) -> None:
    from .datasets import DatasetError, convert

    try:
        summary = convert(args.kind, args.src, args.out, split=args.split, field=args.field)
    except DatasetError as exc:
        raise UserError(str(exc)) from exc
    print(f"{summary['n']} records → {args.out}; labels {summary['labels']}", file=sys.stderr)


def cmd_train(args: argparse.Namespace) -> None:
    from dataclasses import replace

    from .classify import ClassifierConfig
    from .datasets import DatasetError
    from .training import parse_range, train_model

    base = ClassifierConfig()
    try:
        base = replace(
            base,
            segmenter=args.segmenter,
            word_ngrams=parse_range(args.word_ngrams) or (1, 1),
            char_ngrams=parse_range(args.char_ngrams),
            folded_ngrams=parse_range(args.folded_ngrams),
            min_df=args.min_df,
            use_context=args.use_context,
            estimator=args.estimator,
        )
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    grid: dict[str, list[Any]] = {"C": args.C}
    if args.class_weight == "tune":
        grid["class_weight"] = [None, "balanced"]
    else:
        base = replace(base, class_weight=None if args.class_weight == "none" else "balanced")
    try:
        train_model(
            args.train, args.out, dev_path=args.dev, base=base, grid=grid, metric=args.metric,
            holdout=args.holdout, refit=not args.no_refit, cv_folds=args.cv, task=args.task,
            label_field=args.label_field, n_jobs=args.jobs,
        )  # fmt: skip
    except (DatasetError, ValueError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from exc


def cmd_evaluate(args: argparse.Namespace) -> None:
    from .datasets import DatasetError, read_texts_labels
    from .metrics import format_report

    classifier = _load_classifier(args.model)
    try:
        texts, labels, contexts = read_texts_labels(args.data, args.label_field, args.text_field)
    except (DatasetError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from exc
    if not texts:
        raise UserError(f"{args.data}: no records")
    started = time.perf_counter()
    scores = classifier.evaluate(texts, labels, contexts)
    seconds = time.perf_counter() - started
    unknown = sorted(set(labels) - set(classifier.labels))
    if unknown:
        print(f"warning: labels not known to the model: {unknown}", file=sys.stderr)
    print(f"model {args.model} ({classifier.card.get('task', '?')}) on {args.data}")
    print(format_report(scores))
    print(f"calibration error (top label, 10 bins): {scores['calibration_error']:.4f}")
    result = {
        "n": scores["n"],
        "accuracy": scores["accuracy"],
        "macro_f1": scores["macro_f1"],
        "weighted_f1": scores["weighted_f1"],
        "seconds": round(seconds, 3),
        "docs_per_second": round(len(texts) / seconds, 1) if seconds > 0 else None,
    }
    print(json.dumps(result))


def cmd_predict(args: argparse.Namespace) -> None:
    classifier = _load_classifier(args.model)
    for batch in _batched(_records(args.input), args.batch_size):
        texts = [_text(r, args.text_field) for r in batch]
        scores = classifier.predict_scores(texts, [_context(r) for r in batch])
        for record, row in zip(batch, scores, strict=True):
            _emit({**record, "label": max(row, key=row.__getitem__), "scores": row})
        sys.stdout.flush()


def cmd_places(args: argparse.Namespace) -> None:
    from .places import Gazetteer

    gazetteer = Gazetteer.default()
    as_of = date.fromisoformat(args.as_of) if args.as_of else None
    for record in _records(args.input):
        record_as_of = as_of
        if record.get("date") and not as_of:
            try:
                record_as_of = date.fromisoformat(str(record["date"])[:10])
            except ValueError:
                record_as_of = None
        mentions = gazetteer.link(
            _text(record, args.text_field), as_of=record_as_of, province_hint=args.province
        )
        provinces = sorted({m.province_code for m in mentions if m.province_code})
        _emit({**record, "places": [m.to_dict() for m in mentions], "province_codes": provinces})


def cmd_dedup(args: argparse.Namespace) -> None:
    from .dedup import DuplicateIndex

    if not 0 < args.threshold <= 1:
        raise UserError("--threshold must be in (0, 1]")
    index = DuplicateIndex(threshold=args.threshold, num_perm=args.num_perm, shingle_size=args.shingle)
    records: list[dict[str, Any]] = []
    for number, record in enumerate(_records(args.input)):
        key = record.get(args.id_field, number)
        if key in index:
            raise UserError(f"duplicate id {key!r} in the input")
        matches = index.add(key, _text(record, args.text_field))
        records.append({**record, "_key": key, "_best": matches[0] if matches else None})
    if args.clusters:
        for cluster_number, members in enumerate(index.clusters(min_size=args.min_size)):
            _emit({"cluster": cluster_number, "size": len(members), "ids": members})
        return
    sizes: dict[Any, int] = {}
    for record in records:
        root = index.cluster_of(record["_key"])
        sizes[root] = sizes.get(root, 0) + 1
    for record in records:
        key, best = record.pop("_key"), record.pop("_best")
        root = index.cluster_of(key)
        _emit(
            {
                **record,
                "cluster": root,
                "cluster_size": sizes[root],
                "duplicate_of": best.key if best else None,
                "similarity": best.similarity if best else None,
            }
        )


def cmd_bursts(args: argparse.Namespace) -> None:
    from .bursts import backtest, burst_intervals, detect_bursts, forecast, kleinberg_states

    source = sys.stdin if not args.input or args.input == "-" else open(args.input, encoding="utf-8")
    raw = source.read().strip()
    try:
        if raw.startswith("["):
            items = json.loads(raw)
        else:
            items = [json.loads(line) for line in raw.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise UserError(f"input is neither a JSON array nor JSON Lines: {exc.msg}") from exc
    buckets = [i.get("bucket", n) if isinstance(i, dict) else n for n, i in enumerate(items)]
    try:
        counts = [float(i["count"]) if isinstance(i, dict) else float(i) for i in items]
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError("each item must be a number or an object with 'count'") from exc
    try:
        flagged = detect_bursts(
            counts, window=args.window, threshold=args.threshold, min_count=args.min_count
        )
        states = kleinberg_states(counts, s=args.s, gamma=args.gamma)
        result: dict[str, Any] = {
            "bursts": [{**b.to_dict(), "bucket": buckets[b.index]} for b in flagged],
            "kleinberg": [
                {"start": buckets[s], "end": buckets[e], "level": level}
                for s, e, level in burst_intervals(states)
            ],
        }
        if args.horizon:
            result["forecast"] = forecast(counts, args.horizon, args.season, args.level).to_dict()
            if args.backtest:
                result["backtest"] = backtest(counts, args.horizon, args.season, args.backtest, args.level)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    _emit(result)


def cmd_opinion_train(args: argparse.Namespace) -> None:
    import csv

    from .opinion import train

    records = list(_records(args.data))
    toxic: list[dict[str, Any]] = []
    if args.toxic:
        with open(args.toxic, encoding="utf-8") as fh:
            toxic = [
                {"text": row.get("Comment") or "", "toxic": (row.get("Toxicity") or "").strip() == "1"}
                for row in csv.DictReader(fh)
            ]
    out = train(
        records,
        args.out,
        toxic_records=toxic,
        seed=args.seed,
        cv_folds=args.cv,
        data_info={"training_set": args.data, "toxic_set": args.toxic or ""},
    )
    _emit({"out": str(out)})


def cmd_models(args: argparse.Namespace) -> None:
    from .build import build_models, summary_markdown
    from .datasets import DatasetError

    try:
        summary = build_models(args.shared, args.out, only=args.only, n_jobs=args.jobs)
    except (DatasetError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    print(summary_markdown(summary))
    print(f"total {summary['last_run_seconds']} s; summary in {Path(args.out) / 'summary.json'}")


# --- parser ---------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m danvan.nlp", description="Vietnamese NLP engine of Dân Vận Số"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("convert", help="convert a public dataset to JSON Lines (text, label)")
    p.add_argument(
        "--from", dest="kind", required=True, choices=["vntc", "vsfc", "vihsd", "victsd", "domain"]
    )
    p.add_argument("src", help="dataset file or folder")
    p.add_argument("--out", required=True, help="FILE.jsonl or FILE.jsonl.gz ('-' = stdout)")
    p.add_argument("--split", choices=["train", "dev", "test"], help="split to take when SRC is a folder")
    p.add_argument(
        "--field", help="vsfc: sentiment|topic; victsd: toxicity|constructiveness; domain: field|sentiment"
    )
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("train", help="train a classifier and write its artefact folder")
    p.add_argument("--train", required=True)
    p.add_argument("--dev", help="dev file used to choose settings (default: a held-out share of train)")
    p.add_argument("--out", required=True, help="model folder")
    p.add_argument("--task", help="task name for the model card")
    p.add_argument("--metric", default="accuracy", choices=["accuracy", "macro_f1", "weighted_f1"])
    p.add_argument("--C", type=float, nargs="+", default=[0.3, 1.0, 3.0], help="values tried on dev")
    p.add_argument("--class-weight", default="none", choices=["none", "balanced", "tune"])
    p.add_argument("--segmenter", default="syllable", choices=["syllable", "underthesea", "pyvi"])
    p.add_argument("--word-ngrams", default="1,2")
    p.add_argument("--char-ngrams", default="1,4", help="'none' to switch off (advised for long documents)")
    p.add_argument("--folded-ngrams", default="none", help="word n-grams of the diacritic-free text")
    p.add_argument("--min-df", type=int, default=1)
    p.add_argument(
        "--use-context", action="store_true", help="append the record's context (title) to the text"
    )
    p.add_argument("--estimator", default="svm", choices=["svm", "logreg"])
    p.add_argument(
        "--holdout", type=float, default=0.1, help="share of train held out when there is no --dev"
    )
    p.add_argument("--no-refit", action="store_true", help="do not refit on all of train after holding out")
    p.add_argument("--cv", type=int, default=0, help="also report k-fold cross-validation on train")
    p.add_argument("--label-field", default="label")
    p.add_argument("--jobs", type=int, default=1)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="per-class scores; last line: JSON summary")
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--label-field", default="label")
    p.add_argument("--text-field", default="text")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("predict", help='JSONL {"text": ...} on stdin → JSONL with label and scores')
    p.add_argument("--model", required=True)
    p.add_argument("--in", dest="input", help="input JSONL (default stdin)")
    p.add_argument("--text-field", default="text")
    p.add_argument("--batch-size", type=int, default=256)
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("places", help="link place mentions: JSONL in → JSONL with places")
    p.add_argument("--in", dest="input", help="input JSONL (default stdin)")
    p.add_argument("--text-field", default="text")
    p.add_argument("--as-of", help="YYYY-MM-DD the texts refer to (else each record's 'date', else today)")
    p.add_argument("--province", help="current province code to resolve ambiguous commune names")
    p.set_defaults(func=cmd_places)

    p = sub.add_parser("dedup", help="group near-duplicates: JSONL in → JSONL with cluster")
    p.add_argument("--in", dest="input", help="input JSONL (default stdin)")
    p.add_argument("--text-field", default="text")
    p.add_argument("--id-field", default="id", help="record key (default: line number when absent)")
    p.add_argument("--threshold", type=float, default=0.8, help="Jaccard similarity of shingle sets")
    p.add_argument("--num-perm", type=int, default=128)
    p.add_argument("--shingle", type=int, default=3, help="syllables per shingle")
    p.add_argument("--clusters", action="store_true", help="print one line per cluster instead")
    p.add_argument("--min-size", type=int, default=2, help="with --clusters: smallest cluster printed")
    p.set_defaults(func=cmd_dedup)

    p = sub.add_parser("bursts", help="bursts and forecast for counts per bucket (JSON array or JSONL)")
    p.add_argument("--in", dest="input", help="input (default stdin)")
    p.add_argument("--window", type=int, default=28)
    p.add_argument("--threshold", type=float, default=4.0)
    p.add_argument("--min-count", type=float, default=5)
    p.add_argument("--s", type=float, default=2.0, help="Kleinberg rate ratio between states")
    p.add_argument("--gamma", type=float, default=1.0, help="Kleinberg cost of moving up a state")
    p.add_argument("--horizon", type=int, default=0, help="forecast this many buckets")
    p.add_argument("--season", type=int, default=None, help="seasonal period (e.g. 7 for days)")
    p.add_argument("--level", type=float, default=0.9)
    p.add_argument("--backtest", type=int, default=0, help="rolling origins for a back-test")
    p.set_defaults(func=cmd_bursts)

    p = sub.add_parser("opinion-train", help="train the opinion bundle (relevance, field, sentiment, toxic)")
    p.add_argument("--data", default="data/opinion/train.jsonl")
    p.add_argument("--out", default="data/models/opinion/default")
    p.add_argument("--toxic", help="UIT-ViCTSD train CSV for the toxic flag (research only)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--cv", type=int, default=0, help="run a k-fold CV first and write it into the card")
    p.set_defaults(func=cmd_opinion_train)

    p = sub.add_parser("models", help="convert the public datasets and train the benchmark models")
    p.add_argument("--shared", default="../shared/data", help="the shared data folder")
    p.add_argument("--out", default="var/models")
    p.add_argument("--only", nargs="+", help="train only these models")
    p.add_argument("--jobs", type=int, default=2)
    p.set_defaults(func=cmd_models)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except UserError as exc:
        print(f"lỗi / error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except FileNotFoundError as exc:
        print(f"lỗi / error: không tìm thấy tệp / file not found: {exc.filename}", file=sys.stderr)
        return 2
    return 0
