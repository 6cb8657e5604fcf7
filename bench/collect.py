"""Collect every module's bench/<module>/RESULTS.md into docs/benchmarks.md (run after `make bench`;
``bench/collect.py members`` collects that module only).

The foundation table at the top of docs/benchmarks.md is kept as it is. Each module's section is
``## <title> — `bench/<name>/run.py` ``: its collected part (from the heading to the first dated,
hand-written subsection ``### 20…`` or the next section) is rewritten from the module's RESULTS.md; the
dated subsections (the measurements against a baseline, by day) and the sections of other modules are kept.
A module without a section yet gets one at the end."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = [
    ("nlp", "NLP engine (issue 4)"),
    ("members", "Members (issue 3)"),
    ("cases", "Citizens' cases (issue 5)"),
    ("activities", "Grassroots activities (issue 6)"),
]
MARKER = "<!-- module results below are collected by bench/collect.py -->"


def collected(name: str, title: str) -> str | None:
    candidates = [ROOT / "bench" / name / "RESULTS.md", ROOT / "bench" / name / "RESULTS-small.md"]
    source = next((p for p in candidates if p.exists()), None)
    if source is None:
        return None
    body = re.sub(r"^# .*\n", "", source.read_text(encoding="utf-8"), count=1)
    body = re.sub(r"^## ", "### ", body, flags=re.M)
    return f"## {title} — `bench/{name}/run.py`\n\nFrom `{source.relative_to(ROOT)}`.\n{body.rstrip()}\n\n"


def merge(doc: str, names: list[str] | None = None) -> str:
    if MARKER not in doc:
        doc = doc.rstrip() + "\n\n" + MARKER + "\n"
    for name, title in SECTIONS:
        if names and name not in names:
            continue
        new = collected(name, title)
        if new is None:
            continue
        heading = re.compile(rf"^## {re.escape(title)} — .*$", re.M)
        found = heading.search(doc)
        if found is None:
            doc = doc.rstrip() + "\n\n" + new
            continue
        end = re.compile(r"^(### 20|## )", re.M).search(doc, found.end())
        stop = end.start() if end else len(doc)
        doc = doc[: found.start()] + new + doc[stop:]
    return doc


def main(names: list[str]) -> None:
    unknown = set(names) - {name for name, _ in SECTIONS}
    if unknown:
        raise SystemExit(f"unknown module(s): {', '.join(sorted(unknown))}")
    doc = ROOT / "docs" / "benchmarks.md"
    doc.write_text(merge(doc.read_text(encoding="utf-8"), names or None), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
