"""The members API: scoped people and memberships, citizen IDs masked and looked up by POST only, figures."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.authtoken.models import Token

from danvan.members import services
from tests.members.factories import join, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    w = world
    lan = person(w.village_a, name="Trần Thị Lan", birth_date=date(1990, 2, 3))
    far = person(w.village_b, name="Phạm Thị Xa", birth_date=date(1980, 1, 1))
    join(lan, w.branches["women_va"], on=date(2015, 1, 1))
    join(far, w.branches["women_vb"], on=date(2015, 1, 1))

    def client_of(user):
        from rest_framework.test import APIClient

        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        return client

    return w, lan, far, client_of


def test_people_and_memberships_are_scoped_and_masked(api):
    w, lan, far, client_of = api
    client = client_of(w.users["admin_a"])
    people = client.get("/api/persons/").json()["results"]
    assert [p["full_name"] for p in people] == ["Trần Thị Lan"]
    assert people[0]["citizen_id"].startswith("•••") and people[0]["citizen_id"][-3:] == lan.citizen_id_last3
    assert client.get(f"/api/persons/{far.pk}/").status_code == 404
    memberships = client.get("/api/memberships/?q=tran thi&status=active").json()["results"]
    assert [m["person_name"] for m in memberships] == ["Trần Thị Lan"]
    assert client.get("/api/memberships/?q=pham").json()["results"] == []
    assert client_of(w.users["nobody"]).get("/api/persons/").json()["results"] == []


def test_lookup_by_citizen_id_is_a_post(api):
    w, lan, far, client_of = api
    value = services.person_citizen_id(actor=w.users["admin_a"], person=lan, purpose="Kiểm tra")
    client = client_of(w.users["admin_a"])
    response = client.post("/api/persons/lookup/", {"citizen_id": value}, format="json")
    assert response.status_code == 200 and response.json()["id"] == lan.pk
    assert client.get("/api/persons/lookup/").status_code == 405
    far_value = services.person_citizen_id(actor=w.users["admin_b"], person=far, purpose="Kiểm tra")
    assert client.post("/api/persons/lookup/", {"citizen_id": far_value}, format="json").status_code == 404


def test_figures_endpoint(api):
    w, lan, far, client_of = api
    client = client_of(w.users["admin_a"])
    data = client.get("/api/member-figures/?on=2020-01-01&start=2015-01-01&end=2020-01-01&breakdown=1").json()
    assert data["unit"]["code"] == "86" and data["rows_are"] == "commune"
    assert data["total"]["total"] == 1 and data["total"]["flows"]["joined"] == 1
    assert data["breakdown"]["people"] == 1
    assert client.get(f"/api/member-figures/?unit={w.province_b.pk}").status_code == 404
    schema = client.get("/api/schema/").content.decode()
    for endpoint in ("/api/persons/", "/api/memberships/", "/api/member-figures/"):
        assert endpoint in schema


def test_figures_refuse_bad_parameters_in_vietnamese(api):
    """A date that is not one, after today or a reversed period is refused with its reason, never replaced."""
    w, lan, far, client_of = api
    client = client_of(w.users["admin_a"])
    bad = client.get("/api/member-figures/?on=2020-13-45")
    assert bad.status_code == 400 and list(bad.json()) == ["on"]
    future = client.get("/api/member-figures/?on=2999-01-01").json()
    assert "sau hôm nay" in future["on"][0]
    reversed_period = client.get("/api/member-figures/?start=2020-01-01&end=2019-01-01").json()
    assert reversed_period == {"end": ["Ngày cuối kỳ trước ngày đầu kỳ."]}
    assert client.get("/api/member-figures/?unit=abc").status_code == 400
    assert client.get("/api/member-figures/?type=999999").json() == {
        "type": ["Không có loại hình tổ chức có hội viên nào mang mã số này."]
    }
    missing = client.get("/api/member-figures/?unit=999999")
    assert missing.status_code == 404 and "phạm vi" in missing.json()["detail"]
    assert client.get("/api/member-figures/?breakdown=true").json()["breakdown"]["people"] == 1
