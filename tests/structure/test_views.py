"""Pages of the structure: detail pages, the forms that change villages, organisations and branches,
their choices limited to the user's scope, out-of-scope 404s, and no N+1 queries on lists."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from danvan.structure import services
from danvan.structure.forms import BranchForm, OrganisationCreateForm, VillageDeactivateForm
from danvan.structure.models import Branch, BranchKind, Organisation, OrgType, Unit, UnitLevel, VillageKind
from tests.factories import superuser

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"structure:{name}", args=args)


# --- detail pages ---------------------------------------------------------------------------------


def test_commune_page_shows_ancestors_counts_children_and_actions(world, client_for):
    page = client_for(world.users["admin_a"]).get(url("unit-detail", world.commune_a.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert world.province_a.name in html  # breadcrumb
    assert world.village_a.name in html and world.orgs["women_ca"].name in html
    assert page.context["counts"] == {"communes": 0, "villages": 1, "organisations": 2, "branches": 2}
    assert url("unit-create", world.commune_a.pk) in html and url("unit-import") in html
    assert world.commune_a.pk > 999  # so that a localised "3.558" would show below
    assert f"{url('organisation-create')}?unit={world.commune_a.pk}" in html


def test_view_only_user_sees_no_actions(world, client_for):
    client = client_for(world.users["officer_ca"])
    html = client.get(url("unit-detail", world.commune_a.pk)).content.decode()
    assert url("unit-create", world.commune_a.pk) not in html
    # the province above is outside the officer's scope: not in the breadcrumbs
    assert client.get(url("unit-detail", world.commune_a.pk)).context["ancestors"] == []
    html = client.get(url("organisation-detail", world.orgs["women_ca"].pk)).content.decode()
    assert url("organisation-update", world.orgs["women_ca"].pk) not in html
    assert url("organisation-deactivate", world.orgs["women_ca"].pk) not in html
    html = client.get(url("branch-detail", world.branches["women_va"].pk)).content.decode()
    assert url("branch-update", world.branches["women_va"].pk) not in html


def test_organisation_page_lists_sub_organisations_branches_and_counts(world, client_for):
    response = client_for(world.users["admin_a"]).get(url("organisation-detail", world.orgs["women_a"].pk))
    html = response.content.decode()
    assert world.orgs["women_ca"].name in html and world.orgs["women_ca2"].name in html
    assert response.context["counts"] == {"organisations": 2, "branches": 2, "own_branches": 0}
    assert [a.pk for a in response.context["ancestors"]] == [world.orgs["front_a"].pk]
    for name in ("organisation-update", "organisation-deactivate"):
        assert url(name, world.orgs["women_a"].pk) in html
    assert f"{url('branch-create')}?organisation={world.orgs['women_a'].pk}" in html


def test_branch_page_shows_its_organisation_and_actions(world, client_for):
    branch = world.branches["women_va"]
    response = client_for(world.users["women_officer_ca"]).get(url("branch-detail", branch.pk))
    html = response.content.decode()
    assert branch.name in html and world.orgs["women_ca"].name in html
    assert url("branch-update", branch.pk) in html and url("branch-deactivate", branch.pk) in html


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("unit-detail", "village_b"),
        ("unit-children", "commune_b"),
        ("unit-create", "commune_b"),
        ("unit-update", "village_b"),
        ("unit-deactivate", "village_b"),
        ("organisation-detail", "women_cb"),
        ("organisation-children", "women_cb"),
        ("organisation-update", "women_cb"),
        ("organisation-deactivate", "women_cb"),
        ("organisation-activate", "women_cb"),
        ("branch-detail", "women_vb"),
        ("branch-children", "women_vb"),
        ("branch-update", "women_vb"),
        ("branch-deactivate", "women_vb"),
        ("branch-activate", "women_vb"),
    ],
)
def test_out_of_scope_objects_answer_404_to_every_method(world, client_for, name, key):
    obj = getattr(world, key, None) or world.orgs.get(key) or world.branches.get(key)
    client = client_for(world.users["admin_a"])
    assert client.get(url(name, obj.pk)).status_code == 404
    read_only = name.endswith("-detail")  # DetailView refuses the method before looking
    assert client.post(url(name, obj.pk), {"name": "X"}).status_code == (405 if read_only else 404)
    assert client.get(url(name, 999_999)).status_code == 404
    # …while the same page for the other province's administrator works
    assert client_for(world.users["admin_b"]).get(url(name, obj.pk)).status_code in (200, 405)


def test_changes_need_the_permission_not_only_the_view(world, client_for):
    client = client_for(world.users["officer_ca"])  # may view commune_a, not change it
    assert client.get(url("unit-detail", world.village_a.pk)).status_code == 200
    assert client.get(url("unit-update", world.village_a.pk)).status_code == 404
    assert (
        client.post(
            url("unit-create", world.commune_a.pk), {"name": "Ấp X", "village_kind": "thon"}
        ).status_code
        == 404
    )
    assert client.post(url("branch-deactivate", world.branches["women_va"].pk)).status_code == 404
    assert Branch.objects.get(pk=world.branches["women_va"].pk).is_active
    assert client.get(url("organisation-create")).status_code == 403
    assert client.get(url("branch-create")).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(world, client):
    for name, args in (("unit-tree", ()), ("unit-detail", (world.village_a.pk,)), ("branch-create", ())):
        response = client.get(url(name, *args))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- villages -------------------------------------------------------------------------------------


def test_create_a_village_from_the_commune(world, client_for):
    client = client_for(world.users["admin_a"])
    assert client.get(url("unit-create", world.commune_a.pk)).status_code == 200
    response = client.post(
        url("unit-create", world.commune_a.pk),
        {"name": " Tổ  dân phố 7 ", "village_kind": "to_dan_pho", "population": "800"},
    )
    village = Unit.objects.get(parent=world.commune_a, name="Tổ dân phố 7")
    assert response.status_code == 302 and response["Location"] == village.get_absolute_url()
    assert village.village_kind == VillageKind.TO_DAN_PHO and village.population == 800
    assert village.code == f"{world.commune_a.code}-002"
    messages = [str(m) for m in client.get(village.get_absolute_url()).context["messages"]]
    assert any(village.code in m for m in messages)


def test_save_and_add_another_returns_to_the_form(world, client_for):
    response = client_for(world.users["admin_a"]).post(
        url("unit-create", world.commune_a.pk), {"name": "Ấp Tiếp", "village_kind": "ap", "add_another": "1"}
    )
    assert response["Location"] == url("unit-create", world.commune_a.pk)


def test_duplicate_village_name_is_shown_on_the_form_and_nothing_is_created(world, client_for):
    response = client_for(world.users["admin_a"]).post(
        url("unit-create", world.commune_a.pk), {"name": "ap phu hoa", "village_kind": "ap"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert "already has a village" in response.content.decode()
    assert Unit.objects.filter(parent=world.commune_a).count() == 1


def test_villages_are_added_to_communes_only(world, client_for):
    client = client_for(world.users["admin_a"])
    response = client.get(url("unit-create", world.village_a.pk))
    assert response.status_code == 302 and response["Location"] == world.village_a.get_absolute_url()
    client.post(url("unit-create", world.province_a.pk), {"name": "Ấp Tỉnh", "village_kind": "ap"})
    assert not Unit.objects.filter(name="Ấp Tỉnh").exists()


def test_edit_a_village(world, client_for):
    client = client_for(world.users["admin_a"])
    form = client.get(url("unit-update", world.village_a.pk)).context["form"]
    assert form.initial["name"] == world.village_a.name
    response = client.post(
        url("unit-update", world.village_a.pk),
        {"name": "Ấp Phú Hòa Đông", "village_kind": "ap", "population": ""},
    )
    assert response.status_code == 302
    world.village_a.refresh_from_db()
    assert world.village_a.name == "Ấp Phú Hòa Đông" and world.village_a.population is None


def test_communes_cannot_be_edited_here(world, client_for):
    response = client_for(world.users["admin_a"]).post(
        url("unit-update", world.commune_a.pk), {"name": "Xã Mới", "village_kind": "thon"}
    )
    assert response.status_code == 302
    assert Unit.objects.get(pk=world.commune_a.pk).name != "Xã Mới"


def test_deactivate_a_village_with_a_successor(world, client_for):
    successor = services.village_create(actor=superuser(), commune=world.commune_a, name="Ấp Phú Hòa Mới")
    client = client_for(world.users["admin_a"])
    page = client.get(url("unit-deactivate", world.village_a.pk))
    assert page.status_code == 200
    assert list(page.context["form"].fields["successor"].queryset) == [successor]
    response = client.post(
        url("unit-deactivate", world.village_a.pk),
        {"on": page.context["form"].fields["on"].initial.isoformat(), "successor": successor.pk},
    )
    assert response.status_code == 302
    world.village_a.refresh_from_db()
    assert world.village_a.valid_to is not None and world.village_a.successor == successor
    assert Branch.objects.get(pk=world.branches["women_va"].pk).unit == successor
    # a second time only says it is done already
    assert client.get(url("unit-deactivate", world.village_a.pk)).status_code == 302


def test_deactivation_refused_by_the_service_is_shown_on_the_form(world, client_for):
    response = client_for(world.users["admin_a"]).post(
        url("unit-deactivate", world.village_a.pk), {"on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 200
    assert "Active branches" in response.content.decode()
    assert Unit.objects.get(pk=world.village_a.pk).valid_to is None


def test_successor_choices_are_villages_of_the_same_commune(world):
    form = VillageDeactivateForm(actor=superuser(), village=world.village_a)
    other = services.village_create(actor=superuser(), commune=world.commune_a, name="Ấp Khác")
    assert set(form.fields["successor"].queryset) == {other}


# --- organisations --------------------------------------------------------------------------------


def test_organisation_form_offers_only_units_and_parents_in_scope(world):
    form = OrganisationCreateForm(actor=world.users["admin_a"])
    units = set(form.fields["unit"].queryset)
    parents = set(form.fields["parent"].queryset)
    assert {world.province_a, world.commune_a, world.village_a} <= units
    assert not {world.province_b, world.commune_b, world.village_b} & units
    assert all(u.path.startswith(world.province_a.path) for u in units)
    assert not any(u.level == UnitLevel.LEGACY_PROVINCE for u in units)
    assert world.orgs["women_ca"] in parents and world.orgs["front_b"] not in parents
    assert set(Organisation.objects.visible_to(world.users["admin_a"]).filter(is_active=True)) == parents


def test_create_an_organisation(world, client_for):
    client = client_for(world.users["admin_a"])
    page = client.get(url("organisation-create") + f"?parent={world.orgs['front_a'].pk}")
    assert page.context["form"].initial == {"parent": world.orgs["front_a"].pk, "unit": world.province_a.pk}
    youth = OrgType.objects.get(code="youth")
    response = client.post(
        url("organisation-create"),
        {
            "type": youth.pk,
            "unit": world.commune_a.pk,
            "parent": world.orgs["front_a"].pk,
            "name": "",
            "phone": "0290 3812 345",
        },
    )
    org = Organisation.objects.get(type=youth, unit=world.commune_a)
    assert response.status_code == 302 and response["Location"] == org.get_absolute_url()
    assert org.name == f"{youth.name} {world.commune_a.name}" and org.parent == world.orgs["front_a"]


def test_an_out_of_scope_unit_posted_by_hand_is_refused(world, client_for):
    youth = OrgType.objects.get(code="youth")
    response = client_for(world.users["admin_a"]).post(
        url("organisation-create"), {"type": youth.pk, "unit": world.commune_b.pk}
    )
    assert response.status_code == 200 and response.context["form"].errors["unit"]
    assert not Organisation.objects.filter(type=youth).exists()


def test_service_refusal_is_shown_on_the_right_field(world, client_for):
    women = OrgType.objects.get(code="women")
    response = client_for(world.users["admin_a"]).post(
        url("organisation-create"),
        {"type": women.pk, "unit": world.commune_a2.pk, "parent": world.orgs["women_ca"].pk},
    )
    assert response.status_code == 200
    assert "same unit or above" in response.context["form"].errors["parent"][0]


def test_bad_phone_and_email_are_refused(world, client_for):
    response = client_for(world.users["admin_a"]).post(
        url("organisation-update", world.orgs["women_ca"].pk),
        {"name": "Hội X", "phone": "abc", "email": "not-mail"},
    )
    errors = response.context["form"].errors
    assert "phone" in errors and "email" in errors


def test_edit_an_organisation(world, client_for):
    org = world.orgs["women_ca"]
    response = client_for(world.users["women_officer_ca"]).post(
        url("organisation-update", org.pk),
        {"name": "Hội LHPN Xã A", "address": "Ấp Phú Hòa", "phone": "", "email": "hoi@example.vn"},
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.name == "Hội LHPN Xã A" and org.email == "hoi@example.vn"


def test_deactivate_and_reactivate_are_post_only(world, client_for):
    client = client_for(world.users["admin_a"])
    org = world.orgs["women_ca2"]
    assert client.get(url("organisation-deactivate", org.pk)).status_code == 405
    response = client.post(url("organisation-deactivate", org.pk))
    assert response.status_code == 302
    assert Organisation.objects.get(pk=org.pk).is_active  # it still has an active branch
    assert any("still has active" in str(m) for m in client.get(org.get_absolute_url()).context["messages"])
    client.post(url("branch-deactivate", world.branches["women_va2"].pk))
    client.post(url("organisation-deactivate", org.pk))
    assert not Organisation.objects.get(pk=org.pk).is_active
    client.post(url("organisation-activate", org.pk))
    assert Organisation.objects.get(pk=org.pk).is_active


# --- branches -------------------------------------------------------------------------------------


def test_branch_form_offers_places_within_the_organisation_and_scope(world):
    form = BranchForm(actor=world.users["admin_a"], organisation=world.orgs["women_ca"])
    assert set(form.fields["unit"].queryset) == {world.commune_a, world.village_a}
    assert set(form.fields["parent"].queryset) == {world.branches["women_va"]}
    assert form.fields["kind"].initial == BranchKind.CHI_HOI
    youth = services.organisation_create(
        actor=superuser(),
        type=OrgType.objects.get(code="youth"),
        unit=world.commune_a,
        parent=world.orgs["front_a"],
    )
    assert (
        BranchForm(actor=world.users["admin_a"], organisation=youth).fields["kind"].initial
        == BranchKind.CHI_DOAN
    )


def test_branch_create_first_asks_for_the_organisation(world, client_for):
    client = client_for(world.users["admin_a"])
    page = client.get(url("branch-create"))
    orgs = set(page.context["form"].fields["organisation"].queryset)
    assert world.orgs["women_ca"] in orgs and world.orgs["women_cb"] not in orgs
    assert client.get(url("branch-create") + f"?organisation={world.orgs['women_cb'].pk}").status_code == 404
    again = client.get(url("branch-create") + "?organisation=")
    assert again.status_code == 200 and again.context["form"].errors["organisation"]


def test_create_a_branch(world, client_for):
    org = world.orgs["women_ca"]
    client = client_for(world.users["women_officer_ca"])
    # the organisation officer may add branches, but with an organisation-bound assignment she sees no unit
    # (core scoping); an administrator of the commune's province places it
    client = client_for(world.users["admin_a"])
    create = url("branch-create") + f"?organisation={org.pk}"
    response = client.post(
        create,
        {
            "name": "Tổ Phụ nữ 2",
            "kind": "to_hoi",
            "unit": world.village_a.pk,
            "parent": world.branches["women_va"].pk,
            "leader_name": "Trần Thị C",
            "leader_phone": "0912 345 678",
            "founded_on": "2024-05-01",
        },
    )
    branch = Branch.objects.get(name="Tổ Phụ nữ 2")
    assert response.status_code == 302 and response["Location"] == branch.get_absolute_url()
    assert branch.parent == world.branches["women_va"] and branch.path.startswith(
        world.branches["women_va"].path
    )
    assert branch.founded_on.isoformat() == "2024-05-01"


def test_branch_in_another_commune_is_refused(world, client_for):
    org = world.orgs["women_ca"]
    response = client_for(world.users["admin_a"]).post(
        url("branch-create") + f"?organisation={org.pk}",
        {"name": "Tổ Xa", "kind": "to_hoi", "unit": world.village_a2.pk},
    )
    assert response.status_code == 200 and response.context["form"].errors["unit"]
    assert not Branch.objects.filter(name="Tổ Xa").exists()


def test_future_founding_date_is_refused(world, client_for):
    response = client_for(world.users["admin_a"]).post(
        url("branch-create") + f"?organisation={world.orgs['women_ca'].pk}",
        {"name": "Tổ Tương Lai", "kind": "to_hoi", "unit": world.village_a.pk, "founded_on": "2999-01-01"},
    )
    assert response.context["form"].errors["founded_on"]


def test_organisation_officer_places_branches_in_her_communes_villages(world, client_for):
    """An assignment narrowed to an organisation still covers the units of its unit subtree (ADR 0004):
    the Women's Union officer of a commune can place her branches in that commune's villages only."""
    branch = world.branches["women_va"]
    client = client_for(world.users["women_officer_ca"])
    page = client.get(url("branch-update", branch.pk))
    choices = {str(v) for v, _ in page.context["form"].fields["unit"].choices if v}
    assert str(world.village_a.pk) in choices and str(world.commune_a.pk) in choices
    assert str(world.village_a2.pk) not in choices and str(world.village_b.pk) not in choices
    response = client.post(
        url("branch-update", branch.pk),
        {
            "name": "Chi hội PN Phú Hòa",
            "kind": "chi_hoi",
            "unit": world.village_a.pk,
            "leader_name": "Lê Thị D",
        },
    )
    assert response.status_code == 302
    branch.refresh_from_db()
    assert (
        branch.name == "Chi hội PN Phú Hòa"
        and branch.unit == world.village_a
        and branch.leader_name == "Lê Thị D"
    )
    refused = client.post(
        url("branch-update", branch.pk), {"name": branch.name, "kind": "chi_hoi", "unit": world.village_b.pk}
    )
    assert refused.status_code == 200
    branch.refresh_from_db()
    assert branch.unit == world.village_a


def test_move_a_branch_to_another_place(world, client_for):
    branch = world.branches["women_va"]
    client_for(world.users["admin_a"]).post(
        url("branch-update", branch.pk), {"name": branch.name, "kind": "chi_hoi", "unit": world.commune_a.pk}
    )
    branch.refresh_from_db()
    assert branch.unit == world.commune_a and branch.unit_path == world.commune_a.path


def test_deactivate_a_branch(world, client_for):
    branch = world.branches["farmers_va"]
    client = client_for(world.users["admin_a"])
    assert client.post(url("branch-deactivate", branch.pk)).status_code == 302
    assert not Branch.objects.get(pk=branch.pk).is_active
    client.post(url("branch-activate", branch.pk))
    assert Branch.objects.get(pk=branch.pk).is_active


# --- choices --------------------------------------------------------------------------------------


def test_choice_search_finds_only_visible_rows_without_accents(world, client_for):
    client = client_for(world.users["admin_a"])
    html = client.get(url("unit-choices") + "?levels=village&q=phu+hoa").content.decode()
    assert f'value="{world.village_a.pk}"' in html
    html = client.get(url("unit-choices") + "?levels=village&q=thon+dong").content.decode()
    assert f'value="{world.village_b.pk}"' not in html  # province 01
    html = client.get(url("organisation-choices") + "?q=phu+nu").content.decode()
    assert (
        f'value="{world.orgs["women_ca"].pk}"' in html and f'value="{world.orgs["women_cb"].pk}"' not in html
    )
    html = client.get(url("branch-choices") + f"?organisation={world.orgs['women_cb'].pk}").content.decode()
    assert f'value="{world.branches["women_vb"].pk}"' not in html


def test_long_lists_render_a_limited_select_with_a_search_box(world, client_for):
    """A superuser's unit choice covers the whole country: the page renders at most 100 options."""
    page = client_for(superuser()).get(url("organisation-create") + f"?unit={world.commune_b.pk}")
    html = page.content.decode()
    field_html = str(page.context["form"]["unit"])
    assert field_html.count("<option") <= 102
    assert f'value="{world.commune_b.pk}" selected' in field_html  # the chosen one is always there
    assert 'hx-get="/structure/units/choices/' in html


# --- lists: constant number of queries ------------------------------------------------------------


@pytest.mark.parametrize("name", ["unit-list", "organisation-list", "branch-list"])
def test_lists_make_no_query_per_row(world, client_for, django_assert_max_num_queries, name):
    client = client_for(world.users["admin_a"])
    client.get(url(name))  # warm the session and permission caches
    with django_assert_max_num_queries(20) as few:
        client.get(url(name))
    root = superuser()
    for i in range(15):
        village = services.village_create(actor=root, commune=world.commune_a2, name=f"Ấp Số {i}")
        org = services.organisation_create(
            actor=root,
            type=OrgType.objects.get(code="farmers"),
            unit=village,
            name=f"Hội {i}",
            parent=world.orgs["front_a"],
        )
        services.branch_create(actor=root, organisation=org, unit=village, name=f"Chi hội {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url(name))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "name", ["structure:unit-list", "structure:organisation-list", "structure:branch-list"]
)
def test_lists_count_their_rows_once(world, client_for, django_assert_max_num_queries, name):
    """The table paginates; the view itself must not count the same rows a second time."""
    client = client_for(superuser())
    client.get(reverse(name))
    with django_assert_max_num_queries(60) as captured:
        response = client.get(reverse(name))
    assert response.status_code == 200
    counts = [
        q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT COUNT(")
    ]
    bell = [sql for sql in counts if '"cases_notification"' in sql]
    assert len(bell) == 1, counts  # the top bar's unread count, once per page
    assert len(counts) - len(bell) == 1, counts


def test_list_pages_past_the_first(world, client_for):
    root = superuser()
    for i in range(55):
        services.village_create(actor=root, commune=world.commune_a2, name=f"Ấp Trang {i:02d}")
    client = client_for(root)
    first = client.get(url("unit-list") + "?q=Ấp Trang")
    second = client.get(url("unit-list") + "?q=Ấp Trang&page=2")
    assert first.context["table"].page.paginator.count == 55
    assert len(first.context["table"].page.object_list) == 50
    assert len(second.context["table"].page.object_list) == 5


@pytest.mark.parametrize(
    ("name", "key"),
    [("unit-detail", "commune_a"), ("organisation-detail", "women_a"), ("branch-detail", "women_va")],
)
def test_detail_pages_make_no_query_per_row(world, client_for, django_assert_max_num_queries, name, key):
    obj = getattr(world, key, None) or world.orgs.get(key) or world.branches.get(key)
    client = client_for(world.users["admin_a"])
    client.get(url(name, obj.pk))
    with django_assert_max_num_queries(40) as few:
        client.get(url(name, obj.pk))
    root = superuser()
    for i in range(10):
        services.village_create(actor=root, commune=world.commune_a, name=f"Ấp Thêm {i}")
        services.organisation_create(
            actor=root,
            type=OrgType.objects.get(code="youth"),
            unit=world.commune_a,
            name=f"Đoàn {i}",
            parent=world.orgs["women_a"],
        )
        services.branch_create(
            actor=root,
            organisation=world.orgs["women_ca"],
            unit=world.village_a,
            name=f"Tổ {i}",
            parent=world.branches["women_va"],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url(name, obj.pk)).status_code == 200


def test_village_kinds_display_in_the_commune_table(world, client_for):
    services.village_create(
        actor=superuser(), commune=world.commune_a, name="Bản Cao", village_kind=VillageKind.BAN
    )
    html = client_for(world.users["admin_a"]).get(url("unit-detail", world.commune_a.pk)).content.decode()
    assert "Bản Cao" in html and str(VillageKind.BAN.label) in html


def test_a_single_search_result_is_selected(world, client_for):
    html = (
        client_for(world.users["admin_a"])
        .get(url("unit-choices") + "?levels=village&q=phu+hoa")
        .content.decode()
    )
    assert f'value="{world.village_a.pk}" selected' in html


def test_branch_list_filters_by_status(world, client_for):
    services.branch_set_active(actor=superuser(), branch=world.branches["farmers_va"], active=False)
    client = client_for(world.users["admin_a"])
    names = lambda q: {row.record.name for row in client.get(url("branch-list") + q).context["table"].rows}  # noqa: E731
    assert world.branches["farmers_va"].name not in names("?is_active=true")
    assert names("?is_active=false") == {world.branches["farmers_va"].name}
    assert world.branches["farmers_va"].name in names("")


def test_sub_organisation_of_a_union_defaults_to_its_type(world, client_for):
    client = client_for(world.users["admin_a"])
    form = client.get(url("organisation-create") + f"?parent={world.orgs['women_a'].pk}").context["form"]
    assert form.initial["type"] == world.orgs["women_a"].type_id
    form = client.get(url("organisation-create") + f"?parent={world.orgs['front_a'].pk}").context["form"]
    assert "type" not in form.initial
    # a parent outside the scope is ignored, not shown
    form = client.get(url("organisation-create") + f"?parent={world.orgs['front_b'].pk}").context["form"]
    assert "parent" not in form.initial


def test_a_units_kind_reads_as_people_write_it(world, client_for):
    # the reference data writes the division type in lower case ("phường"); villages have their own kind
    assert Unit(level=UnitLevel.COMMUNE, division_type="phường").kind_label == "Phường"
    assert Unit(level=UnitLevel.VILLAGE, village_kind=VillageKind.AP).kind_label == str(VillageKind.AP.label)
    assert Unit(level=UnitLevel.COMMUNE).kind_label == str(UnitLevel.COMMUNE.label)
    Unit.objects.filter(pk=world.commune_a.pk).update(division_type="phường")
    client = client_for(world.users["admin_a"])
    page = client.get(reverse("structure:unit-list") + f"?q={world.commune_a.name}").content.decode()
    assert "Phường" in page and ">phường<" not in page


def test_admin_picks_a_unit_by_typing_its_name_and_cannot_change_units(world, client):
    """The Django admin's reference rows (an opinion source, an alert rule) choose their unit by type-ahead over
    the folded names; the units themselves are read only there."""
    client.force_login(superuser())
    found = client.get(
        "/django-admin/autocomplete/",
        {
            "app_label": "opinion",
            "model_name": "source",
            "field_name": "unit",
            "term": world.commune_a.name.upper(),
        },
    )
    assert found.status_code == 200
    ids = [int(r["id"]) for r in found.json()["results"]]
    assert world.commune_a.pk in ids and world.commune_b.pk not in ids
    by_code = client.get(
        "/django-admin/autocomplete/",
        {
            "app_label": "opinion",
            "model_name": "alertrule",
            "field_name": "unit",
            "term": world.province_a.code,
        },
    ).json()["results"]
    assert str(world.province_a.pk) in [r["id"] for r in by_code]
    assert client.get("/django-admin/structure/unit/").status_code == 200
    assert client.get("/django-admin/structure/unit/add/").status_code == 403
    page = client.get(f"/django-admin/structure/unit/{world.commune_a.pk}/change/").content.decode()
    assert 'name="name"' not in page  # shown, not editable
