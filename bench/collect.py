"""Collect every module's bench/<module>/RESULTS.md into docs/benchmarks.md (run after `make bench`).

The foundation table at the top of docs/benchmarks.md is kept as it is; the module sections are rewritten."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = [
    ("nlp", "NLP engine (issue 4)"),
    ("members", "Members (issue 3)"),
    ("cases", "Citizens' cases (issue 5)"),
    ("activities", "Grassroots activities (issue 6)"),
]
MARKER = "<!-- module results below are collected by bench/collect.py -->"


def main() -> None:
    doc = ROOT / "docs" / "benchmarks.md"
    head = doc.read_text(encoding="utf-8").split(MARKER)[0].rstrip() + "\n\n" + MARKER + "\n"
    parts = [head]
    for name, title in SECTIONS:
        candidates = [ROOT / "bench" / name / "RESULTS.md", ROOT / "bench" / name / "RESULTS-small.md"]
        source = next((p for p in candidates if p.exists()), None)
        if source is None:
            continue
        body = re.sub(r"^# .*\n", "", source.read_text(encoding="utf-8"), count=1)
        body = re.sub(r"^## ", "### ", body, flags=re.M)
        parts.append(f"\n## {title} — `bench/{name}/run.py`\n\nFrom `{source.relative_to(ROOT)}`.\n{body}")
    doc.write_text("".join(parts), encoding="utf-8")


if __name__ == "__main__":
    main()
