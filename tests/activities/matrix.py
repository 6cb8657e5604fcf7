"""In-scope and out-of-scope records of the activities and practices models, for the scope matrix
(tests/test_scope_matrix.py): every URL and endpoint with a pk of these models is walked with them."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from danvan.activities import services as activities
from danvan.activities.models import (
    Attendance,
    Cadre,
    Meeting,
    MeetingIssue,
    Participant,
    QuotaRule,
    TrainingCourse,
)
from danvan.practices import services as practices
from danvan.practices.models import Award, Evidence, Practice

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _records(root, *, marker: str, branch, organisation, unit) -> dict:
    today = timezone.localdate()
    day = today - timedelta(days=3)
    cadre = activities.cadre_create(actor=root, organisation=organisation, full_name=f"Cán bộ {marker}")
    meeting = activities.meeting_create(actor=root, branch=branch, held_on=day, topics=f"Chuyên đề {marker}")
    attendance = activities.attendance_add(
        actor=root, meeting=meeting, cadre=cadre, contribution=f"Ý kiến {marker}"
    )
    issue = activities.issue_add(actor=root, meeting=meeting, summary=f"Kiến nghị {marker}")
    rule = activities.quota_rule_create(
        actor=root,
        unit=unit,
        name=f"Định mức {marker}",
        period="month",
        meetings_required=1,
        valid_from=date(today.year, 1, 1),
    )
    course = activities.course_create(
        actor=root,
        organiser=organisation,
        title=f"Tập huấn {marker}",
        kind="training",
        starts_on=day,
        ends_on=day,
        hours=8,
    )
    participant = activities.participant_add(actor=root, course=course, full_name=f"Học viên {marker}")
    practice = practices.practice_register(
        actor=root,
        unit=unit,
        organisation=organisation,
        name=f"Mô hình {marker}",
        field="economy",
        owner_kind="collective",
        owner_name=f"Chi hội {marker}",
        started_on=day,
        description=f"Mô tả {marker}",
    )
    evidence = practices.evidence_add(
        actor=root,
        practice=practice,
        title=f"Ảnh {marker}",
        file=SimpleUploadedFile("anh.png", PNG, content_type="image/png"),
    )
    award = practices.award_create(
        actor=root,
        unit=unit,
        organisation=organisation,
        recipient_kind="individual",
        recipient_name=f"Người {marker}",
        title=f"Bằng khen {marker}",
        level="province",
        awarded_on=day,
    )
    return {
        Cadre: cadre,
        Meeting: meeting,
        Attendance: attendance,
        MeetingIssue: issue,
        QuotaRule: rule,
        TrainingCourse: course,
        Participant: participant,
        Practice: practice,
        Evidence: evidence,
        Award: award,
    }


def scoped_records(root, *, marks: tuple[str, str], branches, organisations, units) -> dict:
    """{model: (out-of-scope record, in-scope record)}: ``marks``, ``branches``, ``organisations`` and ``units``
    are (out, in) pairs."""
    out = _records(root, marker=marks[0], branch=branches[0], organisation=organisations[0], unit=units[0])
    inside = _records(root, marker=marks[1], branch=branches[1], organisation=organisations[1], unit=units[1])
    return {model: (out[model], inside[model]) for model in out}
