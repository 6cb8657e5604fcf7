"""Syllable vectors learnt offline from unlabelled, licence-clean news text (VNTC-10topics, MIT).

    wv = word_vectors("vntc-ppmi-200")   # built once (about 2 min) and cached under var/nlp-cache/
    wv.doc_vectors(["giá xăng tăng"], idf)   # rows: idf-weighted mean of the syllable vectors, unit length

Built by PPMI + truncated SVD (no extra dependency): the normalised syllables of the VNTC-10topics train split,
the 40k most frequent (seen ≥ 5 times), co-occurrence window ±4 weighted 1/distance, context distribution
smoothing 0.75, ``U · sqrt(S)`` with 200 dimensions, rows unit-normalised, stored as float16 (≈ 7.6 MB). The
VNTC articles that are also in ``data/opinion/train.jsonl`` are left out, so a cross-validation on that file
never scores an article the vectors have seen (as a new article would not have been). Only training reads the
corpus: a trained bundle keeps its own copy of the vectors, and :func:`register` lets a retrain reuse the
copy in the current bundle where the corpus is absent. Plain Python: no Django import.
"""

from __future__ import annotations

import gzip
import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .normalize import Normalizer
from .resources import REPO_ROOT, data_dir

__all__ = ["WordVectors", "ppmi_svd", "register", "word_vectors"]

KNOWN = {"vntc-ppmi-200": {"dims": 200, "window": 4, "vocab": 40_000, "min_count": 5}}


class WordVectors:
    """A vocabulary and one unit vector per syllable (float16 on disk and in the bundle)."""

    def __init__(self, name: str, vocab: Sequence[str], vectors: np.ndarray) -> None:
        self.name = name
        self.vocab = list(vocab)
        self.vectors = np.asarray(vectors, dtype=np.float16)
        self._index: dict[str, int] | None = None
        self._f32: np.ndarray | None = None

    def __getstate__(self) -> dict:
        return {"name": self.name, "vocab": self.vocab, "vectors": self.vectors}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["name"], state["vocab"], state["vectors"])

    @property
    def index(self) -> dict[str, int]:
        if self._index is None:
            self._index = {w: i for i, w in enumerate(self.vocab)}
        return self._index

    @property
    def dims(self) -> int:
        return int(self.vectors.shape[1])

    def idf_weights(self, vocabulary: dict[str, int], idf: np.ndarray) -> np.ndarray:
        """Per-syllable weights: the idf a fitted vectorizer gives a syllable, 1 for syllables it never saw."""
        out = np.ones(len(self.vocab), dtype=np.float32)
        for word, j in self.index.items():
            k = vocabulary.get(word)
            if k is not None:
                out[j] = idf[k]
        return out

    def doc_vectors(self, texts: Iterable[str], weights: np.ndarray | None = None) -> np.ndarray:
        """One row per text: the (weighted) sum of its syllables' vectors (every occurrence), unit length."""
        index = self.index
        rows: list[int] = []
        cols: list[int] = []
        n = 0
        for i, text in enumerate(texts):
            n += 1
            for tok in text.split():
                j = index.get(tok)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
        cols_a = np.asarray(cols, dtype=np.int64)
        vals = weights[cols_a] if weights is not None else np.ones(len(cols_a), dtype=np.float32)
        M = sp.csr_matrix((vals, (np.asarray(rows, dtype=np.int64), cols_a)), shape=(n, len(self.vocab)))
        if self._f32 is None:
            self._f32 = self.vectors.astype(np.float32)
        D = np.asarray(M @ self._f32, dtype=np.float32)
        norms = np.linalg.norm(D, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return D / norms


_REGISTRY: dict[str, WordVectors] = {}


def register(vectors: WordVectors) -> None:
    """Make ``vectors`` the ones :func:`word_vectors` returns for its name (e.g. taken from a loaded bundle)."""
    _REGISTRY[vectors.name] = vectors


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


def _shared_data() -> Path:
    return Path(os.environ.get("DANVAN_SHARED_DATA") or REPO_ROOT.parent / "shared" / "data")


def _excluded_ids() -> set[str]:
    """The VNTC ids of the articles in data/opinion/train.jsonl (``vntc-train-<id>``)."""
    path = data_dir() / "opinion" / "train.jsonl"
    out: set[str] = set()
    if path.exists():
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    rid = str(json.loads(line).get("id") or "")
                    if rid.startswith("vntc-train-"):
                        out.add(rid.removeprefix("vntc-train-"))
    return out


def _build(name: str) -> WordVectors:
    spec = KNOWN[name]
    corpus = _shared_data() / "raw" / "vntc-10topics" / "train.jsonl.gz"
    if not corpus.exists():
        raise FileNotFoundError(
            f"{corpus}: the VNTC-10topics train split is needed once to build the {name!r} vectors "
            "(set DANVAN_SHARED_DATA), or retrain from a bundle that has them"
        )
    exclude = _excluded_ids()
    norm = Normalizer()
    texts = []
    with gzip.open(corpus, "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if r["id"] not in exclude:
                texts.append(norm(r["text"]))
    vocab, W = ppmi_svd(texts, spec["dims"], spec["window"], spec["vocab"], spec["min_count"])
    return WordVectors(name, vocab, W)


def word_vectors(name: str) -> WordVectors:
    """The named vectors: registered, else cached in ``var/nlp-cache/<name>.npz``, else built from VNTC."""
    if name in _REGISTRY:
        return _REGISTRY[name]
    if name not in KNOWN:
        raise ValueError(f"unknown word vectors {name!r}: one of {sorted(KNOWN)}")
    cache = Path(os.environ.get("DANVAN_NLP_CACHE") or REPO_ROOT / "var" / "nlp-cache") / f"{name}.npz"
    if cache.exists():
        z = np.load(cache, allow_pickle=False)
        wv = WordVectors(name, z["vocab"].tolist(), z["vectors"])
    else:
        wv = _build(name)
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp.npz")
        np.savez(tmp, vocab=np.array(wv.vocab), vectors=wv.vectors)
        tmp.replace(cache)
    _REGISTRY[name] = wv
    return wv
