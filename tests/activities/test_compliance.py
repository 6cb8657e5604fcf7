"""Quota compliance per cadre, organisation and unit, the laggards, scoping of the figures, and the reminders."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core import mail

from danvan.activities import selectors, services
from danvan.activities.models import QuotaReminder
from danvan.activities.periods import Period

pytestmark = pytest.mark.django_db

H1 = Period.parse("2026-H1")


@pytest.fixture
def rules(area):
    """Commune cadres: one meeting a month; province cadres: two a quarter (as Quy định 784 writes them)."""
    services.quota_rule_create(
        actor=area.root,
        unit=area.w.province_a,
        name="Cấp xã",
        level="commune",
        period="month",
        meetings_required=1,
        valid_from=date(2025, 1, 1),
    )
    services.quota_rule_create(
        actor=area.root,
        unit=area.w.province_a,
        name="Cấp tỉnh",
        level="province",
        period="quarter",
        meetings_required=2,
        valid_from=date(2025, 1, 1),
    )
    return area


def attend_monthly(area, cadre, months, branch=None, day=10):
    for month in months:
        m = area.meeting(branch=branch, on=date(2026, month, day))
        area.attend(cadre, m)


def by_id(rows, key):
    return {key(r): r for r in rows}


@time_machine.travel("2026-07-20 10:00 +0700")
def test_a_finished_half_year(rules):
    area = rules
    attend_monthly(area, area.women_cadre, range(1, 7))  # met: 6/6
    attend_monthly(area, area.farmers_cadre, [1, 2, 5], branch=area.farmers_branch)  # behind: 3/6
    attend_monthly(area, area.prov_cadre, [2, 3, 4, 5], day=12)  # met: 2 per quarter
    f = selectors.compliance(actor=area.admin, unit=area.w.province_a, period=H1)

    cadres = by_id(f.cadre_rows, lambda r: r.id)
    assert (cadres[area.women_cadre.pk].standing.attended, cadres[area.women_cadre.pk].standing.required) == (
        6,
        6,
    )
    assert cadres[area.women_cadre.pk].standing.met
    assert (
        cadres[area.farmers_cadre.pk].standing.attended,
        cadres[area.farmers_cadre.pk].standing.shortfall,
    ) == (3, 3)
    assert cadres[area.prov_cadre.pk].standing.required == 4 and cadres[area.prov_cadre.pk].standing.met
    assert [r.id for r in f.behind_cadres] == [area.farmers_cadre.pk]

    # "cuộc" and "lượt": 6 + 3 + 4 meetings, one cadre at each; 2 of the 4 active branches of the province visited.
    assert (f.place.meetings, f.place.attendances) == (13, 13)
    assert (f.place.visited, f.place.branches) == (2, 3)
    assert (f.cadres.cadres, f.cadres.judged, f.cadres.met) == (3, 3, 2)
    assert f.cadres.rate == pytest.approx((6 + 3 + 4) / (6 + 6 + 4))

    orgs = by_id(f.organisations, lambda r: r.organisation_id)
    assert orgs[area.farmers_commune.pk].cadres.rate == pytest.approx(0.5)
    assert orgs[area.women_commune.pk].cadres.rate == 1
    assert [r.organisation_id for r in f.behind_organisations] == [area.farmers_commune.pk]

    units = by_id(f.units, lambda r: r.unit.pk)
    commune = units[area.w.commune_a.pk]
    assert (commune.place.meetings, commune.place.visited, commune.place.branches) == (13, 2, 2)
    assert commune.cadres.rate == pytest.approx(9 / 12)
    assert units[area.w.province_a.pk].own_level and units[area.w.province_a.pk].cadres.met == 1
    assert units[area.w.commune_a2.pk].place.branches == 1 and units[area.w.commune_a2.pk].place.visited == 0
    assert [r.unit.pk for r in f.behind_units] == [area.w.commune_a.pk]
    # a lower threshold forgives the commune (75%), not the farmers (50%)
    lenient = selectors.compliance(actor=area.admin, unit=area.w.province_a, period=H1, threshold=0.7)
    assert lenient.behind_units == [] and [r.organisation_id for r in lenient.behind_organisations] == [
        area.farmers_commune.pk
    ]


@time_machine.travel("2026-05-15 10:00 +0700")
def test_a_running_period_is_judged_on_what_is_due(rules):
    area = rules
    attend_monthly(area, area.women_cadre, [1, 2, 3, 4])  # January–April are over: on track
    attend_monthly(area, area.farmers_cadre, [1, 2], branch=area.farmers_branch)
    f = selectors.compliance(actor=area.admin, unit=area.w.commune_a, period=H1)
    assert f.running
    cadres = by_id(f.cadre_rows, lambda r: r.id)
    women, farmers = cadres[area.women_cadre.pk].standing, cadres[area.farmers_cadre.pk].standing
    assert (women.due, women.required, women.met, women.complete) == (4, 6, True, False)
    assert (farmers.due, farmers.shortfall) == (4, 2)


@time_machine.travel("2026-07-20 10:00 +0700")
def test_a_cadre_set_inactive_is_charged_no_quota(rules):
    area = rules
    attend_monthly(area, area.farmers_cadre, [1], branch=area.farmers_branch)  # behind
    before = selectors.compliance(actor=area.admin, unit=area.w.commune_a, period=H1)
    assert area.farmers_cadre.pk in {r.id for r in before.cadre_rows}
    area.farmers_cadre.is_active = False
    area.farmers_cadre.save(update_fields=["is_active"])
    after = selectors.compliance(actor=area.admin, unit=area.w.commune_a, period=H1)
    assert area.farmers_cadre.pk not in {r.id for r in after.cadre_rows}
    assert after.cadres.cadres == before.cadres.cadres - 1 and after.cadres.behind == before.cadres.behind - 1


@time_machine.travel("2026-07-20 10:00 +0700")
def test_the_organisation_type_filter(rules):
    area = rules
    attend_monthly(area, area.women_cadre, range(1, 7))
    attend_monthly(area, area.farmers_cadre, [1], branch=area.farmers_branch)
    from danvan.structure.models import OrgType

    women = OrgType.objects.get(code="women")
    f = selectors.compliance(actor=area.admin, unit=area.w.province_a, period=H1, org_type_id=women.pk)
    assert {r.id for r in f.cadre_rows} == {area.women_cadre.pk, area.prov_cadre.pk}
    assert f.place.meetings == 6
    assert {r.name for r in f.org_types} == {women.name}


@time_machine.travel("2026-07-20 10:00 +0700")
def test_figures_are_scoped(rules):
    """The commune Women's Union officer sees her organisation's cadres and branches only; a province-01
    administrator sees nothing of province 86."""
    area = rules
    attend_monthly(area, area.women_cadre, [1, 2])
    attend_monthly(area, area.farmers_cadre, [1, 2, 3], branch=area.farmers_branch)
    f = selectors.compliance(actor=area.women_officer, unit=area.w.commune_a, period=H1)
    assert {r.id for r in f.cadre_rows} == {area.women_cadre.pk}
    assert (f.place.meetings, f.place.branches) == (2, 1)
    other = selectors.compliance(actor=area.w.users["admin_b"], unit=area.w.province_a, period=H1)
    assert other.place.meetings == 0 and other.cadre_rows == []
    assert not selectors.allowed_unit(actor=area.w.users["admin_b"], unit=area.w.province_a)
    assert selectors.allowed_unit(actor=area.women_officer, unit=area.w.commune_a)


@time_machine.travel("2026-06-25 09:00 +0700")
def test_reminders_near_the_end_of_a_period(rules):
    area = rules
    attend_monthly(area, area.women_cadre, [6], day=3)  # June met
    # the farmers' cadre has no meeting in June, and an e-mail address
    services.cadre_update(
        actor=area.root,
        cadre=area.farmers_cadre,
        organisation=area.farmers_commune,
        full_name="Lê Văn Sang",
        role="officer",
        email="sang@example.vn",
    )
    made = services.reminders_send()
    reminded = {(r.cadre_id, r.period_kind) for r in QuotaReminder.objects.all()}
    # June ends in 6 days (month window 5 days: not yet); the second quarter ends in 6 days (window 10 days):
    # the province cadre (0 of 2 this quarter) is reminded.
    assert reminded == {(area.prov_cadre.pk, "quarter")} and made == 1
    with time_machine.travel("2026-06-27 09:00 +0700"):
        services.reminders_send()
    reminded = {(r.cadre_id, r.period_kind) for r in QuotaReminder.objects.all()}
    assert (area.farmers_cadre.pk, "month") in reminded and (area.women_cadre.pk, "month") not in reminded
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sang@example.vn"]
    # once per cadre and period
    with time_machine.travel("2026-06-28 09:00 +0700"):
        assert services.reminders_send() == 0
    assert QuotaReminder.objects.count() == 2


@time_machine.travel("2026-07-20 10:00 +0700")
def test_a_cadres_own_standing(rules):
    area = rules
    attend_monthly(area, area.women_cadre, [4, 5])
    q2 = selectors.cadre_standing(cadre=area.women_cadre, period=Period.parse("2026-Q2"))
    assert (q2.attended, q2.required, q2.met) == (2, 3, False)
