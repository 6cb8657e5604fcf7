"""Procrastinate tasks of the platform: the generic job runner and the worker heartbeat."""

from __future__ import annotations

import os
import socket

from django.utils import timezone
from procrastinate.contrib.django import app


def on_app_ready(app_) -> None:  # settings.PROCRASTINATE_ON_APP_READY
    return None


# A job started by a user (an import, an export, a report) is watched on its page with a progress bar: the
# worker takes it before the bulk work already queued (the opinion pipeline's batches, priority 0), which
# may be hundreds of jobs after a large ingestion.
USER_JOB_PRIORITY = 10


@app.task(queue="default", name="core.run_job", priority=USER_JOB_PRIORITY)
def run_job(job_id: int) -> None:
    from danvan.core import jobs

    jobs.run(job_id)


@app.periodic(cron="* * * * *")
@app.task(queue="default", name="core.heartbeat", queueing_lock="core.heartbeat")
def heartbeat(timestamp: int) -> None:
    from danvan.core.models import WorkerHeartbeat

    name = f"{socket.gethostname()}:{os.getpid()}"[:100]
    WorkerHeartbeat.objects.update_or_create(worker=name, defaults={"beat_at": timezone.now()})
    WorkerHeartbeat.objects.filter(beat_at__lt=timezone.now() - timezone.timedelta(days=1)).delete()
