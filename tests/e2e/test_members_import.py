"""An officer imports a file of members through the browser: upload, preview with the rejected rows and their
Vietnamese reasons, confirmation, then the people in the list (found without accents)."""

import pytest

from danvan.members.models import ImportBatch, ImportStatus, Membership, Person
from tests.e2e.conftest import login
from tests.factories import build_world
from tests.members.test_imports import HEADER, csv_bytes, row

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_an_officer_imports_a_file_and_finds_the_new_members(live_server, browser_page):
    w = build_world()
    page = browser_page
    women = w.branches["women_va"].pk
    village = w.village_a.code
    content = csv_bytes(
        [
            HEADER,
            row("Trần Thị Lan", "03/02/1990", "Nữ", women, "01/03/2015", residence=village),
            row("Ngô Văn Bé", "01/01/1990", "Nam", women, "01/01/2015", residence=village),  # a man: refused
            row("Phạm Thị Út", "31/02/1990", "Nữ", women, "01/01/2015", residence=village),  # no such date
        ]
    )
    login(page, live_server.url, "women_ca")
    page.goto(f"{live_server.url}/members/imports/")
    page.set_input_files(
        "input[name=file]", files=[{"name": "hoi-vien.csv", "mimeType": "text/csv", "buffer": content}]
    )
    page.click("button:has-text('Tải lên và kiểm tra')")
    page.wait_for_load_state("networkidle")
    batch = ImportBatch.objects.get()
    assert page.url.rstrip("/").endswith(f"/members/imports/{batch.pk}")
    page.wait_for_selector("text=Nhập 1 dòng hợp lệ")  # the check ran; the preview offers the valid row
    batch.refresh_from_db()
    assert (batch.status, batch.total_rows, batch.valid_rows, batch.error_rows) == ("checked", 3, 1, 2)
    assert Person.objects.count() == 0  # nothing in the registry before the confirmation
    body = page.content()
    assert "Hội Liên hiệp Phụ nữ" in body  # the eligibility rule, in Vietnamese, names the organisation
    assert "31/02/1990" in body  # the rejected row's cells are shown with its reason
    page.on("dialog", lambda dialog: dialog.accept())  # "Nhập mọi dòng hợp lệ ngay bây giờ?"
    page.click("button:has-text('Nhập 1 dòng hợp lệ')")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("text=Đã nhập")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED
    assert list(Membership.objects.values_list("person__full_name", "branch_id")) == [("Trần Thị Lan", women)]
    page.click("text=Đến danh sách đoàn viên, hội viên")
    page.wait_for_load_state("networkidle")
    page.fill("input[name=q]", "tran thi lan")
    page.click("#member-filter button[type=submit]")  # the filter's own button (not the phone's fold toggle)
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("text=Trần Thị Lan")
    assert "Ngô Văn Bé" not in page.content()
