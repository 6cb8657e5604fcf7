"""Services of the activities: permissions, validation, the attendance rules, issues, training, and the
monthly tallies that the triggers keep."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from danvan.activities import services
from danvan.activities.models import (
    Attendance,
    BranchMonthTally,
    Cadre,
    CadreMonthTally,
    IssueStatus,
    Meeting,
    MeetingIssue,
)
from danvan.structure import services as structure_services
from danvan.structure.models import OrgType

pytestmark = pytest.mark.django_db


def tallies():
    branch = {
        (t.branch_id, t.month): (t.meetings, t.attendances)
        for t in BranchMonthTally.objects.all()
        if t.meetings or t.attendances
    }
    cadre = {(t.cadre_id, t.month): t.attendances for t in CadreMonthTally.objects.all() if t.attendances}
    return branch, cadre


def assert_tallies_match_the_rows():
    """What the triggers kept equals what a rebuild from the rows computes."""
    kept = tallies()
    services.tallies_rebuild()
    assert kept == tallies()


# --- cadres ---------------------------------------------------------------------------------------


def test_a_cadre_takes_the_place_and_level_of_their_organisation(area):
    c = area.prov_cadre
    assert (c.level, c.unit_path, c.org_path) == (
        "province",
        area.w.province_a.path,
        area.women_province.path,
    )
    assert area.women_cadre.level == "commune"
    assert area.women_cadre.search_name == "nguyen thi hoa"


def test_cadres_are_created_only_within_scope(area):
    with pytest.raises(PermissionDenied):
        services.cadre_create(actor=area.women_officer, organisation=area.farmers_commune, full_name="Ai Đó")
    with pytest.raises(PermissionDenied):
        services.cadre_create(actor=area.admin, organisation=area.w.orgs["women_cb"], full_name="Ai Đó")
    cadre = services.cadre_create(
        actor=area.women_officer, organisation=area.women_commune, full_name="  Võ   Thị Mai "
    )
    assert cadre.full_name == "Võ Thị Mai"


def test_cadre_validation(area):
    with pytest.raises(ValidationError) as exc:
        services.cadre_create(
            actor=area.root,
            organisation=area.women_commune,
            full_name=" ",
            role="king",
            active_from=date(2026, 5, 1),
            active_until=date(2026, 1, 1),
        )
    assert {"full_name", "role", "active_until"} <= set(exc.value.message_dict)
    services.cadre_update(
        actor=area.root,
        cadre=area.women_cadre,
        organisation=area.women_commune,
        full_name="Nguyễn Thị Hoa",
        role="organisation_leader",
        user=area.women_officer,
    )
    with pytest.raises(ValidationError) as exc:
        services.cadre_create(
            actor=area.root, organisation=area.women_commune, full_name="Khác", user=area.women_officer
        )
    assert "user" in exc.value.message_dict


def test_deactivating_a_cadre_ends_their_term(area):
    cadre = services.cadre_update(
        actor=area.root,
        cadre=area.farmers_cadre,
        organisation=area.farmers_commune,
        full_name="Lê Văn Sang",
        role="officer",
        is_active=False,
    )
    assert cadre.active_until == timezone.localdate() and not cadre.is_active


def test_moving_a_cadre_moves_their_figures_but_not_their_past_attendances(area):
    meeting = area.meeting()
    attendance = area.attend(area.women_cadre, meeting)
    services.cadre_update(
        actor=area.root,
        cadre=area.women_cadre,
        organisation=area.w.orgs["women_ca2"],
        full_name="Nguyễn Thị Hoa",
        role="organisation_leader",
    )
    attendance.refresh_from_db()
    assert attendance.organisation_id == area.women_commune.pk  # as on the day
    tally = CadreMonthTally.objects.get(cadre=area.women_cadre)
    assert tally.org_path == area.w.orgs["women_ca2"].path and tally.attendances == 1


# --- meetings -------------------------------------------------------------------------------------


def test_a_meeting_carries_its_branch_places(area):
    m = area.meeting(topics="  Tuyên truyền\nLuật Dân chủ  ", members_present=20, members_total=30)
    assert (m.unit_path, m.org_path) == (area.women_branch.unit_path, area.women_branch.path)
    assert m.organisation_id == area.women_commune.pk and m.unit_id == area.w.village_a.pk
    assert m.topics == "Tuyên truyền\nLuật Dân chủ"
    assert m.attendance_rate == pytest.approx(20 / 30)


def test_meeting_validation(area):
    with pytest.raises(ValidationError) as exc:
        area.meeting(
            on=timezone.localdate() + timedelta(days=1), members_present=40, members_total=30, kind="party"
        )
    assert {"held_on", "members_present", "kind"} <= set(exc.value.message_dict)
    structure_services.branch_set_active(actor=area.root, branch=area.farmers_branch, active=False)
    with pytest.raises(ValidationError):
        area.meeting(branch=area.farmers_branch)
    with pytest.raises(ValidationError) as exc:  # a typo: year 1800
        area.meeting(on=date(1800, 2, 10))
    assert exc.value.message_dict["held_on"] == ["Check the date: it is before 01/01/1990."]
    area.women_branch.founded_on = date(2024, 5, 1)
    area.women_branch.save()
    with pytest.raises(ValidationError) as exc:
        area.meeting(on=date(2024, 4, 30))
    assert "founded on 01/05/2024" in exc.value.message_dict["held_on"][0]


def test_the_same_meeting_is_not_entered_twice(area):
    first = area.meeting(on=date(2026, 2, 10))
    with pytest.raises(ValidationError) as exc:
        area.meeting(on=date(2026, 2, 10))
    assert "already has a meeting of this kind (Regular meeting) recorded on 10/02/2026" in str(exc.value)
    # another kind the same day, or the same branch another day, is another meeting
    thematic = area.meeting(on=date(2026, 2, 10), kind="thematic")
    area.meeting(on=date(2026, 2, 11))
    # editing a meeting does not collide with itself, but cannot become a copy of another
    services.meeting_update(
        actor=area.root, meeting=first, held_on=date(2026, 2, 10), kind="regular", topics="Sửa"
    )
    with pytest.raises(ValidationError):
        services.meeting_update(actor=area.root, meeting=thematic, held_on=date(2026, 2, 10), kind="regular")
    assert Meeting.objects.filter(branch=area.women_branch).count() == 3


def test_meetings_are_recorded_only_within_scope(area):
    # The Women's Union officer of the commune records her own branches' meetings, not the farmers'.
    services.meeting_create(actor=area.women_officer, branch=area.women_branch, held_on=date(2026, 3, 2))
    with pytest.raises(PermissionDenied):
        services.meeting_create(
            actor=area.women_officer, branch=area.farmers_branch, held_on=date(2026, 3, 2)
        )
    with pytest.raises(PermissionDenied):
        services.meeting_create(actor=area.admin, branch=area.out_branch, held_on=date(2026, 3, 2))
    with pytest.raises(PermissionDenied):  # the leader only reads
        services.meeting_create(actor=area.leader, branch=area.women_branch, held_on=date(2026, 3, 2))


def test_moving_a_meeting_to_another_month_moves_its_figures(area):
    m = area.meeting(on=date(2026, 2, 10))
    area.attend(area.women_cadre, m)
    area.attend(area.prov_cadre, m)
    services.meeting_update(actor=area.root, meeting=m, held_on=date(2026, 4, 3), kind="thematic")
    assert set(Attendance.objects.filter(meeting=m).values_list("held_on", flat=True)) == {date(2026, 4, 3)}
    feb, apr = date(2026, 2, 1), date(2026, 4, 1)
    assert BranchMonthTally.objects.get(branch=area.women_branch, month=feb).meetings == 0
    assert BranchMonthTally.objects.get(branch=area.women_branch, month=apr).attendances == 2
    assert CadreMonthTally.objects.get(cadre=area.prov_cadre, month=apr).attendances == 1
    assert_tallies_match_the_rows()


def test_deleting_a_meeting_removes_its_attendances_and_figures(area):
    m = area.meeting()
    area.attend(area.women_cadre, m)
    services.issue_add(actor=area.root, meeting=m, summary="Đường hư")
    services.meeting_delete(actor=area.root, meeting=m)
    assert (
        not Meeting.objects.exists() and not Attendance.objects.exists() and not MeetingIssue.objects.exists()
    )
    assert tallies() == ({}, {})


# --- attendance -----------------------------------------------------------------------------------


def test_cadres_of_the_village_commune_and_province_may_attend_not_others(area):
    m = area.meeting()
    area.attend(area.prov_cadre, m)  # province above
    area.attend(area.farmers_cadre, m)  # same commune, another organisation
    other = services.cadre_create(
        actor=area.root, organisation=area.w.orgs["women_ca2"], full_name="Phạm Thị Thu"
    )
    with pytest.raises(ValidationError) as exc:
        area.attend(other, m)  # a cadre of another commune
    assert "cadre" in exc.value.message_dict
    m.refresh_from_db()
    assert m.cadre_count == 2


def test_a_cadre_is_counted_once_per_meeting_and_only_in_post(area):
    m = area.meeting(on=date(2026, 2, 10))
    area.attend(area.women_cadre, m)
    with pytest.raises(ValidationError):
        area.attend(area.women_cadre, m)
    late = services.cadre_create(
        actor=area.root, organisation=area.women_commune, full_name="Mới Vào", active_from=date(2026, 3, 1)
    )
    with pytest.raises(ValidationError):
        area.attend(late, m)
    assert Attendance.objects.filter(meeting=m).count() == 1


def test_attendance_keeps_the_cadre_as_on_the_day(area):
    m = area.meeting()
    a = services.attendance_add(
        actor=area.root,
        meeting=m,
        cadre=area.prov_cadre,
        contribution="Hướng dẫn vay vốn",
        undertakings="Kiến nghị sửa cầu",
    )
    assert (a.organisation_id, a.level, a.role) == (area.women_province.pk, "province", "organisation_leader")
    assert (a.unit_path, a.org_path) == (m.unit_path, m.org_path)
    assert (a.cadre_unit_path, a.cadre_org_path) == (area.prov_cadre.unit_path, area.prov_cadre.org_path)
    assert (a.contribution, a.undertakings) == ("Hướng dẫn vay vốn", "Kiến nghị sửa cầu")


def test_attendance_may_be_recorded_from_either_side(area):
    m = area.meeting(branch=area.farmers_branch)
    # The women's officer of the commune cannot record at the farmers' meeting for a farmers' cadre…
    with pytest.raises(PermissionDenied):
        services.attendance_add(actor=area.women_officer, meeting=m, cadre=area.farmers_cadre)
    # …but may record her own organisation's cadre who attended it.
    services.attendance_add(actor=area.women_officer, meeting=m, cadre=area.women_cadre)
    assert Attendance.objects.filter(meeting=m).count() == 1


def test_removing_an_attendance(area):
    m = area.meeting()
    a = area.attend(area.women_cadre, m)
    services.attendance_remove(actor=area.root, attendance=a)
    m.refresh_from_db()
    assert m.cadre_count == 0
    assert CadreMonthTally.objects.get(cadre=area.women_cadre).attendances == 0
    assert_tallies_match_the_rows()


def test_tallies_follow_bulk_inserts_too(area):
    """The statement triggers aggregate whatever inserts the rows (here bulk_create, in the demo COPY)."""
    m = area.meeting()
    Attendance.objects.bulk_create(
        [
            Attendance(
                meeting=m,
                cadre=c,
                held_on=m.held_on,
                branch_id=m.branch_id,
                meeting_organisation_id=m.organisation_id,
                unit_path=m.unit_path,
                org_path=m.org_path,
                organisation_id=c.organisation_id,
                level=c.level,
                role=c.role,
                cadre_unit_path=c.unit_path,
                cadre_org_path=c.org_path,
            )
            for c in (area.women_cadre, area.farmers_cadre, area.prov_cadre)
        ]
    )
    assert BranchMonthTally.objects.get(branch=area.women_branch).attendances == 3
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM activities_attendance WHERE cadre_id = %s", [area.prov_cadre.pk])
    assert BranchMonthTally.objects.get(branch=area.women_branch).attendances == 2
    assert_tallies_match_the_rows()


# --- issues ---------------------------------------------------------------------------------------


def test_issues_stay_recorded_recommendations_without_the_cases_module(area, monkeypatch):
    monkeypatch.setattr(services, "ISSUE_FORWARDERS", [])
    m = area.meeting()
    issue = services.issue_add(actor=area.root, meeting=m, summary=" Giá lúa thấp ", raised_by="Hội viên")
    assert issue.status == IssueStatus.RECORDED and issue.summary == "Giá lúa thấp"
    with pytest.raises(ValidationError, match="not available"):
        services.issue_forward(actor=area.root, issue=issue)
    assert MeetingIssue.objects.get().status == IssueStatus.RECORDED


def test_an_issue_is_sent_on_through_the_cases_hook(area, monkeypatch):
    calls = []

    def open_case(*, actor, issue):
        calls.append(issue.pk)
        return 4242, "PA-2026-0042"

    monkeypatch.setattr(services, "ISSUE_FORWARDERS", [open_case])
    issue = services.issue_add(actor=area.root, meeting=area.meeting(), summary="Nước nhiễm mặn")
    services.issue_forward(actor=area.commission_officer, issue=issue)
    issue.refresh_from_db()
    assert (issue.status, issue.case_id, issue.case_reference) == (
        IssueStatus.FORWARDED,
        4242,
        "PA-2026-0042",
    )
    assert issue.forwarded_by == area.commission_officer and calls == [issue.pk]
    with pytest.raises(ValidationError):
        services.issue_forward(actor=area.root, issue=issue)  # only once
    with pytest.raises(ValidationError):
        services.issue_answer(actor=area.root, issue=issue, answer="…")  # answered in the cases module


def test_an_issue_becomes_a_case_of_the_communes_receiving_body(area):
    from danvan.cases.models import Case, Channel, Kind

    issue = services.issue_add(
        actor=area.root,
        meeting=area.meeting(),
        summary="Đường liên ấp ngập khi triều cường",
        details="Đề nghị nâng cấp đoạn 300 m.",
        raised_by="Bà Năm",
    )
    # no body in the commune receives citizens' submissions yet: said so, nothing changes
    with pytest.raises(ValidationError, match="No body receives"):
        services.issue_forward(actor=area.commission_officer, issue=issue)
    assert MeetingIssue.objects.get(pk=issue.pk).status == IssueStatus.RECORDED and not Case.objects.exists()
    committee = structure_services.organisation_create(
        actor=area.root, type=OrgType.objects.get(code="peoples_committee"), unit=area.w.commune_a
    )
    services.issue_forward(actor=area.commission_officer, issue=issue)
    issue.refresh_from_db()
    case = Case.objects.get()
    assert (issue.status, issue.case_id, issue.case_reference) == (
        IssueStatus.FORWARDED,
        case.pk,
        case.reference,
    )
    assert case.channel == Channel.BRANCH_MEETING and case.kind == Kind.RECOMMENDATION
    assert case.handling_org == committee and case.unit == area.women_branch.unit
    assert case.received_on == date(2026, 2, 10)  # the day of the meeting
    assert "Đề nghị nâng cấp đoạn 300 m." in case.content
    received = case.events.get()
    assert "Chi hội Phụ nữ ấp Phú Hòa" in received.note and "10/02/2026" in received.note
    assert received.actor == area.commission_officer


def test_answering_an_issue(area):
    issue = services.issue_add(actor=area.root, meeting=area.meeting(), summary="Thiếu đèn đường")
    with pytest.raises(ValidationError):
        services.issue_answer(actor=area.root, issue=issue, answer="  ")
    with pytest.raises(PermissionDenied):
        services.issue_answer(actor=area.leader, issue=issue, answer="Đã lắp")
    services.issue_answer(actor=area.root, issue=issue, answer="UBND xã đã lắp 12 bóng đèn.")
    assert MeetingIssue.objects.get().status == IssueStatus.RESOLVED


# --- quota rules ----------------------------------------------------------------------------------


def test_quota_rules_validation_and_scope(area):
    with pytest.raises(ValidationError) as exc:
        services.quota_rule_create(
            actor=area.root,
            unit=area.w.province_a,
            name="",
            period="week",
            meetings_required=0,
            valid_from=date(2026, 5, 1),
            valid_to=date(2026, 1, 1),
        )
    assert {"name", "period", "meetings_required", "valid_to"} <= set(exc.value.message_dict)
    with pytest.raises(PermissionDenied):
        services.quota_rule_create(
            actor=area.commission_officer,
            unit=area.w.province_a,
            name="Tỉnh",
            period="month",
            meetings_required=1,
            valid_from=date(2026, 1, 1),
        )
    rule = services.quota_rule_create(
        actor=area.commission_officer,
        unit=area.w.commune_a,
        name="Xã",
        period="month",
        meetings_required=2,
        valid_from=date(2026, 1, 1),
        reference="Quy định 784-QĐ/TU",
    )
    assert rule.unit_path == area.w.commune_a.path


# --- training -------------------------------------------------------------------------------------


def test_courses_and_participants(area):
    course = services.course_create(
        actor=area.root,
        organiser=area.women_province,
        title="Tập huấn kỹ năng dân vận",
        kind="training",
        starts_on=date(2026, 3, 2),
        ends_on=date(2026, 3, 3),
        hours=Decimal("16"),
    )
    assert (course.level, course.unit_path) == ("province", area.w.province_a.path)
    p1 = services.participant_add(actor=area.root, course=course, cadre=area.women_cadre, result="good")
    assert (p1.full_name, p1.hours_attended, p1.organisation_id) == (
        "Nguyễn Thị Hoa",
        Decimal("16"),
        area.women_commune.pk,
    )
    with pytest.raises(ValidationError):
        services.participant_add(actor=area.root, course=course, cadre=area.women_cadre)
    with pytest.raises(ValidationError) as exc:
        services.participant_add(
            actor=area.root, course=course, full_name="Ai", attended=False, result="passed"
        )
    assert "result" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.participant_add(actor=area.root, course=course, full_name="Ai", hours_attended=Decimal("20"))
    absent = services.participant_add(
        actor=area.root, course=course, full_name="Trần Văn Vắng", attended=False
    )
    assert absent.hours_attended == 0
    with pytest.raises(ValidationError) as exc:
        services.course_update(
            actor=area.root,
            course=course,
            title=course.title,
            kind="training",
            starts_on=course.starts_on,
            ends_on=course.ends_on,
            hours=Decimal("8"),
        )
    assert "hours" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.course_create(
            actor=area.root,
            organiser=area.women_province,
            title="X",
            kind="training",
            starts_on=date(2026, 3, 2),
            ends_on=date(2026, 3, 1),
            hours=Decimal("4"),
        )
    with pytest.raises(PermissionDenied):
        services.course_create(
            actor=area.women_officer,
            organiser=area.farmers_commune,
            title="X",
            kind="training",
            starts_on=date(2026, 3, 2),
            ends_on=date(2026, 3, 2),
            hours=Decimal("4"),
        )


def test_the_cadre_registry_is_audited(area):
    """Row history (pghistory) records every change of a cadre."""
    from django.apps import apps

    events = apps.get_model("activities", "CadreEvent")
    services.cadre_update(
        actor=area.root,
        cadre=area.women_cadre,
        organisation=area.women_commune,
        full_name="Nguyễn Thị Hoa",
        role="officer",
    )
    labels = list(events.objects.filter(pgh_obj_id=area.women_cadre.pk).values_list("pgh_label", "role"))
    assert labels == [("insert", "organisation_leader"), ("update", "officer")]
    assert Cadre.objects.count() == 3


# --- scoping variations ---------------------------------------------------------------------------


def test_an_attendance_is_seen_from_either_side(area):
    m = area.meeting(branch=area.farmers_branch)
    women_at_farmers = area.attend(area.women_cadre, m)
    area.attend(area.farmers_cadre, m)
    # The Women's Union officer does not see the farmers' meeting, but sees her own cadre's attendance at it.
    assert not Meeting.objects.visible_to(area.women_officer).filter(pk=m.pk).exists()
    assert set(Attendance.objects.visible_to(area.women_officer)) == {women_at_farmers}
    assert Attendance.objects.visible_to(area.commission_officer).count() == 2
    assert not Attendance.objects.visible_to(area.w.users["admin_b"]).exists()
    assert not Attendance.objects.visible_to(area.w.users["nobody"]).exists()


def test_tallies_are_seen_with_the_permission_of_what_they_count(area):
    area.attend(area.farmers_cadre, area.meeting(branch=area.farmers_branch))
    area.attend(area.women_cadre, area.meeting())
    assert BranchMonthTally.objects.visible_to(area.leader).count() == 2
    assert {t.branch_id for t in BranchMonthTally.objects.visible_to(area.women_officer)} == {
        area.women_branch.pk
    }
    assert {t.cadre_id for t in CadreMonthTally.objects.visible_to(area.women_officer)} == {
        area.women_cadre.pk
    }
    assert not BranchMonthTally.objects.visible_to(area.w.users["admin_b"]).exists()
    assert not CadreMonthTally.objects.visible_to(area.w.users["nobody"]).exists()


def test_quota_rules_from_above_are_read_by_those_they_apply_to(area):
    from danvan.activities.models import QuotaRule

    province_rule = services.quota_rule_create(
        actor=area.root,
        unit=area.w.province_a,
        name="Tỉnh",
        period="month",
        meetings_required=1,
        valid_from=date(2026, 1, 1),
    )
    other_commune = services.quota_rule_create(
        actor=area.root,
        unit=area.w.commune_a2,
        name="Xã khác",
        period="month",
        meetings_required=2,
        valid_from=date(2026, 1, 1),
    )
    seen = set(QuotaRule.objects.visible_to(area.women_officer))
    assert province_rule in seen and other_commune not in seen
    assert (
        not QuotaRule.objects.visible_to(area.commission_officer, "change")
        .filter(pk=province_rule.pk)
        .exists()
    )
    assert not QuotaRule.objects.visible_to(area.w.users["admin_b"]).exists()
