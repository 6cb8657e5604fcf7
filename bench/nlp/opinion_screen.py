"""Fast screening of opinion feature variants on the CV folds of ``opinion_cv.py`` (5-fold, seed 13).

    PYTHONPATH=. nice -n 19 .venv/bin/python bench/nlp/opinion_screen.py [variant ...]

Each fold's TF-IDF blocks are fitted once (the shipped ``svm_split2`` feature set: words, chars, folded, title),
then every variant adds or swaps blocks and fits plain LinearSVCs (no temperature: it keeps the argmax): the
field as shipped (the all-data model for comments, a model of the articles' own, C=0.3, for the articles) and
the sentiment as shipped (one model for articles, one for comments). Figures: fold mean ± sd and the paired
per-fold difference from ``base``; comparable with each other, not exactly with ``opinion_cv.py``.
Only the training part of each fold is used to fit anything (vectorizers, lexicons, scalers).

Word-segmented variants read ``var/opinion_screen/segmented.jsonl`` (``opinion_segment.py``): ``base+seg2@1``
adds a segmented word 1-2-gram block, ``swaputs`` / ``swappyvi`` / ``swapraw`` replace the syllable word block
by the segmented one (see ``extra_blocks`` and ``blocks``). Screened on 2026-12-07: none beyond the spread.
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


SEGMENTED = "var/opinion_screen/segmented.jsonl"  # written by opinion_segment.py


def with_title(text: str, title: str) -> str:
    return f"{text} {CONTEXT_SEPARATOR} {title}" if title else text


def load(path: str = "data/opinion/train.jsonl", segmented: bool = True) -> list[dict]:
    norm = Normalizer()
    recs = list(read_jsonl(path))
    for r in recs:
        r["_n"] = norm(str(r.get("text") or ""))
        t = item_title(r)
        r["_t"] = norm(t) if t else ""
        r["_nt"] = with_title(r["_n"], r["_t"])
    if segmented and os.path.exists(SEGMENTED):
        # word-segmented copies (compounds joined by "_"): _s_<src> text + title, _st_<src> title alone
        segs = list(read_jsonl(SEGMENTED))
        assert len(segs) == len(recs), (len(segs), len(recs))
        for r, s in zip(recs, segs, strict=True):
            for src, text, title in (
                ("uts", s["uts_n"], s["uts_t"]),
                ("pyvi", s["pyvi_n"], s["pyvi_t"]),
                ("raw", norm(s["uts_raw_text"]), norm(s["uts_raw_title"]) if s["uts_raw_title"] else ""),
            ):
                title = title if r["_t"] else ""
                r[f"_s_{src}"] = with_title(text, title)
                r[f"_st_{src}"] = title
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
    if variant.startswith("swap"):
        # swap<src>[_all]: the word block (with _all also the folded and title blocks) over the segmented text
        src_name, _, scope = variant.removeprefix("swap").partition("_")
        seg_tr, seg_te = src(train, f"_s_{src_name}"), src(test, f"_s_{src_name}")
        defs[0] = ("words", tfidf(token_pattern=r"\S+", ngram_range=(1, 2)), seg_tr, seg_te, 1.0)
        if scope == "all":
            defs[2] = (
                "folded",
                tfidf(token_pattern=r"\S+", ngram_range=(1, 2)),
                [fold_diacritics(t) for t in seg_tr],
                [fold_diacritics(t) for t in seg_te],
                1.0,
            )
            title_key = f"_st_{src_name}"
            defs[3] = (
                "title",
                tfidf(token_pattern=r"\S+", ngram_range=(1, 2)),
                src(train, title_key),
                src(test, title_key),
                0.6,
            )
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
            head = v.split("+")[0]
            key = "neg" + head[3:] if head.startswith("neg") else head if head.startswith("swap") else "base"
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
        elif name.startswith("seg"):
            # seg<kind>[_<src>]: TF-IDF over the word-segmented text + title (src uts, the default = underthesea
            # on the normalised text; pyvi; raw = underthesea on the raw text, normalised after). kind 1 / 2:
            # word 1-grams / 1-2-grams; c: the compounds alone (tokens with "_"); t: the segmented title, 1-2
            kind, _, src_name = name[3:].partition("_")
            key = f"_st_{src_name or 'uts'}" if kind == "t" else f"_s_{src_name or 'uts'}"
            pattern = r"\S+_\S+" if kind == "c" else r"\S+"
            vec = tfidf(token_pattern=pattern, ngram_range=(1, 1) if kind in ("1", "c") else (1, 2))
            tr.append(vec.fit_transform([r[key] for r in train]) * w)
            te.append(vec.transform([r[key] for r in test]) * w)
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
