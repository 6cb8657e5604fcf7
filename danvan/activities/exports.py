"""The compliance and laggards pages as spreadsheets: one sheet per table (units, organisations, cadres), or
one table as CSV."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from danvan.activities.models import CadreRole, Level
from danvan.activities.selectors import CadreRow, Compliance, OrgRow, UnitRow
from danvan.core import exports as core_exports


def _pct(value: float | None) -> Any:
    return round(value * 100, 1) if value is not None else ""


def unit_sheet(rows: Sequence[UnitRow]) -> tuple[list[str], list[list[Any]]]:
    header = [
        _("Unit"),
        _("Meetings held"),
        _("Cadre attendances"),
        _("Active branches"),
        _("Branches visited"),
        _("Branches visited (%)"),
        _("Cadres"),
        _("Cadres with a quota"),
        _("Cadres meeting the quota"),
        _("Attendances due"),
        _("Attendances counted"),
        _("Quota fulfilment (%)"),
    ]
    body = [
        [
            (_("%(unit)s (own level)") % {"unit": r.unit.name}) if r.own_level else r.unit.name,
            r.place.meetings,
            r.place.attendances,
            r.place.branches,
            r.place.visited,
            _pct(r.place.visited_share),
            r.cadres.cadres,
            r.cadres.judged,
            r.cadres.met,
            r.cadres.required,
            r.cadres.credited,
            _pct(r.cadres.rate),
        ]
        for r in rows
    ]
    return header, body


def organisation_sheet(rows: Sequence[OrgRow], first: str = "") -> tuple[list[str], list[list[Any]]]:
    header = [
        first or _("Organisation"),
        _("Unit"),
        _("Cadres"),
        _("Cadres with a quota"),
        _("Cadres meeting the quota"),
        _("Attendances"),
        _("Attendances due"),
        _("Shortfall"),
        _("Quota fulfilment (%)"),
    ]
    body = [
        [
            r.name,
            r.unit_name,
            r.cadres.cadres,
            r.cadres.judged,
            r.cadres.met,
            r.cadres.attended,
            r.cadres.required,
            r.cadres.shortfall,
            _pct(r.cadres.rate),
        ]
        for r in rows
    ]
    return header, body


def cadre_sheet(rows: Sequence[CadreRow]) -> tuple[list[str], list[list[Any]]]:
    levels, roles = dict(Level.choices), dict(CadreRole.choices)
    header = [
        _("Cadre"),
        _("Position"),
        _("Organisation"),
        _("Level"),
        _("Role"),
        _("Attended"),
        _("Due"),
        _("Whole period"),
        _("Shortfall"),
        _("Quota met"),
    ]
    body = []
    for r in rows:
        s = r.standing
        met = "" if s.met is None else (_("yes") if s.met else _("no"))
        body.append(
            [
                r.full_name,
                r.position,
                r.organisation_name,
                str(levels.get(r.level, r.level)),
                str(roles.get(r.role, r.role)),
                s.attended,
                s.due if s.due is not None else "",
                s.required if s.required is not None else "",
                s.shortfall,
                met,
            ]
        )
    return header, body


def workbook(
    sheets: Sequence[tuple[str, list[str], list[list[Any]]]], title_rows: Sequence[str] = ()
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, header, rows in sheets:
        ws = wb.create_sheet(title=core_exports.safe_sheet_title(title))
        for line in title_rows:
            cell = WriteOnlyCell(ws, value=line)
            cell.font = bold
            ws.append([cell])
        if title_rows:
            ws.append([])
        head = []
        for h in header:
            cell = WriteOnlyCell(ws, value=str(h))
            cell.font = bold
            head.append(cell)
        ws.append(head)
        for row in rows:
            ws.append([core_exports.sheet_cell(ws, v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def compliance_response(figures: Compliance, fmt: str, *, laggards: bool, part: str = "") -> HttpResponse:
    units = figures.behind_units if laggards else figures.units
    types = figures.behind_org_types if laggards else figures.org_types
    orgs = figures.behind_organisations if laggards else figures.organisations
    cadres = figures.behind_cadres if laggards else figures.cadre_rows
    sheets = [
        (_("Units"), *unit_sheet(units)),
        (_("Organisation types"), *organisation_sheet(types, first=_("Organisation type"))),
        (_("Organisations"), *organisation_sheet(orgs)),
        (_("Cadres"), *cadre_sheet(cadres)),
    ]
    kind = _("Laggards") if laggards else _("Quota compliance")
    name = f"{kind} {figures.unit.name} {figures.period.code}"
    if fmt == "csv":
        index = {"units": 0, "types": 1, "organisations": 2, "cadres": 3}.get(part, 3 if laggards else 0)
        _title, header, rows = sheets[index]
        return core_exports.csv_response(header, rows, name)
    title = f"{kind}: {figures.unit.name}, {figures.period.label}"
    response = HttpResponse(workbook(sheets, [title]), content_type=core_exports.XLSX_MIME)
    response["Content-Disposition"] = f'attachment; filename="{core_exports._filename(name, "xlsx")}"'
    return response
