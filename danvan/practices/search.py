"""Accent-insensitive full-text search of the catalogue.

Every searchable text of a model (name, owner, description, problem, results, unit and organisation names) is
folded ("Nuôi bò" → "nuoi bo") into ``Practice.search_text``; PostgreSQL keeps ``search_vector`` from it (a
generated column, ``simple`` configuration: no stemming, Vietnamese has none) under a GIN index. A query is
folded the same way and every word must match as a prefix.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery

from danvan.core.text import fold_tokens

MAX_WORDS = 12


def document(*parts: str | None) -> str:
    """Folded words only (punctuation dropped: "DVK-86-2024-0001" is four words, not signed numbers)."""
    return " ".join(" ".join(fold_tokens(p)) for p in parts if p)


def tsquery(text: str | None) -> SearchQuery | None:
    words = fold_tokens(text)[:MAX_WORDS]
    if not words:
        return None
    # fold_tokens keeps only [0-9a-z]: safe to write as a raw tsquery.
    return SearchQuery(" & ".join(f"{w}:*" for w in words), search_type="raw", config="simple")
