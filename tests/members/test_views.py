"""The members pages for each role: list (filters, search, export), person page and timeline, forms of every
movement, citizen ID shown masked then in full (logged), figures with drill-down and export, member book PDF,
duplicates and merging."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from danvan.core.models import AccessLog
from danvan.members.models import DuplicateCandidate, Membership, Person, Status
from tests.factories import home_card, superuser
from tests.members.factories import citizen_id, join, person, spelled

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(world):
    w = world
    lan = person(w.village_a, name="Trần Thị Lan", birth_date=date(1990, 2, 3), phone="0912 345 678")
    hoa = person(w.village_a2, name="Nguyễn Thị Hòa", birth_date=date(1975, 7, 8))
    tu = person(w.village_a, name="Lê Văn Tư", sex="M", birth_date=date(1960, 1, 1))
    far = person(w.village_b, name="Phạm Thị Xa", birth_date=date(1980, 1, 1))
    m = {
        "lan": join(lan, w.branches["women_va"], on=date(2015, 3, 1)),
        "lan_farm": join(lan, w.branches["farmers_va"], on=date(2016, 3, 1)),
        "hoa": join(hoa, w.branches["women_va2"], on=date(2012, 1, 1)),
        "tu": join(tu, w.branches["farmers_va"], on=date(2010, 1, 1)),
        "far": join(far, w.branches["women_vb"], on=date(2014, 1, 1)),
    }
    return w, m


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_pages_answer_for_every_role(members, client_for):
    w, m = members
    lan = m["lan"].person
    urls = [
        reverse("members:membership-list"),
        reverse("members:membership-list") + "?q=tran+thi&status=active",
        reverse("members:person-detail", args=[lan.pk]),
        reverse("members:figures"),
        reverse("members:figures") + f"?unit={w.commune_a.pk}",
        reverse("members:figures") + f"?unit={w.village_a.pk}",
        reverse("members:figures-breakdown"),
        reverse("members:duplicate-list"),
    ]
    for user in (w.users["admin_a"], w.users["officer_ca"], w.users["women_officer_ca"], superuser()):
        client = client_for(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (user, url, response.status_code)
    editor_urls = [
        reverse("members:register"),
        reverse("members:person-update", args=[lan.pk]),
        reverse("members:person-join", args=[lan.pk]),
        reverse("members:membership-transfer", args=[m["lan"].pk]),
        reverse("members:membership-leave", args=[m["lan"].pk]),
        reverse("members:membership-number", args=[m["lan"].pk]),
        reverse("members:branch-transfer", args=[w.branches["women_va"].pk]),
        reverse("members:import"),
        reverse("members:import-template"),
        reverse("members:person-merge", args=[lan.pk]),
    ]
    client = client_for(w.users["admin_a"])
    for url in editor_urls:
        assert client.get(url).status_code == 200, url
    # a commission officer may look, not change; nobody sees nothing
    viewer = client_for(w.users["officer_ca"])
    assert viewer.get(reverse("members:register")).status_code == 403
    # a record she can see but may not change: refused (403), not hidden
    assert viewer.get(reverse("members:membership-leave", args=[m["lan"].pk])).status_code == 403
    nobody = client_for(w.users["nobody"])
    assert nobody.get(reverse("members:person-detail", args=[lan.pk])).status_code == 404
    assert "Trần Thị Lan" not in body(nobody.get(reverse("members:membership-list")))


def test_list_search_filters_and_export(members, client_for, django_assert_max_num_queries):
    w, m = members
    client = client_for(w.users["admin_a"])
    url = reverse("members:membership-list")
    page = body(client.get(url + "?q=nguyen thi hoa"))  # accent-insensitive, old or new tone marks
    assert "Nguyễn Thị Hòa" in page and "Trần Thị Lan" not in page
    page = body(client.get(url + "?q=0912345678"))  # exact phone
    assert "Trần Thị Lan" in page and "Lê Văn Tư" not in page
    value = citizen_id(birth_year=1990, sex="F")
    page = body(client.get(url + f"?q={value}&sex=F"))  # a citizen ID is never searched through an address
    assert "Trần Thị Lan" not in page and "Nguyễn Thị Hòa" not in page
    assert "Số CCCD không tìm ở ô này" in page and value not in page  # said so, and not shown again
    page = body(client.get(url + f"?org_type={w.branches['farmers_va'].organisation.type_id}&sex=M"))
    assert "Lê Văn Tư" in page and "Trần Thị Lan" not in page
    page = body(client.get(url + "?age=60_79"))
    assert "Lê Văn Tư" in page and "Nguyễn Thị Hòa" not in page
    page = body(client.get(url + f"?unit={w.commune_a2.pk}"))
    assert "Nguyễn Thị Hòa" in page and "Trần Thị Lan" not in page
    page = body(client.get(url + "?joined_after=2011-06-01&joined_before=2013-01-01"))
    assert "Nguyễn Thị Hòa" in page and "Lê Văn Tư" not in page
    assert "Phạm Thị Xa" not in body(client.get(url))  # province B
    # one page costs the same few queries whatever the number of rows
    for i in range(30):
        join(
            person(w.village_a, name=f"Hội Viên {spelled(i)}", birth_date=date(1980, 1, 1 + i % 28)),
            w.branches["women_va"],
        )
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200
    # the export has every filtered row, the citizen ID masked
    response = client.get(url + "?q=tran&export=xlsx")
    rows = list(
        load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True)
    )
    assert rows[1][0] == "Trần Thị Lan" and str(rows[1][4]).startswith("•••")
    lan = m["lan"].person
    assert lan.citizen_id_last3 and all(value not in str(r) for r in rows)


def test_citizen_id_is_masked_then_shown_in_full_with_a_log(members, client_for):
    w, m = members
    lan = m["lan"].person
    page = body(client_for(w.users["officer_ca"]).get(lan.get_absolute_url()))
    assert lan.citizen_id_masked in page and "Show in full" not in page and "Hiện đầy đủ" not in page
    assert (
        client_for(w.users["officer_ca"])
        .post(reverse("members:person-citizen-id", args=[lan.pk]))
        .status_code
        == 403
    )
    client = client_for(w.users["admin_a"])
    response = client.post(
        reverse("members:person-citizen-id", args=[lan.pk]), {"purpose": "Cấp thẻ"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    value = response.content.decode().split('id="citizen-id-value">')[1].split("<")[0]
    assert len(value) == 12 and value.endswith(lan.citizen_id_last3)
    assert (
        AccessLog.objects.filter(user=w.users["admin_a"], field="citizen_id", object_pk=str(lan.pk)).count()
        == 1
    )
    # looking a person up by citizen ID goes through a POST, and to the person's page
    response = client.post(reverse("members:citizen-id-lookup"), {"citizen_id": value})
    assert response.status_code == 302 and response["Location"] == lan.get_absolute_url()
    response = client_for(w.users["admin_b"]).post(
        reverse("members:citizen-id-lookup"), {"citizen_id": value}
    )
    assert response["Location"] == reverse("members:membership-list")
    # a value that is no citizen ID is told so, not "nobody has it"
    response = client.post(reverse("members:citizen-id-lookup"), {"citizen_id": "12345"}, follow=True)
    text = [str(m) for m in response.context["messages"]]
    assert any("12 digits" in t or "12 chữ số" in t for t in text), text
    # spaces typed between the groups are fine
    spaced = f"{value[:3]} {value[3:6]} {value[6:]}"
    response = client.post(reverse("members:citizen-id-lookup"), {"citizen_id": spaced})
    assert response["Location"] == lan.get_absolute_url()


def test_transfer_targets_name_their_commune_and_can_be_searched_by_it(members, client_for):
    """Many communes have a branch of the same name ("Chi hội Phụ nữ ấp Phú Hòa"): the choices say where
    each one is, and typing the commune's name finds only its branches."""
    from danvan.core.text import fold
    from danvan.structure import services as structure_services

    w, m = members
    root = superuser()
    twin_village = structure_services.village_create(actor=root, commune=w.commune_a2, name="Ấp Phú Hòa")
    twin = structure_services.branch_create(
        actor=root, organisation=w.orgs["women_ca2"], unit=twin_village, name="Chi hội Phụ nữ ấp Phú Hòa"
    )
    client = client_for(w.users["admin_a"])
    url = reverse("members:branch-choices")
    type_id = w.orgs["women_ca"].type_id
    options = client.get(url, {"type": type_id, "q": f"phu hoa {fold(w.commune_a2.name)}"}).content.decode()
    assert f'value="{twin.pk}"' in options and f'value="{w.branches["women_va"].pk}"' not in options
    assert f"Ấp Phú Hòa, {w.commune_a2.name}, {w.province_a.name}" in options
    form = client.get(reverse("members:membership-transfer", args=[m["hoa"].pk])).content.decode()
    assert f"Chi hội Phụ nữ ấp Phú Hòa — Ấp Phú Hòa, {w.commune_a.name}" in form
    assert f"Chi hội Phụ nữ ấp Phú Hòa — Ấp Phú Hòa, {w.commune_a2.name}" in form


def test_register_transfer_leave_and_rejoin_through_the_forms(members, client_for):
    w, m = members
    client = client_for(w.users["women_officer_ca"])
    value = citizen_id(birth_year=1995, sex="F")
    response = client.post(
        reverse("members:register"),
        {
            "full_name": "Huỳnh Thị Mới",
            "birth_date": "1995-04-05",
            "sex": "F",
            "ethnicity": "05",
            "religion": "01",
            "citizen_id": value,
            "unit": w.village_a.pk,
            "branch": w.branches["women_va"].pk,
            "on": "2024-01-15",
            "member_number": "PN-77",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    new = Person.objects.get(full_name="Huỳnh Thị Mới")
    membership = new.memberships.get()
    assert membership.member_number == "PN-77" and membership.ethnicity == "05"
    # the same citizen ID again: the form says so, nothing is created
    response = client.post(
        reverse("members:register"),
        {
            "full_name": "Huỳnh Thị Khác",
            "birth_date": "1995-04-05",
            "sex": "F",
            "ethnicity": "01",
            "religion": "00",
            "citizen_id": value,
            "unit": w.village_a.pk,
            "branch": w.branches["women_va"].pk,
            "on": "2024-01-15",
        },
    )
    assert response.status_code == 200 and "Huỳnh Thị Mới" in response.content.decode()
    assert not Person.objects.filter(full_name="Huỳnh Thị Khác").exists()
    # transfer to the other commune, then leave, then re-join
    response = client.post(
        reverse("members:membership-transfer", args=[membership.pk]),
        {
            "to_branch": w.branches["women_va2"].pk,
            "on": "2024-06-01",
            "move_residence": "on",
            "note": "GGT 5",
        },
    )
    assert response.status_code == 302
    moved = Membership.objects.get(person=new, left_on__isnull=True)
    assert moved.branch_id == w.branches["women_va2"].pk
    admin = client_for(w.users["admin_a"])
    response = admin.post(
        reverse("members:membership-leave", args=[moved.pk]), {"reason": "resigned", "on": "2024-09-01"}
    )
    assert response.status_code == 302
    moved.refresh_from_db()
    assert moved.status == Status.LEFT
    response = admin.post(
        reverse("members:membership-rejoin", args=[moved.pk]),
        {"branch": w.branches["women_va2"].pk, "on": "2025-01-01"},
    )
    assert response.status_code == 302
    page = body(admin.get(new.get_absolute_url()))
    for word in ("GGT 5", "PN-77"):
        assert word in page
    # she is a member again: the membership she left no longer offers "re-join"
    assert reverse("members:membership-rejoin", args=[moved.pk]) not in page
    # an ineligible join shows the rule on the form, and passes with a reason
    man = m["tu"].person
    url = reverse("members:person-join", args=[man.pk])
    response = admin.post(url, {"branch": w.branches["women_va"].pk, "on": "2024-01-01"})
    assert response.status_code == 200 and Membership.objects.filter(person=man).count() == 1
    response = admin.post(
        url, {"branch": w.branches["women_va"].pk, "on": "2024-01-01", "override_reason": "Thử nghiệm"}
    )
    assert response.status_code == 302 and Membership.objects.filter(person=man).count() == 2


def test_figures_page_drill_down_and_export(members, client_for):
    w, m = members
    client = client_for(w.users["admin_a"])
    page = body(client.get(reverse("members:figures") + "?on=2020-01-01&start=2015-01-01&end=2020-01-01"))
    assert w.commune_a.name in page and w.commune_a2.name in page and "Phạm Thị Xa" not in page
    assert f"?unit={w.commune_a.pk}" in page  # drill down to the commune
    page = body(client.get(reverse("members:figures") + f"?unit={w.village_a.pk}&on=2020-01-01"))
    assert (
        w.branches["women_va"].name in page and f"branch={w.branches['women_va'].pk}" in page
    )  # to the list
    response = client.get(reverse("members:figures") + f"?unit={w.province_a.pk}&on=2020-01-01&export=xlsx")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    first = list(book.worksheets[0].iter_rows(values_only=True))
    assert first[-1][0] in ("Total", "Tổng", "Tổng cộng", "Tổng số") and 4 in first[-1]
    assert client.get(reverse("members:figures") + f"?unit={w.province_b.pk}").status_code == 404
    breakdown = body(
        client.get(reverse("members:figures-breakdown") + f"?unit={w.province_a.pk}&on=2020-01-01")
    )
    assert 'data-people-total="3"' in breakdown


def test_member_book_pdf(members, client_for):
    w, m = members
    response = client_for(w.users["officer_ca"]).get(
        reverse("members:branch-book", args=[w.branches["women_va"].pk])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and b"/FontFile2" in response.content
    assert (
        client_for(w.users["admin_b"])
        .get(reverse("members:branch-book", args=[w.branches["women_va"].pk]))
        .status_code
        == 404
    )


def test_duplicates_review_and_merge(members, client_for):
    w, m = members
    twin = person(w.village_a, name="Trần Thị Lan", birth_date=date(1990, 2, 3), with_id=False)
    candidate = DuplicateCandidate.objects.get(person=twin)
    client = client_for(w.users["admin_a"])
    page = body(client.get(reverse("members:duplicate-list")))
    assert "Trần Thị Lan" in page
    assert "Possible duplicate" in body(client.get(twin.get_absolute_url())) or "trùng" in body(
        client.get(twin.get_absolute_url())
    )
    lan = m["lan"].person
    response = client.post(
        reverse("members:person-merge", args=[lan.pk]) + f"?other={twin.pk}",
        {"keep": lan.pk, "other": twin.pk},
    )
    assert response.status_code == 302
    assert not Person.objects.filter(pk=twin.pk).exists()
    assert (
        client_for(w.users["admin_b"])
        .post(reverse("members:duplicate-dismiss", args=[candidate.pk]))
        .status_code
        == 404
    )


def test_home_page_counts_the_members_each_user_may_see(members, client_for):
    """The home page's registry card: memberships active today, within the user's scope (commune A's
    officer: the three of commune A, not those of A2 or B; commune A's Women's Union officer: Lan's one),
    and those joined this month."""
    w, m = members
    assert home_card(client_for(w.users["officer_ca"]).get("/"), "Số lượt đang sinh hoạt") == 3
    page = client_for(w.users["women_officer_ca"]).get("/")
    assert home_card(page, "Số lượt đang sinh hoạt") == 1
    assert home_card(page, "Phát triển mới trong tháng") == 0
    join(person(w.village_a, name="Võ Thị Mới"), w.branches["women_va"], on=date.today())
    page = client_for(w.users["women_officer_ca"]).get("/")
    assert home_card(page, "Số lượt đang sinh hoạt") == 2
    assert home_card(page, "Phát triển mới trong tháng") == 1


def test_a_user_without_member_or_case_access_is_refused_the_lists(members, client_for):
    w, m = members
    client = client_for(w.users["nobody"])
    assert client.get(reverse("members:membership-list")).status_code == 403
    assert client.get(reverse("members:membership-list") + "?export=csv").status_code == 403
    assert client.get(reverse("cases:case-list")).status_code == 403
    assert client_for(w.users["women_officer_ca"]).get(reverse("members:membership-list")).status_code == 200


def test_a_branch_page_counts_its_active_members_and_links_to_them(members, client_for):
    w, m = members
    branch = w.branches["women_va"]
    response = client_for(w.users["women_officer_ca"]).get(
        reverse("structure:branch-detail", args=[branch.pk])
    )
    assert response.context["members"] == 1  # Trần Thị Lan
    html = response.content.decode()
    assert f"{reverse('members:membership-list')}?branch={branch.pk}&amp;status=active" in html
    assert reverse("members:branch-book", args=[branch.pk]) in html
    nobody = client_for(w.users["nobody"]).get(reverse("structure:branch-detail", args=[branch.pk]))
    assert nobody.status_code == 404 or nobody.context["members"] is None


def test_the_filter_lists_follow_the_chosen_unit_without_a_reload(members, client_for):
    """The list refreshes through HTMX: the branch and organisation choices of the chosen commune come
    with it, swapped into the filter form (they kept "choose a commune first" until a reload)."""
    w, m = members
    client = client_for(w.users["admin_a"])
    response = client.get(
        reverse("members:membership-list"), {"unit": w.commune_a.pk}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    branch_box = html.split('id="filter-branch"', 1)[1].split("</select>", 1)[0]
    assert 'hx-swap-oob="true"' in branch_box
    assert f'value="{w.branches["women_va"].pk}"' in branch_box
    assert f'value="{w.branches["women_va2"].pk}"' not in branch_box  # another commune's branch
    assert 'id="filter-organisation"' in html
    full = client.get(reverse("members:membership-list"), {"unit": w.commune_a.pk}).content.decode()
    assert full.count('id="filter-branch"') == 1 and "hx-swap-oob" not in full


def test_a_member_number_held_by_someone_else_is_pointed_out(members, client_for):
    w, m = members
    client = client_for(w.users["admin_a"])
    client.post(reverse("members:membership-number", args=[m["lan"].pk]), {"member_number": "PN-1"})
    response = client.post(
        reverse("members:membership-number", args=[m["hoa"].pk]), {"member_number": "PN-1"}, follow=True
    )
    text = " ".join(str(x) for x in response.context["messages"])
    assert "Trần Thị Lan" in text  # Hòa's new number is Lan's (same organisation type): the officer is told
    m["hoa"].refresh_from_db()
    assert m["hoa"].member_number == "PN-1"  # and decides: it is saved
    response = client.post(
        reverse("members:membership-number", args=[m["lan_farm"].pk]), {"member_number": "PN-1"}, follow=True
    )
    assert "Trần Thị Lan" not in " ".join(
        str(x) for x in response.context["messages"]
    )  # another organisation


def test_an_action_on_a_visible_record_without_the_right_is_refused_not_hidden(members, client_for):
    w, m = members
    viewer = client_for(w.users["officer_ca"])  # a commission officer: may look, not change
    assert viewer.get(reverse("members:person-detail", args=[m["lan"].person_id])).status_code == 200
    assert viewer.get(reverse("members:membership-delete", args=[m["lan"].pk])).status_code == 403
    assert viewer.get(reverse("members:person-update", args=[m["lan"].person_id])).status_code == 403
    outsider = client_for(w.users["admin_b"])  # another province: not even there
    assert outsider.get(reverse("members:membership-delete", args=[m["lan"].pk])).status_code == 404


def test_list_export_and_book_order_names_as_vietnamese_lists(members, client_for):
    w, m = members
    branch = w.branches["women_va"]
    for name in ("Đỗ Thị An", "Dương Thị An", "Võ Thị Bích"):
        join(
            person(w.village_a, name=name, birth_date=date(1988, 1, 1), with_id=False),
            branch,
            on=date(2020, 1, 1),
        )
    client = client_for(w.users["admin_a"])
    expected = ["Dương Thị An", "Đỗ Thị An", "Võ Thị Bích", "Trần Thị Lan"]  # by the given name
    # the page: folded keys, so "Đỗ" and "Dương" are ordered by the folded family name ("do" < "duong")
    page = body(client.get(reverse("members:membership-list") + f"?branch={branch.pk}"))
    positions = [page.index(n) for n in ("Đỗ Thị An", "Dương Thị An", "Võ Thị Bích", "Trần Thị Lan")]
    assert positions == sorted(positions)
    reverse_page = body(client.get(reverse("members:membership-list") + f"?branch={branch.pk}&sort=-name"))
    assert reverse_page.index("Trần Thị Lan") < reverse_page.index("Võ Thị Bích")
    # the export follows the page
    sheet = load_workbook(
        io.BytesIO(
            client.get(reverse("members:membership-list") + f"?branch={branch.pk}&export=xlsx").content
        )
    ).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["Đỗ Thị An", "Dương Thị An", "Võ Thị Bích", "Trần Thị Lan"], names
    url = reverse("members:membership-list") + f"?branch={branch.pk}&sort=-name&export=xlsx"
    sheet = load_workbook(io.BytesIO(client.get(url).content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == names[::-1]
    # the member book: full Vietnamese order, "Đ" after "D"
    from danvan.members import selectors

    book = selectors.book_memberships(actor=w.users["admin_a"], branch=branch, on=date.today())
    assert [b.person.full_name for b in book] == expected


# --- defects found by the audit of the demo ------------------------------------------------------------------


def test_figures_answer_a_user_who_may_see_members_nowhere(members, client_for, make_user):
    """A citizen-reception officer sees the structure but no member: every figures address says so (or
    refuses), whatever ``?unit=`` it names; none is an error 500."""
    w, m = members
    client = client_for(make_user("tiep_dan", "reception_officer", w.commune_a))
    nowhere = "Bạn chưa được xem đoàn viên, hội viên ở địa bàn nào."
    for query in ("", f"?unit={w.commune_a.pk}", f"?unit={w.village_a.pk}&on=2020-01-01"):
        response = client.get(reverse("members:figures") + query)
        assert response.status_code == 200 and nowhere in body(response), query
        assert "Trần Thị Lan" not in body(response)
    for url in (
        reverse("members:figures-breakdown") + f"?unit={w.commune_a.pk}",
        reverse("members:figures-breakdown"),
        reverse("members:figures") + f"?unit={w.commune_a.pk}&export=xlsx",
        reverse("members:figures") + "?export=xlsx",
    ):
        assert client.get(url).status_code == 403, url
    # the breakdown reads nothing the actor may not see, and counts zero (it had raised on the empty query)
    from danvan.members import selectors

    b = selectors.breakdown(actor=w.users["nobody"], unit=w.commune_a, on=date(2020, 1, 1))
    assert (b.total_memberships, b.total_persons, b.persons_by_child) == (0, 0, {})


def test_a_village_figures_link_to_the_list_of_its_members(members, client_for):
    w, m = members
    client = client_for(w.users["admin_a"])
    page = body(client.get(reverse("members:figures") + f"?unit={w.village_a.pk}&on=2020-01-01"))
    link = reverse("members:membership-list") + f"?unit={w.village_a.pk}&amp;active_on=2020-01-01"
    assert link in page and "Danh sách các đoàn viên, hội viên này" in page
    listing = body(client.get(link.replace("&amp;", "&")))
    assert "Hãy chọn một lựa chọn hợp lệ" not in listing
    assert "Trần Thị Lan" in listing and "Nguyễn Thị Hòa" not in listing  # village A only
    # the village is offered in the unit select (with its commune), the branches are those of the village
    assert f'<option value="{w.village_a.pk}" selected>Ấp Phú Hòa — {w.commune_a.name}</option>' in listing
    assert (
        f'value="{w.branches["women_va"].pk}"'
        in listing.split('id="filter-branch"', 1)[1].split("</select>")[0]
    )
    # a village outside the user's scope is not accepted
    listing = body(
        client_for(w.users["admin_b"]).get(reverse("members:membership-list") + f"?unit={w.village_a.pk}")
    )
    assert "Hãy chọn một lựa chọn hợp lệ" in listing and "Trần Thị Lan" not in listing


def test_the_name_search_matches_the_start_of_words(members, client_for):
    w, m = members
    branch = w.branches["women_va"]
    for name in (
        "Nguyễn Thị Anh",
        "Trần Thị Thanh",
        "Lê Thị Oanh",
        "Bùi Thanh Cúc",
        "Bùi Anh Thư",
        "Anh Thị Tú",
        "Đỗ Thị Uyên",
    ):
        join(person(w.village_a, name=name, birth_date=date(1988, 1, 1), with_id=False), branch)
    client = client_for(w.users["admin_a"])
    url = reverse("members:membership-list")
    page = body(client.get(url, {"q": "anh"}))
    assert "Nguyễn Thị Anh" in page and "Bùi Anh Thư" in page and "Anh Thị Tú" in page
    assert "Trần Thị Thanh" not in page and "Lê Thị Oanh" not in page and "Bùi Thanh Cúc" not in page
    page = body(client.get(url, {"q": "Bùi Anh"}))
    assert "Bùi Anh Thư" in page and "Bùi Thanh Cúc" not in page
    page = body(client.get(url, {"q": "thanh"}))  # a longer word, matched the same way
    assert "Trần Thị Thanh" in page and "Bùi Thanh Cúc" in page and "Nguyễn Thị Anh" not in page
    page = body(client.get(url, {"q": "uyen"}))  # four letters: inside "Nguyễn", not at its start
    assert "Đỗ Thị Uyên" in page and "Nguyễn Thị Anh" not in page
    page = body(client.get(url, {"q": "bui th"}))
    assert "Bùi Anh Thư" in page and "Bùi Thanh Cúc" in page and "Trần Thị Thanh" not in page
    # the top bar's search, which reuses the list's filter
    response = client.get("/search/", {"q": "anh"})
    titles = [h.title for g in response.context["groups"] for h in g.hits]
    assert "Nguyễn Thị Anh" in titles and "Trần Thị Thanh" not in titles


def test_a_member_number_is_found_by_the_search_boxes(members, client_for):
    w, m = members
    client = client_for(w.users["admin_a"])
    client.post(reverse("members:membership-number", args=[m["hoa"].pk]), {"member_number": "WO6072921"})
    url = reverse("members:membership-list")
    for typed in ("WO6072921", "wo6072921", " Wo6072921 "):
        page = body(client.get(url, {"q": typed}))
        assert "Nguyễn Thị Hòa" in page and "Trần Thị Lan" not in page, typed
    assert "Nguyễn Thị Hòa" not in body(client.get(url, {"q": "WO607292"}))  # exactly, not a part of it
    response = client.get("/search/", {"q": "wo6072921"})
    assert [h.title for g in response.context["groups"] for h in g.hits] == ["Nguyễn Thị Hòa"]
    # out of scope: not found
    assert "Nguyễn Thị Hòa" not in body(client_for(w.users["admin_b"]).get(url, {"q": "WO6072921"}))


def _register(client, w, **changes):
    data = {
        "full_name": "Huỳnh Thị Mới",
        "birth_date": "1995-04-05",
        "sex": "F",
        "ethnicity": "01",
        "religion": "00",
        "unit": w.village_a.pk,
        "branch": w.branches["women_va"].pk,
        "on": "2024-01-15",
        **changes,
    }
    return client.post(reverse("members:register"), data)


def test_a_phone_number_or_a_name_that_is_no_such_thing_is_refused(members, client_for):
    w, m = members
    client = client_for(w.users["women_officer_ca"])
    response = _register(client, w, phone="abc")
    assert response.status_code == 200
    assert "Vui lòng nhập số điện thoại hợp lệ" in body(response)
    response = _register(client, w, full_name="Nguyễn Thị Thử 123 @@@")
    assert response.status_code == 200
    assert "Họ và tên chỉ được gồm chữ cái, dấu cách, dấu nháy, dấu gạch nối và dấu chấm." in body(response)
    assert not Person.objects.filter(full_name__startswith="Nguyễn Thị Thử").exists()
    assert not Person.objects.filter(full_name="Huỳnh Thị Mới").exists()
    # apostrophes, hyphens and dots are part of names; the phone may be typed with spaces or +84
    response = _register(client, w, full_name="H'Hen Niê-Ksor T.", phone="+84 912 345 678")
    assert response.status_code == 302
    assert Person.objects.get(full_name="H'Hen Niê-Ksor T.").phone == "0912345678"
    # the edit form too
    lan = m["lan"].person
    url = reverse("members:person-update", args=[lan.pk])
    initial = _edit_data(lan)
    response = client_for(w.users["admin_a"]).post(url, {**initial, "full_name": "Trần Thị Lan 2"})
    assert response.status_code == 200 and "Họ và tên chỉ được gồm chữ cái" in body(response)
    response = client_for(w.users["admin_a"]).post(url, {**initial, "phone": "abc"})
    assert response.status_code == 200 and "Vui lòng nhập số điện thoại hợp lệ" in body(response)
    lan.refresh_from_db()
    assert lan.full_name == "Trần Thị Lan" and lan.phone == "0912345678"


def _edit_data(p) -> dict:
    from danvan.members.forms import PersonForm

    data = {k: ("" if v is None else v) for k, v in PersonForm.initial_for(p).items()}
    data["veteran"] = "on" if p.veteran else ""
    if data["birth_date"]:
        data["birth_date"] = data["birth_date"].isoformat()
    return {k: v for k, v in data.items() if v != "" or k in ("full_name",)}


def test_editing_a_person_keeps_the_memberships_possible(members, client_for):
    """A date of birth after a joining, or one that makes her younger than her organisation admits at the
    joining, is refused on the edit form as registration refuses it; the second passes with a reason."""
    w, m = members
    hoa = m["hoa"].person  # joined the Women's Union on 01/01/2012
    Person.objects.filter(pk=hoa.pk).update(citizen_id_enc="", citizen_id_hash="", citizen_id_last3="")
    hoa.refresh_from_db()
    client = client_for(w.users["admin_a"])
    url = reverse("members:person-update", args=[hoa.pk])
    data = _edit_data(hoa)
    response = client.post(url, {**data, "birth_date": "2013-01-01"})
    assert response.status_code == 200
    page = body(response)
    assert (
        "Hội Liên hiệp Phụ nữ, Chi hội Phụ nữ ấp Tân Lập: ngày kết nạp (01/01/2012) phải sau ngày sinh."
        in page
    )
    response = client.post(url, {**data, "birth_date": "1996-01-01"})  # 15 on 01/01/2012
    page = body(response)
    assert response.status_code == 200
    assert "Chi hội Phụ nữ ấp Tân Lập" in page and "nhận hội viên từ 18 tuổi" in page
    hoa.refresh_from_db()
    assert hoa.birth_date == date(1975, 7, 8)
    response = client.post(url, {**data, "birth_date": "1996-01-01", "override_reason": "Sổ gốc ghi sai năm"})
    assert response.status_code == 302
    m["hoa"].refresh_from_db()
    assert m["hoa"].eligibility_override == "Sổ gốc ghi sai năm" and m["hoa"].birth_date == date(1996, 1, 1)
    assert "ngoại lệ" in body(client.get(hoa.get_absolute_url()))


def test_a_branch_officer_cleans_up_a_person_registered_twice(members, client_for):
    """phunu.xa's case: the same woman registered twice in her branch. The merge folds the two memberships
    into the earlier one; registered twice in two branches, the officer removes the mistaken one (recorded
    lately) and merges."""
    w, m = members
    officer = client_for(w.users["women_officer_ca"])
    lan = m["lan"].person
    twin = person(w.village_a, name="Trần Thị Lan", birth_date=date(1990, 2, 3), with_id=False)
    join(twin, w.branches["women_va"], on=date(2024, 3, 1), actor=w.users["women_officer_ca"])
    response = officer.post(
        reverse("members:person-merge", args=[lan.pk]) + f"?other={twin.pk}",
        {"keep": lan.pk, "other": twin.pk},
    )
    assert response.status_code == 302
    assert list(Membership.objects.filter(person=lan, branch=w.branches["women_va"])) == [m["lan"]]
    from danvan.members import counts

    assert counts.verify() == []
    # in another branch of her Women's Union: removed by the officer as recorded by mistake, then merged
    from danvan.structure import services as structure_services

    root = superuser()
    village = structure_services.village_create(actor=root, commune=w.commune_a, name="Ấp Mới")
    other_branch = structure_services.branch_create(
        actor=root, organisation=w.orgs["women_ca"], unit=village, name="Chi hội Phụ nữ ấp Mới"
    )
    twin = person(village, name="Trần Thị Lan", birth_date=date(1990, 2, 3), with_id=False)
    wrong = join(twin, other_branch, on=date(2024, 3, 1), actor=root)  # recorded today, nothing since
    merge_url = reverse("members:person-merge", args=[lan.pk]) + f"?other={twin.pk}"
    assert officer.post(merge_url, {"keep": lan.pk, "other": twin.pk}).status_code == 302
    assert (
        not Membership.objects.filter(pk=wrong.pk).exists() and not Person.objects.filter(pk=twin.pk).exists()
    )
    assert counts.verify() == []
    # a joining recorded by mistake in the wrong branch: the officer removes it (the figures corrected); the
    # person, seen through that membership only, is out of her sight: back to the list
    someone = person(village, name="Võ Thị Nhầm", birth_date=date(1990, 2, 3), with_id=False)
    wrong = join(someone, other_branch, on=date(2024, 3, 1), actor=w.users["women_officer_ca"])
    assert reverse("members:membership-delete", args=[wrong.pk]) in body(
        officer.get(someone.get_absolute_url())
    )
    response = officer.post(reverse("members:membership-delete", args=[wrong.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("members:membership-list")
    assert "Đã xóa lượt hội viên." in body(response)
    assert not Membership.objects.filter(pk=wrong.pk).exists() and counts.verify() == []
    # her membership recorded long ago is history: no "remove" for the officer, and the address answers 403
    from datetime import timedelta

    from django.utils import timezone

    from danvan.members.models import Movement

    Movement.objects.filter(membership=m["lan"]).update(recorded_at=timezone.now() - timedelta(days=400))
    assert reverse("members:membership-delete", args=[m["lan"].pk]) not in body(
        officer.get(lan.get_absolute_url())
    )
    assert officer.get(reverse("members:membership-delete", args=[m["lan"].pk])).status_code == 403


def test_figures_tables_are_in_vietnamese_alphabetical_order(members, client_for):
    from danvan.structure import services as structure_services

    w, m = members
    root = superuser()
    for name in ("Ấp Xã Đoài", "Ấp Bình Minh", "Ấp Bến Tre", "Ấp Dương Hòa"):
        village = structure_services.village_create(actor=root, commune=w.commune_a, name=name)
        branch = structure_services.branch_create(
            actor=root, organisation=w.orgs["women_ca"], unit=village, name=f"Chi hội {name}"
        )
        join(person(village, name=f"Lê Thị {name[3:]}", with_id=False), branch, on=date(2020, 1, 1))
    client = client_for(w.users["admin_a"])
    page = body(client.get(reverse("members:figures") + f"?unit={w.commune_a.pk}&on=2020-06-01"))
    table = page.split('class="table table-sm table-hover align-middle mb-0 figures-table"', 1)[1].split(
        "</table>"
    )[0]
    order = ["Ấp Bến Tre", "Ấp Bình Minh", "Ấp Dương Hòa", "Ấp Phú Hòa", "Ấp Xã Đoài"]
    positions = [table.index(f">{n}</a>") for n in order]
    assert positions == sorted(positions), order
    breakdown = body(
        client.get(reverse("members:figures-breakdown") + f"?unit={w.commune_a.pk}&on=2020-06-01")
    )
    places = breakdown.split("scroll-box", 1)[1]
    positions = [places.index(f"<td>{n}</td>") for n in order]
    assert positions == sorted(positions)


def test_the_figures_say_which_date_they_used(members, client_for):
    from django.utils import timezone

    w, m = members
    client = client_for(w.users["admin_a"])
    today = timezone.localdate()
    url = reverse("members:figures")
    page = body(client.get(url, {"on": "2999-01-01"}))
    assert (
        f"Ngày 01/01/2999 nhập cho ngày xem số liệu ở sau hôm nay: đã dùng ngày hôm nay, {today:%d/%m/%Y}."
        in page
    )
    assert f'name="on" value="{today:%Y-%m-%d}"' in page
    page = body(client.get(url, {"on": "2024-13-45"}))
    assert (
        f"“2024-13-45” không phải là ngày hợp lệ cho ngày xem số liệu: đã dùng ngày {today:%d/%m/%Y}." in page
    )
    page = body(client.get(url, {"unit": w.commune_a.pk, "start": "2024-06-01", "end": "2024-01-01"}))
    assert "Kỳ kết thúc (01/01/2024) trước khi bắt đầu (01/06/2024): đã đổi chỗ hai ngày cho nhau." in page
    assert 'name="start" value="2024-01-01"' in page and 'name="end" value="2024-06-01"' in page
    # the links of the page carry the dates used, so the next page does not say it again
    assert "start=2024-01-01&amp;end=2024-06-01" in page
    assert "figures-notices" not in body(client.get(url, {"on": "2020-01-01"}))


def test_discarding_an_import_asks_first(members, client_for):
    from danvan.members.models import ImportBatch, ImportStatus

    w, m = members
    batch = ImportBatch.objects.create(
        filename="a.csv",
        created_by=w.users["admin_a"],
        status=ImportStatus.CHECKED,
        valid_rows=1,
        total_rows=1,
    )
    page = body(client_for(w.users["admin_a"]).get(batch.get_absolute_url()))
    form = page.split(reverse("members:import-discard", args=[batch.pk]), 1)[1].split("</form>", 1)[0]
    assert 'data-confirm="Hủy tệp này? Sẽ không có dòng nào của tệp được nhập."' in form
