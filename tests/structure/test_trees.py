"""The tree pages: units and organisations expanded on demand with HTMX, accent-insensitive search,
only rows in the user's scope, a constant number of queries per level."""

from __future__ import annotations

import pytest
from django.urls import reverse

from danvan.structure import selectors, services
from danvan.structure.models import OrgType, Unit, UnitLevel
from tests.factories import superuser

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"structure:{name}", args=args)


def test_unit_tree_starts_at_the_top_of_the_users_scope(world, client_for):
    response = client_for(world.users["admin_a"]).get(url("unit-tree"))
    assert response.status_code == 200
    assert [u.pk for u in response.context["nodes"]] == [world.province_a.pk]
    html = response.content.decode()
    assert (
        f'hx-get="{url("unit-children", world.province_a.pk)}"' in html and 'hx-trigger="toggle once"' in html
    )

    officer = client_for(world.users["officer_ca"]).get(url("unit-tree"))
    assert [u.pk for u in officer.context["nodes"]] == [world.commune_a.pk]

    national = client_for(superuser()).get(url("unit-tree"))
    nodes = list(national.context["nodes"])
    assert len(nodes) == 34 and {u.level for u in nodes} == {UnitLevel.PROVINCE}


def test_unit_without_scope_sees_an_empty_tree(world, client_for):
    response = client_for(world.users["nobody"]).get(url("unit-tree"))
    assert response.status_code == 200 and not response.context["nodes"]


def test_children_are_loaded_level_by_level(world, client_for):
    client = client_for(world.users["admin_a"])
    province = client.get(url("unit-children", world.province_a.pk), **HTMX)
    children = list(province.context["nodes"])
    communes = [u for u in children if u.level == UnitLevel.COMMUNE]
    assert communes and communes == sorted(communes, key=lambda u: u.search_name)
    assert {u.level for u in children} == {UnitLevel.COMMUNE, UnitLevel.LEGACY_PROVINCE}
    assert children[-1].level == UnitLevel.LEGACY_PROVINCE  # former provinces come last
    first = next(u for u in children if u.pk == world.commune_a.pk)
    assert first.n_children == 1
    commune = client.get(url("unit-children", world.commune_a.pk), **HTMX)
    assert [u.pk for u in commune.context["nodes"]] == [world.village_a.pk]
    assert "<html" not in commune.content.decode()  # a fragment, not a page


def test_villages_no_longer_in_force_stay_in_the_tree_after_the_others(world, client_for):
    root = superuser()
    old = services.village_create(actor=root, commune=world.commune_a, name="Ấp A Cũ")
    services.unit_deactivate(actor=root, unit=old)
    nodes = list(
        client_for(world.users["admin_a"]).get(url("unit-children", world.commune_a.pk)).context["nodes"]
    )
    assert [u.pk for u in nodes] == [world.village_a.pk, old.pk]
    commune = next(u for u in selectors.unit_tree_roots(actor=world.users["officer_ca"]))
    assert (commune.n_children, commune.n_all_children) == (1, 2)


def test_unit_search_ignores_accents_and_case(world, client_for):
    client = client_for(world.users["admin_a"])
    for q in ("phu hoa", "PHÚ HÒA", "Phú Hoà", "ap phu"):
        response = client.get(url("unit-tree"), {"q": q}, **HTMX)
        assert world.village_a in response.context["results"], q
    response = client.get(url("unit-tree"), {"q": "phu hoa"}, **HTMX)
    result = next(u for u in response.context["results"] if u.pk == world.village_a.pk)
    assert [a.pk for a in result.trail] == [world.province_a.pk, world.commune_a.pk]
    # an exact code finds the unit too
    assert world.commune_a in client.get(url("unit-tree"), {"q": world.commune_a.code}).context["results"]


def test_unit_search_never_shows_other_scopes(world, client_for):
    response = client_for(world.users["admin_a"]).get(url("unit-tree"), {"q": "thon dong"})
    assert world.village_b not in response.context["results"]
    assert "Thôn Đông" not in response.content.decode()
    # and the commune officer's search shows no ancestor above the commune
    officer = client_for(world.users["officer_ca"]).get(url("unit-tree"), {"q": "phu hoa"})
    result = next(u for u in officer.context["results"] if u.pk == world.village_a.pk)
    assert [a.pk for a in result.trail] == [world.commune_a.pk]


def test_organisation_tree_roots_and_children(world, client_for):
    client = client_for(world.users["admin_a"])
    roots = client.get(url("organisation-tree")).context["orgs"]
    assert [o.pk for o in roots] == [world.orgs["front_a"].pk]
    assert (roots[0].n_sub, roots[0].n_branches) == (2, 0)
    front = client.get(url("organisation-children", world.orgs["front_a"].pk), **HTMX)
    assert {o.pk for o in front.context["orgs"]} == {world.orgs["women_a"].pk, world.orgs["farmers_ca"].pk}
    farmers = client.get(url("organisation-children", world.orgs["farmers_ca"].pk), **HTMX)
    assert [b.pk for b in farmers.context["branches"]] == [world.branches["farmers_va"].pk]


def test_organisation_officer_tree_starts_at_her_organisation(world, client_for):
    client = client_for(world.users["women_officer_ca"])
    roots = client.get(url("organisation-tree")).context["orgs"]
    assert [o.pk for o in roots] == [world.orgs["women_ca"].pk]
    assert roots[0].n_branches == 1
    assert client.get(url("organisation-children", world.orgs["women_a"].pk)).status_code == 404


def test_branch_tree_shows_groups_inside_branches(world, client_for):
    root = superuser()
    group = services.branch_create(
        actor=root,
        organisation=world.orgs["women_ca"],
        unit=world.village_a,
        name="Tổ hội 1",
        parent=world.branches["women_va"],
    )
    client = client_for(world.users["women_officer_ca"])
    org = client.get(url("organisation-children", world.orgs["women_ca"].pk), **HTMX)
    branches = list(org.context["branches"])
    assert [b.pk for b in branches] == [world.branches["women_va"].pk]  # top-level only
    assert branches[0].n_sub == 1
    inside = client.get(url("branch-children", world.branches["women_va"].pk), **HTMX)
    assert [b.pk for b in inside.context["branches"]] == [group.pk]


def test_organisation_search_finds_organisations_and_branches_without_accents(world, client_for):
    response = client_for(world.users["admin_a"]).get(
        url("organisation-tree"), {"q": "phu nu phu hoa"}, **HTMX
    )
    assert [b.pk for b in response.context["branch_results"]] == [world.branches["women_va"].pk]
    response = client_for(world.users["admin_a"]).get(url("organisation-tree"), {"q": "lien hiep phu nu"})
    found = {o.pk for o in response.context["org_results"]}
    assert {world.orgs["women_a"].pk, world.orgs["women_ca"].pk} <= found
    assert world.orgs["women_cb"].pk not in found


def test_tree_counts_only_count_what_the_user_may_see(world):
    """A commission officer of commune A sees the Front only through its commune-A children."""
    roots = list(selectors.organisation_tree_roots(actor=world.users["officer_ca"]))
    assert {o.pk for o in roots} == {world.orgs["women_ca"].pk, world.orgs["farmers_ca"].pk}
    assert all(o.n_branches == 1 for o in roots)


def test_tree_levels_make_a_constant_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.users["admin_a"])
    client.get(url("unit-children", world.commune_a.pk))
    client.get(url("organisation-children", world.orgs["front_a"].pk))
    with django_assert_max_num_queries(12) as units_before:
        client.get(url("unit-children", world.commune_a.pk), **HTMX)
    with django_assert_max_num_queries(12) as orgs_before:
        client.get(url("organisation-children", world.orgs["front_a"].pk), **HTMX)
    root = superuser()
    farmers = OrgType.objects.get(code="farmers")
    for i in range(12):
        village = services.village_create(actor=root, commune=world.commune_a, name=f"Ấp {i}")
        org = services.organisation_create(
            actor=root, type=farmers, unit=village, name=f"Hội {i}", parent=world.orgs["front_a"]
        )
        services.branch_create(actor=root, organisation=org, unit=village, name=f"Chi hội {i}")
    with django_assert_max_num_queries(len(units_before.captured_queries)):
        response = client.get(url("unit-children", world.commune_a.pk), **HTMX)
    assert len(response.context["nodes"]) == 13
    with django_assert_max_num_queries(len(orgs_before.captured_queries)):
        response = client.get(url("organisation-children", world.orgs["front_a"].pk), **HTMX)
    assert len(response.context["orgs"]) == 14


def test_tree_pages_render_for_a_national_user(world, client_for):
    client = client_for(superuser())
    assert Unit.objects.filter(level=UnitLevel.PROVINCE).count() == 34
    assert client.get(url("unit-tree")).status_code == 200
    assert client.get(url("organisation-tree")).status_code == 200
