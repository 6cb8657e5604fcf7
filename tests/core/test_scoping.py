from datetime import date

import pytest

from danvan.accounts.models import RoleAssignment, User
from danvan.structure.models import Branch, Organisation, Unit
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_province_admin_sees_own_province_only(demo_world):
    w = demo_world
    units = Unit.objects.visible_to(w.users["admin_a"])
    assert units.filter(pk=w.commune_a.pk).exists()
    assert units.filter(pk=w.village_a.pk).exists()
    assert not units.filter(pk=w.commune_b.pk).exists()
    assert not units.filter(pk=w.village_b.pk).exists()
    # former provinces merged into province 86 roll up into its scope
    assert units.filter(level="legacy_province", successor=w.province_a).count() == 3


def test_commune_officer_sees_subtree_not_siblings(demo_world):
    w = demo_world
    officer = w.users["officer_ca"]
    assert set(Unit.objects.visible_to(officer).values_list("pk", flat=True)) == {
        w.commune_a.pk,
        w.village_a.pk,
    }
    branches = Branch.objects.visible_to(officer)
    assert set(branches.values_list("pk", flat=True)) == {
        w.branches["women_va"].pk,
        w.branches["farmers_va"].pk,
    }


def test_organisation_subtree_narrows_the_scope(demo_world):
    w = demo_world
    officer = w.users["women_officer_ca"]
    branches = set(Branch.objects.visible_to(officer).values_list("pk", flat=True))
    assert branches == {w.branches["women_va"].pk}
    orgs = set(Organisation.objects.visible_to(officer).values_list("pk", flat=True))
    assert orgs == {w.orgs["women_ca"].pk}


def test_action_needs_the_permission(demo_world):
    w = demo_world
    # a commission officer may view but not add branches
    assert Branch.objects.visible_to(w.users["officer_ca"], "add").count() == 0
    assert Branch.objects.visible_to(w.users["women_officer_ca"], "add").count() == 1


def test_anonymous_and_unassigned_see_nothing(demo_world):
    from django.contrib.auth.models import AnonymousUser

    assert Unit.objects.visible_to(AnonymousUser()).count() == 0
    assert Unit.objects.visible_to(None).count() == 0
    assert Unit.objects.visible_to(demo_world.users["nobody"]).count() == 0


def test_expired_and_future_assignments_grant_nothing(demo_world):
    w = demo_world
    old = make_user(
        "old", "commission_officer", w.commune_a, valid_from=date(2025, 7, 1), valid_to=date(2025, 12, 31)
    )
    future = make_user("future", "commission_officer", w.commune_a, valid_from=date(2099, 1, 1))
    assert Unit.objects.visible_to(old).count() == 0
    assert Unit.objects.visible_to(future).count() == 0


def test_inactive_user_sees_nothing(demo_world):
    user = demo_world.users["admin_a"]
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.refresh_from_db()
    assert Unit.objects.visible_to(user).count() == 0


def test_path_prefix_does_not_match_sibling_codes(demo_world):
    """Province "8/" must never see "86/…": paths end with a separator."""
    w = demo_world
    assert all(u.path.endswith("/") for u in Unit.objects.filter(pk__in=[w.province_a.pk, w.commune_a.pk]))
    assignment = RoleAssignment.objects.get(user=w.users["officer_ca"])
    assert (
        Unit.objects.filter(path__startswith=assignment.unit_path)
        .exclude(path__startswith=w.commune_a.path)
        .count()
        == 0
    )


def test_organisation_narrowed_assignment_sees_the_units_of_its_subtree(demo_world):
    """Units and accounts have no organisation: the unit part of the assignment decides."""
    w = demo_world
    officer = w.users["women_officer_ca"]
    units = set(Unit.objects.visible_to(officer).values_list("pk", flat=True))
    assert units == {w.commune_a.pk, w.village_a.pk}
    # …while organisation-bound records stay narrowed to the Women's Union
    assert not Branch.objects.visible_to(officer).filter(pk=w.branches["farmers_va"].pk).exists()
