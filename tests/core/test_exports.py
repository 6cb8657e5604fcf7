"""Spreadsheet cells: what users typed is never a formula, numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl

from danvan.core import exports


def test_typed_text_is_never_a_formula_and_numbers_stay_numbers():
    rows = [['=HYPERLINK("//ex.co","WO12")', Decimal("16.0"), "+84912", "Nguyễn Thị Lan", 3]]
    sheet = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(["a", "b", "c", "d", "e"], rows))).active
    cells = list(sheet.iter_rows(min_row=2, values_only=False))[0]
    assert cells[0].data_type == "s" and cells[0].value.startswith("=HYPERLINK")
    assert cells[1].data_type == "n" and cells[1].value == 16
    assert [c.value for c in cells[2:]] == ["+84912", "Nguyễn Thị Lan", 3]
    response = exports.csv_response(["a", "b", "c", "d", "e"], rows, "x")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[0].startswith("'=HYPERLINK") and row[2] == "'+84912" and row[3] == "Nguyễn Thị Lan"
    assert row[1] == "16.0" and row[4] == "3"
