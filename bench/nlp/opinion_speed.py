"""Items/s of the shipped opinion bundle on short items (median of 3): ``python bench/nlp/opinion_speed.py``."""

import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from danvan.nlp.datasets import read_jsonl
from danvan.nlp.opinion import OpinionAnalyzer

if __name__ == "__main__":
    a = OpinionAnalyzer.load("data/models/opinion/default")
    items = [
        {"text": r["text"][:200], "title": r.get("article_title") or r.get("title") or ""}
        for r in read_jsonl("data/opinion/train.jsonl")
    ][:2000]
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        a.analyze(items)
        runs.append(len(items) / (time.perf_counter() - t))
    print(
        {
            "items": len(items),
            "items_per_s_median": round(statistics.median(runs)),
            "runs": [round(r) for r in runs],
        }
    )
