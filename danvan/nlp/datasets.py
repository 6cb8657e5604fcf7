"""Reading and converting the public Vietnamese datasets to JSON Lines (``text``, ``label`` and extras).

Every converter accepts either one file or a folder (then ``split`` picks the file), so the same command
converts the train/dev splits here and the held-back test splits elsewhere.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

__all__ = [
    "CONVERTERS",
    "DATASET_INFO",
    "DatasetError",
    "convert",
    "open_text",
    "read_jsonl",
    "write_jsonl",
]

Record = dict[str, Any]


class DatasetError(ValueError):
    """A source file or folder is not in the expected layout."""


#: Source and licence as each dataset's own README states them (copied into model cards).
DATASET_INFO: dict[str, dict[str, Any]] = {
    "vntc": {
        "name": "VNTC 10 topics (Hoang Cong Duy Vu et al., RIVF 2007)",
        "source": "github.com/duyvuleo/VNTC",
        "licence": "MIT",
        "research_only": False,
    },
    "vsfc": {
        "name": "UIT-VSFC students' feedback (Nguyen et al., KSE 2018)",
        "source": "UIT NLP Group",
        "licence": "none stated for the data; distributed by UIT for research purposes",
        "research_only": True,
    },
    "vihsd": {
        "name": "ViHSD hate speech (Luu et al., IEA/AIE 2021)",
        "source": "github.com/sonlam1102/vihsd",
        "licence": "none; README: 'used only for research purposes'",
        "research_only": True,
    },
    "victsd": {
        "name": "UIT-ViCTSD constructive and toxic speech (Nguyen et al., IEA/AIE 2021)",
        "source": "github.com/tarudesu/ViCTSD",
        "licence": "none stated",
        "research_only": True,
    },
    "domain": {
        "name": "Dân Vận Số public-concern set (texts from UIT-ViCTSD train and VNTC train, project's labels)",
        "source": "shared/data/domain",
        "licence": "labels: the project's; texts: UIT-ViCTSD (none stated) and VNTC (MIT)",
        "research_only": True,
    },
}

VSFC_LABELS = {
    "sentiment": {"0": "negative", "1": "neutral", "2": "positive"},
    "topic": {"0": "lecturer", "1": "training_program", "2": "facility", "3": "others"},
}
VIHSD_LABELS = {"0": "CLEAN", "1": "OFFENSIVE", "2": "HATE"}
VICTSD_LABELS = {
    "toxicity": {"0": "non_toxic", "1": "toxic"},
    "constructiveness": {"0": "non_constructive", "1": "constructive"},
}


# --- JSON Lines -------------------------------------------------------------------------------------------


def open_text(path: str | Path, mode: str = "r") -> TextIO:
    """Open a text file, transparently gzip-compressed when its name ends with ``.gz``; ``-`` is stdin/out."""
    if str(path) == "-":
        return sys.stdin if "r" in mode else sys.stdout
    path = Path(path)
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8", compresslevel=6)  # type: ignore[return-value]
    return open(path, mode, encoding="utf-8", newline="\n" if "w" in mode else None)


def read_jsonl(path: str | Path) -> Iterator[Record]:
    fh = open_text(path)
    try:
        for number, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{path}:{number}: not a JSON object ({exc.msg})") from exc
            if not isinstance(record, dict):
                raise DatasetError(f"{path}:{number}: not a JSON object")
            yield record
    finally:
        if fh is not sys.stdin:
            fh.close()


def write_jsonl(path: str | Path, records: Iterable[Record]) -> int:
    fh = open_text(path, "w")
    count = 0
    try:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    finally:
        if fh is not sys.stdout:
            fh.close()
        else:
            fh.flush()
    return count


# --- helpers ---------------------------------------------------------------------------------------------


def _pick(src: Path, split: str | None, candidates: dict[str, list[str]]) -> Path:
    """Resolve a folder + split to a file or folder among *candidates* (split → possible names)."""
    if not src.exists():
        raise DatasetError(f"{src}: no such file or folder")
    if src.is_file():
        return src
    splits = [split] if split else list(candidates)
    for name in splits:
        for candidate in candidates.get(name, [name]):
            path = src / candidate
            if path.exists():
                return path
    wanted = split or "/".join(candidates)
    raise DatasetError(f"{src}: no {wanted} split found (looked for {sorted(sum(candidates.values(), []))})")


def _read_csv(path: Path) -> list[dict[str, str]]:
    # ViCTSD train has a stray U+001C; csv handles it once newline="" is used
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


# --- converters -----------------------------------------------------------------------------------------


def convert_vntc(src: Path, split: str | None = None, **_: Any) -> Iterator[Record]:
    """VNTC: a JSONL(.gz) file of ``{id, label, text}``, a folder holding ``<split>.jsonl.gz``, or the raw
    ``Train_Full``/``Test_Full`` layout (``<topic>/<file>.txt``, UTF-16)."""
    path = _pick(
        src,
        split,
        {
            "train": ["train.jsonl.gz", "train.jsonl", "Train_Full"],
            "test": ["test.jsonl.gz", "test.jsonl", "Test_Full"],
        },
    )
    if path.is_file():
        for record in read_jsonl(path):
            if "text" not in record or "label" not in record:
                raise DatasetError(f"{path}: VNTC records need 'text' and 'label'")
            yield {"id": record.get("id"), "text": record["text"], "label": str(record["label"])}
        return
    for topic_dir in sorted(p for p in path.iterdir() if p.is_dir()):
        for file in sorted(topic_dir.glob("*.txt")):
            raw = file.read_bytes()
            encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig"
            text = raw.decode(encoding).replace("\r\n", "\n").strip()
            yield {"id": file.stem, "text": text, "label": topic_dir.name}


def convert_vsfc(src: Path, split: str | None = None, field: str = "sentiment", **_: Any) -> Iterator[Record]:
    """UIT-VSFC: a split folder with ``sents.txt``, ``sentiments.txt``, ``topics.txt``, or its parent."""
    if field not in VSFC_LABELS:
        raise DatasetError(f"vsfc --field must be one of {sorted(VSFC_LABELS)}, not {field!r}")
    folder = src
    if not (src / "sents.txt").exists():
        folder = _pick(src, split, {"train": ["train"], "dev": ["dev"], "test": ["test"]})
    if folder.is_file():
        folder = folder.parent
    label_file = folder / ("sentiments.txt" if field == "sentiment" else "topics.txt")
    sents_file = folder / "sents.txt"
    if not sents_file.exists() or not label_file.exists():
        raise DatasetError(f"{folder}: needs sents.txt and {label_file.name}")
    sents = sents_file.read_text(encoding="utf-8").splitlines()
    labels = label_file.read_text(encoding="utf-8").splitlines()
    if len(sents) != len(labels):
        raise DatasetError(f"{folder}: {len(sents)} sentences but {len(labels)} labels")
    mapping = VSFC_LABELS[field]
    for i, (text, label) in enumerate(zip(sents, labels, strict=True)):
        label = label.strip()
        if label not in mapping:
            raise DatasetError(f"{label_file}:{i + 1}: unknown label {label!r}")
        yield {"id": f"{folder.name}-{i}", "text": text.strip(), "label": mapping[label]}


def convert_vihsd(src: Path, split: str | None = None, **_: Any) -> Iterator[Record]:
    """ViHSD: ``free_text,label_id`` CSV (a file, or a folder with train/dev/test.csv)."""
    path = _pick(src, split, {"train": ["train.csv"], "dev": ["dev.csv"], "test": ["test.csv"]})
    for i, row in enumerate(_read_csv(path)):
        if "free_text" not in row or "label_id" not in row:
            raise DatasetError(f"{path}: expected columns free_text,label_id")
        label = (row["label_id"] or "").strip()
        if label not in VIHSD_LABELS:
            raise DatasetError(f"{path}: row {i + 2}: unknown label {label!r}")
        yield {"id": f"{path.stem}-{i}", "text": row["free_text"] or "", "label": VIHSD_LABELS[label]}


def convert_victsd(
    src: Path, split: str | None = None, field: str = "toxicity", **_: Any
) -> Iterator[Record]:
    """UIT-ViCTSD: CSV with Comment, Constructiveness, Toxicity, Title, Topic (``--field`` picks the label)."""
    field = field.lower()
    if field not in VICTSD_LABELS:
        raise DatasetError(f"victsd --field must be one of {sorted(VICTSD_LABELS)}, not {field!r}")
    path = _pick(
        src,
        split,
        {
            "train": ["ViCTSD_train.csv", "train.csv"],
            "dev": ["ViCTSD_valid.csv", "ViCTSD_dev.csv", "dev.csv", "valid.csv"],
            "test": ["ViCTSD_test.csv", "test.csv"],
        },
    )
    column = field.capitalize()
    mapping = VICTSD_LABELS[field]
    for i, row in enumerate(_read_csv(path)):
        if "Comment" not in row or column not in row:
            raise DatasetError(f"{path}: expected columns Comment and {column}")
        label = (row[column] or "").strip()
        if label not in mapping:
            raise DatasetError(f"{path}: row {i + 2}: unknown {column} {label!r}")
        yield {
            "id": f"{path.stem}-{row.get('') or i}",
            "text": row["Comment"] or "",
            "label": mapping[label],
            "context": row.get("Title") or "",
            "source_topic": row.get("Topic") or "",
        }


def convert_domain(src: Path, split: str | None = None, field: str = "field", **_: Any) -> Iterator[Record]:
    """The project's public-concern set (``train.jsonl``): label = ``field`` or ``sentiment``."""
    if field not in ("field", "sentiment"):
        raise DatasetError(f"domain --field must be 'field' or 'sentiment', not {field!r}")
    path = _pick(src, split, {"train": ["train.jsonl"], "dev": ["dev.jsonl"], "test": ["test.jsonl"]})
    for record in read_jsonl(path):
        if field not in record or "text" not in record:
            raise DatasetError(f"{path}: records need 'text' and {field!r}")
        out = {
            "id": record.get("id"),
            "text": record["text"],
            "label": str(record[field]),
            "context": record.get("article_title") or record.get("title") or "",
        }
        if "sure" in record:
            out["sure"] = record["sure"]
        yield out


CONVERTERS = {
    "vntc": convert_vntc,
    "vsfc": convert_vsfc,
    "vihsd": convert_vihsd,
    "victsd": convert_victsd,
    "domain": convert_domain,
}


def convert(
    kind: str, src: str | Path, out: str | Path, split: str | None = None, field: str | None = None
) -> dict:
    """Convert dataset *kind* at *src* to JSON Lines at *out*; returns a summary (count, label counts).

    A sidecar ``<out>.meta.json`` records the dataset's source and licence, which ``train`` copies into the
    model card.
    """
    if kind not in CONVERTERS:
        raise DatasetError(f"unknown dataset {kind!r}; choose one of {sorted(CONVERTERS)}")
    options: dict[str, Any] = {"split": split}
    if field:
        options["field"] = field
    labels: Counter[str] = Counter()

    def counted() -> Iterator[Record]:
        for record in CONVERTERS[kind](Path(src), **options):
            labels[record["label"]] += 1
            yield record

    count = write_jsonl(out, counted())
    summary = {
        "dataset": kind,
        "source_path": str(src),
        "split": split,
        "field": field,
        "n": count,
        "labels": dict(sorted(labels.items())),
        **DATASET_INFO[kind],
    }
    if str(out) != "-":
        with open(str(out) + ".meta.json", "w", encoding="utf-8") as fh:
            json.dump(summary, fh, ensure_ascii=False, indent=2)
    return summary


def load_meta(path: str | Path) -> dict[str, Any]:
    """The sidecar written by :func:`convert`, or ``{}``."""
    meta = Path(str(path) + ".meta.json")
    if meta.exists():
        with open(meta, encoding="utf-8") as fh:
            return json.load(fh)
    return {}


def read_texts_labels(
    path: str | Path, label_field: str = "label", text_field: str = "text"
) -> tuple[list[str], list[str], list[str]]:
    """Texts, labels (as strings) and contexts (``context``, ``article_title`` or ``title``; may be empty)."""
    texts: list[str] = []
    labels: list[str] = []
    contexts: list[str] = []
    for number, record in enumerate(read_jsonl(path), 1):
        if text_field not in record or label_field not in record:
            raise DatasetError(f"{path}:{number}: needs {text_field!r} and {label_field!r}")
        texts.append(str(record[text_field] or ""))
        labels.append(str(record[label_field]))
        contexts.append(
            str(record.get("context") or record.get("article_title") or record.get("title") or "")
        )
    return texts, labels, contexts
