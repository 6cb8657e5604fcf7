"""The registry of background job kinds and the runner the worker calls.

A module registers a handler with ``@jobs.register("structure.import_villages")``; the handler receives the
Job and a ``JobContext`` to report progress, and returns a result dict. ``JobError`` carries a message
in Vietnamese for the user; any other exception is logged and shown as a generic failure.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from danvan.core.models import Job, JobStatus

# The queue of the jobs that take many minutes (retraining, reanalysing every item): its own worker runs them
# (danvan.demo_runner, deploy/danvan-worker-long.service), so that they never hold up the users' jobs.
LONG_QUEUE = "long"

logger = logging.getLogger(__name__)

Handler = Callable[[Job, "JobContext"], dict[str, Any] | None]
_HANDLERS: dict[str, Handler] = {}


class JobError(Exception):
    """A failure whose message is meant for the user (already translated)."""


def register(kind: str) -> Callable[[Handler], Handler]:
    def decorator(func: Handler) -> Handler:
        _HANDLERS[kind] = func
        return func

    return decorator


def handler_for(kind: str) -> Handler:
    _autodiscover()
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise ValueError(f"unknown job kind: {kind}") from None


def _autodiscover() -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("jobs")


class JobContext:
    def __init__(self, job: Job, every: int = 500):
        self.job = job
        self.every = max(1, every)

    def set_total(self, total: int) -> None:
        from danvan.core.services import job_mark

        job_mark(self.job, total=total)

    def progress(self, done: int, message: str = "", force: bool = False) -> None:
        from danvan.core.services import job_mark

        if force or done % self.every == 0 or done == self.job.total:
            fields: dict[str, Any] = {"progress": done}
            if message:
                fields["message"] = message[:500]
            job_mark(self.job, **fields)


def run(job_id: int) -> None:
    from danvan.core.services import job_finish, job_mark

    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.status != JobStatus.QUEUED:
        return
    job_mark(job, status=JobStatus.RUNNING, started_at=timezone.now())
    try:
        result = handler_for(job.kind)(job, JobContext(job))
    except JobError as exc:
        job_mark(job, status=JobStatus.FAILED, error=str(exc), finished_at=timezone.now())
    except Exception:
        logger.error("job %s (%s) failed:\n%s", job.pk, job.kind, traceback.format_exc())
        job_mark(
            job,
            status=JobStatus.FAILED,
            error=_("An unexpected error occurred. The administrators have been notified in the server log."),
            finished_at=timezone.now(),
        )
    else:
        job.refresh_from_db()
        job_finish(job, result=result or {})
