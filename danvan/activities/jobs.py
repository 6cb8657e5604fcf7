"""Background jobs of the activities: rebuilding the monthly tallies (after a bulk load or a repair)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from danvan.activities import services
from danvan.core import jobs
from danvan.core.jobs import JobError


@jobs.register("activities.rebuild_tallies")
def rebuild_tallies(job, ctx):
    actor = job.created_by
    if actor is None or not actor.is_superuser:
        raise JobError(_("Only a system administrator can rebuild the figures."))
    try:
        services.tallies_rebuild(unit_path=job.params.get("unit_path", ""))
    except PermissionDenied as exc:  # pragma: no cover - superusers only
        raise JobError(str(exc)) from None
    return {"unit_path": job.params.get("unit_path", "")}
