"""The defects found by the QA audit of the members registry (08/12/2026), one test (or a few) per finding."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from danvan.members import selectors, services
from tests.factories import superuser
from tests.members.factories import join, person

pytestmark = pytest.mark.django_db


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


# --- 2. "Ngày kết nạp" is the date of joining the organisation, not of the last transfer -----------------


@pytest.fixture
def transferred(world):
    w = world
    root = superuser()
    anh = person(w.village_a, name="Nguyễn Kim Anh", birth_date=date(1980, 3, 3))
    first = join(anh, w.branches["women_va"], on=date(2006, 10, 24))
    moved = services.membership_transfer(
        actor=root, membership=first, to_branch=w.branches["women_va2"], on=date(2026, 1, 7)
    )
    again = services.membership_transfer(
        actor=root, membership=moved, to_branch=w.branches["women_va"], on=date(2026, 2, 3)
    )
    newcomer = person(w.village_a, name="Lê Thị Mới", birth_date=date(1990, 1, 1))
    new = join(newcomer, w.branches["women_va"], on=date(2026, 1, 20))
    return w, first, moved, again, new


def test_a_transfer_keeps_the_date_of_joining(transferred):
    w, first, moved, again, new = transferred
    assert (first.admitted_on, moved.admitted_on, again.admitted_on) == (date(2006, 10, 24),) * 3
    assert again.joined_on == date(2026, 2, 3)
    # a whole branch moving keeps it too
    count = services.branch_transfer(
        actor=superuser(), from_branch=w.branches["women_va"], to_branch=w.branches["women_va2"], on=date(2026, 3, 1)
    )
    assert count == 2
    arrived = selectors.memberships_visible(actor=superuser()).filter(
        branch=w.branches["women_va2"], left_on__isnull=True
    )
    assert sorted(m.admitted_on for m in arrived) == [date(2006, 10, 24), date(2026, 1, 20)]


def test_the_list_export_and_joined_filter_agree_with_the_figures(transferred, client_for):
    w, first, moved, again, new = transferred
    client = client_for(w.users["admin_a"])
    url = reverse("members:membership-list")
    page = body(client.get(url + f"?branch={w.branches['women_va'].pk}&status=active"))
    assert "24/10/2006" in page and "chuyển đến ngày 03/02/2026" in page
    # joined in January 2026: the newcomer only (the arrivals by transfer joined in 2006)
    period = "joined_after=2026-01-01&joined_before=2026-02-28"
    page = body(client.get(url + "?" + period))
    assert "Lê Thị Mới" in page and "Nguyễn Kim Anh" not in page
    f = selectors.figures(
        actor=w.users["admin_a"], unit=w.province_a, on=date(2026, 2, 28), start=date(2026, 1, 1),
        end=date(2026, 2, 28), org_type=None,
    )
    assert f.totals.joined == 1 == len(
        client.get(f"/api/memberships/?{period}").json()["results"]
    )
    response = client.get(url + "?q=nguyen kim anh&export=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True))
    header = list(rows[0])
    assert "Ngày kết nạp" in header and "Sinh hoạt tại chi hội từ" in header
    joined_col = header.index("Ngày kết nạp")
    assert {r[joined_col].date() for r in rows[1:]} == {date(2006, 10, 24)}


def test_the_member_book_prints_the_date_of_joining(transferred, client_for, monkeypatch):
    from danvan.members import book

    w, first, moved, again, new = transferred
    seen = {}

    def capture(*, title, heading, columns, rows, footer):
        seen["rows"] = rows
        return b"%PDF-1.4"

    monkeypatch.setattr(book, "member_book_pdf", capture)
    client_for(w.users["admin_a"]).get(reverse("members:branch-book", args=[w.branches["women_va"].pk]))
    line = next(r for r in seen["rows"] if r[1] == "Nguyễn Kim Anh")
    assert line[9] == "24/10/2006" and line[10] == "Chuyển đến ngày 03/02/2026"
