"""The analysis pipeline: batched, idempotent, run by workers (ADR 0008).

    analyse_items(ids)        normalise → relevance → field → sentiment → toxic → places → corrections →
                              grouping into issues → issue scores → daily rollups
    finish_items(items, ...)  the steps after the model (what a correction re-runs)
    enqueue(ids)              hand ids to the workers in batches (eager in tests)
    reprocess_all()           every item again with the active model (after a promotion or a rollback)

Idempotency: running a batch twice gives the same rows. The model labels are a pure function of the text and
the model version; an analyst's ``Correction`` is re-applied over them every time (it wins and survives
reprocessing); an item keeps its issue while its group key (place, field, relevance) is unchanged; the rollups
of every (day, commune) a batch touched are recomputed from the items (delete + insert under an advisory lock),
never incremented, so they always equal a straight count.

Grouping (same matter): an item joins the issue of its commune and field whose last item is at most
``grouping_window_days`` older and whose keyword profile it overlaps most (overlap coefficient of its
keywords with the issue's top keywords ≥ ``grouping_similarity``, and two at least in common; an issue of
another field when the evidence is stronger, ``CROSS_FIELD_*``, unless an analyst corrected the item's field),
or any issue whose representative text it near-duplicates (MinHash estimated Jaccard ≥ ``duplicate_threshold``,
whatever the field); otherwise it opens a new issue. Keywords are the folded syllable bigrams and content
unigrams of the text (stopwords dropped, judged with their diacritics: "đất", "bồi thường" are kept), without the
names of the commune, of its villages and of its province (``place_names``; no bigram spans a name taken out):
every item of an issue's commune may name them, so they say nothing of the matter (with them, "a new café in
Phường Phú Khương is lovely" joined "Phường Phú Khương asks for better compensation for land" — five of its
twelve keywords were the commune's name — and "a new café in Khóm An Thới is lovely" joined "thanks for the new
bridge in Khóm Rạch Gốc" through "ở khóm", "khóm an", "đẹp quá").
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
import threading
import unicodedata
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from danvan.core.text import clean, fold
from danvan.opinion.models import (
    NOT_RELEVANT,
    Correction,
    Issue,
    IssueStatus,
    Item,
    ItemKey,
    ItemKind,
    ModelStatus,
    ModelVersion,
    OpinionSettings,
    Sentiment,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
DEFAULT_BUNDLE = Path(settings.BASE_DIR) / "data" / "models" / "opinion" / "default"
NUM_PERM = 64
PROFILE_SIZE = 40
# The model may put one matter under two fields ("thu hồi đất làm đường": land or infrastructure): an item joins
# an issue of another field when their words say it is the same matter more strongly than within a field.
CROSS_FIELD_SHARED = 3
CROSS_FIELD_OVERLAP = 0.5
TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)

# --- the analyser --------------------------------------------------------------------------------------


@dataclass
class Labels:
    relevant: bool
    relevance_confidence: float
    field: str
    field_confidence: float
    sentiment: str
    sentiment_confidence: float
    toxic: bool
    toxic_confidence: float
    field_scores: dict[str, float] = field(default_factory=dict)


class Analyzer(Protocol):
    version: str

    def analyze(self, items: Sequence[Any]) -> Sequence[Any]: ...


_RULES: dict[str, tuple[str, ...]] = {
    "land": (
        "dat dai",
        "so do",
        "thu hoi dat",
        "boi thuong",
        "giai phong mat bang",
        "tai dinh cu",
        "quy hoach",
    ),
    "environment": ("o nhiem", "rac thai", "moi truong", "khai thac cat", "nuoc thai", "boc mui", "khoi bui"),
    "health": ("benh vien", "bao hiem y te", "dich benh", "kham benh", "thuoc", "ngo doc"),
    "education": ("truong hoc", "hoc sinh", "giao vien", "hoc phi", "thi tot nghiep"),
    "social_policy": ("ho ngheo", "tro cap", "chinh sach", "nguoi co cong", "bao hiem xa hoi"),
    "labour": ("viec lam", "tien luong", "no luong", "cong nhan", "dinh cong"),
    "economy": ("gia ca", "gia lua", "gia heo", "tieu thu", "doanh nghiep", "cho"),
    "infrastructure": ("duong", "cau", "ngap", "giao thong", "mat dien", "nuoc sach", "cong trinh", "o ga"),
    "public_order": ("trom", "lua dao", "ma tuy", "tai nan", "danh bac", "trat tu"),
    "administration": ("thu tuc", "giay to", "mot cua", "dich vu cong", "cham tre"),
    "officials": ("tham nhung", "tieu cuc", "lam dung", "can bo", "sai pham"),
    "disaster": ("bao", "lu", "sat lo", "han han", "xam nhap man", "cuu tro"),
    "culture_society": ("le hoi", "van hoa", "gia dinh", "cong dong"),
}
_NEGATIVE = ("buc xuc", "khong", "chua", "cham", "o nhiem", "ngap", "kho khan", "lo lang", "te", "sai", "keu")
_POSITIVE = ("cam on", "tot", "hai long", "vui", "hoan thanh", "ung ho", "khen")
_TOXIC = ("do ngu", "mat day", "vo hoc", "cut")


class RuleAnalyzer:
    """Keyword rules: the stand-in used only when no trained bundle is installed (and in tests)."""

    version = "rules-1"
    card = {"name": "keyword rules", "note": "fallback when no trained bundle is installed"}

    def analyze(self, items: Sequence[Any]) -> list[Labels]:
        out = []
        for item in items:
            text = f" {fold(_text_of(item))} "
            hits = {code: sum(text.count(f" {k} ") for k in words) for code, words in _RULES.items()}
            best = max(hits, key=lambda c: hits[c])
            relevant = hits[best] > 0
            neg = sum(text.count(f" {k} ") for k in _NEGATIVE)
            pos = sum(text.count(f" {k} ") for k in _POSITIVE)
            sentiment = "negative" if neg > pos else "positive" if pos > neg else "neutral"
            toxic = any(f" {k} " in text for k in _TOXIC)
            total = sum(hits.values()) or 1
            out.append(
                Labels(
                    relevant=relevant,
                    relevance_confidence=0.9 if hits[best] > 1 else 0.6,
                    field=best if relevant else NOT_RELEVANT,
                    field_confidence=round(hits[best] / total, 3) if relevant else 0.6,
                    sentiment=sentiment,
                    sentiment_confidence=0.8 if neg != pos else 0.5,
                    toxic=toxic,
                    toxic_confidence=0.9 if toxic else 0.7,
                    field_scores={c: round(h / total, 3) for c, h in hits.items() if h},
                )
            )
        return out


def _text_of(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        return " ".join(x for x in (item.get("title") or "", item.get("text") or "") if x)
    return " ".join(x for x in (getattr(item, "title", ""), getattr(item, "text", "")) if x)


_cache_lock = threading.Lock()
_analyzers: dict[str, Any] = {}


def load_bundle(path: str | Path) -> Any:
    """B's bundle (``danvan.nlp.opinion.OpinionAnalyzer``), loaded once per process and path."""
    key = str(path)
    with _cache_lock:
        if key not in _analyzers:
            from danvan.nlp.opinion import OpinionAnalyzer  # type: ignore[import-not-found]

            _analyzers[key] = OpinionAnalyzer.load(key)
        return _analyzers[key]


def active_analyzer() -> Any:
    """The active ModelVersion's bundle, else the shipped default bundle, else the keyword rules."""
    active = ModelVersion.objects.filter(status=ModelStatus.ACTIVE).first()
    candidates = [Path(active.path)] if active and active.path else []
    candidates.append(DEFAULT_BUNDLE)
    for path in candidates:
        if path.exists():
            try:
                analyzer = load_bundle(path)
            except ImportError:
                break
            if active is not None and path == Path(active.path) and not getattr(analyzer, "version", None):
                # A bundle names itself (``OpinionAnalyzer.version`` is a read-only property of its card's
                # hash, the name ModelVersion rows carry too); only an analyser without one gets the row's.
                try:
                    analyzer.version = active.version
                except AttributeError:
                    pass
            return analyzer
    return RuleAnalyzer()


def _labels(analyzer: Any, items: Sequence[Item]) -> list[Labels]:
    # An article's title is its own; on a comment or post it is the title of what it answers (the parent
    # article), and ``kind`` tells the bundle which models (articles' or comments') apply.
    records = [
        {"text": it.text, "title": it.title, "kind": it.kind}
        if it.kind == ItemKind.ARTICLE
        else {"text": it.text, "article_title": it.title, "kind": it.kind}
        for it in items
    ]
    try:
        raw = analyzer.analyze(records)
    except (TypeError, AttributeError):  # an analyser that takes plain texts
        raw = analyzer.analyze([_text_of(r) for r in records])
    out = []
    for r in raw:
        get = r.get if isinstance(r, dict) else (lambda k, d=None, r=r: getattr(r, k, d))
        out.append(
            Labels(
                relevant=bool(get("relevant", True)),
                relevance_confidence=float(get("relevance_confidence", 0.0) or 0.0),
                field=str(get("field", "") or ""),
                field_confidence=float(get("field_confidence", 0.0) or 0.0),
                sentiment=str(get("sentiment", "") or Sentiment.NEUTRAL),
                sentiment_confidence=float(get("sentiment_confidence", 0.0) or 0.0),
                toxic=bool(get("toxic", False)),
                toxic_confidence=float(get("toxic_confidence", 0.0) or 0.0),
                field_scores=dict(get("field_scores", {}) or {}),
            )
        )
    return out


def uncertainty_of(labels: Labels) -> float:
    """How unsure the model is about the item: 1 - the lowest confidence among the labels that matter."""
    confidences = [labels.relevance_confidence]
    if labels.relevant:
        confidences += [labels.field_confidence, labels.sentiment_confidence]
    return round(1.0 - min(confidences), 4)


# --- places --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRef:
    id: int
    path: str
    level: str
    commune_id: int | None  # the commune containing it (itself for a commune), None above communes


_units_lock = threading.Lock()
_units_by_code: dict[tuple[str, str], UnitRef] = {}
_units_by_id: dict[int, UnitRef] = {}


def _load_units() -> None:
    from danvan.structure.models import Unit

    with _units_lock:
        if _units_by_id:
            return
        rows = list(Unit.objects.values_list("id", "code", "level", "path", "parent_id", "valid_to"))
        level_of = {r[0]: r[2] for r in rows}
        for uid, code, level, path, parent_id, valid_to in rows:
            commune_id = (
                uid
                if level == "commune"
                else parent_id
                if level == "village" and level_of.get(parent_id) == "commune"
                else None
            )
            ref = UnitRef(uid, path, level, commune_id)
            _units_by_id[uid] = ref
            if valid_to is None or (code, level) not in _units_by_code:
                _units_by_code[(code, level)] = ref


def forget_units() -> None:
    with _units_lock:
        _units_by_code.clear()
        _units_by_id.clear()


def unit_ref(unit_id: int) -> UnitRef:
    if unit_id not in _units_by_id:
        forget_units()
        _load_units()
    return _units_by_id[unit_id]


def _gazetteer():
    from danvan.nlp import Gazetteer

    return Gazetteer.default()


def link_places(item: Item, default: UnitRef) -> tuple[UnitRef, list[int], bool]:
    """The item's place: the first commune named in its text (linked to a Unit by code), else a named
    province other than the default's, else the source's default unit. Returns (unit, all place ids, from text)."""
    _load_units()
    text = " ".join(x for x in (item.title, item.text) if x)
    if not text:
        return default, [default.id], False
    province_code = default.path.split("/", 1)[0] if default.path else None
    try:
        mentions = _gazetteer().link(
            text, as_of=item.published_at.astimezone(TZ).date(), province_hint=province_code
        )
    except Exception:  # the linker must never stop a batch
        logger.exception("place linking failed for item %s", item.pk)
        mentions = []
    communes: list[UnitRef] = []
    provinces: list[UnitRef] = []
    for m in mentions:
        if m.unit is None:
            continue
        level = "commune" if m.unit.kind == "commune" else "province"
        code = m.unit.code if m.unit.kind != "legacy_province" else m.unit.province_code
        ref = _units_by_code.get((code, level))
        if ref is None:
            continue
        (communes if level == "commune" else provinces).append(ref)
    ids = list(dict.fromkeys([r.id for r in communes] + [r.id for r in provinces]))
    if communes:
        return communes[0], ids, True
    if provinces and not default.path.startswith(provinces[0].path):
        return provinces[0], ids, True
    return default, ids or [default.id], False


# --- keywords, signatures ------------------------------------------------------------------------------

_WORD = re.compile(r"[0-9a-z]+")


def _fold_table() -> dict[int, str]:
    """Lower-case letter with diacritics → its base letter, one character for one ("đất" → "dat")."""
    table = {ord("đ"): "d"}
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        base = "".join(c for c in unicodedata.normalize("NFD", chr(code)) if unicodedata.category(c) != "Mn")
        if len(base) == 1 and "a" <= base <= "z" and chr(code).islower():
            table[code] = base
    return table


_FOLD = _fold_table()


class _Stopwords:
    """The stopword list, read with its diacritics: folded, "đất" (land) would be "dat" like "đặt" (to put),
    "bồi" (to compensate) "boi" like "bởi" (because). A word typed without any diacritic ("cua", "la") is
    looked up among the folded forms, as it could be any of them."""

    def __init__(self) -> None:
        from danvan.nlp.resources import stopwords

        self.accented = frozenset(w.lower() for w in stopwords())
        self.folded = frozenset(w.translate(_FOLD) for w in self.accented)

    def __call__(self, word: str, folded: str) -> bool:
        return word in self.accented or (word == folded and folded in self.folded)


_stopwords: _Stopwords | None = None


def keywords(text: str, *, cut: re.Pattern | None = None) -> set[str]:
    """The folded content unigrams and syllable bigrams of ``text`` (stopwords judged with their diacritics);
    ``cut`` (place names, see ``place_names``) is taken out first, and no bigram spans the gap it leaves."""
    global _stopwords
    if _stopwords is None:
        _stopwords = _Stopwords()
    stop = _stopwords
    lower = clean(text).lower()
    folded = lower.translate(_FOLD)  # same length: a folded span is the same span of ``lower``
    spans = [(0, len(folded))] if cut is None else _uncut(folded, cut)
    out: set[str] = set()
    for start, end in spans:
        words = [(lower[m.start() : m.end()], m.group()) for m in _WORD.finditer(folded, start, end)]
        out.update(f for w, f in words if len(f) > 1 and not f.isdigit() and not stop(w, f))
        for (a, fa), (b, fb) in zip(words, words[1:], strict=False):
            if not stop(f"{a} {b}", f"{fa} {fb}") and not (stop(a, fa) and stop(b, fb)):
                out.add(f"{fa} {fb}")
    return out


def _uncut(folded: str, cut: re.Pattern) -> list[tuple[int, int]]:
    """The spans of ``folded`` between the matches of ``cut``."""
    spans, at = [], 0
    for m in cut.finditer(folded):
        spans.append((at, m.start()))
        at = m.end()
    spans.append((at, len(folded)))
    return spans


_dedup_index = None


def signature(text: str) -> list[int]:
    global _dedup_index
    if _dedup_index is None:
        from danvan.nlp import DuplicateIndex

        _dedup_index = DuplicateIndex(threshold=0.8, num_perm=NUM_PERM)
    sig = _dedup_index.signature(text)
    return [] if sig is None else [int(v) for v in sig]


def _jaccard(a: Sequence[int] | np.ndarray, b: Sequence[int] | np.ndarray) -> float:
    """The Jaccard estimate of two MinHash signatures (share of equal slots); arrays are compared as they are."""
    if len(a) == 0 or len(b) == 0 or len(a) != len(b):
        return 0.0
    return float(np.count_nonzero(np.asarray(a) == np.asarray(b))) / len(a)


# --- the pipeline --------------------------------------------------------------------------------------


@dataclass
class RunReport:
    analysed: int = 0
    skipped: int = 0
    issues_created: int = 0
    issues_touched: int = 0
    rollup_keys: int = 0
    version: str = ""


def _group_key(item: Item) -> tuple[int | None, str, bool]:
    return (item.commune_id, item.field, bool(item.relevant))


def _day(value: dt.datetime) -> dt.date:
    return value.astimezone(TZ).date()


def analyse_items(ids: Iterable[int], *, analyzer: Any = None, force: bool = False) -> RunReport:
    """Analyse these items (skipping the ones already analysed by the same model version unless ``force``)."""
    ids = sorted(set(ids))
    report = RunReport()
    if not ids:
        return report
    analyzer = analyzer or active_analyzer()
    version = str(getattr(analyzer, "version", "") or "unknown")
    report.version = version
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        with transaction.atomic():
            items = list(
                Item.objects.filter(pk__in=chunk).select_related("source").order_by("published_at", "id")
            )
            if not force:
                done = [it for it in items if it.analysed_at and it.model_version == version]
                report.skipped += len(done)
                items = [it for it in items if not (it.analysed_at and it.model_version == version)]
            if not items:
                continue
            before = {it.pk: (_group_key(it), it.issue_id, _rollup_key(it)) for it in items}
            texts = [it for it in items if not it.purged_at]
            labels = _labels(analyzer, texts) if texts else []
            moods = _report_moods(texts)
            now = timezone.now()
            for item, lab in zip(texts, labels, strict=True):
                item.title, item.text = clean(item.title), (item.text or "").strip()
                item.relevant = lab.relevant and lab.field != NOT_RELEVANT
                item.relevance_confidence = round(lab.relevance_confidence, 4)
                item.field = lab.field if item.relevant else NOT_RELEVANT
                item.field_confidence = round(lab.field_confidence, 4)
                item.field_scores = {k: round(float(v), 4) for k, v in lab.field_scores.items()}
                item.sentiment = lab.sentiment if lab.sentiment in Sentiment.values else Sentiment.NEUTRAL
                item.sentiment_confidence = round(lab.sentiment_confidence, 4)
                item.toxic = lab.toxic
                item.toxic_confidence = round(lab.toxic_confidence, 4)
                item.uncertainty = uncertainty_of(lab)
                if item.given_field and item.given_field != NOT_RELEVANT:
                    # an official's classification (a case's field): relevant, that field, and only the
                    # sentiment left for the analysts to doubt
                    item.relevant, item.field = True, item.given_field
                    item.relevance_confidence = item.field_confidence = 1.0
                    item.uncertainty = round(1.0 - lab.sentiment_confidence, 4)
                if item.pk in moods:
                    # a collaborator's report: what people say where the collaborator lives is relevant (the
                    # model's best field when it said otherwise), and the mood the collaborator read is the
                    # sentiment; only the field is left for the analysts to doubt
                    item.sentiment, item.sentiment_confidence = moods[item.pk], 1.0
                    if not item.relevant:
                        scores = {k: v for k, v in item.field_scores.items() if k != NOT_RELEVANT}
                        if scores:
                            item.relevant, item.field = True, max(scores, key=scores.get)
                            item.field_confidence = round(float(scores[item.field]), 4)
                    if item.relevant:
                        item.relevance_confidence = 1.0
                        item.uncertainty = round(1.0 - item.field_confidence, 4)
                item.model_version = version
                item.analysed_at = now
                if item.given_unit_id:
                    # a place given at ingestion is the item's place; the ones named in the text are kept too
                    place = unit_ref(item.given_unit_id)
                    _named, named_ids, _ = link_places(item, place)
                    place_ids, from_text = list(dict.fromkeys([place.id, *named_ids])), False
                else:
                    place, place_ids, from_text = link_places(item, unit_ref(item.source.unit_id))
                item.unit_id, item.unit_path = place.id, place.path
                item.place_unit_ids, item.place_from_text = place_ids, from_text
                item.commune_id = place.commune_id or place.id
            report.analysed += len(texts)
            finish_items(items, before=before, report=report)
    return report


def _report_moods(items: Sequence[Item]) -> dict[int, str]:
    """The mood each collaborator's report gave, by the id of its item (``report-<pk>`` external ids)."""
    from danvan.opinion.models import CollaboratorReport

    wanted = {}
    for it in items:
        if it.kind == ItemKind.REPORT and str(it.external_id).startswith("report-"):
            number = str(it.external_id)[len("report-") :]
            if number.isdigit():
                wanted[int(number)] = it.pk
    if not wanted:
        return {}
    rows = CollaboratorReport.objects.filter(pk__in=list(wanted)).values_list("pk", "mood")
    return {wanted[pk]: mood for pk, mood in rows if mood in Sentiment.values}


def _rollup_key(item: Item) -> tuple[dt.date, int] | None:
    if not item.relevant or item.commune_id is None:
        return None
    return (_day(item.published_at), item.commune_id)


ITEM_FIELDS = [
    "title",
    "text",
    "relevant",
    "relevance_confidence",
    "field",
    "field_confidence",
    "field_scores",
    "sentiment",
    "sentiment_confidence",
    "toxic",
    "toxic_confidence",
    "uncertainty",
    "model_version",
    "analysed_at",
    "unit",
    "unit_path",
    "commune",
    "place_unit_ids",
    "place_from_text",
    "issue",
    "duplicate_of_id",
]


def save_items(items: Sequence[Item]) -> int:
    """Write the pipeline's columns of these items in one UPDATE … FROM unnest(…) per 1,000 items.

    Matching on (id, published_at) lets PostgreSQL prune to the items' partitions; Django's bulk_update (a CASE
    per column and row) was measured 10× slower on a batch of 500."""

    if not items:
        return 0
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(items), 1000):
            chunk = items[start : start + 1000]
            cols = {
                "id": ("bigint", [it.pk for it in chunk]),
                "published_at": ("timestamptz", [it.published_at for it in chunk]),
                "title": ("text", [it.title or "" for it in chunk]),
                "text": ("text", [it.text or "" for it in chunk]),
                "relevant": ("boolean", [it.relevant for it in chunk]),
                "relevance_confidence": ("float8", [it.relevance_confidence for it in chunk]),
                "field": ("text", [it.field or "" for it in chunk]),
                "field_confidence": ("float8", [it.field_confidence for it in chunk]),
                "field_scores": ("text", [json.dumps(it.field_scores or {}) for it in chunk]),
                "sentiment": ("text", [it.sentiment or "" for it in chunk]),
                "sentiment_confidence": ("float8", [it.sentiment_confidence for it in chunk]),
                "toxic": ("boolean", [bool(it.toxic) for it in chunk]),
                "toxic_confidence": ("float8", [it.toxic_confidence for it in chunk]),
                "uncertainty": ("float8", [it.uncertainty or 0.0 for it in chunk]),
                "model_version": ("text", [it.model_version or "" for it in chunk]),
                "analysed_at": ("timestamptz", [it.analysed_at for it in chunk]),
                "unit_id": ("bigint", [it.unit_id for it in chunk]),
                "unit_path": ("text", [it.unit_path for it in chunk]),
                "commune_id": ("bigint", [it.commune_id for it in chunk]),
                "place_unit_ids": (
                    "text",
                    ["{" + ",".join(str(int(x)) for x in it.place_unit_ids) + "}" for it in chunk],
                ),
                "place_from_text": ("boolean", [bool(it.place_from_text) for it in chunk]),
                "issue_id": ("bigint", [it.issue_id for it in chunk]),
                "duplicate_of_id": ("bigint", [it.duplicate_of_id for it in chunk]),
            }
            names = list(cols)
            casts = {"field_scores": "::jsonb", "place_unit_ids": "::bigint[]"}
            sets = ", ".join(
                f"{n} = v.{n}{casts.get(n, '')}" for n in names if n not in ("id", "published_at")
            )
            unnest = ", ".join(f"%s::{cols[n][0]}[]" for n in names)
            cursor.execute(
                f"UPDATE opinion_item AS i SET {sets} FROM unnest({unnest}) AS v({', '.join(names)}) "
                "WHERE i.id = v.id AND i.published_at = v.published_at",
                [cols[n][1] for n in names],
            )
            updated += cursor.rowcount
    return updated


def apply_corrections(items: Sequence[Item]) -> None:
    """The latest correction of each label wins over the model (and over place linking)."""
    corrected = [it for it in items if it.corrected]
    if not corrected:
        return
    latest: dict[tuple[int, str], str] = {}
    for c in Correction.objects.filter(item_id__in=[it.pk for it in corrected]).order_by("created_at", "id"):
        latest[(c.item_id, c.what)] = c.new
    for item in corrected:
        for what in ("relevant", "field", "sentiment", "unit"):
            value = latest.get((item.pk, what))
            if value is None:
                continue
            if what == "relevant":
                item.relevant = value in ("1", "true", "True", "yes")
                if not item.relevant:
                    item.field = NOT_RELEVANT
            elif what == "field":
                item.field = value
                item.relevant = value != NOT_RELEVANT
            elif what == "sentiment":
                item.sentiment = value
            elif what == "unit":
                ref = unit_ref(int(value))
                item.unit_id, item.unit_path = ref.id, ref.path
                item.commune_id = ref.commune_id or ref.id
                if ref.id not in item.place_unit_ids:
                    item.place_unit_ids = [ref.id, *item.place_unit_ids]
        if item.relevant and item.field == NOT_RELEVANT:
            item.relevant = False
        item.uncertainty = 0.0


def finish_items(
    items: Sequence[Item], *, before: dict[int, Any], report: RunReport | None = None
) -> RunReport:
    """Corrections, grouping, issue scores, rollups — for items whose labels and places are set."""
    report = report or RunReport()
    apply_corrections(items)
    touched_issues: set[int] = set()
    rollup_keys: set[tuple[dt.date, int]] = set()
    for item in items:
        old_key, old_issue, old_rollup = before.get(item.pk, (None, None, None))
        if old_rollup:
            rollup_keys.add(old_rollup)
        new_rollup = _rollup_key(item)
        if new_rollup:
            rollup_keys.add(new_rollup)
        if old_issue and (old_key != _group_key(item) or not item.relevant):
            touched_issues.add(old_issue)
            item.issue_id = None
            item.duplicate_of_id = None
    settings_row = OpinionSettings.get()
    report.issues_created += group_items(
        [it for it in items if it.relevant and not it.issue_id], settings_row
    )
    touched_issues.update(it.issue_id for it in items if it.issue_id)
    save_items(items)
    rescore_issues(touched_issues)
    rollups_refresh(rollup_keys)
    report.issues_touched += len(touched_issues)
    report.rollup_keys += len(rollup_keys)
    return report


# --- grouping ------------------------------------------------------------------------------------------


@dataclass
class _Candidate:
    issue: Issue
    profile: Counter
    top: set[str]
    signature: np.ndarray
    last_seen: dt.datetime
    new: bool = False


def _overlap(kws: set[str], top: set[str]) -> tuple[float, int]:
    """The overlap coefficient of an item's keywords with an issue's top keywords, and how many they share."""
    shared = len(kws & top)
    return shared / max(1, min(len(kws), len(top))), shared


def stored_profile(profile: Counter) -> dict[str, int]:
    """The part of a keyword profile that an issue keeps (``Issue.keywords``)."""
    return dict(profile.most_common(PROFILE_SIZE * 3))


def _top(profile: Counter) -> set[str]:
    return {k for k, _ in profile.most_common(PROFILE_SIZE)}


# What a unit's name starts with ("Khóm An Thới", "Phường Phú Khương"), folded: people also write the rest alone.
_UNIT_PREFIX = re.compile(
    r"^(?:tinh|thanh pho|dac khu|phuong|xa|thi tran|ap|khom|thon|to dan pho|to|xom|ban|buon|lang|khu pho|khu)\s+"
)


@dataclass(frozen=True)
class PlaceNames:
    """The names of a commune, of its villages and of its province, folded: every item of the commune may
    name them, so they say nothing of the matter."""

    phrases: tuple[str, ...]
    pattern: re.Pattern | None

    def covers(self, keyword: str) -> bool:
        """A keyword that is a place name or a pair of its syllables ("khom an", "phu khuong"); a single
        syllable ("an", "ap") is also an ordinary word, so it is kept."""
        if " " not in keyword:
            return keyword in self.phrases
        padded = f" {keyword} "
        return any(padded in f" {p} " for p in self.phrases)


def _place_names(names: Iterable[str]) -> PlaceNames:
    phrases: set[str] = set()
    for name in names:
        full = " ".join(_WORD.findall(fold(name)))
        if not full:
            continue
        phrases.add(full)
        bare = _UNIT_PREFIX.sub("", full)
        if bare != full and len(bare.split()) >= 2:  # "an thoi", not "nhi" (Khóm Nhì) nor "1" (Ấp 1)
            phrases.add(bare)
    ordered = tuple(sorted(phrases, key=len, reverse=True))
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, ordered)) + r")\b") if ordered else None
    return PlaceNames(ordered, pattern)


def place_names(commune_ids) -> dict[int | None, PlaceNames]:
    """Per commune: its own name, its villages' and its province's ("phường phú khương", "khóm an thới",
    "an thới", "vĩnh long"…)."""
    from danvan.structure.models import Unit

    ids = [c for c in commune_ids if c]
    names: dict[int, list[str]] = defaultdict(list)
    for pk, name, parent in Unit.objects.filter(pk__in=ids).values_list("pk", "name", "parent__name"):
        names[pk] += [name, parent or ""]
    # villages merged away included: people go on using the old names
    for parent_id, name in Unit.objects.filter(parent_id__in=ids).values_list("parent_id", "name"):
        names[parent_id].append(name)
    empty = PlaceNames((), None)
    out: dict[int | None, PlaceNames] = defaultdict(lambda: empty)
    for pk, unit_names in names.items():
        out[pk] = _place_names(unit_names)
    return out


def group_items(items: Sequence[Item], settings_row: OpinionSettings) -> int:
    """Attach each relevant item without an issue to an issue (creating issues as needed); returns created."""
    if not items:
        return 0
    window = dt.timedelta(days=settings_row.grouping_window_days)
    items = sorted(items, key=lambda it: (it.published_at, it.pk))
    communes = {it.commune_id for it in items}
    earliest = items[0].published_at - window
    latest = items[-1].published_at + window
    places = place_names(communes)
    candidates: dict[int | None, list[_Candidate]] = defaultdict(list)
    rows = Issue.objects.filter(
        unit_id__in=communes, last_seen_at__gte=earliest, first_seen_at__lte=latest
    ).exclude(status=IssueStatus.RESOLVED)
    for issue in rows:
        names = places[issue.unit_id]
        profile = Counter({k: v for k, v in (issue.keywords or {}).items() if not names.covers(k)})
        candidates[issue.unit_id].append(
            _Candidate(
                issue,
                profile,
                _top(profile),
                np.asarray(issue.signature or [], dtype=np.int64),
                issue.last_seen_at,
            )
        )
    created = 0
    for item in items:
        text = " ".join(x for x in (item.title, item.text) if x)
        kws = keywords(text, cut=places[item.commune_id].pattern)
        sig = signature(text)
        sig_array = np.asarray(sig, dtype=np.int64)
        best: _Candidate | None = None
        best_score = 0.0
        other_fields: list[_Candidate] = []
        duplicate = False
        for cand in candidates[item.commune_id]:
            if (
                item.published_at - cand.last_seen > window
                or cand.issue.first_seen_at - item.published_at > window
            ):
                continue
            own = cand.issue.representative_item_id == item.pk
            dup = 0.0 if own else _jaccard(sig_array, cand.signature)
            # A near-duplicate joins whatever the model said its field is, not against an analyst's label.
            if dup >= settings_row.duplicate_threshold and (
                cand.issue.field == item.field or not item.corrected
            ):
                best, best_score, duplicate = cand, 1.0 + dup, True
                item.duplicate_of_id = cand.issue.representative_item_id or None
                break
            if not kws:
                continue
            if cand.issue.field != item.field:
                if not item.corrected:  # an analyst's field is not overruled
                    other_fields.append(cand)
                continue
            overlap, shared = _overlap(kws, cand.top)
            # at least two keywords in common: one word ("đẹp") is no matter
            if shared >= 2 and overlap >= settings_row.grouping_similarity and overlap > best_score:
                best, best_score = cand, overlap
        # another field's issue only on stronger evidence, and only when this field has none as strong
        cross = max(settings_row.grouping_similarity, CROSS_FIELD_OVERLAP)
        if not duplicate and best_score < cross:
            for cand in other_fields:
                overlap, shared = _overlap(kws, cand.top)
                if shared >= CROSS_FIELD_SHARED and overlap >= cross and overlap > best_score:
                    best, best_score = cand, overlap
        if best is None:
            title = item.title or _headline(item.text)
            issue = Issue.objects.create(
                title=title[:500],
                unit_id=item.commune_id,
                unit_path=unit_ref(item.commune_id).path,
                field=item.field,
                first_seen_at=item.published_at,
                last_seen_at=item.published_at,
                signature=sig,
                keywords={},
                representative_item_id=item.pk,
            )
            best = _Candidate(issue, Counter(), set(), sig_array, item.published_at, new=True)
            candidates[item.commune_id].append(best)
            created += 1
        best.profile.update(kws)
        best.top = _top(best.profile)
        best.last_seen = max(best.last_seen, item.published_at)
        item.issue_id = best.issue.pk
    changed: dict[int, str] = {}
    for cands in candidates.values():
        for cand in cands:
            trimmed = stored_profile(cand.profile)
            if trimmed != (cand.issue.keywords or {}):
                changed[cand.issue.pk] = json.dumps(trimmed, ensure_ascii=False)
    if changed:  # every issue's keyword profile in one statement
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE opinion_issue AS i SET keywords = v.k::jsonb "
                "FROM unnest(%s::bigint[], %s::text[]) AS v(id, k) WHERE i.id = v.id",
                [list(changed), list(changed.values())],
            )
    return created


def _headline(text: str, limit: int = 120) -> str:
    text = clean(text)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return f"{cut}…"


def score_of(volume: int, reach: int, negativity: float, growth: float) -> float:
    """An issue's priority: size (log volume, half-weighted log reach) × tone (0.5 + share negative) ×
    momentum (1 + growth, growth capped at 3 and floored at 0)."""
    if volume <= 0:
        return 0.0
    size = math.log1p(volume) + 0.5 * math.log1p(reach)
    return round(size * (0.5 + negativity) * (1 + min(max(growth, 0.0), 3.0)), 4)


def rescore_issues(issue_ids: Iterable[int]) -> None:
    """Volume, reach, sentiment mix, places, fields, first/last seen, growth and score, from the items.

    Growth compares the items of the last 7 days before the issue's last item with the 7 days before those:
    (recent - previous) / max(previous, 1). Issues left without items that nobody worked on are deleted."""
    ids = sorted({i for i in issue_ids if i})
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH s AS (
              SELECT issue_id, count(*) AS volume,
                     sum(GREATEST(reach, likes + shares + comments_count)) AS reach,
                     count(*) FILTER (WHERE sentiment = 'negative') AS neg,
                     count(*) FILTER (WHERE sentiment = 'neutral') AS neu,
                     count(*) FILTER (WHERE sentiment = 'positive') AS pos,
                     min(published_at) AS first_seen, max(published_at) AS last_seen,
                     array_agg(DISTINCT unit_id) AS places, array_agg(DISTINCT field) AS fields
              FROM opinion_item WHERE issue_id = ANY(%s) GROUP BY issue_id
            ), g AS (
              SELECT i.issue_id,
                     count(*) FILTER (WHERE i.published_at > s.last_seen - interval '7 days') AS recent,
                     count(*) FILTER (WHERE i.published_at <= s.last_seen - interval '7 days'
                                        AND i.published_at > s.last_seen - interval '14 days') AS previous
              FROM opinion_item i JOIN s ON s.issue_id = i.issue_id GROUP BY i.issue_id
            )
            SELECT s.issue_id, s.volume, s.reach, s.neg, s.neu, s.pos, s.first_seen, s.last_seen, s.places,
                   s.fields, g.recent, g.previous
            FROM s JOIN g ON g.issue_id = s.issue_id
            """,
            [ids],
        )
        rows = cursor.fetchall()
    seen = set()
    issues = {i.pk: i for i in Issue.objects.filter(pk__in=ids)}
    for issue_id, volume, reach, neg, neu, pos, first, last, places, fields, recent, previous in rows:
        issue = issues.get(issue_id)
        if issue is None:
            continue
        seen.add(issue_id)
        issue.volume, issue.reach = volume, int(reach or 0)
        issue.negative_count, issue.neutral_count, issue.positive_count = neg, neu, pos
        issue.negativity = round(neg / volume, 4) if volume else 0.0
        issue.first_seen_at, issue.last_seen_at = first, last
        issue.place_unit_ids = sorted(p for p in places if p)
        issue.fields = sorted(f for f in fields if f)
        issue.growth = round((recent - previous) / max(previous, 1), 4)
        issue.score = score_of(volume, issue.reach, issue.negativity, issue.growth)
    Issue.objects.bulk_update(
        [issues[i] for i in seen],
        [
            "volume",
            "reach",
            "negative_count",
            "neutral_count",
            "positive_count",
            "negativity",
            "first_seen_at",
            "last_seen_at",
            "place_unit_ids",
            "fields",
            "growth",
            "score",
            "updated_at",
        ],
    )
    empty = [i for i in ids if i not in seen]
    if empty:
        Issue.objects.filter(pk__in=empty, status=IssueStatus.NEW, notes__isnull=True).delete()
        Issue.objects.filter(pk__in=empty).update(volume=0, score=0.0, reach=0)


# --- rollups -------------------------------------------------------------------------------------------


def rollups_refresh(keys: Iterable[tuple[dt.date, int]]) -> int:
    """Recompute the DailyRollup rows of these (day, commune) keys from the items (exact, idempotent)."""
    keys = sorted(set(keys))
    if not keys:
        return 0
    days = [k[0] for k in keys]
    units = [k[1] for k in keys]
    tz = settings.TIME_ZONE
    with connection.cursor() as cursor:
        # One advisory lock per key, taken in order: two workers never rebuild the same rows at once.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(7000002, hashtext(d::text || ':' || u::text)) "
            "FROM unnest(%s::date[], %s::bigint[]) AS k(d, u) ORDER BY d, u",
            [days, units],
        )
        cursor.execute(
            "DELETE FROM opinion_dailyrollup r USING unnest(%s::date[], %s::bigint[]) AS k(d, u) "
            "WHERE r.day = k.d AND r.unit_id = k.u",
            [days, units],
        )
        cursor.execute(
            f"""
            INSERT INTO opinion_dailyrollup
                (day, unit_id, unit_path, field, volume, negative, neutral, positive, reach, toxic)
            SELECT k.d, k.u, u.path, s.field, s.volume, s.negative, s.neutral, s.positive, s.reach, s.toxic
            FROM unnest(%s::date[], %s::bigint[]) AS k(d, u)
            JOIN structure_unit u ON u.id = k.u
            -- LATERAL: one index probe per key, pruned to the day's partition (a hash join would scan them all)
            CROSS JOIN LATERAL (
                SELECT i.field, count(*) AS volume,
                       count(*) FILTER (WHERE i.sentiment = 'negative') AS negative,
                       count(*) FILTER (WHERE i.sentiment = 'neutral') AS neutral,
                       count(*) FILTER (WHERE i.sentiment = 'positive') AS positive,
                       coalesce(sum(GREATEST(i.reach, i.likes + i.shares + i.comments_count)), 0) AS reach,
                       count(*) FILTER (WHERE i.toxic) AS toxic
                FROM opinion_item i
                WHERE i.commune_id = k.u AND i.relevant
                  AND i.published_at >= (k.d::timestamp AT TIME ZONE '{tz}')
                  AND i.published_at < ((k.d + 1)::timestamp AT TIME ZONE '{tz}')
                GROUP BY i.field
            ) AS s
            ON CONFLICT (day, unit_id, field) DO UPDATE SET
                volume = EXCLUDED.volume, negative = EXCLUDED.negative, neutral = EXCLUDED.neutral,
                positive = EXCLUDED.positive, reach = EXCLUDED.reach, toxic = EXCLUDED.toxic
            """,
            [days, units],
        )
        return cursor.rowcount


def rollups_rebuild(start: dt.date | None = None, end: dt.date | None = None) -> int:
    """Rebuild every rollup row (or those of a date range) from the items in one set-based statement."""
    tz = settings.TIME_ZONE
    where, params = "", []
    if start:
        where += " AND i.published_at >= (%s::date::timestamp AT TIME ZONE %s)"
        params += [start, tz]
    if end:
        where += " AND i.published_at < ((%s::date + 1)::timestamp AT TIME ZONE %s)"
        params += [end, tz]
    with transaction.atomic(), connection.cursor() as cursor:
        delete_where = []
        delete_params: list[Any] = []
        if start:
            delete_where.append("day >= %s")
            delete_params.append(start)
        if end:
            delete_where.append("day <= %s")
            delete_params.append(end)
        cursor.execute(
            "DELETE FROM opinion_dailyrollup"
            + (" WHERE " + " AND ".join(delete_where) if delete_where else ""),
            delete_params,
        )
        cursor.execute(
            f"""
            INSERT INTO opinion_dailyrollup
                (day, unit_id, unit_path, field, volume, negative, neutral, positive, reach, toxic)
            SELECT (i.published_at AT TIME ZONE '{tz}')::date, i.commune_id, u.path, i.field, count(*),
                   count(*) FILTER (WHERE i.sentiment = 'negative'),
                   count(*) FILTER (WHERE i.sentiment = 'neutral'),
                   count(*) FILTER (WHERE i.sentiment = 'positive'),
                   coalesce(sum(GREATEST(i.reach, i.likes + i.shares + i.comments_count)), 0),
                   count(*) FILTER (WHERE i.toxic)
            FROM opinion_item i JOIN structure_unit u ON u.id = i.commune_id
            WHERE i.relevant {where}
            GROUP BY 1, 2, 3, 4
            """,
            params,
        )
        return cursor.rowcount


# --- queueing ------------------------------------------------------------------------------------------


def enqueue(ids: Sequence[int]) -> int:
    """Hand these items to the workers in batches (procrastinate, same transaction); eager in tests."""
    ids = list(ids)
    if not ids:
        return 0
    if getattr(settings, "DANVAN_JOBS_EAGER", False):
        analyse_items(ids)
        return 1
    from danvan.opinion.tasks import analyse_batch

    batches = 0
    for start in range(0, len(ids), BATCH_SIZE):
        analyse_batch.defer(item_ids=ids[start : start + BATCH_SIZE])
        batches += 1
    return batches


def pending_ids(limit: int = 10_000) -> list[int]:
    return list(Item.objects.pending().order_by("id").values_list("id", flat=True)[:limit])


def reprocess_all(*, analyzer: Any = None, progress=None) -> RunReport:
    """Every item again with the active model (labels of corrected items stay the analysts')."""
    analyzer = analyzer or active_analyzer()
    total = RunReport(version=str(getattr(analyzer, "version", "")))
    last = 0
    done = 0
    while True:
        ids = list(
            Item.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[: BATCH_SIZE * 4]
        )
        if not ids:
            break
        r = analyse_items(ids, analyzer=analyzer, force=True)
        total.analysed += r.analysed
        total.issues_created += r.issues_created
        last = ids[-1]
        done += len(ids)
        if progress:
            progress(done)
    return total


# --- storing items (what ingestion calls) --------------------------------------------------------------


@dataclass
class StoreResult:
    created: list[int] = field(default_factory=list)
    existing: list[int] = field(default_factory=list)  # (source, external id) already stored: not changed


def store_items(source, records: Sequence[dict[str, Any]], *, analyse: bool = True) -> StoreResult:
    """Insert items idempotently on (source, external id), then hand the new ones to the pipeline.

    ``records`` are dicts of Item fields (``external_id`` and ``published_at`` required; ``author`` is turned
    into ``author_hash`` and never stored; ``unit`` is the place given with the item). Ids are allocated
    ahead; the batch's keys are claimed in one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (a key another
    batch holds, even one not yet committed, waits for it and is then reported as existing), and only the
    items whose key was claimed are written, with COPY, to their month's partition (made on demand)."""
    from danvan.core.bulk import copy_rows, next_ids
    from danvan.opinion import partitions
    from danvan.opinion.privacy import author_hash, strip_contacts

    result = StoreResult()
    if not records:
        return result
    with transaction.atomic():
        wanted: dict[str, dict[str, Any]] = {}
        for r in records:
            wanted.setdefault(str(r["external_id"]), r)
        known = dict(
            ItemKey.objects.filter(source=source, external_id__in=list(wanted)).values_list(
                "external_id", "item_id"
            )
        )
        fresh = [(ext, r) for ext, r in wanted.items() if ext not in known]
        result.existing = [known[e] for e in wanted if e in known]
        if fresh:
            partitions.ensure_for([r["published_at"] for _e, r in fresh])
            ids = list(next_ids("opinion_item", len(fresh)))
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO opinion_itemkey (source_id, external_id, item_id, published_at) "
                    "SELECT %s, e, i, p FROM unnest(%s::text[], %s::bigint[], %s::timestamptz[]) AS k(e, i, p) "
                    "ON CONFLICT (source_id, external_id) DO NOTHING RETURNING external_id",
                    [source.pk, [e for e, _r in fresh], ids, [r["published_at"] for _e, r in fresh]],
                )
                claimed = {row[0] for row in cursor.fetchall()}
            items = []
            now = timezone.now()
            for pk, (ext, r) in zip(ids, fresh, strict=True):
                if ext not in claimed:
                    continue
                data = dict(r)
                author = data.pop("author", "")
                data.setdefault("author_hash", author_hash(author) if author else "")
                data["external_id"] = ext
                # no contact details kept from any source: phones, e-mails, ID numbers become placeholders
                data["title"] = strip_contacts(clean(data.get("title", "")))[:500]
                data["text"] = strip_contacts(clean(data.get("text", "")))
                given = data.pop("unit", None)
                unit = given or source.unit
                items.append(
                    Item(pk=pk, source=source, unit=unit, unit_path=unit.path, given_unit=given, **data)
                )
            copy_rows("opinion_item", [f.column for f in _ITEM_FIELDS], (_db_row(it, now) for it in items))
            result.created = [it.pk for it in items]
            if len(claimed) < len(fresh):  # stored meanwhile by a concurrent batch: report its items
                lost = [e for e, _r in fresh if e not in claimed]
                result.existing += list(
                    ItemKey.objects.filter(source=source, external_id__in=lost).values_list(
                        "item_id", flat=True
                    )
                )
        if analyse and result.created:
            enqueue(list(result.created))
    return result


_ITEM_FIELDS = list(Item._meta.concrete_fields)
_JSON_COLUMNS = frozenset(f.attname for f in _ITEM_FIELDS if f.get_internal_type() == "JSONField")
_STAMPED = frozenset(
    f.attname for f in _ITEM_FIELDS if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)
)


def _db_row(item: Item, now: dt.datetime | None = None) -> list[Any]:
    """The item's column values as COPY writes them: the attributes as the model's constructor set them
    (field defaults applied), JSON serialised, ``auto_now_add`` stamped with ``now``."""
    row = []
    for f in _ITEM_FIELDS:
        value = getattr(item, f.attname)
        if f.attname in _STAMPED:
            value = value or now or timezone.now()
        elif f.attname in _JSON_COLUMNS and value is not None:
            value = json.dumps(value, ensure_ascii=False)
        row.append(value)
    return row
