"""Background job kinds of the opinion module (run by the worker through core.jobs, progress on the job page).

Helper E's ingestion job kinds live in ``danvan.opinion.ingestion`` (registered there with
``@jobs.register``); importing it here makes core.jobs' autodiscovery find them."""

from __future__ import annotations

from importlib import import_module

from danvan.core import jobs

try:  # ingestion.py registers its own job kinds (file imports)
    import_module("danvan.opinion.ingestion")
except ModuleNotFoundError as exc:  # pragma: no cover - until ingestion exists
    if exc.name != "danvan.opinion.ingestion":
        raise


@jobs.register("opinion.retrain")
def retrain(job, ctx) -> dict:
    from danvan.opinion import services

    candidate = services.retrain(actor=job.created_by)
    return {"version": candidate.version, "comparison": candidate.comparison, "labels": candidate.labels_used}


@jobs.register("opinion.reprocess")
def reprocess(job, ctx) -> dict:
    from danvan.opinion import pipeline
    from danvan.opinion.models import Item

    ctx.set_total(Item.objects.count())
    report = pipeline.reprocess_all(progress=lambda done: ctx.progress(done, force=True))
    return {"analysed": report.analysed, "version": report.version, "issues_created": report.issues_created}
