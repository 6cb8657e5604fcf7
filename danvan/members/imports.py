"""Excel/CSV import of members, built for files of a million rows: streamed, never loaded whole.

1. ``check``: the upload is read row by row (CSV through a strict UTF-8 decoder, .xlsx through openpyxl's
   read-only reader); each row is parsed and checked in Python against what was loaded once (the branches
   and places in the actor's scope, the eligibility rules) and written with COPY into the UNLOGGED staging
   table ``members_importrow`` — parsed values for a valid row, the cells and every reason for a rejected
   one. Then set-based SQL finds what needs the whole file or the registry: the same citizen ID twice,
   people already registered (same citizen ID), memberships that would overlap, possible duplicates by name
   and birth date. Nothing in the registry changes.
2. The user previews every row with its errors and duplicate matches, downloads the rejected rows.
3. ``commit``: in one transaction, every valid row is imported (people, memberships, their "joined"
   movements, the daily counts of the branches touched, duplicate flags), or nothing if the registry changed
   meanwhile in a way that invalidates a row.

A file that cannot be read (bad encoding, missing columns, no rows, more than the row limit) fails with a
message saying what to do, and leaves nothing behind.
"""

from __future__ import annotations

import csv
import io
import json
import operator
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from danvan.core import bulk, crypto, exports
from danvan.core.text import clean, fold
from danvan.members import citizen_id as cid
from danvan.members import counts, reference
from danvan.members.models import Education, ImportBatch, ImportRow, ImportStatus, Person, Sex
from danvan.members.services import (
    eligibility_problems,
    name_problem,
    normalise_phone,
    override_problem,
    phone_problem,
    rules_by_type,
)
from danvan.structure.models import Branch, OrgType, Unit, UnitLevel

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 20_000  # rows per COPY transaction
PROGRESS_ROWS = 2_000  # the rows checked are counted (and shown) this often, in every parsing process
MAX_ERRORS_PER_ROW = 8


def max_rows() -> int:
    return int(getattr(settings, "DANVAN_MEMBERS_IMPORT_MAX_ROWS", 1_000_000))


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message is for the user (translated)."""


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise | str
    help: Promise | str = ""
    required: bool = True
    width: int = 18


COLUMNS: tuple[Column, ...] = (
    Column("full_name", gettext_lazy("Full name"), gettext_lazy("As on the citizen ID card."), width=28),
    Column(
        "birth_date",
        gettext_lazy("Date of birth"),
        gettext_lazy("dd/mm/yyyy, or the year only (yyyy)."),
        width=14,
    ),
    Column("sex", gettext_lazy("Sex"), gettext_lazy("Nam or Nữ."), width=8),
    Column(
        "ethnicity",
        gettext_lazy("Ethnicity"),
        gettext_lazy("Optional (Kinh if empty). The name or the 2-digit code, see the sheet “Ethnicities”."),
        required=False,
        width=12,
    ),
    Column(
        "religion",
        gettext_lazy("Religion"),
        gettext_lazy("Optional (none if empty). The name or the 2-digit code, see the sheet “Religions”."),
        required=False,
        width=14,
    ),
    Column(
        "citizen_id",
        gettext_lazy("Citizen ID"),
        gettext_lazy("Optional. 12 digits; format the column as text so that Excel keeps the leading zero."),
        required=False,
        width=16,
    ),
    Column("phone", gettext_lazy("Phone"), gettext_lazy("Optional."), required=False, width=14),
    Column(
        "residence",
        gettext_lazy("Place of residence code"),
        gettext_lazy(
            "Where the person lives: a village code such as 29242-001, or a commune code (5 digits). See the sheet “Places”."
        ),
        width=16,
    ),
    Column(
        "address",
        gettext_lazy("Street address"),
        gettext_lazy("Optional: house number, street."),
        required=False,
        width=24,
    ),
    Column("occupation", gettext_lazy("Occupation"), gettext_lazy("Optional."), required=False, width=16),
    Column(
        "education",
        gettext_lazy("Education"),
        gettext_lazy("Optional, one of the levels of the sheet “Education”."),
        required=False,
        width=16,
    ),
    Column(
        "veteran",
        gettext_lazy("Veteran"),
        gettext_lazy("Optional: “x” or “có” for a veteran (needed to join the Veterans' Association)."),
        required=False,
        width=10,
    ),
    Column(
        "branch_id",
        gettext_lazy("Branch ID"),
        gettext_lazy("The number of the branch the person joins, see the sheet “Branches”."),
        width=10,
    ),
    Column(
        "member_number",
        gettext_lazy("Member number"),
        gettext_lazy("Optional: the number on the membership card."),
        required=False,
        width=14,
    ),
    Column("joined_on", gettext_lazy("Joined on"), gettext_lazy("dd/mm/yyyy."), width=12),
    Column("notes", gettext_lazy("Notes"), gettext_lazy("Optional."), required=False, width=20),
    Column(
        "override_reason",
        gettext_lazy("Reason for an exception"),
        gettext_lazy(
            "Optional: only to admit someone the organisation's rules would not (age, sex, veteran status); the reason is recorded."
        ),
        required=False,
        width=24,
    ),
)
INDEX = {c.key: i for i, c in enumerate(COLUMNS)}


def _header_key(value: Any) -> str:
    text = fold(str(value or ""))
    text = re.sub(r"\(.*?\)", " ", text)
    return " ".join(re.split(r"[^0-9a-z]+", text)).strip()


def _header_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for column in COLUMNS:
        lookup[_header_key(column.key.replace("_", " "))] = column.key
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                lookup[_header_key(str(column.label))] = column.key
    lookup.update(
        {
            "ho ten": "full_name",
            "ho va ten": "full_name",
            "so cccd": "citizen_id",
            "cccd": "citizen_id",
            "so dinh danh": "citizen_id",
            "ngay vao": "joined_on",
            "ngay vao hoi": "joined_on",
            "ngay vao doan": "joined_on",
            "so the": "member_number",
            "ma chi hoi": "branch_id",
            "so dien thoai": "phone",
            "noi cu tru": "residence",
            "ma noi o": "residence",
        }
    )
    return lookup


# --- reading: rows of cells, streamed ------------------------------------------------------------------


def _csv_message() -> str:
    return _(
        "The CSV file is not encoded in UTF-8, so its Vietnamese letters cannot be read safely. In Excel use "
        "“Save as” → “CSV UTF-8 (comma delimited)”, or upload the .xlsx file instead."
    )


def _rows_csv(fh) -> Iterator[list[Any]]:
    head = fh.read(4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise ImportFileError(_csv_message())
    fh.seek(0)
    text = io.TextIOWrapper(getattr(fh, "file", fh), encoding="utf-8-sig", errors="strict", newline="")
    try:
        first = text.readline()
        delimiter = max([",", ";", "\t"], key=first.count)
        reader = csv.reader(_chain_first(first, text), delimiter=delimiter)
        yield from reader
    except UnicodeDecodeError as exc:
        raise ImportFileError(_csv_message()) from exc
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file is malformed: %(error)s") % {"error": exc}) from exc


def _chain_first(first: str, rest) -> Iterator[str]:
    """The lines of the file, without the NUL characters that exports of older systems leave in them (text
    cannot hold one in PostgreSQL, and no cell means one): dropped like the other control characters."""
    yield first.replace("\x00", "")
    for line in rest:
        yield line.replace("\x00", "") if "\x00" in line else line


def _rows_xlsx(fh) -> Iterator[list[Any]]:
    from danvan.members import xlsx

    try:
        yield from xlsx.rows(getattr(fh, "file", fh))
    except (xlsx.XlsxError, ValueError, IndexError) as exc:
        raise ImportFileError(
            _(
                "The file could not be read as an Excel .xlsx workbook. Save it again from Excel as .xlsx, or "
                "start from the template."
            )
        ) from exc


def open_rows(fh, filename: str) -> Iterator[list[Any]]:
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return _rows_csv(fh)
    if name.endswith(".xlsx"):
        return _rows_xlsx(fh)
    raise ImportFileError(_("Unsupported file type. Accepted: %(types)s.") % {"types": ".xlsx, .csv"})


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_header(rows: Iterator[list[Any]]) -> tuple[list[str], list[int | None], int]:
    """The first non-blank row: the column names. Returns the header, per known column its position, and
    the row number of the header."""
    number = 0
    for cells in rows:
        number += 1
        if all(_blank(c) for c in cells):
            continue
        header = [clean(str(c)) if c is not None else "" for c in cells]
        lookup = _header_lookup()
        positions: list[int | None] = [None] * len(COLUMNS)
        for i, title in enumerate(header):
            key = lookup.get(_header_key(title)) if title else None
            if key is None:
                continue
            if positions[INDEX[key]] is not None:
                raise ImportFileError(
                    _("The column “%(column)s” appears twice in the first row.") % {"column": title}
                )
            positions[INDEX[key]] = i
        missing = [str(c.label) for c in COLUMNS if c.required and positions[INDEX[c.key]] is None]
        if missing:
            raise ImportFileError(
                _(
                    "Missing columns: %(missing)s. The first row must hold the column names of the template: %(expected)s."
                )
                % {"missing": ", ".join(missing), "expected": ", ".join(str(c.label) for c in COLUMNS)}
            )
        return header, positions, number
    raise ImportFileError(_("The file is empty: its first row must hold the column names of the template."))


# --- parsing one row -----------------------------------------------------------------------------------


class CellError(ValueError):
    pass


_DATE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_day(value: Any) -> date | None:
    if value.__class__ is str and len(value) == 10 and value[2] == "/" and value[5] == "/":
        try:  # the common case, dd/mm/yyyy, without a regular expression
            return date(int(value[6:]), int(value[3:5]), int(value[:2]))
        except ValueError:
            pass
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = str(value).strip()
    match = _DATE.fullmatch(raw)
    try:
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
        match = _ISO.fullmatch(raw.split(" ")[0])
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        pass
    raise CellError(_("“%(value)s” is not a date: write it as dd/mm/yyyy.") % {"value": raw[:40]})


def parse_birth(value: Any) -> tuple[date | None, int | None]:
    """A date of birth, or a year of birth alone ("1975", or 1975 from Excel)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return None, int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}\s*", value):
        return None, int(value)
    day = parse_day(value)
    return day, (day.year if day else None)


_SEX = {
    "nam": Sex.MALE,
    "m": Sex.MALE,
    "male": Sex.MALE,
    "trai": Sex.MALE,
    "nu": Sex.FEMALE,
    "f": Sex.FEMALE,
    "female": Sex.FEMALE,
    "gai": Sex.FEMALE,
}
_YES = {"x", "co", "yes", "1", "true", "ccb", "cuu chien binh", "c"}
_NO = {"", "khong", "no", "0", "false", "k"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _int(value: Any) -> int | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise CellError("")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raw = str(value).strip()
    if raw.isdigit():
        return int(raw)
    raise CellError("")


def _place_code(value: Any) -> str:
    raw = _text(value).strip()
    if raw.isdigit() and len(raw) <= 5:
        return raw.zfill(5)
    return raw


@dataclass
class Context:
    """What the parser needs, loaded once per import: the actor's branches and places, rules, today."""

    today: date
    branches: dict[int, tuple]  # id → (org_type_id, unit_path, path, name, active, may_add)
    places: dict[str, tuple[int, str]]  # village or commune code → (unit id, path)
    rules: dict
    type_names: dict[int, str]
    type_has_members: dict[int, bool]
    person_scopes: list  # scopes where the actor may add people

    def may_add_person(self, residence_path: str, branch: tuple) -> bool:
        return any(s.covers(residence_path) or s.covers(branch[1], branch[2]) for s in self.person_scopes)


def load_context(actor) -> Context:
    from danvan.core.scoping import Scope, user_scopes
    from danvan.members.selectors import branch_choices

    may_add = set(branch_choices(actor=actor, action="add").values_list("pk", flat=True))
    branches = {}
    for pk, type_id, unit_path, path, name, active in Branch.objects.visible_to(actor).values_list(
        "pk", "organisation__type_id", "unit_path", "path", "name", "is_active"
    ):
        branches[pk] = (type_id, unit_path, path, name, active, pk in may_add)
    places = {
        code: (pk, path)
        for code, pk, path in Unit.objects.visible_to(actor)
        .filter(level__in=[UnitLevel.COMMUNE, UnitLevel.VILLAGE], valid_to__isnull=True)
        .values_list("code", "pk", "path")
    }
    types = list(OrgType.objects.values_list("pk", "name", "has_members"))
    scopes = [Scope("")] if actor.is_superuser else user_scopes(actor, "members.add_person")
    return Context(
        today=timezone.localdate(),
        branches=branches,
        places=places,
        rules=rules_by_type(),
        type_names={pk: name for pk, name, _h in types},
        type_has_members={pk: h for pk, _n, h in types},
        person_scopes=scopes,
    )


class RowParser:
    """Turns the cells of one row into a staging row (parsed values) or a list of reasons."""

    def __init__(self, ctx: Context, positions: list[int | None]):
        self.ctx = ctx
        self.positions = positions
        self._names: dict[str, tuple[str, str, str | None]] = {}
        self._eth = reference.ethnicity_lookup()
        self._rel = reference.religion_lookup()
        self._edu = {}
        for value, label in Education.choices:
            for code, _n in settings.LANGUAGES:
                with translation.override(code):
                    self._edu[fold(str(label))] = value
            self._edu[fold(value.replace("_", " "))] = value
        self._edu.update(
            {
                "tieu hoc": "primary",
                "thcs": "lower_secondary",
                "thpt": "upper_secondary",
                "trung cap": "vocational",
                "cao dang": "college",
                "dai hoc": "university",
                "thac si": "postgraduate",
                "thac sy": "postgraduate",
                "tien si": "postgraduate",
                "tien sy": "postgraduate",  # "sỹ" and "sĩ" are both written
                "khong": "none",
            }
        )

        self._memo: dict[str, dict[Any, Any]] = {
            k: {} for k in ("sex", "ethnicity", "religion", "education", "veteran")
        }
        self._this_year = ctx.today.year

    def cell(self, cells: list[Any], key: str) -> Any:
        i = self.positions[INDEX[key]]
        return cells[i] if i is not None and i < len(cells) else None

    def memo(self, kind: str, value: Any, compute) -> Any:
        """Small vocabularies (sex, ethnicity…) repeat on every row: fold each spelling once."""
        table = self._memo[kind]
        try:
            return table[value]
        except KeyError:
            result = compute(fold(_text(value)).strip())
            if len(table) < 10_000:
                table[value] = result
            return result
        except TypeError:  # an unhashable cell
            return compute(fold(_text(value)).strip())

    def name(self, value: Any) -> tuple[str, str, str | None]:
        """(the name, folded, why it is no name or None); names repeat in a large file, each read once."""
        raw = _text(value)
        found = self._names.get(raw)
        if found is None:
            full = clean(raw)
            found = (full, fold(full), name_problem(full) if full else None)
            if len(self._names) < 200_000:
                self._names[raw] = found
        return found

    def parse(self, cells: list[Any]) -> tuple[dict[str, Any], list[str]]:
        ctx, cell = self.ctx, self.cell
        errors: list[str] = []
        row: dict[str, Any] = {}
        full, search, name_error = self.name(cell(cells, "full_name"))
        if not full:
            errors.append(_("The full name is required."))
        elif len(full) > 120:
            errors.append(_("The full name is too long (at most 120 characters)."))
        elif name_error:
            errors.append(name_error)
        row["full_name"], row["search_name"] = full[:120], search[:120]
        try:
            birth_date, birth_year = parse_birth(cell(cells, "birth_date"))
        except CellError as exc:
            errors.append(str(exc))
            birth_date, birth_year = None, None
        if birth_year is None and not errors:
            errors.append(_("The date of birth (or at least the year of birth) is required."))
        elif birth_year is not None and not 1900 <= birth_year <= ctx.today.year:
            errors.append(_("The year of birth must be between 1900 and this year."))
            birth_year = None
        elif birth_date is not None and birth_date > ctx.today:
            errors.append(_("The date of birth cannot be in the future."))
        row["birth_date"], row["birth_year"] = birth_date, birth_year
        sex = self.memo("sex", cell(cells, "sex"), _SEX.get)
        if sex is None:
            errors.append(
                _("The sex must be “Nam” or “Nữ”, not “%(value)s”.")
                % {"value": _text(cell(cells, "sex"))[:20]}
            )
        row["sex"] = sex or ""
        ethnicity = self.memo(
            "ethnicity", cell(cells, "ethnicity"), lambda v: self._eth.get(v) if v else reference.KINH
        )
        if ethnicity is None:
            errors.append(
                _("Unknown ethnicity “%(value)s” (see the sheet “Ethnicities”).")
                % {"value": _text(cell(cells, "ethnicity"))[:40]}
            )
        row["ethnicity"] = ethnicity or ""
        religion = self.memo(
            "religion", cell(cells, "religion"), lambda v: self._rel.get(v) if v else reference.NO_RELIGION
        )
        if religion is None:
            errors.append(
                _("Unknown religion “%(value)s” (see the sheet “Religions”).")
                % {"value": _text(cell(cells, "religion"))[:40]}
            )
        row["religion"] = religion or ""
        value = cid.normalise(cell(cells, "citizen_id"))
        row["citizen_id_enc"] = row["citizen_id_hash"] = row["citizen_id_last3"] = ""
        if value:
            try:
                info = cid.parse(value, this_year=self._this_year)
                problems = (
                    cid.disagreements(info, sex=sex, birth_year=birth_year) if sex and birth_year else []
                )
            except cid.CitizenIdError as exc:
                problems = [str(exc)]
            if problems:
                errors.extend(problems)
            else:
                row["citizen_id_enc"] = crypto.encrypt(value, context=Person.CITIZEN_ID_CONTEXT)
                row["citizen_id_hash"] = crypto.lookup_hash(value, context=Person.CITIZEN_ID_CONTEXT)
                row["citizen_id_last3"] = value[-3:]
        phone_raw = cell(cells, "phone")
        typed = None
        if isinstance(phone_raw, (int, float)) and not isinstance(phone_raw, bool):
            digits = str(int(phone_raw))
            digits = "0" + digits if len(digits) == 9 else digits
        else:
            typed = _text(phone_raw)
            digits = normalise_phone(typed)
        if problem := phone_problem(digits, typed):
            errors.append(problem)
        row["phone"] = digits[:15]
        place = ctx.places.get(_place_code(cell(cells, "residence")))
        if place is None:
            code = _text(cell(cells, "residence")).strip()
            errors.append(
                _("No village or commune with code “%(code)s” in your scope.") % {"code": code[:20]}
                if code
                else _("The place of residence code is required.")
            )
            row["unit_id"], row["unit_path"] = None, ""
        else:
            row["unit_id"], row["unit_path"] = place
        row["address"] = clean(_text(cell(cells, "address")))[:255]
        row["occupation"] = clean(_text(cell(cells, "occupation")))[:120]
        education = self.memo("education", cell(cells, "education"), lambda v: self._edu.get(v) if v else "")
        if education is None:
            errors.append(
                _("Unknown education level “%(value)s”.") % {"value": _text(cell(cells, "education"))[:40]}
            )
        row["education"] = education or ""
        vet = self.memo(
            "veteran", cell(cells, "veteran"), lambda v: True if v in _YES else False if v in _NO else None
        )
        row["veteran"] = bool(vet)
        if vet is None:
            errors.append(_("Veteran: write “x” or “có”, or leave it empty."))
        try:
            branch_id = _int(cell(cells, "branch_id"))
        except CellError:
            branch_id = None
            errors.append(
                _("The branch ID must be a number, not “%(value)s”.")
                % {"value": _text(cell(cells, "branch_id"))[:20]}
            )
        branch = ctx.branches.get(branch_id) if branch_id is not None else None
        if branch_id is None and not _blank(cell(cells, "branch_id")):
            pass
        elif branch_id is None:
            errors.append(_("The branch ID is required."))
        elif branch is None:
            errors.append(_("No branch with ID %(id)s in your scope.") % {"id": branch_id})
        elif not branch[4]:
            errors.append(_("The branch %(name)s is no longer active.") % {"name": branch[3]})
        elif not branch[5]:
            errors.append(_("You may not add members to the branch %(name)s.") % {"name": branch[3]})
        elif not ctx.type_has_members.get(branch[0]):
            errors.append(
                _("%(org)s has no individual members.") % {"org": ctx.type_names.get(branch[0], "")}
            )
        row["branch_id"] = branch_id
        row["org_type_id"] = branch[0] if branch else None
        row["branch_unit_path"], row["org_path"] = (branch[1], branch[2]) if branch else ("", "")
        if branch is not None and place is not None and not ctx.may_add_person(place[1], branch):
            errors.append(_("You may not register people living in this place."))
        row["member_number"] = clean(_text(cell(cells, "member_number")))[:30]
        try:
            joined = parse_day(cell(cells, "joined_on"))
        except CellError as exc:
            joined = None
            errors.append(str(exc))
        else:
            if joined is None:
                errors.append(_("The date of joining is required."))
            elif joined > ctx.today:
                errors.append(_("The date of joining cannot be in the future."))
            elif birth_date is not None and joined <= birth_date:
                errors.append(_("The date of joining must be after the date of birth."))
        row["joined_on"] = joined
        row["notes"] = _text(cell(cells, "notes")).strip()[:2000]
        override = clean(_text(cell(cells, "override_reason")))
        row["eligibility_override"] = ""
        if branch is not None and joined is not None and sex and birth_year and not errors:
            problems = eligibility_problems(
                ctx.rules.get(branch[0]),
                org_name=ctx.type_names.get(branch[0], ""),
                sex=sex,
                birth_date=birth_date,
                birth_year=birth_year,
                veteran=row["veteran"],
                on=joined,
            )
            if problems and not override:
                errors.extend(problems)
                errors.append(
                    _("To admit the person anyway, give the reason in the column “Reason for an exception”.")
                )
            elif problems and (problem := override_problem(override)):
                errors.extend([*problems, problem])
            elif problems:
                row["eligibility_override"] = override
        return row, errors[:MAX_ERRORS_PER_ROW]


# --- the check job -------------------------------------------------------------------------------------

STAGING_COLUMNS = [
    "batch_id",
    "row_number",
    "errors",
    "duplicate_note",
    "cells",
    "person_key",
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
    "branch_id",
    "org_type_id",
    "branch_unit_path",
    "org_path",
    "member_number",
    "joined_on",
    "notes",
    "eligibility_override",
]
_EMPTY_VALID = {"errors": "", "duplicate_note": "", "cells": None, "birth_province": ""}
as_tuple = operator.itemgetter(*STAGING_COLUMNS)


def _masked_cells(header: list[str], cells: list[Any], positions: list[int | None]) -> list[list[str]]:
    """The cells of a rejected row, by column name, with the citizen ID masked (kept for the preview and
    the rejected-rows file; the full number is never stored outside the encrypted column)."""
    id_pos = positions[INDEX["citizen_id"]]
    result = []
    for i, title in enumerate(header):
        if not title:
            continue
        value = cells[i] if i < len(cells) else None
        text = _text(value)
        if i == id_pos and text:
            text = cid.mask(cid.normalise(value))
        result.append([title, text[:200]])
    return result  # pairs, in the file's order


Progress = Callable[[int, str], None]


def _staged(
    parser: RowParser, header: list[str], positions: list[int | None], batch_id: int, number: int, cells
):
    """The staging row (a tuple of ``STAGING_COLUMNS``) of the row ``number`` of the file."""
    values, errors = parser.parse(cells)
    if errors:
        staged = dict(values)
        staged.update(
            errors="\n".join(errors),
            duplicate_note="",
            cells=json.dumps(_masked_cells(header, cells, positions), ensure_ascii=False),
        )
        for key in ("citizen_id_enc", "citizen_id_hash"):
            staged[key] = ""
    else:
        staged = {**values, **_EMPTY_VALID}
    staged["batch_id"], staged["row_number"] = batch_id, number
    staged["person_key"] = staged["citizen_id_hash"] or f"r{number}"
    staged.setdefault("birth_province", "")
    return as_tuple(staged)


def _copy_staged(rows: list[tuple]) -> None:
    with transaction.atomic():
        bulk.copy_rows(ImportRow._meta.db_table, STAGING_COLUMNS, rows)


def _too_many(limit: int) -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(max)s data rows. Split it into files of at most %(max)s rows each.")
        % {"max": formats.number_format(limit, force_grouping=True)}
    )


def _numbered(rows: Iterator[list[Any]], number: int, limit: int) -> Iterator[tuple[int, list[Any]]]:
    """(row number in the file, cells) of every non-blank row after the header; more than ``limit`` fails."""
    done = 0
    for cells in rows:
        number += 1
        if not cells or (_blank(cells[0]) and all(_blank(c) for c in cells)):
            continue
        done += 1
        if done > limit:
            raise _too_many(limit)
        yield number, cells


def parse_workers(fh, filename: str) -> int:
    """How many processes parse the file: ``DANVAN_MEMBERS_IMPORT_WORKERS`` (2 by default) for a file of a
    format in ``DANVAN_MEMBERS_IMPORT_PARALLEL_FORMATS`` (.xlsx and .csv by default) of at least
    ``DANVAN_MEMBERS_IMPORT_PARALLEL_BYTES`` (4 MB, some 40,000 rows) when the check runs outside a
    transaction (each process writes its chunks in its own connection), else 1. How the work is shared
    depends on the format (``_check_parallel``, ``_check_strided``)."""
    import multiprocessing

    workers = settings.DANVAN_MEMBERS_IMPORT_WORKERS
    threshold = int(getattr(settings, "DANVAN_MEMBERS_IMPORT_PARALLEL_BYTES", 4_000_000))
    formats_ = tuple(settings.DANVAN_MEMBERS_IMPORT_PARALLEL_FORMATS)
    if (
        workers < 2
        or not (filename or "").lower().endswith(formats_)
        or connection.in_atomic_block
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return 1
    try:
        position = fh.tell()
        size = fh.seek(0, io.SEEK_END)
        fh.seek(position)
    except (AttributeError, OSError, ValueError):
        return 1
    return workers if size >= threshold else 1


# What the parsing processes need, set by the parent just before it forks them (inherited, never pickled).
_WORKER_STATE: tuple | None = None


def _stage_chunk(chunk: list[tuple[int, list[Any]]]) -> int:
    """(In a parsing process.) Parse ``chunk`` and COPY it into the staging table in this process's own
    connection; returns how many rows were staged."""
    parser, header, positions, batch_id, counter = _WORKER_STATE
    try:
        staged = []
        for number, cells in chunk:
            staged.append(_staged(parser, header, positions, batch_id, number, cells))
            if len(staged) % PROGRESS_ROWS == 0:
                with counter.get_lock():
                    counter.value += PROGRESS_ROWS
        with counter.get_lock():
            counter.value += len(staged) % PROGRESS_ROWS
        _copy_staged(staged)
    finally:
        connection.close()  # one connection per chunk: none is left open when the pool ends its processes
    return len(chunk)


def _check_parallel(rows, parser, header, positions, batch_id, number, limit, workers, progress) -> int:
    """The file read in this process; its rows parsed and staged by ``workers`` forked processes, chunk by
    chunk (at most two chunks per process waiting, so memory stays bounded)."""
    import multiprocessing
    from collections import deque

    global _WORKER_STATE
    fork = multiprocessing.get_context("fork")
    counter = fork.Value("q", 0)  # rows checked so far by the processes, counted as they go
    connection.close()  # the children must not share this connection's socket; reopened on next use
    _WORKER_STATE = (parser, header, positions, batch_id, counter)
    done = 0
    try:
        with fork.Pool(workers) as pool:
            pending: deque = deque()

            def wait_one() -> None:
                nonlocal done
                result = pending.popleft()
                while not result.ready():
                    result.wait(1.0)
                    if progress:
                        progress(counter.value, _("Reading and checking the rows…"))
                done += result.get()
                if progress:
                    progress(counter.value, _("Reading and checking the rows…"))

            chunk: list[tuple[int, list[Any]]] = []
            for item in _numbered(rows, number, limit):
                chunk.append(item)
                if len(chunk) >= CHUNK:
                    pending.append(pool.apply_async(_stage_chunk, (chunk,)))
                    chunk = []
                    while len(pending) > 2 * workers:
                        wait_one()
            if chunk:
                pending.append(pool.apply_async(_stage_chunk, (chunk,)))
            while pending:
                wait_one()
            pool.close()
            pool.join()
    finally:
        _WORKER_STATE = None
    return done


def _fd_path(fh) -> str | None:
    """``/proc/self/fd/N`` of the file under ``fh``, or None for an in-memory file."""
    try:
        return f"/proc/self/fd/{getattr(fh, 'file', fh).fileno()}"
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None


def _own_handle(fh):
    """(In a parsing process.) A handle on the uploaded file with a position of its own: the file reopened
    through ``/proc/self/fd`` (a forked process shares its parent's file offset), or the process's own copy
    of an in-memory file."""
    path = _fd_path(fh)
    if path is None:
        raw = getattr(fh, "file", fh)
        raw.seek(0)
        return raw
    return open(path, "rb")  # closed by _stage_stride


def reopenable(fh) -> bool:
    """Whether every parsing process can read ``fh`` on its own (``_own_handle``)."""
    import os

    path = _fd_path(fh)
    return os.path.exists(path) if path else isinstance(getattr(fh, "file", fh), io.BytesIO)


def _stage_stride(k: int) -> int:
    """(In parsing process ``k``.) Read the whole file with a handle of its own, and parse and COPY (in this
    process's connection) the chunks ``k``, ``k + workers``, ``k + 2 × workers``…; returns how many rows
    were staged."""
    parser, header, positions, batch_id, fh, filename, limit, workers, counter = _WORKER_STATE
    staged = 0
    own = _own_handle(fh)
    try:
        rows = open_rows(own, filename)
        _header, _positions, number = read_header(rows)
        chunk: list[tuple] = []
        for i, (row_number, cells) in enumerate(_numbered(rows, number, limit)):
            if (i // CHUNK) % workers != k:
                continue
            chunk.append(_staged(parser, header, positions, batch_id, row_number, cells))
            if len(chunk) % PROGRESS_ROWS == 0:  # counted as checked, before the chunk's COPY
                with counter.get_lock():
                    counter.value += PROGRESS_ROWS
            if len(chunk) >= CHUNK:
                _copy_staged(chunk)
                staged += len(chunk)
                chunk = []
        if chunk:
            with counter.get_lock():
                counter.value += len(chunk) % PROGRESS_ROWS
            _copy_staged(chunk)
            staged += len(chunk)
    finally:
        own.close()
        connection.close()
    return staged


def _check_strided(fh, filename, parser, header, positions, batch_id, limit, workers, progress) -> int:
    """Every one of ``workers`` forked processes reads the whole file and parses its share of the chunks
    (``_stage_stride``): for a CSV file, whose reading is light next to its parsing, this costs less than
    passing the rows from one reading process to the others (bench/members)."""
    import multiprocessing

    global _WORKER_STATE
    fork = multiprocessing.get_context("fork")
    counter = fork.Value("q", 0)
    connection.close()  # the children must not share this connection's socket; reopened on next use
    _WORKER_STATE = (parser, header, positions, batch_id, fh, filename, limit, workers, counter)
    try:
        with fork.Pool(workers) as pool:
            results = [pool.apply_async(_stage_stride, (k,)) for k in range(workers)]
            for result in results:
                while not result.ready():
                    result.wait(1.0)
                    if progress:
                        progress(counter.value, _("Reading and checking the rows…"))
            done = sum(r.get() for r in results)  # re-raises a process's ImportFileError
            pool.close()
            pool.join()
    finally:
        _WORKER_STATE = None
    return done


def ignored_columns(header: list[str], positions: list[int | None]) -> list[str]:
    """The titles of the first row that name no column of the template: their cells are not read (a
    misspelt or split title — "Địa chỉ (số nhà" — is said to the user rather than silently dropped)."""
    used = {p for p in positions if p is not None}
    return [title for i, title in enumerate(header) if title and i not in used]


def check(batch: ImportBatch, fh, *, actor, progress: Progress | None = None) -> ImportBatch:
    """Read, parse and stage every row of ``fh`` for ``batch``, then run the set-based checks. A large file
    is parsed by several processes (``parse_workers``): each reading a CSV file for itself, or fed with the
    rows of an .xlsx file that this process reads."""
    started = time.monotonic()
    workers = parse_workers(fh, batch.filename)
    rows = open_rows(fh, batch.filename)
    header, positions, number = read_header(rows)
    batch.ignored_columns = ignored_columns(header, positions)
    ImportBatch.objects.filter(pk=batch.pk).update(ignored_columns=batch.ignored_columns)
    parser = RowParser(load_context(actor), positions)
    limit = max_rows()
    done = 0
    try:
        if workers > 1 and batch.filename.lower().endswith(".csv") and reopenable(fh):
            done = _check_strided(
                fh, batch.filename, parser, header, positions, batch.pk, limit, workers, progress
            )
        elif workers > 1:
            done = _check_parallel(
                rows, parser, header, positions, batch.pk, number, limit, workers, progress
            )
        else:
            chunk: list[tuple] = []
            for row_number, cells in _numbered(rows, number, limit):
                chunk.append(_staged(parser, header, positions, batch.pk, row_number, cells))
                done += 1
                if progress and done % PROGRESS_ROWS == 0:
                    progress(done, _("Reading and checking the rows…"))
                if len(chunk) >= CHUNK:
                    _copy_staged(chunk)
                    chunk.clear()
            if chunk:
                _copy_staged(chunk)
    except ImportFileError:
        discard_rows(batch)
        raise
    except Exception:
        discard_rows(batch)
        raise
    if done == 0:
        raise ImportFileError(_("The file has no data rows below the column names."))
    parsed_at = time.monotonic()
    if progress:
        progress(done, _("Comparing with the registry…"))
    with transaction.atomic():
        batch.registry_horizon = _registry_horizon()
        _set_based_checks(batch, actor)
        _summarise(batch)
    batch.status = ImportStatus.CHECKED
    batch.timings = {
        "read_parse_copy": round(parsed_at - started, 2),
        "set_checks": round(time.monotonic() - parsed_at, 2),
    }
    batch.save(update_fields=["status", "timings", "registry_horizon", *SUMMARY_FIELDS])
    return batch


def _registry_horizon() -> int:
    """The oldest transaction running now: whatever the registry checks that follow do not see was written by
    it or by a later transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        return cursor.fetchone()[0]


def discard_rows(batch: ImportBatch) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM members_importrow WHERE batch_id = %s", [batch.pk])


def _append_error(cursor, batch_id: int, sql_from_where: str, message_sql: str, params: list) -> int:
    cursor.execute(
        f"""
        UPDATE members_importrow r SET errors = CASE WHEN r.errors = '' THEN {message_sql}
                                                ELSE r.errors || E'\\n' || {message_sql} END
        {sql_from_where}
        """,
        params,
    )
    return cursor.rowcount


def _set_based_checks(batch: ImportBatch, actor) -> None:
    """The checks that need the whole file or the registry (SQL over the staging rows)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE members_importrow")
    _file_checks(batch)
    _registry_checks(batch, actor)
    with connection.cursor() as cursor:
        _flag_duplicates(cursor, batch.pk, actor)


def _file_checks(batch: ImportBatch) -> None:
    b = batch.pk
    with connection.cursor() as cursor:
        # The same citizen ID on several rows: one person, so the same details and different organisations.
        cursor.execute(
            """
            WITH firsts AS (
                SELECT id, row_number, citizen_id_hash, org_type_id,
                    first_value(row_number) OVER w AS first_row,
                    first_value(search_name || '|' || coalesce(birth_date::text, birth_year::text) || '|' || sex) OVER w AS first_details,
                    search_name || '|' || coalesce(birth_date::text, birth_year::text) || '|' || sex AS details,
                    row_number() OVER (PARTITION BY citizen_id_hash, org_type_id ORDER BY row_number) AS nth_in_type,
                    first_value(row_number) OVER (PARTITION BY citizen_id_hash, org_type_id ORDER BY row_number) AS first_in_type
                FROM members_importrow
                WHERE batch_id = %s AND citizen_id_hash <> '' AND errors = ''
                  AND citizen_id_hash IN (SELECT citizen_id_hash FROM members_importrow
                                          WHERE batch_id = %s AND citizen_id_hash <> '' AND errors = ''
                                          GROUP BY citizen_id_hash HAVING count(*) > 1)
                WINDOW w AS (PARTITION BY citizen_id_hash ORDER BY row_number)
            )
            SELECT id, first_row, details <> first_details, nth_in_type > 1, first_in_type
            FROM firsts WHERE row_number <> first_row
            """,
            [b, b],
        )
        problems = []
        for row_id, first_row, different, same_type, first_in_type in cursor.fetchall():
            if different:
                problems.append(
                    (
                        row_id,
                        _("Row %(row)s has the same citizen ID with a different name, date of birth or sex.")
                        % {"row": first_row},
                    )
                )
            elif same_type:
                problems.append(
                    (
                        row_id,
                        _("Row %(row)s already joins this person to the same organisation.")
                        % {"row": first_in_type},
                    )
                )
        _errors_for(cursor, problems)


def _registry_checks(batch: ImportBatch, actor, *, since: int | None = None) -> None:
    """What depends on the registry: people already registered (same citizen ID) and their memberships.
    With ``since`` (a registry horizon of an earlier comparison, whose matches the rows still hold), only the
    people written since are searched for the rows' citizen IDs: a scan of the registry's row versions instead
    of a look-up per row of the file."""
    b = batch.pk
    with connection.cursor() as cursor:
        # People already registered (same citizen ID): the membership is added to them.
        if since is None:
            cursor.execute(
                """
                UPDATE members_importrow r SET matched_person_id = p.id
                FROM members_person p
                WHERE r.batch_id = %s AND r.citizen_id_hash <> '' AND p.citizen_id_hash = r.citizen_id_hash
                  AND p.citizen_id_hash <> ''
                """,
                [b],
            )
        else:
            # A match whose person is gone (merged, deleted) or holds another citizen ID now is dropped…
            cursor.execute(
                """
                UPDATE members_importrow r SET matched_person_id = NULL
                WHERE r.batch_id = %s AND r.matched_person_id IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM members_person p
                                  WHERE p.id = r.matched_person_id AND p.citizen_id_hash = r.citizen_id_hash)
                """,
                [b],
            )
            # …and the row versions written by the horizon's transaction or later ones (``age`` of their
            # creating transaction at most the distance to the horizon; frozen versions are older) are
            # searched for the rows' citizen IDs.
            cursor.execute(
                """
                CREATE TEMPORARY TABLE members_import_recent ON COMMIT DROP AS
                SELECT id, citizen_id_hash, search_name, birth_year, birth_date, unit_path FROM members_person
                WHERE age(xmin) <= pg_current_xact_id()::text::bigint - %s
                """,
                [since],
            )
            cursor.execute("ANALYZE members_import_recent")
            cursor.execute(
                """
                UPDATE members_importrow r SET matched_person_id = p.id
                FROM members_import_recent p
                WHERE r.batch_id = %s AND r.citizen_id_hash <> '' AND p.citizen_id_hash = r.citizen_id_hash
                  AND p.citizen_id_hash <> ''
                """,
                [b],
            )
            # The people written since may also be possible duplicates of rows (the same people imported
            # without citizen IDs by another file, committed meanwhile): flagged as the check flags them.
            _flag_duplicates(cursor, b, actor, people="members_import_recent", append=True)
            cursor.execute("DROP TABLE members_import_recent")
        cursor.execute(
            "SELECT DISTINCT matched_person_id FROM members_importrow WHERE batch_id = %s AND matched_person_id IS NOT NULL",
            [b],
        )
        matched = [r[0] for r in cursor.fetchall()]
        visible: set[int] = set()
        for i in range(0, len(matched), 5000):
            part = matched[i : i + 5000]
            visible.update(Person.objects.visible_to(actor).filter(pk__in=part).values_list("pk", flat=True))
        hidden = [pk for pk in matched if pk not in visible]
        if hidden:
            _append_error(
                cursor,
                b,
                "WHERE r.batch_id = %s AND r.errors = '' AND r.matched_person_id = ANY(%s)",
                "%s",
                [
                    _("This citizen ID is already registered for a person outside your scope."),
                    _("This citizen ID is already registered for a person outside your scope."),
                    b,
                    hidden,
                ],
            )
        mismatch = _(
            "This citizen ID is already registered for %(name)s, born %(birth)s: the name or the date of birth differs."
        )
        cursor.execute(
            """
            SELECT r.id, p.full_name, coalesce(to_char(p.birth_date, 'DD/MM/YYYY'), p.birth_year::text)
            FROM members_importrow r JOIN members_person p ON p.id = r.matched_person_id
            WHERE r.batch_id = %s AND r.errors = '' AND r.matched_person_id IS NOT NULL
              AND (p.search_name <> r.search_name OR p.birth_year <> r.birth_year
                   OR (p.birth_date IS NOT NULL AND r.birth_date IS NOT NULL AND p.birth_date <> r.birth_date))
            """,
            [b],
        )
        _errors_for(
            cursor,
            [(rid, mismatch % {"name": name, "birth": birth}) for rid, name, birth in cursor.fetchall()],
        )
        cursor.execute(
            """
            SELECT DISTINCT ON (r.id) r.id, t.name, br.name, m.left_on
            FROM members_importrow r
            JOIN members_membership m ON m.person_id = r.matched_person_id AND m.org_type_id = r.org_type_id
            JOIN structure_orgtype t ON t.id = r.org_type_id
            JOIN structure_branch br ON br.id = m.branch_id
            WHERE r.batch_id = %s AND r.errors = '' AND r.matched_person_id IS NOT NULL
              AND (m.left_on IS NULL OR m.left_on > r.joined_on)
            ORDER BY r.id, m.left_on NULLS FIRST
            """,
            [b],
        )
        overlaps = []
        for rid, org, branch, left_on in cursor.fetchall():
            if left_on is None:
                overlaps.append(
                    (
                        rid,
                        _("Already an active member of %(org)s (%(branch)s).")
                        % {"org": org, "branch": branch},
                    )
                )
            else:
                overlaps.append(
                    (
                        rid,
                        _(
                            "Was a member of %(org)s (%(branch)s) until %(day)s: the date of joining must be later."
                        )
                        % {"org": org, "branch": branch, "day": left_on.strftime("%d/%m/%Y")},
                    )
                )
        _errors_for(cursor, overlaps)


def _errors_for(cursor, problems: list[tuple[int, str]]) -> None:
    if not problems:
        return
    ids = [p[0] for p in problems]
    messages = [p[1] for p in problems]
    cursor.execute(
        """
        UPDATE members_importrow r SET errors = CASE WHEN r.errors = '' THEN x.message
                                            ELSE r.errors || E'\\n' || x.message END
        FROM unnest(%s::bigint[], %s::text[]) AS x(id, message)
        WHERE r.id = x.id
        """,
        [ids, messages],
    )


_SAME_BIRTH = """
    ((a.birth_date IS NOT NULL AND b.birth_date IS NOT NULL AND a.birth_date = b.birth_date)
     OR ((a.birth_date IS NULL OR b.birth_date IS NULL)
         AND split_part(a.unit_path, '/', 2) = split_part(b.unit_path, '/', 2)))
"""


def _flag_duplicates(cursor, b: int, actor, *, people: str = "members_person", append: bool = False) -> None:
    """Possible duplicates of the new people: same folded name and year of birth, and the same date of birth
    (or, when one is unknown, the same commune); two records with citizen IDs are two people. Only pairs
    where one side has no citizen ID are searched (the index of people without one is small).

    ``people`` is the table searched: the registry, or the people written since the check; with ``append``
    what is found is added to the rows' earlier notes, and the rows of the file are not compared again."""
    cursor.execute(
        f"""
        WITH new AS (
            SELECT id, search_name, birth_year, birth_date, unit_path, citizen_id_hash FROM members_importrow
            WHERE batch_id = %(b)s AND errors = '' AND matched_person_id IS NULL
        ), pairs AS (
            SELECT a.id AS row_id, b.id AS person_id FROM new a
            JOIN {people} b ON b.search_name = a.search_name AND b.birth_year = a.birth_year
            WHERE a.citizen_id_hash = '' AND {_SAME_BIRTH}
            UNION ALL
            SELECT a.id, b.id FROM new a
            JOIN {people} b ON b.search_name = a.search_name AND b.birth_year = a.birth_year
                 AND b.citizen_id_hash = ''
            WHERE a.citizen_id_hash <> '' AND {_SAME_BIRTH}
        )
        SELECT pairs.row_id, p.id, p.full_name, coalesce(to_char(p.birth_date, 'DD/MM/YYYY'), p.birth_year::text), u.name
        FROM pairs JOIN members_person p ON p.id = pairs.person_id JOIN structure_unit u ON u.id = p.unit_id
        """,
        {"b": b},
    )
    found = cursor.fetchall()
    visible = set()
    if found:
        ids = list({r[1] for r in found})
        for i in range(0, len(ids), 5000):
            visible.update(
                Person.objects.visible_to(actor).filter(pk__in=ids[i : i + 5000]).values_list("pk", flat=True)
            )
    notes: dict[int, list[str]] = {}
    same_ids: dict[int, list[int]] = {}
    same_rows: dict[int, list[int]] = {}
    for row_id, pid, name, birth, place in found:
        same_ids.setdefault(row_id, []).append(pid)
        if pid in visible:
            notes.setdefault(row_id, []).append(
                _("May be %(name)s (born %(birth)s, %(place)s), already registered.")
                % {"name": name, "birth": birth, "place": place}
            )
        else:
            notes.setdefault(row_id, []).append(
                _("A person with the same name and date of birth is registered outside your scope.")
            )
    if not append:
        # Within the file (different rows, no shared citizen ID).
        cursor.execute(
            f"""
            WITH rows AS (
                SELECT id, row_number, person_key, search_name, birth_year, birth_date, unit_path, citizen_id_hash
                FROM members_importrow WHERE batch_id = %(b)s AND errors = ''
            ), pairs AS (
                SELECT a.id AS a_id, a.row_number AS a_row, b.id AS b_id, b.row_number AS b_row
                FROM rows a JOIN rows b ON b.search_name = a.search_name AND b.birth_year = a.birth_year
                     AND b.person_key <> a.person_key
                WHERE a.citizen_id_hash = '' AND {_SAME_BIRTH}
            )
            SELECT id, array_agg(DISTINCT other ORDER BY other)
            FROM (SELECT a_id AS id, b_row AS other FROM pairs UNION ALL SELECT b_id, a_row FROM pairs) x
            GROUP BY id
            """,
            {"b": b},
        )
        for row_id, other_rows in cursor.fetchall():
            same_rows[row_id] = other_rows[:20]
            notes.setdefault(row_id, []).append(
                _("May be the same person as row %(row)s.") % {"row": other_rows[0]}
            )
    if notes and append:
        ids = list(notes)
        cursor.execute(
            """
            UPDATE members_importrow r
            SET duplicate_note = CASE WHEN r.duplicate_note = '' THEN x.note
                                      WHEN strpos(r.duplicate_note, x.note) > 0 THEN r.duplicate_note
                                      ELSE r.duplicate_note || E'\\n' || x.note END,
                duplicate_ids = ARRAY(SELECT DISTINCT unnest(coalesce(r.duplicate_ids, '{}')
                                                             || string_to_array(x.same_ids, ',')::bigint[]))
            FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS x(id, note, same_ids)
            WHERE r.id = x.id
            """,
            [
                ids,
                ["\n".join(notes[i][:3]) for i in ids],
                [",".join(map(str, same_ids[i][:20])) for i in ids],
            ],
        )
    elif notes:
        ids = list(notes)
        cursor.execute(
            """
            UPDATE members_importrow r SET duplicate_note = x.note,
                duplicate_ids = CASE WHEN x.same_ids = '' THEN NULL ELSE string_to_array(x.same_ids, ',')::bigint[] END,
                duplicate_rows = CASE WHEN x.same_rows = '' THEN NULL ELSE string_to_array(x.same_rows, ',')::int[] END
            FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) AS x(id, note, same_ids, same_rows)
            WHERE r.id = x.id
            """,
            [
                ids,
                ["\n".join(notes[i][:3]) for i in ids],
                [",".join(map(str, same_ids.get(i, [])[:20])) for i in ids],
                [",".join(map(str, same_rows.get(i, []))) for i in ids],
            ],
        )


# The batch's counts of rows that _summarise() sets (the preview's summary).
SUMMARY_FIELDS = ["total_rows", "valid_rows", "error_rows", "duplicate_rows", "matched_rows"]


def _summarise(batch: ImportBatch) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*), count(*) FILTER (WHERE errors = ''), count(*) FILTER (WHERE errors <> ''),
                   count(*) FILTER (WHERE duplicate_note <> '' AND errors = ''),
                   count(*) FILTER (WHERE matched_person_id IS NOT NULL AND errors = '')
            FROM members_importrow WHERE batch_id = %s
            """,
            [batch.pk],
        )
        batch.total_rows, batch.valid_rows, batch.error_rows, batch.duplicate_rows, batch.matched_rows = (
            cursor.fetchone()
        )


# --- the commit job ------------------------------------------------------------------------------------


class CommitRefused(Exception):
    """The registry changed since the check; the message is for the user."""


@transaction.atomic
def commit(batch: ImportBatch, *, actor) -> dict[str, int]:
    """Import every valid staging row of ``batch`` in one transaction (or nothing)."""
    started = time.monotonic()
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    b = batch.pk
    counts.lock_all()  # serialise with other imports and movements while the counts are changed
    before = batch.valid_rows
    # The registry may have changed since the check: run the registry checks again.
    check_again(batch, actor=actor)
    rechecked = time.monotonic()
    if batch.valid_rows != before:
        raise CommitRefused(
            _(
                "The registry changed since the file was checked (%(count)s rows are no longer valid): nothing was imported. Check the file again."
            )
            % {"count": before - batch.valid_rows}
        )
    now = timezone.now()
    recorded_by = actor.pk if getattr(actor, "pk", None) else None
    with connection.cursor() as cursor:
        # One transaction that the user waits for: sorting and hashing a million staging rows in memory,
        # the trigram index's pending list merged in large batches, no wait for the WAL flush at COMMIT
        # (an import lost by a crash in the last instants is reported as not committed and can be run again).
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute("SET LOCAL gin_pending_list_limit = '64MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL jit = off")  # compiling the few large statements costs more than it saves
        set_based_refs = _references_set_based(cursor, b)
        # One new person per citizen ID (or per row without one), from its first row; ids allocated ahead in
        # the order of the citizen ID hash, and the people inserted in that order, so that the unique index of
        # the hashes (the widest, and the most random, of the people's indexes) is filled leaf after leaf
        # rather than at a random place of a table of millions per row. Memberships follow in the order of
        # their branch, for the same reason (branch, unit and organisation path indexes).
        cursor.execute("SELECT pg_get_serial_sequence('members_person', 'id')::regclass::oid")
        sequence = cursor.fetchone()[0]  # looked up once, not once per row
        cursor.execute(
            """
            CREATE TEMPORARY TABLE members_import_people ON COMMIT DROP AS
            SELECT person_key, first_row, nextval(%(seq)s::oid::regclass) AS id
            FROM (SELECT person_key, min(row_number) AS first_row
                  FROM members_importrow
                  WHERE batch_id = %(b)s AND errors = '' AND matched_person_id IS NULL
                  GROUP BY person_key ORDER BY person_key) k
            """,
            {"b": b, "seq": sequence},
        )
        cursor.execute("CREATE INDEX ON members_import_people (person_key)")
        cursor.execute("ANALYZE members_import_people")
        cursor.execute(
            """
            INSERT INTO members_person (id, full_name, search_name, birth_date, birth_year, sex, ethnicity, religion,
                citizen_id_enc, citizen_id_hash, citizen_id_last3, birth_province, phone, unit_id, unit_path, address,
                occupation, education, veteran, notes, import_batch_id, created_at, updated_at)
            SELECT p.id, r.full_name, r.search_name, r.birth_date, r.birth_year, r.sex,
                r.ethnicity, r.religion, r.citizen_id_enc, r.citizen_id_hash, r.citizen_id_last3, r.birth_province,
                r.phone, r.unit_id, r.unit_path, r.address, r.occupation, r.education, r.veteran, r.notes, %(b)s,
                %(now)s, %(now)s
            FROM members_import_people p JOIN members_importrow r ON r.batch_id = %(b)s AND r.row_number = p.first_row
            ORDER BY p.id
            """,
            {"b": b, "now": now},
        )
        new_people = cursor.rowcount
        people_at = time.monotonic()
        # The few people already registered that rows join (by citizen ID): their details, looked up by id,
        # rather than a join with the whole registry (a scan of millions of people for a few thousand).
        cursor.execute(
            """
            CREATE TEMPORARY TABLE members_import_matched ON COMMIT DROP AS
            SELECT id, search_name, sex, birth_date, birth_year, ethnicity FROM members_person
            WHERE id = ANY(ARRAY(SELECT DISTINCT matched_person_id FROM members_importrow
                                 WHERE batch_id = %s AND errors = '' AND matched_person_id IS NOT NULL))
            """,
            [b],
        )
        cursor.execute("ANALYZE members_import_matched")
        cursor.execute(
            """
            WITH ins AS (
                INSERT INTO members_membership (person_id, branch_id, org_type_id, org_path, unit_path, member_number,
                    joined_on, admitted_on, status, start_kind, end_reason, eligibility_override, search_name, sex,
                    birth_date, birth_year, ethnicity, import_batch_id, created_at)
                SELECT coalesce(r.matched_person_id, n.id), r.branch_id, r.org_type_id, r.org_path, r.branch_unit_path,
                    r.member_number, r.joined_on, r.joined_on, 'active', 'join', '', r.eligibility_override,
                    coalesce(p.search_name, r.search_name), coalesce(p.sex, r.sex), coalesce(p.birth_date, r.birth_date),
                    coalesce(p.birth_year, r.birth_year), coalesce(p.ethnicity, r.ethnicity), %(b)s, %(now)s
                FROM members_importrow r
                LEFT JOIN members_import_people n ON n.person_key = r.person_key AND r.matched_person_id IS NULL
                LEFT JOIN members_import_matched p ON p.id = r.matched_person_id
                WHERE r.batch_id = %(b)s AND r.errors = ''
                ORDER BY r.branch_id, r.row_number
                RETURNING id, person_id, branch_id, joined_on, eligibility_override, unit_path, org_path
            )
            INSERT INTO members_movement (membership_id, person_id, branch_id, kind, reason, "on", note,
                eligibility_override, unit_path, org_path, recorded_by_id, recorded_at, import_batch_id)
            SELECT id, person_id, branch_id, 'join', '', joined_on, '', eligibility_override, unit_path, org_path,
                %(user)s, %(now)s, %(b)s
            FROM ins
            """,
            {"b": b, "now": now, "user": recorded_by},
        )
        memberships = cursor.rowcount
        inserted_at = time.monotonic()
        # The daily counts' new rows refer to the branches locked above and to their organisation types.
        counts.add_imported(batch_id=b)
        counted_at = time.monotonic()
        if set_based_refs:
            cursor.execute("SET LOCAL session_replication_role = origin")
        batch.timings["commit_people"] = round(people_at - rechecked, 2)
    flagged = _flag_imported(b)
    flagged_at = time.monotonic()
    discard_rows(batch)
    with connection.cursor() as cursor:
        cursor.execute(
            "SET CONSTRAINTS ALL IMMEDIATE"
        )  # check the references now, inside the job, not at COMMIT
    batch.status = ImportStatus.COMMITTED
    batch.committed_at = timezone.now()
    batch.timings = {
        **batch.timings,
        "commit_recheck": round(rechecked - started, 2),
        "commit_insert": round(inserted_at - rechecked, 2),
        "commit_counts": round(counted_at - inserted_at, 2),
        "commit_duplicates": round(flagged_at - counted_at, 2),
        "commit_discard": round(time.monotonic() - flagged_at, 2),
    }
    batch.save(update_fields=["status", "committed_at", "timings", *SUMMARY_FIELDS])
    return {"people": new_people, "memberships": memberships, "flagged": flagged}


def _references_set_based(cursor, b: int) -> bool:
    """Check the references of the rows about to be inserted (a person's unit, a membership's branch,
    organisation type and registered person) set-based, and lock the rows referred to (FOR KEY SHARE, what a
    foreign-key check takes) until the end of the transaction; then switch the per-row foreign-key triggers off
    for the import's own inserts (``session_replication_role``, a superuser's setting, back to ``origin``
    right after). Without the right to do so, nothing changes and PostgreSQL checks every row (False)."""
    cursor.execute("SELECT current_setting('is_superuser') = 'on'")
    if not cursor.fetchone()[0]:
        return False
    checks = (
        ("structure_unit", "unit_id", "matched_person_id IS NULL"),
        ("structure_branch", "branch_id", "TRUE"),
        ("structure_orgtype", "org_type_id", "TRUE"),
        ("members_person", "matched_person_id", "matched_person_id IS NOT NULL"),
    )
    for table, column, condition in checks:
        cursor.execute(
            f"""
            WITH wanted AS (SELECT DISTINCT {column} AS id FROM members_importrow
                            WHERE batch_id = %s AND errors = '' AND {condition}),
            locked AS (SELECT t.id FROM {table} t WHERE t.id IN (SELECT id FROM wanted) FOR KEY SHARE OF t)
            SELECT count(*) FROM wanted WHERE id IS NULL OR id NOT IN (SELECT id FROM locked)
            """,
            [b],
        )
        if cursor.fetchone()[0]:
            raise CommitRefused(
                _(
                    "The registry changed since the file was checked (a branch, a place or a person was removed): nothing was imported. Check the file again."
                )
            )
    cursor.execute("SET LOCAL session_replication_role = replica")
    return True


def _flag_imported(batch_id: int) -> int:
    """Duplicate candidates for the people the import created, from what the check found (people already
    registered, other rows of the file): no new search through the registry."""
    reason = """CASE WHEN a.birth_date IS NOT NULL AND o.birth_date IS NOT NULL THEN
                    CASE WHEN split_part(a.unit_path, '/', 2) = split_part(o.unit_path, '/', 2)
                         THEN 'name_birth_commune' ELSE 'name_birth' END
                 ELSE 'name_year_commune' END"""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH pairs AS (
                SELECT n.id AS person_id, unnest(r.duplicate_ids) AS other_id
                FROM members_importrow r JOIN members_import_people n ON n.person_key = r.person_key
                WHERE r.batch_id = %(b)s AND r.errors = '' AND r.duplicate_ids IS NOT NULL
                UNION
                SELECT greatest(n.id, n2.id), least(n.id, n2.id)
                FROM members_importrow r
                JOIN members_import_people n ON n.person_key = r.person_key
                CROSS JOIN LATERAL unnest(r.duplicate_rows) AS other(row_number)
                JOIN members_importrow r2 ON r2.batch_id = r.batch_id AND r2.row_number = other.row_number
                JOIN members_import_people n2 ON n2.person_key = r2.person_key
                WHERE r.batch_id = %(b)s AND r.errors = '' AND r.duplicate_rows IS NOT NULL AND n.id <> n2.id
            )
            INSERT INTO members_duplicatecandidate (person_id, other_id, reason, status, unit_path, created_at)
            SELECT a.id, o.id, {reason}, 'open', a.unit_path, now()
            FROM pairs JOIN members_person a ON a.id = pairs.person_id JOIN members_person o ON o.id = pairs.other_id
            ON CONFLICT DO NOTHING
            """,
            {"b": batch_id},
        )
        return cursor.rowcount


# --- files for the user: the template and the rejected rows ---------------------------------------------


def _sheet(workbook, title: str, header: Sequence[Any], rows, widths: Sequence[int] = (), text_columns=()):
    """A sheet with a bold header; ``text_columns`` (0-based) are formatted as text (set before the first
    row: a write-only sheet writes its columns with it)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title=str(title)[:31])
    for i, width in enumerate(widths or [20] * len(header), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    for i in text_columns:
        sheet.column_dimensions[get_column_letter(i + 1)].number_format = "@"
    sheet.freeze_panes = "A2"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="F3D9D9")
    cells = []
    for title_ in header:
        cell = WriteOnlyCell(sheet, value=str(title_))
        cell.font, cell.fill = bold, fill
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        sheet.append([exports.sheet_cell(sheet, v) for v in row])
    return sheet


def template_bytes(*, actor) -> bytes:
    from openpyxl import Workbook

    from danvan.members.selectors import branch_choices, residence_choices

    workbook = Workbook(write_only=True)
    # the citizen ID and phone typed as text: Excel keeps the leading zero and all 12 digits
    _sheet(
        workbook,
        _("Members"),
        [str(c.label) for c in COLUMNS],
        [],
        [c.width for c in COLUMNS],
        text_columns=(INDEX["citizen_id"], INDEX["phone"]),
    )
    notes = [
        (
            _("Fill one row per membership, from row 2 of the first sheet. Do not change the column names."),
            "",
        ),
        (
            _(
                "A person who joins several organisations has one row per organisation, with the same citizen ID."
            ),
            "",
        ),
        (
            _(
                "Rows with errors are not imported; every other row is imported when you confirm, after the preview."
            ),
            "",
        ),
        (
            _("At most %(max)s rows per file. CSV files must be saved as UTF-8.")
            % {"max": formats.number_format(max_rows(), force_grouping=True)},
            "",
        ),
        ("", ""),
        *[(str(c.label), str(c.help)) for c in COLUMNS],
    ]
    _sheet(workbook, _("Instructions"), [_("Column"), _("What to write")], notes, [40, 100])
    branches = (
        (b.pk, b.name, b.organisation.type.name, b.unit.name)
        for b in branch_choices(actor=actor, action="add").iterator(chunk_size=2000)
    )
    _sheet(
        workbook,
        _("Branches"),
        [_("Branch ID"), _("Branch"), _("Organisation type"), _("Located in")],
        branches,
        [10, 40, 30, 30],
    )
    places = (
        (u.code, u.name, u.parent.name if u.parent else "")
        for u in residence_choices(actor=actor).iterator(chunk_size=2000)
    )
    _sheet(
        workbook,
        _("Places"),
        [_("Place of residence code"), _("Name"), _("Belongs to")],
        places,
        [16, 36, 36],
    )
    _sheet(workbook, _("Ethnicities"), [_("Code"), _("Ethnicity")], reference.ethnicity_choices(), [8, 30])
    _sheet(workbook, _("Religions"), [_("Code"), _("Religion")], reference.religion_choices(), [8, 50])
    _sheet(
        workbook, _("Education"), [_("Education")], [(str(label),) for _v, label in Education.choices], [40]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CITIZEN_ID_MASKED_NOTE = gettext_lazy(
    "The citizen ID is shown masked in this file: type it again in full before uploading the row again."
)


def _parsed_cells(row: dict[str, Any]) -> list[list[str]]:
    """The cells of a row that the parser accepted and a check of the whole file or the registry rejected
    (its raw cells were not kept): rebuilt from what was read, by the template's titles, every column of the
    template given back so that the file can be corrected and uploaded again. The citizen ID stays masked (it
    is not decrypted into a file kept on the server): the row's reasons say so (``CITIZEN_ID_MASKED_NOTE``)."""
    birth = row["birth_date"].strftime("%d/%m/%Y") if row["birth_date"] else str(row["birth_year"] or "")
    citizen_id = f"•••••••••{row['citizen_id_last3']}" if row["citizen_id_last3"] else ""
    values = {
        "full_name": row["full_name"],
        "birth_date": birth,
        "sex": "Nữ" if row["sex"] == "F" else ("Nam" if row["sex"] == "M" else ""),
        "ethnicity": reference.ethnicity_name(row["ethnicity"]) if row.get("ethnicity") else "",
        "religion": reference.religion_name(row["religion"]) if row.get("religion") else "",
        "citizen_id": citizen_id,
        "phone": row["phone"],
        "residence": row["residence"] or "",
        "address": row["address"],
        "occupation": row.get("occupation") or "",
        "education": str(Education(row["education"]).label) if row.get("education") else "",
        "veteran": "x" if row.get("veteran") else "",
        "branch_id": str(row["branch_id"] or ""),
        "member_number": row["member_number"],
        "joined_on": row["joined_on"].strftime("%d/%m/%Y") if row["joined_on"] else "",
        "notes": row["notes"],
        "override_reason": row.get("eligibility_override") or "",
    }
    return [[str(c.label), values.get(c.key, "") or ""] for c in COLUMNS]


def rejected_rows(batch: ImportBatch) -> Iterator[tuple[int, list[list[str]], str]]:
    """(row number, [column name, cell] pairs, reasons) of every rejected row, in file order (streamed)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT r.row_number, r.cells, r.errors, r.full_name, r.birth_date, r.birth_year, r.sex,
                   r.citizen_id_last3, r.phone, u.code AS residence, r.address, r.branch_id,
                   r.member_number, r.joined_on, r.notes, r.ethnicity, r.religion, r.occupation, r.education,
                   r.veteran, r.eligibility_override
            FROM members_importrow r LEFT JOIN structure_unit u ON u.id = r.unit_id
            WHERE r.batch_id = %s AND r.errors <> '' ORDER BY r.row_number
            """,
            [batch.pk],
        )
        names = [c.name for c in cursor.description]
        while True:
            part = cursor.fetchmany(2000)
            if not part:
                break
            for values in part:
                row = dict(zip(names, values, strict=True))
                cells = row["cells"]
                if isinstance(cells, str):
                    cells = json.loads(cells)
                errors = row["errors"]
                if not cells:
                    cells = _parsed_cells(row)
                    if row["citizen_id_last3"]:
                        errors = errors.rstrip("\n") + "\n" + str(CITIZEN_ID_MASKED_NOTE)
                yield row["row_number"], cells, errors


def join_reasons(errors: str) -> str:
    """A row's reasons (one a line, each a sentence) in one cell: "; " between them, the full stop of each but
    the last dropped ("The sex must be “Nam” or “Nữ”; The date of joining is required.")."""
    reasons = [r.strip() for r in errors.split("\n") if r.strip()]
    return "; ".join(
        [r[:-1] if r.endswith(".") and not r.endswith("..") else r for r in reasons[:-1]] + reasons[-1:]
    )


def rejected_bytes(batch: ImportBatch) -> bytes:
    """The rejected rows as a workbook (streamed from the staging table): row number, cells, reasons."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    rows = rejected_rows(batch)
    first = next(rows, None)
    columns = [title for title, _value in first[1]] if first else []

    def line(number, cells, errors):
        by_title = dict(cells)
        return [number, *[by_title.get(h, "") for h in columns], join_reasons(errors)]

    header = [_("Row"), *columns, _("Reasons")]

    def lines():
        if first is None:
            return
        yield line(*first)
        for item in rows:
            yield line(*item)

    _sheet(workbook, _("Rejected rows"), header, lines(), [8] + [18] * len(columns) + [90])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@transaction.atomic
def check_again(batch: ImportBatch, *, actor) -> None:
    """Run the registry checks again on a checked batch (the registry may have changed), updating the preview:
    from the batch's registry horizon on when it has one (the people written since), else from nothing."""
    since = batch.registry_horizon
    horizon = _registry_horizon()
    if since is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE members_importrow SET matched_person_id = NULL WHERE batch_id = %s AND matched_person_id IS NOT NULL",
                [batch.pk],
            )
    _registry_checks(batch, actor, since=since)
    _summarise(batch)
    batch.registry_horizon = horizon
    batch.save(update_fields=["registry_horizon", *SUMMARY_FIELDS])
