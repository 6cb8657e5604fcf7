"""Periodic tasks of the cases module: deadline reminders and escalation every working morning, and the
clean-up of the public portal's rate counters. Thin: they call services."""

from __future__ import annotations

from procrastinate.contrib.django import app


@app.periodic(cron="30 7 * * *")
@app.task(queue="default", name="cases.deadline_reminders", queueing_lock="cases.deadline_reminders")
def deadline_reminders(timestamp: int) -> None:
    from danvan.cases import services

    services.deadline_reminders_send()


@app.periodic(cron="15 3 * * *")
@app.task(queue="default", name="cases.purge_rate_counters", queueing_lock="cases.purge_rate_counters")
def purge_rate_counters(timestamp: int) -> None:
    from danvan.cases import services

    services.rate_counters_purge()
