"""The demo "Dân vận khéo" models: every state, and the lifecycle's rules hold in the generated data."""

from __future__ import annotations

from datetime import date

import pytest

from danvan.core import demo as core_demo
from danvan.practices import demo
from danvan.practices.models import Assessment, Milestone, Practice, PracticeStatus

pytestmark = pytest.mark.django_db


def test_the_demo_registers_its_extension():
    assert demo.extend in core_demo.EXTENSIONS


def test_models_in_every_state_that_keep_the_rules(demo_world):
    counts = demo.generate(province=demo_world.province_a, seed=11, count=120, today=date(2026, 11, 24))
    assert counts["practices"] == Practice.objects.count() == 120
    assert set(Practice.objects.values_list("status", flat=True)) == set(PracticeStatus.values)
    for p in Practice.objects.filter(recognised_on__isnull=False):
        latest = Assessment.objects.filter(practice=p).order_by("-assessed_on", "-id").first()
        assert latest is not None and latest.passed and latest.assessed_on <= p.recognised_on
    for p in Practice.objects.filter(status=PracticeStatus.REPLICATED):
        assert p.replicas.exists() and p.recognised_on is not None
    for replica in Practice.objects.filter(origin__isnull=False).select_related("origin"):
        assert replica.origin.status in (PracticeStatus.REPLICATED, PracticeStatus.STOPPED)
        assert replica.registered_on >= replica.origin.replicated_on
    assert not Milestone.objects.filter(practice__isnull=True).exists()
    assert Practice.objects.search("nuoi bo").exists() or Practice.objects.search("camera").exists()
    assert len(set(Practice.objects.values_list("code", flat=True))) == 120
