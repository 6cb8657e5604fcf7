"""Background job kinds of the cases module (run by the worker through core.jobs)."""

from __future__ import annotations

from danvan.core import jobs


@jobs.register("cases.deadline_reminders")
def deadline_reminders(job, ctx) -> dict:
    from danvan.cases import services

    report = services.deadline_reminders_send()
    return report.__dict__
