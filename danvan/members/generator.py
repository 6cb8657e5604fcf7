"""Synthetic members for the demo province and the benchmarks: people living in the villages of a province,
their memberships of the village branches, and five years of movements (joins, transfers to another village
or commune, leaving for every reason, re-joining, deaths, Youth Union members ageing out at 31).

Deterministic for a seed; written with COPY (ids allocated ahead), then the daily counts of the province are
rebuilt and possible duplicates flagged, set-based. About 1 second per 10,000 memberships on one core.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
from django.utils import timezone

from danvan.core import crypto
from danvan.core.text import fold
from danvan.members import bulk, counts, reference
from danvan.members.models import EndReason, Membership, Movement, MovementKind, Person, StartKind, Status
from danvan.structure.models import Branch, Unit, UnitLevel

FAMILY = [
    ("Nguyễn", 30),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 6),
    ("Huỳnh", 5),
    ("Võ", 5),
    ("Phan", 4),
    ("Trương", 2),
    ("Bùi", 2),
    ("Đặng", 2),
    ("Đỗ", 2),
    ("Ngô", 2),
    ("Hồ", 2),
    ("Dương", 2),
    ("Lý", 1),
    ("Đoàn", 1),
    ("Lâm", 1),
    ("Châu", 1),
    ("Mai", 1),
    ("Tô", 1),
]
KHMER_FAMILY = [
    ("Thạch", 5),
    ("Sơn", 4),
    ("Kim", 3),
    ("Danh", 2),
    ("Lâm", 1),
    ("Trà", 1),
    ("Kiên", 1),
    ("Thị", 1),
]
MIDDLE_M = ["Văn", "Văn", "Văn", "Hữu", "Minh", "Thanh", "Quốc", "Công", "Đức", "Ngọc", "Hoàng", ""]
MIDDLE_F = ["Thị", "Thị", "Thị", "Thị", "Ngọc", "Thanh", "Kim", "Mỹ", "Thu", "Bích", "Hồng", ""]
GIVEN_M = [
    "Hùng",
    "Dũng",
    "Sang",
    "Phước",
    "Nghĩa",
    "Tâm",
    "Bình",
    "Tuấn",
    "Hải",
    "Long",
    "Minh",
    "Phúc",
    "Tài",
    "Lộc",
    "Thành",
    "Trung",
    "Hiếu",
    "Khang",
    "Nam",
    "Vinh",
    "Quang",
    "Sơn",
    "Toàn",
    "Cường",
    "Hòa",
    "Thắng",
    "Lợi",
    "Đạt",
    "Khoa",
    "Hậu",
    "Sóc",
    "Sa Rinh",
    "Chanh",
    "Bảo",
    "Huy",
    "An",
]
GIVEN_F = [
    "Hoa",
    "Lan",
    "Mai",
    "Thảo",
    "Hương",
    "Nga",
    "Hạnh",
    "Trang",
    "Linh",
    "Ngọc",
    "Tuyết",
    "Hằng",
    "Phượng",
    "Loan",
    "Yến",
    "Nhung",
    "Diễm",
    "Thúy",
    "Vân",
    "Hiền",
    "Oanh",
    "Dung",
    "Xuân",
    "Kiều",
    "Sa Rươne",
    "Sô Phia",
    "Chanh Thu",
    "Cúc",
    "Liên",
    "Nhi",
    "Vy",
    "Anh",
    "My",
    "Hòa",
    "Thủy",
    "Trinh",
]
OCCUPATIONS = [
    "Nông dân",
    "Nông dân",
    "Nông dân",
    "Công nhân",
    "Buôn bán",
    "Giáo viên",
    "Cán bộ, công chức",
    "Học sinh, sinh viên",
    "Nội trợ",
    "Lao động tự do",
    "Ngư dân",
    "Hưu trí",
]
EDUCATION = [
    "primary",
    "lower_secondary",
    "lower_secondary",
    "upper_secondary",
    "upper_secondary",
    "vocational",
    "college",
    "university",
    "",
]
RELIGIONS = [("00", 58), ("01", 30), ("02", 5), ("04", 3), ("05", 2), ("03", 2)]
TYPE_RATES = {
    "women": 0.78,
    "farmers": 0.42,
    "youth": 0.72,
    "veterans": 0.9,
    "elderly": 0.7,
    "red_cross": 0.15,
    "trade_union": 0.2,
    "study_promotion": 0.2,
}
MIN_AGE = {"youth": 16, "elderly": 60, "trade_union": 18}
EXIT_REASONS = [(EndReason.RESIGNED, 35), (EndReason.MOVED_AWAY, 30), (EndReason.EXPELLED, 5)]

PERSON_COLUMNS = [
    "id",
    "full_name",
    "search_name",
    "birth_date",
    "birth_year",
    "sex",
    "ethnicity",
    "religion",
    "citizen_id_enc",
    "citizen_id_hash",
    "citizen_id_last3",
    "birth_province",
    "phone",
    "unit_id",
    "unit_path",
    "address",
    "occupation",
    "education",
    "veteran",
    "deceased_on",
    "notes",
    "created_at",
    "updated_at",
]
MEMBERSHIP_COLUMNS = [
    "id",
    "person_id",
    "branch_id",
    "org_type_id",
    "org_path",
    "unit_path",
    "member_number",
    "joined_on",
    "left_on",
    "status",
    "start_kind",
    "end_reason",
    "previous_id",
    "eligibility_override",
    "search_name",
    "sex",
    "birth_date",
    "birth_year",
    "ethnicity",
    "created_at",
    "admitted_on",
]
MOVEMENT_COLUMNS = [
    "membership_id",
    "person_id",
    "branch_id",
    "kind",
    "reason",
    "on",
    "other_branch_id",
    "note",
    "eligibility_override",
    "unit_path",
    "org_path",
    "recorded_at",
]


@dataclass
class _Branch:
    id: int
    type_id: int
    type_code: str
    unit_id: int
    unit_path: str
    path: str
    commune_path: str


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def _day(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _birthday(birth: date, age: int) -> date:
    try:
        return birth.replace(year=birth.year + age)
    except ValueError:  # 29 February
        return date(birth.year + age, 3, 1)


def _load_branches(province: Unit) -> dict[int, dict[str, _Branch]]:
    by_village: dict[int, dict[str, _Branch]] = defaultdict(dict)
    rows = (
        Branch.objects.filter(
            unit_path__startswith=province.path, is_active=True, organisation__type__has_members=True
        )
        .values_list(
            "id", "organisation__type_id", "organisation__type__code", "unit_id", "unit_path", "path"
        )
        .order_by("id")
    )
    for bid, type_id, code, unit_id, unit_path, path in rows:
        parts = unit_path.split("/")
        by_village[unit_id].setdefault(
            code, _Branch(bid, type_id, code, unit_id, unit_path, path, "/".join(parts[:2]) + "/")
        )
    return by_village


def _citizen_id(rng: random.Random, codes: list[str], birth_year: int, sex: str, used: set[str]) -> str:
    century = (birth_year // 100 - 19) * 2 + (1 if sex == "F" else 0)
    while True:
        value = f"0{rng.choice(codes)}{century}{birth_year % 100:02d}{rng.randint(0, 999_999):06d}"
        if value not in used:
            used.add(value)
            return value


def generate(
    *,
    province: Unit,
    seed: int = 2026,
    memberships: int | None = None,
    per_branch: tuple[int, int] | None = None,
    years: int = 5,
    today: date | None = None,
    progress=None,
) -> dict[str, int]:
    """Fill ``province`` with people and memberships: about ``memberships`` in all (or ``per_branch`` per
    branch). Runs in one transaction; returns what was written."""
    rng = random.Random(seed)
    today = today or timezone.localdate()
    window_start = today.replace(year=today.year - years)
    by_village = _load_branches(province)
    if not by_village:
        return {"persons": 0, "memberships": 0, "movements": 0}
    villages = sorted(by_village)
    branch_count = sum(len(v) for v in by_village.values())
    if memberships is None:
        low, high = per_branch or (20, 40)
        memberships = sum(rng.randint(low, high) for _ in range(branch_count))
    population = dict(Unit.objects.filter(pk__in=villages).values_list("pk", "population"))
    weights = [max(population.get(v) or 1000, 100) for v in villages]
    legacy_codes = reference.legacy_provinces_by_successor().get(province.code) or ["01"]
    type_branches: dict[str, list[_Branch]] = defaultdict(list)
    for village in villages:
        for code, b in by_village[village].items():
            type_branches[code].append(b)
    used_ids: set[str] = set()
    now = timezone.now()

    persons: list[tuple] = []
    members: list[list] = []  # rows of MEMBERSHIP_COLUMNS without ids yet (id filled later)
    moves: list[
        tuple
    ] = []  # (membership index, kind, reason, on, other_branch_id, unit_path, org_path, branch_id)
    duplicates_to_make = max(1, memberships // 500)

    def new_membership(
        pi: int, person: list, b: _Branch, joined: date, kind: str, previous, number: str
    ) -> int:
        """Append a membership row; ``previous`` is the index of the membership it continues, as ("prev", i)."""
        members.append(
            [
                None,
                pi,
                b.id,
                b.type_id,
                b.path,
                b.unit_path,
                number,
                joined,
                None,
                Status.ACTIVE,
                kind,
                "",
                previous,
                "",
                person[2],
                person[5],
                person[3],
                person[4],
                person[6],
                now,
                # the date of the joining the stay descends from: a transfer keeps its previous one's
                members[previous[1]][-1] if kind == StartKind.TRANSFER_IN else joined,
            ]
        )
        index = len(members) - 1
        moves.append(
            (
                index,
                {
                    StartKind.JOIN: MovementKind.JOIN,
                    StartKind.REJOIN: MovementKind.REJOIN,
                    StartKind.TRANSFER_IN: MovementKind.TRANSFER_IN,
                }[kind],
                "",
                joined,
                None,
            )
        )
        return index

    def end_membership(index: int, on: date, reason: str, to_branch: int | None = None) -> None:
        row = members[index]
        row[8], row[11] = on, reason
        row[9] = {
            EndReason.TRANSFERRED: Status.TRANSFERRED,
            EndReason.DECEASED: Status.DECEASED,
            EndReason.EXPELLED: Status.EXPELLED,
        }.get(reason, Status.LEFT)
        kind = MovementKind.TRANSFER_OUT if reason == EndReason.TRANSFERRED else MovementKind.LEAVE
        moves.append((index, kind, reason, on, to_branch))

    while len(members) < memberships:
        village = rng.choices(villages, weights)[0]
        branches = by_village[village]
        sex = "F" if rng.random() < 0.52 else "M"
        age_now = int(rng.triangular(16, 92, 38))
        birth = _day(
            rng, date(today.year - age_now - 1, today.month, 1), date(today.year - age_now, today.month, 1)
        )
        khmer = rng.random() < 0.14
        ethnicity = "05" if khmer else ("04" if rng.random() < 0.02 else "01")
        family = _weighted(rng, KHMER_FAMILY if khmer else FAMILY)
        middle = rng.choice(MIDDLE_F if sex == "F" else MIDDLE_M)
        given = rng.choice(GIVEN_F if sex == "F" else GIVEN_M)
        name = " ".join(p for p in (family, middle, given) if p)
        veteran = sex == "M" and age_now >= 40 and rng.random() < 0.1
        year_only = rng.random() < 0.05
        has_id = rng.random() < 0.88 and birth.year >= 1900
        value = _citizen_id(rng, legacy_codes, birth.year, sex, used_ids) if has_id else ""
        phone = f"09{rng.randint(0, 99_999_999):08d}" if rng.random() < 0.7 else ""
        person = [
            None,
            name,
            fold(name),
            None if year_only else birth,
            birth.year,
            sex,
            ethnicity,
            _weighted(rng, RELIGIONS),
            crypto.encrypt(value, context=Person.CITIZEN_ID_CONTEXT) if value else "",
            crypto.lookup_hash(value, context=Person.CITIZEN_ID_CONTEXT) if value else "",
            value[-3:],
            (value[1:3] if value and rng.random() < 0.6 else ""),
            phone,
            village,
            next(iter(branches.values())).unit_path,
            "",
            rng.choice(OCCUPATIONS),
            rng.choice(EDUCATION),
            veteran,
            None,
            "",
            now,
            now,
        ]
        pi = len(persons)
        persons.append(person)
        # Which organisations: by sex, age, veteran status and what the village has.
        death = None
        death_rate = 0.2 if age_now >= 75 else 0.05 if age_now >= 60 else 0.008
        if rng.random() < death_rate:
            death = _day(rng, window_start, today - timedelta(days=1))
        chosen = []
        for code, b in branches.items():
            if code == "women" and sex != "F":
                continue
            if code == "veterans" and not veteran:
                continue
            if code == "youth" and not (16 <= (window_start.year - birth.year) <= 30 or 16 <= age_now <= 30):
                continue
            if code == "elderly" and age_now < 60:
                continue
            if rng.random() < TYPE_RATES.get(code, 0.2):
                chosen.append(b)
        if not chosen:
            fallback = [b for c, b in branches.items() if c == "farmers" or (c == "women" and sex == "F")]
            if not fallback:
                continue
            chosen = [rng.choice(fallback)]
        moved_to: _Branch | None = None
        for b in chosen:
            min_age = MIN_AGE.get(b.type_code, 18)
            earliest = max(_birthday(birth, min_age), date(1976, 1, 1))
            latest = today if b.type_code != "youth" else min(today, _birthday(birth, 30))
            if earliest >= latest:
                continue
            if rng.random() < 0.2 or earliest >= window_start:
                joined = _day(rng, max(window_start, earliest), latest)
            else:
                joined = _day(rng, earliest, min(window_start, latest))
            number = f"{b.type_code[:2].upper()}{rng.randint(0, 9_999_999):07d}"
            index = new_membership(pi, person, b, joined, StartKind.JOIN, None, number)
            current = b
            # A transfer within the window (to another village of the same commune, or another commune).
            if rng.random() < 0.07:
                on = _day(rng, max(joined + timedelta(days=30), window_start), today)
                candidates = type_branches[b.type_code]
                target = rng.choice(candidates)
                if target.id != b.id and on > joined and on <= today and (death is None or on < death):
                    end_membership(index, on, EndReason.TRANSFERRED, target.id)
                    index = new_membership(
                        pi, person, target, on, StartKind.TRANSFER_IN, ("prev", index), number
                    )
                    joined, current = on, target
                    if target.commune_path != b.commune_path:
                        moved_to = target
            row = members[index]
            if row[8] is not None:
                continue
            # Youth Union members leave when they turn 31.
            if current.type_code == "youth":
                over = _birthday(birth, 31)
                if over <= today and over > joined and (death is None or over < death):
                    end_membership(index, over, EndReason.OVER_AGE)
                    continue
            if death is not None and death > joined:
                end_membership(index, death, EndReason.DECEASED)
                continue
            if death is not None:
                members.pop()
                moves.pop()
                continue
            if rng.random() < 0.11:
                on = _day(rng, max(joined + timedelta(days=1), window_start), today)
                if on > joined:
                    reason = _weighted(rng, EXIT_REASONS)
                    end_membership(index, on, reason)
                    if reason != EndReason.EXPELLED and rng.random() < 0.12:
                        back = on + timedelta(days=rng.randint(60, 700))
                        if back <= today and (death is None or back < death):
                            new_membership(
                                pi, person, current, back, StartKind.REJOIN, ("prev", index), number
                            )
        if death is not None:
            person[19] = death
        if moved_to is not None:
            person[13], person[14] = moved_to.unit_id, moved_to.unit_path
        if duplicates_to_make and rng.random() < 0.01 and not year_only:
            # A second record of the same person without a citizen ID (an old paper register): flagged later.
            twin = list(person)
            twin[8] = twin[9] = twin[10] = twin[11] = ""
            persons.append(twin)
            duplicates_to_make -= 1
        if progress and len(persons) % 50_000 == 0:
            progress(len(members), memberships)

    return _write(province, persons, members, moves)


@transaction.atomic
def _write(province: Unit, persons: list, members: list, moves: list) -> dict[str, int]:
    person_ids = bulk.next_ids(Person._meta.db_table, len(persons))
    for person, pk in zip(persons, person_ids, strict=True):
        person[0] = pk
    member_ids = bulk.next_ids(Membership._meta.db_table, len(members))
    for row, pk in zip(members, member_ids, strict=True):
        row[0] = pk
    for row in members:
        row[1] = persons[row[1]][0]
        if isinstance(row[12], tuple):
            row[12] = members[row[12][1]][0]
    bulk.copy_rows(Person._meta.db_table, PERSON_COLUMNS, persons)
    bulk.copy_rows(Membership._meta.db_table, MEMBERSHIP_COLUMNS, members)
    now = timezone.now()

    def movement_rows():
        for index, kind, reason, on, other in moves:
            m = members[index]
            yield (m[0], m[1], m[2], kind, reason, on, other, "", "", m[5], m[4], now)

    written = bulk.copy_rows(Movement._meta.db_table, MOVEMENT_COLUMNS, movement_rows())
    with connection.cursor() as cursor:  # fresh statistics before the set-based steps plan their joins
        for table in ("members_person", "members_membership", "members_movement"):
            cursor.execute(f"ANALYZE {table}")
    branch_ids = {row[2] for row in members}
    counts.rebuild(branch_ids=branch_ids)
    from danvan.members.services import duplicates_scan

    flagged = duplicates_scan(unit_path=province.path)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE members_dailycount")
    return {"persons": len(persons), "memberships": len(members), "movements": written, "duplicates": flagged}


def province_of(code: str) -> Unit:
    return Unit.objects.get(code=code, level=UnitLevel.PROVINCE)
