"""Deadline notices: three working days before, when overdue, escalation to the head; once each."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core import mail

from danvan.cases import services
from danvan.cases.models import CaseEvent, Commitment, EventKind, Notification

pytestmark = pytest.mark.django_db


def test_notices_before_and_after_the_deadline(cw):
    officer, handler, head = cw.users["reception_ca"], cw.users["reception_ca_2"], cw.users["head_ca"]
    with time_machine.travel("2026-03-02 09:00 +07:00", tick=False):
        case = services.case_accept(actor=officer, case=cw.case(kind="report"))  # 10 working days → 16/03
        case = services.case_assign(actor=officer, case=case, handler=handler)
        Notification.objects.all().delete()
        assert case.due_on == date(2026, 3, 16)
    # Tuesday 10/03: four working days before the deadline → nothing yet.
    with time_machine.travel("2026-03-10 07:30 +07:00", tick=False):
        assert services.deadline_reminders_send().due_soon == 0
    # Wednesday 11/03: three working days before → the handler is told, in-app and by e-mail.
    with time_machine.travel("2026-03-11 07:30 +07:00", tick=False):
        report = services.deadline_reminders_send()
        assert report.due_soon == 1 and report.overdue == 0
        assert list(Notification.objects.values_list("user", "kind")) == [(handler.pk, "due_soon")]
        assert mail.outbox[-1].to == [handler.email] and case.reference in mail.outbox[-1].body
        sent = len(mail.outbox)
        assert services.deadline_reminders_send().due_soon == 0  # once
        assert len(mail.outbox) == sent
    # Tuesday 17/03: overdue → the handler is told and the head of the body gets the escalation.
    with time_machine.travel("2026-03-17 07:30 +07:00", tick=False):
        report = services.deadline_reminders_send()
        assert report.overdue == 1 and report.escalated == 1
        assert Notification.objects.filter(user=handler, kind="overdue", case=case).exists()
        assert Notification.objects.filter(user=head, kind="escalated", case=case).exists()
        # The province's head is not the head of the commune's body.
        assert not Notification.objects.filter(user=cw.users["head_a"]).exists()
        assert CaseEvent.objects.filter(case=case, kind=EventKind.ESCALATED).count() == 1
        again = services.deadline_reminders_send()
        assert again.overdue == 0 and again.escalated == 0
    assert "0912345678" not in "".join(m.body for m in mail.outbox)  # no citizen's data in notices


def test_unassigned_cases_notify_the_officers_of_the_body(cw):
    with time_machine.travel("2026-03-02 09:00 +07:00", tick=False):
        case = cw.case(kind="complaint")  # acceptance: 10 days → 12/03
    with time_machine.travel("2026-03-13 07:30 +07:00", tick=False):
        services.deadline_reminders_send()
    notified = set(
        Notification.objects.filter(case=case, kind="overdue").values_list("user__username", flat=True)
    )
    assert {"reception_ca", "reception_ca_2", "reception_a"} <= notified
    assert "reception_cb" not in notified


def test_overdue_commitments_are_notified(cw):
    with time_machine.travel("2026-03-02 09:00 +07:00", tick=False):
        dialogue = services.dialogue_save(
            actor=cw.users["reception_ca"],
            title="Đối thoại quý I",
            unit=cw.w.commune_a,
            organisation=cw.bodies["pc_ca"],
            held_on=date(2026, 3, 1),
            place="Hội trường",
            chair_name="Chủ tịch",
            status="held",
        )
        services.commitment_create(
            actor=cw.users["reception_ca"],
            dialogue=dialogue,
            text="Sửa cầu ấp",
            unit=cw.w.commune_a,
            owner_org=cw.bodies["pc_ca"],
            owner_name="Phó Chủ tịch",
            due_on=date(2026, 3, 10),
        )
    with time_machine.travel("2026-03-11 07:30 +07:00", tick=False):
        report = services.deadline_reminders_send()
    assert report.commitments >= 1
    assert Notification.objects.filter(
        commitment=Commitment.objects.get(), user=cw.users["reception_ca"]
    ).exists()


def test_the_job_kind_and_the_periodic_task_call_the_service(cw):
    from danvan.core.services import job_start

    job = job_start(actor=cw.users["reception_ca"], kind="cases.deadline_reminders", title="Nhắc hạn")
    assert job.status == "succeeded" and "overdue" in job.result
    from danvan.cases import tasks

    tasks.deadline_reminders(timestamp=0)  # runs the service directly
