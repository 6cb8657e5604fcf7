"""Issue pages: list scoped and sorted, detail without authors, status change through the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from danvan.opinion.models import Issue, IssueNote
from tests.opinion.analysis_helpers import store


@pytest.fixture
def issue_a(source_a, analyzer):
    store(source_a, 6)
    return Issue.objects.order_by("-volume").first()


def test_issue_list_and_detail_are_scoped(client, demo_world, make_user, issue_a, source_b):
    store(source_b, 3, prefix="b", text="Trường học thu thêm học phí ngoài quy định, phụ huynh bức xúc")
    other = Issue.objects.exclude(unit_path__startswith=demo_world.province_a.path).first()
    user = make_user("iss_a", role="opinion_analyst", unit=demo_world.province_a)
    client.force_login(user)
    r = client.get(reverse("opinion:issue-list"))
    assert r.status_code == 200
    assert issue_a in r.context["issues"] and other not in r.context["issues"]
    r = client.get(reverse("opinion:issue-detail", args=[issue_a.pk]))
    assert r.status_code == 200
    body = r.content.decode()
    assert "0912345678" not in body or "author" not in body
    assert client.get(reverse("opinion:issue-detail", args=[other.pk])).status_code == 404


def test_issue_list_needs_permission(client, demo_world, make_user):
    client.force_login(make_user("iss_none", unit=demo_world.province_a))
    assert client.get(reverse("opinion:issue-list")).status_code == 403


def test_status_change_and_note(client, demo_world, make_user, issue_a):
    user = make_user("iss_b", role="opinion_analyst", unit=demo_world.province_a)
    client.force_login(user)
    r = client.post(
        reverse("opinion:issue-update", args=[issue_a.pk]),
        {"status": "responding", "note": "Đã giao xã xử lý"},
    )
    assert r.status_code == 302
    issue_a.refresh_from_db()
    assert issue_a.status == "responding"
    assert IssueNote.objects.filter(issue=issue_a, text="Đã giao xã xử lý").exists()


def test_status_change_refused_without_permission(client, demo_world, make_user, issue_a):
    user = make_user("iss_c", role="organisation_officer", unit=demo_world.province_a)
    client.force_login(user)
    before = issue_a.status
    r = client.post(reverse("opinion:issue-update", args=[issue_a.pk]), {"status": "resolved"})
    assert r.status_code in (302, 403)
    issue_a.refresh_from_db()
    assert issue_a.status == before


# --- responsible unit, linked cases and dialogues -------------------------------------------------------


def _case(world, commune, org, mark):
    from danvan.cases import services as case_services
    from tests.factories import superuser

    return case_services.case_receive(
        actor=superuser(),
        kind="report",
        channel="walk_in",
        unit=commune,
        handling_org=org,
        title=f"Phản ánh ngập đường {mark}",
        content=f"Nội dung {mark}",
        citizen=case_services.CitizenData(name=f"Công dân {mark}"),
    )


def _dialogue(commune, mark):
    import datetime as dt

    from danvan.cases import services as case_services
    from tests.factories import superuser

    return case_services.dialogue_save(
        actor=superuser(),
        title=f"Đối thoại về đường {mark}",
        unit=commune,
        organisation=None,
        held_on=dt.date(2026, 11, 5),
        place="Hội trường",
        chair_name="Chủ tịch xã",
        status="held",
    )


@pytest.fixture
def leader_a(demo_world, make_user):
    return make_user("iss_leader", role="leader", unit=demo_world.commune_a)


def _update(client, issue, **data):
    return client.post(reverse("opinion:issue-update", args=[issue.pk]), data)


def test_linking_a_case_outside_scope_is_refused(client, demo_world, leader_a, issue_a):
    case_b = _case(demo_world, demo_world.commune_b, demo_world.orgs["women_cb"], "B")
    client.force_login(leader_a)
    notes_before = IssueNote.objects.filter(issue=issue_a).count()
    r = _update(client, issue_a, action="link_case", case=case_b.reference)
    assert r.status_code == 302
    assert not issue_a.cases.exists()
    assert IssueNote.objects.filter(issue=issue_a).count() == notes_before
    body = client.get(r["Location"]).content.decode()
    assert "Không tìm thấy vụ việc" in body and case_b.reference in body
    # The service refuses it as well, whatever the page sends.
    from django.core.exceptions import ValidationError

    from danvan.opinion import services

    with pytest.raises(ValidationError) as exc:
        services.issue_update(actor=leader_a, issue=issue_a, cases=[case_b])
    assert "không thuộc phạm vi" in " ".join(exc.value.messages)
    assert not issue_a.cases.exists()


def test_linked_case_and_dialogue_appear_and_are_audited(client, demo_world, leader_a, issue_a):
    case_a = _case(demo_world, demo_world.commune_a, demo_world.orgs["women_ca"], "A")
    dialogue_a = _dialogue(demo_world.commune_a, "A")
    dialogue_b = _dialogue(demo_world.commune_b, "B")
    client.force_login(leader_a)
    page = client.get(reverse("opinion:issue-detail", args=[issue_a.pk]))
    assert (
        dialogue_a in page.context["dialogue_choices"] and dialogue_b not in page.context["dialogue_choices"]
    )
    _update(client, issue_a, action="link_case", case=case_a.reference)
    _update(client, issue_a, action="link_dialogue", dialogue=dialogue_a.pk)
    assert list(issue_a.cases.all()) == [case_a] and list(issue_a.dialogues.all()) == [dialogue_a]
    body = client.get(reverse("opinion:issue-detail", args=[issue_a.pk])).content.decode()
    assert reverse("cases:case-detail", args=[case_a.pk]) in body and case_a.reference in body
    assert reverse("cases:dialogue-detail", args=[dialogue_a.pk]) in body
    notes = list(IssueNote.objects.filter(issue=issue_a).values_list("text", "author_id"))
    assert (f"Đã liên kết vụ việc {case_a.reference}.", leader_a.pk) in notes
    # A dialogue of another province is refused even when posted directly.
    _update(client, issue_a, action="link_dialogue", dialogue=dialogue_b.pk)
    assert list(issue_a.dialogues.all()) == [dialogue_a]
    _update(client, issue_a, action="unlink_case", case=case_a.pk)
    assert not issue_a.cases.exists()
    assert IssueNote.objects.filter(
        issue=issue_a, text=f"Đã bỏ liên kết vụ việc {case_a.reference}."
    ).exists()


def test_linked_case_invisible_to_a_viewer_is_not_shown(client, demo_world, make_user, issue_a):
    farmers = _case(demo_world, demo_world.commune_a, demo_world.orgs["farmers_ca"], "N")
    women = _case(demo_world, demo_world.commune_a, demo_world.orgs["women_ca"], "P")
    issue_a.cases.add(farmers, women)
    # An officer narrowed to the Women's Union sees the issue and the union's case, not the farmers' one.
    client.force_login(demo_world.users["women_officer_ca"])
    r = client.get(reverse("opinion:issue-detail", args=[issue_a.pk]))
    assert r.status_code == 200
    assert r.context["linked_cases"] == [women]
    assert farmers.reference not in r.content.decode()
    # A change by someone who cannot see a linked case keeps that link.
    from danvan.opinion import services

    narrowed = make_user(
        "iss_wl", role="leader", unit=demo_world.commune_a, organisation=demo_world.orgs["women_a"]
    )
    services.issue_update(actor=narrowed, issue=issue_a, cases=[])
    assert list(issue_a.cases.all()) == [farmers]


def test_responsible_unit_change_persists(client, demo_world, leader_a, issue_a):
    client.force_login(leader_a)
    page = client.get(reverse("opinion:issue-detail", args=[issue_a.pk]))
    choices = page.context["unit_choices"]
    assert demo_world.commune_a in choices and demo_world.province_a in choices
    assert demo_world.commune_b not in choices and demo_world.commune_a2 not in choices
    _update(client, issue_a, status=issue_a.status, responsible_unit=demo_world.province_a.pk)
    issue_a.refresh_from_db()
    assert issue_a.responsible_unit == demo_world.province_a
    # A unit outside the list (another commune) is refused and nothing changes.
    r = _update(client, issue_a, status="resolved", responsible_unit=demo_world.commune_b.pk)
    issue_a.refresh_from_db()
    assert issue_a.responsible_unit == demo_world.province_a and issue_a.status != "resolved"
    assert "phạm vi" in client.get(r["Location"]).content.decode()
    from django.apps import apps

    history = apps.get_model("opinion", "IssueHistory").objects.filter(pgh_obj_id=issue_a.pk)
    assert history.filter(pgh_label="update", responsible_unit_id=demo_world.province_a.pk).count() == 1
    # "—" clears it; a form without the field (e.g. the status alone) leaves it as it is
    _update(client, issue_a, status="monitoring")
    issue_a.refresh_from_db()
    assert issue_a.responsible_unit == demo_world.province_a and issue_a.status == "monitoring"
    _update(client, issue_a, status="monitoring", responsible_unit="")
    issue_a.refresh_from_db()
    assert issue_a.responsible_unit is None
    assert history.filter(pgh_label="update", responsible_unit_id=None).exists()


def test_viewer_without_change_permission_sees_no_forms(client, demo_world, make_user, issue_a):
    case_a = _case(demo_world, demo_world.commune_a, demo_world.orgs["women_ca"], "A")
    viewer = make_user("iss_view", role="reception_officer", unit=demo_world.commune_a)
    client.force_login(viewer)
    body = client.get(reverse("opinion:issue-detail", args=[issue_a.pk])).content.decode()
    assert 'id="issue-update"' not in body and 'id="link-case"' not in body
    assert 'name="action"' not in body
    r = _update(client, issue_a, action="link_case", case=case_a.reference)
    assert r.status_code == 403
    assert not issue_a.cases.exists()


def test_merging_two_issues_of_one_matter(client, demo_world, make_user, source_a, source_b, analyzer):
    """An analyst merges an issue that grouping split off into another of the same commune: items, notes,
    alerts and case links move, the figures are recounted, the merged issue is gone and a note says so; an
    issue of another commune, or a user without the right, cannot be merged."""
    import datetime as dt

    from django.core.exceptions import PermissionDenied, ValidationError

    from danvan.opinion import services
    from danvan.opinion.models import Alert, AlertRule, Item
    from tests.factories import superuser

    store(source_a, 4)
    store(source_a, 3, prefix="s", text="Trường học thu thêm học phí ngoài quy định, phụ huynh bức xúc")
    store(source_b, 2, prefix="b")
    road, school = (Issue.objects.get(unit=demo_world.commune_a, volume=n) for n in (4, 3))
    elsewhere = Issue.objects.get(unit=demo_world.commune_b)
    unit = demo_world.commune_a
    rule = AlertRule.objects.create(name="R", unit=unit, unit_path=unit.path)
    Alert.objects.create(
        rule=rule, unit=unit, unit_path=unit.path, day=dt.date.today(), observed=3, baseline=1, threshold=2,
        reason="Tăng", issue=school,
    )  # fmt: skip
    analyst = make_user("iss_merge", role="opinion_analyst", unit=demo_world.province_a)
    IssueNote.objects.create(issue=school, author=analyst, text="Ghi chú cũ")
    client.force_login(analyst)
    page = client.get(reverse("opinion:issue-detail", args=[school.pk])).content.decode()
    assert 'name="into"' in page and f'value="{road.pk}"' in page and f'value="{elsewhere.pk}"' not in page

    r = client.post(
        reverse("opinion:issue-update", args=[school.pk]), {"action": "merge", "into": elsewhere.pk}
    )
    assert r.status_code == 302 and Issue.objects.filter(pk=school.pk).exists()  # another commune: refused
    with pytest.raises(PermissionDenied):  # the other commune is outside the analyst's province
        services.issue_merge(actor=analyst, issue=school, into=elsewhere)
    with pytest.raises(ValidationError, match="cùng một xã"):
        services.issue_merge(actor=superuser(), issue=school, into=elsewhere)
    outsider = make_user("iss_merge_b", role="opinion_analyst", unit=demo_world.province_b)
    with pytest.raises(PermissionDenied):
        services.issue_merge(actor=outsider, issue=school, into=road)
    assert Issue.objects.filter(pk=school.pk).exists()

    r = client.post(reverse("opinion:issue-update", args=[school.pk]), {"action": "merge", "into": road.pk})
    assert r.status_code == 302 and r.url == reverse("opinion:issue-detail", args=[road.pk])
    assert not Issue.objects.filter(pk=school.pk).exists()
    road.refresh_from_db()
    assert road.volume == 7 == Item.objects.filter(issue=road).count()
    assert Alert.objects.get().issue_id == road.pk
    texts = set(road.notes.values_list("text", flat=True))
    assert "Ghi chú cũ" in texts and any("(3 ý kiến)" in t or "(3 items)" in t for t in texts)
