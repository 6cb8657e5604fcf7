"""A branch (chi hội, chi đoàn…) only under an organisation whose type has branches: not under a People's
Committee or a commission. And a unit without a population figure shows "—", not "None"."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from danvan.structure import services
from danvan.structure.models import Branch, OrgType
from tests.factories import superuser

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee(world):
    return services.organisation_create(
        actor=superuser(), type=OrgType.objects.get(code="peoples_committee"), unit=world.commune_a
    )


def test_no_branch_under_an_organisation_without_branches(world, committee):
    assert not committee.type.has_branches and world.orgs["women_ca"].type.has_branches
    assert OrgType.objects.get(code="front").has_branches  # its "Ban công tác Mặt trận"
    with pytest.raises(ValidationError) as exc:
        services.branch_create(
            actor=superuser(), organisation=committee, unit=world.village_a, name="Chi hội QA thuộc UBND"
        )
    assert "organisation" in exc.value.message_dict
    item = services.BranchItem(row=2, organisation=committee, unit=world.village_a, name="Tổ QA")
    assert 2 in services.branches_import_check(actor=superuser(), items=[item])
    assert not Branch.objects.filter(organisation=committee).exists()


def test_the_branch_form_offers_and_accepts_only_organisations_with_branches(client, world, committee):
    client.force_login(world.users["admin_a"])
    choices = client.get("/structure/branches/new/").context["form"].fields["organisation"].queryset
    assert committee not in choices and world.orgs["women_ca"] in choices
    searched = client.get("/structure/organisations/choices/", {"branches": "1", "q": "ủy ban"})
    assert str(committee.pk) not in [str(pk) for pk, _label in searched.context["options"]]
    response = client.get(f"/structure/branches/new/?organisation={committee.pk}")
    assert response.status_code == 302 and response["Location"] == committee.get_absolute_url()
    response = client.post(
        f"/structure/branches/new/?organisation={committee.pk}",
        {"name": "Chi hội QA", "unit": world.village_a.pk},
    )
    assert not Branch.objects.filter(name="Chi hội QA").exists()
    page = client.get(committee.get_absolute_url()).content.decode()
    assert f"/structure/branches/new/?organisation={committee.pk}" not in page


def test_a_unit_without_population_shows_a_dash(client, world):
    world.village_a.population = None
    world.village_a.save(update_fields=["population"])
    client.force_login(world.users["admin_a"])
    page = client.get(world.village_a.get_absolute_url()).content.decode()
    assert "None" not in page
    page = client.get(world.commune_a.get_absolute_url()).content.decode()
    assert "None" not in page
