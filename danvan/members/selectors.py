"""Reads of the members registry, always from ``visible_to``: the member list, a person's page and timeline,
duplicates to review, and the figures at any date (from the daily counts) with their breakdowns."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet, Subquery, Sum, Value

from danvan.core.scoping import user_scopes
from danvan.core.text import folded_name_key, name_sort_key, vietnamese_key
from danvan.members import reference
from danvan.members.counts import COUNT_COLUMNS
from danvan.members.models import (
    AGE_BANDS,
    LEFT_COLUMNS,
    DailyCount,
    DuplicateCandidate,
    DuplicateStatus,
    ImportBatch,
    ImportRow,
    Membership,
    Movement,
    Person,
    _condition,
)
from danvan.structure.models import Branch, OrgType, Unit, UnitLevel

# --- lists and records -----------------------------------------------------------------------------------


def memberships_visible(*, actor, action: str = "view") -> QuerySet[Membership]:
    return Membership.objects.visible_to(actor, action)


def member_list(*, actor, sort: str = "name") -> QuerySet[Membership]:
    """The member list, ordered as ``member_page`` orders a page (the exports follow the list)."""
    qs = memberships_visible(actor=actor).select_related("person", "branch", "org_type")
    if sort.lstrip("-") == "joined_on":  # "Ngày kết nạp": the date of joining the organisation
        keys = [F("admitted_on"), F("id")]
    else:  # the folded given name, then the folded full name (``core.text.folded_name_key``)
        given = Func(F("search_name"), Value("^.* "), Value(""), function="regexp_replace")
        keys = [given, F("search_name"), F("id")]
    return qs.order_by(*(k.desc() if sort.startswith("-") else k.asc() for k in keys))


def book_memberships(*, actor, branch: Branch, on: date) -> list[Membership]:
    """The lines of a branch's member book: its memberships active at ``on`` that ``actor`` may see, in the
    order of Vietnamese lists (``core.text.name_sort_key``: "Đ" after "D", tones breaking ties)."""
    rows = (
        active_on(memberships_visible(actor=actor).filter(branch=branch), on)
        .select_related("person", "person__unit")
        .order_by("id")
    )
    return sorted(rows, key=lambda m: name_sort_key(m.person.full_name))


# by name as Vietnamese lists are: the given name first (``core.text.folded_name_key``)
SORTS = {
    "name": (lambda k: (folded_name_key(k[1]), k[0]), False),
    "-name": (lambda k: (folded_name_key(k[1]), k[0]), True),
    "joined_on": (lambda k: (k[2], k[0]), False),
    "-joined_on": (lambda k: (k[2], k[0]), True),
}


@dataclass
class MemberPage:
    page: object  # a django Page of (id, search_name, admitted_on) keys
    rows: list[Membership]
    count: int
    truncated: bool  # more than ``cap`` rows matched: the first ``cap`` found are shown, sorted


def member_page(
    qs: QuerySet[Membership], *, sort: str = "name", page_number=1, per_page: int = 50, cap: int = 10_000
) -> MemberPage:
    """One page of a filtered member list, fast on millions of rows: the keys of at most ``cap`` matching
    rows are read in one scan (no count, no ordered index walk), sorted here, and only the page's rows are
    loaded. Over ``cap`` matches the list says so and shows the first ``cap`` found, sorted."""
    from django.core.paginator import Paginator

    keys = list(qs.order_by().values_list("pk", "search_name", "admitted_on")[: cap + 1])
    truncated = len(keys) > cap
    keys = keys[:cap]
    key, reverse = SORTS.get(sort, SORTS["name"])
    keys.sort(key=key, reverse=reverse)
    page = Paginator(keys, per_page).get_page(page_number)
    ids = [k[0] for k in page.object_list]
    # through ``qs`` again: the rows stay those the caller's filters (and scope) allow
    by_pk = {m.pk: m for m in qs.filter(pk__in=ids).select_related("person", "branch", "org_type").order_by()}
    return MemberPage(
        page=page, rows=[by_pk[i] for i in ids if i in by_pk], count=len(keys), truncated=truncated
    )


def persons_visible(*, actor, action: str = "view") -> QuerySet[Person]:
    return Person.objects.visible_to(actor, action)


def person_memberships(*, actor, person: Person) -> QuerySet[Membership]:
    return (
        memberships_visible(actor=actor)
        .filter(person=person)
        .select_related("branch", "branch__unit", "org_type")
        .order_by("org_type__sort_order", "joined_on")
    )


def person_timeline(*, actor, person: Person) -> QuerySet[Movement]:
    return (
        Movement.objects.visible_to(actor)
        .filter(person=person)
        .select_related("branch", "other_branch", "recorded_by", "membership__org_type")
        .order_by("on", "id")
    )


def hidden_memberships(*, actor, person: Person) -> int:
    """How many of the person's memberships lie outside the actor's scope (shown as a count only)."""
    return (
        Membership.objects.filter(person=person).count()
        - memberships_visible(actor=actor).filter(person=person).count()
    )


def duplicates_to_review(*, actor) -> QuerySet[DuplicateCandidate]:
    return (
        DuplicateCandidate.objects.visible_to(actor)
        .filter(status=DuplicateStatus.OPEN)
        .select_related("person", "other", "person__unit", "other__unit")
    )


def imports_visible(*, actor) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.visible_to(actor)


def import_rows(*, batch: ImportBatch, show: str = "all") -> QuerySet[ImportRow]:
    """The staging rows of an import the caller may see (``batch`` comes from ``imports_visible``)."""
    rows = ImportRow.objects.filter(batch_id=batch.pk).order_by("row_number")
    if show == "errors":
        return rows.exclude(errors="")
    if show == "duplicates":
        return rows.filter(errors="").exclude(duplicate_note="")
    if show == "valid":
        return rows.filter(errors="")
    return rows


def branch_choices(*, actor, action: str = "add") -> QuerySet[Branch]:
    """Active branches of organisations with members where ``actor`` may ``action`` memberships."""
    condition = _branch_condition(actor, f"members.{action}_membership")
    qs = Branch.objects.visible_to(actor).filter(is_active=True, organisation__type__has_members=True)
    if condition is not None:
        qs = qs.filter(condition)
    elif not actor.is_superuser:
        return qs.none()
    return qs.select_related("organisation__type", "unit__parent").order_by("search_name")


def transfer_targets(*, actor, org_type_id: int, exclude: int | None = None) -> QuerySet[Branch]:
    """Where a member may be transferred: any active branch of an organisation of the same type, in any
    commune or province (the receiving branch sees the member arrive)."""
    # Deliberately not limited to the actor's scope: branch names are public structure, and a member may
    # move to any commune or province.
    qs = Branch.objects.filter(is_active=True, organisation__type_id=org_type_id)
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.select_related("unit__parent__parent", "organisation").order_by("search_name")


def residence_choices(*, actor, current: int | None = None) -> QuerySet[Unit]:
    """Villages and communes in force where ``actor`` may place a person, and the person's ``current``
    residence (a unit id) wherever it is: a branch officer edits a member who lives in another commune
    without having to move her (audit finding 6); moving her elsewhere stays limited to the actor's units."""
    units = Unit.objects.visible_to(actor)
    if current:
        units = Unit.objects.filter(Q(pk__in=units.values("pk")) | Q(pk=current))
    return (
        units.filter(level__in=[UnitLevel.COMMUNE, UnitLevel.VILLAGE], valid_to__isnull=True)
        .select_related("parent")
        .order_by("path")
    )


def _branch_condition(actor, perm: str) -> Q | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Q(pk__in=[])
    if actor.is_superuser:
        return None
    return _condition(actor, perm, "unit_path", "path") or Q(pk__in=[])


# --- figures ---------------------------------------------------------------------------------------------


def figure_units(*, actor) -> QuerySet[Unit]:
    """Units the figures can be shown for: those in which the actor may see memberships (the units under the
    scopes of ``members.view_membership``; a user who sees the structure but no member has none)."""
    return (
        Unit.objects.within_scopes_of(actor, "members.view_membership")
        .filter(level__in=[UnitLevel.PROVINCE, UnitLevel.COMMUNE, UnitLevel.VILLAGE], valid_to__isnull=True)
        .order_by("path")
    )


def default_figure_unit(*, actor) -> Unit | None:
    """The widest unit where the actor sees memberships (their province or commune)."""
    if actor.is_superuser:
        return Unit.objects.filter(level=UnitLevel.PROVINCE).order_by("code").first()
    scopes = user_scopes(actor, "members.view_membership")
    if not scopes:
        return None
    widest = min(scopes, key=lambda s: len(s.unit_path))
    return Unit.objects.filter(path=widest.unit_path).first()


def day_before(day: date) -> date:
    return day - timedelta(days=1)


@dataclass
class FigureRow:
    key: str  # a unit path, or "b<branch id>" at village level
    label: str
    url_unit: int | None = None  # drill down to this unit
    branch_id: int | None = None  # or to the list of this branch's members
    population: int | None = None
    active: dict[int, int] = field(default_factory=lambda: defaultdict(int))  # org type id → active at D
    opening: int = 0  # active at A − 1
    closing: int = 0  # active at B
    flows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_COLUMNS, 0))

    @property
    def total(self) -> int:
        return sum(self.active.values())

    @property
    def per_thousand(self) -> float | None:
        if not self.population:
            return None
        return round(self.total * 1000 / self.population, 1)

    @property
    def joined(self) -> int:
        return self.flows["joined"] + self.flows["rejoined"]

    @property
    def left(self) -> int:
        return sum(self.flows[c] for c in LEFT_COLUMNS)


@dataclass
class Figures:
    unit: Unit
    on: date
    start: date
    end: date
    org_type: OrgType | None
    types: list[OrgType]
    rows: list[FigureRow]
    totals: FigureRow
    level: str  # what the rows are: "commune", "village" or "branch"


def _child_key(unit: Unit, unit_path: str) -> str:
    depth = unit.path.count("/")
    parts = unit_path.split("/")
    if len(parts) - 1 <= depth:
        return unit.path
    return "/".join(parts[: depth + 1]) + "/"


def _branches(actor, unit: Unit, org_type: OrgType | None) -> QuerySet[Branch]:
    # Branches whose memberships the actor may see (the membership permission, not the branch one).
    qs = Branch.objects.filter(unit_path__startswith=unit.path)
    condition = _branch_condition(actor, "members.view_membership")
    if condition is not None:
        qs = qs.filter(condition)
    if org_type is not None:
        qs = qs.filter(organisation__type=org_type)
    return qs


def _active_by_branch(branches: QuerySet[Branch], days: dict[str, date]) -> list[tuple]:
    """Per branch: (id, org type id, unit path, name, {key: active memberships at the end of days[key]}), in
    one pass over the branches (an index probe per branch and date into the daily counts)."""
    annotations = {
        f"a_{key}": Subquery(
            DailyCount.objects.filter(branch_id=OuterRef("pk"), day__lte=day)
            .order_by("-day")
            .values("active")[:1]
        )
        for key, day in days.items()
    }
    rows = branches.annotate(**annotations).values_list(
        "pk", "organisation__type_id", "unit_path", "name", *annotations
    )
    result = []
    for pk, type_id, path, name, *values in rows:
        if any(v is not None for v in values):
            result.append((pk, type_id, path, name, {k: v or 0 for k, v in zip(days, values, strict=True)}))
    return result


def figures(
    *, actor, unit: Unit, on: date, start: date, end: date, org_type: OrgType | None = None
) -> Figures:
    """The figures of ``unit`` (and below) that ``actor`` may see: members active at ``on`` by child unit
    (communes of a province, villages of a commune, branches of a village) and organisation type; and for
    the period [start, end] the total at its start and end, who joined, arrived, left (by reason) or moved
    out. Read from the daily counts: a few thousand rows whatever the number of members."""
    branches = _branches(actor, unit, org_type)
    active = _active_by_branch(branches, {"on": on, "opening": day_before(start), "closing": end})
    flow_rows = (
        DailyCount.objects.visible_to(actor)
        .filter(branch_id__in=branches.values("pk"), day__gte=start, day__lte=end)
        .values("branch_id", "unit_path")
        .annotate(**{f"s_{c}": Sum(c) for c in COUNT_COLUMNS})
    )
    level = UnitLevel.COMMUNE if unit.level == UnitLevel.PROVINCE else UnitLevel.VILLAGE
    if unit.level == UnitLevel.VILLAGE:
        level = "branch"
    rows: dict[str, FigureRow] = {}
    names: dict[int, str] = {}

    def row_for(branch_id: int, unit_path: str) -> FigureRow:
        key = f"b{branch_id}" if level == "branch" else _child_key(unit, unit_path)
        if key not in rows:
            rows[key] = FigureRow(key=key, label="", branch_id=branch_id if level == "branch" else None)
        return rows[key]

    type_ids: set[int] = set()
    for bid, type_id, path, name, values in active:
        names[bid] = name
        row = row_for(bid, path)
        if values["on"]:
            row.active[type_id] += values["on"]
            type_ids.add(type_id)
        row.opening += values["opening"]
        row.closing += values["closing"]
    for item in flow_rows:
        row = row_for(item["branch_id"], item["unit_path"])
        for c in COUNT_COLUMNS:
            row.flows[c] += item[f"s_{c}"] or 0
    # Labels, populations and drill-down targets.
    if level == "branch":
        missing = [int(k[1:]) for k in rows if int(k[1:]) not in names]
        names.update(dict(Branch.objects.filter(pk__in=missing).values_list("pk", "name")))
        for row in rows.values():
            row.label = names.get(row.branch_id, "")
    else:
        units = {u.path: u for u in Unit.objects.filter(path__in=list(rows))}
        for key, row in rows.items():
            u = units.get(key)
            row.label = u.name if u else key
            row.population = u.population if u else None
            row.url_unit = u.pk if u is not None and u.pk != unit.pk else None
    ordered = sorted(rows.values(), key=lambda r: (vietnamese_key(r.label), r.key))  # "Bến Tre" < "Bình Minh"
    totals = FigureRow(key="total", label="", population=unit.population)
    for row in ordered:
        for type_id, value in row.active.items():
            totals.active[type_id] += value
        totals.opening += row.opening
        totals.closing += row.closing
        for c in COUNT_COLUMNS:
            totals.flows[c] += row.flows[c]
    if org_type is not None:
        types = [org_type]
    else:  # the organisation types that have members here (all of them for a whole province)
        types = list(OrgType.objects.filter(pk__in=type_ids).order_by("sort_order", "name"))
    return Figures(
        unit=unit,
        on=on,
        start=start,
        end=end,
        org_type=org_type,
        types=types,
        rows=ordered,
        totals=totals,
        level=level,
    )


# --- breakdowns (from the memberships: sex, age band, ethnicity, people vs memberships) ------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def active_on(qs: QuerySet[Membership], on: date) -> QuerySet[Membership]:
    return qs.filter(joined_on__lte=on).filter(Q(left_on__isnull=True) | Q(left_on__gt=on))


def age_band_condition(code: str, on: date) -> Q:
    """Memberships whose person's age on ``on`` falls in the band ``code`` (full years from the date of
    birth; the difference of the years when only the year is known)."""
    for band, _label, low, high in AGE_BANDS:
        if band != code:
            continue
        by_date = Q(birth_date__isnull=False, birth_date__lte=_years_before(on, low))
        by_year = Q(birth_date__isnull=True, birth_year__lte=on.year - low)
        if high is not None:
            by_date &= Q(birth_date__gt=_years_before(on, high + 1))
            by_year &= Q(birth_year__gte=on.year - high)
        return by_date | by_year
    return Q(pk__in=[])


def _age_case_sql(on: date, date_col: str, year_col: str) -> tuple[str, list]:
    parts, params = [], []
    for band, _label, low, high in AGE_BANDS:
        date_cond = f"{date_col} <= %s"
        year_cond = f"{year_col} <= %s"
        p_date: list = [_years_before(on, low)]
        p_year: list = [on.year - low]
        if high is not None:
            date_cond += f" AND {date_col} > %s"
            year_cond += f" AND {year_col} >= %s"
            p_date.append(_years_before(on, high + 1))
            p_year.append(on.year - high)
        parts.append(
            f"WHEN ({date_col} IS NOT NULL AND {date_cond}) OR ({date_col} IS NULL AND {year_cond}) THEN %s"
        )
        params += [*p_date, *p_year, band]
    return "CASE " + " ".join(parts) + " ELSE '' END", params


@dataclass
class Breakdown:
    total_memberships: int
    total_persons: int
    persons_by_child: dict[str, int]
    by_sex: list[tuple[str, str, int, int]]  # (code, label, memberships, persons)
    by_age: list[tuple[str, str, int, int]]
    by_ethnicity: list[tuple[str, str, int, int]]


def breakdown(*, actor, unit: Unit, on: date, org_type: OrgType | None = None) -> Breakdown:
    """Members active at ``on`` under ``unit`` (visible to ``actor``) by sex, age band and ethnicity, each
    counted as memberships ("số lượt") and as people ("số người"); and people by child unit."""
    from danvan.members.models import Sex

    qs = active_on(memberships_visible(actor=actor).filter(unit_path__startswith=unit.path), on)
    if org_type is not None:
        qs = qs.filter(org_type=org_type)
    from django.db import transaction
    from django.db.models.expressions import RawSQL

    depth = unit.path.count("/")
    if unit.level == UnitLevel.VILLAGE:
        child_sql = "'b' || members_membership.branch_id::text"
    else:
        child_sql = f"array_to_string((string_to_array(members_membership.unit_path, '/'))[1:{depth + 1}], '/') || '/'"
    inner = (
        qs.order_by()
        .annotate(child=RawSQL(child_sql, []))
        .values("person_id", "sex", "ethnicity", "birth_date", "birth_year", "child")
    )
    result: list = []
    places: list = []
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # nothing the actor may see here (``visible_to`` gave none()): zeros
        sql = None
    if sql is not None:
        age_sql, age_params = _age_case_sql(on, "bd", "byear")
        # Each person once (their attributes are the same on all their memberships), with how many memberships.
        by_person = f"""
            WITH pp AS (SELECT person_id, min(sex) AS sex, min(ethnicity) AS eth, min(birth_date) AS bd,
                               min(birth_year) AS byear, count(*) AS n
                        FROM ({sql}) m GROUP BY person_id),
            b AS (SELECT sex, eth, {age_sql} AS age_band, n FROM pp)
            SELECT GROUPING(sex), GROUPING(age_band), GROUPING(eth), 1, sex, age_band, eth, NULL, sum(n), count(*)
            FROM b GROUP BY GROUPING SETS ((), (sex), (age_band), (eth))
        """
        by_place = (
            f"SELECT child, count(*) FROM (SELECT DISTINCT child, person_id FROM ({sql}) m) x GROUP BY child"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            # Counting distinct people over a province's memberships hashes a million ids: give it the memory.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute(by_person, [*params, *age_params])
            result = cursor.fetchall()
            cursor.execute(by_place, params)
            places = cursor.fetchall()
    total_m = total_p = 0
    sex: dict[str, tuple[int, int]] = {}
    age: dict[str, tuple[int, int]] = {}
    eth: dict[str, tuple[int, int]] = {}
    for g_sex, g_age, g_eth, _g, s, band, e, _c, n, persons in result:
        if g_sex and g_age and g_eth:
            total_m, total_p = int(n or 0), persons
        elif not g_sex:
            sex[s] = (int(n), persons)
        elif not g_age:
            age[band] = (int(n), persons)
        elif not g_eth:
            eth[e] = (int(n), persons)
    children = dict(places)
    return Breakdown(
        total_memberships=total_m,
        total_persons=total_p,
        persons_by_child=children,
        by_sex=[(code, str(label), *sex.get(code, (0, 0))) for code, label in Sex.choices],
        by_age=[(code, str(label), *age.get(code, (0, 0))) for code, label, _lo, _hi in AGE_BANDS],
        by_ethnicity=sorted(
            ((code, reference.ethnicity_name(code), n, p) for code, (n, p) in eth.items()),
            key=lambda r: -r[2],
        ),
    )


def place_labels(*, unit: Unit, keys: list[str]) -> list[tuple[str, str]]:
    """(key, label) of the rows of a breakdown by place: unit paths, or "b<id>" for branches."""
    if unit.level == UnitLevel.VILLAGE:
        names = dict(
            Branch.objects.filter(pk__in=[int(k[1:]) for k in keys if k[1:].isdigit()]).values_list(
                "pk", "name"
            )
        )
        rows = [(k, names.get(int(k[1:]), k)) for k in keys]
    else:
        names = dict(Unit.objects.filter(path__in=keys).values_list("path", "name"))
        rows = [(k, names.get(k, k)) for k in keys]
    return sorted(rows, key=lambda r: (vietnamese_key(r[1]), r[0]))


# --- checks used by the tests and the benchmarks --------------------------------------------------------


def active_count_direct(*, actor, unit: Unit, on: date, org_type: OrgType | None = None) -> int:
    """Members active at ``on`` counted straight from the memberships (what the daily counts must equal)."""
    qs = active_on(memberships_visible(actor=actor).filter(unit_path__startswith=unit.path), on)
    if org_type is not None:
        qs = qs.filter(org_type=org_type)
    return qs.count()


def people_with_memberships(*, actor, unit: Unit) -> QuerySet[Person]:
    """People with at least one membership under ``unit`` visible to ``actor``."""
    memberships = memberships_visible(actor=actor).filter(unit_path__startswith=unit.path)
    return Person.objects.filter(Exists(memberships.filter(person_id=OuterRef("pk"))))
