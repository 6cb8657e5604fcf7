"""CV experiments for the opinion bundle: ``python bench/nlp/opinion_cv.py [name ...]`` (5-fold, seed 13)."""

import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from danvan.nlp.datasets import read_jsonl
from danvan.nlp.opinion import CARD_FILE, OpinionConfig, cross_validate

BASE = OpinionConfig()
# LinearSVC C=1 balanced + temperature for field and sentiment, the title appended and as its own block
SVM_BOTH = replace(
    BASE,
    title_mode="both",
    field_estimator="svm",
    field_C=1.0,
    sentiment_estimator="svm",
    sentiment_C=1.0,
    sentiment_class_weight="balanced",
    sentiment_split=False,
    field_split=False,
)
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
    "svm_both": SVM_BOTH,
    # svm_both + one sentiment model for articles and one for comments
    "svm_split": replace(SVM_BOTH, sentiment_split=True),
    # svm_split + a field model of the articles' own (C=0.3) for the articles
    "svm_split2": replace(
        SVM_BOTH, sentiment_split=True, field_split=True, field_article_C=0.3, untitled_core=False
    ),
    # svm_split2 + models of their own for items without any title (the shipped default)
    "svm_split2_untitled": replace(
        SVM_BOTH, sentiment_split=True, field_split=True, field_article_C=0.3, untitled_core=True
    ),
    "svm_split2_C1": replace(BASE, sentiment_split=True, field_split=True, field_article_C=1.0),
}


def write_card_cv(card_dir: str, name: str, cv: dict) -> None:
    """Put ``cv`` into the bundle card at ``card_dir`` (the card is outside the model's SHA-256)."""
    path = Path(card_dir) / CARD_FILE
    card = json.loads(path.read_text(encoding="utf-8"))
    if card.get("config") != json.loads(json.dumps(EXPERIMENTS[name].to_dict())):
        raise SystemExit(f"{path}: the bundle's config is not experiment {name!r}; not writing its CV")
    card["cv"] = {"source": f"bench/nlp/opinion_cv.py {name} (same config and data as the bundle)", **cv}
    path.write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    args = sys.argv[1:]
    card_dir = None
    if "--card" in args:  # --card DIR: write the (single) experiment's CV into that bundle's card
        i = args.index("--card")
        card_dir = args[i + 1]
        del args[i : i + 2]
    data = next((a for a in args if a.endswith(".jsonl")), "data/opinion/train.jsonl")
    records = list(read_jsonl(data))
    names = [a for a in args if not a.endswith(".jsonl")] or list(EXPERIMENTS)
    for name in names:
        t = time.perf_counter()
        cv = cross_validate(records, EXPERIMENTS[name], folds=5, seed=13)
        row = {k: (v["mean"], v["sd"]) for k, v in cv.items() if isinstance(v, dict) and "mean" in v}
        print(json.dumps({"name": name, **row, "s": round(time.perf_counter() - t)}), flush=True)
        if card_dir:
            write_card_cv(card_dir, name, cv)
