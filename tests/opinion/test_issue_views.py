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
