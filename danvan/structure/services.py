"""Writes of the administrative structure: loading the official units, villages, organisations, branches."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from danvan.core.scoping import has_scope_permission
from danvan.core.text import clean, fold
from danvan.structure.models import (
    Branch,
    BranchKind,
    Organisation,
    OrgType,
    Unit,
    UnitLevel,
    VillageKind,
)

DATA_DIR = Path(settings.BASE_DIR) / "data"
REFORM_DATE = date(2025, 7, 1)
UNITS_SOURCE = "vietnam-provinces 2026.9.0; NQ 202/2025/QH15"


def next_ids(model, count: int) -> list[int]:
    """Allocate primary keys ahead of insertion, so a path can contain the row's own id."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _require(actor, perm: str, unit_path: str, org_path: str | None = None) -> None:
    if not has_scope_permission(actor, perm, unit_path, org_path):
        raise PermissionDenied(_("You do not have permission to do this in this unit."))


# --- official units -----------------------------------------------------------------------------


@dataclass
class LoadReport:
    provinces: int = 0
    communes: int = 0
    legacy_provinces: int = 0


def _dec(value: str) -> Decimal | None:
    return Decimal(value) if value not in ("", None) else None


def _int(value: str) -> int | None:
    return int(float(value)) if value not in ("", None) else None


@transaction.atomic
def units_load(*, data_dir: Path = DATA_DIR) -> LoadReport:
    """Load (or refresh) the 34 provinces, 3,321 communes and 63 former provinces. Idempotent."""
    report = LoadReport()
    existing = {
        (u.code, u.level): u
        for u in Unit.objects.filter(
            level__in=[UnitLevel.PROVINCE, UnitLevel.COMMUNE, UnitLevel.LEGACY_PROVINCE]
        )
    }

    def upsert(code: str, level: str, **fields) -> Unit:
        fields["search_name"] = fold(fields["name"])
        unit = existing.get((code, level))
        if unit is None:
            unit = Unit(code=code, level=level, **fields)
            unit.save()
            existing[(code, level)] = unit
        else:
            changed = [k for k, v in fields.items() if getattr(unit, k) != v and not (k.endswith("_id"))]
            for k in changed:
                setattr(unit, k, fields[k])
            if changed:
                unit.save(update_fields=changed)
        return unit

    with open(data_dir / "units" / "provinces.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            upsert(
                row["code"],
                UnitLevel.PROVINCE,
                name=clean(row["name"]),
                division_type=row["division_type"],
                parent=None,
                path=f"{row['code']}/",
                depth=1,
                valid_from=REFORM_DATE,
                population=_int(row["population"]),
                area_km2=_dec(row["area_km2"]),
                center_lon=_dec(row["center_lon"]),
                center_lat=_dec(row["center_lat"]),
                source=UNITS_SOURCE,
            )
            report.provinces += 1
    provinces = {code: u for (code, level), u in existing.items() if level == UnitLevel.PROVINCE}
    new_communes = []
    with open(data_dir / "units" / "communes.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            province = provinces[row["province_code"]]
            fields = dict(
                name=clean(row["name"]),
                division_type=row["division_type"],
                parent=province,
                path=f"{province.path}{row['code']}/",
                depth=2,
                valid_from=REFORM_DATE,
                population=_int(row["population"]),
                area_km2=_dec(row["area_km2"]),
                center_lon=_dec(row["center_lon"]),
                center_lat=_dec(row["center_lat"]),
                source=UNITS_SOURCE,
                search_name=fold(row["name"]),
            )
            if (row["code"], UnitLevel.COMMUNE) in existing:
                upsert(row["code"], UnitLevel.COMMUNE, **fields)
            else:
                new_communes.append(Unit(code=row["code"], level=UnitLevel.COMMUNE, **fields))
            report.communes += 1
    Unit.objects.bulk_create(new_communes, batch_size=1000)
    with open(data_dir / "reference" / "legacy_provinces.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            successor = provinces[row["successor_code"]]
            upsert(
                row["legacy_code"],
                UnitLevel.LEGACY_PROVINCE,
                name=clean(row["name"]),
                division_type="tỉnh (trước 01/7/2025)",
                parent=successor,
                path=f"{successor.path}L{row['legacy_code']}/",
                depth=2,
                valid_from=None,
                valid_to=date.fromisoformat(row["valid_to"]),
                successor=successor,
                source="NQ 202/2025/QH15",
            )
            report.legacy_provinces += 1
    return report


@transaction.atomic
def org_types_seed(*, data_dir: Path = DATA_DIR) -> int:
    """Create the organisation types listed in data/org_types.json; existing ones are left as edited."""
    spec = json.loads((data_dir / "org_types.json").read_text(encoding="utf-8"))
    created = 0
    by_code = {t.code: t for t in OrgType.objects.all()}
    for item in spec["types"]:
        if item["code"] in by_code:
            continue
        by_code[item["code"]] = OrgType.objects.create(
            code=item["code"],
            name=item["name"],
            short_name=item["short_name"],
            kind=item["kind"],
            branch_label=item["branch_label"],
            member_label=item["member_label"],
            has_members=item["has_members"],
            sort_order=item["order"],
        )
        created += 1
    for item in spec["types"]:
        if item["parent"]:
            OrgType.objects.filter(code=item["code"], parent_type__isnull=True).update(
                parent_type=by_code[item["parent"]]
            )
    return created


# --- villages -----------------------------------------------------------------------------------


def _next_village_code(commune: Unit) -> str:
    prefix = f"{commune.code}-"
    codes = Unit.objects.filter(level=UnitLevel.VILLAGE, code__startswith=prefix).values_list(
        "code", flat=True
    )
    numbers = [int(c[len(prefix) :]) for c in codes if c[len(prefix) :].isdigit()]
    return f"{prefix}{(max(numbers) + 1) if numbers else 1:03d}"


def _check_village_name(commune: Unit, name: str, exclude_pk: int | None = None) -> str:
    name = clean(name)
    if not name:
        raise ValidationError({"name": _("The name is required.")})
    clash = Unit.objects.filter(
        parent=commune, level=UnitLevel.VILLAGE, search_name=fold(name), valid_to__isnull=True
    )
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {
                "name": _("%(commune)s already has a village named “%(name)s”.")
                % {"commune": commune.name, "name": name}
            }
        )
    return name


@transaction.atomic
def village_create(
    *, actor, commune: Unit, name: str, village_kind: str = VillageKind.THON, population: int | None = None
) -> Unit:
    if commune.level != UnitLevel.COMMUNE or not commune.is_active:
        raise ValidationError({"commune": _("A village must belong to a commune in force.")})
    _require(actor, "structure.add_unit", commune.path)
    name = _check_village_name(commune, name)
    # Serialise code allocation per commune: two villages created at once must not get the same code.
    Unit.objects.select_for_update().filter(pk=commune.pk).values_list("pk", flat=True).first()
    code = _next_village_code(commune)
    return Unit.objects.create(
        code=code,
        name=name,
        level=UnitLevel.VILLAGE,
        village_kind=village_kind,
        parent=commune,
        path=f"{commune.path}{code}/",
        depth=3,
        search_name=fold(name),
        valid_from=timezone.localdate(),
        population=population,
        source=_("Created by %(user)s") % {"user": getattr(actor, "username", "system")},
    )


@transaction.atomic
def village_update(*, actor, village: Unit, name: str, village_kind: str, population: int | None) -> Unit:
    if village.level != UnitLevel.VILLAGE:
        raise ValidationError(
            _("Only villages can be edited here; provinces and communes follow the official list.")
        )
    _require(actor, "structure.change_unit", village.path)
    village.name = _check_village_name(village.parent, name, exclude_pk=village.pk)
    village.search_name = fold(village.name)
    village.village_kind = village_kind
    village.population = population
    village.save(update_fields=["name", "search_name", "village_kind", "population"])
    return village


@transaction.atomic
def unit_deactivate(*, actor, unit: Unit, on: date | None = None, successor: Unit | None = None) -> Unit:
    """End a village's validity (records stay, and roll up to the successor if one is given)."""
    if unit.level != UnitLevel.VILLAGE:
        raise ValidationError(_("Only villages can be deactivated here."))
    _require(actor, "structure.delete_unit", unit.path)
    on = on or timezone.localdate()
    if unit.valid_from and on < unit.valid_from:
        raise ValidationError(_("The end date cannot be before the start date."))
    if successor is not None and (successor.pk == unit.pk or successor.parent_id != unit.parent_id):
        raise ValidationError(_("The successor must be another village of the same commune."))
    if Branch.objects.filter(unit=unit, is_active=True).exists() and successor is None:
        raise ValidationError(
            _(
                "Active branches are located in this village: move or deactivate them first, or name a successor."
            )
        )
    unit.valid_to = on
    unit.successor = successor
    unit.save(update_fields=["valid_to", "successor"])
    if successor is not None:
        for branch in Branch.objects.filter(unit=unit, is_active=True):
            branch.unit = successor
            branch.unit_path = successor.path
            branch.save(update_fields=["unit", "unit_path"])
    return unit


# --- organisations and branches ----------------------------------------------------------------


@transaction.atomic
def organisation_create(
    *,
    actor,
    type: OrgType,
    unit: Unit,
    name: str = "",
    parent: Organisation | None = None,
    address: str = "",
    phone: str = "",
    email: str = "",
) -> Organisation:
    if unit.level not in (UnitLevel.PROVINCE, UnitLevel.COMMUNE, UnitLevel.VILLAGE) or not unit.is_active:
        raise ValidationError({"unit": _("Choose a unit in force.")})
    if parent is not None and not unit.path.startswith(parent.unit_path):
        raise ValidationError({"parent": _("The parent organisation must be at the same unit or above it.")})
    _require(actor, "structure.add_organisation", unit.path, parent.path if parent else None)
    name = clean(name) or f"{type.name} {unit.name}"
    (pk,) = next_ids(Organisation, 1)
    path = f"{parent.path if parent else ''}o{pk}/"
    return Organisation.objects.create(
        pk=pk,
        type=type,
        name=name,
        unit=unit,
        unit_path=unit.path,
        parent=parent,
        path=path,
        depth=path.count("/"),
        search_name=fold(name),
        address=clean(address),
        phone=clean(phone),
        email=clean(email),
    )


@transaction.atomic
def organisation_update(
    *, actor, organisation: Organisation, name: str, address: str, phone: str, email: str
) -> Organisation:
    _require(actor, "structure.change_organisation", organisation.unit_path, organisation.path)
    name = clean(name)
    if not name:
        raise ValidationError({"name": _("The name is required.")})
    organisation.name = name
    organisation.search_name = fold(name)
    organisation.address, organisation.phone, organisation.email = clean(address), clean(phone), clean(email)
    organisation.save(update_fields=["name", "search_name", "address", "phone", "email"])
    return organisation


@transaction.atomic
def organisation_set_active(*, actor, organisation: Organisation, active: bool) -> Organisation:
    _require(actor, "structure.delete_organisation", organisation.unit_path, organisation.path)
    if not active and (
        Organisation.objects.filter(parent=organisation, is_active=True).exists()
        or Branch.objects.filter(organisation=organisation, is_active=True).exists()
    ):
        raise ValidationError(_("This organisation still has active sub-organisations or branches."))
    organisation.is_active = active
    organisation.save(update_fields=["is_active"])
    return organisation


def _check_branch_organisation(organisation: Organisation) -> None:
    if not organisation.type.has_branches:
        raise ValidationError(
            {
                "organisation": _(
                    "An organisation of the type “%(type)s” has no branches: choose a mass organisation or the Front."
                )
                % {"type": organisation.type.name}
            }
        )


def _check_branch_place(organisation: Organisation, unit: Unit) -> None:
    if not unit.path.startswith(organisation.unit_path) or unit.level not in (
        UnitLevel.COMMUNE,
        UnitLevel.VILLAGE,
    ):
        raise ValidationError(
            {"unit": _("A branch must be located in a commune or village within its organisation's unit.")}
        )
    if not unit.is_active:
        raise ValidationError({"unit": _("This unit is no longer in force.")})


@transaction.atomic
def branch_create(
    *,
    actor,
    organisation: Organisation,
    unit: Unit,
    name: str,
    kind: str = BranchKind.CHI_HOI,
    parent: Branch | None = None,
    leader_name: str = "",
    leader_phone: str = "",
    founded_on: date | None = None,
) -> Branch:
    _check_branch_organisation(organisation)
    _check_branch_place(organisation, unit)
    if parent is not None and parent.organisation_id != organisation.pk:
        raise ValidationError({"parent": _("The parent branch must belong to the same organisation.")})
    if not organisation.is_active:
        raise ValidationError({"organisation": _("This organisation is no longer active.")})
    _require(actor, "structure.add_branch", unit.path, organisation.path)
    name = clean(name)
    if not name:
        raise ValidationError({"name": _("The name is required.")})
    if Branch.objects.filter(organisation=organisation, search_name=fold(name), is_active=True).exists():
        raise ValidationError({"name": _("This organisation already has a branch with this name.")})
    (pk,) = next_ids(Branch, 1)
    path = f"{parent.path if parent else organisation.path}b{pk}/"
    return Branch.objects.create(
        pk=pk,
        organisation=organisation,
        parent=parent,
        kind=kind,
        name=name,
        unit=unit,
        unit_path=unit.path,
        path=path,
        search_name=fold(name),
        leader_name=clean(leader_name),
        leader_phone=clean(leader_phone),
        founded_on=founded_on,
    )


@transaction.atomic
def branch_update(
    *,
    actor,
    branch: Branch,
    name: str,
    kind: str,
    unit: Unit,
    leader_name: str,
    leader_phone: str,
    founded_on,
) -> Branch:
    _require(actor, "structure.change_branch", branch.unit_path, branch.path)
    _check_branch_place(branch.organisation, unit)
    _require(actor, "structure.change_branch", unit.path, branch.path)
    name = clean(name)
    if not name:
        raise ValidationError({"name": _("The name is required.")})
    branch.name, branch.search_name, branch.kind = name, fold(name), kind
    branch.unit, branch.unit_path = unit, unit.path
    branch.leader_name, branch.leader_phone, branch.founded_on = (
        clean(leader_name),
        clean(leader_phone),
        founded_on,
    )
    branch.save()
    return branch


@transaction.atomic
def branch_set_active(*, actor, branch: Branch, active: bool) -> Branch:
    _require(actor, "structure.delete_branch", branch.unit_path, branch.path)
    if not active and Branch.objects.filter(parent=branch, is_active=True).exists():
        raise ValidationError(_("This branch still has active sub-branches."))
    branch.is_active = active
    branch.save(update_fields=["is_active"])
    return branch


# --- bulk imports (all or nothing) ---------------------------------------------------------------

RowErrors = dict[int, list[str]]


@dataclass
class VillageItem:
    """One row of a village import, with its references already resolved."""

    row: int
    commune: Unit
    name: str
    village_kind: str = VillageKind.THON
    population: int | None = None


@dataclass
class BranchItem:
    """One row of a branch import, with its references already resolved."""

    row: int
    organisation: Organisation
    unit: Unit
    name: str
    kind: str = BranchKind.CHI_HOI
    leader_name: str = ""
    leader_phone: str = ""
    founded_on: date | None = None


def _messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _rows_error(errors: RowErrors) -> ValidationError:
    return ValidationError(
        [
            _("Row %(row)s: %(message)s") % {"row": row, "message": " ".join(messages)}
            for row, messages in sorted(errors.items())
        ]
    )


def villages_import_check(*, actor, items: list[VillageItem]) -> RowErrors:
    """Every reason each row would be rejected (empty when all rows can be created). Reads only."""
    errors: RowErrors = {}

    def reject(item: VillageItem, message: str) -> None:
        errors.setdefault(item.row, []).append(message)

    max_name = Unit._meta.get_field("name").max_length
    kinds = set(VillageKind.values)
    wanted: set[tuple[int, str]] = set()
    for item in items:
        if item.commune.level != UnitLevel.COMMUNE or not item.commune.is_active:
            reject(item, _("%(unit)s is not a commune in force.") % {"unit": item.commune.name})
        elif not has_scope_permission(actor, "structure.add_unit", item.commune.path):
            reject(
                item,
                _("You do not have permission to add villages in %(commune)s.")
                % {"commune": item.commune.name},
            )
        if item.village_kind not in kinds:
            reject(item, _("Unknown village kind."))
        if item.population is not None and item.population < 0:
            reject(item, _("The population cannot be negative."))
        name = clean(item.name)
        if not name:
            reject(item, _("The name is required."))
        elif len(name) > max_name:
            reject(item, _("The name is longer than %(max)s characters.") % {"max": max_name})
        else:
            wanted.add((item.commune.pk, fold(name)))
    existing = set()
    if wanted:
        existing = set(
            Unit.objects.filter(
                level=UnitLevel.VILLAGE,
                valid_to__isnull=True,
                parent_id__in={c for c, _n in wanted},
                search_name__in={n for _c, n in wanted},
            ).values_list("parent_id", "search_name")
        )
    first_row: dict[tuple[int, str], int] = {}
    for item in items:
        name = clean(item.name)
        if not name:
            continue
        key = (item.commune.pk, fold(name))
        if key in existing:
            reject(
                item,
                _("%(commune)s already has a village named “%(name)s”.")
                % {"commune": item.commune.name, "name": name},
            )
        if key in first_row:
            reject(
                item, _("The same village is already in row %(row)s of this file.") % {"row": first_row[key]}
            )
        else:
            first_row[key] = item.row
    return errors


@transaction.atomic
def villages_import(*, actor, items: list[VillageItem]) -> list[Unit]:
    """Create every village of ``items``, or none: any rejected row raises a ValidationError listing all."""
    errors = villages_import_check(actor=actor, items=items)
    if errors:
        raise _rows_error(errors)
    if not items:
        return []
    communes = {item.commune.pk: item.commune for item in items}
    # Lock the communes (in a fixed order) so that concurrent creations cannot allocate the same codes.
    list(Unit.objects.select_for_update().filter(pk__in=communes).order_by("pk").values_list("pk", flat=True))
    prefixes = {f"{c.code}-": c.pk for c in communes.values()}
    last: dict[int, int] = dict.fromkeys(communes, 0)
    codes = (
        Unit.objects.filter(level=UnitLevel.VILLAGE)
        .annotate(prefix=Substr("code", 1, 6))
        .filter(prefix__in=list(prefixes))
        .values_list("code", flat=True)
    )
    for code in codes:
        prefix, number = code[:6], code[6:]
        if number.isdigit():
            commune_pk = prefixes[prefix]
            last[commune_pk] = max(last[commune_pk], int(number))
    today = timezone.localdate()
    source = _("Imported by %(user)s") % {"user": getattr(actor, "username", "system")}
    villages = []
    for item in items:
        commune = communes[item.commune.pk]
        last[commune.pk] += 1
        code = f"{commune.code}-{last[commune.pk]:03d}"
        name = clean(item.name)
        villages.append(
            Unit(
                code=code,
                name=name,
                level=UnitLevel.VILLAGE,
                village_kind=item.village_kind,
                parent=commune,
                path=f"{commune.path}{code}/",
                depth=3,
                search_name=fold(name),
                valid_from=today,
                population=item.population,
                source=source,
            )
        )
    return Unit.objects.bulk_create(villages, batch_size=1000)


def branches_import_check(*, actor, items: list[BranchItem]) -> RowErrors:
    """Every reason each row would be rejected (empty when all rows can be created). Reads only."""
    errors: RowErrors = {}

    def reject(item: BranchItem, message: str) -> None:
        errors.setdefault(item.row, []).append(message)

    max_name = Branch._meta.get_field("name").max_length
    kinds = set(BranchKind.values)
    wanted: set[tuple[int, str]] = set()
    for item in items:
        organisation = item.organisation
        if not organisation.is_active:
            reject(item, _("This organisation is no longer active."))
        try:
            _check_branch_organisation(organisation)
            _check_branch_place(organisation, item.unit)
        except ValidationError as exc:
            for message in _messages(exc):
                reject(item, message)
        else:
            if not has_scope_permission(actor, "structure.add_branch", item.unit.path, organisation.path):
                reject(
                    item, _("You do not have permission to add branches to this organisation in this unit.")
                )
        if item.kind not in kinds:
            reject(item, _("Unknown branch kind."))
        if item.founded_on and item.founded_on > timezone.localdate():
            reject(item, _("The founding date cannot be in the future."))
        name = clean(item.name)
        if not name:
            reject(item, _("The name is required."))
        elif len(name) > max_name:
            reject(item, _("The name is longer than %(max)s characters.") % {"max": max_name})
        else:
            wanted.add((organisation.pk, fold(name)))
    existing = set()
    if wanted:
        existing = set(
            Branch.objects.filter(
                is_active=True,
                organisation_id__in={o for o, _n in wanted},
                search_name__in={n for _o, n in wanted},
            ).values_list("organisation_id", "search_name")
        )
    first_row: dict[tuple[int, str], int] = {}
    for item in items:
        name = clean(item.name)
        if not name:
            continue
        key = (item.organisation.pk, fold(name))
        if key in existing:
            reject(item, _("This organisation already has a branch with this name."))
        if key in first_row:
            reject(
                item, _("The same branch is already in row %(row)s of this file.") % {"row": first_row[key]}
            )
        else:
            first_row[key] = item.row
    return errors


@transaction.atomic
def branches_import(*, actor, items: list[BranchItem]) -> list[Branch]:
    """Create every branch of ``items``, or none: any rejected row raises a ValidationError listing all."""
    errors = branches_import_check(actor=actor, items=items)
    if errors:
        raise _rows_error(errors)
    ids = next_ids(Branch, len(items))
    branches = []
    for pk, item in zip(ids, items, strict=True):
        name = clean(item.name)
        branches.append(
            Branch(
                pk=pk,
                organisation=item.organisation,
                parent=None,
                kind=item.kind,
                name=name,
                unit=item.unit,
                unit_path=item.unit.path,
                path=f"{item.organisation.path}b{pk}/",
                search_name=fold(name),
                leader_name=clean(item.leader_name),
                leader_phone=clean(item.leader_phone),
                founded_on=item.founded_on,
            )
        )
    return Branch.objects.bulk_create(branches, batch_size=1000)
