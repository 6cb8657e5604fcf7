"""Export any filtered list to xlsx or csv: the same rows and columns the user sees, every page of them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from danvan.core.text import fold

FORMATS = ("xlsx", "csv")
# A cell starting with one of these is a formula to a spreadsheet ("=HYPERLINK(…)" typed as a member number):
# .xlsx cells are written as text, .csv cells get a leading apostrophe (OWASP's advice on CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    """A value as a spreadsheet cell: times in the local time zone (to the second), yes/no in words, dates
    and numbers as themselves (real dates and numbers in .xlsx)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime):
        value = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
        return value.replace(microsecond=0)
    if isinstance(value, (int, float, Decimal, date)):
        return value  # numbers stay numbers (hours "16.0" as 16), dates stay dates
    return str(value)


def _csv_cell(value: Any) -> Any:
    value = _cell(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _filename(name: str, fmt: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{slugify(fold(name)) or 'export'}-{stamp}.{fmt}"  # fold first: "đ" is "d", not dropped


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(header: Sequence[str], rows: Iterable[Sequence[Any]], name: str) -> StreamingHttpResponse:
    """Streams a UTF-8 CSV with a BOM, which Excel opens with the Vietnamese letters intact."""
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"
        yield writer.writerow(list(header))
        for row in rows:
            yield writer.writerow([_csv_cell(v) for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(name, "csv")}"'
    return response


def safe_sheet_title(title: str) -> str:
    """Excel forbids []:*?/\\ in sheet titles and allows 31 characters: "Thôn/tổ dân phố" → "Thôn-tổ dân phố"."""
    cleaned = "".join("-" if ch in "[]:*?/\\" else ch for ch in str(title)).strip("'")
    return (cleaned or "Sheet")[:31]


def text_cell(ws, value: Any) -> Any:
    """``value`` for ``ws.append``: a string that would be read as a formula ("=HYPERLINK(…)") becomes a text
    cell; anything else is returned as it is."""
    if isinstance(value, str) and value.startswith("="):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def sheet_cell(ws, value: Any) -> Any:
    """Any value for ``ws.append`` on a write-only sheet: as ``_cell`` converts it, a real date shown the
    Vietnamese way, and text never a formula. Every sheet that writes what users typed goes through this."""
    value = _cell(value)
    if isinstance(value, date):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "DD/MM/YYYY HH:MM" if isinstance(value, datetime) else "DD/MM/YYYY"
        return cell
    return text_cell(ws, value)


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]], sheet_title: str = "Dữ liệu") -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=safe_sheet_title(sheet_title))
    bold = Font(bold=True)
    header_cells = []
    for title in header:
        cell = WriteOnlyCell(ws, value=str(title))
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        ws.append([sheet_cell(ws, v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_response(header: Sequence[str], rows: Iterable[Sequence[Any]], name: str) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(header, rows), content_type=XLSX_MIME)
    response["Content-Disposition"] = f'attachment; filename="{_filename(name, "xlsx")}"'
    return response


def export_response(
    fmt: str, header: Sequence[str], rows: Iterable[Sequence[Any]], name: str
) -> HttpResponse:
    if fmt == "csv":
        return csv_response(header, rows, name)
    return xlsx_response(header, rows, name)


def _raw_values(table) -> None:
    """Date, time and yes/no columns without a ``value_``/``render_`` method of their table export the value
    itself, not django-tables2's text of it (an ISO time in UTC, "True"/"False"): ``_cell`` writes it."""
    import django_tables2 as tables

    for bound in table.columns.iterall():
        name = bound.name
        if hasattr(table, f"value_{name}") or hasattr(table, f"render_{name}"):
            continue
        column = bound.column
        if isinstance(column, (tables.DateTimeColumn, tables.DateColumn)):
            bound.value = lambda value=None, **_kw: value
        elif isinstance(column, tables.BooleanColumn) and hasattr(column, "export_value"):
            bound.value = column.export_value
        elif isinstance(column, tables.BooleanColumn):
            bound.value = column._get_bool_value


def table_export(table, fmt: str, name: str) -> HttpResponse:
    """Export a django-tables2 table (all rows of its filtered queryset, not only the current page)."""
    _raw_values(table)
    values = table.as_values(exclude_columns=getattr(table, "export_exclude", ()))
    header = next(values)
    return export_response(fmt, header, values, name)
