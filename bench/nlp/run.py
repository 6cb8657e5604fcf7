"""Speed benchmark of the NLP engine (``make bench`` runs it).

Measures on one core (the process pins itself to one CPU):

1. end-to-end normalise + segment + classify throughput for short posts (≤ 60 syllables) and news articles
   (≈ 500 syllables), with no segmentation (syllables), pyvi and underthesea, in one run;
2. the shipped models from ``var/models`` (if built) on the same texts;
3. MinHash LSH near-duplicate indexing and query rate and memory for 1,000,000 short posts (and
   ``datasketch.MinHashLSH`` on a smaller set for comparison);
4. place-linking rate.

Machines are shared and noisy: every figure is the median of ``--runs`` runs, and each is also given as a
ratio to a baseline measured in the same run (a plain ``re.findall(r"\\w+")`` pass over the same texts),
which is comparable across machines. Writes ``bench/nlp/RESULTS.md`` and ``bench/nlp/results.json``.

    .venv/bin/python bench/nlp/run.py [--shared ../shared/data] [--models var/models] [--runs 5]
                                      [--minhash-docs 1000000] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from danvan.nlp.classify import Classifier, ClassifierConfig  # noqa: E402
from danvan.nlp.datasets import convert, read_texts_labels  # noqa: E402
from danvan.nlp.dedup import DuplicateIndex  # noqa: E402
from danvan.nlp.places import Gazetteer  # noqa: E402

WORD_RE = re.compile(r"\w+")


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def timed_rate(fn: Callable[[], Any], items: int, runs: int) -> dict[str, float]:
    """Median items/second of *runs* calls of *fn* (after one warm-up call)."""
    fn()
    rates = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        fn()
        rates.append(items / (time.perf_counter() - started))
    return {
        "median": round(statistics.median(rates), 1),
        "min": round(min(rates), 1),
        "max": round(max(rates), 1),
    }


def baseline_rate(texts: list[str], runs: int) -> float:
    return timed_rate(lambda: [WORD_RE.findall(t) for t in texts], len(texts), runs)["median"]


def load_texts(shared: Path, work: Path) -> tuple[list[str], list[str], dict[str, Any]]:
    """Short posts (ViHSD + ViCTSD dev comments, ≤ 60 syllables) and VNTC articles of 400-600 syllables."""
    short: list[str] = []
    for kind, src, field in (("vihsd", "raw/vihsd", None), ("victsd", "raw/uit-victsd", "toxicity")):
        path = work / f"{kind}-dev.jsonl"
        convert(kind, shared / src, path, "dev", field)
        short.extend(t for t in read_texts_labels(path)[0] if 0 < len(WORD_RE.findall(t)) <= 60)
    vntc = work / "vntc-train.jsonl.gz"
    if not vntc.exists():
        convert("vntc", shared / "raw/vntc-10topics", vntc, "train")
    articles, labels, _ = read_texts_labels(vntc)
    rng = random.Random(7)
    order = list(range(len(articles)))
    rng.shuffle(order)
    picked = [i for i in order if 400 <= len(WORD_RE.findall(articles[i])) <= 600]
    info = {
        "short_posts": len(short),
        "short_mean_syllables": round(statistics.mean(len(WORD_RE.findall(t)) for t in short), 1),
    }
    return short, [articles[i] for i in picked], {**info, "vntc_pool": picked, "vntc_labels": labels}


def bench_pipelines(shared: Path, work: Path, runs: int, quick: bool, models: Path) -> dict[str, Any]:
    short, articles_all, info = load_texts(shared, work)
    vntc_pool = info.pop("vntc_pool")
    vntc_labels = info.pop("vntc_labels")
    n_short = 1000 if quick else 3000
    n_articles = 100 if quick else 300
    short_sample = short[:n_short]
    articles = articles_all[:n_articles]
    info["articles"] = len(articles)
    info["article_mean_syllables"] = round(statistics.mean(len(WORD_RE.findall(t)) for t in articles), 1)
    # small models per segmenter: trained on other texts (VSFC train for posts, VNTC for articles)
    vsfc = work / "vsfc-train.jsonl"
    convert("vsfc", shared / "raw/uit-vsfc", vsfc, "train", "sentiment")
    vsfc_texts, vsfc_labels, _ = read_texts_labels(vsfc)
    vntc_texts_all, _, _ = read_texts_labels(work / "vntc-train.jsonl.gz")
    train_idx = vntc_pool[n_articles : n_articles + (300 if quick else 1000)]
    vntc_train = ([vntc_texts_all[i] for i in train_idx], [vntc_labels[i] for i in train_idx])
    results: dict[str, Any] = {"texts": info, "short": {}, "articles": {}}
    results["short"]["baseline_regex_per_s"] = baseline_rate(short_sample, runs)
    results["articles"]["baseline_regex_per_s"] = baseline_rate(articles, runs)
    for segmenter in ("syllable", "pyvi", "underthesea"):
        print(f"pipelines: {segmenter}", file=sys.stderr, flush=True)
        short_clf = Classifier.train(
            vsfc_texts[:4000], vsfc_labels[:4000], ClassifierConfig(segmenter=segmenter, char_ngrams=(1, 4))
        )
        article_clf = Classifier.train(
            vntc_train[0], vntc_train[1], ClassifierConfig(segmenter=segmenter, char_ngrams=None, min_df=2)
        )
        for kind, clf, texts in (("short", short_clf, short_sample), ("articles", article_clf, articles)):
            normalise = timed_rate(
                lambda t=texts, c=clf: [c.featurizer.normalizer(x) for x in t], len(texts), runs
            )
            prepare = timed_rate(lambda t=texts, c=clf: c.featurizer.prepare(t), len(texts), runs)

            def end_to_end(t: list[str] = texts, c: Classifier = clf, batch: int = 256) -> None:
                for i in range(0, len(t), batch):
                    c.predict_proba(t[i : i + batch])

            total = timed_rate(end_to_end, len(texts), runs)
            base = results[kind]["baseline_regex_per_s"]
            results[kind][segmenter] = {
                "normalise_per_s": normalise["median"],
                "normalise_segment_per_s": prepare["median"],
                "end_to_end_per_s": total["median"],
                "end_to_end_range": [total["min"], total["max"]],
                "end_to_end_vs_baseline": round(total["median"] / base, 4),
            }
    # the shipped models, if built
    shipped: dict[str, Any] = {}
    for name, texts in (("vsfc_sentiment", short_sample), ("vihsd", short_sample), ("vntc_topic", articles)):
        if (models / name / "model_card.json").exists():
            clf = Classifier.load(models / name)

            def run_model(t: list[str] = texts, c: Classifier = clf) -> None:
                for i in range(0, len(t), 256):
                    c.predict_proba(t[i : i + 256])

            rate = timed_rate(run_model, len(texts), runs)
            shipped[name] = {"texts": "short posts" if texts is short_sample else "articles", **rate}
    results["shipped_models"] = shipped
    return results


def synthetic_posts(seed_texts: list[str], n: int, duplicate_share: float = 0.1) -> list[str]:
    """*n* posts: real short posts with random edits; ``duplicate_share`` of them near-copies of earlier ones."""
    rng = random.Random(11)
    words = [t.split() for t in seed_texts if len(t.split()) >= 5]
    vocabulary = [w for ws in words[:5000] for w in ws]
    posts: list[str] = []
    for i in range(n):
        if posts and rng.random() < duplicate_share:
            base = posts[rng.randrange(len(posts))].split()
            if len(base) > 8:
                base[rng.randrange(len(base))] = rng.choice(vocabulary)  # one word changed
            posts.append(" ".join(base) + rng.choice(["", "!", " :)", "..."]))
            continue
        ws = list(words[i % len(words)])
        for _ in range(max(2, len(ws) // 3)):  # enough edits to make it a new post
            ws[rng.randrange(len(ws))] = rng.choice(vocabulary)
        posts.append(" ".join(ws))
    return posts


def _seed_texts(shared: Path, work: Path) -> list[str]:
    seed_texts: list[str] = []
    for kind, src, field in (("vihsd", "raw/vihsd", None), ("victsd", "raw/uit-victsd", "toxicity")):
        path = work / f"{kind}-train.jsonl"
        if not path.exists():
            convert(kind, shared / src, path, "train", field)
        seed_texts.extend(read_texts_labels(path)[0])
    return seed_texts


def _minhash_child(shared: str, work: str, n_docs: int, runs: int, engine: str) -> dict[str, Any]:
    """Runs in a fresh process so that its memory figure is not blurred by earlier allocations."""
    posts = synthetic_posts(_seed_texts(Path(shared), Path(work)), n_docs + 10_000)
    queries, posts = posts[-10_000:], posts[:n_docs]
    index = DuplicateIndex(threshold=0.8, num_perm=128)
    index.signature(posts[0])  # warm-up: loads the normaliser's tables outside the measured window
    if engine == "datasketch":
        from datasketch import LeanMinHash, MinHash, MinHashLSH

        signatures = [index.signature(t) for t in posts]
        gc.collect()
        before = rss_mb()
        lsh = MinHashLSH(threshold=0.8, num_perm=128)
        started = time.perf_counter()
        for i, sig in enumerate(signatures):
            if sig is not None:
                lean = LeanMinHash(MinHash(num_perm=128, hashvalues=sig, scheme="affine32"))
                lsh.query(lean)
                lsh.insert(i, lean, check_duplication=False)
        seconds = time.perf_counter() - started
        gc.collect()
        return {"memory_mb": round(rss_mb() - before, 1), "query_insert_per_s": round(n_docs / seconds, 1)}
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    checkpoints = {}
    for i, text in enumerate(posts):
        index.add(i, text)
        if (i + 1) in (10_000, 100_000, n_docs):
            checkpoints[i + 1] = round((i + 1) / (time.perf_counter() - started), 1)
    add_seconds = time.perf_counter() - started
    gc.collect()
    memory = rss_mb() - before
    query_rate = timed_rate(lambda i=index: [i.query(q) for q in queries], len(queries), max(1, runs // 2))
    signature_rate = timed_rate(lambda i=index: [i.signature(q) for q in queries[:5000]], 5000, runs)
    clusters = index.clusters()
    return {
        "docs": n_docs,
        "threshold": 0.8,
        "num_perm": 128,
        "bands_rows": [index.bands, index.rows],
        "add_per_s": round(n_docs / add_seconds, 1),
        "add_per_s_at": checkpoints,
        "add_seconds": round(add_seconds, 1),
        "query_per_s": query_rate["median"],
        "signature_per_s": signature_rate["median"],
        "index_memory_mb": round(memory, 1),
        "bytes_per_doc": round(memory * 1024 * 1024 / n_docs),
        "clusters_found": len(clusters),
        "docs_in_clusters": sum(len(c) for c in clusters),
    }


def bench_minhash(shared: Path, work: Path, n_docs: int, runs: int, compare_docs: int) -> dict[str, Any]:
    import multiprocessing

    _seed_texts(shared, work)
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        print(f"minhash: {n_docs} posts", file=sys.stderr, flush=True)
        result = pool.apply(_minhash_child, (str(shared), str(work), n_docs, runs, "danvan"))
    with context.Pool(1) as pool:
        small = pool.apply(_minhash_child, (str(shared), str(work), compare_docs, 1, "danvan"))
    with context.Pool(1) as pool:
        theirs = pool.apply(_minhash_child, (str(shared), str(work), compare_docs, 1, "datasketch"))
    result["comparison"] = {
        "docs": compare_docs,
        "danvan_index_mb": small["index_memory_mb"],
        "danvan_add_per_s": small["add_per_s"],
        "datasketch_minhashlsh_mb": theirs["memory_mb"],
        "datasketch_query_insert_per_s_excluding_signatures": theirs["query_insert_per_s"],
    }
    return result


def bench_places(short: list[str], articles: list[str], runs: int) -> dict[str, Any]:
    from danvan.nlp.places import _default_gazetteer

    _default_gazetteer.cache_clear()
    started = time.perf_counter()
    gazetteer = Gazetteer.default()
    build_seconds = time.perf_counter() - started
    mentions = sum(len(gazetteer.link(t)) for t in short)
    return {
        "build_seconds": round(build_seconds, 3),
        "short_per_s": timed_rate(lambda: [gazetteer.link(t) for t in short], len(short), runs)["median"],
        "articles_per_s": timed_rate(lambda: [gazetteer.link(t) for t in articles], len(articles), runs)[
            "median"
        ],
        "short_baseline_regex_per_s": baseline_rate(short, runs),
        "mentions_per_short_post": round(mentions / len(short), 3),
    }


def write_markdown(results: dict[str, Any], path: Path) -> None:
    lines = [
        "# NLP engine: speed (bench/nlp/run.py)",
        "",
        f"Machine: {results['machine']['cpu']}, {results['machine']['cores']} cores (pinned to one), "
        f"Python {results['machine']['python']}; {results['date']}. Medians of {results['runs']} runs; "
        "`× baseline` = rate ÷ the rate of a plain `re.findall(r'\\w+')` pass over the same texts in the same run.",
        "",
    ]
    pipes = results.get("pipelines")
    if pipes:
        t = pipes["texts"]
        lines += [
            "## Normalise + segment + classify, one core",
            "",
            f"Short posts: {t['short_posts']} ViHSD/ViCTSD dev comments ≤ 60 syllables (mean {t['short_mean_syllables']}); "
            f"articles: {t['articles']} VNTC articles of 400-600 syllables (mean {t['article_mean_syllables']}). "
            "Classifier: TF-IDF (word 1-2-grams; + char 1-4-grams for posts) + calibrated LinearSVC, batches of 256.",
            "",
            "| texts | segmentation | normalise /s | normalise + segment /s | end to end /s | × baseline | target |",
            "|---|---|---|---|---|---|---|",
        ]
        for kind, target in (("short", "≥ 1,000 /s"), ("articles", "≥ 100 /s")):
            for seg in ("syllable", "pyvi", "underthesea"):
                r = pipes[kind][seg]
                label = "none (syllables)" if seg == "syllable" else seg
                lines.append(
                    f"| {kind} | {label} | {r['normalise_per_s']:,.0f} | {r['normalise_segment_per_s']:,.0f} | "
                    f"**{r['end_to_end_per_s']:,.0f}** | {r['end_to_end_vs_baseline']:.4f} | {target} |"
                )
        lines += ["", f"Baseline (regex word split): short posts {pipes['short']['baseline_regex_per_s']:,.0f} /s, "
                  f"articles {pipes['articles']['baseline_regex_per_s']:,.0f} /s.", ""]  # fmt: skip
        if pipes.get("shipped_models"):
            lines += [
                "Shipped models (var/models), end to end:",
                "",
                "| model | texts | per second |",
                "|---|---|---|",
            ]
            for name, r in pipes["shipped_models"].items():
                lines.append(f"| {name} | {r['texts']} | {r['median']:,.0f} |")
            lines.append("")
    mh = results.get("minhash")
    if mh:
        c = mh["comparison"]
        lines += [
            "## Near-duplicates (MinHash LSH)",
            "",
            f"{mh['docs']:,} synthetic short posts (real comments with random edits, ~10 % near-copies), "
            f"threshold {mh['threshold']}, {mh['num_perm']} permutations, {mh['bands_rows'][0]} bands × "
            f"{mh['bands_rows'][1]} rows; `add` = normalise + shingle + signature + query + insert.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| add (index) rate, whole run | {mh['add_per_s']:,.0f} /s ({mh['add_seconds']:,.0f} s) |",
            f"| add rate at 10k / 100k / all | {' / '.join(f'{v:,.0f}' for v in mh['add_per_s_at'].values())} /s |",
            f"| query rate against {mh['docs']:,} | {mh['query_per_s']:,.0f} /s |",
            f"| signature only (normalise + shingle + MinHash) | {mh['signature_per_s']:,.0f} /s |",
            f"| index memory (RSS growth) | {mh['index_memory_mb']:,.0f} MB ({mh['bytes_per_doc']} bytes/post) |",
            f"| clusters found | {mh['clusters_found']:,} ({mh['docs_in_clusters']:,} posts) |",
            "",
            f"Comparison on {c['docs']:,} posts: this index {c['danvan_index_mb']:,.0f} MB; "
            f"`datasketch.MinHashLSH` (same signatures, query + insert) {c['datasketch_minhashlsh_mb']:,.0f} MB.",
            "",
        ]
    pl = results.get("places")
    if pl:
        lines += [
            "## Place linking",
            "",
            "| measure | value |",
            "|---|---|",
            f"| gazetteer build (3,418 units) | {pl['build_seconds']} s |",
            f"| short posts | {pl['short_per_s']:,.0f} /s |",
            f"| articles | {pl['articles_per_s']:,.0f} /s |",
            f"| mentions per short post | {pl['mentions_per_short_post']} |",
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--shared", default=os.environ.get("DANVAN_SHARED_DATA", str(REPO.parent / "shared" / "data"))
    )
    parser.add_argument("--models", default=str(REPO / "var" / "models"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--minhash-docs", type=int, default=1_000_000)
    parser.add_argument("--compare-docs", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--only", nargs="*", choices=["pipelines", "minhash", "places"])
    parser.add_argument("--out", default=str(REPO / "bench" / "nlp"))
    args = parser.parse_args()
    shared = Path(args.shared)
    if not (shared / "raw").exists():
        print(f"skipped: shared datasets not found at {shared} (set DANVAN_SHARED_DATA or --shared)")
        return
    if hasattr(os, "sched_setaffinity"):  # one core (child processes inherit it)
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    if args.quick:
        args.minhash_docs = min(args.minhash_docs, 20_000)
        args.compare_docs = min(args.compare_docs, 10_000)
        args.runs = min(args.runs, 2)
    work = REPO / "var" / "bench-nlp"
    work.mkdir(parents=True, exist_ok=True)
    only = set(args.only or ["pipelines", "minhash", "places"])
    out = Path(args.out)
    json_path = out / ("results-quick.json" if args.quick else "results.json")
    results: dict[str, Any] = json.loads(json_path.read_text()) if json_path.exists() else {}
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    results.update(
        {
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "runs": args.runs,
            "machine": {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version()},
        }
    )
    started = time.perf_counter()
    if "pipelines" in only:
        results["pipelines"] = bench_pipelines(shared, work, args.runs, args.quick, Path(args.models))
    if "places" in only:
        short, articles, _ = load_texts(shared, work)
        results["places"] = bench_places(short[:5000], articles[:300], args.runs)
    if "minhash" in only:
        results["minhash"] = bench_minhash(shared, work, args.minhash_docs, args.runs, args.compare_docs)
    results["seconds"] = round(time.perf_counter() - started, 1)
    json_path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    if not args.quick:
        write_markdown(results, out / "RESULTS.md")
    else:
        write_markdown(results, work / "RESULTS-quick.md")
    print(
        json.dumps({k: results[k] for k in results if k in ("pipelines", "minhash", "places")}, indent=1)[
            :6000
        ]
    )


if __name__ == "__main__":
    main()
