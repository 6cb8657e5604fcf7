"""Reads of the "Dân vận khéo" registry, always from ``visible_to``: the catalogue, a model's page, the
figures (registered, recognised, replicated by field, level, unit and year)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import ExtractYear

from danvan.core.scoping import user_scopes
from danvan.practices.models import (
    Assessment,
    AssessmentScheme,
    Award,
    Evidence,
    Practice,
    PracticeField,
    PracticeLevel,
    PracticeStatus,
)
from danvan.structure.models import Unit, UnitLevel


def practices_visible(*, actor, action: str = "view"):
    return Practice.objects.visible_to(actor, action).select_related("unit", "organisation", "origin")


def practice_page(*, actor, practice: Practice) -> dict:
    """Everything a model's page shows, each part as far as the actor may see it."""
    visible = Practice.objects.visible_to(actor)
    return {
        "results": list(practice.results.all()),
        "evidence": list(Evidence.objects.visible_to(actor).filter(practice=practice)),
        "assessments": list(
            Assessment.objects.visible_to(actor)
            .filter(practice=practice)
            .select_related("scheme", "recorded_by")
            .prefetch_related("scores__criterion")
        ),
        "events": list(practice.milestones.select_related("actor", "related")),
        "origin": visible.filter(pk=practice.origin_id).first() if practice.origin_id else None,
        "replicas": list(visible.filter(origin=practice).select_related("unit").order_by("registered_on")),
        "replica_count": Practice.objects.filter(origin=practice).count(),
        "awards": list(Award.objects.visible_to(actor).filter(practice=practice)),
    }


def active_scheme() -> AssessmentScheme | None:
    return AssessmentScheme.objects.filter(is_active=True).prefetch_related("criteria").first()


def awards_visible(*, actor, action: str = "view"):
    return Award.objects.visible_to(actor, action).select_related("practice", "unit", "organisation")


def scope_units(*, actor) -> list[Unit]:
    if getattr(actor, "is_superuser", False):
        return list(Unit.objects.filter(level=UnitLevel.PROVINCE).order_by("search_name"))
    paths = sorted(
        {s.unit_path for s in user_scopes(actor, "practices.view_practice")}, key=lambda p: (p.count("/"), p)
    )
    units = {u.path: u for u in Unit.objects.filter(path__in=paths)}
    return [units[p] for p in paths if p in units]


# --- figures --------------------------------------------------------------------------------------


@dataclass
class Counts:
    registered: int = 0
    recognised: int = 0
    replicated: int = 0
    stopped: int = 0
    active: int = 0

    def add(self, other: Counts) -> None:
        for name in ("registered", "recognised", "replicated", "stopped", "active"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Figures:
    unit: Unit
    year: int | None
    total: Counts
    by_field: list[tuple[str, Counts]]
    by_level: list[tuple[str, Counts]]
    by_unit: list[tuple[Unit, Counts]]
    by_year: list[tuple[int, Counts]]
    by_status: list[tuple[str, int]] = field(default_factory=list)


def _child_key(path: str, root: str) -> str:
    if path == root or not path.startswith(root):
        return ""
    return root + path[len(root) :].split("/", 1)[0] + "/"


def figures(*, actor, unit: Unit, year: int | None = None) -> Figures:
    """How many models were registered, recognised and replicated (a replication counts in the year and at
    the place it was registered), by field, level, unit (children of ``unit``) and year.

    With ``year``: registered = registered that year, recognised = recognised that year, replicated =
    replications registered that year. Without: all time; "active" = not stopped."""
    qs = Practice.objects.visible_to(actor).filter(unit_path__startswith=unit.path)
    grouped = (
        qs.annotate(reg_year=ExtractYear("registered_on"), rec_year=ExtractYear("recognised_on"))
        .values("field", "level", "unit_path", "status", "reg_year", "rec_year")
        .annotate(n=Count("id"), replicas=Count("id", filter=Q(origin__isnull=False)))
        .order_by()
    )
    total = Counts()
    by_field = {f: Counts() for f in PracticeField.values}
    by_level = {lv: Counts() for lv in PracticeLevel.values}
    children = {u.path: u for u in Unit.objects.visible_to(actor).filter(parent=unit)}
    by_unit: dict[str, Counts] = defaultdict(Counts)
    by_year: dict[int, Counts] = defaultdict(Counts)
    status_counts: dict[str, int] = defaultdict(int)
    for row in grouped:
        n, replicas = row["n"], row["replicas"]
        c = Counts()
        if year is None or row["reg_year"] == year:
            c.registered, c.replicated = n, replicas
        if row["rec_year"] is not None and (year is None or row["rec_year"] == year):
            c.recognised = n
        if row["status"] == PracticeStatus.STOPPED:
            c.stopped = n
        else:
            c.active = n
        total.add(c)
        by_field[row["field"]].add(c)
        by_level[row["level"]].add(c)
        by_unit[_child_key(row["unit_path"], unit.path)].add(c)
        status_counts[row["status"]] += n
        # Per year (always all years: the trend).
        yc = by_year[row["reg_year"]]
        yc.registered += n
        yc.replicated += replicas
        if row["rec_year"] is not None:
            by_year[row["rec_year"]].recognised += n
    unit_rows: list[tuple[Unit, Counts]] = []
    if "" in by_unit:
        unit_rows.append((unit, by_unit[""]))
    for path, child in sorted(children.items(), key=lambda kv: kv[1].name):
        if path in by_unit:
            unit_rows.append((child, by_unit[path]))
    return Figures(
        unit=unit,
        year=year,
        total=total,
        by_field=[(f, by_field[f]) for f in PracticeField.values],
        by_level=[(lv, by_level[lv]) for lv in PracticeLevel.values],
        by_unit=unit_rows,
        by_year=sorted(by_year.items()),
        by_status=[(s, status_counts.get(s, 0)) for s in PracticeStatus.values],
    )


def years_with_practices(*, actor) -> list[int]:
    years = (
        Practice.objects.visible_to(actor)
        .annotate(y=ExtractYear("registered_on"))
        .values_list("y", flat=True)
        .distinct()
        .order_by("-y")
    )
    return list(years)
