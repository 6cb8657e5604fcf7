"""Issues raised at meetings (search, the case they became, the answer form) and courses not yet begun."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from danvan.activities import charts, services
from danvan.activities.models import IssueStatus, MeetingIssue
from danvan.structure import services as structure_services
from danvan.structure.models import OrgType


def _issue(area, summary, **kw):
    meeting = area.w.__dict__.setdefault("_issue_meeting", None) or area.meeting()
    area.w._issue_meeting = meeting
    return services.issue_add(actor=area.root, meeting=meeting, summary=summary, **kw)


def test_the_issue_search_matches_the_issue_itself(area, client_for):
    """ "ngập" finds the issue "… ngập nước mùa mưa" (not only its meeting's branch or topics), accent-free
    words too, and the details and who raised it; the branch's name still works."""
    flooded = _issue(area, "Đường vào khóm An Thới ngập nước mùa mưa", raised_by="Ông Tám")
    salty = _issue(area, "Nước sinh hoạt", details="Bị nhiễm mặn vào mùa khô")
    client = client_for(area.admin)

    def found(q):
        rows = client.get("/activities/issues/", {"q": q}).context["table"].data
        return {i.pk for i in rows}

    assert found("ngập") == {flooded.pk}
    assert found("ngap nuoc") == {flooded.pk}
    assert found("nhiễm mặn") == {salty.pk}
    assert found("Ông Tám") == {flooded.pk}
    assert found("Phú Hòa") == {flooded.pk, salty.pk}  # the meeting's branch
    assert found("ngập Phú Hòa") == {flooded.pk}  # words from the issue and from its meeting
    assert found("hạn hán") == set()
    assert (
        MeetingIssue.objects.get(pk=flooded.pk).search_name
        == "duong vao khom an thoi ngap nuoc mua mua ong tam"
    )


def _forwarded(area):
    structure_services.organisation_create(
        actor=area.root, type=OrgType.objects.get(code="peoples_committee"), unit=area.w.commune_a
    )
    issue = _issue(area, "Cầu khỉ xuống cấp")
    services.issue_forward(actor=area.women_officer, issue=issue)
    issue.refresh_from_db()
    return issue


def test_a_forwarded_issue_links_to_its_case_only_for_who_may_open_it(area, client_for):
    """The case belongs to the commune's receiving body: the Women's Union officer who sent the issue on
    cannot open it, so she reads where it went instead of a link that answers 404."""
    from danvan.cases.models import Case

    issue = _forwarded(area)
    case_url = f"/cases/{issue.case_id}/"
    officer = client_for(area.women_officer)
    assert not Case.objects.visible_to(area.women_officer).filter(pk=issue.case_id).exists()
    assert officer.get(case_url).status_code == 404
    page = officer.get(issue.meeting.get_absolute_url()).content.decode()
    assert issue.case_reference in page and f'href="{case_url}"' not in page
    assert "handled by Ủy ban nhân dân" in page
    # someone who can open the case gets the link
    viewer = next(
        u
        for u in (area.commission_officer, area.admin, area.leader)
        if Case.objects.visible_to(u).filter(pk=issue.case_id).exists()
    )
    assert f'href="{case_url}"' in client_for(viewer).get(issue.meeting.get_absolute_url()).content.decode()


def test_the_answer_form_of_a_forwarded_issue_is_refused_before_it_is_typed(area, client_for):
    issue = _forwarded(area)
    client = client_for(area.women_officer)
    response = client.get(f"/activities/issues/{issue.pk}/answer/", follow=True)
    assert response.redirect_chain and response.redirect_chain[0][0] == issue.get_absolute_url()
    assert "it is answered there" in response.content.decode()
    # a recorded issue's form still opens
    recorded = _issue(area, "Đèn đường hỏng")
    assert client.get(f"/activities/issues/{recorded.pk}/answer/").status_code == 200
    assert MeetingIssue.objects.get(pk=issue.pk).status == IssueStatus.FORWARDED


def test_a_course_not_yet_begun_takes_registrations_but_no_attendance_or_result(area, client_for):
    today = timezone.localdate()
    course = area.course(starts_on=today + timedelta(days=2), ends_on=today + timedelta(days=3), hours="16")
    for kwargs in ({}, {"attended": False, "result": "excellent"}, {"attended": True, "result": ""}):
        with pytest.raises(ValidationError) as exc:
            services.participant_add(actor=area.root, course=course, full_name="Lê Thị QA", **kwargs)
        assert set(exc.value.message_dict) & {"attended", "result"}
    registered = services.participant_add(
        actor=area.root, course=course, full_name="Lê Thị QA", attended=False
    )
    assert (registered.attended, registered.hours_attended, registered.result) == (False, 0, "")
    with pytest.raises(ValidationError):
        services.participant_update(
            actor=area.root, participant=registered, attended=True, hours_attended=None, result="good"
        )
    # the form of a course to come does not tick "Attended" for the officer
    client = client_for(area.root)
    form = client.get(f"/activities/training/{course.pk}/participants/new/").context["form"]
    assert form["attended"].value() is False
    refused = client.post(
        f"/activities/training/{course.pk}/participants/new/",
        {"full_name": "Trần Văn QA", "attended": "on", "result": "excellent"},
    )
    assert refused.status_code == 200 and "Untick “Attended”" in refused.content.decode()
    # from its first day, attendance and results are recorded
    begun = area.course(title="Đã bắt đầu", starts_on=today, ends_on=today, hours="4")
    p = services.participant_add(actor=area.root, course=begun, full_name="Lê Thị QA", result="excellent")
    assert (p.attended, p.hours_attended) == (True, Decimal("4"))


def test_chart_legends_do_not_sit_on_the_axis_names():
    """On a phone the legend at the top covered the value axes' names: a chart whose axes are named has its
    legend below the plot, and every legend keeps to one line (scrolls)."""
    monthly = charts.monthly([{"month": "01/2026", "meetings": 3, "attendances": 5}])
    assert all(axis.get("name") for axis in monthly["yAxis"])
    assert "top" not in monthly["legend"] and monthly["legend"]["bottom"] == 0
    assert monthly["grid"]["bottom"] >= 48
    unit_chart = charts.by_unit([], 90)
    assert not unit_chart["yAxis"].get("name")
    for option in (monthly, unit_chart):
        assert option["legend"]["type"] == "scroll"
