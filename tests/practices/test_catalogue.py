"""The catalogue: accent-insensitive full-text search, filters, exports (Excel, Word), the figures, the pages
(register with results, assess, print, evidence) and the API."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from danvan.practices import selectors, services
from danvan.practices.models import Practice
from danvan.practices.services import ResultLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(reg):
    cows = reg.register(
        name="Tổ hợp tác nuôi bò sinh sản", results=[ResultLine("Hộ thoát nghèo", "hộ", 0, 14)]
    )
    camera = reg.register(
        name="Camera an ninh kết nối cộng đồng",
        field="defence_security",
        unit=reg.w.commune_a,
        organisation=reg.w.orgs["farmers_ca"],
        owner_name="Hội Nông dân xã",
        description="Lắp camera ở các ngã ba.",
        registered_on=date(2024, 5, 1),
    )
    library = reg.register(
        name="Tủ sách pháp luật",
        field="culture_society",
        unit=reg.w.village_a2,
        organisation=None,
        owner_kind="individual",
        owner_name="Ông Hòa",
        description="Sách pháp luật cho bà con đọc.",
    )
    reg.assess(cows)
    reg.recognise(cows)
    services.practice_replicate(
        actor=reg.root,
        origin=cows,
        unit=reg.w.commune_a2,
        owner_kind="collective",
        owner_name="Hội Nông dân xã B",
        started_on=date(2025, 9, 1),
    )
    reg.catalogue = {"cows": cows, "camera": camera, "library": library}
    return reg


@pytest.mark.parametrize(
    "query, expected",
    [
        ("nuôi bò", {"cows"}),
        ("nuoi bo", {"cows"}),
        ("NUOI", {"cows"}),
        ("bo sinh", {"cows"}),
        ("camera cong dong", {"camera"}),
        ("thoat ngheo", {"cows"}),  # a result's indicator
        ("hoi nong dan", {"camera"}),  # the owner
        ("phap luat", {"library"}),
        ("ong hoa", {"library"}),
        ("nuoi camera", set()),
        ("DVK-86-2024", {"camera"}),
    ],
)
def test_accent_insensitive_full_text_search(catalogue, query, expected):
    names = {
        k for k, p in catalogue.catalogue.items() if Practice.objects.search(query).filter(pk=p.pk).exists()
    }
    assert names == expected


def test_catalogue_filters(catalogue, client_for):
    client = client_for(catalogue.admin)

    def listed(query):
        return {r.record.name for r in client.get(f"/practices/?{query}").context["table"].page.object_list}

    assert listed("q=camera") == {"Camera an ninh kết nối cộng đồng"}
    assert listed("field=culture_society") == {"Tủ sách pháp luật"}
    assert listed("status=replicated") == {"Tổ hợp tác nuôi bò sinh sản"}
    assert listed("replication=replica") == {"Tổ hợp tác nuôi bò sinh sản"}
    assert len(listed("year=2025")) == 2  # the model and the library; the replica was registered today
    assert listed(f"unit={catalogue.w.commune_a2.pk}") == {"Tủ sách pháp luật", "Tổ hợp tác nuôi bò sinh sản"}
    assert listed("owner_kind=individual") == {"Tủ sách pháp luật"}


def test_catalogue_is_scoped(catalogue, client_for):
    """The Women's Union officer of commune A sees her organisation's models and those without an
    organisation, not the Farmers' Union's; province 01 sees none."""
    women = {p.name for p in selectors.practices_visible(actor=catalogue.women_officer)}
    assert women == {"Tổ hợp tác nuôi bò sinh sản"}  # the library is in commune A2, outside her scope
    commission = {p.name for p in selectors.practices_visible(actor=catalogue.commission)}
    assert commission == {"Tổ hợp tác nuôi bò sinh sản", "Camera an ninh kết nối cộng đồng"}
    assert not selectors.practices_visible(actor=catalogue.w.users["admin_b"]).exists()
    response = client_for(catalogue.w.users["admin_b"]).get(f"/practices/{catalogue.catalogue['cows'].pk}/")
    assert response.status_code == 404


def test_exports(catalogue, client_for):
    from docx import Document
    from openpyxl import load_workbook

    client = client_for(catalogue.admin)
    xlsx = client.get("/practices/?field=economy&export=xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.content), read_only=True).active.iter_rows(values_only=True))
    header = rows[0]
    assert "Description" in header and "Owner" in header  # columns hidden on the page are exported
    assert {r[1] for r in rows[1:]} == {"Tổ hợp tác nuôi bò sinh sản"} and len(rows) == 3
    word = client.get("/practices/?export=docx")
    assert word["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    doc = Document(io.BytesIO(word.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert "CATALOGUE OF “DÂN VẬN KHÉO” MODELS" in text
    assert {"Tổ hợp tác nuôi bò sinh sản", "Camera an ninh kết nối cộng đồng", "Tủ sách pháp luật"} <= cells
    assert "– Hộ thoát nghèo: 0 → 14 hộ" in text
    filtered = Document(io.BytesIO(client.get("/practices/?q=camera&export=docx").content))
    assert "Tủ sách pháp luật" not in {c.text for t in filtered.tables for row in t.rows for c in row.cells}


def test_figures(catalogue, client_for):
    f = selectors.figures(actor=catalogue.admin, unit=catalogue.w.province_a)
    assert (f.total.registered, f.total.recognised, f.total.replicated) == (4, 1, 1)
    assert dict((k, c.registered) for k, c in f.by_field) == {
        "economy": 2,
        "culture_society": 1,
        "defence_security": 1,
        "political_system": 0,
    }
    assert dict((k, c.registered) for k, c in f.by_level) == {"village": 2, "commune": 2, "province": 0}
    by_unit = {u.pk: c for u, c in f.by_unit}
    assert (
        by_unit[catalogue.w.commune_a.pk].registered == 2
        and by_unit[catalogue.w.commune_a2.pk].replicated == 1
    )
    year = {y: c for y, c in f.by_year}
    assert (year[2024].registered, year[2025].recognised) == (1, 1)
    only_2024 = selectors.figures(actor=catalogue.admin, unit=catalogue.w.province_a, year=2024)
    assert (only_2024.total.registered, only_2024.total.recognised) == (1, 0)
    page = client_for(catalogue.admin).get(f"/practices/figures/?unit={catalogue.w.province_a.pk}")
    assert page.status_code == 200 and page.context["figures"].total.registered == 4
    api = client_for(catalogue.admin).get("/api/practices/figures/").json()
    assert api["total"]["registered"] == 4 and api["by_field"]["economy"]["recognised"] == 1


def test_register_assess_and_recognise_through_the_pages(reg, client_for):
    client = client_for(reg.admin)
    form = {
        "name": "Hội quán nông dân",
        "field": "economy",
        "unit": reg.w.commune_a.pk,
        "level": "",
        "owner_kind": "collective",
        "owner_name": "Hội Nông dân xã",
        "organisation": reg.w.orgs["farmers_ca"].pk,
        "started_on": "2025-01-10",
        "description": "Nơi nông dân trao đổi kỹ thuật.",
        "problem": "",
        "people_reached": "640",
        "result_0_indicator": "Lượt sinh hoạt",
        "result_0_measure": "lượt",
        "result_0_before": "0",
        "result_0_after": "640",
    }
    # figures without an indicator are not dropped silently: the form says so and nothing is saved
    refused = client.post("/practices/new/", {**form, "result_1_before": "3", "result_1_after": "12"})
    assert refused.status_code == 200 and not Practice.objects.exists()
    assert "Name the indicator these figures measure." in refused.context["form"].errors["result_1_indicator"]
    response = client.post("/practices/new/", form)
    practice = Practice.objects.get()
    assert response.status_code == 302 and response.url == practice.get_absolute_url()
    assert practice.level == "commune" and practice.results.get().after == 640
    scores = {f"score_{c.pk}": c.max_score for c in reg.criteria}
    today = timezone.localdate().isoformat()
    client.post(
        f"/practices/{practice.pk}/assess/", {"council": "Hội đồng xã", "assessed_on": today, **scores}
    )
    page = client.get(practice.get_absolute_url())
    assert page.context["can"]["recognise"] and page.context["latest_assessment"].passed
    client.post(
        f"/practices/{practice.pk}/recognise/",
        {"decision_no": "9-QĐ/ĐU", "decided_on": today, "level": "commune", "issuer": "Đảng ủy xã"},
    )
    practice.refresh_from_db()
    assert practice.status == "recognised"
    printed = client.get(f"/practices/{practice.pk}/print/").content.decode()
    assert "Hội quán nông dân" in printed and "9-QĐ/ĐU" in printed and "data-print" in printed


def test_recognise_page_refuses_an_unassessed_model(reg, client_for):
    practice = reg.register()
    client = client_for(reg.admin)
    assert not client.get(practice.get_absolute_url()).context["can"]["recognise"]
    response = client.post(
        f"/practices/{practice.pk}/recognise/",
        {"decision_no": "1", "decided_on": "2025-08-01", "level": "commune"},
    )
    assert response.status_code == 200 and "must be assessed by a council" in response.content.decode()


def test_evidence_is_served_only_within_scope(reg, client_for):
    practice = reg.register()
    png = SimpleUploadedFile("anh ra mat.png", b"\x89PNG\r\n\x1a\nDATA", content_type="image/png")
    client = client_for(reg.admin)
    client.post(f"/practices/{practice.pk}/evidence/new/", {"title": "Ảnh", "file": png})
    evidence = practice.evidence.get()
    response = client.get(f"/practices/evidence/{evidence.pk}/?inline=1")
    assert response.status_code == 200 and b"".join(response.streaming_content).endswith(b"DATA")
    assert response["Content-Disposition"].startswith("inline")
    download = client.get(f"/practices/evidence/{evidence.pk}/")
    assert download["Content-Disposition"] == 'attachment; filename="anh ra mat.png"'  # the uploaded name
    # a renamed file is refused on the form, and nothing is stored
    fake = SimpleUploadedFile("so-lieu.pdf", b"<html><script>", content_type="application/pdf")
    refused = client.post(f"/practices/{practice.pk}/evidence/new/", {"title": "Giả", "file": fake})
    assert refused.status_code == 200 and "does not match its type" in refused.content.decode()
    assert practice.evidence.count() == 1
    assert client_for(reg.w.users["admin_b"]).get(f"/practices/evidence/{evidence.pk}/").status_code == 404


def test_api(catalogue, client_for):
    data = client_for(catalogue.admin).get("/api/practices/models/?q=nuoi+bo").json()
    assert data["count"] == 2  # the model and its replication
    assert {r["status"] for r in data["results"]} == {"replicated", "registered"}
    assert data["results"][0]["results"] or data["results"][1]["results"]
    assert client_for(catalogue.w.users["admin_b"]).get("/api/practices/models/").json()["count"] == 0


def test_a_large_word_catalogue_is_made_in_the_background(catalogue, client_for, monkeypatch):
    from docx import Document

    from danvan.core.models import Job
    from danvan.practices import views

    monkeypatch.setattr(views, "DOCX_SYNC_LIMIT", 1)
    client = client_for(catalogue.admin)
    response = client.get("/practices/?field=economy&export=docx")
    job = Job.objects.get(kind="practices.word_catalogue")
    assert response.status_code == 302 and response.url == reverse("core:job-detail", args=[job.pk])
    assert job.status == "succeeded" and job.result == {"models": 2}
    doc = Document(job.result_file.open("rb"))
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert "Tổ hợp tác nuôi bò sinh sản" in cells and "Camera an ninh kết nối cộng đồng" not in cells
