"""Bulk writing helpers of the import, the demo and the benchmark generator: those of ``danvan.core.bulk``."""

from __future__ import annotations

from danvan.core.bulk import copy_rows, next_ids, raw_cursor

__all__ = ["copy_rows", "next_ids", "raw_cursor"]
