"""A person's record is in an officer's scope through where she lives or a CURRENT membership in the
officer's scope: a former branch reads the history, and never changes the record or reveals the citizen ID
(audit finding 1)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from danvan.core.models import AccessLog
from danvan.members import selectors, services
from danvan.members.models import Person
from tests.factories import superuser
from tests.members.matrix import PERSON_ACT_URLS, PERSON_READ_URLS, former_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved(world):
    person, old, new = former_member(
        superuser(),
        home=world.village_a,
        branch=world.branches["women_va"],
        to_branch=world.branches["women_va2"],
        new_home=world.village_a2,
    )
    # the officer of commune A's Women's Union: her branch was the old one, the new one is in commune A2
    return world, world.users["women_officer_ca"], person, old, new


def test_a_former_branch_reads_the_history_only(moved, client_for):
    w, officer, person, old, new = moved
    assert selectors.persons_visible(actor=officer).filter(pk=person.pk).exists()
    for action in ("change", "add", "delete"):
        assert not selectors.persons_visible(actor=officer, action=action).filter(pk=person.pk).exists()
    assert not services.may_person(officer, "change", person)
    assert not services.may_view_citizen_id(officer, person)
    client = client_for(officer)
    for name in PERSON_READ_URLS:
        page = client.get(reverse(name, args=[person.pk]))
        assert page.status_code == 200
        text = page.content.decode()
        assert "Chuyển đi" in text  # the history is there
        assert "Xem đầy đủ" not in text and reverse("members:person-update", args=[person.pk]) not in text
        assert "0912000111" not in text and "Chỉ hiển thị ở nơi cư trú" in text  # no contact details
    for name in PERSON_ACT_URLS:
        url = reverse(name, args=[person.pk])
        assert client.get(url).status_code in (403, 405), name
        assert client.post(url, {"purpose": "Kiểm tra", "full_name": "X"}).status_code == 403, name
    assert not AccessLog.objects.filter(object_pk=str(person.pk)).exists()
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=officer).key}")
    row = api.get(f"/api/persons/{person.pk}/").json()
    assert row["full_name"] == "Danh Ngọc Nga" and (row["phone"], row["address"]) == (None, None)
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=superuser()).key}")
    assert api.get(f"/api/persons/{person.pk}/").json()["phone"] == "0912000111"  # where she is in care
    person.refresh_from_db()
    assert person.phone == "0912000111" and person.unit_path == w.village_a2.path


def test_a_former_branch_cannot_change_the_record_through_the_services(moved):
    from django.core.exceptions import PermissionDenied

    w, officer, person, old, new = moved
    data = services.PersonData(
        full_name=person.full_name,
        sex="F",
        unit=w.village_a,
        birth_date=person.birth_date,
        phone="0987654321",
    )
    with pytest.raises(PermissionDenied):
        services.person_update(actor=officer, person=person, data=data)
    with pytest.raises(PermissionDenied):
        services.person_citizen_id(actor=officer, person=person, purpose="Kiểm tra")


def test_the_current_branch_and_the_residence_keep_their_rights(moved, make_user):
    w, officer, person, old, new = moved
    # an officer of commune A2's Women's Union holds the current membership
    current = make_user("women_ca2_officer", "organisation_officer", w.commune_a2, w.orgs["women_a"])
    assert services.may_person(current, "change", person)
    assert services.may_view_citizen_id(current, person)
    assert services.person_citizen_id(actor=current, person=person, purpose="Cấp thẻ") == "086186000123"
    # the residence's administrator too
    assert services.may_person(w.users["admin_a"], "change", person)


def test_an_officer_still_moves_the_home_of_the_member_she_transfers(world):
    w = world
    officer = w.users["women_officer_ca"]
    from tests.members.factories import join, person

    p = person(w.village_a, name="Lý Thị Mai")
    m = join(p, w.branches["women_va"])
    services.membership_transfer(
        actor=officer,
        membership=m,
        to_branch=w.branches["women_va2"],
        on=date(2024, 1, 2),
        move_residence=True,
    )
    p = Person.objects.get(pk=p.pk)
    assert p.unit_path == w.village_a2.path
    # and from then on the record is no longer hers to change
    assert not services.may_person(officer, "change", p)
