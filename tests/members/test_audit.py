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
        actor=superuser(),
        from_branch=w.branches["women_va"],
        to_branch=w.branches["women_va2"],
        on=date(2026, 3, 1),
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
        actor=w.users["admin_a"],
        unit=w.province_a,
        on=date(2026, 2, 28),
        start=date(2026, 1, 1),
        end=date(2026, 2, 28),
        org_type=None,
    )
    assert f.totals.joined == 1 == len(client.get(f"/api/memberships/?{period}").json()["results"])
    response = client.get(url + "?q=nguyen kim anh&export=xlsx")
    rows = list(
        load_workbook(io.BytesIO(response.content), read_only=True).active.iter_rows(values_only=True)
    )
    header = list(rows[0])
    assert "Ngày kết nạp" in header and "Sinh hoạt tại chi hội từ" in header
    joined_col = header.index("Ngày kết nạp")
    assert {r[joined_col].date() for r in rows[1:]} == {date(2006, 10, 24)}


def test_the_member_book_prints_the_date_of_joining(transferred, client_for, monkeypatch):
    from danvan.members import book

    w, first, moved, again, new = transferred
    seen = {}

    def capture(*, title, heading, columns, rows, footer, empty=""):
        seen["rows"] = rows
        return b"%PDF-1.4"

    monkeypatch.setattr(book, "member_book_pdf", capture)
    client_for(w.users["admin_a"]).get(reverse("members:branch-book", args=[w.branches["women_va"].pk]))
    line = next(r for r in seen["rows"] if r[1] == "Nguyễn Kim Anh")
    assert line[9] == "24/10/2006" and line[10] == "Chuyển đến ngày 03/02/2026"


# --- 4. the API look-up refuses what is no citizen ID, and never matches the people without one ----------


def test_the_api_lookup_refuses_a_blank_or_malformed_citizen_id(world):
    from rest_framework.test import APIClient

    w = world
    person(w.village_a, name="Nguyễn Thị Loan", with_id=False)  # registered without a citizen ID
    lan = person(w.village_a, name="Trần Thị Lan", birth_date=date(1990, 2, 3))
    join(lan, w.branches["women_va"])
    client = APIClient()
    client.force_authenticate(w.users["admin_a"])
    for payload, reason in (
        ({}, "Hãy nhập số CCCD cần tra cứu"),
        ({"citizen_id": "   "}, "Hãy nhập số CCCD cần tra cứu"),
        ({"citizen_id": "-"}, "Hãy nhập số CCCD cần tra cứu"),
        ({"citizen_id": "abc"}, "chỉ được gồm chữ số"),
        ({"citizen_id": "0123"}, "phải có đúng 12 chữ số"),
    ):
        response = client.post("/api/persons/lookup/", payload, format="json")
        assert response.status_code == 400, payload
        assert reason in response.json()["citizen_id"][0], payload
    missing = client.post("/api/persons/lookup/", {"citizen_id": "084190999999"}, format="json")
    assert missing.status_code == 404 and "Không có người nào có số CCCD này" in missing.json()["detail"]
    from danvan.core import crypto

    value = crypto.decrypt(lan.citizen_id_enc, context=lan.CITIZEN_ID_CONTEXT)
    found = client.post("/api/persons/lookup/", {"citizen_id": value}, format="json")
    assert found.status_code == 200 and found.json()["full_name"] == "Trần Thị Lan"


# --- 5. the rejected-rows file gives back every cell of a row refused by a file-wide or registry check ---


def test_the_rejected_file_keeps_every_column_of_a_row_refused_by_the_file_checks(world):
    from danvan.members import imports
    from tests.members.factories import citizen_id
    from tests.members.test_imports import HEADER, csv_bytes, start

    w = world
    admin = w.users["admin_a"]
    value = citizen_id(birth_year=2010, sex="F")

    def line(name):
        # Thạch Thị Sà Rên, a Khmer Buddhist, veteran, primary school, aged 10: admitted by exception
        cells = dict.fromkeys(HEADER, "")
        cells.update(
            zip(
                HEADER,
                [
                    name,
                    "01/01/2010",
                    "Nữ",
                    "Khơ-me",
                    "Phật giáo",
                    value,
                    "0912345678",
                    w.village_a.code,
                    "",
                    "Nông dân",
                    "Tiểu học",
                    "x",
                    w.branches["women_va"].pk,
                    "",
                    "01/01/2020",
                    "",
                    "Con liệt sĩ, Hội quyết định",
                ],
                strict=True,
            )
        )
        return [cells[h] for h in HEADER]

    batch = start(admin, csv_bytes([HEADER, line("Thạch Thị Sà Rên"), line("Thạch Thị Khác")]))
    book = load_workbook(io.BytesIO(imports.rejected_bytes(batch)), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header, rejected = rows[0], rows[1]
    cells = dict(zip(header, rejected, strict=True))
    assert rejected[0] == 3 and "khác họ tên" in cells["Lý do"]
    assert cells["Dân tộc"] == "Khơ-me"
    assert cells["Tôn giáo"] == "Phật giáo" and cells["Nghề nghiệp"] == "Nông dân"
    assert cells["Trình độ học vấn"] == "Tiểu học" and cells["Cựu chiến binh"] == "x"
    assert cells["Lý do ngoại lệ"] == "Con liệt sĩ, Hội quyết định"
    # the citizen ID stays masked, and the file says so
    assert cells["Số CCCD"] == f"•••••••••{value[-3:]}" and "nhập lại đầy đủ" in cells["Lý do"]


# --- 6. a member who lives outside the officer's units is edited without moving her ---------------------


def test_a_member_living_elsewhere_keeps_her_residence_on_the_edit_form(world, client_for):
    from danvan.members.models import Person
    from tests.members.test_views import _edit_data

    w = world
    vy = person(w.village_a2, name="Lê Vy", birth_date=date(1990, 5, 5))  # lives in commune A2
    join(vy, w.branches["women_va"])  # a member in commune A
    client = client_for(w.users["women_officer_ca"])
    url = reverse("members:person-update", args=[vy.pk])
    page = body(client.get(url))
    assert f'value="{w.village_a2.pk}" selected' in page
    response = client.post(url, {**_edit_data(vy), "occupation": "Buôn bán"})
    assert response.status_code == 302, body(response)
    vy = Person.objects.get(pk=vy.pk)
    assert vy.occupation == "Buôn bán" and vy.unit_id == w.village_a2.pk
    # another unit outside her scope is still refused
    outside = client.post(url, {**_edit_data(vy), "unit": w.village_b.pk})
    assert outside.status_code == 200 and "Hãy chọn một trong các lựa chọn" in body(outside)


# --- 7. a death ends every active membership of the person, in every organisation ------------------------


def test_a_death_recorded_by_one_branch_ends_the_memberships_of_every_organisation(world, client_for):
    from danvan.members.models import EndReason, Membership, Person, Status

    w = world
    anh = person(w.village_a, name="Trần Anh", birth_date=date(1970, 1, 1))
    women = join(anh, w.branches["women_va"], on=date(2015, 1, 1))
    farmers = join(anh, w.branches["farmers_va"], on=date(2016, 1, 1))
    veterans = join(anh, w.branches["veterans_va"], on=date(2017, 1, 1), override_reason="Thương binh")
    officer = w.users["women_officer_ca"]  # may change the Women's Union only
    assert not services.has_scope_permission(
        officer, "members.change_membership", farmers.unit_path, farmers.org_path
    )
    response = client_for(officer).post(
        reverse("members:membership-leave", args=[women.pk]),
        {"reason": EndReason.DECEASED, "on": "2025-12-03"},
    )
    assert response.status_code == 302
    for m in (women, farmers, veterans):
        m = Membership.objects.get(pk=m.pk)
        assert m.status == Status.DECEASED and m.left_on == date(2025, 12, 3)
        assert m.movements.filter(kind="leave", reason=EndReason.DECEASED, on=date(2025, 12, 3)).count() == 1
    assert Person.objects.get(pk=anh.pk).deceased_on == date(2025, 12, 3)
    page = body(client_for(officer).get(anh.get_absolute_url()))
    assert "Đã từ trần" in page or "từ trần" in page
    # the figures of every organisation stop counting her that day
    for day, expected in ((date(2025, 12, 2), 3), (date(2025, 12, 3), 0)):
        f = selectors.figures(actor=superuser(), unit=w.commune_a, on=day, start=day, end=day, org_type=None)
        assert f.totals.total == expected
    from danvan.members import counts

    assert not counts.verify()


def test_a_death_needs_the_right_over_the_person_and_a_consistent_date(world):
    from django.core.exceptions import PermissionDenied, ValidationError

    from danvan.members.models import EndReason

    w = world
    root = superuser()
    p = person(w.village_a, name="Lâm Thị Hai", birth_date=date(1970, 1, 1))
    women = join(p, w.branches["women_va"], on=date(2015, 1, 1))
    farmers = join(p, w.branches["farmers_va"], on=date(2020, 1, 1))
    with pytest.raises(ValidationError, match="01/01/2020"):  # the death would precede the farmers' joining
        services.membership_leave(
            actor=root, membership=women, on=date(2019, 6, 1), reason=EndReason.DECEASED
        )
    # an officer who may end the membership but not change the person (her former branch's record) is refused
    services.membership_leave(actor=root, membership=farmers, on=date(2021, 1, 1), reason=EndReason.RESIGNED)
    from unittest import mock

    with mock.patch.object(services, "may_person", return_value=False), pytest.raises(PermissionDenied):
        services.membership_leave(
            actor=root, membership=women, on=date(2022, 1, 1), reason=EndReason.DECEASED
        )


# --- 8. a large export runs as a background job (streamed), and every export is in the access log -------


def test_a_large_export_is_a_background_job_and_every_export_is_logged(world, client_for, monkeypatch):
    from danvan.core.models import AccessLog, Job, JobStatus
    from danvan.members import export
    from tests.members.factories import spelled

    w = world
    for i in range(7):
        join(
            person(w.village_a, name=f"Hội Viên {spelled(i + 1)}", birth_date=date(1980, 1, 1 + i)),
            w.branches["women_va"],
        )
    monkeypatch.setattr(export, "INLINE_MAX", 5)
    monkeypatch.setattr(export, "CHUNK", 3)  # several chunks of the server-side cursor
    user = w.users["admin_a"]
    client = client_for(user)
    url = reverse("members:membership-list")
    small = client.get(url + "?q=hoi vien b&export=csv")  # one row: at once
    assert small.status_code == 200 and "Hội Viên B," in body(small)
    log = AccessLog.objects.get(user=user, field="export")
    assert log.model == "members.Membership" and "csv" in log.purpose and "1" in log.purpose
    assert "q=hoi" in log.purpose and log.unit_path == w.province_a.path
    response = client.get(url + "?q=hoi vien&export=xlsx")  # seven rows: a job
    assert response.status_code == 302
    job = Job.objects.get(kind="members.export", created_by=user)
    assert response["Location"] == reverse("core:job-detail", args=[job.pk])
    page = body(client.get(response["Location"], follow=True))
    assert "tệp xuất đang được chuẩn bị trong nền" in page
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.progress == job.total == 7
    assert "Đã xuất 7 dòng" in job.result["summary"]
    download = client.get(reverse("core:job-result", args=[job.pk]))
    data = b"".join(download.streaming_content)
    sheet = load_workbook(io.BytesIO(data)).active
    names = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(names) == 7 and all(n.startswith("Hội Viên") for n in names)
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:L8"
    assert AccessLog.objects.filter(user=user, field="export", purpose__contains=f"{job.pk}").exists()
    # the job's file is its owner's only
    other = client_for(w.users["officer_ca"]).get(reverse("core:job-result", args=[job.pk]))
    assert other.status_code == 404


# --- 9. the merge form says which record is which ----------------------------------------------------------


def test_the_merge_choices_tell_the_two_records_apart(world, client_for):
    w = world
    a = person(w.village_a, name="Đặng Thị Anh", birth_date=date(1980, 3, 2))
    b = person(w.village_a2, name="Đặng Thị Anh", birth_date=date(1980, 3, 2), with_id=False)
    page = body(
        client_for(w.users["admin_a"]).get(reverse("members:person-merge", args=[a.pk]) + f"?other={b.pk}")
    )
    assert f"Đặng Thị Anh — CCCD •••{a.citizen_id_last3} · sinh 02/03/1980 · {w.village_a.name}" in page
    assert f"Đặng Thị Anh — không có CCCD · sinh 02/03/1980 · {w.village_a2.name} · hồ sơ số {b.pk}" in page


# --- 11. view-only roles are refused the join and whole-branch transfer forms; ended memberships too ------


def test_forms_of_changes_are_refused_to_view_only_roles_and_ended_memberships(world, client_for):
    from danvan.members.models import EndReason

    w = world
    lan = person(w.village_a, name="Trần Thị Lan")
    m = join(lan, w.branches["women_va"], on=date(2015, 1, 1))
    viewer = client_for(w.users["officer_ca"])  # a commission officer: looks, never changes
    for url in (
        reverse("members:person-join", args=[lan.pk]),
        reverse("members:branch-transfer", args=[w.branches["women_va"].pk]),
    ):
        response = viewer.get(url)
        assert response.status_code == 403, url
        assert "sẽ được chuyển" not in body(response)
    admin = client_for(w.users["admin_a"])
    assert admin.get(reverse("members:person-join", args=[lan.pk])).status_code == 200
    assert admin.get(reverse("members:branch-transfer", args=[w.branches["women_va"].pk])).status_code == 200
    services.membership_leave(actor=superuser(), membership=m, on=date(2020, 1, 1), reason=EndReason.RESIGNED)
    for name in ("members:membership-transfer", "members:membership-leave"):
        response = admin.get(reverse(name, args=[m.pk]), follow=True)
        assert response.redirect_chain[-1][0] == lan.get_absolute_url()
        assert "Lượt hội viên này đã kết thúc." in body(response)


# --- 12. a CSV with a stray NUL byte is read (the NUL dropped), not failed with an unexpected error -----


def test_a_csv_with_a_nul_byte_is_read(world):
    from danvan.members.models import ImportRow, ImportStatus
    from tests.members.test_imports import HEADER, csv_bytes, row, start

    w = world
    rows = [
        HEADER,
        row(
            "Trần Thị\x00 Lan",
            "03/02/1990",
            "Nữ",
            w.branches["women_va"].pk,
            "01/01/2020",
            residence=w.village_a.code,
        ),
    ]
    batch = start(w.users["admin_a"], csv_bytes(rows))
    assert batch.status == ImportStatus.CHECKED, batch.message
    staged = ImportRow.objects.get(batch_id=batch.pk)
    assert staged.errors == "" and staged.full_name == "Trần Thị Lan"


# --- 13. figures of a unit with no members: an empty state, no signed zero, one unit in both cards ------


def test_figures_of_a_unit_without_members_say_so(world, client_for):
    w = world
    client = client_for(w.users["admin_a"])
    page = body(client.get(reverse("members:figures") + f"?unit={w.village_a2.pk}"))
    assert "Không có đoàn viên, hội viên nào ở đây vào ngày này." in page and 'id="figures-empty"' in page
    assert "−0" not in page and "+0" not in page
    assert 'data-chart="bars"' not in page
    assert "và 0 lượt chuyển đến" in page and "và 0 lượt chuyển đi" in page
    breakdown = body(client.get(reverse("members:figures-breakdown") + f"?unit={w.village_a2.pk}"))
    assert 'id="breakdown-empty"' in breakdown and 'data-chart="pie"' not in breakdown
    # with members, the charts are there
    join(person(w.village_a2, name="Ngô Thị Một"), w.branches["women_va2"], on=date(2020, 1, 1))
    page = body(client.get(reverse("members:figures") + f"?unit={w.village_a2.pk}"))
    assert 'data-chart="bars"' in page and 'id="figures-empty"' not in page
    breakdown = body(client.get(reverse("members:figures-breakdown") + f"?unit={w.village_a2.pk}"))
    assert 'data-chart="pie"' in breakdown


# --- 14. revealing a citizen ID asks for a purpose, logged; a merge keeps the log leading to the record -


def test_a_citizen_id_reveal_needs_a_purpose_and_the_log_follows_a_merge(world, client_for):
    from danvan.core.models import AccessLog

    w = world
    admin = w.users["admin_a"]
    other = person(w.village_a, name="Đặng Thị Anh", birth_date=date(1980, 3, 2))
    keep = person(w.village_a, name="Đặng Thị Anh", birth_date=date(1980, 3, 2), with_id=False)
    client = client_for(admin)
    assert 'name="purpose" required' in body(client.get(other.get_absolute_url()))
    url = reverse("members:person-citizen-id", args=[other.pk])
    refused = client.post(url, {"purpose": " "}, HTTP_HX_REQUEST="true")
    assert "Hãy ghi ngắn gọn lý do cần xem đầy đủ số CCCD" in body(refused)
    assert 'id="citizen-id-value"' not in body(refused) and not AccessLog.objects.exists()
    shown = client.post(url, {"purpose": "Xác minh hồ sơ trùng"}, HTTP_HX_REQUEST="true")
    assert 'id="citizen-id-value"' in body(shown)
    log = AccessLog.objects.get(field="citizen_id")
    assert log.purpose == "Xác minh hồ sơ trùng" and log.object_pk == str(other.pk)
    services.person_merge(actor=admin, keep=keep, other=other)
    log.refresh_from_db()
    assert log.object_pk == str(keep.pk)


# --- 15. an exception needs a real reason; "over age" only past the organisation's age limit ------------


def test_an_exception_needs_a_reason_and_over_age_needs_an_age_limit(world, client_for):
    from django.core.exceptions import ValidationError

    from danvan.members.models import EndReason

    w = world
    girl = person(w.village_a, name="Lý Thị Nhỏ", birth_date=date(2010, 1, 1))
    for reason in ("x", "  x  ", "1234567890"):
        with pytest.raises(ValidationError) as exc:
            join(girl, w.branches["women_va"], on=date(2024, 1, 1), override_reason=reason)
        assert any("quá ngắn" in m or "too short" in m for m in exc.value.messages), reason
    m = join(girl, w.branches["women_va"], on=date(2024, 1, 1), override_reason="Con liệt sĩ, Hội quyết định")
    # the Women's Union has no upper age: "over age" is neither offered nor accepted
    page = body(client_for(w.users["admin_a"]).get(reverse("members:membership-leave", args=[m.pk])))
    assert 'value="over_age"' not in page and 'value="resigned"' in page
    with pytest.raises(ValidationError, match="không giới hạn tuổi tối đa|no upper age limit"):
        services.membership_leave(
            actor=superuser(), membership=m, on=date(2025, 1, 1), reason=EndReason.OVER_AGE
        )
    # the Youth Union's limit is 30: offered, and refused before the person is past it
    young = person(w.village_a, name="Lý Văn Trẻ", sex="M", birth_date=date(2000, 6, 1))
    youth = join(young, w.branches["youth_va"], on=date(2018, 1, 1))
    page = body(client_for(w.users["admin_a"]).get(reverse("members:membership-leave", args=[youth.pk])))
    assert 'value="over_age"' in page
    with pytest.raises(ValidationError, match="25"):
        services.membership_leave(
            actor=superuser(), membership=youth, on=date(2025, 7, 1), reason=EndReason.OVER_AGE
        )


# --- 16. readable exports: the member book's columns fit their content; the list workbook as the others --


def test_the_member_book_columns_fit_and_an_empty_book_says_so(world, client_for, monkeypatch):
    from danvan.members import book, pdf

    w = world
    p = person(
        w.village_a,
        name="Nguyễn Thị Công Chức",
        birth_date=date(1980, 1, 1),
        occupation="Cán bộ, công chức",
        religion="02",
    )
    join(p, w.branches["women_va"], on=date(2015, 1, 1))
    seen = {}
    real = pdf.member_book_pdf

    def capture(**kwargs):
        seen.update(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(book, "member_book_pdf", capture)
    client = client_for(w.users["admin_a"])
    assert client.get(reverse("members:branch-book", args=[w.branches["women_va"].pk])).status_code == 200
    doc = pdf.Document(title="x")
    page_width = doc.size[0] - 2 * 28.0
    widths = pdf.column_widths(doc, seen["columns"], seen["rows"], page_width, 8.5)
    assert abs(sum(widths) - page_width) < 0.01
    for column, width in zip(seen["columns"], widths, strict=True):
        assert all(doc.width(line, 8.5) <= width - 6 for line in pdf._two_lines(column.title)), column.title
    for value, width in zip(seen["rows"][0], widths, strict=True):
        assert doc.fit(value, 8.5, width - 6) == value  # nothing cut: "Cán bộ, công chức", "Công giáo"
    assert "Cán bộ, công chức" in seen["rows"][0]
    seen.clear()
    response = client.get(reverse("members:branch-book", args=[w.branches["women_va2"].pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert seen["rows"] == [] and seen["empty"].startswith("Chi hội không có hội viên nào vào ngày")


def test_the_list_workbook_has_sized_columns_a_frozen_filtered_header_and_real_dates(world, client_for):
    w = world
    join(person(w.village_a, name="Trần Thị Lan", birth_date=date(1978, 3, 7)), w.branches["women_va"])
    response = client_for(w.users["admin_a"]).get(reverse("members:membership-list") + "?export=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:L2"
    assert sheet.column_dimensions["A"].width >= 28 and sheet.column_dimensions["F"].width >= 30
    born = sheet["B2"]
    assert born.value.date() == date(1978, 3, 7) and born.number_format == "DD/MM/YYYY"


# --- 17. the rows checked are counted as the parsing processes go, not only after each chunk's COPY ------


def test_the_parsing_processes_count_the_rows_as_they_check_them(world, monkeypatch):
    import multiprocessing

    from danvan.members import imports
    from danvan.members.models import ImportBatch
    from tests.members.test_imports import HEADER, csv_bytes, row

    w = world
    admin = w.users["admin_a"]
    rows = [HEADER] + [
        row(
            f"Người Thử {chr(65 + i)}",
            "01/01/1980",
            "Nữ",
            w.branches["women_va"].pk,
            "01/01/2020",
            residence=w.village_a.code,
        )
        for i in range(9)
    ]
    content = csv_bytes(rows)
    batch = ImportBatch.objects.create(filename="a.csv", created_by=admin)
    monkeypatch.setattr(imports, "CHUNK", 6)
    monkeypatch.setattr(imports, "PROGRESS_ROWS", 2)
    monkeypatch.setattr(imports.connection, "close", lambda: None)  # the test's own transaction stays open
    counter = multiprocessing.get_context("fork").Value("q", 0)
    seen = []
    real_staged = imports._staged

    def staged(*args):
        seen.append(counter.value)  # what the progress shows when each row is read
        return real_staged(*args)

    monkeypatch.setattr(imports, "_staged", staged)
    fh = io.BytesIO(content)
    parser = imports.RowParser(imports.load_context(admin), None)
    header, positions, _number = imports.read_header(imports.open_rows(io.BytesIO(content), "a.csv"))
    parser = imports.RowParser(imports.load_context(admin), positions)
    monkeypatch.setattr(
        imports, "_WORKER_STATE", (parser, header, positions, batch.pk, fh, "a.csv", 100, 1, counter)
    )
    assert imports._stage_stride(0) == 9
    # counted by two as they are checked, before the COPY of the first chunk of six: 0 0 2 2 4 4 6 6 8
    assert seen == [0, 0, 2, 2, 4, 4, 6, 6, 8] and counter.value == 9
    imports.discard_rows(batch)
