"""Quota arithmetic: how many meetings a cadre must attend in a period, from quota rules kept as data.

Plain Python over small value objects, so that it is tested exhaustively without a database and runs over
thousands of cadres in milliseconds.

A rule (like the seeds' Quy định 784-QĐ/TU) says: cadres of this unit subtree, optionally only of one
organisation type, one level and one role, must attend ``required`` branch meetings per month / quarter /
half-year / year, between two dates. For a cadre and a period:

* the rules that match the cadre are taken most specific first (more of organisation type, level and role set,
  then the deeper issuing unit), then the most recent (``valid_from``), then the shorter period;
* each rule claims the sub-periods of its own kind that lie inside the asked period and inside its validity,
  unless a month of that sub-period was already claimed by a rule taken before it (so a specific rule wins
  where it applies and a general rule fills the rest, and a new rule replaces an old one from its start);
* a claimed sub-period adds the rule's ``required`` when the cadre was in post for all of it.

A rule whose period is longer than the asked period says nothing about it (a half-year quota cannot be judged
over one month). The requirement is ``None`` when no rule governs any part of the period and 0 when rules
govern it but the cadre was not in post for a whole sub-period: both mean "not judged".

A period still running is judged on what is due so far: with ``as_of`` (today), only the sub-periods that have
ended before it count in ``due`` (a monthly quota asks for four meetings by the 24th of November in the second
half-year, a half-year quota asks for nothing until the half-year is over); ``required`` stays the whole
period's quota.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from danvan.activities.periods import MONTHS_IN, Period


@dataclass(frozen=True)
class RuleTerms:
    id: int
    unit_path: str
    period: str
    required: int
    valid_from: date
    valid_to: date | None = None
    org_type_id: int | None = None
    level: str = ""
    role: str = ""

    @property
    def specificity(self) -> tuple[int, int]:
        criteria = (self.org_type_id is not None) + bool(self.level) + bool(self.role)
        return criteria, self.unit_path.count("/")

    def matches(self, cadre: CadreTerms) -> bool:
        return (
            cadre.unit_path.startswith(self.unit_path)
            and (self.org_type_id is None or self.org_type_id == cadre.org_type_id)
            and (not self.level or self.level == cadre.level)
            and (not self.role or self.role == cadre.role)
        )

    def covers(self, period: Period) -> bool:
        return self.valid_from <= period.start and (self.valid_to is None or self.valid_to >= period.end)


@dataclass(frozen=True)
class CadreTerms:
    id: int
    unit_path: str
    org_type_id: int | None
    level: str
    role: str
    active_from: date | None = None
    active_until: date | None = None

    def in_post(self, period: Period) -> bool:
        return (self.active_from is None or self.active_from <= period.start) and (
            self.active_until is None or self.active_until >= period.end
        )


@dataclass(frozen=True)
class Requirement:
    required: int | None  # None: no rule governs the period
    due: int | None = None  # what is due by ``as_of`` (the whole requirement when the period is over)
    rule_ids: tuple[int, ...] = ()

    @property
    def judged(self) -> bool:
        return bool(self.due)


NO_QUOTA = Requirement(None, None)


def _order(rule: RuleTerms):
    criteria, depth = rule.specificity
    return (-criteria, -depth, -rule.valid_from.toordinal(), MONTHS_IN[rule.period], -rule.id)


def requirement(
    cadre: CadreTerms, rules: Iterable[RuleTerms], period: Period, as_of: date | None = None
) -> Requirement:
    candidates = sorted(
        (
            r
            for r in rules
            if MONTHS_IN[r.period] <= period.months
            and r.valid_from <= period.end
            and (r.valid_to is None or r.valid_to >= period.start)
            and r.matches(cadre)
        ),
        key=_order,
    )
    claimed: set[date] = set()
    total, due, governed, used = 0, 0, False, []
    for rule in candidates:
        for sub in period.subperiods(rule.period):
            if not rule.covers(sub):
                continue
            months = set(sub.month_starts())
            if months & claimed:
                continue
            claimed |= months
            governed = True
            if rule.id not in used:
                used.append(rule.id)
            if cadre.in_post(sub):
                total += rule.required
                if as_of is None or sub.end < as_of:
                    due += rule.required
    if not governed:
        return NO_QUOTA
    return Requirement(total, due, tuple(used))


@dataclass
class Standing:
    """A cadre's figures for a period: ``required`` is the whole period's quota, ``due`` what is due so far
    (equal to ``required`` once the period is over); the judgement is on ``due``."""

    cadre_id: int
    attended: int
    required: int | None
    due: int | None = None

    def __post_init__(self):
        if self.due is None:
            self.due = self.required

    @property
    def judged(self) -> bool:
        return bool(self.due)

    @property
    def met(self) -> bool | None:
        return None if not self.judged else self.attended >= (self.due or 0)

    @property
    def shortfall(self) -> int:
        return max(0, (self.due or 0) - self.attended) if self.judged else 0

    @property
    def credited(self) -> int:
        """Attendances that count towards the quota (excess attendances do not make up for another cadre)."""
        return min(self.attended, self.due or 0) if self.judged else 0

    @property
    def complete(self) -> bool:
        """The whole period's quota is reached (not only what is due so far)."""
        return bool(self.required) and self.attended >= (self.required or 0)


@dataclass
class Summary:
    """Cadres' standings added up (an organisation, a unit, a whole scope); ``required`` adds up what is due."""

    cadres: int = 0
    judged: int = 0
    met: int = 0
    attended: int = 0
    required: int = 0
    credited: int = 0

    def add(self, standing: Standing) -> None:
        self.cadres += 1
        self.attended += standing.attended
        if standing.judged:
            self.judged += 1
            self.met += bool(standing.met)
            self.required += standing.due or 0
            self.credited += standing.credited

    @property
    def behind(self) -> int:
        return self.judged - self.met

    @property
    def shortfall(self) -> int:
        return self.required - self.credited

    @property
    def rate(self) -> float | None:
        """Share of the required attendances that were made (each cadre counted up to their quota)."""
        return self.credited / self.required if self.required else None

    def below(self, threshold: float) -> bool:
        rate = self.rate
        return rate is not None and rate < threshold


def standings(
    cadres: Sequence[CadreTerms],
    rules: Sequence[RuleTerms],
    period: Period,
    attended: Mapping[int, int],
    as_of: date | None = None,
) -> dict[int, Standing]:
    """Each cadre's standing; rules are pre-filtered per issuing unit prefix once, not per cadre."""
    by_prefix: dict[str, list[RuleTerms]] = {}
    for rule in rules:
        by_prefix.setdefault(rule.unit_path, []).append(rule)
    result: dict[int, Standing] = {}
    cache: dict[tuple, Requirement] = {}
    for cadre in cadres:
        mine = [r for prefix, rs in by_prefix.items() if cadre.unit_path.startswith(prefix) for r in rs]
        key = (
            tuple(r.id for r in mine),
            cadre.org_type_id,
            cadre.level,
            cadre.role,
            cadre.active_from,
            cadre.active_until,
        )
        req = cache.get(key)
        if req is None:
            req = cache[key] = requirement(cadre, mine, period, as_of)
        result[cadre.id] = Standing(cadre.id, attended.get(cadre.id, 0), req.required, req.due)
    return result
