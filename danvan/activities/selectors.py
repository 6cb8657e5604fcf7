"""Reads of the grassroots activities, always from ``visible_to``: the lists, the quota compliance of a unit
for a period (meetings held, cadre attendances, share of branches visited, quota met or not per cadre,
organisation and unit), the laggards, the training figures.

The compliance reads the monthly tallies (a few rows per branch and per cadre and month) rather than the
meetings and attendances themselves, so it costs the same for a province with a million meetings as for a
commune with a hundred (bench/activities).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from danvan.activities.models import (
    Attendance,
    BranchMonthTally,
    Cadre,
    CadreMonthTally,
    Meeting,
    MeetingIssue,
    Participant,
    ParticipantResult,
    QuotaReminder,
    QuotaRule,
    TrainingCourse,
)
from danvan.activities.periods import MONTHS_IN, Period, PeriodKind
from danvan.activities.quotas import CadreTerms, RuleTerms, Standing, Summary, standings
from danvan.core.scoping import user_scopes
from danvan.structure.models import Branch, Unit, UnitLevel

# Organisations and units below this share of their quota are listed as laggards (cadres: below their quota).
DEFAULT_THRESHOLD = 0.9


# --- lists ----------------------------------------------------------------------------------------


def meetings_visible(*, actor, action: str = "view"):
    return Meeting.objects.visible_to(actor, action).select_related("branch", "unit", "organisation")


def attendances_visible(*, actor, action: str = "view"):
    return Attendance.objects.visible_to(actor, action).select_related("cadre", "organisation", "branch")


def cadres_visible(*, actor, action: str = "view"):
    return Cadre.objects.visible_to(actor, action).select_related("organisation", "unit", "user")


def issues_visible(*, actor, action: str = "view"):
    return MeetingIssue.objects.visible_to(actor, action).select_related("meeting", "meeting__branch")


def courses_visible(*, actor, action: str = "view"):
    return TrainingCourse.objects.visible_to(actor, action).select_related("organiser", "unit")


def rules_visible(*, actor, action: str = "view"):
    return QuotaRule.objects.visible_to(actor, action).select_related("unit", "org_type")


def reminders_visible(*, actor):
    return QuotaReminder.objects.visible_to(actor).select_related("cadre", "cadre__organisation")


def rules_replaced(*, rule: QuotaRule) -> list[QuotaRule]:
    """The rules that ``rule`` replaces for some cadres and months: same organisation type, level and role,
    issued by its unit or one above it, valid at some time it is (a rule takes the months it covers from
    equally specific rules of wider units and from older rules of its own unit; ``quotas.py``)."""
    rows = QuotaRule.objects.filter(
        unit_path__in=_paths_up_to(rule.unit_path),
        org_type_id=rule.org_type_id,
        level=rule.level,
        role=rule.role,
    ).exclude(pk=rule.pk)
    if rule.valid_to:
        rows = rows.filter(valid_from__lte=rule.valid_to)
    rows = rows.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=rule.valid_from))
    found = []
    for other in rows.select_related("unit").order_by("unit_path", "valid_from"):
        # the same unit: only an older rule gives way (a newer one keeps its months)
        if other.unit_path != rule.unit_path or other.valid_from <= rule.valid_from:
            found.append(other)
    return found


def linkable_accounts(*, actor, perm: str = "activities.add_cadre"):
    """Accounts an officer may link to a cadre: the active accounts of the units where the officer may record
    cadres. It does not need the right to administer accounts (a Women's Union officer links her cadres)."""
    from danvan.accounts.models import User

    return (
        User.objects.within_scopes_of(actor, perm)
        .filter(is_active=True)
        .only("id", "username", "full_name")
        .order_by("username")
    )


def cadres_for_meeting(*, meeting: Meeting):
    """The cadres who may be recorded at ``meeting``: those of its village, commune and province (cadres
    go down to the grassroots of their own area), in post on the day. Their names and positions are shown to
    whoever records the meeting, also when the cadre's organisation is outside the recorder's scope."""
    parts = meeting.unit_path.strip("/").split("/")
    prefixes = ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]
    return (
        Cadre.objects.filter(unit_path__in=prefixes, is_active=True)
        .filter(Q(active_from__isnull=True) | Q(active_from__lte=meeting.held_on))
        .filter(Q(active_until__isnull=True) | Q(active_until__gte=meeting.held_on))
        .exclude(attendances__meeting=meeting)
        .select_related("organisation", "unit")
        .order_by("unit_path", "org_path", "full_name")
    )


# --- where a user stands --------------------------------------------------------------------------


def scope_units(*, actor, perm: str = "activities.view_meeting") -> list[Unit]:
    """The top units of the actor's scopes for ``perm`` (a superuser: the provinces)."""
    if getattr(actor, "is_superuser", False):
        return list(Unit.objects.filter(level=UnitLevel.PROVINCE).order_by("search_name"))
    paths = sorted({s.unit_path for s in user_scopes(actor, perm)}, key=lambda p: (p.count("/"), p))
    units = {u.path: u for u in Unit.objects.filter(path__in=paths)}
    return [units[p] for p in paths if p in units]


def unit_choices(*, actor, perm: str = "activities.view_meeting") -> list[Unit]:
    """Units a compliance page can be asked for: the actor's top units and the communes under them."""
    roots = scope_units(actor=actor, perm=perm)
    if getattr(actor, "is_superuser", False):
        return roots
    result: list[Unit] = []
    for root in roots:
        result.append(root)
        if root.level == UnitLevel.PROVINCE:
            result.extend(
                Unit.objects.filter(parent=root, level=UnitLevel.COMMUNE, valid_to__isnull=True).order_by(
                    "search_name"
                )
            )
    return result


def allowed_unit(*, actor, unit: Unit, perm: str = "activities.view_meeting") -> bool:
    if getattr(actor, "is_superuser", False):
        return True
    return any(unit.path.startswith(s.unit_path) for s in user_scopes(actor, perm))


def default_unit(*, actor) -> Unit | None:
    roots = scope_units(actor=actor)
    if not roots:
        return None
    if getattr(actor, "is_superuser", False):
        busiest = (
            BranchMonthTally.objects.values_list("unit_path", flat=True).order_by("-month").first() or ""
        )
        for unit in roots:
            if busiest.startswith(unit.path):
                return unit
    return roots[0]


def cadre_of(user) -> Cadre | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Cadre.objects.filter(user=user, is_active=True).select_related("organisation").first()


# --- compliance -----------------------------------------------------------------------------------


@dataclass
class Place:
    """Meetings and branches of a unit (or of the whole scope) in the period."""

    meetings: int = 0
    attendances: int = 0
    branches: int = 0
    visited: int = 0

    @property
    def visited_share(self) -> float | None:
        return self.visited / self.branches if self.branches else None


@dataclass
class UnitRow:
    unit: Unit
    own_level: bool = False
    place: Place = field(default_factory=Place)
    cadres: Summary = field(default_factory=Summary)


@dataclass
class OrgRow:
    organisation_id: int
    name: str
    unit_name: str
    cadres: Summary = field(default_factory=Summary)


@dataclass
class CadreRow:
    id: int
    full_name: str
    organisation_id: int
    organisation_name: str
    unit_name: str
    level: str
    role: str
    position: str
    standing: Standing


@dataclass
class Compliance:
    period: Period
    unit: Unit
    as_of: date
    place: Place
    cadres: Summary
    units: list[UnitRow]
    organisations: list[OrgRow]
    cadre_rows: list[CadreRow]
    threshold: float = DEFAULT_THRESHOLD
    org_types: list[OrgRow] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.as_of <= self.period.end

    @property
    def behind_units(self) -> list[UnitRow]:
        rows = [r for r in self.units if r.cadres.below(self.threshold)]
        return sorted(rows, key=lambda r: (r.cadres.rate or 0, r.unit.name))

    @property
    def behind_org_types(self) -> list[OrgRow]:
        rows = [r for r in self.org_types if r.cadres.below(self.threshold)]
        return sorted(rows, key=lambda r: (r.cadres.rate or 0, r.name))

    @property
    def behind_organisations(self) -> list[OrgRow]:
        rows = [r for r in self.organisations if r.cadres.below(self.threshold)]
        return sorted(rows, key=lambda r: (r.cadres.rate or 0, r.name))

    @property
    def behind_cadres(self) -> list[CadreRow]:
        rows = [r for r in self.cadre_rows if r.standing.met is False]
        return sorted(rows, key=lambda r: (-r.standing.shortfall, r.organisation_name, r.full_name))


def _child_key(path: str, root: str) -> str:
    """The path of the child of ``root`` that ``path`` lies in ("" when ``path`` is ``root`` itself)."""
    if path == root or not path.startswith(root):
        return ""
    rest = path[len(root) :]
    return root + rest.split("/", 1)[0] + "/"


def _months(period: Period) -> tuple[date, date]:
    starts = period.month_starts()
    return starts[0], starts[-1]


def _paths_up_to(path: str) -> list[str]:
    """``path`` and the paths of the units above it: "84/" "84/001/" "84/001/01/"."""
    parts = path.strip("/").split("/")
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def _rules_for(unit: Unit, kinds: Iterable[str] | None = None) -> list[RuleTerms]:
    rows = QuotaRule.objects.filter(
        Q(unit_path__in=_paths_up_to(unit.path)) | Q(unit_path__startswith=unit.path)
    )
    if kinds is not None:
        rows = rows.filter(period__in=list(kinds))
    return [
        RuleTerms(
            id=r.id,
            unit_path=r.unit_path,
            period=r.period,
            required=r.meetings_required,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
            org_type_id=r.org_type_id,
            level=r.level,
            role=r.role,
        )
        for r in rows
    ]


def _cadres_in_post(qs, period: Period):
    return qs.filter(Q(active_from__isnull=True) | Q(active_from__lte=period.end)).filter(
        Q(active_until__isnull=True) | Q(active_until__gte=period.start)
    )


CADRE_FIELDS = (
    "id",
    "full_name",
    "unit_path",
    "organisation_id",
    "organisation__type_id",
    "organisation__type__name",
    "organisation__name",
    "unit__name",
    "level",
    "role",
    "position",
    "active_from",
    "active_until",
)


def _terms(row: dict) -> CadreTerms:
    return CadreTerms(
        id=row["id"],
        unit_path=row["unit_path"],
        org_type_id=row["organisation__type_id"],
        level=row["level"],
        role=row["role"],
        active_from=row["active_from"],
        active_until=row["active_until"],
    )


def compliance(
    *,
    actor,
    unit: Unit,
    period: Period,
    org_type_id: int | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    as_of: date | None = None,
) -> Compliance:
    """Quota compliance of ``unit``'s subtree for ``period``, as far as ``actor`` may see it.

    "Meetings held" (cuộc) and "cadre attendances" (lượt) count meetings held at branches of the subtree and the
    cadres at them; "branches visited" are active branches of the subtree where at least one cadre attended a
    meeting in the period. Quotas are judged for the cadres whose organisation lies in the subtree, on what is
    due by ``as_of`` (default today) while the period runs.
    """
    as_of = as_of or timezone.localdate()
    first, last = _months(period)
    root = unit.path

    # Meetings and attendances at the branches (one row per branch).
    tallies = BranchMonthTally.objects.visible_to(actor).filter(
        unit_path__startswith=root, month__gte=first, month__lte=last
    )
    branches = Branch.objects.visible_to(actor).filter(unit_path__startswith=root, is_active=True)
    if org_type_id:
        tallies = tallies.filter(organisation__type_id=org_type_id)
        branches = branches.filter(organisation__type_id=org_type_id)
    per_branch = (
        tallies.values_list("branch_id")
        .annotate(p=Max("unit_path"), m=Sum("meetings"), a=Sum("attendances"))
        .values_list("branch_id", "p", "m", "a")
    )
    active_branches = dict(
        branches.values_list("unit_path").annotate(n=Count("id")).values_list("unit_path", "n")
    )
    active_ids = set(branches.values_list("id", flat=True))

    children = {
        u.path: u
        for u in Unit.objects.visible_to(actor).filter(parent=unit).exclude(level=UnitLevel.LEGACY_PROVINCE)
    }
    rows: dict[str, UnitRow] = {"": UnitRow(unit=unit, own_level=True)}
    for path, child in children.items():
        rows[path] = UnitRow(unit=child)

    def row_for(path: str) -> UnitRow:
        key = _child_key(path, root)
        if key not in rows:
            key = ""
        return rows[key]

    total = Place()
    for branch_id, path, m, a in per_branch:
        row = row_for(path)
        row.place.meetings += m
        row.place.attendances += a
        total.meetings += m
        total.attendances += a
        if a > 0 and branch_id in active_ids:
            row.place.visited += 1
            total.visited += 1
    for path, n in active_branches.items():
        row_for(path).place.branches += n
        total.branches += n

    # Cadres and their quotas.
    # active cadres only, as in ``cadres_behind``: a cadre set inactive is no longer charged a quota
    cadre_qs = _cadres_in_post(
        Cadre.objects.visible_to(actor).filter(unit_path__startswith=root, is_active=True), period
    )
    if org_type_id:
        cadre_qs = cadre_qs.filter(organisation__type_id=org_type_id)
    cadre_rows = list(cadre_qs.values(*CADRE_FIELDS))
    attended = dict(
        CadreMonthTally.objects.visible_to(actor)
        .filter(unit_path__startswith=root, month__gte=first, month__lte=last)
        .values_list("cadre_id")
        .annotate(n=Sum("attendances"))
        .values_list("cadre_id", "n")
    )
    result = standings([_terms(r) for r in cadre_rows], _rules_for(unit), period, attended, as_of)

    everyone = Summary()
    by_org: dict[int, OrgRow] = {}
    by_type: dict[int, OrgRow] = {}
    out_rows: list[CadreRow] = []
    for r in cadre_rows:
        standing = result[r["id"]]
        everyone.add(standing)
        row_for(r["unit_path"]).cadres.add(standing)
        org = by_org.get(r["organisation_id"])
        if org is None:
            org = by_org[r["organisation_id"]] = OrgRow(
                r["organisation_id"], r["organisation__name"], r["unit__name"]
            )
        org.cadres.add(standing)
        kind = by_type.get(r["organisation__type_id"])
        if kind is None:
            kind = by_type[r["organisation__type_id"]] = OrgRow(
                r["organisation__type_id"], r["organisation__type__name"], ""
            )
        kind.cadres.add(standing)
        out_rows.append(
            CadreRow(
                id=r["id"],
                full_name=r["full_name"],
                organisation_id=r["organisation_id"],
                organisation_name=r["organisation__name"],
                unit_name=r["unit__name"],
                level=r["level"],
                role=r["role"],
                position=r["position"],
                standing=standing,
            )
        )

    unit_rows = [rows[""]] + sorted((rows[k] for k in rows if k), key=lambda r: r.unit.name)
    unit_rows = [
        r for r in unit_rows if r.own_level or r.place.branches or r.place.meetings or r.cadres.cadres
    ]
    return Compliance(
        period=period,
        unit=unit,
        as_of=as_of,
        place=total,
        cadres=everyone,
        units=unit_rows,
        organisations=sorted(by_org.values(), key=lambda o: o.name),
        cadre_rows=sorted(out_rows, key=lambda c: (c.organisation_name, c.full_name)),
        threshold=threshold,
        org_types=sorted(by_type.values(), key=lambda o: o.name),
    )


def cadre_standing(*, cadre: Cadre, period: Period, as_of: date | None = None) -> Standing:
    """One cadre's figures for a period (all their attendances: the cadre is already in the caller's view)."""
    first, last = _months(period)
    attended = (
        CadreMonthTally.objects.filter(cadre=cadre, month__gte=first, month__lte=last).aggregate(
            n=Sum("attendances")
        )["n"]
        or 0
    )
    row = Cadre.objects.filter(pk=cadre.pk).values(*CADRE_FIELDS).get()
    as_of = as_of or timezone.localdate()
    return standings([_terms(row)], _rules_for(cadre.unit), period, {cadre.pk: attended}, as_of)[cadre.pk]


def cadres_behind(*, period: Period, kinds: set[str] | None = None) -> list[tuple[Cadre, Standing]]:
    """Every cadre (all provinces) behind their quota for ``period``, counting only rules of ``kinds``: for
    the reminders."""
    first, last = _months(period)
    rows = list(_cadres_in_post(Cadre.objects.filter(is_active=True), period).values(*CADRE_FIELDS))
    if not rows:
        return []
    rule_qs = QuotaRule.objects.all()
    if kinds is not None:
        rule_qs = rule_qs.filter(period__in=list(kinds))
    rules = [
        RuleTerms(
            id=r.id,
            unit_path=r.unit_path,
            period=r.period,
            required=r.meetings_required,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
            org_type_id=r.org_type_id,
            level=r.level,
            role=r.role,
        )
        for r in rule_qs
    ]
    attended = dict(
        CadreMonthTally.objects.filter(month__gte=first, month__lte=last)
        .values_list("cadre_id")
        .annotate(n=Sum("attendances"))
        .values_list("cadre_id", "n")
    )
    result = standings([_terms(r) for r in rows], rules, period, attended)
    behind_ids = [cid for cid, s in result.items() if s.met is False]
    cadres = Cadre.objects.filter(pk__in=behind_ids).select_related("user").order_by("unit_path", "full_name")
    return [(c, result[c.pk]) for c in cadres]


def monthly_series(*, actor, unit: Unit, period: Period) -> list[dict]:
    """Meetings and attendances per month of ``period`` (the chart on the compliance page)."""
    first, last = _months(period)
    rows = dict(
        (m, (meetings, attendances))
        for m, meetings, attendances in BranchMonthTally.objects.visible_to(actor)
        .filter(unit_path__startswith=unit.path, month__gte=first, month__lte=last)
        .values_list("month")
        .annotate(m=Sum("meetings"), a=Sum("attendances"))
        .values_list("month", "m", "a")
    )
    today = timezone.localdate()
    return [
        {
            "month": m.strftime("%m/%Y"),
            "meetings": rows.get(m, (0, 0))[0] if m <= today else None,
            "attendances": rows.get(m, (0, 0))[1] if m <= today else None,
        }
        for m in period.month_starts()
    ]


def periods_for_choice(today: date | None = None) -> list[Period]:
    today = today or timezone.localdate()
    result: list[Period] = []
    for kind in (PeriodKind.HALF_YEAR, PeriodKind.QUARTER, PeriodKind.YEAR, PeriodKind.MONTH):
        p = Period.containing(kind, today)
        count = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 8, PeriodKind.HALF_YEAR: 4, PeriodKind.YEAR: 3}[
            kind
        ]
        for _ in range(count):
            result.append(p)
            p = p.previous()
    return result


# --- training figures -----------------------------------------------------------------------------


@dataclass
class TrainingRow:
    key: str
    label: str
    courses: int = 0
    hours: Decimal = Decimal(0)
    participants: int = 0
    attended: int = 0
    passed: int = 0
    participant_hours: Decimal = Decimal(0)


def training_figures(*, actor, unit: Unit, year: int) -> dict:
    """Courses, participants, attendance, results and training hours of ``year`` in ``unit``'s subtree, by
    unit (children of ``unit``) and by organiser."""
    courses = list(
        TrainingCourse.objects.visible_to(actor)
        .filter(unit_path__startswith=unit.path, starts_on__year=year)
        .values("id", "unit_path", "organiser_id", "organiser__name", "hours", "level")
    )
    ids = [c["id"] for c in courses]
    stats = {
        row["course_id"]: row
        for row in Participant.objects.visible_to(actor)
        .filter(course_id__in=ids)
        .values("course_id")
        .annotate(
            n=Count("id"),
            attended_n=Count("id", filter=Q(attended=True)),
            passed_n=Count(
                "id",
                filter=Q(
                    result__in=[ParticipantResult.EXCELLENT, ParticipantResult.GOOD, ParticipantResult.PASSED]
                ),
            ),
            hours_sum=Sum("hours_attended"),
        )
    }
    children = {u.path: u for u in Unit.objects.visible_to(actor).filter(parent=unit)}
    by_unit: dict[str, TrainingRow] = {"": TrainingRow("", unit.name)}
    for path, child in children.items():
        by_unit[path] = TrainingRow(path, child.name)
    by_org: dict[int, TrainingRow] = {}
    total = TrainingRow("total", "")
    for c in courses:
        s = stats.get(c["id"], {})
        key = _child_key(c["unit_path"], unit.path)
        targets = [
            by_unit.get(key) or by_unit[""],
            by_org.setdefault(c["organiser_id"], TrainingRow(str(c["organiser_id"]), c["organiser__name"])),
            total,
        ]
        for t in targets:
            t.courses += 1
            t.hours += c["hours"]
            t.participants += s.get("n", 0)
            t.attended += s.get("attended_n", 0)
            t.passed += s.get("passed_n", 0)
            t.participant_hours += s.get("hours_sum") or 0
    unit_rows = [by_unit[""]] + sorted(
        (r for k, r in by_unit.items() if k and r.courses), key=lambda r: r.label
    )
    return {
        "total": total,
        "units": [r for r in unit_rows if r.courses or r is by_unit[""]],
        "organisations": sorted(by_org.values(), key=lambda r: r.label),
    }


def dashboard(*, actor, unit: Unit, today: date | None = None) -> dict:
    today = today or timezone.localdate()
    half = Period.containing(PeriodKind.HALF_YEAR, today)
    figures = compliance(actor=actor, unit=unit, period=half)
    recent = (
        meetings_visible(actor=actor).filter(unit_path__startswith=unit.path).order_by("-held_on", "-id")[:8]
    )
    open_issues = (
        MeetingIssue.objects.visible_to(actor)
        .filter(unit_path__startswith=unit.path, status="recorded")
        .count()
    )
    return {"period": half, "figures": figures, "recent": recent, "open_issues": open_issues}


def quota_periods() -> list[str]:
    return sorted(set(QuotaRule.objects.values_list("period", flat=True)), key=lambda k: MONTHS_IN[k])


def issue_cases(user, issues: Iterable[MeetingIssue]) -> dict[int, tuple[bool, str]]:
    """For the issues sent on as citizens' cases: case id → (the user may open the case, the name of the body
    that handles it). The case belongs to the commune's receiving body, so the officer who sent the issue on
    often cannot open it: she is told where it went instead of being given a link that answers 404.

    The cases module is looked up by name (activities imports no module that depends on it); the handling
    body's name is no personal data, so it is read outside the user's scope, as the case reference is kept."""
    from django.apps import apps

    ids = {i.case_id for i in issues if i.case_id}
    if not ids or not apps.is_installed("danvan.cases"):
        return {}
    case_model = apps.get_model("cases", "Case")
    openable = set(case_model.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    bodies = dict(case_model._base_manager.filter(pk__in=ids).values_list("pk", "handling_org__name"))
    return {pk: (pk in openable, bodies.get(pk) or "") for pk in ids}
