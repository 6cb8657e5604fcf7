"""Excel/CSV import: template, background check with per-row errors and duplicate matches, preview, commit
of all valid rows (or nothing), rejected rows in a result file; files that cannot be read change nothing."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook, load_workbook

from danvan.core.models import Job, JobStatus
from danvan.members import counts, imports, services
from danvan.members.models import (
    DuplicateCandidate,
    ImportBatch,
    ImportRow,
    ImportStatus,
    Membership,
    Movement,
    Person,
)
from tests.members.factories import citizen_id, join, person, spelled

pytestmark = pytest.mark.django_db

with translation.override("vi"):
    HEADER = [str(c.label) for c in imports.COLUMNS]  # the template's first row, in Vietnamese


def row(name, birth, sex, branch, joined, *, cid="", residence="", ethnicity="Kinh", veteran="", override=""):
    return [
        name,
        birth,
        sex,
        ethnicity,
        "",
        cid,
        "0912345678",
        residence,
        "",
        "Nông dân",
        "",
        veteran,
        branch,
        "",
        joined,
        "",
        override,
    ]


def csv_bytes(rows, encoding="utf-8-sig", delimiter=",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for r in rows:
        writer.writerow(r)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def start(actor, content: bytes, name="hoi-vien.csv", language="vi") -> ImportBatch:
    batch = services.import_start(actor=actor, upload=SimpleUploadedFile(name, content), language=language)
    batch.refresh_from_db()
    return batch


def test_a_file_is_checked_previewed_then_committed(world):
    w = world
    admin = w.users["admin_a"]
    va = w.village_a.code
    women, farmers = w.branches["women_va"].pk, w.branches["farmers_va"].pk
    lan = citizen_id(birth_year=1990, sex="F")
    rows = [
        HEADER,
        row("Trần Thị Lan", "03/02/1990", "Nữ", women, "01/03/2015", cid=lan, residence=va),
        row(
            "Trần Thị Lan", "03/02/1990", "Nữ", farmers, "01/03/2016", cid=lan, residence=va
        ),  # same person, 2nd org
        row(
            "Lê Văn Tư", "1960", "Nam", farmers, "05/05/2010", residence=w.village_a.code
        ),  # year of birth only
        row(
            "Ngô Văn Bé", "01/01/1990", "Nam", women, "01/01/2015", residence=va
        ),  # a man in the Women's Union
        row("Phạm Thị Út", "31/02/1990", "Nữ", women, "01/01/2015", residence=va),  # no such date
        row(
            "Đỗ Thị Năm", "01/01/1985", "Nữ", w.branches["women_vb"].pk, "01/01/2015", residence=va
        ),  # other province
        [],
        row("Võ Thị Sáu", "01/01/1980", "Nữ", women, "01/01/2015", residence="99999"),
    ]
    batch = start(admin, csv_bytes(rows))
    assert batch.status == ImportStatus.CHECKED, batch.message
    assert (batch.total_rows, batch.valid_rows, batch.error_rows) == (7, 3, 4)
    assert Person.objects.count() == 0  # nothing in the registry yet
    errors = dict(
        ImportRow.objects.filter(batch_id=batch.pk).exclude(errors="").values_list("row_number", "errors")
    )
    assert "Hội Liên hiệp Phụ nữ" in errors[5]  # the rule, in the user's language, names the organisation
    assert set(errors) == {5, 6, 7, 9}
    assert batch.rejected_file
    sheet = load_workbook(batch.rejected_file.open("rb"), read_only=True).active
    lines = list(sheet.iter_rows(values_only=True))
    assert [line[0] for line in lines[1:]] == [5, 6, 7, 9]
    services.import_commit_start(actor=admin, batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED, batch.message
    assert Person.objects.count() == 2 and Membership.objects.count() == 3
    lan_person = Person.objects.get(full_name="Trần Thị Lan")
    assert lan_person.memberships.count() == 2 and lan_person.citizen_id_last3 == lan[-3:]
    assert services.person_citizen_id(actor=admin, person=lan_person, purpose="Kiểm tra") == lan
    assert Person.objects.get(full_name="Lê Văn Tư").birth_date is None
    assert Movement.objects.filter(kind="join", import_batch=batch).count() == 3
    assert not ImportRow.objects.filter(batch_id=batch.pk).exists()
    assert counts.verify() == []


def fail_message(batch: ImportBatch) -> str:
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    return batch.message


def test_an_excel_file_with_excel_types(world):
    """Dates as dates, citizen IDs and phones as numbers (Excel drops their leading zero), ids as numbers."""
    w = world
    value = citizen_id(birth_year=1990, sex="F")
    rows = [
        HEADER,
        [
            "Trần Thị Lan",
            datetime(1990, 2, 3),
            "nữ",
            "khmer",
            "phat giao",
            int(value),
            912345678,
            w.village_a.code,
            "",
            "",
            "Đại học",
            "",
            w.branches["women_va"].pk,
            12,
            datetime(2015, 3, 1),
            "",
            "",
        ],
    ]
    batch = start(w.users["admin_a"], xlsx_bytes(rows), name="hoi-vien.xlsx")
    assert (batch.status, batch.valid_rows, batch.error_rows) == (ImportStatus.CHECKED, 1, 0), batch.message
    services.import_commit_start(actor=w.users["admin_a"], batch=batch)
    p = Person.objects.get()
    assert (p.ethnicity, p.religion, p.phone, p.education) == ("05", "01", "0912345678", "university")
    assert services.person_citizen_id(actor=w.users["admin_a"], person=p, purpose="Kiểm tra") == value
    assert p.memberships.get().member_number == "12"


def test_columns_not_in_the_template_are_named_in_the_preview(world):
    """A title that names no column (here an extra column, and the address title split in two by an
    unquoted comma) is said in the summary; the rows are read by the other columns."""
    w = world
    address = str(imports.COLUMNS[imports.INDEX["address"]].label)
    header = [*HEADER, "Ghi chú khác"]
    header[header.index(address)] = address.split(",")[0]  # "Địa chỉ (số nhà"
    rows = [
        header,
        row(
            "Trần Thị Lan",
            "03/02/1990",
            "Nữ",
            w.branches["women_va"].pk,
            "01/01/2020",
            residence=w.village_a.code,
        )
        + ["x"],
    ]
    batch = start(w.users["admin_a"], csv_bytes(rows))
    assert (batch.status, batch.valid_rows, batch.error_rows) == (ImportStatus.CHECKED, 1, 0)
    assert (
        "Các cột không có trong tệp mẫu, không được đọc: “Địa chỉ (số nhà”, “Ghi chú khác”" in batch.message
    )
    assert batch.message.startswith("Đã đọc 1 dòng: 1 dòng hợp lệ")
    batch.refresh_from_db()
    assert batch.ignored_columns == ["Địa chỉ (số nhà", "Ghi chú khác"]  # kept with the import
    plain = start(w.users["admin_a"], csv_bytes([HEADER, rows[1][:-1]]))
    assert "không được đọc" not in plain.message
    assert plain.ignored_columns == []


@pytest.mark.parametrize(
    "content, name, expected",
    [
        (
            b"Ho ten;Ngay sinh\nTr\xe2\xecn Th\xf2 Lan;1990\n",
            "a.csv",
            "không được mã hóa UTF-8",
        ),  # Windows-1258
        ("Họ và tên,x\n".encode("utf-16"), "b.csv", "không được mã hóa UTF-8"),
        (b"", "c.csv", "Tệp không có dữ liệu"),
        (b"\xef\xbb\xbf\n\n", "d.csv", "Tệp không có dữ liệu"),
        ("Tên,Tuổi\nA,1\n".encode(), "e.csv", "Thiếu cột"),
        (b"PK\x03\x04 not really a workbook", "f.xlsx", "Không đọc được tệp dưới dạng bảng tính Excel"),
    ],
)
def test_unreadable_files_get_a_clear_message_and_change_nothing(world, content, name, expected):
    """(The messages are in Vietnamese, the language of the user who uploaded the file.)"""
    batch = start(world.users["admin_a"], content or b"\n", name=name)
    assert expected in fail_message(batch)
    assert not ImportRow.objects.exists() and not Person.objects.exists()


def test_a_header_without_rows_and_a_bad_row_mid_file(world):
    w = world
    with translation.override("en"):
        assert "no data rows" in fail_message(start(w.users["admin_a"], csv_bytes([HEADER]), language="en"))
        # bad bytes after good rows: the rows already staged are dropped too
        good = csv_bytes(
            [HEADER]
            + [
                row(
                    f"Người {spelled(i)}",
                    "01/01/1980",
                    "Nữ",
                    w.branches["women_va"].pk,
                    "01/01/2015",
                    residence=w.village_a.code,
                )
                for i in range(30)
            ]
        )
        batch = start(w.users["admin_a"], good + b"Tr\xe2\xecn Th\xf2 \xc1nh,1990\n", language="en")
        assert "not encoded in UTF-8" in fail_message(batch)
    assert not ImportRow.objects.exists()


def test_too_many_rows_are_refused(world, settings):
    settings.DANVAN_MEMBERS_IMPORT_MAX_ROWS = 5
    w = world
    rows = [HEADER] + [
        row(
            f"Người {spelled(i)}",
            "01/01/1980",
            "Nữ",
            w.branches["women_va"].pk,
            "01/01/2015",
            residence=w.village_a.code,
        )
        for i in range(6)
    ]
    with translation.override("en"):
        message = fail_message(start(w.users["admin_a"], csv_bytes(rows), language="en"))
    assert "more than 5 data rows" in message
    assert not ImportRow.objects.exists()


def test_registered_people_duplicates_and_the_same_citizen_id_twice(world):
    w = world
    admin = w.users["admin_a"]
    known = person(w.village_a, name="Trần Thị Lan", birth_date=date(1990, 2, 3))
    value = services.person_citizen_id(actor=admin, person=known, purpose="Kiểm tra")
    join(known, w.branches["women_va"], on=date(2010, 1, 1))
    other = citizen_id(birth_year=1985, sex="F")
    rows = [
        HEADER,
        row(
            "Trần Thị Lan",
            "03/02/1990",
            "Nữ",
            w.branches["farmers_va"].pk,
            "01/01/2020",
            cid=value,
            residence=w.village_a.code,
        ),
        row(
            "Trần Thị Lan",
            "03/02/1990",
            "Nữ",
            w.branches["women_va2"].pk,
            "01/01/2020",
            cid=value,
            residence=w.village_a.code,
        ),
        row(
            "Trần Thị Lan",
            "03/02/1990",
            "Nữ",
            w.branches["women_va"].pk,
            "01/01/2020",
            residence=w.village_a.code,
        ),
        row(
            "Lê Thị Bốn",
            "01/01/1985",
            "Nữ",
            w.branches["women_va"].pk,
            "01/01/2020",
            cid=other,
            residence=w.village_a.code,
        ),
        row(
            "Lê Thị Năm",
            "01/01/1985",
            "Nữ",
            w.branches["farmers_va"].pk,
            "01/01/2020",
            cid=other,
            residence=w.village_a.code,
        ),
        row(
            "Lê Thị Bốn",
            "01/01/1985",
            "Nữ",
            w.branches["women_va2"].pk,
            "01/01/2020",
            cid=other,
            residence=w.village_a.code,
        ),
    ]
    batch = start(admin, csv_bytes(rows), language="en")
    staged = {r.row_number: r for r in ImportRow.objects.filter(batch_id=batch.pk)}
    assert staged[2].errors == "" and staged[2].matched_person_id == known.pk  # a membership added to her
    assert "Already an active member" in staged[3].errors  # she is already in the Women's Union
    assert staged[4].errors == "" and "May be Trần Thị Lan" in staged[4].duplicate_note  # no ID: flagged
    assert staged[5].errors == ""
    assert "different name" in staged[6].errors  # same ID, another name
    assert "already joins this person to the same organisation" in staged[7].errors
    # rows rejected by a check of the whole file keep what was read, in the preview and the rejected file
    assert staged[7].cells is None
    book = load_workbook(io.BytesIO(imports.rejected_bytes(batch)), read_only=True)
    lines = {r[0]: r for r in book.worksheets[0].iter_rows(values_only=True)}
    assert "Lê Thị Bốn" in lines[7] and "01/01/1985" in lines[7] and f"•••••••••{other[-3:]}" in lines[7]
    assert any(s in lines[7][-1] for s in ("type it again in full", "nhập lại đầy đủ"))  # and says why
    services.import_commit_start(actor=admin, batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED
    assert set(known.memberships.values_list("branch_id", flat=True)) == {
        w.branches["women_va"].pk,
        w.branches["farmers_va"].pk,
    }
    new_lan = Person.objects.get(full_name="Trần Thị Lan", citizen_id_hash="")
    assert DuplicateCandidate.objects.filter(person=new_lan, other=known).exists()
    assert Person.objects.filter(full_name="Lê Thị Bốn").count() == 1


def test_a_row_joining_a_registered_person_takes_her_registered_details(world):
    """A row with the citizen ID of a registered person adds a membership to her; the membership's copy of
    her details (what the list filters on) is the registry's, fuller than the row's year of birth; the daily
    counts take the new membership."""
    w = world
    admin = w.users["admin_a"]
    known = person(w.village_a, name="Trần Thị Lan", birth_date=date(1990, 2, 3))
    value = services.person_citizen_id(actor=admin, person=known, purpose="Kiểm tra")
    rows = [
        HEADER,
        row(
            "Trần Thị Lan",
            "1990",
            "Nữ",
            w.branches["farmers_va"].pk,
            "01/01/2020",
            cid=value,
            residence=w.village_a.code,
        ),
    ]
    batch = start(admin, csv_bytes(rows), language="en")
    assert (batch.matched_rows, batch.valid_rows, batch.error_rows) == (1, 1, 0)
    services.import_commit_start(actor=admin, batch=batch)
    added = known.memberships.get()
    assert (added.birth_date, added.birth_year, added.search_name, added.sex) == (
        date(1990, 2, 3),
        1990,
        known.search_name,
        "F",
    )
    assert Person.objects.filter(search_name=known.search_name).count() == 1
    assert counts.verify() == []


def test_nothing_is_imported_when_the_registry_changed_meanwhile(world):
    w = world
    admin = w.users["admin_a"]
    value = citizen_id(birth_year=1980, sex="F")
    rows = [
        HEADER,
        row(
            "Đỗ Thị Sáu",
            "01/01/1980",
            "Nữ",
            w.branches["women_va"].pk,
            "01/01/2015",
            cid=value,
            residence=w.village_a.code,
        ),
        row(
            "Võ Thị Bảy",
            "01/01/1981",
            "Nữ",
            w.branches["women_va"].pk,
            "01/01/2015",
            residence=w.village_a.code,
        ),
    ]
    batch = start(admin, csv_bytes(rows))
    assert batch.valid_rows == 2
    # someone registers the same person, with another name, before the import is confirmed
    services.person_create(
        actor=admin,
        data=services.PersonData(
            full_name="Đỗ Thị Khác", sex="F", unit=w.village_a, birth_date=date(1980, 1, 1), citizen_id=value
        ),
    )
    services.import_commit_start(actor=admin, batch=batch)
    batch.refresh_from_db()
    assert (
        batch.status == ImportStatus.CHECKED and batch.valid_rows == 1
    )  # back to the preview, one row rejected
    assert not Person.objects.filter(full_name__in=["Đỗ Thị Sáu", "Võ Thị Bảy"]).exists()
    assert not Membership.objects.exists()
    assert Job.objects.filter(kind="members.import_commit", status=JobStatus.FAILED).exists()


@pytest.mark.django_db(transaction=True)
def test_people_committed_by_another_file_meanwhile_are_flagged_as_possible_duplicates(world):
    """Outside a transaction, two files with the same people without citizen IDs, checked before either is committed: the second
    one's commit finds the people the first one wrote, and flags them for review as its check would have."""
    w = world
    admin = w.users["admin_a"]
    rows = [
        HEADER,
        row(
            "Kiểm Thị Thử Hai",
            "1985",
            "Nữ",
            w.branches["women_va"].pk,
            "01/01/2015",
            residence=w.village_a.code,
        ),
    ]
    first, second = start(admin, csv_bytes(rows)), start(admin, csv_bytes(rows))
    assert first.duplicate_rows == 0 and second.duplicate_rows == 0
    services.import_commit_start(actor=admin, batch=first)
    services.import_commit_start(actor=admin, batch=second)
    second.refresh_from_db()
    assert second.status == ImportStatus.COMMITTED and second.duplicate_rows == 1
    people = list(Person.objects.filter(full_name="Kiểm Thị Thử Hai").order_by("pk"))
    assert len(people) == 2
    pair = DuplicateCandidate.objects.get()
    assert {pair.person_id, pair.other_id} == {p.pk for p in people}


def test_the_template_the_preview_and_the_permissions(world, client_for):
    w = world
    client = client_for(w.users["admin_a"])
    response = client.get("/members/imports/template/")
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(book.sheetnames) >= 6
    first = next(book.worksheets[0].iter_rows(values_only=True))
    assert len(first) == len(imports.COLUMNS)
    from openpyxl.utils import get_column_letter

    columns = load_workbook(io.BytesIO(response.content)).worksheets[0].column_dimensions
    for key in ("citizen_id", "phone"):  # text columns: Excel keeps the leading zero
        assert columns[get_column_letter(imports.INDEX[key] + 1)].number_format == "@"
    branches = [r for r in book.worksheets[2].iter_rows(values_only=True)]
    assert any(r[0] == w.branches["women_va"].pk for r in branches)
    assert all(
        r[0] != w.branches["women_vb"].pk for r in branches
    )  # another province's branch is not offered
    rows = [
        HEADER,
        row(
            "Trần Thị Lan",
            "03/02/1990",
            "Nữ",
            w.branches["women_va"].pk,
            "01/01/2015",
            residence=w.village_a.code,
        ),
        row("", "03/02/1990", "Nữ", w.branches["women_va"].pk, "01/01/2015", residence=w.village_a.code),
    ]
    response = client.post("/members/imports/", {"file": SimpleUploadedFile("a.csv", csv_bytes(rows))})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == batch.get_absolute_url()
    page = client.get(batch.get_absolute_url() + "?show=errors").content.decode()
    assert "Trần Thị Lan" not in page and ("required" in page or "bắt buộc" in page)
    assert client.get(f"/members/imports/{batch.pk}/rejected/").status_code == 200
    # another user cannot see it, a commission officer cannot import
    assert client_for(w.users["admin_b"]).get(batch.get_absolute_url()).status_code == 404
    assert client_for(w.users["officer_ca"]).get("/members/imports/").status_code == 403
    response = client.post(f"/members/imports/{batch.pk}/discard/")
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DISCARDED and not ImportRow.objects.exists()
    assert not batch.check_job.input_file  # the uploaded file, with its citizen IDs, is gone


def test_the_commit_checks_references_set_based_and_restores_the_triggers(world):
    """The commit checks the references of the staged rows in one statement per table (and then inserts without
    per-row foreign-key triggers): a branch removed since the check refuses it, and nothing is written."""
    from django.db import connection

    w = world
    admin = w.users["admin_a"]
    rows = [
        HEADER,
        row(
            "Võ Thị Tám",
            "01/01/1981",
            "Nữ",
            w.branches["women_va"].pk,
            "01/01/2015",
            residence=w.village_a.code,
        ),
        row(
            "Võ Thị Chín",
            "01/01/1982",
            "Nữ",
            w.branches["women_va"].pk,
            "01/01/2015",
            residence=w.village_a.code,
        ),
    ]
    batch = start(admin, csv_bytes(rows))
    assert batch.valid_rows == 2
    ImportRow.objects.filter(batch_id=batch.pk, row_number=3).update(branch_id=987654321)
    with pytest.raises(imports.CommitRefused):
        imports.commit(batch, actor=admin)
    assert not Person.objects.filter(full_name__startswith="Võ Thị").exists()
    assert not Membership.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
    ImportRow.objects.filter(batch_id=batch.pk, row_number=3).update(branch_id=w.branches["women_va"].pk)
    result = imports.commit(batch, actor=admin)
    assert result["people"] == 2 and result["memberships"] == 2
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
    assert Membership.objects.filter(person__full_name__startswith="Võ Thị").count() == 2
    assert counts.verify() == []


def test_an_import_into_branches_with_a_history_keeps_the_daily_counts(monkeypatch):
    """The daily counts are shifted set-based: new days before, between and on the kept days of branches
    with five years of history, and after the last one, must give what a rebuild from the memberships gives."""
    from datetime import timedelta

    from danvan.core import demo
    from danvan.members import generator
    from danvan.members.models import DailyCount
    from danvan.structure.models import Branch, Unit
    from tests.factories import superuser

    monkeypatch.setattr(demo, "EXTENSIONS", [])
    result = demo.generate(province_code="86", villages_per_commune=(1, 1), max_communes=2, size="small")
    generator.generate(province=result.province, seed=5, memberships=1500)
    assert counts.verify() == []
    root = superuser()
    today = date.today()
    women = list(
        Branch.objects.filter(unit_path__startswith="86/", organisation__type__code="women", is_active=True)
    )
    assert women
    village = Unit.objects.filter(path__startswith="86/", level="village").first()
    rows, expected = [HEADER], 0
    for branch in women:
        days = sorted(DailyCount.objects.filter(branch=branch).values_list("day", flat=True))
        wanted = [today - timedelta(days=1), today - timedelta(days=5 * 366)]  # after all, before all
        if days:
            wanted += [days[0], days[len(days) // 2], days[-1], days[len(days) // 2] + timedelta(days=1)]
        for day in wanted:
            if day >= today or day < date(1950, 1, 1):  # (born in 1930: 18 years old or more)
                continue
            for _twice in range(2):
                expected += 1
                rows.append(
                    row(
                        f"Lê Thị Nhập {spelled(expected)}",
                        "01/01/1930",
                        "Nữ",
                        branch.pk,
                        day.strftime("%d/%m/%Y"),
                        cid=citizen_id(birth_year=1930, sex="F"),
                        residence=village.code,
                    )
                )
    active_before = {b.pk: Membership.objects.filter(branch=b, left_on__isnull=True).count() for b in women}
    batch = start(root, csv_bytes(rows))
    assert batch.status == ImportStatus.CHECKED, batch.message
    assert batch.valid_rows == expected, list(
        ImportRow.objects.filter(batch_id=batch.pk).exclude(errors="").values_list("errors", flat=True)[:3]
    )
    services.import_commit_start(actor=root, batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED, batch.message
    assert counts.verify() == []
    for b in women:
        last = DailyCount.objects.filter(branch=b).order_by("-day").first()
        added = Membership.objects.filter(branch=b, import_batch_id=batch.pk).count()
        assert added > 0 and last.active == active_before[b.pk] + added


@pytest.mark.django_db(transaction=True)
def test_the_commit_compares_again_only_the_people_written_since_the_check(world):
    """Outside a transaction: the commit's comparison with the registry starts from the check's horizon. It
    finds the person registered since with a row's citizen ID, keeps the match with a person registered
    before, drops the match with a person deleted since, and ends where a comparison from nothing ends."""
    w = world
    admin = w.users["admin_a"]
    va = w.village_a.code
    known = person(w.village_a, name="Trần Thị Lan", birth_date=date(1990, 2, 3))
    gone = person(w.village_a, name="Lý Thị Mai", birth_date=date(1991, 4, 5))
    known_id = services.person_citizen_id(actor=admin, person=known, purpose="Kiểm tra")
    gone_id = services.person_citizen_id(actor=admin, person=gone, purpose="Kiểm tra")
    later_id = citizen_id(birth_year=1980, sex="F")
    farmers = w.branches["farmers_va"].pk
    rows = [
        HEADER,
        row("Trần Thị Lan", "03/02/1990", "Nữ", farmers, "01/01/2020", cid=known_id, residence=va),
        row("Lý Thị Mai", "05/04/1991", "Nữ", farmers, "01/01/2020", cid=gone_id, residence=va),
        row("Đỗ Thị Sáu", "01/01/1980", "Nữ", farmers, "01/01/2015", cid=later_id, residence=va),
    ]
    batch = start(admin, csv_bytes(rows))
    assert (batch.valid_rows, batch.matched_rows) == (3, 2) and batch.registry_horizon
    services.person_create(
        actor=admin,
        data=services.PersonData(
            full_name="Đỗ Thị Sáu",
            sex="F",
            unit=w.village_a,
            birth_date=date(1980, 1, 1),
            citizen_id=later_id,
        ),
    )
    Person.objects.filter(pk=gone.pk).delete()

    def matches():
        return dict(
            ImportRow.objects.filter(batch_id=batch.pk).values_list("row_number", "matched_person_id")
        )

    imports.check_again(batch, actor=admin)  # from the horizon
    since_horizon = matches()
    later = Person.objects.get(full_name="Đỗ Thị Sáu")
    assert since_horizon == {2: known.pk, 3: None, 4: later.pk}
    batch.registry_horizon = None
    imports.check_again(batch, actor=admin)  # from nothing
    assert matches() == since_horizon
    services.import_commit_start(actor=admin, batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED
    assert set(Membership.objects.filter(import_batch_id=batch.pk).values_list("person_id", flat=True)) == {
        known.pk,
        later.pk,
        Person.objects.get(full_name="Lý Thị Mai").pk,  # registered anew from her row
    }
    assert counts.verify() == []


@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_parsed_by_several_processes_like_by_one(world, settings, monkeypatch, tmp_path):
    """Outside a transaction, a CSV file over the threshold is parsed by forked processes, each reading the
    file and taking every other chunk, in its own connection: the staged rows (values, errors in Vietnamese,
    row numbers) are those of the one-process check, and the batch commits as usual."""
    w = world
    admin = w.users["admin_a"]
    va = w.village_a.code
    women, farmers = w.branches["women_va"].pk, w.branches["farmers_va"].pk
    rows = [HEADER]
    for i in range(40):
        if i % 7 == 3:
            rows.append(row(f"Lỗi Thị {spelled(i)}", "31/02/1990", "Nữ", women, "01/01/2015", residence=va))
        else:
            rows.append(
                row(
                    f"Song Song Thị {spelled(i)}",
                    "03/02/1990",
                    "Nữ",
                    women if i % 2 else farmers,
                    "01/03/2015",
                    cid=citizen_id(birth_year=1990, sex="F"),
                    residence=va,
                )
            )
    content = csv_bytes(rows)
    monkeypatch.setattr(imports, "CHUNK", 4)  # ten chunks, shared by the two processes
    compare = [c for c in imports.STAGING_COLUMNS if c not in ("batch_id", "citizen_id_enc")]

    def staged(batch):
        return list(ImportRow.objects.filter(batch_id=batch.pk).order_by("row_number").values_list(*compare))

    settings.DANVAN_MEMBERS_IMPORT_WORKERS = 1
    one = ImportBatch.objects.create(filename="a.csv", created_by=admin)
    with translation.override("vi"):
        imports.check(one, io.BytesIO(content), actor=admin)
    settings.DANVAN_MEMBERS_IMPORT_WORKERS = 2
    settings.DANVAN_MEMBERS_IMPORT_PARALLEL_BYTES = 0
    assert imports.parse_workers(io.BytesIO(content), "b.csv") == 2
    settings.DANVAN_MEMBERS_IMPORT_PARALLEL_FORMATS = (".xlsx",)
    assert imports.parse_workers(io.BytesIO(content), "b.csv") == 1
    settings.DANVAN_MEMBERS_IMPORT_PARALLEL_FORMATS = (".csv", ".xlsx")
    two = ImportBatch.objects.create(filename="b.csv", created_by=admin)
    with translation.override("vi"):
        imports.check(two, io.BytesIO(content), actor=admin)  # each process: its own copy of the bytes
    # A file on disk: each process reopens it, with a position of its own (the parent's is not moved).
    path = tmp_path / "c.csv"
    path.write_bytes(content)
    three = ImportBatch.objects.create(filename="c.csv", created_by=admin)
    with open(path, "rb") as fh, translation.override("vi"):
        assert imports.reopenable(fh)
        imports.check(three, fh, actor=admin)
    # An .xlsx file: read by this process, its chunks passed to the parsing processes.
    xlsx = ImportBatch.objects.create(filename="e.xlsx", created_by=admin)
    with translation.override("vi"):
        imports.check(xlsx, io.BytesIO(xlsx_bytes(rows)), actor=admin)
    for batch in (one, two, three, xlsx):
        batch.refresh_from_db()
        assert (batch.total_rows, batch.valid_rows, batch.error_rows) == (40, 34, 6)
    assert staged(one) == staged(two) == staged(three)
    assert [r[0] for r in staged(xlsx)] == [r[0] for r in staged(one)]  # same row numbers
    imports.discard_rows(three)
    imports.discard_rows(xlsx)
    # Too many rows: the processes' error reaches the user, and nothing stays staged.
    settings.DANVAN_MEMBERS_IMPORT_MAX_ROWS = 30
    four = ImportBatch.objects.create(filename="d.csv", created_by=admin)
    with pytest.raises(imports.ImportFileError, match="30"), translation.override("vi"):
        imports.check(four, io.BytesIO(content), actor=admin)
    assert not ImportRow.objects.filter(batch_id=four.pk).exists()
    settings.DANVAN_MEMBERS_IMPORT_MAX_ROWS = 1_000_000
    errors = dict(
        ImportRow.objects.filter(batch_id=two.pk).exclude(errors="").values_list("row_number", "errors")
    )
    assert set(errors) == {5, 12, 19, 26, 33, 40} and all("ngày" in e.lower() for e in errors.values())
    imports.discard_rows(one)
    result = imports.commit(two, actor=admin)
    assert result["people"] == 34 and result["memberships"] == 34
    assert counts.verify() == []


def test_the_check_summary_writes_counts_as_vietnamese_does():
    """ "Đã đọc 60.000 dòng", as the figures beside it, not "60000"."""
    from danvan.members.jobs import _summary

    batch = ImportBatch(
        total_rows=60000, valid_rows=59391, matched_rows=1200, duplicate_rows=2, error_rows=609
    )
    with translation.override("vi"):
        text = _summary(batch)
    assert text.startswith("Đã đọc 60.000 dòng: 59.391 dòng hợp lệ (1.200 ") and "609 dòng bị loại" in text


def test_a_phone_or_an_education_that_cannot_be_read_is_a_row_error(world):
    """ "abc" is no phone number and "Giáo sư" no education level: the row is refused with the reason (in the
    preview and in the rejected-rows file), not imported with the cell dropped. "Tiến sĩ" is a doctorate: a
    postgraduate level ("Sau đại học"), read as such."""
    w = world
    va, women = w.village_a.code, w.branches["women_va"].pk

    def with_cells(name, phone, education):
        cells = row(name, "01/01/1990", "Nữ", women, "01/01/2015", residence=va)
        cells[6], cells[10] = phone, education
        return cells

    rows = [
        HEADER,
        with_cells("Trần Thị Một", "abc", ""),
        with_cells("Trần Thị Hai", "0912345678", "Giáo sư"),
        with_cells("Trần Thị Ba", "0912 345 678", "Tiến sĩ"),
        with_cells("Trần Thị Bốn", "0912345678", "Tiến sỹ"),
        with_cells("Nguyễn Thị Thử 123 @@@", "abc", ""),  # two reasons
        with_cells("H'Hen Niê-Ksor Thị A.", "", ""),  # apostrophe, hyphen, dot: a name
    ]
    batch = start(w.users["admin_a"], csv_bytes(rows))
    assert batch.status == ImportStatus.CHECKED, batch.message
    errors = dict(ImportRow.objects.filter(batch_id=batch.pk).values_list("row_number", "errors"))
    assert "nhập số điện thoại hợp lệ" in errors[2], errors
    assert "Không rõ trình độ học vấn “Giáo sư”" in errors[3], errors
    assert errors[4] == errors[5] == errors[7] == ""
    assert "Họ và tên chỉ được gồm chữ cái" in errors[6], errors
    educations = dict(ImportRow.objects.filter(batch_id=batch.pk).values_list("row_number", "education"))
    assert educations[4] == educations[5] == "postgraduate"
    assert (batch.valid_rows, batch.error_rows) == (3, 3)
    sheet = load_workbook(batch.rejected_file.open("rb"), read_only=True).active
    lines = list(sheet.iter_rows(values_only=True))
    assert [line[0] for line in lines[1:]] == [2, 3, 6]
    assert "nhập số điện thoại hợp lệ" in lines[1][-1] and "Giáo sư" in lines[2][-1]
    # the reasons of one row in one cell: "; " between them, no full stop before it
    assert lines[3][-1].count("; ") == 1 and ".;" not in lines[3][-1] and lines[3][-1].endswith("."), lines[3]
