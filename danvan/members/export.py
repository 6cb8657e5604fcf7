"""The member list's export: small selections at once (the page's own export), large ones (more than
``INLINE_MAX`` rows) as a background job that streams the rows to a file with its progress, in bounded
memory (a server-side cursor, a table of ``CHUNK`` rows at a time, openpyxl's write-only workbook written to a
temporary file). Every export is written to the access log (``services.member_export_record``)."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterator
from itertools import islice
from types import SimpleNamespace
from typing import Any

from django.http import QueryDict

from danvan.core import exports
from danvan.members import selectors
from danvan.members.filters import MembershipFilter
from danvan.members.tables import MembershipTable

INLINE_MAX = 5_000
CHUNK = 2_000


def filtered(*, actor, query: QueryDict):
    """The member list's rows for ``query`` (its filters and its ``sort``), as the page filters them."""
    qs = selectors.member_list(actor=actor, sort=query.get("sort", "name"))
    filterset = MembershipFilter(query or None, queryset=qs, request=SimpleNamespace(user=actor, GET=query))
    if filterset.is_bound and not filterset.is_valid():
        return qs.none()
    return filterset.qs if filterset.is_bound else qs


def count_up_to(qs, limit: int) -> int:
    """How many rows ``qs`` has, counting no further than ``limit`` (a bounded scan, no COUNT of millions)."""
    return qs.order_by().values("pk")[:limit].count()


def table_rows(qs) -> Iterator[list[Any]]:
    """The header, then every row of ``qs`` as the list's table exports it (same columns, same values),
    read through a server-side cursor ``CHUNK`` rows at a time."""
    rows = qs.iterator(chunk_size=CHUNK)
    header_sent = False
    while chunk := list(islice(rows, CHUNK)):
        table = MembershipTable(chunk)
        exports._raw_values(table)
        values = table.as_values(exclude_columns=getattr(table, "export_exclude", ()))
        header = next(values)
        if not header_sent:
            yield header
            header_sent = True
        yield from values
    if not header_sent:
        yield next(MembershipTable([]).as_values())


def write(fmt: str, rows: Iterator[list[Any]], progress: Callable[[int], None] | None = None):
    """Write ``rows`` (the header first) to a temporary file in ``fmt``; returns the open file, at its start."""
    out = tempfile.TemporaryFile()
    done = 0

    def counted():
        nonlocal done
        for row in rows:
            yield row
            done += 1
            if progress and done % CHUNK == 0:
                progress(done)

    if fmt == "csv":
        import io

        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        text.write("\ufeff")
        writer = csv.writer(text)
        for i, row in enumerate(counted()):
            writer.writerow(list(row) if i == 0 else [exports._csv_cell(v) for v in row])
        text.flush()
        text.detach()
    else:
        _xlsx(out, counted())
    if progress:
        progress(max(done - 1, 0))
    out.seek(0)
    return out


def _xlsx(out, rows: Iterator[list[Any]]) -> None:
    """A workbook as the project's other exports are (the rejected rows, the figures): a bold frozen header
    with a filter, columns sized for their content, real dates shown dd/mm/yyyy."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=exports.safe_sheet_title("Hội viên"))
    header = next(rows, None) or []
    sheet.freeze_panes = "A2"
    for i, title in enumerate(header):
        sheet.column_dimensions[get_column_letter(i + 1)].width = WIDTHS.get(i, max(12, len(str(title)) + 4))
    bold = Font(bold=True)
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=str(title))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    last = 1
    for row in rows:
        sheet.append([exports.sheet_cell(sheet, value) for value in row])
        last += 1
    if header:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{last}"
    workbook.save(out)


# Column widths of the list's workbook, by position (name, born, sex, ethnicity, citizen ID, branch…).
WIDTHS = {0: 28, 1: 12, 2: 8, 3: 12, 4: 16, 5: 36, 6: 14, 7: 14, 8: 13, 9: 15, 10: 14, 11: 13}
