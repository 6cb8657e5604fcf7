"""Ingestion of the opinion module: sources, feed polling, file imports, the API's batches, collaborators'
reports and the automatic flow of citizens' cases (denunciations excepted: ``flow_cases``) and branch-meeting
issues.

Every channel ends in ``ingest_items``, which validates each record (per-item errors, never a whole batch
refused for one bad item), NFC-cleans it and stores it through ``pipeline.store_items``:

- idempotent on (source, external id): the same batch twice changes nothing. **Decision**: the first
  version of an item wins — a re-sent item whose text changed is reported as ``existing`` and not updated
  (labels, issue and corrections of the stored item stay consistent; an edited post is rare in exports and
  a changed external id is a new item);
- authors are turned into a keyed hash (``privacy.author_hash``) and never stored or logged;
- the new items are handed to the pipeline (``pipeline.enqueue``; the periodic sweep picks any left over).

Feeds failing ``FAILURE_LIMIT`` times in a row are flagged and no longer polled until an officer re-enables
them (``source_enable``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from danvan.core import jobs
from danvan.core.scoping import has_scope_permission
from danvan.core.text import clean
from danvan.opinion import feeds, pipeline
from danvan.opinion.models import CollaboratorReport, Item, ItemKind, Sentiment, Source, SourceKind
from danvan.opinion.privacy import strip_personal

logger = logging.getLogger(__name__)

MAX_BATCH = 1000
FAILURE_LIMIT = 5
MAX_FILE_ROWS = 200_000
MAX_TEXT = 20_000
MIN_INTERVAL, MAX_INTERVAL = 5, 7 * 24 * 60
FLOW_INTERVAL = 10  # minutes between two reads of new cases / meeting issues

# Fields a file's columns can be mapped to (key → label); ``text`` and ``published_at`` are required.
MAPPING_FIELDS: list[tuple[str, str]] = [
    ("text", "Nội dung"),
    ("published_at", "Thời gian"),
    ("external_id", "Mã bài/bình luận"),
    ("author", "Tác giả"),
    ("url", "Đường dẫn"),
    ("title", "Tiêu đề"),
    ("likes", "Lượt thích"),
    ("shares", "Lượt chia sẻ"),
    ("comments_count", "Số bình luận"),
    ("parent_external_id", "Bài gốc"),
]
REQUIRED_MAPPING = ("text", "published_at")
NUMBER_FIELDS = ("likes", "shares", "comments_count", "reach")
NUMBER_LABELS = {**dict(MAPPING_FIELDS), "reach": "Lượt tiếp cận"}  # how a rejected row names the column
# Header names recognised without a saved mapping (folded, lower case).
GUESSES = {
    "text": ("text", "message", "content", "noi dung", "body", "comment", "binh luan"),
    "published_at": ("published_at", "time", "created_time", "date", "thoi gian", "ngay", "timestamp"),
    "external_id": ("id", "external_id", "post_id", "comment_id", "ma"),
    "author": ("author", "from", "user", "username", "tac gia", "nguoi dang"),
    "url": ("url", "link", "permalink", "permalink_url", "duong dan"),
    "title": ("title", "tieu de"),
    "likes": ("likes", "like_count", "reactions", "luot thich"),
    "shares": ("shares", "share_count", "luot chia se"),
    "comments_count": ("comments", "comment_count", "comments_count", "so binh luan"),
    "parent_external_id": ("parent", "parent_id", "post", "bai goc"),
}


def _require(actor, perm: str, unit_path: str) -> None:
    if actor is None or not has_scope_permission(actor, perm, unit_path):
        raise PermissionDenied(_("You do not have permission to do this here."))


# --- sources -------------------------------------------------------------------------------------------

SOURCE_FIELDS = ("name", "kind", "url", "description", "poll_interval_minutes", "is_active", "column_mapping")


def _source_validate(data: dict[str, Any], kind: str) -> None:
    errors: dict[str, str] = {}
    if "name" in data and not clean(data["name"]):
        errors["name"] = _("Give the source a name.")
    if kind not in SourceKind.values:
        errors["kind"] = _("Unknown kind of source.")
    url = clean(data.get("url", ""))
    if kind == SourceKind.RSS and not url:
        errors["url"] = _("A feed needs its address (http:// or https://).")
    if url and not url.lower().startswith(("http://", "https://")):
        errors["url"] = _("The address must start with http:// or https://.")
    interval = data.get("poll_interval_minutes")
    if interval is not None and not MIN_INTERVAL <= int(interval) <= MAX_INTERVAL:
        errors["poll_interval_minutes"] = _("Poll every %(min)s to %(max)s minutes.") % {
            "min": MIN_INTERVAL,
            "max": MAX_INTERVAL,
        }
    if "column_mapping" in data:
        try:
            mapping_validate(data["column_mapping"] or {})
        except ValidationError as exc:
            errors["column_mapping"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def source_create(*, actor, unit, **data: Any) -> Source:
    _require(actor, "opinion.add_source", unit.path)
    kind = data.get("kind", SourceKind.RSS)
    _source_validate(data, kind)
    values = {k: v for k, v in data.items() if k in SOURCE_FIELDS}
    values["name"] = clean(values.get("name", ""))
    values["url"] = clean(values.get("url", ""))
    values["description"] = clean(values.get("description", ""))
    source = Source(unit=unit, unit_path=unit.path, created_by=actor, **values)
    if source.kind == SourceKind.RSS and source.is_active:
        source.next_poll_at = timezone.now()
    source.save()
    return source


@transaction.atomic
def source_update(*, actor, source: Source, unit=None, **data: Any) -> Source:
    _require(actor, "opinion.change_source", source.unit_path)
    if unit is not None and unit.pk != source.unit_id:
        _require(actor, "opinion.change_source", unit.path)
        source.unit, source.unit_path = unit, unit.path
    kind = data.get("kind", source.kind)
    _source_validate(data, kind)
    url_before = source.url
    for key, value in data.items():
        if key in SOURCE_FIELDS:
            setattr(source, key, clean(value) if key in ("name", "url", "description") else value)
    if source.url != url_before:  # a new address: forget the old validators
        source.etag = source.last_modified = ""
    source.save()
    return source


@transaction.atomic
def source_enable(*, actor, source: Source) -> Source:
    """An officer re-enables a flagged (or inactive) source: the failure count restarts, polled at once."""
    _require(actor, "opinion.change_source", source.unit_path)
    source.flagged, source.flagged_at, source.failure_count = False, None, 0
    source.is_active = True
    source.next_poll_at = timezone.now()
    source.save(
        update_fields=["flagged", "flagged_at", "failure_count", "is_active", "next_poll_at", "updated_at"]
    )
    return source


@transaction.atomic
def source_disable(*, actor, source: Source) -> Source:
    _require(actor, "opinion.change_source", source.unit_path)
    source.is_active = False
    source.save(update_fields=["is_active", "updated_at"])
    return source


# --- the shared entry: ingest_items ---------------------------------------------------------------------


@dataclass
class ItemError:
    index: int
    external_id: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "external_id": self.external_id, "message": self.message}


@dataclass
class IngestResult:
    created: list[int] = field(default_factory=list)
    existing: list[int] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": len(self.created),
            "existing": len(self.existing),
            "rejected": len(self.errors),
            "errors": [e.as_dict() for e in self.errors],
        }


# Uploaded files waiting on the mapping page (views/sources.py): a preview that is never imported leaves its
# file here, with the authors' names in it; ``sweep_abandoned_uploads`` (an hourly task) deletes them.
UPLOAD_TMP_DIR = "opinion/imports/tmp"
UPLOAD_TMP_MAX_AGE = dt.timedelta(hours=6)


def sweep_abandoned_uploads(
    *, now: dt.datetime | None = None, max_age: dt.timedelta = UPLOAD_TMP_MAX_AGE
) -> int:
    """Delete previewed uploads older than ``max_age`` (the mapping page's file is then "no longer
    available; upload it again"); returns how many were deleted."""
    from django.core.files.storage import default_storage

    now = now or timezone.now()
    try:
        _dirs, files = default_storage.listdir(UPLOAD_TMP_DIR)
    except (FileNotFoundError, NotADirectoryError):
        return 0
    deleted = 0
    for name in files:
        path = f"{UPLOAD_TMP_DIR}/{name}"
        try:
            modified = default_storage.get_modified_time(path)
        except (FileNotFoundError, NotImplementedError):
            continue
        if timezone.is_naive(modified):
            modified = timezone.make_aware(modified)
        if now - modified >= max_age:
            default_storage.delete(path)
            deleted += 1
    return deleted


def _number(value: Any) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float):
        number = int(value)
    else:
        text = str(value).strip().replace(" ", "").replace("\u00a0", "").lower()
        multiplier = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
        if multiplier > 1:
            # "1.5k", "1,2K" (Facebook exports): the separator before a suffix is a decimal point
            head = text[:-1]
            if head.count(".") + head.count(",") > 1:
                raise ValueError
            number = int(round(float(head.replace(",", ".")) * multiplier))
        else:  # "1.500", "1,500", "1 500": thousands separators
            number = int(text.replace(".", "").replace(",", ""))
    if number < 0:
        raise ValueError
    return min(number, 2_000_000_000)


def parse_time(value: Any) -> dt.datetime | None:
    """ISO 8601, RFC 2822, dd/mm/yyyy [hh:mm[:ss]], a Unix timestamp, or a datetime (Excel)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        result = value
    elif isinstance(value, dt.date):
        result = dt.datetime(value.year, value.month, value.day, 12)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if not 0 < value < 4_102_444_800:
            return None
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
    else:
        text = str(value).strip()
        if re.fullmatch(r"\d{9,10}", text):
            return dt.datetime.fromtimestamp(int(text), tz=dt.UTC)
        result = None
        try:
            result = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y %H:%M", "%d-%m-%Y"):
                try:
                    result = dt.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if result is None:
            result = feeds.parse_date(text)
        if result is None:
            return None
    if timezone.is_naive(result):
        result = timezone.make_aware(result)
    return result


def validate_record(raw: Any, *, default_kind: str = ItemKind.POST) -> tuple[dict[str, Any] | None, str]:
    """One incoming record → (Item fields, "") or (None, reason in Vietnamese)."""
    if not isinstance(raw, dict):
        return None, _("Each item must be an object with its fields.")
    external_id = clean(str(raw.get("external_id") or raw.get("id") or ""))
    if not external_id:
        return None, _("The external id is missing.")
    if len(external_id) > 300:
        return None, _("The external id is longer than 300 characters.")
    if any(isinstance(raw.get(k), list | dict | tuple) for k in ("text", "title")):
        # a JSON list or object in the text column is not text (it was imported as "['Đường', 'hỏng']")
        return None, _("The text must be plain text, not a list or an object.")
    text = clean(str(raw.get("text") or ""))
    title = clean(str(raw.get("title") or ""))
    if not text and not title:
        return None, _("The text is empty.")
    if len(text) > MAX_TEXT:
        return None, _("The text is longer than %(n)s characters.") % {"n": f"{MAX_TEXT:,}".replace(",", ".")}
    published = parse_time(raw.get("published_at"))
    if published is None:
        return None, _(
            "The time is missing or not understood (use ISO 8601, e.g. 2026-11-20T08:30:00+07:00)."
        )
    if published > timezone.now() + dt.timedelta(days=1):
        return None, _("The time is in the future.")
    if published.year < 2000:
        return None, _("The time is before the year 2000.")
    record: dict[str, Any] = {
        "external_id": external_id,
        "text": text,
        "title": title[:500],
        "published_at": published,
        "author": clean(str(raw.get("author") or "")),
        "parent_external_id": clean(str(raw.get("parent_external_id") or ""))[:300],
    }
    url = clean(str(raw.get("url") or ""))
    if url and not url.lower().startswith(("http://", "https://")):
        return None, _("The link must start with http:// or https://.")
    record["url"] = url[:1000]
    for name in NUMBER_FIELDS:
        try:
            record[name] = _number(raw.get(name))
        except (TypeError, ValueError):
            return None, _("“%(field)s” must be a whole number ≥ 0.") % {
                "field": NUMBER_LABELS.get(name, name)
            }
    kind = raw.get("kind") or (ItemKind.COMMENT if record["parent_external_id"] else default_kind)
    if kind not in ItemKind.values:
        return None, _("Unknown kind of item.")
    record["kind"] = kind
    unit_code = clean(str(raw.get("unit_code") or ""))
    if unit_code:
        record["unit_code"] = unit_code[:20]
    if not record["reach"]:
        record["reach"] = record["likes"] + record["shares"] + record["comments_count"]
    return record, ""


def _given_units(
    source: Source, records: list[tuple[int, dict[str, Any]]], result: IngestResult
) -> list[dict[str, Any]]:
    """Resolve each record's ``unit_code`` (the place given by the sender) to a unit of the source's area;
    a code outside it is reported as that item's error. Without a code the source's default unit applies."""
    from danvan.structure.models import Unit

    codes = {r["unit_code"] for _i, r in records if r.get("unit_code")}
    if not codes:
        return [r for _i, r in records]
    units: dict[str, Unit] = {}
    for unit in Unit.objects.filter(code__in=codes, path__startswith=source.unit_path).order_by("path"):
        units.setdefault(unit.code, unit)  # the shallowest unit of that code (a code names one unit a level)
    kept = []
    for index, record in records:
        code = record.pop("unit_code", "")
        if code:
            if code not in units:
                result.errors.append(
                    ItemError(
                        index,
                        record["external_id"],
                        _("The unit code “%(code)s” is not a unit of this source's area.") % {"code": code},
                    )
                )
                continue
            record["unit"] = units[code]
        kept.append(record)
    return kept


def ingest_items(*, source: Source, items: Sequence[Any], actor=None, default_kind: str = ItemKind.POST,
                 max_batch: int | None = MAX_BATCH, analyse: bool = True) -> IngestResult:  # fmt: skip
    """Validate and store a batch for ``source`` (every channel goes through here). With an ``actor`` the
    actor must be allowed to add items to the source's place. Raises ValidationError only for a batch that
    is too large; every bad item is reported in ``errors`` with its index and external id."""
    if actor is not None:
        _require(actor, "opinion.change_source", source.unit_path)
    if max_batch is not None and len(items) > max_batch:
        raise ValidationError(
            _("A batch holds at most %(max)s items; this one has %(n)s.")
            % {"max": max_batch, "n": len(items)}
        )
    result = IngestResult()
    records: list[tuple[int, dict[str, Any]]] = []
    seen: set[str] = set()
    for index, raw in enumerate(items):
        record, message = validate_record(raw, default_kind=default_kind)
        ext = (
            record["external_id"]
            if record
            else clean(str((raw or {}).get("external_id", "")) if isinstance(raw, dict) else "")
        )
        if record is None:
            result.errors.append(ItemError(index, ext, message))
            continue
        if ext in seen:
            result.errors.append(ItemError(index, ext, _("This external id appears twice in the batch.")))
            continue
        seen.add(ext)
        records.append((index, record))
    records = _given_units(source, records, result)
    if records:
        stored = pipeline.store_items(source, records, analyse=analyse)
        result.created, result.existing = stored.created, stored.existing
    return result


# --- feeds ---------------------------------------------------------------------------------------------


@dataclass
class PollResult:
    status: str  # "ok", "not_modified", "error", "skipped"
    created: int = 0
    existing: int = 0
    rejected: int = 0
    error: str = ""


def _record_failure(source: Source, message: str, now: dt.datetime) -> None:
    source.failure_count += 1
    source.last_error = message[:2000]
    source.last_polled_at = now
    fields = ["failure_count", "last_error", "last_polled_at", "next_poll_at"]
    if source.failure_count >= FAILURE_LIMIT:
        source.flagged, source.flagged_at = True, now
        source.next_poll_at = None
        fields += ["flagged", "flagged_at"]
    else:
        # back off: the interval, doubled per failure, at most a day
        delay = min(source.poll_interval_minutes * 2 ** (source.failure_count - 1), 24 * 60)
        source.next_poll_at = now + dt.timedelta(minutes=delay)
    Source.objects.filter(pk=source.pk).update(**{f: getattr(source, f) for f in fields})


def poll_source(source: Source, *, now: dt.datetime | None = None) -> PollResult:
    """Fetch one feed (conditionally), ingest its new entries, record success or failure on the source."""
    now = now or timezone.now()
    if source.kind != SourceKind.RSS or not source.is_active or source.flagged:
        return PollResult("skipped")
    try:
        fetched = feeds.fetch(source.url, etag=source.etag, last_modified=source.last_modified)
        feed = None if fetched.not_modified else feeds.parse(fetched.content)
    except feeds.FeedError as exc:
        _record_failure(source, str(exc), now)
        return PollResult("error", error=str(exc))
    updates = {
        "failure_count": 0,
        "last_error": "",
        "last_polled_at": now,
        "last_success_at": now,
        "next_poll_at": now + dt.timedelta(minutes=source.poll_interval_minutes),
        "etag": fetched.etag[:500],
        "last_modified": fetched.last_modified[:100],
    }
    result = PollResult("not_modified" if feed is None else "ok")
    if feed is not None:
        entries = []
        for entry in feed.entries:
            entry = dict(entry)
            entry["published_at"] = entry.get("published_at") or now
            entries.append(entry)
        outcome = ingest_items(source=source, items=entries, default_kind=ItemKind.ARTICLE, max_batch=None)
        result.created, result.existing, result.rejected = (
            len(outcome.created),
            len(outcome.existing),
            len(outcome.errors),
        )
    Source.objects.filter(pk=source.pk).update(**updates)
    for key, value in updates.items():
        setattr(source, key, value)
    return result


def poll_due_sources(*, now: dt.datetime | None = None, limit: int = 50) -> dict[str, int]:
    """Called every minute (tasks.poll_feeds): feeds whose next poll is due, then the cases / meetings flow
    when its own interval has passed."""
    now = now or timezone.now()
    due = Source.objects.filter(
        kind=SourceKind.RSS, is_active=True, flagged=False, next_poll_at__lte=now
    ).order_by("next_poll_at")[:limit]
    counts = {"polled": 0, "failed": 0, "flowed": 0}
    for source in due:
        try:
            r = poll_source(source, now=now)
        except Exception:  # one broken feed must not stop the others
            logger.exception("opinion feed %s: unexpected error", source.pk)
            _record_failure(source, _("An unexpected error occurred while reading the feed."), now)
            counts["failed"] += 1
            continue
        counts["polled"] += 1
        counts["failed"] += r.status == "error"
    counts["flowed"] = flows_run(now=now)
    return counts


# --- file imports --------------------------------------------------------------------------------------


class ImportFileError(Exception):
    """The file cannot be read at all (message for the user); nothing was changed."""


@dataclass
class FileTable:
    header: list[str]
    rows: list[dict[str, Any]]  # header name → cell value
    numbers: list[int]  # row number in the file for each row


def _csv_message() -> str:
    return _(
        "The CSV file is not encoded in UTF-8, so its Vietnamese letters cannot be read safely. In Excel use "
        "“Save as” → “CSV UTF-8 (comma delimited)”, or upload the .xlsx file instead."
    )


def _read_csv(raw: bytes) -> FileTable:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        raise ImportFileError(_csv_message())
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_csv_message()) from exc
    first = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows, numbers = [], []
    try:
        for number, cells in enumerate(reader, start=1):
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [clean(c) for c in cells]
                continue
            rows.append({h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h})
            numbers.append(number)
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file is malformed: %(error)s") % {"error": exc}) from exc
    return _table(header, rows, numbers)


def _read_xlsx(fh) -> FileTable:
    from openpyxl import load_workbook

    unreadable = _(
        "The file could not be read as an Excel .xlsx workbook. Save it again from Excel as .xlsx."
    )
    try:
        workbook = load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFileError(unreadable) from exc
    header: list[str] | None = None
    rows, numbers = [], []
    try:
        if workbook.worksheets:
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                    continue
                if header is None:
                    header = [clean(str(v)) if v is not None else "" for v in values]
                    continue
                rows.append({h: (values[i] if i < len(values) else None) for i, h in enumerate(header) if h})
                numbers.append(number)
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(unreadable) from exc
    finally:
        workbook.close()
    return _table(header, rows, numbers)


def _read_json(raw: bytes) -> FileTable:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("The JSON file is not encoded in UTF-8.")) from exc
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            _("The JSON file is malformed (line %(line)s).") % {"line": exc.lineno}
        ) from exc
    if isinstance(data, dict):
        data = next(
            (
                v
                for k, v in data.items()
                if k in ("data", "items", "posts", "comments") and isinstance(v, list)
            ),
            None,
        )
    if not isinstance(data, list):
        raise ImportFileError(
            _("The JSON file must hold a list of objects (or an object with a “data” list).")
        )
    header: list[str] = []
    rows, numbers = [], []
    for number, obj in enumerate(data, start=1):
        if not isinstance(obj, dict):
            raise ImportFileError(_("Element %(n)s of the JSON list is not an object.") % {"n": number})
        flat = {}
        for key, value in obj.items():
            if isinstance(value, dict):  # {"from": {"name": ...}} → "from.name"
                for sub, inner in value.items():
                    flat[f"{key}.{sub}"] = inner
            else:
                flat[str(key)] = value
        for key in flat:
            if key not in header:
                header.append(key)
        rows.append(flat)
        numbers.append(number)
    return _table(header if data else None, rows, numbers)


def _table(header: list[str] | None, rows: list[dict[str, Any]], numbers: list[int]) -> FileTable:
    if header is None:
        raise ImportFileError(_("The file is empty."))
    if not rows:
        raise ImportFileError(_("The file has no data rows below the column names."))
    if len(rows) > MAX_FILE_ROWS:
        raise ImportFileError(
            _("The file has more than %(max)s rows; split it.")
            % {"max": f"{MAX_FILE_ROWS:,}".replace(",", ".")}
        )
    return FileTable(header=[h for h in header if h], rows=rows, numbers=numbers)


def read_file(fh, filename: str) -> FileTable:
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(fh)
    raw = fh.read()
    if not raw.strip():
        raise ImportFileError(_("The file is empty."))
    if name.endswith(".csv"):
        return _read_csv(raw)
    if name.endswith(".json"):
        return _read_json(raw)
    raise ImportFileError(_("Unsupported file type. Accepted: %(types)s.") % {"types": ".csv, .json, .xlsx"})


def _fold(value: str) -> str:
    from danvan.core.text import fold

    return fold(value).replace("_", " ").strip()


def guess_mapping(header: Sequence[str], saved: dict[str, str] | None = None) -> dict[str, str]:
    """The source's saved mapping where its columns exist in this file, else a guess from the header."""
    mapping: dict[str, str] = {}
    present = set(header)
    for key, column in (saved or {}).items():
        if column in present:
            mapping[key] = column
    folded = {_fold(h): h for h in header}
    for key, names in GUESSES.items():
        if key in mapping:
            continue
        for name in names:
            if _fold(name) in folded:
                mapping[key] = folded[_fold(name)]
                break
    return mapping


def mapping_validate(mapping: dict[str, Any], header: Sequence[str] | None = None) -> dict[str, str]:
    keys = {k for k, _label in MAPPING_FIELDS}
    if not isinstance(mapping, dict):
        raise ValidationError(_("The column mapping is not valid."))
    out = {str(k): str(v) for k, v in mapping.items() if v}
    unknown = set(out) - keys
    if unknown:
        raise ValidationError(_("Unknown fields in the mapping: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    if header is not None:
        missing = [k for k in REQUIRED_MAPPING if k not in out]
        if missing:
            labels = dict(MAPPING_FIELDS)
            raise ValidationError(
                _("Choose the file's column for: %(fields)s.")
                % {"fields": ", ".join(labels[k] for k in missing)}
            )
        absent = sorted({v for v in out.values() if v not in set(header)})
        if absent:
            raise ValidationError(_("The file has no column named: %(c)s.") % {"c": ", ".join(absent)})
    return out


def map_row(row: dict[str, Any], mapping: dict[str, str], *, number: int, source: Source) -> dict[str, Any]:
    record = {key: row.get(column) for key, column in mapping.items()}
    if not record.get("external_id"):
        # no id column: a stable id from the row's content (the same file twice is still idempotent)
        import hashlib

        basis = json.dumps(
            [
                str(record.get("text") or ""),
                str(record.get("published_at") or ""),
                str(record.get("author") or ""),
            ]
        )
        record["external_id"] = "row-" + hashlib.sha256(basis.encode()).hexdigest()[:24]
    return record


def preview(fh, filename: str, *, source: Source, rows: int = 5) -> dict[str, Any]:
    """Header, the mapping to propose and the first rows mapped (for the mapping page). Raises ImportFileError."""
    table = read_file(fh, filename)
    mapping = guess_mapping(table.header, source.column_mapping)
    sample = []
    for row, number in list(zip(table.rows, table.numbers, strict=True))[:rows]:
        sample.append({"number": number, "cells": [row.get(h) for h in table.header]})
    return {"header": table.header, "mapping": mapping, "rows": sample, "total": len(table.rows)}


IMPORT_JOB = "opinion.import_file"


def import_start(*, actor, source: Source, upload, mapping: dict[str, str]):
    """Save the mapping on the source and start the import job (the file is read again by the worker)."""
    from danvan.core.services import job_start

    _require(actor, "opinion.change_source", source.unit_path)
    upload.seek(0)
    table = read_file(upload, upload.name)  # refuse at once what cannot be read: nothing changed
    mapping = mapping_validate(mapping, table.header)
    upload.seek(0)
    with transaction.atomic():
        Source.objects.filter(pk=source.pk).update(column_mapping=mapping)
        source.column_mapping = mapping
        return job_start(
            actor=actor,
            kind=IMPORT_JOB,
            title=_("Import of %(file)s into %(source)s")
            % {"file": upload.name[:100], "source": source.name},
            params={"source": source.pk, "mapping": mapping, "filename": upload.name},
            input_file=ContentFile(upload.read(), name=upload.name),
        )


def import_rows(source: Source, table: FileTable, mapping: dict[str, str], *, actor=None,
                progress: Callable[[int], None] | None = None) -> tuple[IngestResult, list[tuple[int, str, str]]]:  # fmt: skip
    """Every row in batches of 1,000; returns the totals and the rejected rows (file row, id, reason)."""
    total = IngestResult()
    rejected: list[tuple[int, str, str]] = []
    pairs = list(zip(table.rows, table.numbers, strict=True))
    for start in range(0, len(pairs), MAX_BATCH):
        chunk = pairs[start : start + MAX_BATCH]
        records = [map_row(row, mapping, number=n, source=source) for row, n in chunk]
        r = ingest_items(source=source, items=records, actor=actor)
        total.created += r.created
        total.existing += r.existing
        for e in r.errors:
            rejected.append((chunk[e.index][1], e.external_id, e.message))
            total.errors.append(ItemError(start + e.index, e.external_id, e.message))
        if progress:
            progress(start + len(chunk))
    return total, rejected


@jobs.register(IMPORT_JOB)
def import_job(job, ctx) -> dict[str, Any]:
    from danvan.core import exports

    source = Source.objects.filter(pk=job.params.get("source")).first()
    if source is None:
        raise jobs.JobError(_("This source no longer exists."))
    actor = job.created_by
    if actor is None or not actor.is_active:
        raise jobs.JobError(_("The account that started this import is no longer active."))
    try:
        with job.input_file.open("rb") as fh:
            table = read_file(fh, job.params.get("filename") or job.input_file.name)
    except ImportFileError as exc:
        raise jobs.JobError(str(exc)) from exc
    ctx.set_total(len(table.rows))
    result, rejected = import_rows(
        source,
        table,
        job.params.get("mapping") or {},
        actor=actor,
        progress=lambda n: ctx.progress(n, force=True),
    )
    if rejected:
        body = exports.xlsx_bytes(["Dòng", "Mã", "Lý do"], rejected, sheet_title="Dòng bị loại")
        job.result_file.save(f"dong-bi-loai-{job.pk}.xlsx", ContentFile(body), save=True)
    if job.input_file:
        job.input_file.delete(save=True)
    ctx.progress(len(table.rows), _("%(c)s new, %(e)s already there, %(r)s rejected.") % {
        "c": len(result.created), "e": len(result.existing), "r": len(rejected)}, force=True)  # fmt: skip
    return {"created": len(result.created), "existing": len(result.existing), "rejected": len(rejected)}


# --- channel sources (collaborators, cases, meetings): one per unit -----------------------------------------

CHANNEL_NAMES = {
    SourceKind.COLLABORATOR: "Cộng tác viên dư luận",
    SourceKind.CASES: "Đơn thư, vụ việc của công dân",
    SourceKind.MEETINGS: "Kiến nghị tại sinh hoạt chi, tổ hội",
}


def channel_source(kind: str, unit) -> Source:
    """The unit's source of this channel (made on first use). One per unit, because the pipeline places an
    item that names no place at its source's default unit: the case's, meeting's or report's own unit."""
    source = Source.objects.filter(kind=kind, unit=unit).order_by("pk").first()
    if source is None:
        cursor = 0
        if kind != SourceKind.COLLABORATOR:
            cursor = _cursor(kind)
        source = Source.objects.create(
            name=f"{CHANNEL_NAMES[kind]} – {unit.name}"[:200],
            kind=kind,
            unit=unit,
            unit_path=unit.path,
            poll_interval_minutes=FLOW_INTERVAL,
            column_mapping={"cursor": cursor} if kind != SourceKind.COLLABORATOR else {},
        )
    return source


# --- collaborators' reports ----------------------------------------------------------------------------

# More people than live in any commune or ward: a larger number is a typing slip, not an estimate.
MAX_HOW_MANY = 1_000_000


def how_many_too_large() -> str:
    from django.utils.formats import number_format

    return _("Give an approximate number of people (at most %(max)s).") % {
        "max": number_format(MAX_HOW_MANY, force_grouping=True)
    }


@transaction.atomic
def collab_report_create(*, actor, unit, what_people_say: str, village=None, where: str = "", how_many: int = 1,
                         mood: str = Sentiment.NEUTRAL, reported_at: dt.datetime | None = None) -> CollaboratorReport:  # fmt: skip
    place = village or unit
    _require(actor, "opinion.add_collaboratorreport", place.path)
    text = clean(what_people_say)
    errors = {}
    if len(text) < 10:
        errors["what_people_say"] = _("Write what people are saying (at least a sentence).")
    if village is not None and not village.path.startswith(unit.path):
        errors["village"] = _("The village must be in the chosen commune.")
    if mood not in Sentiment.values:
        errors["mood"] = _("Unknown mood.")
    if int(how_many or 0) < 1:
        errors["how_many"] = _("Give an approximate number of people (at least 1).")
    elif int(how_many) > MAX_HOW_MANY:
        errors["how_many"] = how_many_too_large()
    if errors:
        raise ValidationError(errors)
    report = CollaboratorReport.objects.create(
        reporter=actor,
        unit=unit,
        unit_path=place.path,
        village=village,
        # stored already stripped (names, phones, e-mails, ID numbers): the raw words are never kept
        what_people_say=strip_personal(text),
        where=strip_personal(clean(where))[:300],
        how_many=int(how_many),
        mood=mood,
        reported_at=reported_at or timezone.now(),
    )
    body = report.what_people_say
    if report.where:
        body = f"{body} (Nơi: {report.where})"
    source = channel_source(SourceKind.COLLABORATOR, place)
    stored = pipeline.store_items(
        source,
        [
            {
                "external_id": f"report-{report.pk}",
                "kind": ItemKind.REPORT,
                "text": body,
                "published_at": report.reported_at,
                "reach": report.how_many,
                "unit": place,
            }
        ],
    )
    item_id = (stored.created or stored.existing or [None])[0]
    if item_id:
        CollaboratorReport.objects.filter(pk=report.pk).update(item_id=item_id)
        report.item_id = item_id
    return report


# --- cases and meeting issues flowing in ----------------------------------------------------------------


def _dated(day: dt.date, recorded_at: dt.datetime, *, now: dt.datetime | None = None) -> dt.datetime:
    """When a flowed item was said: the record's own day (a case's received on, a meeting's held on) at the
    local time of day the record was entered, never later than now. A case received this morning and
    entered at 06:51 is dated 06:51, not an invented noon still to come; a case received on an earlier day
    keeps its day, so the items sort by time as the cases do."""
    now = now or timezone.now()
    clock = timezone.localtime(recorded_at).time()
    return min(timezone.make_aware(dt.datetime.combine(day, clock)), now)


def _cursor(kind: str) -> int:
    """The last case / meeting issue id read: every source of the channel carries it (max is the truth)."""
    values = Source.objects.filter(kind=kind).values_list("column_mapping", flat=True)
    return max((int((v or {}).get("cursor", 0)) for v in values), default=0)


def _advance(kind: str, last: int) -> None:
    Source.objects.filter(kind=kind).update(column_mapping={"cursor": last}, last_success_at=timezone.now())


def _store_flowed(groups) -> int:
    """Store each channel source's records, then queue their analysis together: a flow touches one source per
    unit, most with an item or two, and a job per source would be thousands of one-item jobs."""
    created: list[int] = []
    for source, records in groups:
        created += pipeline.store_items(source, records, analyse=False).created
    pipeline.enqueue(created)
    return len(created)


def flow_cases(*, batch: int = 2000) -> int:
    """New citizens' cases since the cursor → items (subject and content without personal data), at the
    case's unit and in the case's field when it has one, dated when the case was received (``_dated``). The
    cursor (the last case id read) is kept on the channel's sources.

    **Decision**: denunciations never flow. The cases module encrypts a denouncer's identity and restricts
    who reads it, but a denunciation's subject and content often identify the denouncer (what only they saw,
    where, whom it accuses); copied into the opinion module they would be read by every analyst and kept in
    its items, issues, quotes and briefings. Their figures stay in the cases module's reports. The filter is
    in the query, so a flow read again from an earlier cursor does not add them either."""
    from danvan.cases.models import Case, Kind

    cursor = _cursor(SourceKind.CASES)
    total = 0
    while True:
        cases = list(
            Case.objects.filter(pk__gt=cursor)
            .exclude(kind=Kind.DENUNCIATION)
            .select_related("unit", "field")
            .order_by("pk")[:batch]
        )
        if not cases:
            break
        by_source: dict[int, tuple[Source, list[dict[str, Any]]]] = {}
        sources: dict[str, Source] = {}
        for case in cases:
            if case.unit.path not in sources:
                sources[case.unit.path] = channel_source(SourceKind.CASES, case.unit)
            source = sources[case.unit.path]
            names = [case.citizen_name, case.citizen_address, case.citizen_email, case.citizen_phone]
            record = {
                "external_id": f"case-{case.pk}",
                "kind": ItemKind.CASE,
                "title": strip_personal(case.title, names=names)[:500],
                "text": strip_personal(case.content, names=names),
                "published_at": _dated(case.received_on, case.created_at),
                "reach": case.people_count,
                "unit": case.unit,
                # the field the case officer chose (the same list): the item's field
                "given_field": case.field.code if case.field_id else "",
            }
            by_source.setdefault(source.pk, (source, []))[1].append(record)
        with transaction.atomic():
            total += _store_flowed(by_source.values())
            _advance(SourceKind.CASES, cases[-1].pk)
        cursor = cases[-1].pk
    return total


# How far back a reclassified case is looked for (a flow runs every FLOW_INTERVAL minutes; a week covers a
# worker that was down for days).
CASE_FIELDS_WINDOW = dt.timedelta(days=7)


def case_fields_sync(*, now: dt.datetime | None = None) -> int:
    """A case is often classified after it was received (and flowed in): the items of the cases changed in the
    last CASE_FIELDS_WINDOW whose field is no longer their case's take it, and are analysed again (their
    rollups and issue follow). Returns the items changed. Denunciations are left out, as by the flow."""
    from danvan.cases.models import Kind

    now = now or timezone.now()
    sources = list(Source.objects.filter(kind=SourceKind.CASES).values_list("pk", flat=True))
    if not sources:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.id, coalesce(f.code, '')
            FROM cases_case c
            JOIN opinion_itemkey k ON k.source_id = ANY(%s) AND k.external_id = 'case-' || c.id
            JOIN opinion_item i ON i.id = k.item_id AND i.published_at = k.published_at
            LEFT JOIN cases_concernfield f ON f.id = c.field_id
            WHERE c.updated_at >= %s AND i.given_field <> coalesce(f.code, '') AND c.kind <> %s
            """,
            [sources, now - CASE_FIELDS_WINDOW, Kind.DENUNCIATION],
        )
        changes = cursor.fetchall()
    by_code: dict[str, list[int]] = {}
    for item_id, code in changes:
        by_code.setdefault(code, []).append(item_id)
    with transaction.atomic():
        for code, ids in by_code.items():
            Item.objects.filter(pk__in=ids).update(given_field=code)
    pipeline.analyse_items([item_id for item_id, _code in changes], force=True)
    return len(changes)


def flow_meetings(*, batch: int = 2000) -> int:
    """New issues raised at branch meetings since the cursor → items (no "raised by"), at the meeting's unit."""
    from danvan.activities.models import MeetingIssue

    cursor = _cursor(SourceKind.MEETINGS)
    total = 0
    while True:
        rows = list(
            MeetingIssue.objects.filter(pk__gt=cursor).select_related("meeting__unit").order_by("pk")[:batch]
        )
        if not rows:
            break
        by_source: dict[int, tuple[Source, list[dict[str, Any]]]] = {}
        sources: dict[str, Source] = {}
        for issue in rows:
            unit = issue.meeting.unit
            if unit.path not in sources:
                sources[unit.path] = channel_source(SourceKind.MEETINGS, unit)
            source = sources[unit.path]
            names = [issue.raised_by]
            record = {
                "external_id": f"meeting-issue-{issue.pk}",
                "kind": ItemKind.MEETING,
                "title": strip_personal(issue.summary, names=names)[:500],
                "text": strip_personal(issue.details, names=names),
                "published_at": _dated(issue.meeting.held_on, issue.created_at),
                "unit": unit,
            }
            by_source.setdefault(source.pk, (source, []))[1].append(record)
        with transaction.atomic():
            total += _store_flowed(by_source.values())
            _advance(SourceKind.MEETINGS, rows[-1].pk)
        cursor = rows[-1].pk
    return total


_LAST_FLOW: dict[str, dt.datetime] = {}


def flows_run(*, now: dt.datetime | None = None, force: bool = False) -> int:
    """Both flows, at most every FLOW_INTERVAL minutes per process (cheap: they read past a cursor), then the
    fields of the cases reclassified since they flowed in."""
    now = now or timezone.now()
    last = _LAST_FLOW.get("all")
    if not force and last is not None and now - last < dt.timedelta(minutes=FLOW_INTERVAL):
        return 0
    _LAST_FLOW["all"] = now
    flowed = flow_cases() + flow_meetings()
    case_fields_sync(now=now)
    return flowed
