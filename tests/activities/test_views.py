"""Pages and API of the activities: the dashboard, compliance and laggards with their exports, recording a
meeting and its cadres through the forms, lists, and the endpoints."""

from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine
from openpyxl import load_workbook

from danvan.activities import services
from danvan.activities.models import Attendance, Meeting

pytestmark = pytest.mark.django_db
NOW = "2026-07-20 10:00 +0700"


@pytest.fixture
def busy(area):
    services.quota_rule_create(
        actor=area.root,
        unit=area.w.province_a,
        name="Cấp xã",
        level="commune",
        period="month",
        meetings_required=1,
        valid_from=date(2025, 1, 1),
    )
    for month in (1, 2, 3, 4, 5, 6):
        area.attend(
            area.women_cadre, area.meeting(on=date(2026, month, 8), topics=f"Chuyên đề tháng {month}")
        )
    area.attend(area.farmers_cadre, area.meeting(branch=area.farmers_branch, on=date(2026, 3, 8)))
    return area


@time_machine.travel(NOW)
def test_dashboard_shows_the_half_year_and_links_the_laggards(busy, client_for):
    response = client_for(busy.commission_officer).get("/activities/overview/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Laggards list" in body and "/activities/laggards/?" in body
    # the commission officer of commune A sees the commune's figures: 7 meetings in the first half…
    # …but the dashboard shows the current half-year (July): nothing yet.
    assert response.context["figures"].period.code == "2026-H2"
    assert client_for(busy.commission_officer).get("/activities/").url == "/activities/overview/"


@time_machine.travel(NOW)
def test_compliance_and_laggards_pages(busy, client_for):
    client = client_for(busy.admin)
    page = client.get(f"/activities/compliance/?period=2026-H1&unit={busy.w.province_a.pk}")
    assert page.status_code == 200
    f = page.context["figures"]
    assert (f.place.meetings, f.place.attendances) == (7, 7)
    body = page.content.decode()
    assert "Lê Văn Sang" in body  # behind: 1 of 6
    laggards = client.get(f"/activities/laggards/?period=2026-H1&unit={busy.w.commune_a.pk}")
    assert [r.full_name for r in laggards.context["cadre_rows"]] == ["Lê Văn Sang"]
    assert [r.name for r in laggards.context["org_rows"]] == [busy.farmers_commune.name]
    # a unit outside the scope falls back to the user's own
    foreign = client.get(f"/activities/compliance/?unit={busy.w.province_b.pk}")
    assert foreign.context["unit"] == busy.w.province_a
    # a bad period code falls back to the current half-year
    assert client.get("/activities/compliance/?period=2026-Q9").context["period"].code == "2026-H2"


@time_machine.travel(NOW)
def test_laggards_export(busy, client_for):
    client = client_for(busy.admin)
    xlsx = client.get(f"/activities/laggards/?period=2026-H1&unit={busy.w.province_a.pk}&export=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert len(wb.sheetnames) == 4
    cadres = [row for row in wb.worksheets[3].iter_rows(values_only=True)]
    assert any(row and row[0] == "Lê Văn Sang" for row in cadres)
    assert not any(row and row[0] == "Nguyễn Thị Hoa" for row in cadres)  # she met her quota
    csv = client.get(
        f"/activities/laggards/?period=2026-H1&unit={busy.w.province_a.pk}&export=csv&part=cadres"
    )
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert "Lê Văn Sang" in text and "Nguyễn Thị Hoa" not in text


def test_pages_need_a_permission(area, client_for):
    nobody = client_for(area.w.users["nobody"])
    assert nobody.get("/activities/overview/").status_code == 403
    assert nobody.get("/activities/compliance/").status_code == 403
    assert nobody.get("/activities/meetings/new/").status_code == 403


def test_recording_a_meeting_and_its_cadres_through_the_forms(area, client_for):
    client = client_for(area.women_officer)
    page = client.get(f"/activities/meetings/new/?branch={area.women_branch.pk}")
    assert page.status_code == 200
    response = client.post(
        f"/activities/meetings/new/?branch={area.women_branch.pk}",
        {
            "held_on": "2026-03-05",
            "kind": "regular",
            "topics": "Phòng chống lừa đảo",
            "members_present": "18",
            "members_total": "25",
            "notes": "",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == meeting.get_absolute_url()
    assert meeting.created_by == area.women_officer
    # the cadre list offers the cadres of the village, commune and province
    form = client.get(f"/activities/meetings/{meeting.pk}/cadres/new/")
    offered = {c.pk for c in form.context["form"].fields["cadre"].queryset}
    assert offered == {area.women_cadre.pk, area.farmers_cadre.pk, area.prov_cadre.pk}
    response = client.post(
        f"/activities/meetings/{meeting.pk}/cadres/new/",
        {
            "cadre": area.prov_cadre.pk,
            "contribution": "Định hướng sinh hoạt",
            "undertakings": "Kiến nghị sửa đường",
        },
    )
    assert response.status_code == 302
    assert Attendance.objects.get().cadre == area.prov_cadre
    detail = client.get(meeting.get_absolute_url()).content.decode()
    assert "Trần Thị Lan" in detail and "Kiến nghị sửa đường" in detail
    # invalid input comes back with the message, nothing saved
    bad = client.post(
        f"/activities/meetings/new/?branch={area.women_branch.pk}",
        {"held_on": "2026-03-05", "kind": "regular", "members_present": "40", "members_total": "25"},
    )
    assert bad.status_code == 200 and "More members present than the branch has." in bad.content.decode()
    assert Meeting.objects.count() == 1


def test_issue_answer_and_forward_buttons(area, client_for):
    meeting = area.meeting()
    client = client_for(area.admin)
    client.post(
        f"/activities/meetings/{meeting.pk}/issues/new/",
        {"summary": "Cầu khỉ xuống cấp", "raised_by": "Bà Năm"},
    )
    issue = meeting.issues.get()
    page = client.get(meeting.get_absolute_url()).content.decode()
    # the cases module is there: the button is offered, and says why when it cannot send the issue on
    assert (
        "Cầu khỉ xuống cấp" in page
        and "Send on as a citizens' case" in page
        and "not available yet" not in page
    )
    response = client.post(f"/activities/issues/{issue.pk}/forward/", follow=True)
    assert "No body receives citizens" in response.content.decode()  # none in the commune yet
    issue.refresh_from_db()
    assert issue.status == "recorded"
    client.post(f"/activities/issues/{issue.pk}/answer/", {"answer": "Xã đã sửa cầu."})
    issue.refresh_from_db()
    assert issue.status == "resolved"


def test_lists_and_exports(area, client_for, django_assert_max_num_queries):
    for month in (1, 2, 3):
        area.attend(area.women_cadre, area.meeting(on=date(2026, month, 4)))
    client = client_for(area.admin)
    with django_assert_max_num_queries(20):
        page = client.get("/activities/meetings/")
    assert page.context["table"].page.paginator.count == 3
    assert client.get("/activities/meetings/?with_cadres=no").context["table"].page.paginator.count == 0
    assert (
        client.get(f"/activities/meetings/?under={area.w.commune_a2.path}")
        .context["table"]
        .page.paginator.count
        == 0
    )
    csv = b"".join(client.get("/activities/attendances/?export=csv").streaming_content).decode("utf-8-sig")
    assert csv.count("Nguyễn Thị Hoa") == 3
    assert (
        client.get(f"/activities/attendances/?cadre={area.farmers_cadre.pk}")
        .context["table"]
        .page.paginator.count
        == 0
    )
    for url in (
        "/activities/cadres/",
        "/activities/quotas/",
        "/activities/reminders/",
        "/activities/issues/",
        "/activities/training/",
        "/activities/training/figures/",
        f"/activities/cadres/{area.women_cadre.pk}/",
    ):
        assert client.get(url).status_code == 200, url
    # without the permission anywhere: refused, as the training figures are (not an empty list with a
    # "Figures" button that leads to a refusal)
    nobody = client_for(area.w.users["nobody"])
    for url in ("/activities/training/", "/activities/training/figures/"):
        assert nobody.get(url).status_code == 403, url


def test_training_pages(area, client_for):
    client = client_for(area.admin)
    response = client.post(
        "/activities/training/new/",
        {
            "title": "Tập huấn dân vận khéo",
            "kind": "training",
            "organiser": area.women_province.pk,
            "starts_on": "2026-04-01",
            "ends_on": "2026-04-02",
            "hours": "16",
            "location": "Hội trường",
        },
    )
    from danvan.activities.models import TrainingCourse

    course = TrainingCourse.objects.get()
    assert response.url == course.get_absolute_url()
    client.post(
        f"/activities/training/{course.pk}/participants/new/",
        {"cadre": area.women_cadre.pk, "attended": "on", "result": "good"},
    )
    client.post(
        f"/activities/training/{course.pk}/participants/new/",
        {"full_name": "Chi hội trưởng Út", "attended": "on", "result": "passed"},
    )
    page = client.get(course.get_absolute_url())
    assert page.context["stats"] == {"total": 2, "attended": 2, "passed": 2, "hours": 32}
    figures = client.get(f"/activities/training/figures/?year=2026&unit={area.w.province_a.pk}").context[
        "figures"
    ]
    assert (figures["total"].courses, figures["total"].participants, figures["total"].participant_hours) == (
        1,
        2,
        32,
    )


# --- API ------------------------------------------------------------------------------------------


def test_api_reads_and_records(area, client_for):
    client = client_for(area.women_officer)
    response = client.post(
        "/api/activities/meetings/",
        {"branch": area.women_branch.pk, "held_on": "2026-03-10", "kind": "regular", "topics": "API"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    meeting_id = response.json()["id"]
    response = client.post(
        "/api/activities/attendances/",
        {"meeting": meeting_id, "cadre": area.women_cadre.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    refused = client.post(
        "/api/activities/meetings/",
        {"branch": area.farmers_branch.pk, "held_on": "2026-03-10"},
        content_type="application/json",
    )
    assert refused.status_code in (403, 404)
    listing = client.get("/api/activities/attendances/").json()
    assert listing["count"] == 1 and listing["results"][0]["cadre_name"] == "Nguyễn Thị Hoa"


@time_machine.travel(NOW)
def test_api_compliance(busy, client_for):
    data = (
        client_for(busy.admin)
        .get(f"/api/activities/compliance/?period=2026-H1&unit={busy.w.commune_a.pk}")
        .json()
    )
    assert (data["meetings"], data["attendances"]) == (7, 7)
    assert [c["full_name"] for c in data["cadres_behind"]] == ["Lê Văn Sang"]
    assert (
        client_for(busy.admin).get(f"/api/activities/compliance/?unit={busy.w.province_b.pk}").status_code
        == 404
    )


def test_an_organisations_officer_registers_a_cadre_with_an_account_and_a_start(area, client_for):
    from danvan.activities.models import Cadre

    client = client_for(area.women_officer)  # no right to administer accounts
    form = client.get("/activities/cadres/new/").context["form"]
    offered = {u.username for u in form.fields["user"].queryset}
    assert "officer_ca" in offered and "admin_b" not in offered  # the accounts of her commune only
    data = {"organisation": area.women_commune.pk, "full_name": "Trần Thị Mai", "role": "officer"}
    refused = client.post("/activities/cadres/new/", {**data, "user": area.w.users["officer_ca"].pk})
    assert refused.status_code == 200 and "active_from" in refused.context["form"].errors
    assert not Cadre.objects.filter(full_name="Trần Thị Mai").exists()
    outside = client.post(
        "/activities/cadres/new/", {**data, "active_from": "2026-05-04", "user": area.w.users["admin_b"].pk}
    )
    assert "user" in outside.context["form"].errors  # an account outside her scope cannot be picked
    client.post(
        "/activities/cadres/new/",
        {**data, "active_from": "2026-05-04", "user": area.w.users["officer_ca"].pk},
    )
    cadre = Cadre.objects.get(full_name="Trần Thị Mai")
    assert cadre.user == area.w.users["officer_ca"] and cadre.active_from == date(2026, 5, 4)


def test_a_course_is_checked_for_its_hours_and_can_be_deleted_while_empty(area, client_for):
    from django.core.exceptions import ValidationError

    from danvan.activities.models import TrainingCourse

    with pytest.raises(ValidationError) as exc:  # 80 hours in one day: a typo
        area.course(hours="80")
    assert "80 hours do not fit in 1 days" in exc.value.message_dict["hours"][0]
    course = area.course(title="Tập huấn kỹ năng", ends_on=date(2026, 3, 3), hours="16")
    services.participant_add(actor=area.root, course=course, cadre=area.women_cadre)
    client = client_for(area.root)
    edit = client.get(f"/activities/training/{course.pk}/edit/").content.decode()
    assert f'action="/activities/training/{course.pk}/delete/"' in edit
    kept = client.post(f"/activities/training/{course.pk}/delete/", follow=True)
    assert (
        "remove them first" in kept.content.decode() and TrainingCourse.objects.filter(pk=course.pk).exists()
    )
    assert kept.redirect_chain[-1][0] == course.get_absolute_url()  # back to the course, with the reason
    course.participants.all().delete()
    client.post(f"/activities/training/{course.pk}/delete/")
    assert not TrainingCourse.objects.filter(pk=course.pk).exists()
    # one who may only read courses gets neither the button nor the deletion
    other = area.course(title="Lớp khác")
    assert client_for(area.leader).post(f"/activities/training/{other.pk}/delete/").status_code in (403, 404)
    assert TrainingCourse.objects.filter(pk=other.pk).exists()


def test_a_quota_that_replaces_another_says_so_and_can_be_deleted(area, client_for):
    from danvan.activities.models import QuotaRule

    services.quota_rule_create(
        actor=area.root,
        unit=area.w.province_a,
        name="Quy định của tỉnh",
        period="month",
        meetings_required=1,
        valid_from=date(2026, 1, 1),
    )
    client = client_for(area.root)
    data = {
        "unit": area.w.commune_a.pk,
        "name": "Quy định của xã",
        "period": "quarter",
        "meetings_required": "4",
        "valid_from": "2026-04-01",
        "reference": "",
        "notes": "",
        "level": "",
        "role": "",
        "org_type": "",
    }
    page = client.post("/activities/quotas/new/", data, follow=True).content.decode()
    assert "Quy định của xã" in page and "replaces “Quy định của tỉnh”" in page and "01/04/2026" in page
    rule = QuotaRule.objects.get(name="Quy định của xã")
    edit = client.get(f"/activities/quotas/{rule.pk}/").content.decode()
    assert f'action="/activities/quotas/{rule.pk}/delete/"' in edit
    client.post(f"/activities/quotas/{rule.pk}/delete/")
    assert not QuotaRule.objects.filter(pk=rule.pk).exists()
