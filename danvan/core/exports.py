"""Export any filtered list to xlsx or csv: the same rows and columns the user sees, every page of them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

FORMATS = ("xlsx", "csv")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, (int, float, date)):
        return value
    return str(value)


def _filename(name: str, fmt: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{slugify(name) or 'export'}-{stamp}.{fmt}"


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
            yield writer.writerow([_cell(v) for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(name, "csv")}"'
    return response


def safe_sheet_title(title: str) -> str:
    """Excel forbids []:*?/\\ in sheet titles and allows 31 characters: "Thôn/tổ dân phố" → "Thôn-tổ dân phố"."""
    cleaned = "".join("-" if ch in "[]:*?/\\" else ch for ch in str(title)).strip("'")
    return (cleaned or "Sheet")[:31]


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
        ws.append([_cell(v) for v in row])
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


def table_export(table, fmt: str, name: str) -> HttpResponse:
    """Export a django-tables2 table (all rows of its filtered queryset, not only the current page)."""
    values = table.as_values(exclude_columns=getattr(table, "export_exclude", ()))
    header = next(values)
    return export_response(fmt, header, values, name)
