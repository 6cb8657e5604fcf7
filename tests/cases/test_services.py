"""The life of a case: receipt, acceptance, assignment, handling, extension, conclusion, answer, closing,
reopening, appeal, transfer, duplicates; deadlines computed once; permissions by scope."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from danvan.cases import services
from danvan.cases.models import (
    Case,
    CaseEvent,
    Complexity,
    DeadlineRule,
    EventKind,
    Instance,
    RefusalReason,
    Status,
)
from danvan.structure.models import OrgType

pytestmark = pytest.mark.django_db

# A Monday with no holiday around: 2026-03-02.
MONDAY = "2026-03-02 09:00 +07:00"


def kinds_of(case):
    return list(CaseEvent.objects.filter(case=case).order_by("at", "id").values_list("kind", flat=True))


@time_machine.travel(MONDAY, tick=False)
def test_a_complaint_from_receipt_to_closing(cw):
    officer, head = cw.users["reception_ca"], cw.users["head_ca"]
    case = cw.case(kind="complaint", received_on=date(2026, 2, 27))
    assert case.status == Status.RECEIVED and case.instance == Instance.FIRST
    # Law on Complaints art. 27: 10 days from receipt (27/02 → 09/03, a Monday).
    assert case.acceptance_due == date(2026, 3, 9) == case.due_on
    assert case.deadline_basis["acceptance"]["rule"] == "complaint_first_acceptance"
    assert case.reference.startswith("2026-") and len(case.tracking_code) == 11

    case = services.case_accept(actor=officer, case=case, on=date(2026, 3, 2))
    # Art. 28: 30 days from acceptance → 01/04/2026 (Wednesday).
    assert case.status == Status.ACCEPTED and case.resolution_due == date(2026, 4, 1) == case.due_on

    case = services.case_assign(actor=officer, case=case, handler=cw.users["reception_ca_2"])
    assert case.status == Status.ASSIGNED and case.handler == cw.users["reception_ca_2"]
    case = services.case_start(actor=cw.users["reception_ca_2"], case=case)
    assert case.status == Status.IN_PROGRESS

    # Only the head may extend; a complex complaint gets 45 days from acceptance.
    with pytest.raises(PermissionDenied):
        services.case_extend(
            actor=officer,
            case=case,
            decision_number="12/QĐ-UBND",
            reason="Phức tạp",
            complexity=Complexity.COMPLEX,
        )
    case = services.case_extend(
        actor=head,
        case=case,
        decision_number="12/QĐ-UBND",
        reason="Phải đo đạc lại",
        complexity=Complexity.COMPLEX,
    )
    assert case.resolution_due == date(2026, 4, 16) and case.extension_count == 1
    assert case.deadline_basis["extensions"][0]["decision"] == "12/QĐ-UBND"
    with pytest.raises(ValidationError):
        services.case_extend(
            actor=head, case=case, decision_number="13/QĐ", reason="x", complexity=Complexity.COMPLEX
        )

    case = services.case_conclude(actor=officer, case=case, conclusion="Giữ nguyên quyết định.")
    assert case.status == Status.CONCLUDED and case.concluded_on == date(2026, 3, 2)
    # Art. 32: the decision is sent within 3 working days.
    assert case.answer_due == date(2026, 3, 5) == case.due_on

    case = services.case_answer(actor=officer, case=case, answer="Trả lời công dân.")
    assert case.status == Status.ANSWERED and case.due_on is None
    case = services.case_close(actor=officer, case=case)
    assert case.status == Status.CLOSED
    assert kinds_of(case) == [
        EventKind.RECEIVED,
        EventKind.ACCEPTED,
        EventKind.ASSIGNED,
        EventKind.STARTED,
        EventKind.EXTENDED,
        EventKind.CONCLUDED,
        EventKind.ANSWERED,
        EventKind.CLOSED,
    ]
    actors = set(
        CaseEvent.objects.filter(case=case).exclude(kind=EventKind.RECEIVED).values_list("actor", flat=True)
    )
    assert None not in actors

    case = services.case_reopen(actor=officer, case=case, reason="Công dân bổ sung chứng cứ mới")
    assert case.status == Status.IN_PROGRESS and case.concluded_on is None
    assert case.due_on == date(2026, 4, 16)  # the complex limit (45 days) runs again from the reopening


@time_machine.travel(MONDAY, tick=False)
def test_denunciation_extensions_are_limited_by_complexity(cw):
    officer, head = cw.users["reception_ca"], cw.users["head_ca"]
    case = cw.case(kind="denunciation", received_on=date(2026, 2, 20), citizen=services.CitizenData(name="A"))
    # Law on Denunciations: 7 working days from receipt (20/02 is a Friday; Tết is over) → 03/03.
    assert case.acceptance_due == date(2026, 3, 3)
    case = services.case_accept(actor=officer, case=case, on=date(2026, 3, 2))
    assert case.resolution_due == date(2026, 4, 1)
    case = services.case_assign(actor=head, case=case, handler=officer)
    case = services.case_extend(
        actor=head,
        case=case,
        decision_number="1/QĐ",
        reason="Phức tạp",
        complexity=Complexity.COMPLEX,
        days=30,
    )
    assert case.resolution_due == date(2026, 5, 4)  # 01/05 + weekend → Monday 04/05
    with pytest.raises(ValidationError):  # a complex case: one extension only
        services.case_extend(
            actor=head, case=case, decision_number="2/QĐ", reason="x", complexity=Complexity.COMPLEX
        )
    case = services.case_extend(
        actor=head,
        case=case,
        decision_number="2/QĐ",
        reason="Đặc biệt phức tạp",
        complexity=Complexity.VERY_COMPLEX,
        days=20,
    )
    assert case.extension_count == 2
    with pytest.raises(ValidationError):
        services.case_extend(
            actor=head, case=case, decision_number="3/QĐ", reason="x", complexity=Complexity.VERY_COMPLEX
        )
    with pytest.raises(ValidationError):
        services.case_extend(
            actor=head,
            case=cw.case(kind="report"),
            decision_number="1",
            reason="x",
            complexity=Complexity.COMPLEX,
        )


@time_machine.travel(MONDAY, tick=False)
def test_transitions_out_of_order_are_refused(cw):
    officer = cw.users["reception_ca"]
    case = cw.case()
    for step in (
        lambda c: services.case_assign(actor=officer, case=c, handler=officer),
        lambda c: services.case_start(actor=officer, case=c),
        lambda c: services.case_conclude(actor=officer, case=c, conclusion="x"),
        lambda c: services.case_answer(actor=officer, case=c, answer="x"),
        lambda c: services.case_close(actor=officer, case=c),
        lambda c: services.case_reopen(actor=officer, case=c, reason="x"),
    ):
        with pytest.raises(ValidationError):
            step(case)
    case = services.case_accept(actor=officer, case=case)
    with pytest.raises(ValidationError):
        services.case_accept(actor=officer, case=case)
    with pytest.raises(ValidationError):
        services.case_refuse(actor=officer, case=case, reason=RefusalReason.OTHER, note="x")
    # A report can be answered straight from handling; the answer is then the resolution.
    case = services.case_answer(actor=officer, case=case, answer="Đã sửa đường.")
    assert case.status == Status.ANSWERED and case.concluded_on == date(2026, 3, 2)
    with pytest.raises(ValidationError):
        services.case_transfer(
            actor=officer,
            case=case,
            to_unit=cw.w.commune_b,
            to_type=OrgType.objects.get(code="peoples_committee"),
            reason="x",
        )


@time_machine.travel(MONDAY, tick=False)
def test_refusal_needs_a_legal_reason(cw):
    officer = cw.users["reception_ca"]
    case = cw.case(kind="complaint")
    with pytest.raises(ValidationError):
        services.case_refuse(actor=officer, case=case, reason="because")
    with pytest.raises(ValidationError):
        services.case_refuse(actor=officer, case=case, reason=RefusalReason.OTHER, note="")
    case = services.case_refuse(actor=officer, case=case, reason=RefusalReason.TIME_BARRED)
    assert case.status == Status.NOT_ACCEPTED and case.due_on is None
    case = services.case_reopen(actor=officer, case=case, reason="Công dân nộp đơn bổ sung")
    assert case.status == Status.RECEIVED and case.acceptance_due == date(2026, 3, 12)


@time_machine.travel(MONDAY, tick=False)
def test_scope_decides_who_may_act(cw):
    case = cw.case()
    for name in ("reception_cb", "commission_ca", "admin_a"):
        with pytest.raises(PermissionDenied):
            services.case_accept(actor=cw.users[name], case=case)
    # The province's reception officer covers the commune's bodies.
    services.case_accept(actor=cw.users["reception_a"], case=case)
    with pytest.raises(PermissionDenied):
        cw.case(actor="reception_cb")  # commune B's officer cannot record for commune A's body
    with pytest.raises(ValidationError):  # the handler must be allowed to handle the body's cases
        services.case_assign(actor=cw.users["reception_ca"], case=case, handler=cw.users["reception_cb"])


@time_machine.travel(MONDAY, tick=False)
def test_a_commission_officer_records_what_citizens_bring_but_does_not_handle_it(cw):
    """The commune's mass-mobilisation officer hears citizens too: the case is recorded for the competent
    body, whose officers take it from there; the commission may not accept it."""
    case = cw.case(actor="commission_ca")
    assert case.status == Status.RECEIVED and case.handling_org == cw.bodies["pc_ca"]
    with pytest.raises(PermissionDenied):
        services.case_accept(actor=cw.users["commission_ca"], case=case)
    services.case_accept(actor=cw.users["reception_ca"], case=case)
    with pytest.raises(PermissionDenied):  # not for another commune's body
        cw.case(actor="commission_ca", body="pc_cb")


@time_machine.travel(MONDAY, tick=False)
def test_changing_a_rule_does_not_move_existing_deadlines(cw):
    officer, admin = cw.users["reception_ca"], cw.users["admin_a"]
    case = services.case_accept(actor=officer, case=cw.case(kind="complaint"))
    before = case.resolution_due
    rule = DeadlineRule.objects.get(code="complaint_first_resolution")
    services.deadline_rule_update(actor=admin, rule=rule, days=20)
    case.refresh_from_db()
    assert case.resolution_due == before == date(2026, 4, 1)
    assert case.deadline_basis["resolution"]["days"] == 30
    fresh = services.case_accept(actor=officer, case=cw.case(kind="complaint"))
    assert fresh.resolution_due == date(2026, 3, 23)  # 22/03 is a Sunday
    with pytest.raises(PermissionDenied):
        services.deadline_rule_update(actor=officer, rule=rule, days=25)
    with pytest.raises(ValidationError):
        services.deadline_rule_update(actor=admin, rule=rule, days=0)


@time_machine.travel(MONDAY, tick=False)
def test_remote_complex_complaints_get_the_longer_limits(cw):
    officer = cw.users["reception_ca"]
    case = cw.case(kind="complaint", is_remote=True, complexity=Complexity.COMPLEX)
    case = services.case_accept(actor=officer, case=case)
    assert case.deadline_basis["resolution"]["days"] == 60
    assert case.resolution_due == date(2026, 5, 4)  # 01/05 holiday, weekend → 04/05


@time_machine.travel(MONDAY, tick=False)
def test_editing_a_holiday_applies_to_new_deadlines_only(cw):
    officer, admin = cw.users["reception_ca"], cw.users["admin_a"]
    case = cw.case(kind="denunciation", citizen=services.CitizenData(name="B"))
    assert case.acceptance_due == date(2026, 3, 11)
    services.calendar_day_save(actor=admin, day=date(2026, 3, 4), kind="day_off", name="Nghỉ đột xuất")
    from danvan.cases import reference

    reference.forget_calendar()
    case.refresh_from_db()
    assert case.acceptance_due == date(2026, 3, 11)
    assert cw.case(kind="denunciation", citizen=services.CitizenData(name="C")).acceptance_due == date(
        2026, 3, 12
    )
    with pytest.raises(ValidationError):
        services.calendar_day_save(actor=admin, day=date(2026, 3, 4), kind="working_day", name="x")
    with pytest.raises(PermissionDenied):
        services.calendar_day_save(actor=officer, day=date(2026, 3, 5), kind="holiday", name="x")


@time_machine.travel(MONDAY, tick=False)
def test_transfer_outside_the_scope_keeps_a_trace(cw):
    officer = cw.users["reception_ca"]
    case = cw.case(kind="denunciation", citizen=services.CitizenData(name="Lê Thị Tố", phone="0909000111"))
    new = services.case_transfer(
        actor=officer,
        case=case,
        to_unit=cw.w.commune_b,
        to_type=OrgType.objects.get(code="peoples_committee"),
        reason="Không thuộc thẩm quyền",
    )
    case.refresh_from_db()
    assert case.status == Status.TRANSFERRED and case.transferred_to_name == cw.bodies["pc_cb"].name
    assert new.handling_org == cw.bodies["pc_cb"] and new.transferred_from_id == case.pk
    assert new.tracking_code == case.tracking_code and new.status == Status.RECEIVED
    # The receiving body sees the new case, not the old one; the sender sees its trace, not the new case.
    assert Case.objects.visible_to(cw.users["reception_cb"]).filter(pk=new.pk).exists()
    assert not Case.objects.visible_to(cw.users["reception_cb"]).filter(pk=case.pk).exists()
    assert Case.objects.visible_to(officer).filter(pk=case.pk).exists()
    assert not Case.objects.visible_to(officer).filter(pk=new.pk).exists()
    # The identity moved with the case: the sender keeps no copy.
    assert (
        not hasattr(Case.objects.get(pk=case.pk), "denouncer_identity")
        or not Case.objects.filter(pk=case.pk, denouncer_identity__isnull=False).exists()
    )
    from tests.factories import make_user

    services.case_assign(
        actor=make_user("head_cb", "leader", cw.w.commune_b),  # a denunciation: the head assigns
        case=services.case_accept(actor=cw.users["reception_cb"], case=new),
        handler=cw.users["reception_cb"],
    )
    assert services.denouncer_identity_read(actor=cw.users["reception_cb"], case=new)["name"] == "Lê Thị Tố"
    # The public tracking code shows the newest copy.
    from danvan.cases.selectors import public_case

    assert public_case(tracking_code=case.tracking_code).reference == new.reference
    with pytest.raises(ValidationError):
        services.case_transfer(
            actor=officer,
            case=cw.case(),
            to_unit=cw.w.commune_b,
            to_type=OrgType.objects.get(code="citizen_reception"),
            reason="x",
        )


@time_machine.travel(MONDAY, tick=False)
def test_appeal_to_the_second_instance(cw):
    officer = cw.users["reception_ca"]
    case = services.case_accept(actor=officer, case=cw.case(kind="complaint"))
    with pytest.raises(ValidationError):
        services.case_appeal(
            actor=cw.users["reception_a"],
            case=case,
            to_unit=cw.w.province_a,
            to_type=OrgType.objects.get(code="citizen_reception"),
            content="",
        )
    case = services.case_conclude(actor=officer, case=case, conclusion="Bác đơn.")
    second = services.case_appeal(
        actor=cw.users["reception_a"],
        case=case,
        to_unit=cw.w.province_a,
        to_type=OrgType.objects.get(code="citizen_reception"),
        content="Không đồng ý với quyết định lần đầu.",
    )
    assert second.instance == Instance.SECOND and second.parent == case
    assert second.handling_org == cw.bodies["reception_a"]
    assert second.deadline_basis["acceptance"]["rule"] == "complaint_second_acceptance"
    second = services.case_accept(actor=cw.users["reception_a"], case=second)
    assert second.deadline_basis["resolution"]["days"] == 45
    assert EventKind.APPEALED in kinds_of(case)
    with pytest.raises(PermissionDenied):  # the commune officer may not file at the province's body
        services.case_appeal(
            actor=officer,
            case=case,
            to_unit=cw.w.province_a,
            to_type=OrgType.objects.get(code="citizen_reception"),
            content="",
        )


@time_machine.travel(MONDAY, tick=False)
def test_duplicates_and_similar_cases(cw):
    from danvan.cases.selectors import similar_cases

    officer = cw.users["reception_ca"]
    first = cw.case(title="Đường liên ấp Phú Hòa bị sụt lún nghiêm trọng")
    cw.case(title="Trạm y tế thiếu bác sĩ", content="Trạm y tế xã chỉ có một y sĩ.")
    found = similar_cases(actor=officer, text="duong lien ap phu hoa sut lun")
    assert [c.pk for c in found][:1] == [first.pk]
    assert similar_cases(actor=cw.users["reception_cb"], text="duong lien ap phu hoa sut lun") == []
    second = cw.case(title="Đường liên ấp Phú Hoà sụt lún")
    second = services.case_mark_duplicate(actor=officer, case=second, original=first)
    assert second.duplicate_of == first and second.status == Status.NOT_ACCEPTED
    assert second.refusal_reason == RefusalReason.DUPLICATE
    with pytest.raises(ValidationError):
        services.case_mark_duplicate(actor=officer, case=first, original=first)


@time_machine.travel(MONDAY, tick=False)
def test_classification_flags_collective_cases_and_keeps_deadlines(cw):
    officer = cw.users["reception_ca"]
    case = cw.case(people_count=3)
    assert not case.is_collective
    due = case.due_on
    case = services.case_classify(
        actor=officer,
        case=case,
        field=None,
        urgency="urgent",
        complexity="complex",
        is_remote=True,
        people_count=12,
    )
    assert case.is_collective and case.urgency == "urgent" and case.due_on == due
    assert EventKind.CLASSIFIED in kinds_of(case)


@time_machine.travel(MONDAY, tick=False)
def test_text_is_plain_and_dates_are_sane(cw):
    with pytest.raises(ValidationError):
        cw.case(title="<script>alert(1)</script>")
    with pytest.raises(ValidationError):
        cw.case(received_on=date(2026, 3, 3))
    with pytest.raises(ValidationError):
        cw.case(kind="complaint", instance=Instance.SECOND)
    case = cw.case(title="  Đường   liên ấp  ", content="Dòng 1\nDòng 2\x00")
    assert case.title == "Đường liên ấp" and case.content == "Dòng 1\nDòng 2"
    with pytest.raises(ValidationError):
        services.case_accept(actor=cw.users["reception_ca"], case=case, on=date(2026, 3, 9))
