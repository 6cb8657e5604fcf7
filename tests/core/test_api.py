import html
import re

import pytest
from rest_framework.authtoken.models import Token

from danvan.core.models import AccessLog

pytestmark = pytest.mark.django_db


def test_api_requires_authentication(client):
    assert client.get("/api/units/").status_code in (401, 403)


def test_api_token_auth_and_scope(client, demo_world):
    w = demo_world
    token = Token.objects.create(user=w.users["officer_ca"])
    response = client.get("/api/units/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    codes = {u["code"] for u in response.json()["results"]}
    assert codes == {w.commune_a.code, w.village_a.code}
    assert (
        client.get(f"/api/units/{w.commune_b.pk}/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code
        == 404
    )
    branches = client.get("/api/branches/?q=phu hoa", HTTP_AUTHORIZATION=f"Token {token.key}").json()
    assert {b["name"] for b in branches["results"]} == {
        w.branches["women_va"].name,
        w.branches["farmers_va"].name,
    }


def test_openapi_schema_and_docs_are_served_locally(client, demo_world):
    assert client.get("/api/schema/").status_code in (401, 403)
    client.force_login(demo_world.users["admin_a"])
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for endpoint in ("/api/units/", "/api/organisations/", "/api/branches/"):
        assert endpoint in text
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower() and "unpkg" not in docs.lower()
    # the page's own script is a file of this host (the content security policy refuses inline scripts)
    assert re.search(r"<script>\s*\S", docs) is None
    script = re.search(r'<script src="([^"]*script[^"]*)"', docs)
    assert script is not None
    js = client.get(html.unescape(script.group(1)))
    assert js.status_code == 200 and js["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in js.content.decode()


def test_row_history_records_the_acting_user(client, demo_world):
    from pghistory.models import MiddlewareEvents

    from danvan.structure.models import Unit

    w = demo_world
    client.force_login(w.users["admin_a"])
    # a change made through a request carries the user in its history context
    import pghistory

    from danvan.structure import services

    with pghistory.context(user=w.users["admin_a"].pk, url="/test"):
        services.village_update(
            actor=w.users["admin_a"],
            village=w.village_a,
            name="Ấp Phú Hòa Mới",
            village_kind="ap",
            population=10,
        )
    event = MiddlewareEvents.objects.filter(
        pgh_obj_model="structure.Unit", pgh_obj_id=str(w.village_a.pk), pgh_label="update"
    ).first()
    assert event is not None and event.pgh_context["user"] == w.users["admin_a"].pk
    assert event.pgh_diff["name"] == ["Ấp Phú Hòa", "Ấp Phú Hòa Mới"]
    body = client.get("/audit/?pgh_obj_model=structure.Unit").content.decode()
    assert "Ấp Phú Hòa Mới" in body or str(w.village_a.pk) in body
    client.force_login(w.users["officer_ca"])
    assert client.get("/audit/").status_code == 403
    assert Unit.objects.get(pk=w.village_a.pk).name == "Ấp Phú Hòa Mới"


def test_audit_page_names_the_users_in_one_query(client, demo_world, django_assert_max_num_queries):
    import pghistory

    from danvan.structure import services

    w = demo_world
    client.force_login(w.users["admin_a"])
    for i in range(6):
        recorded = w.users["admin_a"] if i % 2 else w.users["officer_ca"]
        with pghistory.context(user=recorded.pk, url="/test"):
            services.village_update(
                actor=w.users["admin_a"],
                village=w.village_a,
                name=f"Ấp Phú Hòa {i}",
                village_kind="ap",
                population=10,
            )
    with django_assert_max_num_queries(12) as captured:
        body = client.get("/audit/?pgh_obj_model=structure.Unit").content.decode()
    assert str(w.users["admin_a"]) in body and str(w.users["officer_ca"]) in body
    assert sum("accounts_user" in q["sql"] and "IN (" in q["sql"] for q in captured.captured_queries) == 1


def test_audit_page_names_records_and_fields_but_not_people(client, demo_world):
    """A row names the record it is about, with a link to its page, and the changed fields by their
    Vietnamese names; a person (personal data) is shown by number only; a deleted record says so."""
    import pghistory
    from django.utils import translation

    from danvan.structure import services
    from tests.members import factories

    w = demo_world
    client.force_login(w.users["admin_a"])
    with pghistory.context(user=w.users["admin_a"].pk, url="/test"):
        services.village_update(
            actor=w.users["admin_a"], village=w.village_a, name="Ấp Tân Lập", village_kind="ap", population=10
        )
        person = factories.person(w.village_a, name="Nguyễn Thị Bí Mật")
        person.address = "Số 1"  # an update event of the person
        person.save()
    with translation.override("vi"):
        body = client.get("/audit/?pgh_obj_model=structure.Unit", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
        assert f'<a href="{w.village_a.get_absolute_url()}">Ấp Tân Lập (#{w.village_a.pk})</a>' in body
        assert "tên: " in body and "name: " not in body
        body = client.get("/audit/?pgh_obj_model=members.Person", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
        assert f"#{person.pk}</a>" in body and "Bí Mật" not in body
        pk = person.pk
        person.delete()
        body = client.get("/audit/?pgh_obj_model=members.Person", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
        assert f"#{pk} (đã xóa)" in body


def test_access_log_names_record_types_fields_and_purposes_in_vietnamese(client, demo_world):
    """The reads of sensitive data are listed with the record type, the field and the purpose in words (not
    "members.Person", "citizen_id", "view"), and filtered by a choice of the record types logged."""
    from django.utils import translation

    w = demo_world
    where = w.village_a.path
    for model, field, purpose in (
        ("members.Person", "citizen_id", "view"),
        ("cases.Case", "denouncer_identity", "update"),
        ("cases.Case", "denouncer_identity", "document 12"),
        ("cases.Case", "denouncer_identity", "moved with the transferred case"),
        ("members.Person", "citizen_id", "đối chiếu hồ sơ"),  # typed by the person who read it
    ):
        AccessLog.objects.create(
            user=w.users["admin_a"], model=model, object_pk="7", field=field, purpose=purpose, unit_path=where
        )
    client.force_login(w.users["admin_a"])
    with translation.override("vi"):
        response = client.get("/audit/access/", HTTP_ACCEPT_LANGUAGE="vi")
        body = response.content.decode()
        cells = re.findall(r"<td >(.*?)</td>", body)
        table = body[body.index("<table") : body.index("</table>")]
        for raw in (
            "members.Person",
            "citizen_id",
            "denouncer_identity",
            ">view<",
            ">update<",
            "document 12",
        ):
            assert raw not in table
        for shown in ("Người", "Số CCCD", "Vụ việc", "Thông tin người tố cáo", "Xem", "Cập nhật"):
            assert shown in cells
        assert {"Tài liệu mật #12", "Chuyển đơn", "đối chiếu hồ sơ"} <= set(cells)
        choices = list(response.context["filter"].form.fields["model"].choices)
        assert [value for value, _label in choices if value] == ["members.Person", "cases.Case"]
        assert ("cases.Case", "Vụ việc") in choices
        only_people = client.get("/audit/access/?model=members.Person", HTTP_ACCEPT_LANGUAGE="vi")
    assert {row.record.model for row in only_people.context["table"].rows} == {"members.Person"}
    assert len(only_people.context["table"].rows) == 2
    # the free text of old ("Person") is no record type: nothing is listed, rather than a guess
    assert len(client.get("/audit/access/?model=Person").context["table"].rows) == 0


def test_audit_change_of_a_json_column_is_shown_as_it_is():
    """A JSON column changes from one object or list to another: shown, not a server error (unhashable)."""
    from danvan.core.audit import describe_change
    from danvan.structure.models import Unit

    assert describe_change(None, "settings", [{"a": 1}, ["b"]]) == "settings: {'a': 1} → ['b']"
    assert describe_change(Unit, "search_name", ["a", "b"]) is None  # derived, not editable
    assert describe_change(Unit, "name", [None, "Ấp A"]).endswith(": — → Ấp A")


def test_audit_page_shows_account_changes_to_the_administrators_of_their_unit(client, demo_world):
    import pghistory

    from danvan.accounts import services

    w = demo_world
    with pghistory.context(user=w.users["admin_a"].pk, url="/test"):
        made = services.user_create(
            actor=w.users["admin_a"],
            username="moi.taikhoan",
            full_name="Tài Khoản Mới",
            email="",
            phone="",
            home_unit=w.commune_a,
        )
    client.force_login(w.users["admin_a"])  # the province's administrator (not a superuser)
    body = client.get("/audit/?pgh_obj_model=accounts.User").content.decode()
    assert f"#{made.pk}" in body
    client.force_login(w.users["admin_b"])  # another province's
    assert f"#{made.pk}" not in client.get("/audit/?pgh_obj_model=accounts.User").content.decode()
