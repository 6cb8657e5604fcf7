"""Reads of the administrative structure, always from ``visible_to``."""

from __future__ import annotations

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from danvan.core.scoping import user_scopes
from danvan.core.text import fold
from danvan.structure.models import HAS_BRANCHES, Branch, Organisation, OrgType, Unit, UnitLevel


def units_visible(*, actor, action: str = "view"):
    return Unit.objects.visible_to(actor, action)


def unit_children(*, actor, unit: Unit):
    return (
        Unit.objects.visible_to(actor)
        .filter(parent=unit)
        .annotate(n_children=Count("children", filter=Q(children__valid_to__isnull=True)))
        .order_by("level", "valid_to", "name")
    )


def unit_counts(*, actor, unit: Unit) -> dict[str, int]:
    units = Unit.objects.visible_to(actor).filter(path__startswith=unit.path).exclude(pk=unit.pk).active()
    return {
        "communes": units.filter(level=UnitLevel.COMMUNE).count(),
        "villages": units.filter(level=UnitLevel.VILLAGE).count(),
        "organisations": Organisation.objects.visible_to(actor)
        .filter(unit_path__startswith=unit.path, is_active=True)
        .count(),
        "branches": Branch.objects.visible_to(actor)
        .filter(unit_path__startswith=unit.path, is_active=True)
        .count(),
    }


def organisations_visible(*, actor, action: str = "view"):
    return Organisation.objects.visible_to(actor, action).select_related("type", "unit", "parent")


def branches_visible(*, actor, action: str = "view"):
    return Branch.objects.visible_to(actor, action).select_related("organisation", "unit", "parent")


def org_types():
    return OrgType.objects.filter(is_active=True)


# --- permissions in a subtree ---------------------------------------------------------------------


def may_act_within(*, actor, perm: str, unit_path: str, org_path: str | None = None) -> bool:
    """May ``actor`` use ``perm`` somewhere at or below ``unit_path`` (within ``org_path``)?

    Used to decide whether to offer an action ("add a branch to this organisation") whose exact place is
    chosen later; the service checks the exact place when the action is done.
    """
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    if actor.is_superuser:
        return True
    for scope in user_scopes(actor, perm):
        units_meet = unit_path.startswith(scope.unit_path) or scope.unit_path.startswith(unit_path)
        org_ok = scope.org_path is None or bool(org_path and org_path.startswith(scope.org_path))
        if units_meet and org_ok:
            return True
    return False


def folded_search(qs, q: str, code_field: str | None = "code"):
    """Accent-insensitive search on ``search_name`` (every word must match), or an exact code."""
    words = fold(q).split()
    if not words:
        return qs
    condition = Q()
    for word in words:
        condition &= Q(search_name__contains=word)
    if code_field and len(words) == 1:
        condition |= Q(**{code_field: q.strip()})
    return qs.filter(condition)


def branch_search(qs, q: str):
    """Branches whose name, village or commune holds every word typed (accent-insensitive): "an thoi phu
    khuong" finds the Ấp An Thới branches of Phú Khương only."""
    condition = Q()
    for word in fold(q).split():
        condition &= (
            Q(search_name__contains=word)
            | Q(unit__search_name__contains=word)
            | Q(unit__parent__search_name__contains=word)
        )
    return qs.filter(condition)


def _visible_count(qs, fk: str):
    """A correlated count of the rows of ``qs`` whose ``fk`` is the outer row (0 when none)."""
    sub = qs.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(c=Count("pk")).values("c")
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


# --- units ----------------------------------------------------------------------------------------

LEVEL_ORDER = Case(
    When(level=UnitLevel.PROVINCE, then=Value(1)),
    When(level=UnitLevel.COMMUNE, then=Value(2)),
    When(level=UnitLevel.VILLAGE, then=Value(3)),
    default=Value(4),
    output_field=IntegerField(),
)


# Units in force (no end date) first, then the others by end date.
ACTIVE_FIRST = F("valid_to").asc(nulls_first=True)


def _prefixes(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]


def unit_ancestors(*, actor, unit: Unit) -> list[Unit]:
    """The units above ``unit`` that ``actor`` may see, top first (one query)."""
    prefixes = _prefixes(unit.path)
    if not prefixes:
        return []
    by_path = {u.path: u for u in Unit.objects.visible_to(actor).filter(path__in=prefixes)}
    return [by_path[p] for p in prefixes if p in by_path]


def _with_child_counts(qs):
    return qs.annotate(
        n_children=Count("children", filter=Q(children__valid_to__isnull=True)),
        n_all_children=Count("children"),
    )


def unit_tree_roots(*, actor):
    """The highest units ``actor`` may see: provinces for a national user, their commune for a commune officer."""
    visible = Unit.objects.visible_to(actor)
    roots = visible.filter(Q(parent__isnull=True) | ~Q(parent__in=visible.values("pk")))
    return _with_child_counts(roots).order_by(LEVEL_ORDER, ACTIVE_FIRST, "search_name")


def unit_tree_children(*, actor, unit: Unit):
    """Children of ``unit`` in the tree: units in force first, then former ones."""
    children = Unit.objects.visible_to(actor).filter(parent=unit)
    return _with_child_counts(children).order_by(LEVEL_ORDER, ACTIVE_FIRST, "search_name")


def unit_search(*, actor, q: str, limit: int = 100) -> tuple[list[Unit], dict[str, Unit]]:
    """Units matching ``q`` (accent-insensitive), and the visible ancestors of each by path."""
    results = list(
        folded_search(Unit.objects.visible_to(actor), q).order_by(LEVEL_ORDER, ACTIVE_FIRST, "search_name")[
            :limit
        ]
    )
    wanted = {p for u in results for p in _prefixes(u.path)}
    ancestors = {u.path: u for u in Unit.objects.visible_to(actor).filter(path__in=wanted)} if wanted else {}
    for unit in results:
        unit.trail = [ancestors[p] for p in _prefixes(unit.path) if p in ancestors]
    return results, ancestors


def unit_choices(
    *,
    actor,
    levels: list[str] | tuple[str, ...] | None = None,
    within: str | None = None,
    parent: Unit | None = None,
    active: bool = True,
    action: str = "view",
):
    """Units a form may offer to ``actor``: only visible ones, optionally under the path ``within``."""
    qs = Unit.objects.visible_to(actor, action).select_related("parent")
    if levels:
        qs = qs.filter(level__in=levels)
    if within:
        qs = qs.filter(path__startswith=within)
    if parent is not None:
        qs = qs.filter(parent=parent)
    if active:
        qs = qs.filter(valid_to__isnull=True)
    return qs.order_by(LEVEL_ORDER, "search_name")


# --- organisations and branches -------------------------------------------------------------------


def organisation_ancestors(*, actor, organisation: Organisation) -> list[Organisation]:
    prefixes = _prefixes(organisation.path)
    if not prefixes:
        return []
    by_path = {o.path: o for o in Organisation.objects.visible_to(actor).filter(path__in=prefixes)}
    return [by_path[p] for p in prefixes if p in by_path]


def branch_ancestors(*, actor, branch: Branch) -> tuple[list[Organisation], list[Branch]]:
    """The organisations and parent branches above ``branch`` that ``actor`` may see, top first."""
    prefixes = _prefixes(branch.path)
    orgs = {o.path: o for o in Organisation.objects.visible_to(actor).filter(path__in=prefixes)}
    parents = {b.path: b for b in Branch.objects.visible_to(actor).filter(path__in=prefixes)}
    return [orgs[p] for p in prefixes if p in orgs], [parents[p] for p in prefixes if p in parents]


def _org_tree_qs(actor, qs):
    visible_orgs = Organisation.objects.visible_to(actor)
    visible_branches = Branch.objects.visible_to(actor)
    return qs.select_related("type", "unit").annotate(
        n_sub=_visible_count(visible_orgs, "parent"),
        n_branches=_visible_count(visible_branches.filter(parent__isnull=True), "organisation"),
    )


def organisation_tree_roots(*, actor, limit: int = 500):
    visible = Organisation.objects.visible_to(actor)
    roots = visible.filter(Q(parent__isnull=True) | ~Q(parent__in=visible.values("pk")))
    return _org_tree_qs(actor, roots).order_by("-is_active", "depth", "type__sort_order", "search_name")[
        :limit
    ]


def organisation_tree_children(*, actor, organisation: Organisation):
    """Sub-organisations and top-level branches of ``organisation`` that ``actor`` may see."""
    children = _org_tree_qs(
        actor, Organisation.objects.visible_to(actor).filter(parent=organisation)
    ).order_by("-is_active", "type__sort_order", "search_name")
    branches = branch_tree_qs(
        actor, Branch.objects.visible_to(actor).filter(organisation=organisation, parent__isnull=True)
    )
    return children, branches


def branch_tree_qs(actor, qs):
    visible_branches = Branch.objects.visible_to(actor)
    return (
        qs.select_related("unit")
        .annotate(n_sub=_visible_count(visible_branches, "parent"))
        .order_by("-is_active", "search_name")
    )


def branch_tree_children(*, actor, branch: Branch):
    return branch_tree_qs(actor, Branch.objects.visible_to(actor).filter(parent=branch))


def organisation_search(*, actor, q: str, limit: int = 100):
    orgs = folded_search(Organisation.objects.visible_to(actor), q, code_field=None)
    branches = folded_search(Branch.objects.visible_to(actor), q, code_field=None)
    return (
        list(
            orgs.select_related("type", "unit", "parent").order_by("-is_active", "depth", "search_name")[
                :limit
            ]
        ),
        list(branches.select_related("organisation", "unit").order_by("-is_active", "search_name")[:limit]),
    )


def organisation_counts(*, actor, organisation: Organisation) -> dict[str, int]:
    """Figures of an organisation's subtree, counting only what ``actor`` may see."""
    below = (
        Organisation.objects.visible_to(actor)
        .filter(path__startswith=organisation.path)
        .exclude(pk=organisation.pk)
    )
    branches = Branch.objects.visible_to(actor).filter(path__startswith=organisation.path)
    return {
        "organisations": below.filter(is_active=True).count(),
        "branches": branches.filter(is_active=True).count(),
        "own_branches": branches.filter(organisation=organisation, is_active=True).count(),
    }


def organisation_choices(
    *, actor, active: bool = True, within: str | None = None, with_branches: bool = False
):
    """``with_branches``: only organisations whose type has branches (where a branch can be added)."""
    qs = Organisation.objects.visible_to(actor).select_related("unit", "type")
    if active:
        qs = qs.filter(is_active=True)
    if with_branches:
        qs = qs.filter(HAS_BRANCHES)
    if within:
        qs = qs.filter(path__startswith=within)
    return qs.order_by("depth", "type__sort_order", "search_name")


def branch_choices(*, actor, organisation: Organisation | None = None, active: bool = True):
    qs = Branch.objects.visible_to(actor).select_related("unit")
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    if active:
        qs = qs.filter(is_active=True)
    return qs.order_by("search_name")
