"""The staff pages: lists with deadlines, a case's page and its steps, letters, figures and their exports,
dialogue sessions and commitments, the reception schedule and its compliance, the settings."""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from danvan.cases import services
from danvan.cases.models import (
    Case,
    CaseDocument,
    Commitment,
    DialogueQuestion,
    ReceptionRequirement,
    Status,
    refusal_reasons_for,
)

pytestmark = pytest.mark.django_db
MONDAY = "2026-03-02 09:00 +07:00"


def text_of_docx(data: bytes) -> str:
    d = docx.Document(io.BytesIO(data))
    return "\n".join(
        [p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells]
    )


@time_machine.travel(MONDAY, tick=False)
def test_lists_show_deadlines_and_overdue_in_red(client, cw, django_assert_max_num_queries):
    officer = cw.users["reception_ca"]
    with time_machine.travel("2026-02-02 09:00 +07:00", tick=False):
        old = cw.case(title="Hồ sơ quá hạn")
    fresh = cw.case(title="Hồ sơ mới")
    cw.case(body="pc_cb", actor="reception_cb", title="Hồ sơ xã khác")
    client.force_login(officer)
    for _ in range(20):
        cw.case(title="Hồ sơ thêm")
    with django_assert_max_num_queries(20):
        page = client.get("/cases/list/").content.decode()
    assert "Hồ sơ quá hạn" in page and "Hồ sơ mới" in page and "Hồ sơ xã khác" not in page
    assert "table-danger-soft" in page and "quá hạn" in page.lower()
    overdue = client.get("/cases/overdue/").content.decode()
    assert old.reference in overdue and fresh.reference not in overdue
    csv = b"".join(client.get("/cases/list/?export=csv").streaming_content).decode()
    assert old.reference in csv and "0912345678" not in csv and "Nguyễn Văn Dân" not in csv
    # the deadline is a real date in the spreadsheet, with the days left (negative: overdue) beside it
    wb = load_workbook(io.BytesIO(client.get("/cases/list/?export=xlsx").content), read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    head = rows[0]
    row = next(r for r in rows if r[head.index("Mã hồ sơ")] == old.reference)
    due, left = row[head.index("Hạn")], row[head.index("Số ngày còn lại")]
    assert due.date() == old.due_on and left == old.days_left and left < 0
    assert client.get("/cases/list/?q=ho+so+qua+han").content.decode().count(old.reference) >= 1
    api = client.get("/api/cases/").json()
    assert {r["reference"] for r in api["results"]} >= {old.reference, fresh.reference}
    assert all("citizen_name" not in r for r in api["results"])
    assert next(r for r in api["results"] if r["reference"] == old.reference)["is_overdue"] is True


@time_machine.travel(MONDAY, tick=False)
def test_an_officer_walks_a_case_through_the_pages(client, cw):
    officer = cw.users["reception_ca"]
    client.force_login(officer)
    assert client.get("/cases/new/").status_code == 200
    # a future date and a phone that is no number are said on their fields, in one round, nothing is saved
    response = client.post(
        "/cases/new/",
        {"kind": "report", "channel": "walk_in", "received_on": "2026-03-20", "unit": cw.w.village_a.pk,
         "handling_org": cw.bodies["pc_ca"].pk, "title": "Đèn đường hỏng", "content": "Đèn hỏng.",
         "people_count": "1", "urgency": "normal", "complexity": "normal", "citizen_phone": "abc"},
    )  # fmt: skip
    form = response.context["form"]
    assert response.status_code == 400 and not Case.objects.exists()
    assert "received_on" in form.errors and "citizen_phone" in form.errors
    response = client.post(
        "/cases/new/",
        {
            "kind": "complaint",
            "instance": "first",
            "channel": "walk_in",
            "received_on": "2026-03-02",
            "unit": cw.w.village_a.pk,
            "handling_org": cw.bodies["pc_ca"].pk,
            "title": "Khiếu nại bồi thường",
            "content": "Không đồng ý mức bồi thường.",
            "people_count": "6",
            "urgency": "normal",
            "complexity": "normal",
            "citizen_name": "Trần Văn Khiếu",
            "documents": [SimpleUploadedFile("don.pdf", b"%PDF-1.4 don", content_type="application/pdf")],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert case.unit == cw.w.village_a and case.commune == cw.w.commune_a and case.is_collective
    assert CaseDocument.objects.filter(case=case, kind="petition").count() == 1
    detail = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Luật Khiếu nại 2011, Điều 27" in detail and case.tracking_code in detail

    assert client.post(f"/cases/{case.pk}/accept/", {"on": "2026-03-02"}).status_code == 302
    assert client.get(f"/cases/{case.pk}/assign/").status_code == 200
    assert (
        client.post(f"/cases/{case.pk}/assign/", {"handler": cw.users["reception_ca_2"].pk}).status_code
        == 302
    )
    # the timeline says to whom
    assert (
        f"Người xử lý: {cw.users['reception_ca_2'].display_name}"
        in client.get(f"/cases/{case.pk}/").content.decode()
    )
    client.force_login(cw.users["reception_ca_2"])
    assert client.post(f"/cases/{case.pk}/start/").status_code == 302
    assert client.get(f"/cases/{case.pk}/extend/").status_code == 403  # not the head
    client.force_login(cw.users["head_ca"])
    assert (
        client.post(
            f"/cases/{case.pk}/extend/",
            {"decision_number": "5/QĐ-UBND", "complexity": "complex", "reason": "Cần đo đạc"},
        ).status_code
        == 302
    )
    client.force_login(cw.users["reception_ca_2"])
    r = client.post(f"/cases/{case.pk}/conclude/", {"on": "2026-03-02", "conclusion": "Giữ nguyên."})
    assert r.status_code == 302
    assert (
        client.post(
            f"/cases/{case.pk}/answer/", {"answer": "Trả lời: giữ nguyên.", "public": "on"}
        ).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.status == Status.ANSWERED and case.extension_count == 1
    # Letters: acceptance, extension and answer, as Word files in the administrative format.
    for kind in ("acceptance", "extension", "answer"):
        assert client.post(f"/cases/{case.pk}/letter/", {"kind": kind}).status_code == 302
    letters = CaseDocument.objects.filter(case=case, kind="letter").order_by("pk")
    assert letters.count() == 3
    text = text_of_docx(letters[0].file.read())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and case.reference in text
    assert "Trần Văn Khiếu" in text and "{{" not in text
    assert "5/QĐ-UBND" in text_of_docx(letters[1].file.read())
    download = client.get(f"/cases/documents/{letters[2].pk}/")
    assert download.status_code == 200 and "Trả lời: giữ nguyên." in text_of_docx(
        b"".join(download.streaming_content)
    )
    # A wrong step answers with the form and its error, changes nothing.
    r = client.post(f"/cases/{case.pk}/accept/", {"on": "2026-03-02"})
    assert r.status_code == 400
    timeline = client.get(f"/cases/{case.pk}/").content.decode()
    for word in ("Đã thụ lý", "Đã phân công", "Gia hạn", "Đã trả lời"):
        assert word in timeline, word


@time_machine.travel(MONDAY, tick=False)
def test_out_of_scope_steps_answer_404_and_in_scope_without_right_403(client, cw):
    case = cw.case()
    client.force_login(cw.users["reception_cb"])
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert client.post(f"/cases/{case.pk}/accept/", {"on": "2026-03-02"}).status_code == 404
    client.force_login(cw.users["commission_ca"])
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    assert client.post(f"/cases/{case.pk}/accept/", {"on": "2026-03-02"}).status_code == 403
    assert Case.objects.get().status == Status.RECEIVED


@time_machine.travel(MONDAY, tick=False)
def test_similar_cases_are_suggested_while_typing(client, cw):
    earlier = cw.case(title="Trại heo gây ô nhiễm kênh Phú Hòa")
    client.force_login(cw.users["reception_ca"])
    body = client.get("/cases/similar/", {"title": "trai heo o nhiem kenh phu hoa"}).content.decode()
    assert earlier.reference in body
    client.force_login(cw.users["reception_cb"])
    assert (
        earlier.reference not in client.get("/cases/similar/", {"title": "trai heo o nhiem"}).content.decode()
    )


@time_machine.travel(MONDAY, tick=False)
def test_transfer_page_chooses_a_body_by_unit_and_type(client, cw):
    from danvan.structure.models import OrgType

    case = cw.case()
    client.force_login(cw.users["reception_ca"])
    page = client.get(f"/cases/{case.pk}/transfer/").content.decode()
    assert cw.bodies["pc_cb"].name not in page  # no list of other scopes' organisations
    r = client.post(
        f"/cases/{case.pk}/transfer/",
        {
            "province": cw.w.province_b.pk,
            "commune": cw.w.commune_b.pk,
            "org_type": OrgType.objects.get(code="peoples_committee").pk,
            "reason": "Đúng thẩm quyền xã B",
        },
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.TRANSFERRED
    assert cw.bodies["pc_cb"].name in client.get(f"/cases/{case.pk}/").content.decode()


@time_machine.travel(MONDAY, tick=False)
def test_dashboard_and_figures_with_exports(client, cw):
    officer = cw.users["reception_ca"]
    a = services.case_accept(actor=officer, case=cw.case(kind="complaint", people_count=7))
    a = services.case_answer(actor=officer, case=a, answer="Đã giải quyết.")
    assert a.concluded_on and a.conclusion == ""  # answered directly: resolved, with no decision invented
    cw.case(kind="report")
    cw.case(kind="report", body="pc_cb", actor="reception_cb")
    # concluded, not yet answered: resolved, no longer counted as being resolved
    c = services.case_accept(actor=officer, case=cw.case(kind="recommendation"))
    c = services.case_conclude(actor=officer, case=c, conclusion="Tiếp thu kiến nghị.")
    client.force_login(officer)
    assert client.get("/cases/").status_code == 302
    assert client.get("/cases/overview/").status_code == 200
    page = client.get("/cases/figures/?period=month&year=2026&number=3").content.decode()
    assert "cases-chart-data" in page
    from danvan.cases.selectors import case_figures

    figures = case_figures(actor=officer, start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert figures.totals["received"] == 3 and figures.totals["collective"] == 1
    assert figures.totals["resolved"] == 2 and figures.totals["on_time"] == 2 and figures.totals["open"] == 1
    assert figures.totals["resolved"] + figures.totals["open"] <= figures.totals["received"]
    # months later the report is past its deadline and the concluded case late with its answer: that one is
    # resolved, not "open and overdue" — overdue is a part of open, in the table and in the card of today
    later = case_figures(actor=officer, start=date(2026, 3, 1), end=date(2026, 3, 31), on=date(2026, 9, 1))
    assert later.totals["open"] == 1 and later.totals["overdue"] == 1
    assert later.open_now == 1 and later.overdue_now == 1
    assert {r["key"]: r["received"] for r in figures.by_kind} == {
        "report": 1,
        "complaint": 1,
        "recommendation": 1,
    }
    assert [r["key"] for r in figures.by_unit] == [cw.w.commune_a.pk]
    province = case_figures(actor=cw.users["root"], start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert province.totals["received"] == 4
    # The dashboard's plain GROUP BY (rolled up in Python) and the GROUPING SETS pass agree.
    light = case_figures(
        actor=cw.users["root"], start=date(2026, 1, 1), end=date(2026, 12, 31), breakdowns=("kind", "month")
    )
    full = case_figures(actor=cw.users["root"], start=date(2026, 1, 1), end=date(2026, 12, 31))
    assert light.totals == full.totals and light.by_kind == full.by_kind and light.by_month == full.by_month
    assert light.by_field == [] and full.by_field
    xlsx = client.get("/cases/figures/?period=quarter&year=2026&number=1&export=xlsx")
    wb = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert len(wb.sheetnames) >= 6
    word = client.get("/cases/figures/?period=6m&year=2026&export=docx")
    assert "01/01/2026" in text_of_docx(word.content) and "30/06/2026" in text_of_docx(word.content)
    # issued by the officer's body under the body above it, dated in the province
    body = services.receiving_body(cw.w.commune_a)
    assert body is not None
    parent = (body.parent.name if body.parent_id else body.unit.name).upper()
    header = text_of_docx(client.get("/cases/figures/?period=12m&year=2026&export=docx").content)
    assert body.name.upper() in header and parent in header and "…," not in header
    from danvan.cases.reports import _num

    assert (_num(72.1), _num(12345), _num(None)) == ("72,1", "12.345", "")
    # a wrong period shows its error and no figures of another period, on the page or in a file
    for wrong in ("period=custom&start=2026-03-10&end=2026-03-01", "period=quarter&year=2026&number=5"):
        refused = client.get(f"/cases/figures/?{wrong}")
        assert refused.status_code == 400 and "cases-chart-data" not in refused.content.decode()
        assert "Sửa kỳ báo cáo ở trên để xem số liệu." in refused.content.decode()
        exported = client.get(f"/cases/figures/?{wrong}&export=xlsx")
        assert exported.status_code == 400 and exported["Content-Type"].startswith("text/html")
    assert (
        "Quý được đánh số từ 1 đến 4."
        in client.get("/cases/figures/?period=quarter&number=5").content.decode()
    )


def test_reporting_periods():
    from danvan.cases.selectors import period_range

    assert period_range("month", 2026, 2) == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_range("quarter", 2026, 4) == (date(2026, 10, 1), date(2026, 12, 31))
    assert period_range("9m", 2026) == (date(2026, 1, 1), date(2026, 9, 30))
    assert period_range("12m", 2026, cutoff_day=14) == (date(2025, 12, 15), date(2026, 12, 14))
    assert period_range("month", 2026, 1, cutoff_day=14) == (date(2025, 12, 15), date(2026, 1, 14))
    with pytest.raises(ValueError):
        period_range("week", 2026)


@time_machine.travel(MONDAY, tick=False)
def test_dialogue_questions_commitments_and_minutes(client, cw):
    client.force_login(cw.users["reception_ca"])
    r = client.post(
        "/cases/dialogues/new/",
        {
            "title": "Đối thoại với Nhân dân xã",
            "unit": cw.w.commune_a.pk,
            "organisation": cw.bodies["pc_ca"].pk,
            "held_on": "2026-03-01",
            "place": "Hội trường",
            "chair_name": "Chủ tịch UBND xã",
            "participant_count": "80",
            "status": "held",
            "topics": "Đất đai",
        },
    )
    assert r.status_code == 302
    dialogue = (
        cw.users["reception_ca"]
        and __import__("danvan.cases.models", fromlist=["Dialogue"]).Dialogue.objects.get()
    )
    url = f"/cases/dialogues/{dialogue.pk}/"
    # the edit form's trail leads back through the list and the session
    edit = client.get(url + "edit/").content.decode()
    trail = edit[edit.index('class="breadcrumb ') : edit.index("</ol>", edit.index('class="breadcrumb '))]
    assert (
        'href="/cases/dialogues/"' in trail
        and f'href="{url}"' in trail
        and "Đối thoại với Nhân dân xã" in trail
    )
    client.post(url + "questions/", {"question": "Khi nào sửa cầu?", "asked_by": "Ông Hai"})
    q = DialogueQuestion.objects.get()
    client.post(f"/cases/questions/{q.pk}/answer/", {"answer": "Trong quý II.", "answered_by": "Chủ tịch"})
    client.post(
        url + "commitments/",
        {
            "text": "Sửa cầu ấp Phú Hòa",
            "owner_org": cw.bodies["pc_ca"].pk,
            "owner_name": "Phó Chủ tịch",
            "due_on": "2026-06-30",
            "question": q.pk,
        },
    )
    commitment = Commitment.objects.get()
    assert commitment.question == q and commitment.unit == cw.w.commune_a
    early = {"text": "Làm đường", "owner_org": cw.bodies["pc_ca"].pk, "due_on": "2026-02-20"}
    r = client.post(url + "commitments/", early, follow=True)
    assert "không thể có hạn trước ngày tổ chức đối thoại (01/03/2026)" in r.content.decode()
    assert Commitment.objects.count() == 1
    r = client.post(f"/cases/questions/{q.pk}/to-case/", {"kind": "recommendation"})
    case = Case.objects.get()
    assert r["Location"] == f"/cases/{case.pk}/" and case.channel == "dialogue"
    page = client.get(url).content.decode()
    assert "Trong quý II." in page and case.reference in page
    minutes = text_of_docx(client.get(url + "minutes/").content)
    assert "Khi nào sửa cầu?" in minutes and "Sửa cầu ấp Phú Hòa" in minutes and "30/06/2026" in minutes
    r = client.post(f"/cases/commitments/{commitment.pk}/", {"status": "done", "done_on": "2099-01-01"})
    assert r.status_code == 400 and "Ngày không được ở tương lai" in r.content.decode()
    r = client.post(
        f"/cases/commitments/{commitment.pk}/",
        {"status": "done", "done_on": "2026-03-02", "note": "Đã hoàn thành"},
    )
    assert r.status_code == 302
    commitment.refresh_from_db()
    assert commitment.status == "done" and commitment.updates.count() == 2
    assert client.get("/cases/commitments/?state=open").status_code == 200
    client.force_login(cw.users["reception_cb"])
    assert client.get(url).status_code == 404
    assert client.get(f"/cases/commitments/{commitment.pk}/").status_code == 404


@time_machine.travel(MONDAY, tick=False)
def test_reception_schedule_and_compliance(client, cw):
    client.force_login(cw.users["reception_ca"])
    secretary = ReceptionRequirement.objects.get(code="commune_party_secretary")
    r = client.post(
        "/cases/reception/new/",
        {
            "unit": cw.w.commune_a.pk,
            "organisation": cw.bodies["pc_ca"].pk,
            "position": secretary.pk,
            "leader_name": "Bí thư Đảng ủy",
            "on": "2026-03-02",
            "start_time": "07:30",
            "end_time": "11:00",
            "place": "Trụ sở tiếp công dân",
            "status": "held",
            "citizens_received": "4",
        },
    )
    assert r.status_code == 302
    page = client.get("/cases/compliance/?year=2026&month=3").content.decode()
    from danvan.cases.selectors import reception_compliance

    rows = {
        (r.unit.pk, r.requirement.code): r
        for r in reception_compliance(actor=cw.users["reception_ca"], year=2026, month=3)
    }
    row = rows[(cw.w.commune_a.pk, "commune_party_secretary")]
    assert row.required == 2 and row.held == 1 and not row.compliant
    assert rows[(cw.w.commune_a.pk, "commune_chairman")].required == 5  # five Mondays in March 2026
    assert "Bí thư Đảng ủy" in page
    bad = client.post(
        "/cases/reception/new/",
        {
            "unit": cw.w.commune_a.pk,
            "position": secretary.pk,
            "leader_name": "X",
            "on": "2026-03-20",
            "place": "Y",
            "status": "held",
        },
    )
    assert bad.status_code == 400  # a session in the future cannot be held


def test_settings_pages(client, cw):
    client.force_login(cw.users["admin_a"])
    for url in (
        "/cases/settings/rules/",
        "/cases/settings/calendar/?year=2026",
        "/cases/settings/letters/",
        "/cases/settings/fields/",
        "/cases/settings/reception/",
    ):
        assert client.get(url).status_code == 200, url
    template = client.get("/cases/settings/letters/?download=acceptance")
    assert "{{ case_reference }}" in text_of_docx(template.content)
    bad = SimpleUploadedFile("mau.docx", _docx_with("Xin chào {{ khong_co }}"))
    r = client.post("/cases/settings/letters/", {"kind": "acceptance", "file": bad})
    assert r.status_code == 400
    good = SimpleUploadedFile("mau.docx", _docx_with("Thông báo hồ sơ {{ case_reference }}"))
    assert client.post("/cases/settings/letters/", {"kind": "acceptance", "file": good}).status_code == 302
    r = client.post(
        "/cases/settings/calendar/",
        {"action": "save", "day": "2031-01-01", "kind": "holiday", "name": "Tết Dương lịch"},
    )
    assert r.status_code == 302
    secretary = ReceptionRequirement.objects.get(code="commune_party_secretary")
    r = client.post(
        "/cases/settings/reception/",
        {
            "requirement": secretary.pk,
            "min_days": "3",
            "period": "month",
            "legal_basis": "Kết luận tháng 11/2025",
            "is_active": "on",
        },
    )
    assert r.status_code == 302
    secretary.refresh_from_db()
    assert secretary.min_days == 3
    client.force_login(cw.users["reception_ca"])
    assert client.post("/cases/settings/calendar/", {"action": "fill", "year": "2032"}).status_code == 403
    assert (
        client.post(
            "/cases/settings/reception/",
            {"requirement": secretary.pk, "min_days": "1", "period": "month", "legal_basis": "x"},
        ).status_code
        == 403
    )


def _docx_with(text: str) -> bytes:
    d = docx.Document()
    p = d.add_paragraph()
    # Split the placeholder over runs, as Word does.
    half = len(text) - 6
    p.add_run(text[:half])
    p.add_run(text[half:])
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@time_machine.travel(MONDAY, tick=False)
def test_an_uploaded_template_is_used_even_with_split_placeholders(client, cw):
    officer = cw.users["admin_a"]
    services.letter_template_upload(
        actor=officer,
        kind="acceptance",
        file=SimpleUploadedFile("mau.docx", _docx_with("Thông báo hồ sơ {{ case_reference }} xong")),
    )
    case = services.case_accept(actor=cw.users["reception_ca"], case=cw.case())
    doc = services.case_letter_generate(actor=cw.users["reception_ca"], case=case, kind="acceptance")
    assert text_of_docx(doc.file.read()).strip() == f"Thông báo hồ sơ {case.reference} xong"
    # the same letter again, word for word: the attached one, not a second copy; through the page, said so
    again = services.case_letter_generate(actor=cw.users["reception_ca"], case=case, kind="acceptance")
    assert again.pk == doc.pk and again.already_attached and case.documents.count() == 1
    client.force_login(cw.users["reception_ca"])
    page = client.post(f"/cases/{case.pk}/letter/", {"kind": "acceptance"}, follow=True).content.decode()
    assert "đã được lập trước đó và đang đính kèm" in page and case.documents.count() == 1
    # another wording is another letter
    services.letter_template_upload(
        actor=officer,
        kind="acceptance",
        file=SimpleUploadedFile("mau.docx", _docx_with("Hồ sơ {{ case_reference }} đã thụ lý")),
    )
    other = services.case_letter_generate(actor=cw.users["reception_ca"], case=case, kind="acceptance")
    assert other.pk != doc.pk and not other.already_attached and case.documents.count() == 2


def test_the_demo_fills_every_state_quickly(cw):
    from danvan.cases import demo
    from danvan.cases.models import Dialogue, ReceptionSession

    with time_machine.travel("2026-11-23 09:00 +07:00", tick=False):
        counts = demo.generate(province=cw.w.province_a, first_commune=cw.w.commune_a, seed=7, cases=400)
    assert counts["cases"] == 400
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses >= {
        "received",
        "accepted",
        "assigned",
        "in_progress",
        "concluded",
        "answered",
        "closed",
        "not_accepted",
        "transferred",
    }
    kinds = set(Case.objects.values_list("kind", flat=True))
    assert kinds == {"report", "recommendation", "complaint", "denunciation", "comment"}
    today = date(2026, 11, 23)
    dues = list(Case.objects.filter(due_on__isnull=False).values_list("due_on", flat=True))
    assert any(d < today for d in dues) and any(d >= today for d in dues)
    assert Case.objects.filter(kind="denunciation").exclude(citizen_name="").count() == 0
    assert Dialogue.objects.exists() and ReceptionSession.objects.exists()


def test_figures_columns_have_distinct_names(client, cw):
    """ "Late" (resolved late) and "Overdue" (open, overdue) were both "Quá hạn"."""
    import re

    client.force_login(cw.users["reception_ca"])
    page = client.get("/cases/figures/?period=12m&year=2026").content.decode()
    head = re.search(r"<thead><tr>(.*?)</tr></thead>", page, re.S).group(1)
    labels = [re.sub(r"<[^>]+>", "", th).strip() for th in re.findall(r"<th.*?</th>", head, re.S)][1:]
    assert len(labels) == 8 and len(set(labels)) == 8
    assert "Giải quyết quá hạn" in labels and "Đang giải quyết quá hạn" in labels


@time_machine.travel(MONDAY, tick=False)
def test_home_page_shows_the_cases_waiting_for_the_user(client, cw, make_user):
    """Open cases and those awaiting acceptance, within the officer's scope; nothing of the cases for a
    user without the right to see them."""
    from tests.factories import home_card

    cw.case()
    cw.case(title="Đèn đường hỏng")
    services.case_accept(actor=cw.users["reception_ca"], case=cw.case(title="Cống nghẹt"))
    client.force_login(cw.users["reception_ca"])
    page = client.get("/")
    assert tuple(home_card(page, t) for t in ("Đang giải quyết", "Chờ thụ lý", "Hồ sơ quá hạn")) == (3, 2, 0)
    client.force_login(cw.users["reception_cb"])  # commune B's officer: none of commune A's cases
    assert home_card(client.get("/"), "Đang giải quyết") == 0
    collaborator = make_user("ctv_home", "opinion_collaborator", cw.w.commune_a)
    client.force_login(collaborator)  # no right to see cases: no cases section at all
    page = client.get("/")
    assert home_card(page, "Đang giải quyết") is None
    assert "Đơn thư, tiếp công dân" not in page.content.decode().split("<main")[-1]


@time_machine.travel(MONDAY, tick=False)
def test_each_home_card_opens_the_list_of_what_it_counts(client, cw):
    """ "Đang giải quyết 60" had opened every case (265): a card's link lists exactly the records it counts."""
    cw.case()
    services.case_accept(actor=cw.users["reception_ca"], case=cw.case(title="Cống nghẹt"))
    done = cw.case(title="Đèn đường hỏng")
    services.case_refuse(
        actor=cw.users["reception_ca"], case=done, reason=refusal_reasons_for(done.kind)[0], note="x"
    )
    client.force_login(cw.users["reception_ca"])
    cards = [c for _s, group in client.get("/").context["card_groups"] for c in group]
    cases = [c for c in cards if c.url.startswith("/cases/")]
    assert len(cases) >= 3
    for card in cases:
        listed = client.get(card.url).context["table"].paginator.count
        assert listed == card.value, (card.title, card.url, listed, card.value)


def test_letters_cite_the_law_of_a_deadline_not_the_rules_notes():
    from danvan.cases import letters
    from danvan.cases.reference import load_json

    assert letters.citation("Luật Tố cáo 2018, Điều 30: không quá 30 ngày kể từ ngày thụ lý") == (
        "Luật Tố cáo 2018, Điều 30"
    )
    notes = (
        "Không có thời hạn luật định chung; mặc định theo Nghị định 20/2008/NĐ-CP. Sửa theo quy chế của tỉnh."
    )
    assert letters.citation(notes) == ""
    sentence = "chậm nhất đến ngày {{ resolution_due }} ({{ resolution_basis }})."
    assert letters._fill(sentence, {"resolution_due": "21/12/2026", "resolution_basis": ""}) == (
        "chậm nhất đến ngày 21/12/2026."
    )
    # every shipped rule is cited by a law or by nothing, never by a note to the administrators
    for rule in load_json("deadline_rules.json")["rules"]:
        cited = letters.citation(rule.get("legal_basis", ""))
        assert "Sửa theo" not in cited and "quy chế" not in cited and len(cited) < 80, cited


@time_machine.travel(MONDAY, tick=False)
def test_the_reception_schedule_offers_edit_only_to_who_may_change_it(client, cw):
    secretary = ReceptionRequirement.objects.get(code="commune_party_secretary")
    session = services.reception_session_save(
        actor=cw.users["reception_ca"],
        unit=cw.w.commune_a,
        organisation=None,
        position=secretary,
        leader_name="Đồng chí Bí thư",
        on=date(2026, 3, 5),
        start_time=None,
        end_time=None,
        place="Trụ sở UBND xã",
    )
    edit = f"/cases/reception/{session.pk}/edit/"
    client.force_login(cw.users["reception_ca"])
    assert edit in client.get("/cases/reception/").content.decode()
    assert client.get(edit).status_code == 200
    client.force_login(cw.users["commission_ca"])  # sees the schedule, may not change it
    page = client.get("/cases/reception/").content.decode()
    assert "Đồng chí Bí thư" in page and edit not in page and "Chỉnh sửa" not in page
    assert client.get(edit).status_code == 403


@time_machine.travel(MONDAY, tick=False)
def test_a_reversed_date_range_on_a_list_is_an_error_not_an_empty_list(client, cw):
    cw.case(received_on=date(2026, 2, 20))
    client.force_login(cw.users["reception_ca"])
    assert (
        "Đường liên ấp xuống cấp"
        in client.get("/cases/list/?received_from=2026-02-01&received_to=2026-03-01").content.decode()
    )
    page = client.get("/cases/list/?received_from=2026-03-01&received_to=2026-02-01").content.decode()
    assert "Ngày này đang trước ngày bắt đầu" in page and "Đường liên ấp xuống cấp" not in page
    # the table alone (the filters change without reloading the page) says it too
    part = client.get("/cases/list/?received_from=2026-03-01&received_to=2026-02-01", HTTP_HX_REQUEST="true")
    assert "Hãy sửa bộ lọc" in part.content.decode()
    dialogues = client.get("/cases/dialogues/?held_from=2026-03-01&held_to=2026-02-01").content.decode()
    assert "Ngày này đang trước ngày bắt đầu" in dialogues


def test_an_action_address_opened_in_the_browser_says_what_it_is(client, cw):
    case = cw.case()
    client.force_login(cw.users["reception_ca"])
    response = client.get(f"/cases/{case.pk}/letter/", HTTP_ACCEPT="text/html")
    assert response.status_code == 405 and "POST" in response["Allow"]
    assert "Không phải trang để mở trực tiếp" in response.content.decode()
    # an HTMX or API caller still gets the bare answer
    assert client.get(f"/cases/{case.pk}/letter/", HTTP_HX_REQUEST="true").content == b""
