"""Excel/CSV import: template, background check with per-row errors and duplicate matches, preview, commit
of all valid rows (or nothing), rejected rows in a result file; files that cannot be read change nothing."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook, load_workbook

from danvan.core.models import Job, JobStatus
from danvan.members import counts, imports, services
from danvan.members.models import ImportBatch, ImportRow, ImportStatus, Membership, Movement, Person
from tests.factories import superuser
from tests.members.factories import citizen_id, join, person

pytestmark = pytest.mark.django_db

with translation.override("vi"):
    HEADER = [str(c.label) for c in imports.COLUMNS]  # the template's first row, in Vietnamese


def row(name, birth, sex, branch, joined, *, cid="", residence="", ethnicity="Kinh", veteran="", override=""):
    return [name, birth, sex, ethnicity, "", cid, "0912345678", residence, "", "Nông dân", "", veteran,
            branch, "", joined, "", override]


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


def start(actor, content: bytes, name="hoi-vien.csv") -> ImportBatch:
    batch = services.import_start(actor=actor, upload=SimpleUploadedFile(name, content), language="vi")
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
        row("Trần Thị Lan", "03/02/1990", "Nữ", farmers, "01/03/2016", cid=lan, residence=va),  # same person, 2nd org
        row("Lê Văn Tư", "1960", "Nam", farmers, "05/05/2010", residence=w.village_a.code),  # year of birth only
        row("Ngô Văn Bé", "01/01/1990", "Nam", women, "01/01/2015", residence=va),  # a man in the Women's Union
        row("Phạm Thị Út", "31/02/1990", "Nữ", women, "01/01/2015", residence=va),  # no such date
        row("Đỗ Thị Năm", "01/01/1985", "Nữ", w.branches["women_vb"].pk, "01/01/2015", residence=va),  # other province
        [],
        row("Võ Thị Sáu", "01/01/1980", "Nữ", women, "01/01/2015", residence="99999"),
    ]
    batch = start(admin, csv_bytes(rows))
    assert batch.status == ImportStatus.CHECKED, batch.message
    assert (batch.total_rows, batch.valid_rows, batch.error_rows) == (7, 3, 4)
    assert Person.objects.count() == 0  # nothing in the registry yet
    errors = dict(ImportRow.objects.filter(batch_id=batch.pk).exclude(errors="").values_list("row_number", "errors"))
    assert "accepts women only" in errors[5] or "chỉ nhận" in errors[5]
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
    assert services.person_citizen_id(actor=admin, person=lan_person) == lan
    assert Person.objects.get(full_name="Lê Văn Tư").birth_date is None
    assert Movement.objects.filter(kind="join", import_batch=batch).count() == 3
    assert not ImportRow.objects.filter(batch_id=batch.pk).exists()
    assert counts.verify() == []
