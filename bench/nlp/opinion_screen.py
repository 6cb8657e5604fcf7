"""Fast screening of opinion feature variants on the CV folds of ``opinion_cv.py`` (5-fold, seed 13).

    PYTHONPATH=. nice -n 19 .venv/bin/python bench/nlp/opinion_screen.py [variant ...]

Each fold's TF-IDF blocks are fitted once (the shipped ``svm_split2`` feature set: words, chars, folded, title),
then every variant adds or swaps blocks and fits plain LinearSVCs (no temperature: it keeps the argmax): the
field as shipped (the all-data model for comments, a model of the articles' own, C=0.3, for the articles) and
the sentiment as shipped (one model for articles, one for comments). Figures: fold mean ± sd and the paired
per-fold difference from ``base``; comparable with each other, not exactly with ``opinion_cv.py``.
Only the training part of each fold is used to fit anything (vectorizers, lexicons, scalers).
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from danvan.nlp.classify import CONTEXT_SEPARATOR
from danvan.nlp.datasets import read_jsonl
from danvan.nlp.normalize import Normalizer, fold_diacritics
from danvan.nlp.opinion import is_article, item_title

NEGATORS = ("không", "chẳng", "chưa", "đừng", "chả", "chớ", "đâu_có", "không_hề", "chẳng_hề", "chưa_hề")
STOP_MARK = frozenset(".,!?;:()[]\"'…-/" + CONTEXT_SEPARATOR)


def mark_negation(text: str, span: int = 3) -> str:
    """Prefix the ``span`` tokens after a negator with ``NOT_`` (stops at punctuation and the title separator)."""
    toks = text.split()
    out, left = [], 0
    i = 0
    while i < len(toks):
        t = toks[i]
        if t in STOP_MARK or t == CONTEXT_SEPARATOR:
            left = 0
            out.append(t)
        elif t in ("không", "chẳng", "chưa", "đừng", "chả", "chớ"):
            out.append(t)
            if i + 1 < len(toks) and toks[i + 1] == "hề":
                out.append("hề")
                i += 1
            left = span
        elif left > 0:
            out.append("NOT_" + t)
            left -= 1
        else:
            out.append(t)
        i += 1
    return " ".join(out)


def tfidf(**kw) -> TfidfVectorizer:
    return TfidfVectorizer(lowercase=False, sublinear_tf=True, min_df=2, dtype=np.float32, **kw)


def svc(C: float) -> LinearSVC:
    return LinearSVC(C=C, class_weight="balanced", dual="auto", max_iter=5000)


def load(path: str = "data/opinion/train.jsonl") -> list[dict]:
    norm = Normalizer()
    recs = list(read_jsonl(path))
    for r in recs:
        r["_n"] = norm(str(r.get("text") or ""))
        t = item_title(r)
        r["_t"] = norm(t) if t else ""
        r["_nt"] = f"{r['_n']} {CONTEXT_SEPARATOR} {r['_t']}" if r["_t"] else r["_n"]
    return recs


def blocks(train: list[dict], test: list[dict], variant: str) -> tuple[list, list]:
    """Feature blocks (train, test) for a variant."""
    src = lambda rs, key: [r[key] for r in rs]  # noqa: E731
    neg = variant.startswith("neg")
    span = int(variant[3]) if neg and len(variant) > 3 and variant[3].isdigit() else 3
    words_tr, words_te = src(train, "_nt"), src(test, "_nt")
    if neg and "add" not in variant:
        words_tr = [mark_negation(t, span) for t in words_tr]
        words_te = [mark_negation(t, span) for t in words_te]
    defs = [
        ("words", tfidf(token_pattern=r"\S+", ngram_range=(1, 2)), words_tr, words_te, 1.0),
        (
            "chars",
            tfidf(analyzer="char_wb", ngram_range=(2, 5), max_features=120_000),
            src(train, "_nt"),
            src(test, "_nt"),
            1.0,
        ),
        (
            "folded",
            tfidf(token_pattern=r"\S+", ngram_range=(1, 2)),
            [fold_diacritics(t) for t in words_tr],
            [fold_diacritics(t) for t in words_te],
            1.0,
        ),
        ("title", tfidf(token_pattern=r"\S+", ngram_range=(1, 2)), src(train, "_t"), src(test, "_t"), 0.6),
    ]
    if neg and "add" in variant:
        defs.append(
            (
                "neg",
                tfidf(token_pattern=r"NOT_\S+", ngram_range=(1, 1)),
                [mark_negation(t, span) for t in words_tr],
                [mark_negation(t, span) for t in words_te],
                1.0,
            )
        )
    tr, te = [], []
    for _name, vec, a, b, w in defs:
        tr.append(vec.fit_transform(a) * w)
        te.append(vec.transform(b) * w)
    return tr, te


def run(records: list[dict], variants: list[str]) -> dict:
    y_field = np.array([r["field"] for r in records])
    y_sent = np.array([r["sentiment"] for r in records])
    art = np.array([is_article(r) for r in records])
    w_all = np.array([0.5 if r.get("sure") is False else 1.0 for r in records])
    skf = StratifiedKFold(n_splits=5, shuffle=True, random_state=13)
    res: dict[str, dict[str, list[float]]] = {v: {} for v in variants}
    for tr_idx, te_idx in skf.split(np.zeros(len(records)), y_field):
        train = [records[i] for i in tr_idx]
        test = [records[i] for i in te_idx]
        base_cache: dict[str, tuple] = {}
        for v in variants:
            key = "neg" + v.split("+")[0][3:] if v.startswith("neg") else "base"
            if key not in base_cache:
                base_cache = {key: blocks(train, test, key)}
            tr_b, te_b = base_cache[key]
            extra_tr, extra_te = extra_blocks(v, train, test, tr_idx, te_idx)
            Xtr = sp.hstack([*tr_b, *extra_tr], format="csr")
            Xte = sp.hstack([*te_b, *extra_te], format="csr")
            a_tr, a_te = art[tr_idx], art[te_idx]
            w = w_all[tr_idx]
            # field
            fm = svc(1.0).fit(Xtr, y_field[tr_idx], sample_weight=w)
            pf = fm.predict(Xte).astype(object)
            fa = svc(0.3).fit(Xtr[a_tr], y_field[tr_idx][a_tr], sample_weight=w[a_tr])
            pf[a_te] = fa.predict(Xte[a_te])
            # sentiment
            ps = np.empty(len(te_idx), dtype=object)
            sa = svc(1.0).fit(Xtr[a_tr], y_sent[tr_idx][a_tr], sample_weight=w[a_tr])
            sc = svc(1.0).fit(Xtr[~a_tr], y_sent[tr_idx][~a_tr], sample_weight=w[~a_tr])
            ps[a_te] = sa.predict(Xte[a_te])
            ps[~a_te] = sc.predict(Xte[~a_te])
            yf, ys = y_field[te_idx], y_sent[te_idx]
            row = {
                "field_acc": float(np.mean(pf == yf)),
                "field_mf1": float(f1_score(yf, pf, average="macro")),
                "field_acc_art": float(np.mean(pf[a_te] == yf[a_te])),
                "field_acc_com": float(np.mean(pf[~a_te] == yf[~a_te])),
                "sent_wf1": float(f1_score(ys, ps, average="weighted")),
                "sent_art": float(f1_score(ys[a_te], ps[a_te], average="weighted")),
                "sent_com": float(f1_score(ys[~a_te], ps[~a_te], average="weighted")),
            }
            for k, val in row.items():
                res[v].setdefault(k, []).append(val)
            print(v, {k: round(val, 4) for k, val in row.items()}, flush=True)
    return res


# ------------------------------------------------------------------ extra dense / lexicon blocks

_EMB: dict[str, tuple] = {}


def embedding(path: str) -> tuple[dict[str, int], np.ndarray]:
    if path not in _EMB:
        z = np.load(path, allow_pickle=False)
        vocab = {w: i for i, w in enumerate(z["vocab"].tolist())}
        _EMB[path] = (vocab, z["vectors"].astype(np.float32))
    return _EMB[path]


def doc_vectors(texts: list[str], vocab: dict[str, int], vecs: np.ndarray, idf: dict[str, float] | None):
    rows, cols, vals = [], [], []
    for i, t in enumerate(texts):
        for tok in t.split():
            j = vocab.get(tok)
            if j is not None:
                rows.append(i)
                cols.append(j)
                vals.append(idf.get(tok, 1.0) if idf else 1.0)
    M = sp.csr_matrix((vals, (rows, cols)), shape=(len(texts), len(vocab)), dtype=np.float32)
    D = M @ vecs
    n = np.linalg.norm(D, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return D / n


def extra_blocks(v: str, train, test, tr_idx, te_idx) -> tuple[list, list]:
    parts = v.split("+")[1:]
    tr, te = [], []
    for p in parts:
        name, _, weight = p.partition("@")
        w = float(weight or 1.0)
        if name.startswith("emb"):
            # emb[:file-stem]: mean (idf-weighted) word vectors of the text (+ title), rows unit-normalised
            path = os.environ.get("EMB", "var/opinion_screen/emb.npz")
            vocab, vecs = embedding(path)
            vec = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, min_df=1)
            vec.fit([r["_nt"] for r in train])
            idf = dict(zip(vec.get_feature_names_out(), vec.idf_, strict=True))
            a = doc_vectors([r["_nt"] for r in train], vocab, vecs, idf)
            b = doc_vectors([r["_nt"] for r in test], vocab, vecs, idf)
            tr.append(sp.csr_matrix(a * w))
            te.append(sp.csr_matrix(b * w))
        elif name in ("te", "tef", "tes"):
            # target encoding by article title: the label distribution of the other training items under
            # the same title (leave-one-out for the training rows), smoothed towards zero; articles get none
            tr.append(sp.csr_matrix(title_encoding(train, train, True, name) * w))
            te.append(sp.csr_matrix(title_encoding(train, test, False, name) * w))
        elif name == "topic":
            # VNTC topic probabilities from a model trained on VNTC (training-set articles excluded)
            P = np.load(os.environ.get("TOPIC", "var/opinion_screen/topic.npy"))
            tr.append(sp.csr_matrix(P[tr_idx] * w))
            te.append(sp.csr_matrix(P[te_idx] * w))
    return tr, te


def title_encoding(
    train: list[dict], rows: list[dict], loo: bool, name: str, prior: float = 2.0
) -> np.ndarray:
    fields = sorted({r["field"] for r in train})
    sents = ["negative", "neutral", "positive"]
    keys = ([] if name == "tes" else [("field", f) for f in fields]) + (
        [] if name == "tef" else [("sentiment", s) for s in sents]
    )
    col = {k: i for i, k in enumerate(keys)}
    sums: dict[str, np.ndarray] = {}
    for r in train:
        if r["_t"] and not is_article(r):
            v = sums.setdefault(r["_t"], np.zeros(len(keys), dtype=np.float32))
            for attr in ("field", "sentiment"):
                j = col.get((attr, r[attr]))
                if j is not None:
                    v[j] += 1
    out = np.zeros((len(rows), len(keys) + 1), dtype=np.float32)
    for i, r in enumerate(rows):
        if not r["_t"] or is_article(r) or r["_t"] not in sums:
            continue
        v = sums[r["_t"]].copy()
        if loo:
            for attr in ("field", "sentiment"):
                j = col.get((attr, r[attr]))
                if j is not None:
                    v[j] -= 1
        n = v[: len(keys)].sum() / (2 if name == "te" else 1)
        if n <= 0:
            continue
        out[i, : len(keys)] = v / (n + prior)
        out[i, -1] = n / (n + prior)
    return out


def summarize(res: dict) -> None:
    base = res.get("base")
    for v, m in res.items():
        row = {k: f"{np.mean(x):.4f}±{np.std(x):.4f}" for k, x in m.items()}
        if base and v != "base":
            for k in ("field_acc", "field_mf1", "sent_wf1"):
                d = np.array(m[k]) - np.array(base[k])
                row[f"d_{k}"] = f"{d.mean():+.4f} (folds {' '.join(f'{x:+.3f}' for x in d)})"
        print(json.dumps({"variant": v, **row}, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    t0 = time.perf_counter()
    variants = sys.argv[1:] or ["base"]
    if "base" not in variants:
        variants = ["base", *variants]
    recs = load()
    print(f"loaded {len(recs)} in {time.perf_counter() - t0:.0f}s", flush=True)
    out = run(recs, variants)
    summarize(out)
    print(f"total {time.perf_counter() - t0:.0f}s")
