"""Privacy rules of the opinion module (ADR 0008).

- Authors are stored only as a keyed HMAC (``author_hash``): the key is the platform's HMAC key
  (settings.FIELD_HMAC_KEY, from the environment) bound to the context "opinion.author". The same author
  gives the same hash (so near-duplicates by one account can be told apart from many voices) but the hash
  cannot be reversed or looked up without the key, and no page shows or filters by it.
- Aggregates over fewer items than ``OpinionSettings.min_group_size`` are hidden (``suppress_small``).
- Raw text older than ``retention_days`` is purged (``purge_old_text``): title, text, link and author hash
  are blanked, labels, places, issues and rollups are kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from danvan.core.crypto import lookup_hash

AUTHOR_CONTEXT = "opinion.author"


def author_hash(author: str | None) -> str:
    """The keyed hash of an author's handle or name (never store or log the handle itself)."""
    value = (author or "").strip().casefold()
    return lookup_hash(value, context=AUTHOR_CONTEXT) if value else ""


def min_group_size() -> int:
    from danvan.opinion.models import OpinionSettings

    return OpinionSettings.get().min_group_size


def is_small(count: int | None, minimum: int | None = None) -> bool:
    minimum = min_group_size() if minimum is None else minimum
    return count is not None and 0 < count < minimum


def suppress_small(
    rows: Iterable[Mapping[str, Any]],
    *,
    count_key: str = "volume",
    fields: Iterable[str] = ("volume", "negative", "neutral", "positive", "reach", "toxic"),
    minimum: int | None = None,
) -> list[dict[str, Any]]:
    """Rows whose ``count_key`` is below the minimum group size get their figures set to None and
    ``suppressed`` True (the page shows "fewer than N"); the others are returned unchanged."""
    minimum = min_group_size() if minimum is None else minimum
    fields = tuple(fields)
    out = []
    for row in rows:
        row = dict(row)
        if is_small(row.get(count_key), minimum):
            for name in fields:
                if name in row:
                    row[name] = None
            row["suppressed"] = True
        else:
            row["suppressed"] = False
        out.append(row)
    return out


def purge_old_text(*, now: dt.datetime | None = None, batch: int = 5000) -> int:
    """Blank the raw text of items published before the retention limit; returns how many were purged."""
    from danvan.opinion.models import Item, OpinionSettings

    now = now or timezone.now()
    limit = now - dt.timedelta(days=OpinionSettings.get().retention_days)
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                Item.objects.filter(published_at__lt=limit, purged_at__isnull=True).values_list(
                    "pk", flat=True
                )[:batch]
            )
            if not ids:
                break
            total += Item.objects.filter(pk__in=ids, published_at__lt=limit).update(
                title="", text="", url="", author_hash="", signature=[], purged_at=now
            )
    return total
