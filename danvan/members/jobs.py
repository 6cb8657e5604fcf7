"""Background jobs of the members registry: checking an uploaded file, then importing it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from danvan.core import jobs
from danvan.core.jobs import JobContext, JobError
from danvan.core.models import Job
from danvan.members import imports
from danvan.members.models import ImportBatch, ImportStatus

CHECK = "members.import_check"
COMMIT = "members.import_commit"
EXPORT = "members.export"


def _batch(job: Job) -> ImportBatch:
    batch = ImportBatch.objects.filter(pk=job.params.get("batch")).first()
    if batch is None:
        raise JobError(_("This import no longer exists."))
    actor = batch.created_by
    if actor is None or not actor.is_active:
        raise JobError(_("The account that started this import is no longer active."))
    return batch


def _drop_input(job: Job) -> None:
    """The uploaded file holds citizen IDs in clear: it is deleted once the import is decided."""
    if job.input_file:
        job.input_file.delete(save=True)


def _n(value: int) -> str:
    """A count as the user's language writes it: 60.000 in Vietnamese."""
    return formats.number_format(value, force_grouping=True)


def _summary(batch: ImportBatch) -> str:
    summary = _(
        "%(total)s rows read: %(valid)s valid (%(matched)s of people already registered, %(dup)s possible "
        "duplicates to review), %(errors)s rejected."
    ) % {
        "total": _n(batch.total_rows),
        "valid": _n(batch.valid_rows),
        "matched": _n(batch.matched_rows),
        "dup": _n(batch.duplicate_rows),
        "errors": _n(batch.error_rows),
    }
    ignored = batch.ignored_columns
    if ignored:
        summary += " " + _(
            "Columns not in the template, not read: %(columns)s (check their titles against the template)."
        ) % {"columns": ", ".join(f"“{title}”" for title in ignored)}
    return summary


@jobs.register(CHECK)
def import_check(job: Job, ctx: JobContext) -> dict[str, Any]:
    batch = _batch(job)
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        try:
            with job.input_file.open("rb") as fh:
                imports.check(
                    batch,
                    fh,
                    actor=batch.created_by,
                    progress=lambda done, msg: ctx.progress(done, msg, force=True),
                )
        except imports.ImportFileError as exc:
            ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.FAILED, message=str(exc))
            _drop_input(job)
            raise JobError(str(exc)) from exc
        except Exception:
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportStatus.FAILED, message=_("An unexpected error occurred while reading the file.")
            )
            _drop_input(job)
            raise
        ctx.set_total(batch.total_rows)
        if batch.error_rows:
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            batch.rejected_file.save(
                f"dong-bi-loai-{batch.pk}-{stamp}.xlsx", ContentFile(imports.rejected_bytes(batch)), save=True
            )
        summary = _summary(batch)
        ImportBatch.objects.filter(pk=batch.pk).update(message=summary)
        return {
            "summary": summary,
            "total": batch.total_rows,
            "valid": batch.valid_rows,
            "rejected": batch.error_rows,
        }


@jobs.register(COMMIT)
def import_commit(job: Job, ctx: JobContext) -> dict[str, Any]:
    batch = _batch(job)
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        ctx.set_total(batch.valid_rows)
        try:
            result = imports.commit(batch, actor=batch.created_by)
        except imports.CommitRefused as exc:
            # Nothing was written; show the rows that are no longer valid in the preview.
            with transaction.atomic():
                imports.check_again(batch, actor=batch.created_by)
            ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.CHECKED, message=str(exc))
            raise JobError(str(exc)) from exc
        except Exception:
            ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.CHECKED)
            raise
        if batch.check_job_id:
            _drop_input(Job.objects.get(pk=batch.check_job_id))
        summary = ngettext(
            "%(count)s membership was imported (%(people)s new people).",
            "%(count)s memberships were imported (%(people)s new people).",
            result["memberships"],
        ) % {"count": _n(result["memberships"]), "people": _n(result["people"])}
        if result["flagged"]:
            summary += " " + _("%(count)s possible duplicates were flagged for review.") % {
                "count": _n(result["flagged"])
            }
        ImportBatch.objects.filter(pk=batch.pk).update(message=summary)
        ctx.progress(batch.valid_rows, force=True)
        return {"summary": summary, **result}


@jobs.register(EXPORT)
def member_export(job: Job, ctx: JobContext) -> dict[str, Any]:
    """A large export of the member list: the rows the actor may see now, with the filters and the order of
    the page, streamed to the job's result file (see ``members.export``)."""
    from django.core.files import File
    from django.http import QueryDict

    from danvan.core.exports import _filename
    from danvan.members import export

    actor = job.created_by
    if actor is None or not actor.is_active:
        raise JobError(_("The account that started this job is no longer active."))
    fmt = job.params.get("format") if job.params.get("format") in ("csv", "xlsx") else "xlsx"
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        qs = export.filtered(actor=actor, query=QueryDict(job.params.get("query", "")))
        ctx.set_total(qs.order_by().count())
        done = {"rows": 0}

        def progress(n: int) -> None:
            done["rows"] = n
            ctx.progress(n, _("%(n)s rows written") % {"n": _n(n)}, force=True)

        out = export.write(fmt, export.table_rows(qs), progress=progress)
        try:
            job.result_file.save(_filename("hoi-vien", fmt), File(out), save=False)
        finally:
            out.close()
        from danvan.core.services import job_mark

        job_mark(job, result_file=job.result_file.name)
        summary = _("%(n)s rows exported.") % {"n": _n(done["rows"])}
        return {"summary": summary, "rows": done["rows"]}
