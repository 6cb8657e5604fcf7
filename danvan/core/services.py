"""Writes shared by every module: the access log of sensitive reads and background jobs."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from danvan.core.models import AccessLog, Job, JobStatus

logger = logging.getLogger(__name__)


def client_ip(request) -> str | None:
    if request is None:
        return None
    # nginx (deploy/) appends the address it saw to X-Forwarded-For: only that last hop is trustworthy,
    # the earlier ones are whatever the client sent.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR")


def access_log_record(
    *, actor, obj, field: str, purpose: str = "", request=None, unit_path: str = ""
) -> AccessLog:
    """Record that ``actor`` read the sensitive ``field`` of ``obj``. The value itself is never stored."""
    return AccessLog.objects.create(
        user=actor if getattr(actor, "is_authenticated", False) else None,
        model=obj._meta.label,
        object_pk=str(obj.pk),
        field=field,
        purpose=purpose[:255],
        unit_path=unit_path or getattr(obj, "unit_path", "") or "",
        ip_address=client_ip(request),
        path=(request.path[:255] if request is not None else ""),
    )


@transaction.atomic
def job_start(
    *,
    actor,
    kind: str,
    title: str,
    params: dict[str, Any] | None = None,
    input_file=None,
    queue: str = "default",
) -> Job:
    """Create a Job and enqueue it in the same transaction: it runs only if the caller's data commits.
    ``queue="long"`` (``jobs.LONG_QUEUE``) is for jobs of many minutes (a retrain, a reanalysis of everything),
    run by their own worker so that the users' imports and exports do not wait behind them."""
    from danvan.core import jobs

    jobs.handler_for(kind)  # unknown kinds fail here, not in the worker
    job = Job.objects.create(
        kind=kind, title=title, params=params or {}, created_by=actor if actor and actor.pk else None
    )
    if input_file is not None:
        job.input_file.save(getattr(input_file, "name", "input"), input_file, save=True)
    if getattr(settings, "DANVAN_JOBS_EAGER", False):
        # Tests: run in-process at once, inside the caller's transaction.
        jobs.run(job.pk)
        job.refresh_from_db()
    else:
        from danvan.core.tasks import run_job

        run_job.configure(queue=queue).defer(job_id=job.pk)
    return job


def job_mark(job: Job, **fields: Any) -> None:
    """Update a job's progress outside any surrounding transaction's effects (single UPDATE)."""
    for name, value in fields.items():
        setattr(job, name, value)
    Job.objects.filter(pk=job.pk).update(**fields)


def job_finish(job: Job, *, result: dict[str, Any] | None = None) -> None:
    job_mark(
        job,
        status=JobStatus.SUCCEEDED,
        result=result or {},
        finished_at=timezone.now(),
        progress=job.total or job.progress,
    )
