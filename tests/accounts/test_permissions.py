"""Permissions come from active role assignments, within their validity dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from danvan.accounts import services
from danvan.accounts.models import Role, RoleAssignment, User
from danvan.core.scoping import has_scope_permission
from danvan.structure.models import Unit
from tests.factories import make_user, superuser

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    """A new object: permission caches live on the instance."""
    return User.objects.get(pk=user.pk)


def test_has_perm_comes_from_the_role(world):
    officer = fresh(world.users["officer_ca"])
    assert officer.has_perm("structure.view_unit")
    assert not officer.has_perm("structure.add_unit")
    assert not officer.has_perm("accounts.view_user")
    admin = fresh(world.users["admin_a"])
    assert admin.has_perm("accounts.add_roleassignment")
    assert not admin.has_perm("accounts.change_role")
    assert not fresh(world.users["nobody"]).has_perm("structure.view_unit")


def test_role_permissions_are_data(world):
    role = Role.objects.get(code="commission_officer")
    role.permissions.remove(*role.permissions.filter(codename="view_unit"))
    assert not fresh(world.users["officer_ca"]).has_perm("structure.view_unit")


def test_expired_assignment_grants_nothing(world):
    old = make_user(
        "old", "system_admin", world.commune_a, valid_from=date(2025, 7, 1), valid_to=date(2025, 12, 31)
    )
    old = fresh(old)
    assert not old.has_perm("accounts.view_user")
    assert not has_scope_permission(old, "accounts.view_user", world.commune_a.path)
    assert User.objects.visible_to(old).count() == 0


def test_future_assignment_grants_from_its_first_day(world):
    start = timezone.localdate() + timedelta(days=10)
    later = make_user("later", "commission_officer", world.commune_a, valid_from=start)
    assert not fresh(later).has_perm("structure.view_unit")
    with time_machine.travel(timezone.now() + timedelta(days=11)):
        assert fresh(later).has_perm("structure.view_unit")
        assert Unit.objects.visible_to(fresh(later)).filter(pk=world.village_a.pk).exists()


def test_last_day_still_counts(world):
    today = timezone.localdate()
    ending = make_user(
        "ending", "commission_officer", world.commune_a, valid_from=date(2025, 7, 1), valid_to=today
    )
    assert fresh(ending).has_perm("structure.view_unit")
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert not fresh(ending).has_perm("structure.view_unit")


def test_inactive_user_has_no_permission(world):
    User.objects.filter(pk=world.users["admin_a"].pk).update(is_active=False)
    assert not fresh(world.users["admin_a"]).has_perm("accounts.view_user")


def test_assignment_scope_is_a_unit_subtree(world):
    officer = fresh(world.users["officer_ca"])
    assert has_scope_permission(officer, "structure.view_unit", world.village_a.path)
    assert not has_scope_permission(officer, "structure.view_unit", world.commune_a2.path)
    assert not has_scope_permission(officer, "structure.view_unit", world.province_a.path)


def test_assignment_with_an_end_before_its_start_is_refused(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.assignment_create(
            actor=superuser(),
            user=world.users["nobody"],
            role=Role.objects.get(code="leader"),
            unit=world.commune_a,
            valid_from=date(2026, 3, 1),
            valid_to=date(2026, 2, 1),
        )
    with pytest.raises(ValidationError, match="before 1990"):  # 01/01/1900: a typing error
        services.assignment_create(
            actor=superuser(),
            user=world.users["nobody"],
            role=Role.objects.get(code="leader"),
            unit=world.commune_a,
            valid_from=date(1900, 1, 1),
        )
    assert not RoleAssignment.objects.filter(user=world.users["nobody"]).exists()


def test_organisation_must_be_in_or_above_the_unit(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.assignment_create(
            actor=superuser(),
            user=world.users["nobody"],
            role=Role.objects.get(code="leader"),
            unit=world.commune_a,
            organisation=world.orgs["women_ca2"],
        )


def test_second_factor_required_only_by_a_current_assignment(world):
    assert services.requires_second_factor(world.users["admin_a"])
    assert not services.requires_second_factor(world.users["officer_ca"])
    RoleAssignment.objects.filter(user=world.users["admin_a"]).update(valid_to=date(2025, 12, 31))
    assert not services.requires_second_factor(world.users["admin_a"])


def test_default_roles_are_seeded():
    codes = set(Role.objects.values_list("code", flat=True))
    assert {
        "system_admin",
        "commission_officer",
        "organisation_officer",
        "reception_officer",
        "leader",
        "opinion_analyst",
    } <= codes
    assert Role.objects.get(code="system_admin").requires_2fa


def test_account_administration_lists_refuse_who_may_not_see_them(client, world):
    from django.urls import reverse

    lists = ("accounts:user-list", "accounts:assignment-list", "accounts:role-list")
    client.force_login(world.users["officer_ca"])  # a commission officer: no account administration
    for name in lists:
        assert client.get(reverse(name)).status_code == 403, name
        assert client.get(reverse(name) + "?export=csv").status_code == 403, name
    client.force_login(world.users["admin_a"])
    for name in lists:
        assert client.get(reverse(name)).status_code == 200, name
