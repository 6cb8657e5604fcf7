"""CV experiments for the opinion bundle: ``python bench/nlp/opinion_cv.py [name ...]`` (5-fold, seed 13)."""

import json
import sys
import time
from dataclasses import replace

from danvan.nlp.datasets import read_jsonl
from danvan.nlp.opinion import OpinionConfig, cross_validate

BASE = OpinionConfig()
EXPERIMENTS = {
    "default": BASE,
    "no_title": replace(BASE, title_ngrams=None),
    "no_folded": replace(BASE, folded_ngrams=None),
    "no_class_weight": replace(BASE, field_class_weight=None),
    "unsure_1": replace(BASE, unsure_weight=1.0),
    "separate_relevance": replace(BASE, relevance="separate"),
    "C_field_30": replace(BASE, field_C=30.0),
    "C_sent_10": replace(BASE, sentiment_C=10.0),
    "sent_balanced": replace(BASE, sentiment_class_weight="balanced"),
    "char_1_4": replace(BASE, char_ngrams=(1, 4)),
    "title_1.0": replace(BASE, title_weight=1.0),
    # the earlier classify.py set-up: title appended to the text, char 1-4, min_df 1, LinearSVC C=1 balanced
    "svm_append": replace(
        BASE,
        title_mode="append",
        char_ngrams=(1, 4),
        folded_ngrams=None,
        min_df=1,
        field_estimator="svm",
        field_C=1.0,
        sentiment_estimator="svm",
        sentiment_C=1.0,
        sentiment_class_weight="balanced",
    ),
    "svm_both": replace(
        BASE,
        title_mode="both",
        field_estimator="svm",
        field_C=1.0,
        sentiment_estimator="svm",
        sentiment_C=1.0,
        sentiment_class_weight="balanced",
    ),
}

if __name__ == "__main__":
    records = list(
        read_jsonl(
            sys.argv[1]
            if len(sys.argv) > 1 and sys.argv[1].endswith(".jsonl")
            else "data/opinion/train.jsonl"
        )
    )
    names = [a for a in sys.argv[1:] if not a.endswith(".jsonl")] or list(EXPERIMENTS)
    for name in names:
        t = time.perf_counter()
        cv = cross_validate(records, EXPERIMENTS[name], folds=5, seed=13)
        row = {k: (v["mean"], v["sd"]) for k, v in cv.items() if isinstance(v, dict) and "mean" in v}
        print(json.dumps({"name": name, **row, "s": round(time.perf_counter() - t)}), flush=True)
