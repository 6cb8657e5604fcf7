"""The demo province: villages in every commune, the Front and the organisations at province and commune
level, branches in the villages, and one demo account per role at province level and at one commune.

Deterministic (seeded) and fast: rows are inserted in bulk with primary keys allocated ahead, so that the
materialised paths can contain them. Later modules add their own demo content through ``EXTENSIONS``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from danvan.accounts.models import Role, RoleAssignment, User
from danvan.core.text import fold
from danvan.structure.models import Branch, BranchKind, Organisation, OrgType, Unit, UnitLevel, VillageKind
from danvan.structure.services import next_ids

DEMO_PASSWORD = "DanVan@2026"
DEMO_SEED = 2026
REFORM_DATE = date(2025, 7, 1)

# Hamlet names common in the Mekong delta and elsewhere; a number suffix keeps names unique in a commune.
VILLAGE_STEMS = [
    "Phú Hòa",
    "Tân Lập",
    "Bình Thạnh",
    "An Thới",
    "Long Hưng",
    "Mỹ Phước",
    "Hòa Lợi",
    "Tân Hiệp",
    "Phước Hảo",
    "Đại Thôn",
    "Sóc Ruộng",
    "Ô Chát",
    "Trà Kha",
    "Giồng Lức",
    "Cây Da",
    "Nhứt",
    "Nhì",
    "Ba",
    "Tư",
    "Năm",
    "Rạch Gốc",
    "Bến Đình",
    "Vàm Rây",
    "Kinh Xáng",
    "Chợ",
    "Mới",
]

# What each socio-political organisation calls its village branch.
BRANCH_SPECS = [
    ("farmers", BranchKind.CHI_HOI, "Chi hội Nông dân"),
    ("women", BranchKind.CHI_HOI, "Chi hội Phụ nữ"),
    ("youth", BranchKind.CHI_DOAN, "Chi đoàn"),
    ("veterans", BranchKind.CHI_HOI, "Chi hội Cựu chiến binh"),
    ("front", BranchKind.BAN_CONG_TAC_MAT_TRAN, "Ban công tác Mặt trận"),
]
PROVINCE_TYPES = [
    "commission",
    "front",
    "trade_union",
    "farmers",
    "women",
    "youth",
    "veterans",
    "red_cross",
    "elderly",
    "study_promotion",
    "peoples_committee",
    "citizen_reception",
]
COMMUNE_TYPES = [
    "commission",
    "front",
    "farmers",
    "women",
    "youth",
    "veterans",
    "elderly",
    "peoples_committee",
]

# Demo accounts: (username suffix, role, organisation type the scope is narrowed to, or None).
ACCOUNTS = [
    ("quantri", "system_admin", None, "Quản trị hệ thống"),
    ("dvan", "commission_officer", None, "Cán bộ Ban Tuyên giáo và Dân vận"),
    ("phunu", "organisation_officer", "women", "Cán bộ Hội Liên hiệp Phụ nữ"),
    ("tcd", "reception_officer", None, "Cán bộ tiếp công dân"),
    ("lanhdao", "leader", None, "Lãnh đạo"),
    ("dlxh", "opinion_analyst", None, "Cán bộ phân tích dư luận xã hội"),
    ("ctv", "opinion_collaborator", None, "Cộng tác viên dư luận xã hội"),
]


@dataclass
class DemoResult:
    province: Unit
    commune: Unit
    created: bool
    accounts: list[tuple[str, str, str]] = field(default_factory=list)  # (username, role name, scope)
    counts: dict[str, int] = field(default_factory=dict)


# Hooks of later modules: f(result, rng, size) fills their demo content; run once, after the structure.
EXTENSIONS: list[Callable[[DemoResult, random.Random, str], None]] = []


def _village_kind(commune: Unit) -> str:
    return VillageKind.KHOM if commune.division_type == "phường" else VillageKind.AP


def _village_word(kind: str) -> str:
    return {"khom": "Khóm", "ap": "Ấp", "thon": "Thôn", "to_dan_pho": "Tổ dân phố", "ban": "Bản"}.get(
        kind, "Ấp"
    )


def _bulk(model, objs: list, batch: int = 2000) -> None:
    model.objects.bulk_create(objs, batch_size=batch)


@transaction.atomic
def generate(
    *,
    province_code: str = "86",
    seed: int = DEMO_SEED,
    villages_per_commune: tuple[int, int] = (5, 10),
    max_communes: int | None = None,
    size: str = "full",
) -> DemoResult:
    province = Unit.objects.get(code=province_code, level=UnitLevel.PROVINCE)
    communes = list(Unit.objects.filter(parent=province, level=UnitLevel.COMMUNE).order_by("code"))
    if max_communes:
        communes = communes[:max_communes]
    first_commune = communes[0]
    types = {t.code: t for t in OrgType.objects.all()}

    existing_front = Organisation.objects.filter(unit=province, type=types["front"]).first()
    if existing_front is not None:
        return DemoResult(
            province,
            first_commune,
            created=False,
            accounts=_account_list(province, first_commune),
            counts=counts(province),
        )

    rng = random.Random(seed)
    today = timezone.localdate()

    # Villages.
    villages_by_commune: dict[int, list[Unit]] = {}
    village_rows: list[Unit] = []
    for commune in communes:
        kind = _village_kind(commune)
        n = rng.randint(*villages_per_commune)
        stems = rng.sample(VILLAGE_STEMS, k=min(n, len(VILLAGE_STEMS)))
        rows = []
        for i in range(n):
            stem = stems[i % len(stems)] + ("" if i < len(stems) else f" {i // len(stems) + 1}")
            name = f"{_village_word(kind)} {stem}"
            code = f"{commune.code}-{i + 1:03d}"
            rows.append(
                Unit(
                    code=code,
                    name=name,
                    level=UnitLevel.VILLAGE,
                    village_kind=kind,
                    parent=commune,
                    path=f"{commune.path}{code}/",
                    depth=3,
                    search_name=fold(name),
                    valid_from=REFORM_DATE,
                    population=rng.randint(600, 4500),
                    source="demo",
                )
            )
        villages_by_commune[commune.pk] = rows
        village_rows.extend(rows)
    _bulk(Unit, village_rows)

    # Organisations at province level, then at each commune, parents before children.
    org_rows: list[Organisation] = []

    def org(type_code: str, unit: Unit, parent: Organisation | None, pk: int) -> Organisation:
        t = types[type_code]
        name = f"{t.name} {unit.name}"
        path = f"{parent.path if parent else ''}o{pk}/"
        o = Organisation(
            pk=pk,
            type=t,
            name=name,
            unit=unit,
            unit_path=unit.path,
            parent=parent,
            path=path,
            depth=path.count("/"),
            search_name=fold(name),
        )
        org_rows.append(o)
        return o

    ids = iter(next_ids(Organisation, len(PROVINCE_TYPES) + len(COMMUNE_TYPES) * len(communes)))
    prov: dict[str, Organisation] = {}
    for code in PROVINCE_TYPES:
        parent_type = types[code].parent_type.code if types[code].parent_type else None
        prov[code] = org(code, province, prov.get(parent_type) if parent_type else None, next(ids))
    commune_orgs: dict[int, dict[str, Organisation]] = {}
    for commune in communes:
        mine: dict[str, Organisation] = {}
        for code in COMMUNE_TYPES:
            mine[code] = org(code, commune, prov[code], next(ids))
        commune_orgs[commune.pk] = mine
    _bulk(Organisation, org_rows)

    # Branches: one per socio-political organisation in every village.
    branch_rows: list[Branch] = []
    total = sum(len(v) for v in villages_by_commune.values()) * len(BRANCH_SPECS)
    branch_ids = iter(next_ids(Branch, total))
    first_names = [
        "Nguyễn Thị",
        "Trần Văn",
        "Lê Thị",
        "Phạm Văn",
        "Huỳnh Thị",
        "Võ Văn",
        "Thạch Thị",
        "Kim Văn",
        "Sơn Thị",
    ]
    last_names = ["Hoa", "Lan", "Dũng", "Hùng", "Mai", "Sang", "Phước", "Thảo", "Sóc", "Nghĩa", "Tâm", "Bình"]
    for commune in communes:
        for village in villages_by_commune[commune.pk]:
            place = village.name.split(" ", 1)[1] if " " in village.name else village.name
            word = _village_word(village.village_kind).lower()
            for type_code, kind, label in BRANCH_SPECS:
                parent_org = commune_orgs[commune.pk][type_code]
                pk = next(branch_ids)
                name = f"{label} {word} {place}"
                branch_rows.append(
                    Branch(
                        pk=pk,
                        organisation=parent_org,
                        kind=kind,
                        name=name,
                        unit=village,
                        unit_path=village.path,
                        path=f"{parent_org.path}b{pk}/",
                        search_name=fold(name),
                        leader_name=f"{rng.choice(first_names)} {rng.choice(last_names)}",
                        founded_on=date(rng.randint(1976, 2020), rng.randint(1, 12), 1),
                    )
                )
    _bulk(Branch, branch_rows)

    result = DemoResult(province, first_commune, created=True)
    _make_accounts(result, prov, commune_orgs[first_commune.pk], today)
    for extend in EXTENSIONS:
        extend(result, rng, size)
    result.counts = counts(province)
    return result


def _account_list(province: Unit, commune: Unit) -> list[tuple[str, str, str]]:
    rows = []
    for level, unit in (("tinh", province), ("xa", commune)):
        for suffix, role_code, _org, _title in ACCOUNTS:
            username = f"{suffix}.{level}"
            role = Role.objects.filter(code=role_code).first()
            rows.append((username, role.name if role else role_code, unit.name))
    return rows


def _make_accounts(result: DemoResult, prov_orgs, commune_orgs, today) -> None:
    from django.contrib.auth.hashers import make_password

    roles = {r.code: r for r in Role.objects.all()}
    password = make_password(DEMO_PASSWORD)
    for level, unit, orgs in (("tinh", result.province, prov_orgs), ("xa", result.commune, commune_orgs)):
        for suffix, role_code, org_type, title in ACCOUNTS:
            username = f"{suffix}.{level}"
            user, _ = User.objects.update_or_create(
                username=username,
                defaults=dict(
                    full_name=f"{title} ({unit.name})",
                    email=f"{username}@demo.danvan.local",
                    password=password,
                    home_unit=unit,
                    home_unit_path=unit.path,
                    position=title,
                ),
            )
            organisation = orgs[org_type] if org_type else None
            RoleAssignment.objects.get_or_create(
                user=user,
                role=roles[role_code],
                unit=unit,
                defaults=dict(
                    unit_path=unit.path,
                    organisation=organisation,
                    org_path=organisation.path if organisation else "",
                    valid_from=REFORM_DATE,
                ),
            )
            result.accounts.append((username, roles[role_code].name, unit.name))


def counts(province: Unit) -> dict[str, int]:
    under = province.path
    return {
        "communes": Unit.objects.filter(path__startswith=under, level=UnitLevel.COMMUNE).count(),
        "villages": Unit.objects.filter(path__startswith=under, level=UnitLevel.VILLAGE).count(),
        "organisations": Organisation.objects.filter(unit_path__startswith=under).count(),
        "branches": Branch.objects.filter(unit_path__startswith=under).count(),
        "users": User.objects.filter(home_unit_path__startswith=under).count(),
    }
