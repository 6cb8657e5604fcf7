"""``manage.py opinion_evaluate --data FILE.jsonl [--model DIR]``: per-class results, last line one JSON summary."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from danvan.nlp.opinion import SUMMARY_KEYS, OpinionAnalyzer, OpinionIntegrityError, evaluate

DEFAULT_MODEL = Path(settings.BASE_DIR) / "data" / "models" / "opinion" / "default"


def read_gold(path: Path) -> list[dict]:
    if not path.is_file():
        raise CommandError(f"không tìm thấy tệp / file not found: {path}", returncode=2)
    records = []
    with open(path, encoding="utf-8-sig") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CommandError(
                    f"dòng {number}: không phải JSON hợp lệ / line {number}: invalid JSON ({exc.msg})",
                    returncode=2,
                ) from exc
            if not isinstance(record, dict):
                raise CommandError(
                    f"dòng {number}: cần một đối tượng JSON / line {number}: not an object", returncode=2
                )
            # An article may come with its title only: the title is then what is classified.
            has_title = any(record.get(k) for k in ("title", "article_title"))
            required = ("field", "sentiment") if has_title else ("text", "field", "sentiment")
            missing = [k for k in required if record.get(k) in (None, "")]
            if record.get("text") is None:
                record["text"] = ""
            if missing:
                raise CommandError(
                    f"dòng {number}: thiếu trường / line {number}: missing {', '.join(missing)}", returncode=2
                )
            records.append(record)
    if not records:
        raise CommandError(f"tệp rỗng / empty file: {path}", returncode=2)
    return records


class Command(BaseCommand):
    help = "Evaluate the opinion bundle on a labelled JSONL file (text, title/article_title, field, sentiment, relevant)."

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True)
        parser.add_argument("--model", default=str(DEFAULT_MODEL))

    def handle(self, *args, **options):
        records = read_gold(Path(options["data"]))
        try:
            analyzer = OpinionAnalyzer.load(options["model"])
        except OpinionIntegrityError as exc:
            raise CommandError(f"mô hình không hợp lệ / invalid model: {exc}", returncode=2) from exc
        result = evaluate(analyzer, records)
        out = self.stdout
        out.write(f"model {analyzer.version}  n={result['n']}")
        for task in ("field", "sentiment"):
            out.write(f"\n{task}: accuracy {result[task]['accuracy']}  macro-F1 {result[task]['macro_f1']}")
            out.write(f"{'label':<20} {'prec':>6} {'rec':>6} {'f1':>6} {'n':>6}")
            for label, row in result[task]["per_class"].items():
                out.write(
                    f"{label:<20} {row['precision']:>6} {row['recall']:>6} {row['f1']:>6} {row['support']:>6}"
                )
        rel = result["relevance"]
        out.write(
            f"\nrelevance: precision {rel['precision']} recall {rel['recall']} f1 {rel['f1']} n={rel['support']}"
        )
        out.write(json.dumps({k: result[k] for k in SUMMARY_KEYS}))
