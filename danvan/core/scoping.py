"""Scoping: the one place that decides which rows a user may read or change.

Every scoped model carries the materialised path of its administrative unit (``unit_path``) and, where it
applies, of its organisation (``org_path``). A user's role assignments each grant a role's permissions over a
unit subtree (optionally narrowed to an organisation subtree). ``visible_to`` turns those into an OR of
path prefixes. Paths end with "/" so that a prefix never matches a sibling ("86/" never matches "861/").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

if TYPE_CHECKING:  # pragma: no cover
    from danvan.accounts.models import User


@dataclass(frozen=True)
class Scope:
    unit_path: str
    org_path: str | None = None

    def covers(self, unit_path: str, org_path: str | None = None) -> bool:
        """Does this scope cover a record at ``unit_path``? ``org_path`` None means the record has no
        organisation (a unit, an account): the unit part decides."""
        if not unit_path.startswith(self.unit_path):
            return False
        if self.org_path is None or org_path is None:
            return True
        return bool(org_path) and org_path.startswith(self.org_path)


def permission_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def user_scopes(user: Any, perm: str) -> list[Scope]:
    """The scopes in which ``user`` holds ``perm`` today (cached on the user object for the request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cache: dict[str, list[Scope]] = user.__dict__.setdefault("_danvan_scopes", {})
    if perm not in cache:
        from danvan.accounts.models import RoleAssignment

        app_label, codename = perm.split(".", 1)
        today = timezone.localdate()
        rows = (
            RoleAssignment.objects.active_on(today)
            .filter(
                user=user,
                role__permissions__codename=codename,
                role__permissions__content_type__app_label=app_label,
            )
            .values_list("unit__path", "organisation__path")
            .distinct()
        )
        cache[perm] = _minimal([Scope(u, o) for u, o in rows])
    return cache[perm]


def _minimal(scopes: list[Scope]) -> list[Scope]:
    """Drop scopes contained in another one, so the SQL OR stays short."""
    kept: list[Scope] = []
    for s in sorted(set(scopes), key=lambda s: (len(s.unit_path), len(s.org_path or ""))):
        if not any(k.covers(s.unit_path, s.org_path) and (k.org_path is None or s.org_path) for k in kept):
            kept.append(s)
    return kept


def forget_scopes(user: Any) -> None:
    user.__dict__.pop("_danvan_scopes", None)


def has_scope_permission(user: Any, perm: str, unit_path: str, org_path: str | None = None) -> bool:
    """May ``user`` use ``perm`` on a record located at ``unit_path`` (and ``org_path``)?"""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return any(s.covers(unit_path, org_path) for s in user_scopes(user, perm))


class ScopedQuerySet(models.QuerySet):
    """The only way rows of a scoped model are read for a user."""

    def visible_to(self, user: User | Any, action: str = "view") -> ScopedQuerySet:
        return self.within_scopes_of(user, permission_name(self.model, action))

    def within_scopes_of(self, user: User | Any, perm: str) -> ScopedQuerySet:
        """The rows that lie where ``user`` holds ``perm`` (``visible_to`` with the model's own view/change
        permission; another module's permission for a read that module makes, e.g. the accounts an officer
        may link to her cadres)."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        model = self.model
        scopes = user_scopes(user, perm)
        if not scopes:
            return self.none()
        unit_field = model.scope_unit_field
        org_field = getattr(model, "scope_org_field", None)
        condition = Q()
        for scope in scopes:
            part = Q(**{f"{unit_field}__startswith": scope.unit_path})
            if scope.org_path and org_field:
                part &= Q(**{f"{org_field}__startswith": scope.org_path})
            # A model without an organisation (units, accounts) is seen through the unit part alone: an
            # officer narrowed to the Women's Union of a commune still sees the commune's villages.
            condition |= part
        return self.filter(condition)


class ScopedModel(models.Model):
    """Abstract base of every model whose rows belong to a unit (and maybe an organisation)."""

    scope_unit_field = "unit_path"
    scope_org_field: str | None = None

    unit_path = models.CharField(max_length=255, db_index=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def scope_paths(self) -> tuple[str, str | None]:
        org_field = self.scope_org_field
        return getattr(self, self.scope_unit_field), (getattr(self, org_field) if org_field else None)


def is_scoped_model(model: type[models.Model]) -> bool:
    return isinstance(getattr(model, "_default_manager", None), models.Manager) and hasattr(
        model._default_manager.get_queryset(), "visible_to"
    )


def tracked(model_cls=None):
    """Row history (django-pghistory) of inserts, updates and deletes, with the request context."""
    import pghistory

    decorator = pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
    return decorator(model_cls) if model_cls is not None else decorator
