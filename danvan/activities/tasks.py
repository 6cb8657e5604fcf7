"""Periodic tasks of the activities: the daily quota reminders (thin: the service does the work)."""

from __future__ import annotations

from procrastinate.contrib.django import app


@app.periodic(cron="0 7 * * *")
@app.task(queue="default", name="activities.quota_reminders", queueing_lock="activities.quota_reminders")
def quota_reminders(timestamp: int) -> None:
    from danvan.activities import services

    services.reminders_send()
