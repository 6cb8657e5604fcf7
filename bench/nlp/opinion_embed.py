"""Unlabelled resources for ``opinion_screen.py``, built from VNTC-10topics train (MIT) only.

    PYTHONPATH=. nice -n 19 .venv/bin/python bench/nlp/opinion_embed.py [--dims 200] [--window 4]

Writes ``var/opinion_screen/emb.npz`` (PPMI + truncated SVD word vectors over the normalised syllables: the
40k most frequent, window ±4 weighted 1/d, context smoothing 0.75, singular values ^0.5) and
``var/opinion_screen/topic.npy`` (VNTC topic decision values of a LinearSVC trained on VNTC, for each line of
data/opinion/train.jsonl in order). The 1,500 VNTC articles that are in data/opinion/train.jsonl are left out of
both, so no CV test item is ever seen (as a held-back article would not be).
"""

from __future__ import annotations

import gzip
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import scipy.sparse as sp

from danvan.nlp.datasets import read_jsonl
from danvan.nlp.normalize import Normalizer
from danvan.nlp.opinion import item_title

VNTC = Path(os.environ.get("DANVAN_SHARED_DATA", "../shared/data")) / "raw/vntc-10topics/train.jsonl.gz"
OUT = Path("var/opinion_screen")


def ppmi_svd(
    texts: Sequence[str], dims: int = 200, window: int = 4, vocab_size: int = 40_000, min_count: int = 5
) -> tuple[list[str], np.ndarray]:
    """PPMI (context smoothing 0.75) of the ±``window`` co-occurrences, weighted 1/d, → SVD → unit rows."""
    from sklearn.utils.extmath import randomized_svd

    counts = Counter(tok for t in texts for tok in t.split())
    vocab = [w for w, c in counts.most_common(vocab_size) if c >= min_count]
    index = {w: i for i, w in enumerate(vocab)}
    V = len(vocab)
    # "\0" ends each text: no co-occurrence across texts
    ids = np.array([index.get(tok, -1) for t in texts for tok in [*t.split(), "\0"]], dtype=np.int64)
    C = sp.csr_matrix((V, V), dtype=np.float64)
    for d in range(1, window + 1):
        a, b = ids[:-d], ids[d:]
        keep = (a >= 0) & (b >= 0)
        m = sp.coo_matrix((np.full(int(keep.sum()), 1.0 / d), (a[keep], b[keep])), shape=(V, V)).tocsr()
        C = C + m + m.T
    C = C.tocoo()
    total = C.sum()
    row = np.asarray(C.sum(axis=1)).ravel()
    col = np.asarray(C.sum(axis=0)).ravel() ** 0.75
    col = col / col.sum()
    pmi = np.log(C.data / total) - np.log(row[C.row] / total) - np.log(col[C.col])
    keep = pmi > 0
    P = sp.csr_matrix((pmi[keep], (C.row[keep], C.col[keep])), shape=(V, V))
    U, S, _ = randomized_svd(P, dims, n_iter=5, random_state=13)
    W = U * np.sqrt(S)
    W /= np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1e-9)
    return vocab, W.astype(np.float32)


def vntc_texts(exclude: set[str]) -> tuple[list[str], list[str]]:
    norm = Normalizer()
    texts, labels = [], []
    with gzip.open(VNTC, "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if r["id"] in exclude:
                continue
            texts.append(norm(r["text"]))
            labels.append(r["label"])
    return texts, labels


def topic_scores(texts: list[str], labels: list[str], records: list[dict]) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    vec = TfidfVectorizer(
        token_pattern=r"\S+", lowercase=False, sublinear_tf=True, min_df=3, ngram_range=(1, 2)
    )
    # the openings (the title is the first line): train items are article openings of ~600 characters
    X = vec.fit_transform([t[:900] for t in texts])
    model = LinearSVC(C=0.5).fit(X, labels)
    norm = Normalizer()
    docs = [norm(f"{item_title(r)}\n{r.get('text') or ''}")[:900] for r in records]
    return model.decision_function(vec.transform(docs)).astype(np.float32)


if __name__ == "__main__":
    args = sys.argv[1:]
    dims = int(args[args.index("--dims") + 1]) if "--dims" in args else 200
    window = int(args[args.index("--window") + 1]) if "--window" in args else 4
    OUT.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    records = list(read_jsonl("data/opinion/train.jsonl"))
    exclude = {r["id"].removeprefix("vntc-train-") for r in records if r["source"] == "vntc-train"}
    texts, labels = vntc_texts(exclude)
    print(f"{len(texts)} VNTC texts ({len(exclude)} excluded) in {time.perf_counter() - t0:.0f}s", flush=True)
    vocab, W = ppmi_svd(texts, dims, window)
    np.savez(OUT / "emb.npz", vocab=np.array(vocab), vectors=W)
    print(f"embeddings {W.shape} in {time.perf_counter() - t0:.0f}s", flush=True)
    np.save(OUT / "topic.npy", topic_scores(texts, labels, records))
    print(f"topic scores in {time.perf_counter() - t0:.0f}s", flush=True)
