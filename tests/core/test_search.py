"""The top bar's search: what each user finds (their scope and permissions only), how the words match,
and what is refused (citizen IDs, too short)."""

from __future__ import annotations

from datetime import date

import pytest

from danvan.structure import services as structure_services
from tests.factories import superuser
from tests.members.factories import join, person

pytestmark = pytest.mark.django_db


def _groups(response) -> dict[str, list[str]]:
    return {g.label: [h.title for h in g.hits] for g in response.context["groups"]}


def test_finds_in_scope_records_accent_insensitive(client, demo_world):
    w = demo_world
    join(person(w.village_a, name="Trần Thị Ánh"), w.branches["women_va"], on=date(2021, 3, 1))
    join(person(w.village_b, name="Trần Thị Ánh Hồng"), w.branches["women_vb"], on=date(2021, 3, 1))
    client.force_login(w.users["admin_a"])
    response = client.get("/search/", {"q": "tran thi anh"})
    assert response.status_code == 200
    groups = _groups(response)
    # the member of province 86 is found without accents; the one of province 01 is not shown
    assert groups["Đoàn viên, hội viên"] == ["Trần Thị Ánh"]
    body = response.content.decode()
    assert "Trần Thị Ánh Hồng" not in body
    assert "/members/?q=tran+thi+anh" in body

    response = client.get("/search/", {"q": "phu hoa"})
    groups = _groups(response)
    assert "Ấp Phú Hòa" in groups["Đơn vị hành chính"]
    assert set(groups["Chi hội"]) >= {"Chi hội Phụ nữ ấp Phú Hòa", "Chi hội Nông dân ấp Phú Hòa"}


def test_a_person_with_two_memberships_is_found_once(client, demo_world):
    w = demo_world
    someone = person(w.village_a, name="Lê Thị Bình", birth_date=date(1980, 1, 1))
    join(someone, w.branches["farmers_va"], on=date(2021, 3, 1))
    join(someone, w.branches["women_va"], on=date(2021, 3, 1))
    client.force_login(w.users["admin_a"])
    groups = _groups(client.get("/search/", {"q": "le thi binh"}))
    assert groups["Đoàn viên, hội viên"] == ["Lê Thị Bình"]


def test_only_modules_the_user_may_see(client, demo_world):
    w = demo_world
    join(person(w.village_a, name="Phạm Thị Phú"), w.branches["women_va"], on=date(2021, 3, 1))
    client.force_login(w.users["nobody"])  # no role anywhere
    response = client.get("/search/", {"q": "phu"})
    assert response.status_code == 200
    assert response.context["groups"] == []
    assert "Không có kết quả nào trong phạm vi của bạn" in response.content.decode()


def test_more_matches_link_to_the_list(client, demo_world):
    w = demo_world
    root = superuser()
    for i in range(7):
        structure_services.village_create(actor=root, commune=w.commune_a, name=f"Ấp Mới Số {i + 1}")
    client.force_login(w.users["admin_a"])
    response = client.get("/search/", {"q": "ap moi"})
    group = next(g for g in response.context["groups"] if g.label == "Đơn vị hành chính")
    assert len(group.hits) == 5 and group.more
    assert group.more_url == "/structure/units/?q=ap+moi"
    # the list behind the link has them all
    assert client.get(group.more_url).content.decode().count("Ấp Mới Số") >= 7


@pytest.mark.parametrize("query", ["084185000123", "084 185 000 123", "084.185.000.123", "0841-8500-0123"])
def test_citizen_ids_are_refused(client, demo_world, query):
    w = demo_world
    join(person(w.village_a, name="Nguyễn Thị Hoa"), w.branches["women_va"], on=date(2021, 3, 1))
    client.force_login(w.users["admin_a"])
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert response.context["groups"] == []
    body = response.content.decode()
    assert "Số CCCD không tra cứu ở đây" in body
    assert query not in body  # not shown again in the box


def test_too_short_and_empty(client, demo_world):
    client.force_login(demo_world.users["admin_a"])
    response = client.get("/search/", {"q": " a "})
    assert response.context["groups"] == [] and "Nhập ít nhất 2 ký tự" in response.content.decode()
    response = client.get("/search/")
    assert response.context["problem"] == "" and response.context["groups"] == []


def test_sign_in_required(client):
    response = client.get("/search/", {"q": "phu hoa"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_every_page_has_the_search_box(client, demo_world):
    client.force_login(demo_world.users["admin_a"])
    body = client.get("/").content.decode()
    assert 'action="/search/"' in body and 'name="q"' in body


def test_a_short_word_starts_a_word_everywhere_as_on_the_member_list(client, demo_world):
    w = demo_world
    root = superuser()
    for name in ("Ấp Thạnh Lợi", "Ấp Anh Dũng", "Khóm (Anh) Hai"):
        structure_services.village_create(actor=root, commune=w.commune_a, name=name)
    client.force_login(w.users["admin_a"])
    units = _groups(client.get("/search/", {"q": "anh"}))["Đơn vị hành chính"]
    assert {"Ấp Anh Dũng", "Khóm (Anh) Hai"} <= set(
        units
    ) and "Ấp Thạnh Lợi" not in units  # "anh" is inside it
    # a longer word is found anywhere (the real communes "Thanh Đức", "Đông Thành"… too)
    response = client.get("/search/", {"q": "thanh loi"})
    assert _groups(response)["Đơn vị hành chính"] == ["Ấp Thạnh Lợi"]
    listed = client.get("/structure/units/", {"q": "anh"}).content.decode()
    assert "Ấp Anh Dũng" in listed and "Ấp Thạnh Lợi" not in listed
