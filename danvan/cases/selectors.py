"""Reads of the cases module. Every read for a user starts from ``Model.objects.visible_to(actor, action)``;
the only reads without a user are the public portal's (``public_case``), which return a small, explicit
view of one case found by its tracking code — never the model itself.
"""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.postgres.search import TrigramWordSimilarity
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from danvan.cases.models import (
    OPEN_COMMITMENT_STATUSES,
    OPEN_STATUSES,
    PUBLIC_EVENT_KINDS,
    Case,
    CaseDocument,
    CaseEvent,
    Commitment,
    Dialogue,
    DialogueQuestion,
    EventKind,
    Kind,
    Notification,
    Rating,
    ReceptionRequirement,
    ReceptionSession,
    ReceptionStatus,
    Status,
)
from danvan.core.scoping import user_scopes
from danvan.core.text import fold
from danvan.structure.models import Unit, UnitLevel

HEAD_PERM = "cases.head_case"

# One definition for the dashboard, the home cards, the overdue list, the list filters and the figures:
# a case is "being resolved" (and can be "overdue") until its conclusion or decision; a concluded case whose
# answer or decision is not sent yet is counted apart ("concluded, answer not yet sent"), never as open.
BEING_RESOLVED = Q(status__in=OPEN_STATUSES, concluded_on__isnull=True)
AWAITING_ANSWER = Q(status=Status.CONCLUDED)

# --- heads of handling bodies --------------------------------------------------------------------------


def head_places(user) -> list[tuple[str, str | None]]:
    """Where ``user`` is the head of a handling body: (unit path, org path or None) of each active
    assignment granting ``cases.head_case``. Narrowed to an organisation: head of exactly that body; not
    narrowed: head of the bodies whose seat is exactly that unit (not of the units below)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cache = user.__dict__.setdefault("_danvan_head_places", None)
    if cache is not None:
        return cache
    places = [(s.unit_path, s.org_path) for s in _head_scopes(user)]
    user.__dict__["_danvan_head_places"] = places
    return places


def _head_scopes(user):
    # user_scopes() drops scopes contained in others; a head's place must be exact, so read them all.
    from danvan.accounts.models import RoleAssignment

    rows = (
        RoleAssignment.objects.active_on(timezone.localdate())
        .filter(
            user=user,
            role__permissions__codename="head_case",
            role__permissions__content_type__app_label="cases",
        )
        .values_list("unit__path", "organisation__path")
        .distinct()
    )

    @dataclass(frozen=True)
    class _S:
        unit_path: str
        org_path: str | None

    return [_S(u, o) for u, o in rows]


def head_case_q(user, prefix: str = "") -> Q:
    """A condition on cases (``prefix`` to reach the case) true where ``user`` heads the handling body."""
    condition = Q(pk__in=[])
    for unit_path, org_path in head_places(user):
        if org_path:
            condition |= Q(**{f"{prefix}org_path": org_path})
        else:
            condition |= Q(**{f"{prefix}unit_path": unit_path})
    return condition


def is_head_of(user, case: Case) -> bool:
    for unit_path, org_path in head_places(user):
        if org_path and case.org_path == org_path:
            return True
        if not org_path and case.unit_path == unit_path:
            return True
    return False


def may_read_identity(user, case: Case) -> bool:
    """Only the assigned handler and the head of the handling body (no one else, superusers included).
    Decided on the case as stored now (not on a copy the caller may hold)."""
    if case.kind != Kind.DENUNCIATION or user is None or not getattr(user, "is_authenticated", False):
        return False
    row = (
        Case.objects.visible_to(user)
        .filter(pk=case.pk)
        .values("handler_id", "unit_path", "org_path", "status")
        .first()
    )
    if row is None or row["status"] == Status.TRANSFERRED:
        return False  # transferred: the identity went with the case, the sender keeps nothing of it
    if row["handler_id"] and row["handler_id"] == user.pk:
        return True
    current = Case(pk=case.pk, unit_path=row["unit_path"], org_path=row["org_path"])
    return is_head_of(user, current)


# --- lists ---------------------------------------------------------------------------------------------


def case_list(*, actor, action: str = "view"):
    return Case.objects.visible_to(actor, action).select_related("field", "unit", "handling_org", "handler")


def case_get(*, actor, pk: int, action: str = "view") -> Case | None:
    return (
        Case.objects.visible_to(actor, action)
        .select_related("field", "unit", "handling_org", "handler", "parent", "duplicate_of", "commune")
        .filter(pk=pk)
        .first()
    )


def overdue_cases(*, actor, on: date | None = None):
    on = on or timezone.localdate()
    return case_list(actor=actor).filter(BEING_RESOLVED, due_on__lt=on).order_by("due_on", "id")


def due_soon_cases(*, actor, on: date | None = None, days: int = 7):
    on = on or timezone.localdate()
    return (
        case_list(actor=actor)
        .filter(status__in=OPEN_STATUSES, due_on__gte=on, due_on__lte=on + timedelta(days=days))
        .order_by("due_on", "id")
    )


def my_cases(*, actor):
    return case_list(actor=actor).filter(handler=actor, status__in=OPEN_STATUSES).order_by("due_on", "id")


def handler_choices(*, case: Case):
    """The users who may handle ``case``: ``cases.change_case`` over its body (colleagues' names only).
    A denunciation's handler reads the denouncer's identity: only users whose scope is the handling body's
    own unit (not the officers of the levels above, who hold ``change_case`` over every commune)."""
    from danvan.cases.services import _users_with

    return _users_with(case, "cases.change_case", exact=case.kind == Kind.DENUNCIATION)


def case_timeline(*, actor, case: Case) -> list[CaseEvent]:
    if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        return []
    return list(case.events.select_related("actor").order_by("at", "id"))


def case_documents(*, actor, case: Case) -> list[CaseDocument]:
    """The documents ``actor`` may see; ``moved`` is set on the confidential ones of a case transferred out
    (listed, not downloadable: they went with the case to the receiving body)."""
    docs = list(CaseDocument.objects.visible_to(actor).filter(case=case).select_related("uploaded_by"))
    for doc in docs:
        doc.moved = doc.confidential and case.status == Status.TRANSFERRED
    return docs


def related_cases(*, actor, case: Case) -> dict[str, list[Case]]:
    """Appeals, duplicates and transfers of ``case`` that ``actor`` may see."""
    visible = Case.objects.visible_to(actor).only("pk", "reference", "title", "status", "kind")
    return {
        "appeals": list(visible.filter(parent=case)),
        "duplicates": list(visible.filter(duplicate_of=case)),
        "transfers": list(visible.filter(transferred_from=case)),
    }


def similar_cases(*, actor, text: str, exclude_pk: int | None = None, limit: int = 5) -> list[Case]:
    """Earlier cases whose summary and content resemble ``text`` (accent-insensitive trigram similarity)."""
    query = fold(text)[:300]
    if len(query) < 8:
        return []
    qs = Case.objects.visible_to(actor).filter(search_text__trigram_word_similar=query)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return list(
        qs.annotate(similarity=TrigramWordSimilarity(query, "search_text"))
        .select_related("unit")
        .only("pk", "reference", "title", "status", "kind", "received_on", "unit__name", "search_text")
        .order_by("-similarity", "-received_on")[:limit]
    )


def notifications_for(*, actor, unread_only: bool = False, limit: int = 50) -> list[Notification]:
    qs = Notification.objects.filter(user=actor).select_related("case", "commitment")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return list(qs[:limit])


def notification_get(*, actor, pk: int) -> Notification | None:
    """One of ``actor``'s own notifications (anyone else's: None)."""
    return Notification.objects.filter(user=actor, pk=pk).first()


def notifications_unread_count(actor) -> int:
    """The figure of the top bar's bell: one COUNT over the user's notifications."""
    return Notification.objects.filter(user=actor, read_at__isnull=True).count()


# --- the public portal ---------------------------------------------------------------------------------


@dataclass
class PublicEvent:
    at: Any
    label: str
    note: str = ""


@dataclass
class PublicCase:
    """What a citizen sees with a tracking code: no names of officials or citizens, no internal notes."""

    tracking_code: str
    reference: str
    kind_label: str
    title: str
    unit_name: str
    body_name: str
    received_on: date
    status: str
    status_label: str
    answer: str = ""
    answered_on: date | None = None
    refusal_label: str = ""
    transferred_to: str = ""
    events: list[PublicEvent] = field(default_factory=list)
    can_rate: bool = False
    rating: bool | None = None
    expected_by: date | None = None


def _public_status(case: Case) -> tuple[str, str]:
    from django.utils.translation import gettext as _

    if case.status == Status.RECEIVED:
        return "received", _("Received, being examined")
    if case.status in (Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.CONCLUDED):
        return "handling", _("Accepted, being handled")
    if case.status == Status.NOT_ACCEPTED:
        return "not_accepted", _("Not accepted")
    if case.status in (Status.ANSWERED, Status.CLOSED):
        return "answered", _("Answered")
    return "transferred", _("Transferred to the competent body")


def public_case(*, tracking_code: str) -> PublicCase | None:
    """The public view of the case with this tracking code (the newest copy after a transfer)."""
    from django.utils.translation import gettext as _

    code = (tracking_code or "").strip().upper().replace(" ", "")
    if len(code) == 10:
        code = f"{code[:5]}-{code[5:]}"
    if not code:
        return None
    case = (
        Case.objects.filter(tracking_code=code)
        .select_related("unit", "handling_org")
        .order_by("-created_at", "-id")
        .first()
    )
    if case is None:
        return None
    status, label = _public_status(case)
    rating = current_rating(case)
    steps = list(case.events.filter(kind__in=PUBLIC_EVENT_KINDS).order_by("at", "id"))
    for e in steps:
        if e.kind == EventKind.RECEIVED and "on" not in e.data:
            e.data["on"] = case.received_on.isoformat()  # recorded before the day was kept with the step
    events = [
        PublicEvent(at=e.day, label=str(e.get_kind_display()), note=e.data.get("public_note", ""))
        for e in sorted(steps, key=lambda e: e.day)  # stable: steps of one day stay in the order recorded
    ]
    answer_visible = case.status in (Status.ANSWERED, Status.CLOSED) and case.answer_public
    return PublicCase(
        tracking_code=case.tracking_code,
        reference=case.reference,
        kind_label=str(case.get_kind_display()),
        title=case.title if case.kind != Kind.DENUNCIATION else _("(denunciation: content not shown)"),
        unit_name=case.unit.name,
        body_name=case.handling_org.name if case.handling_org else case.unit.name,
        received_on=case.received_on,
        status=status,
        status_label=label,
        answer=case.answer if answer_visible else "",
        answered_on=case.answered_on if answer_visible else None,
        refusal_label=str(case.get_refusal_reason_display()) if case.status == Status.NOT_ACCEPTED else "",
        transferred_to=case.transferred_to_name if case.status == Status.TRANSFERRED else "",
        events=events,
        can_rate=answer_visible and rating is None,
        rating=rating.satisfied if rating is not None else None,
        expected_by=case.due_on if case.status in OPEN_STATUSES else None,
    )


def public_communes(*, province_id: int | None):
    """The official communes of a province, for the public form (official names, no scoped record)."""
    if not province_id:
        return Unit.objects.none()
    return (
        Unit.objects.filter(parent_id=province_id, level=UnitLevel.COMMUNE, valid_to__isnull=True)
        .only("pk", "name", "code", "level", "valid_to", "path", "parent_id")
        .order_by("search_name")
    )


def public_provinces():
    return (
        Unit.objects.filter(level=UnitLevel.PROVINCE, valid_to__isnull=True)
        .only("pk", "name")
        .order_by("search_name")
    )


# --- figures -------------------------------------------------------------------------------------------


@dataclass
class Figures:
    start: date
    end: date
    totals: dict[str, int]
    by_kind: list[dict]
    by_field: list[dict]
    by_unit: list[dict]
    by_month: list[dict]
    open_now: int
    overdue_now: int
    satisfaction: dict[str, Any]
    satisfaction_by_unit: list[dict]
    awaiting_answer_now: int = 0  # concluded, the answer or decision not yet sent (not in open_now)


_FIGURE_COLUMNS = ("received", "accepted", "resolved", "on_time", "late", "open", "overdue", "collective")


BREAKDOWNS = ("kind", "field", "unit", "month")


def case_figures(
    *, actor, start: date, end: date, on: date | None = None, breakdowns: tuple[str, ...] = BREAKDOWNS
) -> Figures:
    """Counts of the cases received in [start, end] that ``actor`` may see, in one pass (GROUPING SETS):
    totals and by kind, field, commune concerned and month (``breakdowns``, all by default); plus the cases
    open and overdue now and the satisfaction index."""
    from django.utils.translation import gettext as _

    from danvan.cases.models import ConcernField

    on = on or timezone.localdate()
    base = Case.objects.visible_to(actor).filter(received_on__gte=start, received_on__lte=end)
    try:
        # The visible_to filter as the ORM compiles it, reused as the WHERE of the aggregate.
        where, params = base.query.get_compiler(using=base.db).compile(base.query.where)
    except EmptyResultSet:
        where, params = "FALSE", ()
    table = Case._meta.db_table
    open_list = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    month = "(received_on - (extract(day FROM received_on)::int - 1))"  # the first day of the month
    exprs = {"kind": "kind", "field": "field_id", "unit": "commune_id", "month": month}
    used = [b for b in BREAKDOWNS if b in breakdowns]
    counts_sql = f"""
               count(*) AS received,
               count(*) FILTER (WHERE accepted_on IS NOT NULL) AS accepted,
               count(*) FILTER (WHERE concluded_on IS NOT NULL) AS resolved,
               count(*) FILTER (WHERE concluded_on IS NOT NULL
                                AND (resolution_due IS NULL OR concluded_on <= resolution_due)) AS on_time,
               count(*) FILTER (WHERE concluded_on IS NOT NULL AND concluded_on > resolution_due) AS late,
               count(*) FILTER (WHERE status IN ({open_list}) AND concluded_on IS NULL) AS open,
               count(*) FILTER (WHERE status IN ({open_list}) AND concluded_on IS NULL
                                AND due_on < %s) AS overdue,
               count(*) FILTER (WHERE is_collective) AS collective
          FROM {table} AS "{table}"
         WHERE {where}"""
    totals = dict.fromkeys(_FIGURE_COLUMNS, 0)
    found: dict[str, list[dict]] = {b: [] for b in BREAKDOWNS}
    if len(used) <= 2:
        # Few groups (kind × month is 60): one plain GROUP BY, which PostgreSQL runs in parallel, rolled
        # up here — cheaper than GROUPING SETS, which cannot be parallel.
        keys = ", ".join(f"{exprs[b]} AS k_{b}" for b in used) or "1 AS k_none"
        group = ", ".join(str(i + 1) for i in range(max(1, len(used))))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {keys}, {counts_sql} GROUP BY {group}", [on, *params])
            rows = cursor.fetchall()
        width = max(1, len(used))
        rolled: dict[str, dict] = {b: {} for b in used}
        for row in rows:
            head, values = row[:width], row[width:]
            for column, value in zip(_FIGURE_COLUMNS, values, strict=True):
                totals[column] += value
            for i, b in enumerate(used):
                bucket = rolled[b].setdefault(head[i], dict.fromkeys(_FIGURE_COLUMNS, 0))
                for column, value in zip(_FIGURE_COLUMNS, values, strict=True):
                    bucket[column] += value
        for b in used:
            found[b] = [{"key": key, **counts} for key, counts in rolled[b].items()]
    else:
        columns = "".join(f"{exprs[b]} AS k_{b}, GROUPING({exprs[b]}) AS g_{b}, " for b in used)
        sets = ", ".join(["()"] + [f"({exprs[b]})" for b in used])
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} {counts_sql} GROUP BY GROUPING SETS ({sets})", [on, *params])
            rows = cursor.fetchall()
        for row in rows:
            head, values = row[: 2 * len(used)], row[2 * len(used) :]
            counts = dict(zip(_FIGURE_COLUMNS, values, strict=True))
            grouped = [b for i, b in enumerate(used) if head[2 * i + 1] == 0]
            if not grouped:
                totals = counts
            else:
                found[grouped[0]].append({"key": head[2 * used.index(grouped[0])], **counts})
    by_kind, by_field, by_unit, by_month = found["kind"], found["field"], found["unit"], found["month"]
    kind_labels = dict(Kind.choices)
    for row in by_kind:
        row["label"] = str(kind_labels.get(row["key"], row["key"]))
    fields = dict(ConcernField.objects.values_list("pk", "name"))
    for row in by_field:
        row["label"] = fields.get(row["key"], _("Not classified"))
    units = dict(
        Unit.objects.filter(pk__in=[r["key"] for r in by_unit if r["key"]]).values_list("pk", "name")
    )
    for row in by_unit:
        row["label"] = units.get(row["key"], _("Province level"))
    for row in by_month:
        row["label"] = row["key"].strftime("%m/%Y")
    by_kind.sort(key=lambda r: list(kind_labels).index(r["key"]) if r["key"] in kind_labels else 99)
    by_field.sort(key=lambda r: -r["received"])
    by_unit.sort(key=lambda r: -r["received"])
    by_month.sort(key=lambda r: r["key"])

    # Being resolved now, whenever received (the same definition as the "open" column: a concluded case
    # waiting for its answer is counted as resolved, not as open), and of those the overdue: a part of them.
    open_qs = Case.objects.visible_to(actor).filter(BEING_RESOLVED)
    now = open_qs.aggregate(open=Count("unit_path"), overdue=Count("unit_path", filter=Q(due_on__lt=on)))
    awaiting = Case.objects.visible_to(actor).filter(AWAITING_ANSWER).count()
    satisfaction, by_unit_sat = rating_figures(actor=actor, start=start, end=end)
    return Figures(
        start=start,
        end=end,
        totals=totals,
        by_kind=by_kind,
        by_field=by_field,
        by_unit=by_unit,
        by_month=by_month,
        open_now=now["open"],
        overdue_now=now["overdue"],
        awaiting_answer_now=awaiting,
        satisfaction=satisfaction,
        satisfaction_by_unit=by_unit_sat,
    )


def current_rating(case: Case) -> Rating | None:
    """The citizen's rating of the case's latest answer (earlier ones, before a reopening, are history)."""
    return Rating.objects.filter(case=case, is_current=True).first() if case.pk else None


def rating_history(case: Case) -> list[Rating]:
    """The ratings of earlier answers of a case reopened since, oldest first."""
    return list(Rating.objects.filter(case=case, is_current=False).order_by("at", "id"))


def rating_figures(*, actor, start: date, end: date) -> tuple[dict[str, Any], list[dict]]:
    """The satisfaction index: the share of satisfied ratings of the answers given in [start, end] — of the
    latest answer of each case (a rating of an answer replaced after a reopening does not count)."""
    from django.utils.translation import gettext as _

    cases = Case.objects.visible_to(actor).filter(answered_on__gte=start, answered_on__lte=end)
    qs = Rating.objects.filter(is_current=True, case__in=cases.values("pk"))
    total = qs.aggregate(n=Count("pk"), yes=Count("pk", filter=Q(satisfied=True)))
    rows = list(
        qs.values("case__commune_id", "case__commune__name")
        .annotate(n=Count("pk"), yes=Count("pk", filter=Q(satisfied=True)))
        .order_by("-n")
    )
    by_unit = [
        {
            "label": r["case__commune__name"] or _("Province level"),
            "rated": r["n"],
            "satisfied": r["yes"],
            "index": round(100 * r["yes"] / r["n"], 1) if r["n"] else None,
        }
        for r in rows
    ]
    summary = {
        "rated": total["n"],
        "satisfied": total["yes"],
        "index": round(100 * total["yes"] / total["n"], 1) if total["n"] else None,
    }
    return summary, by_unit


# --- reporting periods ---------------------------------------------------------------------------------

PERIODS = ("month", "quarter", "6m", "9m", "12m")


def period_range(
    kind: str, year: int, number: int = 1, *, cutoff_day: int | None = None
) -> tuple[date, date]:
    """The dates of a reporting period of ``year``: a month (number 1–12), a quarter (1–4), the first 6 or 9
    months, or the year. With ``cutoff_day`` (e.g. 14), a period ends on that day of its last month and starts
    the day after the cut-off of the month before (figures "chốt số liệu" from the 15th to the 14th)."""
    if kind == "month":
        first_month, last_month = number, number
    elif kind == "quarter":
        first_month, last_month = 3 * (number - 1) + 1, 3 * number
    elif kind == "6m":
        first_month, last_month = 1, 6
    elif kind == "9m":
        first_month, last_month = 1, 9
    elif kind == "12m":
        first_month, last_month = 1, 12
    else:
        raise ValueError(f"unknown period {kind!r}")
    if cutoff_day:
        end = date(year, last_month, cutoff_day)
        prev_year, prev_month = (year, first_month - 1) if first_month > 1 else (year - 1, 12)
        start = date(prev_year, prev_month, cutoff_day) + timedelta(days=1)
        return start, end
    last_day = pycalendar.monthrange(year, last_month)[1]
    return date(year, first_month, 1), date(year, last_month, last_day)


# --- dialogue and reception ----------------------------------------------------------------------------


def dialogue_list(*, actor):
    return Dialogue.objects.visible_to(actor).select_related("unit", "organisation")


def dialogue_get(*, actor, pk: int, action: str = "view") -> Dialogue | None:
    return (
        Dialogue.objects.visible_to(actor, action)
        .select_related("unit", "organisation")
        .filter(pk=pk)
        .first()
    )


def dialogue_questions(*, actor, dialogue: Dialogue) -> list[DialogueQuestion]:
    return list(DialogueQuestion.objects.visible_to(actor).filter(dialogue=dialogue).select_related("case"))


def commitment_list(*, actor):
    return Commitment.objects.visible_to(actor).select_related("dialogue", "owner_org", "unit")


def open_commitments_overdue(*, actor, on: date | None = None):
    on = on or timezone.localdate()
    return commitment_list(actor=actor).filter(status__in=OPEN_COMMITMENT_STATUSES, due_on__lt=on)


def reception_sessions(*, actor):
    """The schedule, the latest (and upcoming) sessions first."""
    return (
        ReceptionSession.objects.visible_to(actor)
        .select_related("unit", "organisation", "position")
        .order_by("-on", "start_time", "id")
    )


@dataclass
class ComplianceRow:
    unit: Unit
    requirement: ReceptionRequirement
    required: int
    planned: int
    held: int

    @property
    def compliant(self) -> bool:
        return self.held >= self.required

    @property
    def on_track(self) -> bool:
        return self.held + self.planned >= self.required


def required_days(requirement: ReceptionRequirement, start: date, end: date) -> int:
    """Days of reception a position owes in [start, end]: min_days per month, or per week (ISO weeks that
    start in the range)."""
    if requirement.period == "week":
        weeks = sum(1 for i in range((end - start).days + 1) if (start + timedelta(i)).weekday() == 0)
        return requirement.min_days * weeks
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    return requirement.min_days * months


COMPLIANCE_MAX_UNITS = 500


class ComplianceRows(list):
    """The rows of the compliance page; ``truncated``: more units were in scope than the page lists (it says so)."""

    truncated: bool = False


def _reception_units_q(actor) -> Q | None:
    """The units whose reception sessions ``actor`` may see all of (``cases.view_receptionsession`` over the
    unit, not narrowed to one organisation: an organisation's officer does not see the leaders' sessions, and
    their absence would read as a leader's failure). None: every unit (superuser)."""
    if getattr(actor, "is_superuser", False):
        return None
    condition = Q(pk__in=[])
    for scope in user_scopes(actor, "cases.view_receptionsession"):
        if not scope.org_path:
            condition |= Q(path__startswith=scope.unit_path)
    return condition


def reception_compliance(*, actor, year: int, month: int) -> list[ComplianceRow]:
    """For each unit whose sessions ``actor`` may see and each position required at its level: days owed in
    the month, days held, days still planned. At most ``COMPLIANCE_MAX_UNITS`` units, said by ``truncated``."""
    start = date(year, month, 1)
    end = date(year, month, pycalendar.monthrange(year, month)[1])
    requirements = list(ReceptionRequirement.objects.filter(is_active=True))
    if not requirements:
        from danvan.cases.reference import seed_requirements

        seed_requirements()
        requirements = list(ReceptionRequirement.objects.filter(is_active=True))
    levels = {r.level for r in requirements}
    units_q = _reception_units_q(actor)
    units_qs = Unit.objects.visible_to(actor).filter(level__in=levels, valid_to__isnull=True)
    if units_q is not None:
        units_qs = units_qs.filter(units_q)
    units = list(units_qs.order_by("path")[: COMPLIANCE_MAX_UNITS + 1])
    truncated = len(units) > COMPLIANCE_MAX_UNITS
    units = units[:COMPLIANCE_MAX_UNITS]
    sessions = (
        ReceptionSession.objects.visible_to(actor)
        .filter(on__gte=start, on__lte=end, unit__in=units)
        .values("unit_id", "position_id", "status")
        .annotate(days=Count("on", distinct=True))
    )
    counts: dict[tuple[int, int, str], int] = {}
    for s in sessions:
        counts[(s["unit_id"], s["position_id"], s["status"])] = s["days"]
    rows = ComplianceRows()
    rows.truncated = truncated
    for unit in units:
        for req in requirements:
            if req.level != unit.level:
                continue
            rows.append(
                ComplianceRow(
                    unit=unit,
                    requirement=req,
                    required=required_days(req, start, end),
                    planned=counts.get((unit.pk, req.pk, ReceptionStatus.PLANNED), 0),
                    held=counts.get((unit.pk, req.pk, ReceptionStatus.HELD), 0),
                )
            )
    return rows


def home_counts(*, actor) -> dict[str, int]:
    on = timezone.localdate()
    qs = Case.objects.visible_to(actor).filter(status__in=OPEN_STATUSES)
    resolving = Q(concluded_on__isnull=True)  # BEING_RESOLVED within the open statuses
    counts = qs.aggregate(  # over the partial index of open cases (see case_figures)
        open=Count("unit_path", filter=resolving),
        overdue=Count("unit_path", filter=resolving & Q(due_on__lt=on)),
        awaiting_answer=Count("unit_path", filter=AWAITING_ANSWER),
        received=Count("unit_path", filter=Q(status=Status.RECEIVED)),
        mine=Count("unit_path", filter=resolving & Q(handler=actor)),
    )
    counts["commitments_overdue"] = open_commitments_overdue(actor=actor, on=on).count()
    return counts


def user_may(actor, perm: str) -> bool:
    return bool(getattr(actor, "is_superuser", False) or user_scopes(actor, perm))
