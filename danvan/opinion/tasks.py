"""Procrastinate tasks of the opinion module. Thin: they call the pipeline and the services.

- ``opinion.analyse_batch``: one batch of items through the pipeline (deferred by ``pipeline.enqueue``).
- periodic: partitions of the coming months, a sweep of items left unanalysed, feed polling (ingestion),
  burst detection and alerts, daily forecasts, the retention purge.
"""

from __future__ import annotations

from procrastinate.contrib.django import app


@app.task(queue="opinion", name="opinion.analyse_batch")
def analyse_batch(item_ids: list[int]) -> None:
    from danvan.opinion import pipeline

    pipeline.analyse_items(item_ids)


@app.periodic(cron="5 0 * * *")
@app.task(queue="default", name="opinion.partitions_ahead", queueing_lock="opinion.partitions_ahead")
def partitions_ahead(timestamp: int) -> None:
    import datetime as dt

    from django.utils import timezone

    from danvan.opinion import partitions

    today = timezone.now().date()
    partitions.ensure_partitions(today, today + dt.timedelta(days=62))


@app.periodic(cron="*/10 * * * *")
@app.task(queue="default", name="opinion.sweep_pending", queueing_lock="opinion.sweep_pending")
def sweep_pending(timestamp: int) -> None:
    """Items stored without being analysed (a worker died mid-batch): analysed here, in order."""
    from django.utils import timezone

    from danvan.opinion import pipeline
    from danvan.opinion.models import Item

    limit = timezone.now() - timezone.timedelta(minutes=10)
    ids = list(
        Item.objects.pending().filter(created_at__lt=limit).order_by("id").values_list("id", flat=True)[:5000]
    )
    pipeline.analyse_items(ids)


@app.periodic(cron="* * * * *")
@app.task(queue="default", name="opinion.poll_feeds", queueing_lock="opinion.poll_feeds")
def poll_feeds(timestamp: int) -> None:
    """Feeds whose next poll is due (ingestion.poll_due_sources, helper E's)."""
    from importlib import import_module

    try:
        ingestion = import_module("danvan.opinion.ingestion")
    except ModuleNotFoundError:
        return
    poll = getattr(ingestion, "poll_due_sources", None)
    if poll is not None:
        poll()


@app.periodic(cron="20 * * * *")
@app.task(queue="default", name="opinion.alerts_detect", queueing_lock="opinion.alerts_detect")
def alerts_detect(timestamp: int) -> None:
    from danvan.opinion import services

    services.alerts_detect()


@app.periodic(cron="40 1 * * *")
@app.task(queue="default", name="opinion.forecasts_make", queueing_lock="opinion.forecasts_make")
def forecasts_make(timestamp: int) -> None:
    from danvan.opinion import services

    services.forecasts_make()


@app.periodic(cron="*/30 * * * *")
@app.task(queue="default", name="opinion.forecasts_refresh", queueing_lock="opinion.forecasts_refresh")
def forecasts_refresh(timestamp: int) -> None:
    """Today's forecasts whose history changed since (back-dated items): made again."""
    from danvan.opinion import services

    services.forecasts_refresh()


@app.periodic(cron="10 2 * * *")
@app.task(queue="default", name="opinion.retention_purge", queueing_lock="opinion.retention_purge")
def retention_purge(timestamp: int) -> None:
    from danvan.opinion import services

    services.retention_purge()


@app.periodic(cron="50 2 * * *")
@app.task(queue="default", name="opinion.version_check", queueing_lock="opinion.version_check")
def version_check(timestamp: int) -> None:
    """The installed default bundle changed (an upgrade) without a promotion: analyse every item again."""
    from danvan.core.models import Job, JobStatus
    from danvan.opinion import pipeline, services
    from danvan.opinion.models import Item

    version = str(getattr(pipeline.active_analyzer(), "version", ""))
    recent = set(Item.objects.analysed().order_by("-id").values_list("model_version", flat=True)[:1000])
    running = Job.objects.filter(kind="opinion.reprocess", status__in=[JobStatus.QUEUED, JobStatus.RUNNING])
    if recent and recent != {version} and not running.exists():
        services._reprocess_start(None)  # on the long-jobs queue


@app.periodic(cron="35 * * * *")
@app.task(queue="default", name="opinion.sweep_uploads", queueing_lock="opinion.sweep_uploads")
def sweep_uploads(timestamp: int) -> None:
    """Uploads previewed but never imported (they hold authors' names): deleted after a few hours."""
    from danvan.opinion import ingestion

    ingestion.sweep_abandoned_uploads()
