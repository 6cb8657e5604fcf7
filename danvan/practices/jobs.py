"""Background jobs of the "Dân vận khéo" registry: the Word catalogue of a large selection."""

from __future__ import annotations

from django.conf import settings
from django.core.files.base import ContentFile
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from danvan.core import jobs
from danvan.core.jobs import JobError
from danvan.core.services import job_mark
from danvan.practices import documents


@jobs.register("practices.word_catalogue")
def word_catalogue(job, ctx):
    actor = job.created_by
    if actor is None or not actor.is_active:
        raise JobError(_("The account that started this job is no longer active."))
    with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
        data, count = documents.catalogue_for(actor=actor, query=QueryDict(job.params.get("query", "")))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    job.result_file.save(
        f"danh-muc-mo-hinh-dan-van-kheo-{job.pk}-{stamp}.docx", ContentFile(data), save=False
    )
    job_mark(job, result_file=job.result_file.name)
    return {"models": count}
