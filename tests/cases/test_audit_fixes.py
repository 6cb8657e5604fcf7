"""The findings of the QA audit of the cases module and the citizens' portal (08/12/2026), one test or more
each: what the auditor saw must not come back."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from danvan.cases import selectors, services
from danvan.cases.models import Case, Commitment, DialogueQuestion, Rating, ReceptionRequirement, Status

pytestmark = pytest.mark.django_db
MONDAY = "2026-03-02 09:00 +07:00"


def _answered(cw, answer="Đã thay bóng đèn."):
    officer = cw.users["reception_ca"]
    case = cw.case(
        citizen=services.CitizenData(name="Nguyễn Văn Dân", phone="0912345678", email="dan@example.vn")
    )
    case = services.case_accept(actor=officer, case=case)
    return services.case_answer(actor=officer, case=case, answer=answer)


# --- 3: the tracking code and the contact details only for who may change the case ----------------------


@time_machine.travel(MONDAY, tick=False)
def test_read_only_roles_see_the_name_but_not_the_tracking_code_nor_the_contact_details(client, cw):
    case = cw.case(
        citizen=services.CitizenData(
            name="Nguyễn Văn Dân", phone="0912345678", email="dan@example.vn", address="12 ấp Phú Hòa"
        )
    )
    client.force_login(cw.users["commission_ca"])  # view_case only
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Nguyễn Văn Dân" in page
    assert case.tracking_code not in page and "Mã tra cứu" not in page
    assert "0912345678" not in page and "dan@example.vn" not in page and "12 ấp Phú Hòa" not in page
    assert "Thông tin liên hệ được ẩn" in page
    client.force_login(cw.users["reception_ca"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert case.tracking_code in page and "0912345678" in page and "dan@example.vn" in page
    assert "Thông tin liên hệ được ẩn" not in page


# --- 4: a reopened case's new answer is rated; the old rating is history ---------------------------------


@time_machine.travel(MONDAY, tick=False)
def test_after_a_reopening_the_citizen_rates_the_new_answer_and_only_it_counts(client, cw):
    officer = cw.users["reception_ca"]
    case = _answered(cw)
    services.case_rate(tracking_code=case.tracking_code, satisfied=False, comment="Đèn vẫn tắt.")
    case = services.case_reopen(actor=officer, case=case, reason="Công dân không hài lòng")
    case = services.case_answer(actor=officer, case=case, answer="Đã thay bộ điều khiển ZZNEW.")
    page = client.post("/cases/public/track/", {"code": case.tracking_code}).content.decode()
    assert "ZZNEW" in page and 'name="satisfied"' in page and "Đánh giá của bạn" not in page
    response = client.post("/cases/public/rate/", {"code": case.tracking_code, "satisfied": "1"})
    assert "Cảm ơn" in response.content.decode()
    assert Rating.objects.filter(case=case).count() == 2  # the earlier rating is kept
    assert Rating.objects.get(case=case, is_current=True).satisfied is True
    summary, _by_unit = selectors.rating_figures(
        actor=officer, start=date(2026, 1, 1), end=date(2026, 12, 31)
    )
    assert summary == {"rated": 1, "satisfied": 1, "index": 100.0}
    client.force_login(officer)
    staff = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Đèn vẫn tắt." in staff and "Đánh giá các lần trả lời trước" in staff


# --- 5: the reception compliance only for who may see the sessions, of the units whose sessions they see ---


@time_machine.travel(MONDAY, tick=False)
def test_compliance_needs_the_sessions_permission_and_lists_only_units_whose_sessions_are_seen(
    client, cw, monkeypatch
):
    client.force_login(cw.w.users["women_officer_ca"])  # an organisation's officer: no reception sessions
    assert client.get("/cases/compliance/?year=2026&month=3").status_code == 403
    client.force_login(cw.w.users["nobody"])
    assert client.get("/cases/compliance/").status_code == 403
    client.force_login(cw.users["commission_ca"])  # view_receptionsession over the commune
    page = client.get("/cases/compliance/?year=2026&month=3")
    assert page.status_code == 200
    units = {r.unit.pk for r in page.context["rows"]}
    assert units == {cw.w.commune_a.pk}
    monkeypatch.setattr(selectors, "COMPLIANCE_MAX_UNITS", 1)
    client.force_login(cw.users["reception_a"])  # the province and its communes: more than one unit
    page = client.get("/cases/compliance/?year=2026&month=3").content.decode()
    assert "Chỉ liệt kê 1 đơn vị đầu tiên trong phạm vi của bạn" in page


# --- 6: one definition of "being resolved" and "overdue" on the dashboard, the list and the figures -------


def test_a_concluded_case_not_yet_answered_is_counted_apart_everywhere(client, cw):
    from tests.factories import home_card

    officer = cw.users["reception_ca"]
    with time_machine.travel(MONDAY, tick=False):
        late = services.case_accept(actor=officer, case=cw.case(title="Báo cáo trễ hạn"))
        concluded = services.case_accept(
            actor=officer, case=cw.case(kind="complaint", title="Khiếu nại đã kết luận")
        )
        concluded = services.case_conclude(actor=officer, case=concluded, conclusion="Quyết định giải quyết.")
    with time_machine.travel("2026-09-01 09:00 +07:00", tick=False):
        assert Case.objects.get(pk=concluded.pk).due_on < date(2026, 9, 1)  # its answer is late too
        counts = selectors.home_counts(actor=officer)
        assert (counts["open"], counts["overdue"], counts["awaiting_answer"]) == (1, 1, 1)
        figures = selectors.case_figures(actor=officer, start=date(2026, 1, 1), end=date(2026, 12, 31))
        assert (figures.open_now, figures.overdue_now, figures.awaiting_answer_now) == (1, 1, 1)
        overdue = list(selectors.overdue_cases(actor=officer))
        assert overdue == [Case.objects.get(pk=late.pk)]
        client.force_login(officer)
        page = client.get("/cases/overdue/").content.decode()
        assert late.reference in page and concluded.reference not in page
        assert client.get("/cases/list/?deadline=overdue").content.decode().count(concluded.reference) == 0
        dashboard = client.get("/cases/overview/").content.decode()
        assert "Đã có kết luận, chưa gửi trả lời" in dashboard
        assert home_card(client.get("/"), "Đã có kết luận, chưa gửi trả lời") == 1
        assert home_card(client.get("/"), "Hồ sơ quá hạn") == 1
        listed = client.get("/cases/list/?deadline=awaiting_answer").content.decode()
        assert (
            concluded.reference in listed and "quá hạn gửi trả lời" in listed and late.reference not in listed
        )
        # the API says the same: overdue while being resolved, or late with the answer only
        rows = {r["reference"]: r for r in client.get("/api/cases/").json()["results"]}
        assert (rows[late.reference]["is_overdue"], rows[late.reference]["is_answer_overdue"]) == (
            True,
            False,
        )
        assert (rows[concluded.reference]["is_overdue"], rows[concluded.reference]["is_answer_overdue"]) == (
            False,
            True,
        )


# --- 9, 10, 17b: the dialogue page's forms are labelled and keep what was typed; the head-count's name ---


def _dialogue(cw):
    return services.dialogue_save(
        actor=cw.users["reception_ca"],
        title="Đối thoại AUDIT",
        unit=cw.w.commune_a,
        organisation=cw.bodies["pc_ca"],
        held_on=date(2026, 3, 1),
        place="Hội trường",
        chair_name="Chủ tịch UBND xã",
        participant_count=112,
        participants="Đại diện các hộ dân ấp Phú Hòa",
        status="held",
    )


@time_machine.travel(MONDAY, tick=False)
def test_the_dialogue_forms_are_labelled_and_keep_what_was_typed(client, cw):
    dialogue = _dialogue(cw)
    url = f"/cases/dialogues/{dialogue.pk}/"
    client.force_login(cw.users["reception_ca"])
    page = client.get(url).content.decode()
    for label in ("Ý kiến", "Người nêu", "Nội dung trả lời", "Người trả lời"):
        assert f">{label}" in page, label
    assert 'for="id_question"' in page and 'placeholder="Họ tên, ấp/khu phố"' in page
    # a commitment due before the session: the error on its field, what was typed kept
    typed = {
        "text": "Chi trả đền bù ZZTYPED",
        "owner_org": cw.bodies["pc_ca"].pk,
        "owner_name": "Phó Chủ tịch UBND phường",
        "due_on": "2026-02-20",
    }
    r = client.post(url + "commitments/", typed)
    body = r.content.decode()
    assert r.status_code == 400 and not Commitment.objects.exists()
    assert "ZZTYPED" in body and "Phó Chủ tịch UBND phường" in body and 'value="2026-02-20"' in body
    assert "không thể có hạn trước ngày tổ chức đối thoại (01/03/2026)" in body
    assert r.context["commitment_form"].errors["due_on"]
    # a question without its text: the other boxes keep what was typed
    r = client.post(url + "questions/", {"asked_by": "Ông Hai ZZASKER", "answer": "Trong quý II"})
    assert r.status_code == 400 and "ZZASKER" in r.content.decode() and not DialogueQuestion.objects.exists()
    # a valid add says so
    r = client.post(url + "commitments/", {**typed, "due_on": "2026-06-30"}, follow=True)
    assert "Đã thêm cam kết." in r.content.decode() and Commitment.objects.count() == 1
    r = client.post(url + "questions/", {"question": "Khi nào sửa cầu?"}, follow=True)
    assert "Đã thêm ý kiến." in r.content.decode()


@time_machine.travel(MONDAY, tick=False)
def test_the_head_count_of_a_dialogue_is_called_so(client, cw):
    dialogue = _dialogue(cw)
    client.force_login(cw.users["reception_ca"])
    listing = client.get("/cases/dialogues/").content.decode()
    assert "Số người tham dự" in listing and "Thành phần tham dự" not in listing
    page = client.get(f"/cases/dialogues/{dialogue.pk}/").content.decode()
    assert "Số người tham dự" in page and "Đại diện các hộ dân ấp Phú Hòa" in page


def test_the_public_answer_heading_is_capitalised(client, cw):
    case = _answered(cw)
    page = client.post("/cases/public/track/", {"code": case.tracking_code}).content.decode()
    assert "Câu trả lời <span" in page and "câu trả lời <span" not in page


# --- 7: an appeal goes to a higher body; a refusal is said on the form --------------------------------


@time_machine.travel(MONDAY, tick=False)
def test_an_appeal_goes_to_a_higher_body_and_a_refusal_is_said_on_the_form(client, cw):
    officer = cw.users["reception_ca"]
    case = services.case_accept(actor=officer, case=cw.case(kind="complaint", instance="first"))
    case = services.case_conclude(actor=officer, case=case, conclusion="Giữ nguyên quyết định.")
    pc = cw.bodies["pc_ca"]
    with pytest.raises(ValidationError, match="cơ quan cấp trên"):
        services.case_appeal(actor=officer, case=case, to_unit=pc.unit, to_type=pc.type, content="x")
    other = cw.bodies["pc_cb"]  # a body of another commune is not above either
    with pytest.raises(ValidationError, match="cơ quan cấp trên"):
        services.case_appeal(
            actor=cw.users["root"], case=case, to_unit=other.unit, to_type=other.type, content="x"
        )
    client.force_login(officer)
    url = f"/cases/{case.pk}/appeal/"
    same = {
        "province": cw.w.province_a.pk,
        "commune": cw.w.commune_a.pk,
        "org_type": pc.type.pk,
        "content": "Không đồng ý ZZAPPEAL",
    }
    r = client.post(url, same)
    assert r.status_code == 400 and "Khiếu nại lần hai phải gửi đến cơ quan cấp trên" in r.content.decode()
    # the province's body: the ward officer may not record there — said on the form, with what was typed
    higher = {**same, "commune": "", "org_type": cw.bodies["reception_a"].type.pk}
    r = client.post(url, higher)
    body = r.content.decode()
    assert (
        r.status_code == 400
        and "Bạn không được ghi nhận hồ sơ cho cơ quan này" in body
        and "ZZAPPEAL" in body
    )
    assert Case.objects.filter(parent=case).count() == 0
    client.force_login(cw.users["reception_a"])
    r = client.post(url, higher)
    assert r.status_code == 302
    appeal = Case.objects.get(parent=case)
    assert appeal.handling_org == cw.bodies["reception_a"] and appeal.instance == "second"


# --- 8: refusal reasons matched to the kind of case ----------------------------------------------------


@time_machine.travel(MONDAY, tick=False)
def test_refusal_reasons_are_those_of_the_case_kind(client, cw):
    officer = cw.users["reception_ca"]
    report = cw.case(kind="report")
    with pytest.raises(ValidationError, match="Lý do này không áp dụng"):
        services.case_refuse(actor=officer, case=report, reason="anonymous")
    with pytest.raises(ValidationError, match="Lý do này không áp dụng"):
        services.case_refuse(actor=officer, case=cw.case(kind="complaint"), reason="no_basis")
    denunciation = cw.case(kind="denunciation", citizen=services.CitizenData(name="A"))
    with pytest.raises(ValidationError, match="Lý do này không áp dụng"):
        services.case_refuse(actor=officer, case=denunciation, reason="time_barred")
    client.force_login(officer)
    form = client.get(f"/cases/{report.pk}/refuse/").content.decode()
    assert 'value="withdrawn"' in form and 'value="duplicate"' in form
    assert 'value="anonymous"' not in form and 'value="time_barred"' not in form
    form = client.get(f"/cases/{denunciation.pk}/refuse/").content.decode()
    assert 'value="anonymous"' in form and 'value="time_barred"' not in form
    r = client.post(f"/cases/{report.pk}/refuse/", {"reason": "anonymous"})
    assert r.status_code == 400 and Case.objects.get(pk=report.pk).status == Status.RECEIVED
    assert services.case_refuse(actor=officer, case=report, reason="withdrawn").status == Status.NOT_ACCEPTED


# --- 11: after a complaint's extension, no second "Gia hạn" and the card says the new limit --------------


@time_machine.travel(MONDAY, tick=False)
def test_an_extended_complaint_offers_no_second_extension_and_shows_its_new_limit(client, cw):
    officer, head = cw.users["reception_ca"], cw.users["head_ca"]
    case = services.case_accept(actor=officer, case=cw.case(kind="complaint"))
    case = services.case_assign(actor=officer, case=case, handler=officer)
    case = services.case_start(actor=officer, case=case)
    client.force_login(head)
    assert f"/cases/{case.pk}/extend/" in client.get(f"/cases/{case.pk}/").content.decode()
    case = services.case_extend(
        actor=head, case=case, decision_number="15/QĐ-UBND", reason="Phức tạp", complexity="complex"
    )
    assert case.deadline_basis["resolution"]["days"] == 45
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{case.pk}/extend/" not in page
    assert "45 ngày (sau khi gia hạn)" in page and "30 ngày · Luật" not in page


# --- 14: the receiving case's timeline names the sender, not "Từ ngày" -----------------------------------


@time_machine.travel(MONDAY, tick=False)
def test_a_transferred_in_case_names_the_sender(client, cw):
    body = cw.bodies["pc_cb"]
    new = services.case_transfer(
        actor=cw.users["reception_ca"],
        case=cw.case(),
        to_unit=body.unit,
        to_type=body.type,
        reason="Thẩm quyền",
    )
    client.force_login(cw.users["reception_cb"])
    page = client.get(f"/cases/{new.pk}/").content.decode()
    assert f"Nơi chuyển: {cw.bodies['pc_ca'].name}" in page and "Từ ngày:" not in page


# --- 15: one place rule for the documents of a commune-level body (Decree 30/2020) ---------------------


@time_machine.travel(MONDAY, tick=False)
def test_a_commune_bodys_letters_minutes_and_report_are_dated_at_the_commune(client, cw):
    import docx

    from danvan.cases import letters
    from tests.cases.test_views import text_of_docx

    commune = cw.w.commune_a
    own = commune.name.split(" ", 1)[1] if commune.name.startswith(("Xã ", "Phường ")) else commune.name
    province_place = letters.place_name(commune)
    assert own and own != province_place
    officer = cw.users["reception_ca"]
    case = services.case_accept(actor=officer, case=cw.case())
    letter = services.case_letter_generate(actor=officer, case=case, kind="acceptance")
    texts = {"letter": "\n".join(p.text for p in docx.Document(letter.file.open("rb")).paragraphs)}
    texts["letter"] += "\n" + "\n".join(
        c.text for t in docx.Document(letter.file.open("rb")).tables for r in t.rows for c in r.cells
    )
    dialogue = _dialogue(cw)
    client.force_login(officer)
    texts["minutes"] = text_of_docx(client.get(f"/cases/dialogues/{dialogue.pk}/minutes/").content)
    texts["report"] = text_of_docx(client.get("/cases/figures/?period=12m&year=2026&export=docx").content)
    for name, text in texts.items():
        assert f"{own}, ngày" in text, name
        assert f"{province_place}, ngày" not in text, name


# --- 16: the portal tells the citizen to attach the files again after an error --------------------------


def test_the_portal_asks_for_the_attachments_again_after_an_error(client, cw):
    from tests.cases.test_public import form_data

    photo = SimpleUploadedFile("photo.pdf", b"%PDF-1.4 photo", content_type="application/pdf")
    r = client.post("/cases/public/submit/", form_data(cw, title="Kiểm tra <b>đậm</b>", documents=photo))
    assert r.status_code == 400 and "hãy chọn lại tệp đính kèm" in r.content.decode()
    r = client.post("/cases/public/submit/", form_data(cw, title="Kiểm tra <b>đậm</b>"))
    assert r.status_code == 400 and "hãy chọn lại tệp đính kèm" not in r.content.decode()
    assert not Case.objects.exists()


# --- 18: the reception form offers the positions of the officer's levels --------------------------------


def test_the_reception_form_offers_only_the_positions_of_the_users_levels(client, cw):
    client.force_login(cw.users["reception_ca"])
    form = client.get("/cases/reception/new/").context["form"]
    levels = set(form.fields["position"].queryset.values_list("level", flat=True))
    assert levels == {"commune"}
    province_positions = ReceptionRequirement.objects.filter(level="province", is_active=True)
    assert province_positions.exists()
    client.force_login(cw.users["reception_a"])
    form = client.get("/cases/reception/new/").context["form"]
    assert set(form.fields["position"].queryset.values_list("level", flat=True)) == {"province", "commune"}
