"""Excel/CSV imports of villages and branches: all rows or none, every rejected row reported by number,
clear messages for files that cannot be read."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from danvan.core.models import Job, JobStatus
from danvan.core.text import fold
from danvan.structure import imports
from danvan.structure.models import Branch, BranchKind, Unit, UnitLevel, VillageKind

pytestmark = pytest.mark.django_db

VILLAGE_HEADER = ["Commune code", "Village name", "Kind", "Population"]
BRANCH_HEADER = [
    "Organisation ID",
    "Organisation type code",
    "Organisation unit code",
    "Branch name",
    "Kind",
    "Location code",
    "Leader",
    "Leader's phone",
    "Founded on",
]


def xlsx(rows, title="Data") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(client, url_name: str, content: bytes, name: str = "data.xlsx"):
    response = client.post(reverse(url_name), {"file": SimpleUploadedFile(name, content)})
    job = Job.objects.order_by("-pk").first()
    return response, job


def villages_of(commune):
    return Unit.objects.filter(parent=commune, level=UnitLevel.VILLAGE)


# --- villages -------------------------------------------------------------------------------------


def test_a_valid_file_creates_every_village(world, client_for):
    ca, ca2 = world.commune_a, world.commune_a2
    content = xlsx(
        [
            VILLAGE_HEADER,
            [ca.code, "Ấp Bình An", "ấp", 1250],
            [int(ca2.code), "Tổ dân phố 5", "to dan pho", None],  # a code Excel turned into a number
            [],  # blank rows are skipped
            [ca.code, "Bản Mòng", "Village (bản)", "1.300"],
        ]
    )
    response, job = upload(client_for(world.users["admin_a"]), "structure:unit-import", content)
    assert response.status_code == 302 and response["Location"] == reverse("core:job-detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["created"] == 3 and job.result["rejected"] == 0 and job.progress == job.total == 3
    binh_an = Unit.objects.get(parent=ca, name="Ấp Bình An")
    assert (
        binh_an.village_kind == VillageKind.AP
        and binh_an.population == 1250
        and binh_an.code == f"{ca.code}-002"
    )
    assert Unit.objects.get(parent=ca2, name="Tổ dân phố 5").village_kind == VillageKind.TO_DAN_PHO
    assert Unit.objects.get(parent=ca, name="Bản Mòng").population == 1300
    # the result file lists what was created, with the new codes
    rows = list(load_workbook(job.result_file.open("rb"), read_only=True).active.iter_rows(values_only=True))
    assert rows[1][:2] == (2, f"{ca.code}-002") and len(rows) == 4


def test_a_file_with_bad_rows_creates_nothing_and_reports_every_bad_row(world, client_for):
    ca, cb = world.commune_a, world.commune_b
    content = xlsx(
        [
            VILLAGE_HEADER,
            [ca.code, "Ấp Tốt Một", "thôn", 10],  # row 2: fine
            ["123456", "Ấp Sai Mã", "thôn", None],  # row 3: not 5 digits
            [cb.code, "Thôn Ngoài", "thôn", None],  # row 4: another province (out of scope)
            [ca.code, "ấp phú hoà", "ấp", None],  # row 5: exists already (other accents)
            [ca.code, "Ấp Tốt Hai", "làng", "nhiều"],  # row 6: unknown kind, population not a number
            [ca.code, "", "thôn", None],  # row 7: no name
            [ca.code, "Ấp Tốt Một", "thôn", None],  # row 8: twice in the file
            [ca.code, "Ấp Tốt Ba", "thôn", -5],  # row 9: negative
        ]
    )
    before = Unit.objects.filter(level=UnitLevel.VILLAGE).count()
    _response, job = upload(client_for(world.users["admin_a"]), "structure:unit-import", content)
    job.refresh_from_db()
    assert Unit.objects.filter(level=UnitLevel.VILLAGE).count() == before
    assert job.status == JobStatus.FAILED
    assert "7 of 8" in job.error
    errors = {e["row"]: e["message"] for e in job.result["errors"]}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9]
    assert "5 digits" in errors[3]
    assert "in your scope" in errors[4]
    assert "already has a village" in errors[5]
    assert "Unknown kind" in errors[6] and "not a whole number" in errors[6]
    assert "row 2" in errors[8]
    # the downloadable result file lists the same rows with their data and reasons
    sheet = load_workbook(job.result_file.open("rb"), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Row" and rows[0][-1] == "Errors"
    assert [r[0] for r in rows[1:]] == [3, 4, 5, 6, 7, 8, 9]
    assert rows[2][1] == cb.code
    # the job page shows them
    page = client_for(world.users["admin_a"]).get(reverse("core:job-detail", args=[job.pk])).content.decode()
    assert "Thôn Ngoài" not in page and "in your scope" in page


def test_csv_in_utf8_with_bom_and_semicolons(world, client_for):
    text = "Commune code;Village name;Kind\n"
    text += f"{world.commune_a.code};Ấp Hòa Bình;ấp\n"
    content = "\ufeff".encode() + text.encode("utf-8")
    _response, job = upload(client_for(world.users["admin_a"]), "structure:unit-import", content, "thon.csv")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert villages_of(world.commune_a).filter(name="Ấp Hòa Bình").exists()


def test_csv_not_in_utf8_is_refused_with_a_clear_message(world, client_for):
    # what Excel writes as "CSV" on a Windows machine set to a Western code page
    content = f"Commune code,Village name,Kind\n{world.commune_a.code},Ap Hòa Bình,ap\n".encode("cp1252")
    _response, job = upload(client_for(world.users["admin_a"]), "structure:unit-import", content, "thon.csv")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "UTF-8" in job.error
    assert not villages_of(world.commune_a).filter(name__icontains="Bình").exists()


def test_utf16_csv_is_refused_too(world, client_for):
    content = "Commune code,Village name,Kind\n29242,Ấp A,ấp\n".encode("utf-16")
    _response, job = upload(client_for(world.users["admin_a"]), "structure:unit-import", content, "thon.csv")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "UTF-8" in job.error


def test_wrong_columns_are_named_in_the_message(world, client_for):
    content = xlsx([["Mã", "Tên", "Ghi chú"], [world.commune_a.code, "Ấp X", ""]])
    _response, job = upload(client_for(world.users["admin_a"]), "structure:unit-import", content)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "Missing columns" in job.error and "Commune code" in job.error and "Kind" in job.error


@pytest.mark.parametrize(
    ("rows", "message"),
    [([], "empty"), ([[None, None], ["", "  "]], "empty"), ([VILLAGE_HEADER], "no data rows")],
)
def test_empty_sheets_are_refused(world, client_for, rows, message):
    _response, job = upload(client_for(world.users["admin_a"]), "structure:unit-import", xlsx(rows))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and message in job.error


def test_a_file_that_is_not_a_workbook(world, client_for):
    _response, job = upload(
        client_for(world.users["admin_a"]), "structure:unit-import", b"PK\x03\x04 not really a zip"
    )
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and ".xlsx" in job.error


def test_too_many_rows(world, client_for, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    rows = [VILLAGE_HEADER] + [[world.commune_a.code, f"Ấp {i}", "ấp"] for i in range(4)]
    _response, job = upload(client_for(world.users["admin_a"]), "structure:unit-import", xlsx(rows))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "more than 3" in job.error
    assert not villages_of(world.commune_a).filter(name="Ấp 0").exists()


def test_headers_match_whatever_the_case_accents_and_notes():
    table = imports.read_table(
        io.BytesIO(
            xlsx([["  commune CODE * ", "Village name (full)", "KIND", "STT"], ["29242", "A", "thôn", 1]])
        ),
        "x.xlsx",
        imports.VillageImporter.columns,
    )
    assert table.keys == {"commune_code", "name", "kind"}
    assert table.ignored_columns == ["STT"]
    assert table.rows[0].number == 2 and table.rows[0].values["commune_code"] == "29242"


def test_a_column_twice_is_refused():
    with pytest.raises(imports.ImportFileError, match="twice"):
        imports.read_table(
            io.BytesIO(
                xlsx([["Commune code", "Village name", "Kind", "Kind"], ["29242", "A", "thôn", "ấp"]])
            ),
            "x.xlsx",
            imports.VillageImporter.columns,
        )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1250, 1250),
        (1250.0, 1250),
        ("1.250", 1250),
        ("1,250", 1250),
        (" 980 ", 980),
        (None, None),
        ("", None),
    ],
)
def test_whole_numbers(value, expected):
    assert imports.whole_number(value) == expected


@pytest.mark.parametrize("value", ["12,5", 12.5, "abc", "1.2.3"])
def test_not_whole_numbers(value):
    with pytest.raises(imports.CellError):
        imports.whole_number(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("05/03/2020", date(2020, 3, 5)),
        ("2020-03-05", date(2020, 3, 5)),
        (datetime(2020, 3, 5, 0, 0), date(2020, 3, 5)),
    ],
)
def test_dates(value, expected):
    assert imports.day(value) == expected


def test_dates_must_be_day_month_year():
    with pytest.raises(imports.CellError, match="dd/mm/yyyy"):
        imports.day("31/31/2020")


def test_the_view_needs_the_permission(world, client_for):
    client = client_for(world.users["officer_ca"])  # view only
    assert client.get(reverse("structure:unit-import")).status_code == 403
    assert (
        client.post(
            reverse("structure:unit-import"), {"file": SimpleUploadedFile("a.xlsx", b"x")}
        ).status_code
        == 403
    )
    assert client.get(reverse("structure:unit-import-template")).status_code == 403
    assert not Job.objects.exists()


def test_the_upload_form_refuses_other_file_types(world, client_for):
    client = client_for(world.users["admin_a"])
    response = client.post(
        reverse("structure:unit-import"), {"file": SimpleUploadedFile("a.xls", b"old excel")}
    )
    assert response.status_code == 200 and "Unsupported file type" in response.content.decode()
    assert not Job.objects.exists()


def test_the_template_round_trips(world, client_for):
    """The downloaded template, filled in, imports; its reference sheet lists only communes in scope."""
    client = client_for(world.users["admin_a"])
    response = client.get(reverse("structure:unit-import-template"))
    assert response.status_code == 200 and response["Content-Type"] == imports.XLSX_MIME
    wb = load_workbook(io.BytesIO(response.content))
    data = wb.worksheets[0]
    assert [c.value for c in data[1]] == VILLAGE_HEADER
    communes = {row[0] for row in wb["Communes"].iter_rows(min_row=2, values_only=True)}
    assert world.commune_a.code in communes and world.commune_b.code not in communes
    data.append([world.commune_a.code, "Ấp Từ Mẫu", "khóm", 77])
    buffer = io.BytesIO()
    wb.save(buffer)
    _response, job = upload(client, "structure:unit-import", buffer.getvalue())
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert villages_of(world.commune_a).get(name="Ấp Từ Mẫu").village_kind == VillageKind.KHOM


# --- branches -------------------------------------------------------------------------------------


def test_branches_import_by_id_or_by_type_and_unit(world, client_for):
    women_ca, farmers_ca = world.orgs["women_ca"], world.orgs["farmers_ca"]
    content = xlsx(
        [
            BRANCH_HEADER,
            [
                women_ca.pk,
                None,
                None,
                "Tổ Phụ nữ số 1",
                "tổ hội",
                world.village_a.code,
                "Lê Thị B",
                912345678,
                "05/03/2020",
            ],
            [
                None,
                "farmers",
                world.commune_a.code,
                "Chi hội Nông dân 2",
                "chi hoi",
                world.commune_a.code,
                "",
                "",
                "",
            ],
        ]
    )
    _response, job = upload(client_for(world.users["admin_a"]), "structure:branch-import", content)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, (job.error, job.result)
    first = Branch.objects.get(name="Tổ Phụ nữ số 1")
    assert (
        first.organisation == women_ca and first.unit == world.village_a and first.kind == BranchKind.TO_HOI
    )
    assert first.leader_phone == "0912345678" and first.founded_on == date(2020, 3, 5)
    assert first.path == f"{women_ca.path}b{first.pk}/"
    second = Branch.objects.get(name="Chi hội Nông dân 2")
    assert second.organisation == farmers_ca and second.unit == world.commune_a


def test_branches_import_with_bad_rows_creates_nothing(world, client_for):
    women_ca = world.orgs["women_ca"]
    content = xlsx(
        [
            BRANCH_HEADER,
            [women_ca.pk, None, None, "Tổ Tốt", "tổ hội", world.village_a.code, "", "", ""],  # 2 fine
            [
                world.orgs["women_cb"].pk,
                None,
                None,
                "Tổ B",
                "tổ hội",
                world.village_b.code,
                "",
                "",
                "",
            ],  # 3 out of scope
            [
                women_ca.pk,
                None,
                None,
                "Tổ Xa",
                "tổ hội",
                world.village_a2.code,
                "",
                "",
                "",
            ],  # 4 outside org's unit
            [None, "nobody", "86", "Tổ C", "tổ hội", world.village_a.code, "", "", ""],  # 5 unknown type
            [None, None, None, "Tổ D", "tổ hội", world.village_a.code, "", "", ""],  # 6 no organisation
            [
                women_ca.pk,
                None,
                None,
                "Tổ E",
                "đội",
                "ABC",
                "",
                "12",
                "32/01/2020",
            ],  # 7 kind, place, phone, date
        ]
    )
    _response, job = upload(client_for(world.users["admin_a"]), "structure:branch-import", content)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert not Branch.objects.filter(name="Tổ Tốt").exists()
    errors = {e["row"]: e["message"] for e in job.result["errors"]}
    assert sorted(errors) == [3, 4, 5, 6, 7]
    assert "No organisation with ID" in errors[3]
    assert "within its organisation's unit" in errors[4]
    assert "Unknown organisation type" in errors[5]
    assert "organisation ID" in errors[6]
    for fragment in ("Unknown kind", "not a commune code", "phone", "dd/mm/yyyy"):
        assert fragment in errors[7]


def test_branches_import_needs_a_way_to_name_the_organisation(world, client_for):
    content = xlsx([["Branch name", "Kind", "Location code"], ["Tổ", "tổ hội", world.village_a.code]])
    _response, job = upload(client_for(world.users["admin_a"]), "structure:branch-import", content)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "Organisation ID" in job.error


def test_branch_template_lists_only_what_is_in_scope(world, client_for):
    response = client_for(world.users["admin_a"]).get(reverse("structure:branch-import-template"))
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    assert [c.value for c in next(wb.worksheets[0].iter_rows(max_row=1))] == BRANCH_HEADER
    org_ids = {row[0] for row in wb["Organisations"].iter_rows(min_row=2, values_only=True)}
    assert world.orgs["women_ca"].pk in org_ids and world.orgs["women_cb"].pk not in org_ids
    places = {row[0] for row in wb["Locations"].iter_rows(min_row=2, values_only=True)}
    assert world.village_a.code in places and world.village_b.code not in places


def test_vietnamese_column_names_are_understood(world, client_for):
    """Headers people write in Vietnamese match (import_columns.json), with or without accents."""
    content = xlsx(
        [
            ["Mã xã", "Tên thôn", "Loại", "Số dân"],
            [world.commune_a.code, "Ấp Tân Thành", "ấp", 640],
            [world.commune_a.code, "Ap Tan Hoa", "AP", None],
        ]
    )
    _response, job = upload(client_for(world.users["admin_a"]), "structure:unit-import", content)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert villages_of(world.commune_a).get(name="Ấp Tân Thành").population == 640
    table = imports.read_table(
        io.BytesIO(
            xlsx(
                [
                    ["ma to chuc", "TÊN CHI HỘI", "Loại", "Mã địa bàn", "SĐT", "Ngày thành lập"],
                    [1, "A", "chi hội", "29242", "", ""],
                ]
            )
        ),
        "x.xlsx",
        imports.BranchImporter.columns,
    )
    assert table.keys == {"organisation_id", "name", "kind", "place", "leader_phone", "founded_on"}


@pytest.mark.parametrize("importer", list(imports.IMPORTERS.values()))
def test_no_two_columns_share_a_header(importer):
    seen: dict[str, str] = {}
    for column in importer.columns:
        for key in column.header_keys():
            assert seen.setdefault(key, column.key) == column.key, (
                f"{key!r} names {seen[key]} and {column.key}"
            )


def test_every_kind_can_be_written_as_its_vietnamese_term():
    for choices in (VillageKind, BranchKind):
        lookup = imports.choice_lookup(choices)
        for value, term in zip(choices.values, imports.choice_terms(choices), strict=True):
            assert lookup[fold(term)] == value
