"""Members test helpers: people and memberships made through the real services."""

from __future__ import annotations

import itertools
from datetime import date

from danvan.members import services
from danvan.members.services import PersonData
from danvan.structure import services as structure_services
from danvan.structure.models import OrgType
from tests.factories import World, superuser

_serial = itertools.count(1)


def add_branches(w: World) -> None:
    root = superuser()
    youth, veterans = (OrgType.objects.get(code=c) for c in ("youth", "veterans"))
    w.orgs["youth_ca"] = structure_services.organisation_create(
        actor=root, type=youth, unit=w.commune_a, parent=w.orgs["front_a"]
    )
    w.orgs["veterans_ca"] = structure_services.organisation_create(
        actor=root, type=veterans, unit=w.commune_a, parent=w.orgs["front_a"]
    )
    w.branches["youth_va"] = structure_services.branch_create(
        actor=root,
        organisation=w.orgs["youth_ca"],
        unit=w.village_a,
        name="Chi đoàn ấp Phú Hòa",
        kind="chi_doan",
    )
    w.branches["veterans_va"] = structure_services.branch_create(
        actor=root,
        organisation=w.orgs["veterans_ca"],
        unit=w.village_a,
        name="Chi hội Cựu chiến binh ấp Phú Hòa",
    )
    w.branches["farmers_va2"] = structure_services.branch_create(
        actor=root,
        organisation=structure_services.organisation_create(
            actor=root, type=OrgType.objects.get(code="farmers"), unit=w.commune_a2, parent=w.orgs["front_a"]
        ),
        unit=w.village_a2,
        name="Chi hội Nông dân ấp Tân Lập",
    )


def spelled(i: int) -> str:
    """A number written with letters, for names (a full name has no digit): 12 → "Bc"."""
    return "".join("abcdefghij"[int(d)] for d in str(i)).capitalize()


def citizen_id(*, birth_year: int, sex: str, province: str = "84", serial: int | None = None) -> str:
    digit = (birth_year // 100 - 19) * 2 + (1 if sex == "F" else 0)
    return f"0{province}{digit}{birth_year % 100:02d}{(serial if serial is not None else next(_serial)):06d}"


def person(
    unit,
    *,
    name: str = "Nguyễn Thị Hoa",
    sex: str = "F",
    birth_date: date | None = date(1985, 5, 20),
    birth_year: int | None = None,
    actor=None,
    with_id: bool = True,
    **extra,
):
    year = birth_date.year if birth_date else birth_year
    data = PersonData(
        full_name=name,
        sex=sex,
        unit=unit,
        birth_date=birth_date,
        birth_year=birth_year,
        citizen_id=citizen_id(birth_year=year, sex=sex) if with_id else "",
        **extra,
    )
    return services.person_create(actor=actor or superuser(), data=data)


def join(person_, branch, on: date = date(2020, 1, 10), actor=None, **kwargs):
    return services.membership_join(
        actor=actor or superuser(), person=person_, branch=branch, on=on, **kwargs
    )
