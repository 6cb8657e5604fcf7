"""Background jobs of the structure: the Excel/CSV imports of villages and branches.

Each import reads the uploaded file, checks every row, and either creates all rows (and writes a result
file listing them, with the codes given to villages) or creates nothing and lists every rejected row with
its reasons, on the job page and in a downloadable result file.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from danvan.core import jobs
from danvan.core.jobs import JobContext, JobError
from danvan.core.models import Job
from danvan.core.services import job_mark
from danvan.structure import imports

# How many rejected rows the job's result keeps for its page (the result file lists them all).
MAX_ERRORS_SHOWN = 1000


def _save_result_file(job: Job, name: str, data: bytes) -> None:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    job.result_file.save(f"{name}-{job.pk}-{stamp}.xlsx", ContentFile(data), save=False)
    job_mark(job, result_file=job.result_file.name)


def run_import(job: Job, ctx: JobContext, importer: imports.Importer) -> dict[str, Any]:
    actor = job.created_by
    if actor is None or not actor.is_active:
        raise JobError(_("The account that started this import is no longer active."))
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        filename = job.params.get("filename") or job.input_file.name
        try:
            with job.input_file.open("rb") as fh:
                table = imports.read_table(fh, filename, importer.columns)
            ctx.set_total(len(table.rows))
            items, errors = importer.parse(actor=actor, table=table, progress=ctx.progress)
        except imports.ImportFileError as exc:
            raise JobError(str(exc)) from exc
        for row, messages in importer.check(actor=actor, items=items).items():
            errors.setdefault(row, []).extend(messages)
        total = len(table.rows)
        result: dict[str, Any] = {"total": total, "ignored_columns": table.ignored_columns}
        if errors:
            rejected = len(errors)
            result.update(
                created=0,
                rejected=rejected,
                summary=_(
                    "Fix the rows listed below (the result file lists them all, with their data) and upload the whole file again."
                ),
                errors=[
                    {"row": row, "message": " ".join(messages)}
                    for row, messages in sorted(errors.items())[:MAX_ERRORS_SHOWN]
                ],
            )
            job_mark(job, result=result, progress=total, message="")
            _save_result_file(job, "loi-nhap", imports.rejected_bytes(table, errors))
            raise JobError(
                ngettext(
                    "Nothing was imported: %(rejected)s of %(total)s rows has errors.",
                    "Nothing was imported: %(rejected)s of %(total)s rows have errors.",
                    rejected,
                )
                % {"rejected": rejected, "total": total}
            )
        try:
            objects = importer.commit(actor=actor, items=items)
        except (ValidationError, PermissionDenied) as exc:
            # The data changed between the check and the writing (another import, an edit): nothing was written.
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise JobError(_("Nothing was imported: %(reason)s") % {"reason": " ".join(messages)}) from exc
        ctx.progress(total, _("Import finished."), force=True)
        _save_result_file(job, "ket-qua-nhap", imports.created_bytes(importer, items, objects))
        result.update(
            created=len(objects),
            rejected=0,
            errors=[],
            summary=ngettext(
                "%(count)s row was imported. The result file lists what was created.",
                "%(count)s rows were imported. The result file lists what was created.",
                len(objects),
            )
            % {"count": len(objects)},
        )
        if table.ignored_columns:
            result["summary"] += " " + _("Columns not used: %(columns)s.") % {
                "columns": ", ".join(table.ignored_columns)
            }
        return result


@jobs.register(imports.VillageImporter.kind)
def import_villages(job: Job, ctx: JobContext) -> dict[str, Any]:
    return run_import(job, ctx, imports.IMPORTERS[imports.VillageImporter.kind])


@jobs.register(imports.BranchImporter.kind)
def import_branches(job: Job, ctx: JobContext) -> dict[str, Any]:
    return run_import(job, ctx, imports.IMPORTERS[imports.BranchImporter.kind])
