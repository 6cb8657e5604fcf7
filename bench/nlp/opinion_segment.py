"""Word segmentation (compounds joined by ``_``) of the opinion training set for ``opinion_screen.py``.

Two steps, two interpreters (the segmenters live in a scratch venv, never the project's):

    PYTHONPATH=. nice -n 19 .venv/bin/python bench/nlp/opinion_segment.py dump
    python3 -m venv /tmp/segvenv && /tmp/segvenv/bin/pip install underthesea==9.5.0 pyvi
    nice -n 19 /tmp/segvenv/bin/python bench/nlp/opinion_segment.py segment

``dump`` writes ``var/opinion_screen/normalised.jsonl`` (the normalised text ``n`` and title ``t`` of every line of
data/opinion/train.jsonl, as ``opinion_screen.load`` reads them). ``segment`` writes
``var/opinion_screen/segmented.jsonl``, same order and count, with

- ``uts_n`` / ``uts_t``: underthesea 9.5.0 ``word_tokenize(format="text")`` (CRF, VLSP2013; Apache-2.0) of the
  normalised text / title — the syllables stay those of the shipped features, only joined;
- ``uts_raw_text`` / ``uts_raw_title``: the same segmenter on the raw text / title (cased, before normalising;
  ``opinion_screen.load`` normalises them afterwards);
- ``pyvi_n`` / ``pyvi_t``: pyvi ``ViTokenizer.tokenize`` (CRF; MIT) of the normalised text / title,

and prints the speed of each segmenter (items/s, one item = text + title).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

DATA = Path("data/opinion/train.jsonl")
OUT = Path("var/opinion_screen")


def dump() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from opinion_screen import load

    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "normalised.jsonl", "w", encoding="utf-8") as fh:
        for r in load(segmented=False):
            fh.write(json.dumps({"n": r["_n"], "t": r["_t"]}, ensure_ascii=False) + "\n")


def timed(name: str, fn, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    fn("khởi động")  # load the model outside the timing
    t0 = time.perf_counter()
    out = [(fn(a) if a else "", fn(b) if b else "") for a, b in pairs]
    dt = time.perf_counter() - t0
    n_chars = sum(len(a) + len(b) for a, b in pairs)
    print(
        f"{name}: {len(pairs)} items in {dt:.1f}s = {len(pairs) / dt:.0f} items/s ({n_chars / dt / 1000:.0f}k chars/s)",
        flush=True,
    )
    return out


def segment() -> None:
    from pyvi import ViTokenizer
    from underthesea import word_tokenize

    raw = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    norm = [json.loads(line) for line in (OUT / "normalised.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(raw) == len(norm), (len(raw), len(norm))
    uts = lambda s: word_tokenize(s, format="text")  # noqa: E731
    pairs_n = [(r["n"], r["t"]) for r in norm]
    pairs_raw = [(str(r.get("text") or ""), str(r.get("title") or r.get("article_title") or "")) for r in raw]
    uts_n = timed("underthesea, normalised", uts, pairs_n)
    uts_raw = timed("underthesea, raw", uts, pairs_raw)
    pyvi_n = timed("pyvi, normalised", ViTokenizer.tokenize, pairs_n)
    with open(OUT / "segmented.jsonl", "w", encoding="utf-8") as fh:
        for a, b, c in zip(uts_n, uts_raw, pyvi_n, strict=True):
            row = {
                "uts_n": a[0],
                "uts_t": a[1],
                "uts_raw_text": b[0],
                "uts_raw_title": b[1],
                "pyvi_n": c[0],
                "pyvi_t": c[1],
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"written {len(norm)} lines to {OUT / 'segmented.jsonl'}")


if __name__ == "__main__":
    {"dump": dump, "segment": segment}[sys.argv[1] if len(sys.argv) > 1 else "segment"]()
