"""Periods and quota arithmetic (plain Python: no database)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from danvan.activities.periods import MONTHS_IN, Period, PeriodKind
from danvan.activities.quotas import CadreTerms, RuleTerms, Standing, Summary, requirement, standings

# --- periods --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, start, end, kind",
    [
        ("2026-M03", date(2026, 3, 1), date(2026, 3, 31), PeriodKind.MONTH),
        ("2024-M02", date(2024, 2, 1), date(2024, 2, 29), PeriodKind.MONTH),
        ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30), PeriodKind.QUARTER),
        ("2026-H1", date(2026, 1, 1), date(2026, 6, 30), PeriodKind.HALF_YEAR),
        ("2026-H2", date(2026, 7, 1), date(2026, 12, 31), PeriodKind.HALF_YEAR),
        ("2026", date(2026, 1, 1), date(2026, 12, 31), PeriodKind.YEAR),
    ],
)
def test_period_codes_round_trip(code, start, end, kind):
    period = Period.parse(code)
    assert (period.start, period.end, period.kind) == (start, end, kind)
    assert period.code == code
    assert Period.parse(period.code) == period


@pytest.mark.parametrize(
    "code", ["", "2026-Q5", "2026-H3", "2026-M13", "2026-M00", "26-H1", "2026-X1", "abc"]
)
def test_bad_period_codes_are_refused(code):
    with pytest.raises(ValueError):
        Period.parse(code)


def test_a_period_must_start_on_its_boundary():
    with pytest.raises(ValueError):
        Period(date(2026, 2, 1), PeriodKind.QUARTER)
    with pytest.raises(ValueError):
        Period(date(2026, 1, 2), PeriodKind.MONTH)


def test_containing_previous_next_and_days_left():
    q = Period.containing(PeriodKind.QUARTER, date(2026, 11, 24))
    assert q.code == "2026-Q4"
    assert q.previous().code == "2026-Q3" and q.next().code == "2027-Q1"
    assert Period.parse("2026-M01").previous().code == "2025-M12"
    assert q.days_left(date(2026, 12, 31)) == 1
    assert q.days_left(date(2027, 1, 1)) == 0
    assert [p.code for p in Period.parse("2026-H2").subperiods(PeriodKind.QUARTER)] == ["2026-Q3", "2026-Q4"]
    assert Period.parse("2026-Q1").subperiods(PeriodKind.HALF_YEAR) == []


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.sampled_from(list(MONTHS_IN)))
def test_every_day_lies_in_exactly_one_period_of_each_kind(day, kind):
    period = Period.containing(kind, day)
    assert period.contains(day)
    assert not period.previous().contains(day) and not period.next().contains(day)
    assert period.previous().end.toordinal() + 1 == period.start.toordinal()
    assert len(period.month_starts()) == MONTHS_IN[kind]


# --- quota arithmetic -----------------------------------------------------------------------------

COMMUNE = "86/28756/"
WOMEN = 5
FARMERS = 6


def cadre(**kw) -> CadreTerms:
    base = dict(id=1, unit_path=COMMUNE, org_type_id=WOMEN, level="commune", role="organisation_leader")
    base.update(kw)
    return CadreTerms(**base)


def rule(**kw) -> RuleTerms:
    base = dict(id=1, unit_path="86/", period=PeriodKind.MONTH, required=1, valid_from=date(2020, 1, 1))
    base.update(kw)
    return RuleTerms(**base)


@pytest.mark.parametrize(
    "rule_period, required, asked, expected",
    [
        (PeriodKind.MONTH, 1, "2026-M03", 1),
        (PeriodKind.MONTH, 1, "2026-Q1", 3),
        (PeriodKind.MONTH, 2, "2026-H1", 12),
        (PeriodKind.MONTH, 1, "2026", 12),
        (PeriodKind.QUARTER, 2, "2026-Q2", 2),
        (PeriodKind.QUARTER, 2, "2026-H2", 4),
        (PeriodKind.QUARTER, 3, "2026", 12),
        (PeriodKind.HALF_YEAR, 6, "2026-H1", 6),
        (PeriodKind.HALF_YEAR, 6, "2026", 12),
        (PeriodKind.YEAR, 10, "2026", 10),
    ],
)
def test_required_meetings_add_up_over_the_asked_period(rule_period, required, asked, expected):
    result = requirement(cadre(), [rule(period=rule_period, required=required)], Period.parse(asked))
    assert result.required == expected
    assert result.due == expected  # no as_of: the whole period is due


@pytest.mark.parametrize(
    "rule_period, asked",
    [(PeriodKind.QUARTER, "2026-M02"), (PeriodKind.HALF_YEAR, "2026-Q1"), (PeriodKind.YEAR, "2026-H2")],
)
def test_a_rule_longer_than_the_period_says_nothing_about_it(rule_period, asked):
    result = requirement(cadre(), [rule(period=rule_period, required=3)], Period.parse(asked))
    assert result.required is None and not result.judged


def test_rules_match_on_place_type_level_and_role():
    period = Period.parse("2026-Q1")
    assert requirement(cadre(), [rule(unit_path="01/")], period).required is None  # another province
    assert requirement(cadre(), [rule(org_type_id=FARMERS)], period).required is None
    assert requirement(cadre(), [rule(level="province")], period).required is None
    assert requirement(cadre(), [rule(role="officer")], period).required is None
    assert (
        requirement(
            cadre(),
            [rule(unit_path=COMMUNE, org_type_id=WOMEN, level="commune", role="organisation_leader")],
            period,
        ).required
        == 3
    )


def test_the_most_specific_rule_wins_and_a_general_one_fills_the_rest():
    general = rule(id=1, required=1)
    women = rule(id=2, org_type_id=WOMEN, required=2, valid_from=date(2026, 2, 1))
    result = requirement(cadre(), [general, women], Period.parse("2026-Q1"))
    # January under the general rule (the women's rule starts in February), February and March under the women's.
    assert result.required == 1 + 2 + 2
    assert set(result.rule_ids) == {1, 2}
    # For a farmers' cadre only the general rule applies.
    assert requirement(cadre(org_type_id=FARMERS), [general, women], Period.parse("2026-Q1")).required == 3


def test_a_deeper_issuing_unit_is_more_specific():
    province = rule(id=1, required=1)
    commune = rule(id=2, unit_path=COMMUNE, required=3)
    assert requirement(cadre(), [province, commune], Period.parse("2026-M05")).required == 3


def test_a_new_rule_replaces_the_old_one_from_its_start():
    old = rule(id=1, required=1, valid_to=date(2026, 3, 31))
    new = rule(id=2, required=2, valid_from=date(2026, 4, 1))
    assert requirement(cadre(), [old, new], Period.parse("2026-H1")).required == 3 * 1 + 3 * 2


def test_a_quarter_rule_counts_only_quarters_it_covers_whole():
    late = rule(period=PeriodKind.QUARTER, required=4, valid_from=date(2026, 2, 15))
    assert requirement(cadre(), [late], Period.parse("2026-H1")).required == 4  # Q2 only


def test_cadres_are_asked_only_for_sub_periods_they_were_in_post_for():
    monthly = [rule(required=1)]
    period = Period.parse("2026-H1")
    assert requirement(cadre(active_from=date(2026, 3, 15)), monthly, period).required == 3  # April–June
    assert requirement(cadre(active_until=date(2026, 2, 27)), monthly, period).required == 1  # January
    joined_late = requirement(cadre(active_from=date(2026, 6, 2)), monthly, period)
    assert joined_late.required == 0 and not joined_late.judged


def test_a_running_period_is_judged_on_what_is_due_so_far():
    monthly, quarterly = (
        rule(id=1, required=1),
        rule(id=2, role="officer", period=PeriodKind.QUARTER, required=3),
    )
    h2 = Period.parse("2026-H2")
    today = date(2026, 11, 24)
    r = requirement(cadre(), [monthly], h2, as_of=today)
    assert (r.required, r.due) == (6, 4)  # July–October are over
    q = requirement(cadre(role="officer"), [quarterly], h2, as_of=today)
    assert (q.required, q.due) == (6, 3)  # the third quarter is over
    early = requirement(cadre(), [monthly], h2, as_of=date(2026, 7, 10))
    assert (early.required, early.due, early.judged) == (6, 0, False)


def test_standing_and_summary_arithmetic():
    behind = Standing(1, attended=2, required=6, due=4)
    ahead = Standing(2, attended=9, required=6, due=4)
    exact = Standing(3, attended=4, required=4)
    none = Standing(4, attended=3, required=None)
    assert (behind.met, behind.shortfall, behind.credited, behind.complete) == (False, 2, 2, False)
    assert (ahead.met, ahead.shortfall, ahead.credited, ahead.complete) == (True, 0, 4, True)
    assert (exact.met, exact.due) == (True, 4)
    assert none.met is None and none.shortfall == 0
    total = Summary()
    for s in (behind, ahead, exact, none):
        total.add(s)
    assert (total.cadres, total.judged, total.met, total.behind) == (4, 3, 2, 1)
    assert (total.attended, total.required, total.credited, total.shortfall) == (18, 12, 10, 2)
    # the ahead cadre's extra attendances do not make up for the one behind
    assert total.rate == pytest.approx(10 / 12)
    assert total.below(0.9) and not total.below(0.8)
    assert Summary().rate is None and not Summary().below(1.0)


@given(
    attended=st.lists(st.integers(0, 30), min_size=1, max_size=20),
    required=st.integers(1, 12),
)
def test_fulfilment_never_exceeds_one_and_is_one_only_when_everyone_met(attended, required):
    total = Summary()
    for i, n in enumerate(attended):
        total.add(Standing(i, n, required))
    assert 0 <= total.rate <= 1
    assert (total.rate == 1) == all(n >= required for n in attended)
    assert total.met + total.behind == total.judged == len(attended)


def test_standings_for_many_cadres():
    rules = [rule(id=1, required=1), rule(id=2, unit_path="01/", required=5)]
    cadres = [cadre(id=i, unit_path=COMMUNE if i % 2 else "01/00001/") for i in range(1, 11)]
    result = standings(cadres, rules, Period.parse("2026-Q1"), {1: 3, 2: 20, 3: 1})
    assert result[1].required == 3 and result[1].met
    assert result[2].required == 15 and result[2].met
    assert result[3].required == 3 and not result[3].met
    assert result[4].attended == 0 and result[4].required == 15
