"""Shared data builders of helper D's page tests: items of the last days in a commune, through the pipeline."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from danvan.opinion import pipeline

ROAD = "Đường liên ấp ngập sâu sau mưa, người dân bức xúc, gọi 0912345678"


def recent(n: int, text: str = ROAD, prefix: str = "r", days_ago: int = 1) -> list[dict]:
    when = timezone.now() - dt.timedelta(days=days_ago)
    return [
        {"external_id": f"{prefix}{i}", "text": f"{text} {i}", "published_at": when + dt.timedelta(minutes=i)}
        for i in range(n)
    ]


def store(source, n: int, **kw):
    pipeline.store_items(source, recent(n, **kw))
