"""Fixtures of the opinion tests (helper C's): a deterministic analyser and a source in commune A."""

from __future__ import annotations

import datetime as dt

import pytest

from danvan.opinion import pipeline
from danvan.opinion.models import Source, SourceKind


class FakeAnalyzer(pipeline.RuleAnalyzer):
    """The keyword rules with a fixed version; ``version`` can be changed to simulate a new model."""

    def __init__(self, version: str = "fake-1"):
        self.version = version


@pytest.fixture
def analyzer(monkeypatch):
    fake = FakeAnalyzer()
    monkeypatch.setattr(pipeline, "active_analyzer", lambda: fake)
    pipeline.forget_units()
    return fake


@pytest.fixture
def source_a(demo_world):
    unit = demo_world.commune_a
    return Source.objects.create(name="Trang tin xã", kind=SourceKind.API, unit=unit, unit_path=unit.path)


@pytest.fixture
def source_b(demo_world):
    unit = demo_world.commune_b
    return Source.objects.create(name="Báo tỉnh B", kind=SourceKind.API, unit=unit, unit_path=unit.path)


BASE = dt.datetime(2026, 11, 10, 3, 0, tzinfo=dt.UTC)


def rec(ext, text, days=0, hours=0, **extra):
    return {
        "external_id": ext,
        "text": text,
        "published_at": BASE + dt.timedelta(days=days, hours=hours),
        **extra,
    }
