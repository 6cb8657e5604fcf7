"""The demo generator: people with five years of history whose daily counts agree with the memberships."""

from __future__ import annotations

from datetime import date

import pytest

from danvan.core import demo
from danvan.members import counts, generator, selectors
from danvan.members.models import Membership, Movement, Person, Status
from tests.factories import superuser

pytestmark = pytest.mark.django_db


def test_demo_members_with_history():
    result = demo.generate(province_code="86", villages_per_commune=(1, 1), max_communes=3, size="small")
    assert result.created
    memberships = Membership.objects.filter(unit_path__startswith="86/")
    assert memberships.count() >= 3 * 4 * 3  # the extension added members to every branch
    assert counts.verify() == []
    statuses = set(memberships.values_list("status", flat=True))
    assert Status.ACTIVE in statuses
    # every membership has its start movement, every ended one its end movement
    assert Movement.objects.filter(kind__in=["join", "rejoin", "transfer_in"]).count() == memberships.count()
    assert (
        Movement.objects.filter(kind__in=["leave", "transfer_out"]).count()
        == memberships.exclude(left_on=None).count()
    )
    root = superuser()
    today = date.today()
    f = selectors.figures(
        actor=root, unit=result.province, on=today, start=date(today.year - 5, 1, 1), end=today
    )
    assert f.totals.total == selectors.active_count_direct(actor=root, unit=result.province, on=today)
    assert Person.objects.exclude(citizen_id_hash="").exists()


def test_a_bigger_history_is_consistent(monkeypatch):
    monkeypatch.setattr(
        demo, "EXTENSIONS", []
    )  # the structure only; the members come from the generator below
    result = demo.generate(province_code="86", villages_per_commune=(2, 2), max_communes=4, size="small")
    out = generator.generate(province=result.province, seed=3, memberships=3000)
    assert out["memberships"] >= 3000 and out["persons"] < out["memberships"]
    assert counts.verify() == []
    statuses = set(Membership.objects.values_list("status", flat=True))
    assert {Status.ACTIVE, Status.TRANSFERRED, Status.LEFT} <= statuses
