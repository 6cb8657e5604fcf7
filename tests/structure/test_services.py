"""Services of the structure: village codes and names, deactivation, branch placement, permissions,
and the all-or-nothing bulk imports."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from danvan.structure import services
from danvan.structure.models import Branch, BranchKind, Organisation, OrgType, Unit, UnitLevel, VillageKind
from tests.factories import superuser

pytestmark = pytest.mark.django_db


# --- villages -------------------------------------------------------------------------------------


def test_village_codes_follow_the_commune_code_and_count_up(world):
    root = superuser()
    commune = world.commune_a  # already has one village (…-001)
    second = services.village_create(actor=root, commune=commune, name="Ấp Mới")
    third = services.village_create(
        actor=root, commune=commune, name="Tổ dân phố 3", village_kind=VillageKind.TO_DAN_PHO
    )
    assert world.village_a.code == f"{commune.code}-001"
    assert second.code == f"{commune.code}-002"
    assert third.code == f"{commune.code}-003"
    assert third.path == f"{commune.path}{third.code}/"
    assert third.level == UnitLevel.VILLAGE and third.parent == commune and third.depth == 3
    # each commune counts on its own
    other = services.village_create(actor=root, commune=world.commune_a2, name="Ấp Mới")
    assert other.code == f"{world.commune_a2.code}-002"


def test_a_code_is_never_reused_after_deactivation(world):
    root = superuser()
    old = services.village_create(actor=root, commune=world.commune_a, name="Ấp Cũ")
    services.unit_deactivate(actor=root, unit=old)
    again = services.village_create(actor=root, commune=world.commune_a, name="Ấp Cũ")
    assert (old.code, again.code) == (f"{world.commune_a.code}-002", f"{world.commune_a.code}-003")


@pytest.mark.parametrize("name", ["Ấp Phú Hòa", "ap phu hoa", "  ẤP   PHÚ HOÀ "])
def test_duplicate_names_in_a_commune_are_refused_whatever_the_accents(world, name):
    with pytest.raises(ValidationError) as exc:
        services.village_create(actor=superuser(), commune=world.commune_a, name=name)
    assert "name" in exc.value.message_dict
    assert Unit.objects.filter(parent=world.commune_a, level=UnitLevel.VILLAGE).count() == 1


def test_the_same_name_is_fine_in_another_commune_or_after_deactivation(world):
    root = superuser()
    services.village_create(actor=root, commune=world.commune_a2, name="Ấp Phú Hòa")
    for key in ("women_va", "farmers_va"):
        services.branch_set_active(actor=root, branch=world.branches[key], active=False)
    services.unit_deactivate(actor=root, unit=world.village_a)
    services.village_create(actor=root, commune=world.commune_a, name="Ấp Phú Hòa")


def test_villages_only_under_a_commune_in_force(world):
    with pytest.raises(ValidationError):
        services.village_create(actor=superuser(), commune=world.province_a, name="Thôn X")
    with pytest.raises(ValidationError):
        services.village_create(actor=superuser(), commune=world.village_a, name="Thôn X")


def test_village_update_renames_and_keeps_the_code(world):
    village = services.village_update(
        actor=world.users["admin_a"],
        village=world.village_a,
        name="Ấp  Phú Hòa 2",
        village_kind=VillageKind.AP,
        population=1200,
    )
    village.refresh_from_db()
    assert village.name == "Ấp Phú Hòa 2" and village.search_name == "ap phu hoa 2"
    assert village.code == f"{world.commune_a.code}-001" and village.population == 1200


def test_only_villages_can_be_edited_or_deactivated(world):
    with pytest.raises(ValidationError):
        services.village_update(
            actor=superuser(), village=world.commune_a, name="X", village_kind="thon", population=None
        )
    with pytest.raises(ValidationError):
        services.unit_deactivate(actor=superuser(), unit=world.commune_a)


def test_deactivation_with_a_successor_moves_the_branches(world):
    root = superuser()
    successor = services.village_create(actor=root, commune=world.commune_a, name="Ấp Phú Hòa Mới")
    services.unit_deactivate(actor=root, unit=world.village_a, successor=successor)
    world.village_a.refresh_from_db()
    assert world.village_a.valid_to == timezone.localdate()
    assert world.village_a.successor == successor and world.village_a.current == successor
    for key in ("women_va", "farmers_va"):
        branch = Branch.objects.get(pk=world.branches[key].pk)
        assert branch.unit == successor and branch.unit_path == successor.path


def test_deactivation_refused_while_active_branches_have_nowhere_to_go(world):
    with pytest.raises(ValidationError):
        services.unit_deactivate(actor=superuser(), unit=world.village_a)
    world.village_a.refresh_from_db()
    assert world.village_a.valid_to is None


def test_successor_must_be_another_village_of_the_same_commune(world):
    root = superuser()
    with pytest.raises(ValidationError):
        services.unit_deactivate(actor=root, unit=world.village_a, successor=world.village_a2)
    with pytest.raises(ValidationError):
        services.unit_deactivate(actor=root, unit=world.village_a, successor=world.village_a)


def test_deactivation_cannot_end_before_it_began(world):
    with pytest.raises(ValidationError):
        services.unit_deactivate(
            actor=superuser(), unit=world.village_a2, on=world.village_a2.valid_from - timedelta(days=1)
        )


# --- permissions ----------------------------------------------------------------------------------


def test_view_only_and_other_province_users_cannot_change_villages(world):
    for user in (world.users["officer_ca"], world.users["admin_b"], world.users["nobody"]):
        with pytest.raises(PermissionDenied):
            services.village_create(actor=user, commune=world.commune_a, name="Ấp Cấm")
        with pytest.raises(PermissionDenied):
            services.village_update(
                actor=user, village=world.village_a, name="X", village_kind="thon", population=None
            )
    assert not Unit.objects.filter(name="Ấp Cấm").exists()


def test_province_admin_manages_villages_in_the_province_only(world):
    admin = world.users["admin_a"]
    assert services.village_create(actor=admin, commune=world.commune_a2, name="Ấp Được").pk
    with pytest.raises(PermissionDenied):
        services.village_create(actor=admin, commune=world.commune_b, name="Thôn Không")


def test_organisation_officer_adds_branches_of_her_organisation_only(world):
    officer = world.users["women_officer_ca"]
    branch = services.branch_create(
        actor=officer, organisation=world.orgs["women_ca"], unit=world.village_a, name="Tổ Phụ nữ 1"
    )
    assert branch.path.startswith(world.orgs["women_ca"].path)
    with pytest.raises(PermissionDenied):
        services.branch_create(
            actor=officer, organisation=world.orgs["farmers_ca"], unit=world.village_a, name="Tổ Nông dân 1"
        )
    with pytest.raises(PermissionDenied):  # same organisation tree, but in another commune
        services.branch_create(
            actor=officer, organisation=world.orgs["women_ca2"], unit=world.village_a2, name="Chi hội X"
        )


def test_commission_officer_cannot_change_organisations_or_branches(world):
    officer = world.users["officer_ca"]
    with pytest.raises(PermissionDenied):
        services.organisation_update(
            actor=officer, organisation=world.orgs["women_ca"], name="X", address="", phone="", email=""
        )
    with pytest.raises(PermissionDenied):
        services.branch_set_active(actor=officer, branch=world.branches["women_va"], active=False)


# --- organisations --------------------------------------------------------------------------------


def test_organisation_defaults_its_name_and_nests_its_path(world):
    farmers = OrgType.objects.get(code="farmers")
    org = services.organisation_create(
        actor=world.users["admin_a"], type=farmers, unit=world.commune_a2, parent=world.orgs["front_a"]
    )
    assert org.name == f"{farmers.name} {world.commune_a2.name}"
    assert org.path == f"{world.orgs['front_a'].path}o{org.pk}/" and org.unit_path == world.commune_a2.path


def test_organisation_parent_must_be_at_the_same_unit_or_above(world):
    women = OrgType.objects.get(code="women")
    with pytest.raises(ValidationError) as exc:
        services.organisation_create(
            actor=superuser(), type=women, unit=world.commune_a2, parent=world.orgs["women_ca"]
        )
    assert "parent" in exc.value.message_dict


def test_organisation_with_active_branches_cannot_be_deactivated(world):
    root = superuser()
    with pytest.raises(ValidationError):
        services.organisation_set_active(actor=root, organisation=world.orgs["women_ca"], active=False)
    services.branch_set_active(actor=root, branch=world.branches["women_va"], active=False)
    services.organisation_set_active(actor=root, organisation=world.orgs["women_ca"], active=False)
    assert not Organisation.objects.get(pk=world.orgs["women_ca"].pk).is_active


# --- branch placement -----------------------------------------------------------------------------


def test_branch_must_be_within_its_organisations_unit(world):
    with pytest.raises(ValidationError) as exc:
        services.branch_create(
            actor=superuser(), organisation=world.orgs["women_ca"], unit=world.village_a2, name="Sai chỗ"
        )
    assert "unit" in exc.value.message_dict


def test_branch_must_be_at_a_commune_or_village(world):
    with pytest.raises(ValidationError):
        services.branch_create(
            actor=superuser(), organisation=world.orgs["women_a"], unit=world.province_a, name="Tỉnh"
        )
    branch = services.branch_create(
        actor=superuser(), organisation=world.orgs["women_a"], unit=world.commune_a2, name="Xã"
    )
    assert branch.unit == world.commune_a2


def test_branch_cannot_be_placed_in_a_village_no_longer_in_force(world):
    root = superuser()
    services.branch_set_active(actor=root, branch=world.branches["women_va2"], active=False)
    Unit.objects.filter(pk=world.village_a2.pk).update(valid_from=date(2025, 7, 1))
    world.village_a2.refresh_from_db()
    services.unit_deactivate(actor=root, unit=world.village_a2, on=timezone.localdate() - timedelta(days=1))
    with pytest.raises(ValidationError):
        services.branch_create(
            actor=root, organisation=world.orgs["women_ca2"], unit=world.village_a2, name="Chi hội cũ"
        )


def test_parent_branch_must_belong_to_the_same_organisation(world):
    with pytest.raises(ValidationError):
        services.branch_create(
            actor=superuser(),
            organisation=world.orgs["women_ca"],
            unit=world.village_a,
            name="Tổ 1",
            parent=world.branches["farmers_va"],
        )
    child = services.branch_create(
        actor=superuser(),
        organisation=world.orgs["women_ca"],
        unit=world.village_a,
        name="Tổ 1",
        parent=world.branches["women_va"],
    )
    assert child.path.startswith(world.branches["women_va"].path)


def test_branch_names_are_unique_within_an_organisation(world):
    with pytest.raises(ValidationError):
        services.branch_create(
            actor=superuser(),
            organisation=world.orgs["women_ca"],
            unit=world.village_a,
            name="chi hoi phu nu ap phu hoa",
        )


# --- bulk imports ---------------------------------------------------------------------------------


def test_villages_import_creates_all_with_consecutive_codes(world):
    items = [
        services.VillageItem(row=2, commune=world.commune_a, name="Ấp Một"),
        services.VillageItem(
            row=3, commune=world.commune_a2, name="Ấp Hai", village_kind=VillageKind.AP, population=900
        ),
        services.VillageItem(row=4, commune=world.commune_a, name="Ấp Ba"),
    ]
    created = services.villages_import(actor=world.users["admin_a"], items=items)
    assert [v.code for v in created] == [
        f"{world.commune_a.code}-002",
        f"{world.commune_a2.code}-002",
        f"{world.commune_a.code}-003",
    ]
    assert Unit.objects.get(code=f"{world.commune_a2.code}-002").population == 900
    # single creation continues after the imported codes
    nxt = services.village_create(actor=superuser(), commune=world.commune_a, name="Ấp Bốn")
    assert nxt.code == f"{world.commune_a.code}-004"


def test_villages_import_is_all_or_nothing_and_reports_every_row(world):
    admin = world.users["admin_a"]
    items = [
        services.VillageItem(row=2, commune=world.commune_a, name="Ấp Tốt"),
        services.VillageItem(row=3, commune=world.commune_a, name="ap phu hoa"),  # exists already
        services.VillageItem(row=4, commune=world.commune_b, name="Thôn Ngoài"),  # out of scope
        services.VillageItem(row=5, commune=world.commune_a, name="Ấp Tốt"),  # twice in the file
        services.VillageItem(row=6, commune=world.commune_a, name="   "),
    ]
    errors = services.villages_import_check(actor=admin, items=items)
    assert sorted(errors) == [3, 4, 5, 6]
    assert "row 2" in errors[5][0]
    with pytest.raises(ValidationError) as exc:
        services.villages_import(actor=admin, items=items)
    assert len(exc.value.messages) == 4
    assert not Unit.objects.filter(name="Ấp Tốt").exists()


def test_branches_import_checks_place_permission_and_duplicates(world):
    officer = world.users["women_officer_ca"]
    women_ca = world.orgs["women_ca"]
    items = [
        services.BranchItem(
            row=2, organisation=women_ca, unit=world.village_a, name="Tổ 1", kind=BranchKind.TO_HOI
        ),
        services.BranchItem(
            row=3, organisation=women_ca, unit=world.village_a2, name="Tổ 2"
        ),  # outside the org's unit
        services.BranchItem(
            row=4, organisation=world.orgs["farmers_ca"], unit=world.village_a, name="Tổ 3"
        ),  # no permission
        services.BranchItem(
            row=5, organisation=women_ca, unit=world.village_a, name="Chi hội Phụ nữ ấp Phú Hòa"
        ),  # exists
        services.BranchItem(
            row=6, organisation=women_ca, unit=world.village_a, name="Tổ 4", founded_on=date(2999, 1, 1)
        ),
    ]
    errors = services.branches_import_check(actor=officer, items=items)
    assert sorted(errors) == [3, 4, 5, 6]
    with pytest.raises(ValidationError):
        services.branches_import(actor=officer, items=items)
    assert not Branch.objects.filter(name="Tổ 1").exists()
    created = services.branches_import(actor=officer, items=items[:1])
    assert created[0].path == f"{women_ca.path}b{created[0].pk}/" and created[0].kind == BranchKind.TO_HOI
