"""Excel/CSV imports of villages and branches: reading the file, parsing cells, resolving references.

An import is all or nothing. ``read_table`` turns the upload into numbered rows (or raises
``ImportFileError`` with a message for the user: wrong encoding, missing columns, empty sheet, too many rows).
An importer parses every row into an item of the service layer, collecting every problem by row number;
the service then checks the business rules (scope, duplicates, places) of all rows, and creates them all only
when no row was rejected. The job in ``jobs.py`` ties the steps together and writes the result file.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import formats, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from danvan.core.exports import safe_sheet_title, sheet_cell
from danvan.core.text import clean, fold
from danvan.structure import services
from danvan.structure.models import Branch, BranchKind, Organisation, OrgType, Unit, UnitLevel, VillageKind

MAX_ROWS = 50_000
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Progress = Callable[..., None]


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is meant for the user (already translated)."""


# --- columns and the table read from a file ------------------------------------------------------------


@functools.cache
def _aliases() -> dict[str, dict[str, list[str]]]:
    return json.loads((Path(__file__).with_name("import_columns.json")).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise | str
    help: Promise | str = ""
    required: bool = True  # the column must be in the file
    width: int = 20
    group: str = ""  # the section of import_columns.json holding other names of this column

    def header_keys(self) -> set[str]:
        """Every spelling of this column's header we accept, folded: the label in each language, the key,
        and the other names listed in import_columns.json."""
        keys = {_header_key(self.key.replace("_", " "))}
        keys |= {_header_key(alias) for alias in _aliases().get(self.group, {}).get(self.key, [])}
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                keys.add(_header_key(str(self.label)))
        return keys


def _header_key(text: Any) -> str:
    """Fold a header cell: case, accents, a trailing "*" or "(…)" and punctuation do not matter."""
    value = fold(str(text or ""))
    value = re.sub(r"\(.*?\)", " ", value)
    return " ".join(re.split(r"[^0-9a-z]+", value)).strip()


@dataclass
class Row:
    number: int  # the row number the user sees in the spreadsheet (the header is row 1)
    values: dict[str, Any]
    cells: list[Any]


@dataclass
class Table:
    header: list[str]
    rows: list[Row]
    ignored_columns: list[str] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)  # the columns found in the file


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _records_xlsx(fh) -> Iterable[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    unreadable = _(
        "The file could not be read as an Excel .xlsx workbook. Save it again from Excel as .xlsx, or start from the template."
    )
    try:
        workbook = load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise ImportFileError(unreadable) from exc
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some programs write wrong dimensions; read every row there is
        rows = sheet.iter_rows(values_only=True)
        number = 0
        while True:
            try:
                values = next(rows)
            except StopIteration:
                break
            except Exception as exc:
                raise ImportFileError(unreadable) from exc
            number += 1
            yield number, list(values)
    finally:
        workbook.close()


def _decode_csv(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        raise ImportFileError(_csv_encoding_message())
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_csv_encoding_message()) from exc


def _csv_encoding_message() -> str:
    return _(
        "The CSV file is not encoded in UTF-8, so its Vietnamese letters cannot be read safely. In Excel use "
        "“Save as” → “CSV UTF-8 (comma delimited)”, or upload the .xlsx file instead."
    )


def _records_csv(fh) -> Iterable[tuple[int, list[Any]]]:
    text = _decode_csv(fh.read())
    first_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, values in enumerate(reader, start=1):
            yield number, list(values)
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file is malformed: %(error)s") % {"error": exc}) from exc


def read_table(fh, filename: str, columns: Sequence[Column], *, max_rows: int | None = None) -> Table:
    """Read the first sheet (or the CSV) of an upload: a header row, then data rows; blank rows are skipped."""
    max_rows = max_rows or MAX_ROWS
    name = (filename or "").lower()
    if name.endswith(".csv"):
        records = _records_csv(fh)
    elif name.endswith(".xlsx"):
        records = _records_xlsx(fh)
    else:
        raise ImportFileError(_("Unsupported file type. Accepted: %(types)s.") % {"types": ".xlsx, .csv"})

    header: list[str] | None = None
    positions: dict[str, int] = {}
    ignored: list[str] = []
    rows: list[Row] = []
    for number, cells in records:
        if all(_is_blank(c) for c in cells):
            continue
        if header is None:
            header = [clean(str(c)) if c is not None else "" for c in cells]
            positions, ignored = _match_header(header, columns)
            continue
        if len(rows) >= max_rows:
            raise ImportFileError(
                _(
                    "The file has more than %(max)s data rows. Split it into files of at most %(max)s rows each."
                )
                % {"max": formats.number_format(max_rows, force_grouping=True)}
            )
        values = {key: (cells[i] if i < len(cells) else None) for key, i in positions.items()}
        rows.append(Row(number=number, values=values, cells=cells[: len(header)]))
    if header is None:
        raise ImportFileError(
            _("The file is empty: its first row must hold the column names of the template.")
        )
    if not rows:
        raise ImportFileError(_("The file has no data rows below the column names."))
    return Table(header=header, rows=rows, ignored_columns=ignored, keys=set(positions))


def _match_header(header: list[str], columns: Sequence[Column]) -> tuple[dict[str, int], list[str]]:
    lookup: dict[str, Column] = {}
    for column in columns:
        for key in column.header_keys():
            lookup[key] = column
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for i, title in enumerate(header):
        if not title:
            continue
        column = lookup.get(_header_key(title))
        if column is None:
            ignored.append(title)
        elif column.key in positions:
            raise ImportFileError(
                _("The column “%(column)s” appears twice in the first row.") % {"column": title}
            )
        else:
            positions[column.key] = i
    missing = [str(c.label) for c in columns if c.required and c.key not in positions]
    if missing:
        raise ImportFileError(
            _(
                "Missing columns: %(missing)s. The first row must hold the column names of the template: %(expected)s."
            )
            % {"missing": ", ".join(missing), "expected": ", ".join(str(c.label) for c in columns)}
        )
    return positions, ignored


# --- cell parsers: each returns a value or raises CellError ---------------------------------------------


class CellError(ValueError):
    pass


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return clean(str(value))


def whole_number(value: Any) -> int | None:
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": value})
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": value})
    raw = clean(str(value)).replace(" ", "")
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", raw):
        raw = re.sub(r"[.,]", "", raw)
    if not re.fullmatch(r"-?\d+", raw):
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": text(value)})
    return int(raw)


DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")


def day(value: Any) -> date | None:
    if _is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = clean(str(value))
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise CellError(_("“%(value)s” is not a date: write it as dd/mm/yyyy.") % {"value": raw})


def commune_code(value: Any) -> str:
    raw = text(value)
    if raw.isdigit() and len(raw) <= 5:
        raw = raw.zfill(5)  # Excel drops the leading zeros of codes stored as numbers
    if not re.fullmatch(r"\d{5}", raw):
        raise CellError(
            _("The commune code must have 5 digits (e.g. 29242), not “%(value)s”.") % {"value": raw}
        )
    return raw


VILLAGE_CODE = re.compile(r"\d{5}-\d{3,}")


def place_code(value: Any) -> tuple[str, str]:
    """A commune code (5 digits) or a village code ("29242-001") → (code, level)."""
    raw = text(value)
    if VILLAGE_CODE.fullmatch(raw):
        return raw, UnitLevel.VILLAGE
    if raw.isdigit() and len(raw) <= 5:
        return raw.zfill(5), UnitLevel.COMMUNE
    raise CellError(
        _("“%(value)s” is not a commune code (5 digits) or a village code (such as 29242-001).")
        % {"value": raw}
    )


def unit_code_candidates(value: Any) -> list[tuple[str, str]]:
    """An organisation's unit: a province (2 digits), a commune (5 digits) or a village code."""
    raw = text(value)
    if VILLAGE_CODE.fullmatch(raw):
        return [(raw, UnitLevel.VILLAGE)]
    if raw.isdigit() and len(raw) <= 2:
        return [(raw.zfill(2), UnitLevel.PROVINCE), (raw.zfill(5), UnitLevel.COMMUNE)]
    if raw.isdigit() and len(raw) <= 5:
        return [(raw.zfill(5), UnitLevel.COMMUNE)]
    raise CellError(_("“%(value)s” is not a unit code.") % {"value": raw})


PHONE = re.compile(r"\+?[0-9][0-9 .\-]{6,18}[0-9]")


def phone(value: Any) -> str:
    if _is_blank(value):
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raw = str(int(value))
        if len(raw) == 9:
            raw = "0" + raw  # Excel drops the leading zero of a phone number stored as a number
    else:
        raw = clean(str(value))
    if not PHONE.fullmatch(raw):
        raise CellError(_("“%(value)s” is not a valid phone number.") % {"value": raw})
    return raw


def _choice_term(label: str) -> str:
    """The Vietnamese term of a choice label such as "Hamlet (thôn)"; the whole label when there is none."""
    match = re.search(r"\(([^)]+)\)", label)
    return match.group(1) if match else label


def choice_terms(choices) -> list[str]:
    return [_choice_term(str(label)) for _value, label in choices.choices]


def choice_lookup(choices) -> dict[str, str]:
    """Folded spellings → value: the value, its words, the label in each language and its term in brackets."""
    lookup: dict[str, str] = {}
    for value, label in choices.choices:
        lookup[fold(value)] = value
        lookup[fold(value.replace("_", " "))] = value
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                shown = str(label)
            lookup[fold(shown)] = value
            lookup[fold(_choice_term(shown))] = value
    return lookup


def choice(value: Any, choices, lookup: dict[str, str]) -> str:
    raw = text(value)
    if not raw:
        raise CellError(_("The kind is required."))
    found = lookup.get(fold(raw))
    if found is None:
        raise CellError(
            _("Unknown kind “%(value)s”. Use one of: %(choices)s.")
            % {"value": raw, "choices": ", ".join(choice_terms(choices))}
        )
    return found


# --- importers -------------------------------------------------------------------------------------------


RowErrors = dict[int, list[str]]


def _add(errors: RowErrors, row: int, message: str) -> None:
    errors.setdefault(row, []).append(message)


class Importer:
    """What differs between imports: columns, parsing rows into service items, the services, the result file."""

    kind: str
    columns: tuple[Column, ...]
    permission: str
    sheet_title: Promise | str
    kind_choices: Any

    def parse(self, *, actor, table: Table, progress: Progress | None = None) -> tuple[list[Any], RowErrors]:
        raise NotImplementedError

    def check(self, *, actor, items: list[Any]) -> RowErrors:
        raise NotImplementedError

    def commit(self, *, actor, items: list[Any]) -> list[Any]:
        raise NotImplementedError

    def created_header(self) -> list[str]:
        raise NotImplementedError

    def created_rows(self, items: list[Any], objects: list[Any]) -> Iterable[list[Any]]:
        raise NotImplementedError

    def instructions(self) -> list[tuple[str, str]]:
        return [(str(c.label), str(c.help)) for c in self.columns]

    def reference_sheets(self, *, actor) -> list[tuple[str, list[str], Iterable[Sequence[Any]]]]:
        return []


def _columns(group: str, *columns: Column) -> tuple[Column, ...]:
    return tuple(dataclasses.replace(c, group=group) for c in columns)


def _progress(progress: Progress | None, done: int) -> None:
    if progress is not None:
        progress(done, _("Checking the rows…"))


class VillageImporter(Importer):
    kind = "structure.import_villages"
    permission = "structure.add_unit"
    sheet_title = gettext_lazy("Villages")
    kind_choices = VillageKind
    columns = _columns(
        "villages",
        Column(
            "commune_code",
            gettext_lazy("Commune code"),
            gettext_lazy("5 digits, for example 29242."),
            width=16,
        ),
        Column(
            "name",
            gettext_lazy("Village name"),
            gettext_lazy("The name in full, for example “Ấp Phú Hòa”."),
            width=36,
        ),
        Column(
            "kind",
            gettext_lazy("Kind"),
            gettext_lazy("thôn, ấp, bản, khóm or tổ dân phố (with or without accents)."),
            width=18,
        ),
        Column(
            "population",
            gettext_lazy("Population"),
            gettext_lazy("Optional. A whole number of inhabitants."),
            required=False,
            width=14,
        ),
    )

    def parse(self, *, actor, table: Table, progress: Progress | None = None):
        errors: RowErrors = {}
        codes: dict[int, str] = {}
        for row in table.rows:
            try:
                codes[row.number] = commune_code(row.values["commune_code"])
            except CellError as exc:
                _add(errors, row.number, str(exc))
        communes = {
            u.code: u
            for u in Unit.objects.visible_to(actor).filter(
                level=UnitLevel.COMMUNE, code__in=set(codes.values())
            )
        }
        kinds = choice_lookup(VillageKind)
        items = []
        for done, row in enumerate(table.rows, start=1):
            _progress(progress, done)
            commune = None
            code = codes.get(row.number)
            if code is not None:
                commune = communes.get(code)
                if commune is None:
                    _add(
                        errors, row.number, _("No commune with code %(code)s in your scope.") % {"code": code}
                    )
            name = text(row.values["name"])
            if not name:
                _add(errors, row.number, _("The village name is required."))
            kind = population = None
            try:
                kind = choice(row.values["kind"], VillageKind, kinds)
            except CellError as exc:
                _add(errors, row.number, str(exc))
            try:
                population = whole_number(row.values.get("population"))
            except CellError as exc:
                _add(errors, row.number, str(exc))
            if commune is not None and name and kind is not None:
                items.append(
                    services.VillageItem(
                        row=row.number, commune=commune, name=name, village_kind=kind, population=population
                    )
                )
        return items, errors

    def check(self, *, actor, items):
        return services.villages_import_check(actor=actor, items=items)

    def commit(self, *, actor, items):
        return services.villages_import(actor=actor, items=items)

    def created_header(self):
        return [_("Row"), _("Code"), _("Village name"), _("Kind"), _("Commune code"), _("Commune")]

    def created_rows(self, items, objects):
        for item, village in zip(items, objects, strict=True):
            yield [
                item.row,
                village.code,
                village.name,
                village.get_village_kind_display(),
                item.commune.code,
                item.commune.name,
            ]

    def reference_sheets(self, *, actor):
        communes = (
            Unit.objects.visible_to(actor)
            .filter(level=UnitLevel.COMMUNE, valid_to__isnull=True)
            .select_related("parent")
            .order_by("path")
        )
        rows = (
            (c.code, c.name, c.parent.name if c.parent else "") for c in communes.iterator(chunk_size=2000)
        )
        kinds = [(term,) for term in choice_terms(VillageKind)]
        return [
            (_("Communes"), [_("Commune code"), _("Commune"), _("Province")], rows),
            (_("Kinds"), [_("Kind")], kinds),
        ]


class BranchImporter(Importer):
    kind = "structure.import_branches"
    permission = "structure.add_branch"
    sheet_title = gettext_lazy("Branches")
    kind_choices = BranchKind
    columns = _columns(
        "branches",
        Column(
            "organisation_id",
            gettext_lazy("Organisation ID"),
            gettext_lazy(
                "The number shown on the organisation's page. Or leave it empty and give the next two columns."
            ),
            required=False,
            width=16,
        ),
        Column(
            "organisation_type",
            gettext_lazy("Organisation type code"),
            gettext_lazy("For example women, farmers, youth, veterans (see the “Organisation types” sheet)."),
            required=False,
            width=20,
        ),
        Column(
            "organisation_unit",
            gettext_lazy("Organisation unit code"),
            gettext_lazy("The code of the province (2 digits) or commune (5 digits) of the organisation."),
            required=False,
            width=20,
        ),
        Column(
            "name",
            gettext_lazy("Branch name"),
            gettext_lazy("The name in full, for example “Chi hội Phụ nữ ấp Phú Hòa”."),
            width=36,
        ),
        Column(
            "kind",
            gettext_lazy("Kind"),
            gettext_lazy("chi hội, tổ hội, chi đoàn, phân hội, công đoàn cơ sở…"),
            width=18,
        ),
        Column(
            "place",
            gettext_lazy("Location code"),
            gettext_lazy(
                "Where the branch is: a commune code (5 digits) or a village code such as 29242-001."
            ),
            width=16,
        ),
        Column("leader_name", gettext_lazy("Leader"), gettext_lazy("Optional."), required=False, width=24),
        Column(
            "leader_phone",
            gettext_lazy("Leader's phone"),
            gettext_lazy("Optional."),
            required=False,
            width=16,
        ),
        Column(
            "founded_on",
            gettext_lazy("Founded on"),
            gettext_lazy("Optional. A date written dd/mm/yyyy."),
            required=False,
            width=14,
        ),
    )

    def parse(self, *, actor, table: Table, progress: Progress | None = None):
        errors: RowErrors = {}
        present = table.keys
        if "organisation_id" not in present and not {"organisation_type", "organisation_unit"} <= present:
            cols = {c.key: str(c.label) for c in self.columns}
            raise ImportFileError(
                _(
                    "The file needs the column “%(id)s”, or both “%(type)s” and “%(unit)s”, to know each branch's organisation."
                )
                % {
                    "id": cols["organisation_id"],
                    "type": cols["organisation_type"],
                    "unit": cols["organisation_unit"],
                }
            )
        # First pass: parse the references of every row, then resolve them all in a few queries.
        refs: dict[int, dict[str, Any]] = {}
        for row in table.rows:
            ref: dict[str, Any] = {}
            org_id = row.values.get("organisation_id")
            try:
                ref["org_id"] = whole_number(org_id)
            except CellError:
                _add(
                    errors,
                    row.number,
                    _("The organisation ID must be a number, not “%(value)s”.") % {"value": text(org_id)},
                )
                ref["org_id"] = False
            if ref["org_id"] is None:
                type_code = text(row.values.get("organisation_type")).lower()
                unit_value = row.values.get("organisation_unit")
                if not type_code or _is_blank(unit_value):
                    _add(
                        errors,
                        row.number,
                        _(
                            "Give the organisation ID, or both the organisation type code and the organisation unit code."
                        ),
                    )
                else:
                    try:
                        ref["org_key"] = (type_code, unit_code_candidates(unit_value))
                    except CellError as exc:
                        _add(errors, row.number, str(exc))
            try:
                if _is_blank(row.values.get("place")):
                    raise CellError(_("The location code is required."))
                ref["place"] = place_code(row.values.get("place"))
            except CellError as exc:
                _add(errors, row.number, str(exc))
            refs[row.number] = ref

        visible_orgs = Organisation.objects.visible_to(actor).select_related("unit", "type")
        ids = {r["org_id"] for r in refs.values() if r.get("org_id")}
        by_id = {o.pk: o for o in visible_orgs.filter(pk__in=ids)} if ids else {}
        type_codes = {r["org_key"][0] for r in refs.values() if "org_key" in r}
        unit_codes = {code for r in refs.values() if "org_key" in r for code, _level in r["org_key"][1]}
        by_key: dict[tuple[str, str, str], list[Organisation]] = {}
        if type_codes:
            for org in visible_orgs.filter(
                is_active=True, type__code__in=type_codes, unit__code__in=unit_codes
            ):
                by_key.setdefault((org.type.code, org.unit.code, org.unit.level), []).append(org)
        known_types = set(OrgType.objects.filter(code__in=type_codes).values_list("code", flat=True))
        place_codes = {r["place"][0] for r in refs.values() if "place" in r}
        places = {
            (u.code, u.level): u
            for u in Unit.objects.visible_to(actor).filter(
                code__in=place_codes, level__in=[UnitLevel.COMMUNE, UnitLevel.VILLAGE]
            )
        }

        kinds = choice_lookup(BranchKind)
        items = []
        for done, row in enumerate(table.rows, start=1):
            _progress(progress, done)
            ref = refs[row.number]
            organisation = None
            if ref.get("org_id"):
                organisation = by_id.get(ref["org_id"])
                if organisation is None:
                    _add(
                        errors,
                        row.number,
                        _("No organisation with ID %(id)s in your scope.") % {"id": ref["org_id"]},
                    )
            elif "org_key" in ref:
                type_code, candidates = ref["org_key"]
                found = [o for code, level in candidates for o in by_key.get((type_code, code, level), [])]
                if type_code not in known_types:
                    _add(
                        errors,
                        row.number,
                        _("Unknown organisation type code “%(code)s”.") % {"code": type_code},
                    )
                elif not found:
                    _add(
                        errors,
                        row.number,
                        _("No active organisation of type “%(type)s” at unit %(unit)s in your scope.")
                        % {"type": type_code, "unit": candidates[-1][0]},
                    )
                elif len(found) > 1:
                    _add(
                        errors,
                        row.number,
                        _("Several organisations of type “%(type)s” match: give the organisation ID instead.")
                        % {"type": type_code},
                    )
                else:
                    organisation = found[0]
            place = None
            if "place" in ref:
                place = places.get(ref["place"])
                if place is None:
                    _add(
                        errors,
                        row.number,
                        _("No commune or village with code %(code)s in your scope.")
                        % {"code": ref["place"][0]},
                    )
            name = text(row.values["name"])
            if not name:
                _add(errors, row.number, _("The branch name is required."))
            kind = leader_phone = founded_on = None
            try:
                kind = choice(row.values["kind"], BranchKind, kinds)
            except CellError as exc:
                _add(errors, row.number, str(exc))
            try:
                leader_phone = phone(row.values.get("leader_phone"))
            except CellError as exc:
                _add(errors, row.number, str(exc))
            try:
                founded_on = day(row.values.get("founded_on"))
            except CellError as exc:
                _add(errors, row.number, str(exc))
            if (
                organisation is not None
                and place is not None
                and name
                and kind is not None
                and leader_phone is not None
            ):
                items.append(
                    services.BranchItem(
                        row=row.number,
                        organisation=organisation,
                        unit=place,
                        name=name,
                        kind=kind,
                        leader_name=text(row.values.get("leader_name")),
                        leader_phone=leader_phone,
                        founded_on=founded_on,
                    )
                )
        return items, errors

    def check(self, *, actor, items):
        return services.branches_import_check(actor=actor, items=items)

    def commit(self, *, actor, items):
        return services.branches_import(actor=actor, items=items)

    def created_header(self):
        return [
            _("Row"),
            _("ID"),
            _("Branch name"),
            _("Kind"),
            _("Organisation"),
            _("Location code"),
            _("Located in"),
        ]

    def created_rows(self, items, objects: list[Branch]):
        for item, branch in zip(items, objects, strict=True):
            yield [
                item.row,
                branch.pk,
                branch.name,
                branch.get_kind_display(),
                item.organisation.name,
                item.unit.code,
                item.unit.name,
            ]

    def reference_sheets(self, *, actor):
        organisations = (
            Organisation.objects.visible_to(actor)
            .filter(is_active=True)
            .select_related("type", "unit")
            .order_by("path")
        )
        org_rows = (
            (o.pk, o.type.code, o.unit.code, o.name, o.unit.name)
            for o in organisations.iterator(chunk_size=2000)
        )
        places = (
            Unit.objects.visible_to(actor)
            .filter(level__in=[UnitLevel.COMMUNE, UnitLevel.VILLAGE], valid_to__isnull=True)
            .select_related("parent")
            .order_by("path")
        )
        place_rows = (
            (u.code, u.name, u.get_level_display(), u.parent.name if u.parent else "")
            for u in places.iterator(chunk_size=2000)
        )
        types = ((t.code, t.name, t.branch_label) for t in OrgType.objects.filter(is_active=True))
        kinds = [(term,) for term in choice_terms(BranchKind)]
        return [
            (
                _("Organisations"),
                [
                    _("Organisation ID"),
                    _("Organisation type code"),
                    _("Organisation unit code"),
                    _("Organisation"),
                    _("Unit"),
                ],
                org_rows,
            ),
            (_("Locations"), [_("Location code"), _("Name"), _("Level"), _("Belongs to")], place_rows),
            (
                _("Organisation types"),
                [_("Organisation type code"), _("Name"), _("Name of its branches")],
                types,
            ),
            (_("Kinds"), [_("Kind")], kinds),
        ]


IMPORTERS: dict[str, Importer] = {i.kind: i for i in (VillageImporter(), BranchImporter())}


# --- workbooks: the template and the result files ---------------------------------------------------------


def _sheet(
    workbook, title: str, header: Sequence[Any], rows: Iterable[Sequence[Any]], widths: Sequence[int] = ()
):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title=safe_sheet_title(title))
    for i, width in enumerate(widths or [20] * len(header), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F3D9D9")
    cells = []
    for title_ in header:
        cell = WriteOnlyCell(sheet, value=str(title_))
        cell.font, cell.fill = bold, fill
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append([sheet_cell(sheet, v) for v in row])
    return sheet


def _save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_bytes(importer: Importer, *, actor) -> bytes:
    """The import template: the data sheet (column names only), instructions, and reference lists."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook(write_only=True)
    header = [str(c.label) for c in importer.columns]
    sheet = _sheet(workbook, str(importer.sheet_title), header, [], [c.width for c in importer.columns])
    kind_index = next(i for i, c in enumerate(importer.columns) if c.key == "kind")
    terms = ",".join(choice_terms(importer.kind_choices))
    if len(terms) < 250:  # Excel's limit for an inline list
        validation = DataValidation(
            type="list", formula1=f'"{terms}"', allow_blank=True, showErrorMessage=False
        )
        letter = get_column_letter(kind_index + 1)
        validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        sheet.data_validations.append(validation)
    notes = [
        (_("Fill one row per record, from row 2 of the first sheet. Do not change the column names."), ""),
        (
            _(
                "The import is all or nothing: if any row has an error, nothing is imported and every error is listed."
            ),
            "",
        ),
        (
            _("At most %(max)s rows per file. CSV files must be saved as UTF-8.")
            % {"max": formats.number_format(MAX_ROWS, force_grouping=True)},
            "",
        ),
        ("", ""),
        *importer.instructions(),
    ]
    _sheet(workbook, _("Instructions"), [_("Column"), _("What to write")], notes, [40, 90])
    for title, header, rows in importer.reference_sheets(actor=actor):
        _sheet(workbook, title, header, rows, [18] + [36] * (len(header) - 1))
    return _save(workbook)


def rejected_bytes(table: Table, errors: RowErrors) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    header = [_("Row"), *table.header, _("Errors")]
    by_number = {row.number: row for row in table.rows}
    rows = (
        [number, *[text(c) for c in by_number[number].cells], " ".join(messages)]
        for number, messages in sorted(errors.items())
        if number in by_number
    )
    _sheet(workbook, _("Rejected rows"), header, rows, [8] + [20] * len(table.header) + [80])
    return _save(workbook)


def created_bytes(importer: Importer, items: list[Any], objects: list[Any]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    header = importer.created_header()
    _sheet(
        workbook, _("Created"), header, importer.created_rows(items, objects), [8] + [28] * (len(header) - 1)
    )
    return _save(workbook)
