"""The citizens' portal: submission without an account, tracking code, answer, rating, protections."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from danvan.cases import services
from danvan.cases.models import Case, CaseDocument, RateCounter, Rating, Status
from danvan.structure.models import Unit, UnitLevel

pytestmark = pytest.mark.django_db


def form_data(cw, **extra):
    data = {
        "kind": "report",
        "province": cw.w.province_a.pk,
        "commune": cw.w.commune_a.pk,
        "title": "Đèn đường hỏng",
        "content": "Đèn chiếu sáng tuyến đường ấp bị hỏng hai tuần nay.",
        "name": "Phạm Thị Dân",
        "email": "dan@example.vn",
        "consent": "on",
        "website": "",
    }
    data.update(extra)
    return data


def test_a_citizen_submits_and_gets_a_tracking_code(client, cw):
    form = client.get("/cases/public/submit/").content.decode()
    assert "— Không chọn: cấp tỉnh —" in form and "---------" not in form
    response = client.post("/cases/public/submit/", form_data(cw))
    assert response.status_code == 302 and response["Location"] == "/cases/public/receipt/"
    receipt = client.get("/cases/public/receipt/")
    case = Case.objects.get()
    assert case.tracking_code in receipt.content.decode()
    # The receipt shows the code once.
    assert client.get("/cases/public/receipt/").status_code == 302
    # It reached the commune's People's Committee, with a deadline.
    assert case.handling_org == cw.bodies["pc_ca"] and case.channel == "web" and case.created_by is None
    assert case.status == Status.RECEIVED and case.due_on is not None
    assert Case.objects.visible_to(cw.users["reception_ca"]).filter(pk=case.pk).exists()
    # the officers' timeline names who recorded the submission: the citizen, on the portal
    client.force_login(cw.users["reception_ca"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Công dân (qua Cổng thông tin)" in page


def test_province_level_submissions_go_to_the_provincial_reception_board(client, cw):
    client.post("/cases/public/submit/", form_data(cw, commune=""))
    assert Case.objects.get().handling_org == cw.bodies["reception_a"]


def test_the_commune_must_belong_to_the_province(client, cw):
    response = client.post("/cases/public/submit/", form_data(cw, commune=cw.w.commune_b.pk))
    assert response.status_code == 400 and not Case.objects.exists()


def test_html_is_refused_and_nothing_is_stored(client, cw):
    response = client.post("/cases/public/submit/", form_data(cw, content="Xem <a href='http://x'>đây</a>"))
    assert response.status_code == 400 and not Case.objects.exists()
    assert "HTML" in response.content.decode()


def test_complaints_and_denunciations_are_explained_not_taken(client, cw):
    page = client.get("/cases/public/submit/").content.decode()
    assert "Luật Khiếu nại" in page or "Law on Complaints" in page
    for kind in ("complaint", "denunciation"):
        response = client.post("/cases/public/submit/", form_data(cw, kind=kind))
        assert response.status_code == 400
    assert not Case.objects.exists()


def test_the_honeypot_pretends_and_keeps_nothing(client, cw):
    response = client.post("/cases/public/submit/", form_data(cw, website="http://spam.example"))
    assert response.status_code == 302
    assert client.get("/cases/public/receipt/").status_code == 200
    assert not Case.objects.exists()


def test_rate_limit_per_address(client, cw):
    # forms refused for a mistake do not count toward the limit of submissions
    for _ in range(6):
        refused = client.post("/cases/public/submit/", form_data(cw, content=""), REMOTE_ADDR="10.0.0.7")
        assert refused.status_code == 400
    for _ in range(5):
        assert client.post("/cases/public/submit/", form_data(cw), REMOTE_ADDR="10.0.0.7").status_code == 302
    response = client.post("/cases/public/submit/", form_data(cw), REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 429 and Case.objects.count() == 5
    # Another address is not affected; no address is stored in clear.
    assert client.post("/cases/public/submit/", form_data(cw), REMOTE_ADDR="10.0.0.8").status_code == 302
    assert not RateCounter.objects.filter(key__contains="10.0.0").exists()
    # Behind the reverse proxy, the hop it appends counts: a forged first hop does not escape the limit.
    for i in range(5):
        forged = {"HTTP_X_FORWARDED_FOR": f"1.2.3.{i}, 203.0.113.9"}
        assert client.post("/cases/public/submit/", form_data(cw), **forged).status_code == 302
    forged = {"HTTP_X_FORWARDED_FOR": "1.2.3.99, 203.0.113.9"}
    assert client.post("/cases/public/submit/", form_data(cw), **forged).status_code == 429


def test_refused_forms_have_a_limit_of_their_own(client, cw):
    for _ in range(30):
        assert (
            client.post(
                "/cases/public/submit/", form_data(cw, content=""), REMOTE_ADDR="10.0.0.9"
            ).status_code
            == 400
        )
    response = client.post("/cases/public/submit/", form_data(cw, content=""), REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429 and not Case.objects.exists()


def test_files_are_checked_by_type_content_and_size(client, cw):
    good = SimpleUploadedFile("anh.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png")
    client.post("/cases/public/submit/", {**form_data(cw), "documents": [good]})
    doc = CaseDocument.objects.get()
    assert doc.from_citizen and doc.name == "anh.png" and not doc.file.name.endswith("anh.png")
    fake = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    assert client.post("/cases/public/submit/", {**form_data(cw), "documents": [fake]}).status_code == 400
    html = SimpleUploadedFile("page.html", b"<html></html>", content_type="text/html")
    assert client.post("/cases/public/submit/", {**form_data(cw), "documents": [html]}).status_code == 400
    big = SimpleUploadedFile(
        "big.pdf", b"%PDF" + b"0" * (5 * 1024 * 1024 + 1), content_type="application/pdf"
    )
    assert client.post("/cases/public/submit/", {**form_data(cw), "documents": [big]}).status_code == 400
    many = [
        SimpleUploadedFile(f"a{i}.png", b"\x89PNG\r\n\x1a\n0", content_type="image/png") for i in range(4)
    ]
    assert client.post("/cases/public/submit/", {**form_data(cw), "documents": many}).status_code == 400
    assert Case.objects.count() == 1


def test_tracking_answer_and_rating(client, cw, django_capture_on_commit_callbacks):
    client.post("/cases/public/submit/", form_data(cw))
    case = Case.objects.get()
    code = case.tracking_code
    status = client.post("/cases/public/track/", {"code": code.lower().replace("-", "")})
    assert status.status_code == 200 and "Đèn đường hỏng" in status.content.decode()
    assert client.post("/cases/public/track/", {"code": "AAAAA-AAAAA"}).status_code == 404
    # Not answered yet: no rating.
    assert client.post("/cases/public/rate/", {"code": code, "satisfied": "1"}).status_code == 200
    assert not Rating.objects.exists()

    officer = cw.users["reception_ca"]
    case = services.case_accept(actor=officer, case=case)
    services.case_note(actor=officer, case=case, note="Ghi chú nội bộ ZZINTERNAL")
    case = services.case_assign(actor=officer, case=case, handler=cw.users["reception_ca_2"])
    with django_capture_on_commit_callbacks(execute=True):
        services.case_answer(
            actor=cw.users["reception_ca_2"], case=case, answer="Đã thay bóng đèn ngày 05/03."
        )
    assert [m.to for m in mail.outbox] == [["dan@example.vn"]] and case.tracking_code in mail.outbox[0].body
    page = client.post("/cases/public/track/", {"code": code}).content.decode()
    assert "Đã thay bóng đèn" in page
    assert "ZZINTERNAL" not in page and cw.users["reception_ca_2"].full_name not in page
    assert 'name="satisfied"' in page  # the rating form under the answer
    # no choice made: the reason on the field, the comment kept, nothing recorded
    refused = client.post("/cases/public/rate/", {"code": code, "comment": "Chậm quá"}).content.decode()
    assert 'id="rate-satisfied-error"' in refused and "Chậm quá" in refused and not Rating.objects.exists()
    response = client.post("/cases/public/rate/", {"code": code, "satisfied": "0", "comment": "Chậm"})
    assert response.status_code == 200
    rating = Rating.objects.get()
    assert rating.case_id == case.pk and rating.satisfied is False and rating.comment == "Chậm"
    client.post("/cases/public/rate/", {"code": code, "satisfied": "1"})
    assert Rating.objects.count() == 1


def test_a_hidden_answer_stays_hidden(client, cw):
    officer = cw.users["reception_ca"]
    case = services.case_accept(actor=officer, case=cw.case())
    services.case_answer(actor=officer, case=case, answer="Nội dung ZZPRIVATE", public=False)
    page = client.post("/cases/public/track/", {"code": case.tracking_code}).content.decode()
    assert "ZZPRIVATE" not in page


def test_lookup_attempts_are_limited(client, cw):
    for _ in range(30):
        client.post("/cases/public/track/", {"code": "AAAAA-AAAAA"}, REMOTE_ADDR="10.1.1.1")
    assert (
        client.post("/cases/public/track/", {"code": "AAAAA-AAAAA"}, REMOTE_ADDR="10.1.1.1").status_code
        == 429
    )


def test_commune_options_are_the_official_list(client, cw):
    body = client.get(f"/cases/public/communes/?province={cw.w.province_a.pk}").content.decode()
    assert cw.w.commune_a.name in body and cw.w.village_a.name not in body
    assert (
        Unit.objects.filter(parent=cw.w.province_a, level=UnitLevel.COMMUNE).count()
        == body.count("<option") - 1
    )


def test_public_pages_need_no_account_and_are_not_cached(client):
    for url in ("/cases/public/", "/cases/public/submit/", "/cases/public/track/"):
        response = client.get(url)
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"


def test_the_provinces_are_listed_in_vietnamese_alphabetical_order(client, cw):
    """Not in code-point order, where "Tỉnh Đồng Nai" came after "Tỉnh Điện Biên" at the end of the list."""
    import re

    from danvan.core.text import fold

    page = client.get("/cases/public/submit/").content.decode()
    select = re.search(r'<select name="province".*?</select>', page, re.S).group(0)
    names = [n.strip() for n in re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select)]
    assert len(names) >= 2
    assert names == sorted(names, key=fold)
    provinces = list(
        Unit.objects.filter(level=UnitLevel.PROVINCE, valid_to__isnull=True).values_list("name", flat=True)
    )
    assert sorted(names) == sorted(provinces)


def test_a_phone_that_is_not_a_number_is_refused_and_nothing_is_sent(client, cw):
    response = client.post("/cases/public/submit/", form_data(cw, phone="abc không phải số"))
    assert response.status_code == 400 and not Case.objects.exists()
    assert response.context["form"].errors["phone"]
    client.post("/cases/public/submit/", form_data(cw, phone="0912 345 678"))
    assert Case.objects.count() == 1


def test_a_back_dated_case_shows_the_days_its_steps_took_effect(client, cw):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    received = today - timedelta(days=9)
    case = cw.case(received_on=received)  # a letter received nine days ago, recorded today
    case = services.case_accept(actor=cw.users["reception_ca"], case=case, on=today - timedelta(days=6))
    page = client.post("/cases/public/track/", {"code": case.tracking_code}).content.decode()
    timeline = page[page.index('class="timeline') :]
    assert (
        received.strftime("%d/%m/%Y") in timeline
        and (today - timedelta(days=6)).strftime("%d/%m/%Y") in timeline
    )
    assert today.strftime("%d/%m/%Y") not in timeline  # the day of recording is not a step
    # a step recorded before the day was kept with it falls back to the day of receipt
    event = case.events.get(kind="received")
    event.data.pop("on")
    event.save()
    assert event.day == today
    page = client.post("/cases/public/track/", {"code": case.tracking_code}).content.decode()
    assert received.strftime("%d/%m/%Y") in page[page.index('class="timeline') :]
    # the officers' timeline shows both: when it was recorded, and the day it took effect
    client.force_login(cw.users["reception_ca"])
    staff = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"ngày {(today - timedelta(days=6)).strftime('%d/%m/%Y')}" in staff
