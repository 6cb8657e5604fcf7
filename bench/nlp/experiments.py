"""Feature-choice experiments behind the defaults (segmenter, character n-grams, slang, context).

Scores every setting on the dev split (or a held-out part of train) and writes a JSON table. It is how the
choices in docs/nlp.md were made; rerun it with

    .venv/bin/python bench/nlp/experiments.py --shared ../shared/data --out bench/nlp/experiments.json

Takes about 10-15 minutes on 2 cores (underthesea segmentation of the larger sets dominates).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from danvan.nlp.classify import ClassifierConfig, tune  # noqa: E402
from danvan.nlp.datasets import convert, read_texts_labels  # noqa: E402
from danvan.nlp.normalize import NormalizerConfig  # noqa: E402


def _split(data: tuple[list[str], list[str], list[str]], fraction: float, seed: int = 13):
    index = list(range(len(data[0])))
    random.Random(seed).shuffle(index)
    cut = int(len(index) * (1 - fraction))
    pick = lambda idx: tuple([part[i] for i in idx] for part in data)  # noqa: E731
    return pick(index[:cut]), pick(index[cut:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared", default=os.environ.get("DANVAN_SHARED_DATA", str(REPO.parent / "shared" / "data"))
    )
    parser.add_argument("--out", default=str(REPO / "bench" / "nlp" / "experiments.json"))
    parser.add_argument("--only", nargs="*", default=None, help="subset of experiments")
    args = parser.parse_args()
    shared = Path(args.shared)
    if not shared.exists():
        sys.exit(f"no shared data at {shared}")
    work = Path(tempfile.mkdtemp(prefix="danvan-nlp-exp-"))
    sets = {
        "vsfc_sentiment": ("vsfc", shared / "raw/uit-vsfc", "sentiment", "weighted_f1"),
        "vihsd": ("vihsd", shared / "raw/vihsd", None, "macro_f1"),
        "victsd_toxicity": ("victsd", shared / "raw/uit-victsd", "toxicity", "macro_f1"),
        "domain_field": ("domain", shared / "domain", "field", "macro_f1"),
        "vntc_sample": ("vntc", shared / "raw/vntc-10topics", None, "accuracy"),
    }
    results: dict[str, list[dict]] = {}
    if Path(args.out).exists():
        results = json.loads(Path(args.out).read_text())
    for name, (kind, src, field, metric) in sets.items():
        if args.only and name not in args.only:
            continue
        train_path = work / f"{name}-train.jsonl"
        convert(kind, src, train_path, "train", field)
        train = read_texts_labels(train_path)
        if kind in ("vntc", "domain"):
            if kind == "vntc":  # a sample keeps underthesea's segmentation time reasonable
                train, _ = _split(train, 0.75)
            train, dev = _split(train, 0.2)
        else:
            dev_path = work / f"{name}-dev.jsonl"
            convert(kind, src, dev_path, "dev", field)
            dev = read_texts_labels(dev_path)
        base = ClassifierConfig()
        long_docs = kind == "vntc"
        rows: list[dict] = []

        def log(row: dict, tag: str, rows: list = rows, name: str = name) -> None:
            row = {"experiment": tag, **{k: (list(v) if isinstance(v, tuple) else v) for k, v in row.items()}}
            rows.append(row)
            print(name, json.dumps(row, ensure_ascii=False), flush=True)

        # 1. segmenter x character n-grams
        for segmenter in ("syllable", "pyvi", "underthesea"):
            started = time.perf_counter()
            chars = [None] if long_docs else [None, (1, 4)]
            tune(
                train,
                dev,
                replace(base, segmenter=segmenter),
                {"char_ngrams": chars, "C": [0.1, 0.3, 1.0]},
                metric=metric,
                log=lambda r: log(r, "segmenter"),
            )
            print(name, segmenter, "seconds", round(time.perf_counter() - started, 1), flush=True)
        # 2. normalisation steps, word n-gram range, folded features, class weights (syllables)
        char = None if long_docs else (1, 4)
        syll = replace(base, char_ngrams=char)
        tune(
            train,
            dev,
            syll,
            {"word_ngrams": [(1, 1), (1, 2), (1, 3)], "C": [0.3, 1.0]},
            metric=metric,
            log=lambda r: log(r, "word_ngrams"),
        )
        no_slang = NormalizerConfig(slang=False).to_dict()
        raw = NormalizerConfig(
            slang=False, numbers=False, placeholders=False, emoji=False, repeats=False, tones=False
        ).to_dict()
        tune(
            train,
            dev,
            syll,
            {"normalizer": [NormalizerConfig().to_dict(), no_slang, raw], "C": [0.3, 1.0]},
            metric=metric,
            log=lambda r: log(r, "normalizer"),
        )
        if not long_docs:
            tune(
                train,
                dev,
                syll,
                {"folded_ngrams": [None, (1, 2)], "C": [0.3, 1.0]},
                metric=metric,
                log=lambda r: log(r, "folded"),
            )
            tune(
                train,
                dev,
                syll,
                {"class_weight": [None, "balanced"], "C": [0.1, 0.3, 1.0]},
                metric=metric,
                log=lambda r: log(r, "class_weight"),
            )
        if kind in ("domain", "victsd"):
            tune(
                train,
                dev,
                syll,
                {"use_context": [False, True], "C": [0.3, 1.0]},
                metric=metric,
                log=lambda r: log(r, "context"),
            )
        results[name] = rows
        Path(args.out).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print("written", args.out)


if __name__ == "__main__":
    main()
