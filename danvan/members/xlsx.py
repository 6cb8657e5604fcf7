"""A streaming reader of the first sheet of an .xlsx workbook, for imports of a million rows.

openpyxl's read-only mode builds an object per cell and read about 6,000 rows of 17 cells a second here; this
reader scans the sheet's XML, decompressed from the zip in chunks, with regular expressions, and yields rows
of plain values as openpyxl's ``values_only`` does (str, int, float, bool, datetime or None), several times
faster. Shared strings are loaded once (every distinct text of the file); dates are recognised from the cell
styles (built-in and custom number formats) and converted from Excel's serial numbers.
"""

from __future__ import annotations

import codecs
import html
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from xml.etree import ElementTree

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
EPOCH = datetime(1899, 12, 30)
BUILTIN_DATE_FORMATS = set(range(14, 23)) | set(range(27, 37)) | {45, 46, 47} | set(range(50, 59))
CHUNK = 1 << 20

_ROW_END = "</row>"
_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF = re.compile(r'\br="([A-Z]+)\d*"')
_TYPE = re.compile(r'\bt="(\w+)"')
_STYLE = re.compile(r'\bs="(\d+)"')
_VALUE = re.compile(r"<v>(.*?)</v>", re.S)
_TEXT = re.compile(r"<t\b[^>]*>(.*?)</t>|<t\b[^>]*/>", re.S)
_ROW_START = re.compile(r"<row\b[^>]*?(/?)>")
# The usual shape of a cell (attributes r, s, t in this order; a value or one inline text), in one match.
_CELL_FAST = re.compile(
    r'<c r="([A-Z]+)\d+"(?: s="(\d+)")?(?: t="(\w+)")?\s*(?:/>|>(?:<f>[^<]*</f>|<f\b[^>]*/>)?'
    r"(?:<v>([^<]*)</v>|<is><t(?:\s[^>]*)?>([^<]*)</t></is>)?</c>)"
)
_UNESCAPED: dict[str, str] = {}


class XlsxError(ValueError):
    pass


def _column(letters: str, cache: dict[str, int] = {}) -> int:  # noqa: B006 - a deliberate memo
    index = cache.get(letters)
    if index is None:
        index = 0
        for ch in letters:
            index = index * 26 + ord(ch) - 64
        index -= 1
        cache[letters] = index
    return index


def _unescape(text: str) -> str:
    if "&" not in text:
        return text
    value = _UNESCAPED.get(text)
    if value is None:
        value = html.unescape(text)
        if len(_UNESCAPED) < 100_000:
            _UNESCAPED[text] = value
    return value


def _first_sheet(zf: zipfile.ZipFile) -> str:
    workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    sheet = workbook.find(f"{MAIN}sheets/{MAIN}sheet")
    if sheet is None:
        raise XlsxError("no sheet")
    rel_id = sheet.get(f"{REL}id")
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{PKG_REL}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    raise XlsxError("no sheet")


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in zf.namelist():
        return []
    strings: list[str] = []
    with zf.open("xl/sharedStrings.xml") as fh:
        for _event, element in ElementTree.iterparse(fh):
            if element.tag == f"{MAIN}si":
                strings.append("".join(t.text or "" for t in element.iter(f"{MAIN}t")))
                element.clear()
    return strings


def _is_date_code(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code).lower()
    return bool(re.search(r"[dy]", code)) or ("m" in code and not re.search(r"[hs]", code))


def _date_styles(zf: zipfile.ZipFile) -> set[int]:
    if "xl/styles.xml" not in zf.namelist():
        return set()
    styles = ElementTree.fromstring(zf.read("xl/styles.xml"))
    custom = {
        int(fmt.get("numFmtId", "0")): fmt.get("formatCode", "") for fmt in styles.iter(f"{MAIN}numFmt")
    }
    xfs = styles.find(f"{MAIN}cellXfs")
    dates = set()
    for index, xf in enumerate(xfs if xfs is not None else []):
        fmt = int(xf.get("numFmtId", "0"))
        if fmt in BUILTIN_DATE_FORMATS or (fmt in custom and _is_date_code(custom[fmt])):
            dates.add(index)
    return dates


def _number(text: str, date: bool):
    if not text:
        return None
    if date:
        try:
            return EPOCH + timedelta(days=float(text))
        except (ValueError, OverflowError):
            return text
    if "." in text or "E" in text or "e" in text:
        value = float(text)
        return int(value) if value.is_integer() and abs(value) < 1e15 else value
    return int(text)


def _cells(body: str, shared: list[str], dates: set[int]) -> list:
    row: list = []
    position = 0
    end = len(body)
    while position < end:
        fast = _CELL_FAST.match(body, position)
        if fast is None:
            break
        letters, style, kind, value, inline = fast.groups()
        index = _column(letters)
        if index >= len(row):
            row.extend([None] * (index - len(row) + 1))
        position = fast.end()
        if kind == "inlineStr":
            text = inline if inline is not None else "".join(t or "" for t in _TEXT.findall(fast.group(0)))
            row[index] = _unescape(text) if text else None  # rich text has several runs; empty is blank
        elif value is None or value == "":
            continue
        elif kind is None or kind == "n":
            row[index] = _number(value, style is not None and int(style) in dates)
        elif kind == "s":
            row[index] = shared[int(value)]
        elif kind == "b":
            row[index] = value == "1"
        else:
            row[index] = _unescape(value)
    if position >= end:
        return row
    # Anything unusual from here on (attributes in another order, other elements): the general parser.
    for match in _CELL.finditer(body, position):
        attrs, inner = match.group(1), match.group(2)
        ref = _REF.search(attrs)
        index = _column(ref.group(1)) if ref else len(row)
        if index >= len(row):
            row.extend([None] * (index - len(row) + 1))
        if not inner:
            continue
        kind = _TYPE.search(attrs)
        kind = kind.group(1) if kind else "n"
        if kind == "inlineStr":
            text = "".join(t or "" for t in _TEXT.findall(inner))
            row[index] = _unescape(text) if text else None
            continue
        value = _VALUE.search(inner)
        if value is None:
            continue
        text = value.group(1)
        if kind == "s":
            row[index] = shared[int(text)]
        elif kind == "n":
            style = _STYLE.search(attrs)
            row[index] = _number(text, bool(style) and int(style.group(1)) in dates)
        elif kind == "b":
            row[index] = text == "1"
        else:  # "str" (a formula's text), "e" (an error such as #N/A)
            row[index] = _unescape(text)
    return row


def rows(fh) -> Iterator[list]:
    """Every row of the first sheet of the workbook in ``fh`` (a binary file), as lists of values; a missing
    row (skipped by the writer) is yielded as an empty list so that row numbers stay those of the sheet."""
    try:
        zf = zipfile.ZipFile(fh)
        sheet = _first_sheet(zf)
        shared = _shared_strings(zf)
        dates = _date_styles(zf)
        stream = zf.open(sheet)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError) as exc:
        raise XlsxError(str(exc)) from exc
    decoder = codecs.getincrementaldecoder("utf-8")()
    buffer = ""
    number = 0
    with zf, stream:
        while True:
            try:
                chunk = stream.read(CHUNK)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise XlsxError(str(exc)) from exc
            buffer += decoder.decode(chunk, final=not chunk)
            end = buffer.rfind(_ROW_END) if chunk else len(buffer)
            if end < 0:
                continue
            if chunk:
                end += len(_ROW_END)
            part, buffer = buffer[:end], buffer[end:]
            position = 0
            while True:
                start = _ROW_START.search(part, position)
                if start is None:
                    break
                r_attr = re.search(r'\br="(\d+)"', start.group(0))
                row_number = int(r_attr.group(1)) if r_attr else number + 1
                while number + 1 < row_number:  # rows the writer left out
                    number += 1
                    yield []
                number = row_number
                if start.group(1):  # <row .../>
                    position = start.end()
                    yield []
                    continue
                close = part.find(_ROW_END, start.end())
                if close < 0:
                    break
                yield _cells(part[start.end() : close], shared, dates)
                position = close + len(_ROW_END)
            if not chunk:
                break
