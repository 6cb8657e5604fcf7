"""Reads shared by every module."""

from __future__ import annotations

from danvan.structure.models import Branch, Organisation, Unit, UnitLevel


def home_summary(*, actor) -> dict[str, int]:
    """The structure's figures the user's roles let them see (a figure they may not see is left out, not
    shown as 0)."""
    summary = {}
    if actor.has_perm("structure.view_unit"):
        units = Unit.objects.visible_to(actor).active()
        summary["communes"] = units.filter(level=UnitLevel.COMMUNE).count()
        summary["villages"] = units.filter(level=UnitLevel.VILLAGE).count()
    if actor.has_perm("structure.view_organisation"):
        summary["organisations"] = Organisation.objects.visible_to(actor).filter(is_active=True).count()
    if actor.has_perm("structure.view_branch"):
        summary["branches"] = Branch.objects.visible_to(actor).filter(is_active=True).count()
    return summary


# A worker beats every minute (core.tasks.heartbeat): none for longer than this, and a job still queued after
# WAITING_AFTER is not being processed. /health/ calls the worker stale after three minutes.
BEAT_LATE_AFTER_SECONDS = 90
WAITING_AFTER_SECONDS = 60


def job_delayed(job) -> bool:
    """Whether a queued job waits because no background worker is running (no heartbeat lately), so the
    page can say so instead of showing 0 % for as long as the worker is down."""
    from datetime import timedelta

    from django.utils import timezone

    from danvan.core.models import JobStatus, WorkerHeartbeat

    now = timezone.now()
    if job.status != JobStatus.QUEUED or job.created_at > now - timedelta(seconds=WAITING_AFTER_SECONDS):
        return False
    last = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    return last is None or last < now - timedelta(seconds=BEAT_LATE_AFTER_SECONDS)
