"""A user without any role gets the same answer from every list: refused (403), not an always-empty list;
a job that waits because no worker runs says so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from danvan.core.models import Job, JobStatus, WorkerHeartbeat

pytestmark = pytest.mark.django_db

LISTS = (
    "/activities/meetings/",
    "/activities/attendances/",
    "/activities/issues/",
    "/activities/cadres/",
    "/activities/quotas/",
    "/activities/reminders/",
    "/activities/training/",
    "/practices/",
    "/practices/awards/",
    "/structure/units/",
    "/structure/organisations/",
    "/structure/branches/",
    "/accounts/users/",
)


def test_a_user_without_a_role_is_refused_by_every_list(client, demo_world):
    client.force_login(demo_world.users["nobody"])
    assert {url: client.get(url).status_code for url in LISTS} == {url: 403 for url in LISTS}
    assert {url: client.get(url, {"export": "csv"}).status_code for url in LISTS} == {
        url: 403 for url in LISTS
    }
    client.force_login(demo_world.users["admin_a"])  # and one with the role sees them
    assert {url: client.get(url).status_code for url in LISTS[-4:]} == {url: 200 for url in LISTS[-4:]}


def _job(user, age_seconds):
    job = Job.objects.create(kind="test", title="Nhập thôn, ấp", created_by=user, status=JobStatus.QUEUED)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=age_seconds))
    job.refresh_from_db()
    return job


def test_a_job_waiting_without_a_worker_says_processing_is_delayed(client, demo_world):
    from django.utils import translation

    user = demo_world.users["admin_a"]
    client.force_login(user)
    delayed = "Processing is delayed"
    WorkerHeartbeat.objects.all().delete()
    with translation.override("en"):
        fresh = _job(user, 5)  # just queued: nothing to say yet
        assert delayed not in client.get(f"/jobs/{fresh.pk}/").content.decode()
        waiting = _job(user, 120)
        page = client.get(f"/jobs/{waiting.pk}/").content.decode()
        assert delayed in page and 'hx-trigger="every 5s"' in page
        # a worker beat recently: the job will be taken, no warning
        WorkerHeartbeat.objects.create(worker="w1", beat_at=timezone.now() - timedelta(seconds=30))
        assert delayed not in client.get(f"/jobs/{waiting.pk}/").content.decode()
        WorkerHeartbeat.objects.filter(worker="w1").update(beat_at=timezone.now() - timedelta(minutes=5))
        assert delayed in client.get(f"/jobs/{waiting.pk}/", HTTP_HX_REQUEST="true").content.decode()
        Job.objects.filter(pk=waiting.pk).update(status=JobStatus.SUCCEEDED)
        assert delayed not in client.get(f"/jobs/{waiting.pk}/").content.decode()
