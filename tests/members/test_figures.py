"""The figures at any date equal what the movement history says: property-based over random histories
(joins, transfers across villages and communes, leaving for every reason, re-joining, corrections), written
in any order of dates, through the real services."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from danvan.members import counts, selectors, services
from danvan.members.models import LEAVE_REASONS, EndReason, Membership, Movement, MovementKind
from tests.factories import superuser
from tests.members.factories import join, person, spelled

pytestmark = pytest.mark.django_db

FIRST = date(2019, 1, 1)
SPAN = 6 * 365

days = st.integers(min_value=0, max_value=SPAN).map(lambda n: FIRST + timedelta(days=n))
operation = st.one_of(
    st.tuples(st.just("join"), st.integers(0, 5), st.integers(0, 3), days),
    st.tuples(st.just("transfer"), st.integers(0, 5), st.integers(0, 3), days),
    st.tuples(st.just("leave"), st.integers(0, 5), st.sampled_from(LEAVE_REASONS), days),
    st.tuples(st.just("rejoin"), st.integers(0, 5), st.integers(0, 3), days),
    st.tuples(st.just("delete"), st.integers(0, 5), st.just(0), days),
    st.tuples(st.just("merge"), st.integers(0, 5), st.integers(0, 5), days),
)


def _branches(w):
    # Women's Union branches in two communes of province A and one of province B; a Farmers' Union branch.
    return [w.branches["women_va"], w.branches["women_va2"], w.branches["women_vb"], w.branches["farmers_va"]]


def _apply(root, people, branches, op) -> None:
    kind, who, arg, day = op
    p = people[who]
    current = Membership.objects.filter(person=p, left_on__isnull=True).order_by("pk")
    try:
        with transaction.atomic():
            if kind == "join":
                services.membership_join(
                    actor=root, person=p, branch=branches[arg], on=day, override_reason="Kiểm thử ngoại lệ"
                )
            elif kind == "transfer" and current.exists():
                m = current.first()
                target = next(b for b in branches[arg:] + branches[:arg] if b.pk != m.branch_id)
                services.membership_transfer(actor=root, membership=m, to_branch=target, on=day)
            elif kind == "leave" and current.exists():
                services.membership_leave(actor=root, membership=current.first(), on=day, reason=arg)
            elif kind == "rejoin":
                ended = (
                    Membership.objects.filter(person=p, status__in=["left", "expelled"])
                    .order_by("-left_on")
                    .first()
                )
                if ended is not None:
                    services.membership_rejoin(
                        actor=root, membership=ended, on=day, override_reason="Kiểm thử ngoại lệ"
                    )
            elif kind == "delete":
                last = Membership.objects.filter(person=p).order_by("-pk").first()
                if last is not None:
                    services.membership_delete(actor=root, membership=last)
            elif kind == "merge" and people[arg].pk != p.pk:
                # two records of one person: overlapping memberships are folded into the earlier one
                gone = people[arg].pk
                services.person_merge(actor=root, keep=p, other=people[arg])
                people[:] = [p if q.pk == gone else q for q in people]
    except ValidationError:
        pass  # an impossible movement (before a join, overlapping…) is refused: the history stays valid


def _replay(movements, on: date, *, key=lambda m: m["unit_path"]) -> Counter:
    """Active memberships at the end of ``on``, replayed from the movements alone."""
    starts, ends = {}, {}
    for m in movements:
        if m["kind"] in (MovementKind.JOIN, MovementKind.REJOIN, MovementKind.TRANSFER_IN):
            starts[m["membership_id"]] = m
        else:
            ends[m["membership_id"]] = m["on"]
    active = Counter()
    for mid, start in starts.items():
        if start["on"] <= on and (mid not in ends or ends[mid] > on):
            active[key(start)] += 1
    return active


def _commune(path: str) -> str:
    return "/".join(path.split("/")[:2]) + "/"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=1, max_size=25), probes=st.lists(days, min_size=2, max_size=4))
def test_figures_equal_the_movement_history(world, ops, probes):
    root = superuser()
    w = world
    with transaction.atomic():
        people = [
            person(
                w.village_a if i % 2 else w.village_a2,
                name=f"Người Thử {spelled(i)}",
                birth_date=date(1980, 1, 1 + i),
                with_id=i < 3,  # the others may be merged (two citizen IDs are two people)
            )
            for i in range(6)
        ]
        branches = _branches(w)
        for op in ops:
            _apply(root, people, branches, op)

        # 1. The kept daily counts equal a rebuild from the memberships.
        assert counts.verify() == []
        movements = list(
            Movement.objects.values("membership_id", "kind", "reason", "on", "unit_path", "org_path")
        )
        for on in probes:
            # 2. Total at any date, by commune of province A, equals the replay of the movements.
            expected = _replay(movements, on, key=lambda m: _commune(m["unit_path"]))
            f = selectors.figures(actor=root, unit=w.province_a, on=on, start=on, end=on)
            got = {row.key: row.total for row in f.rows if row.total}
            assert got == {k: v for k, v in expected.items() if k.startswith(w.province_a.path)}
            assert f.totals.total == sum(v for k, v in expected.items() if k.startswith(w.province_a.path))
            # ... and the straight count from the memberships, and the breakdown's totals.
            assert f.totals.total == selectors.active_count_direct(actor=root, unit=w.province_a, on=on)
            b = selectors.breakdown(actor=root, unit=w.province_a, on=on)
            assert b.total_memberships == f.totals.total
            assert b.total_persons == len(
                {
                    m.person_id
                    for m in Membership.objects.filter(unit_path__startswith=w.province_a.path)
                    if m.active_on(on)
                }
            )
        # 3. A period's movements, by kind and reason, equal the movements recorded in it; and the total at its
        # end is the total at its start plus what came in minus what went out.
        start, end = sorted(probes[:2])
        f = selectors.figures(actor=root, unit=w.province_a, on=end, start=start, end=end)
        inside = [
            m for m in movements if start <= m["on"] <= end and m["unit_path"].startswith(w.province_a.path)
        ]
        by_kind = Counter(m["kind"] for m in inside)
        by_reason = Counter(m["reason"] for m in inside if m["kind"] == MovementKind.LEAVE)
        assert f.totals.flows["joined"] == by_kind[MovementKind.JOIN]
        assert f.totals.flows["rejoined"] == by_kind[MovementKind.REJOIN]
        assert f.totals.flows["transfer_in"] == by_kind[MovementKind.TRANSFER_IN]
        assert f.totals.flows["transfer_out"] == by_kind[MovementKind.TRANSFER_OUT]
        for reason in LEAVE_REASONS:
            assert f.totals.flows[f"left_{reason}"] == by_reason[reason]
        t = f.totals
        assert t.closing == t.opening + t.joined + t.flows["transfer_in"] - t.flows["transfer_out"] - t.left
        assert t.closing == t.total  # on == end
        transaction.set_rollback(True)


def test_figures_by_level_and_type(world):
    """Province → communes, commune → villages, village → branches; people vs memberships; per 1,000."""
    w = world
    root = superuser()
    a = person(w.village_a, name="Trần Thị Lan", birth_date=date(1990, 2, 3))
    b = person(w.village_a2, name="Lê Văn Dũng", sex="M", birth_date=date(1970, 6, 7))
    join(a, w.branches["women_va"], on=date(2020, 1, 1))
    join(a, w.branches["farmers_va"], on=date(2020, 1, 1))
    join(b, w.branches["farmers_va2"], on=date(2021, 1, 1))
    on = date(2022, 1, 1)
    province = selectors.figures(actor=root, unit=w.province_a, on=on, start=date(2020, 1, 1), end=on)
    assert province.level == "commune"
    by_key = {row.key: row for row in province.rows}
    assert by_key[w.commune_a.path].total == 2 and by_key[w.commune_a2.path].total == 1
    assert by_key[w.commune_a.path].url_unit == w.commune_a.pk
    assert province.totals.flows["joined"] == 3
    women = w.branches["women_va"].organisation.type
    assert by_key[w.commune_a.path].active[women.pk] == 1
    # people are counted once, memberships ("lượt") twice
    bd = selectors.breakdown(actor=root, unit=w.province_a, on=on)
    assert (bd.total_memberships, bd.total_persons) == (3, 2)
    assert bd.persons_by_child == {w.commune_a.path: 1, w.commune_a2.path: 1}
    assert dict((c, (n, p)) for c, _l, n, p in bd.by_sex) == {"F": (2, 1), "M": (1, 1)}
    ages = {c: n for c, _l, n, _p in bd.by_age}
    assert ages["31_45"] == 2 and ages["46_59"] == 1
    commune = selectors.figures(actor=root, unit=w.commune_a, on=on, start=on, end=on)
    assert commune.level == "village" and [r.key for r in commune.rows] == [w.village_a.path]
    village = selectors.figures(actor=root, unit=w.village_a, on=on, start=on, end=on, org_type=women)
    assert village.level == "branch" and [r.branch_id for r in village.rows] == [w.branches["women_va"].pk]
    w.commune_a.population = 2000
    w.commune_a.save()
    province = selectors.figures(actor=root, unit=w.province_a, on=on, start=on, end=on)
    assert {r.key: r for r in province.rows}[w.commune_a.path].per_thousand == 1.0


def test_figures_are_limited_to_the_scope(world):
    w = world
    a = person(w.village_a)
    b = person(w.village_b, name="Phạm Thị Mai")
    join(a, w.branches["women_va"])
    join(b, w.branches["women_vb"])
    farmer = person(w.village_a, name="Võ Văn Tài", sex="M", birth_date=date(1975, 1, 1))
    join(farmer, w.branches["farmers_va"])
    on = date(2024, 1, 1)
    # a province-A administrator sees province A only
    f = selectors.figures(actor=w.users["admin_a"], unit=w.province_a, on=on, start=on, end=on)
    assert f.totals.total == 2
    f = selectors.figures(actor=w.users["admin_a"], unit=w.province_b, on=on, start=on, end=on)
    assert f.totals.total == 0
    # an officer of the Women's Union sees its members only
    f = selectors.figures(actor=w.users["women_officer_ca"], unit=w.province_a, on=on, start=on, end=on)
    assert f.totals.total == 1
    bd = selectors.breakdown(actor=w.users["women_officer_ca"], unit=w.province_a, on=on)
    assert bd.total_memberships == 1
    assert (
        selectors.figures(actor=w.users["nobody"], unit=w.province_a, on=on, start=on, end=on).totals.total
        == 0
    )


def test_counts_rebuild_equals_the_kept_counts(world):
    w = world
    root = superuser()
    p = person(w.village_a)
    m = join(p, w.branches["women_va"], on=date(2019, 5, 1))
    services.membership_leave(actor=root, membership=m, on=date(2023, 5, 1), reason=EndReason.MOVED_AWAY)
    before = counts.verify()
    assert before == []
    # corrupt the kept counts: the check must notice (it can fail), and a rebuild repairs them
    from danvan.members.models import DailyCount

    DailyCount.objects.filter(branch=w.branches["women_va"]).update(active=99)
    assert counts.verify() != []
    counts.rebuild()
    assert counts.verify() == []
