"""Scope conditions for the activities' own querysets.

``ScopedQuerySet.visible_to`` (core) is used as it is wherever a record has one place. Two kinds of records
here need a variation, built from the same ``user_scopes`` (ADR 0004 allows a module to override
``visible_to``; ADR 0007 says why these do):

* an attendance concerns two places: the meeting's branch and the attending cadre's organisation, so it is
  seen from either side;
* the monthly tallies are figures about meetings and cadres: they are seen by whoever may see the records they
  count (the permission is the counted model's, not the tally's own).
"""

from __future__ import annotations

from django.db.models import Q

from danvan.core.scoping import ScopedQuerySet, user_scopes

NOTHING = Q(pk__in=[])


def scope_condition(user, perm: str, unit_field: str, org_field: str | None) -> Q | None:
    """The rows at places where ``user`` holds ``perm``; None means every row (a superuser)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return None
    condition = Q()
    scopes = user_scopes(user, perm)
    if not scopes:
        return NOTHING
    for scope in scopes:
        part = Q(**{f"{unit_field}__startswith": scope.unit_path})
        if scope.org_path and org_field:
            part &= Q(**{f"{org_field}__startswith": scope.org_path})
        condition |= part
    return condition


class TwoSidedQuerySet(ScopedQuerySet):
    """Visible from its own place or from a second place (``scope_other_fields`` on the model)."""

    def visible_to(self, user, action: str = "view"):
        model = self.model
        perm = f"{model._meta.app_label}.{action}_{model._meta.model_name}"
        here = scope_condition(user, perm, model.scope_unit_field, model.scope_org_field)
        there = scope_condition(user, perm, *model.scope_other_fields)
        if here is None or there is None:
            return self.all()
        return self.filter(here | there)


class CountsQuerySet(ScopedQuerySet):
    """Figures seen with the view permission of the records they count (``counts_model`` on the model)."""

    def visible_to(self, user, action: str = "view"):
        model = self.model
        counted = model.counts_model
        if isinstance(counted, str):
            from django.apps import apps

            counted = apps.get_model(model._meta.app_label, counted)
        perm = f"{counted._meta.app_label}.{action}_{counted._meta.model_name}"
        condition = scope_condition(user, perm, model.scope_unit_field, model.scope_org_field)
        return self.all() if condition is None else self.filter(condition)


def ancestors(path: str) -> list[str]:
    """ "86/28756/28756-001/" → ["86/", "86/28756/"] (the units above, top first)."""
    parts = path.strip("/").split("/")
    return ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]


class RulesQuerySet(ScopedQuerySet):
    """Rules apply downwards: besides the rules issued in their scope, users see (only see) the rules issued
    above it that apply to them (a commune officer reads the province's quota)."""

    def visible_to(self, user, action: str = "view"):
        if action != "view":
            return super().visible_to(user, action)
        model = self.model
        perm = f"{model._meta.app_label}.{action}_{model._meta.model_name}"
        condition = scope_condition(user, perm, model.scope_unit_field, None)
        if condition is None:
            return self.all()
        if user is not None and getattr(user, "is_authenticated", False) and user.is_active:
            for scope in user_scopes(user, perm):
                condition |= Q(**{f"{model.scope_unit_field}__in": ancestors(scope.unit_path)})
        return self.filter(condition)
