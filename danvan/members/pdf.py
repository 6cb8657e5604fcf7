"""A small PDF writer for tabular documents with Vietnamese text (the member book), without dependencies.

It embeds the project's own TrueType font (``static/fonts/DejaVuSans.ttf``, Bitstream Vera licence) as a
CID font with Identity-H encoding and a ToUnicode map, so that every Vietnamese letter prints and can be
copied or searched. Text is written as glyph ids; widths come from the font's ``hmtx`` table. Enough for
text, lines and shaded rectangles on A4 pages; WeasyPrint can replace it (``member_book_pdf`` is the only
entry point) if HTML layout is ever needed.
"""

from __future__ import annotations

import struct
import unicodedata
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings

FONT_PATH = Path(settings.BASE_DIR) / "danvan" / "static" / "fonts" / "DejaVuSans.ttf"
A4_LANDSCAPE = (841.89, 595.28)


@dataclass
class TrueTypeFont:
    data: bytes
    units_per_em: int
    ascent: int
    descent: int
    bbox: tuple[int, int, int, int]
    cmap: dict[int, int]
    advances: list[int]
    name: str = "DejaVuSans"

    def glyph(self, ch: str) -> int:
        return self.cmap.get(ord(ch), 0)

    def width(self, text: str, size: float) -> float:
        adv = self.advances
        last = len(adv) - 1
        return sum(adv[min(self.glyph(c), last)] for c in text) * size / self.units_per_em


def _tables(data: bytes) -> dict[str, tuple[int, int]]:
    (count,) = struct.unpack(">H", data[4:6])
    tables = {}
    for i in range(count):
        tag, _checksum, offset, length = struct.unpack(">4sIII", data[12 + 16 * i : 28 + 16 * i])
        tables[tag.decode("latin-1")] = (offset, length)
    return tables


def _cmap_format4(data: bytes, offset: int) -> dict[int, int]:
    seg_x2 = struct.unpack(">H", data[offset + 6 : offset + 8])[0]
    segs = seg_x2 // 2
    ends = struct.unpack(f">{segs}H", data[offset + 14 : offset + 14 + seg_x2])
    starts_at = offset + 16 + seg_x2
    starts = struct.unpack(f">{segs}H", data[starts_at : starts_at + seg_x2])
    deltas = struct.unpack(f">{segs}h", data[starts_at + seg_x2 : starts_at + 2 * seg_x2])
    range_at = starts_at + 2 * seg_x2
    ranges = struct.unpack(f">{segs}H", data[range_at : range_at + seg_x2])
    mapping: dict[int, int] = {}
    for i in range(segs):
        for code in range(starts[i], ends[i] + 1):
            if code == 0xFFFF:
                continue
            if ranges[i] == 0:
                gid = (code + deltas[i]) & 0xFFFF
            else:
                at = range_at + 2 * i + ranges[i] + 2 * (code - starts[i])
                (gid,) = struct.unpack(">H", data[at : at + 2])
                if gid:
                    gid = (gid + deltas[i]) & 0xFFFF
            if gid:
                mapping[code] = gid
    return mapping


@lru_cache(maxsize=2)
def load_font(path: Path = FONT_PATH) -> TrueTypeFont:
    data = path.read_bytes()
    tables = _tables(data)
    head = tables["head"][0]
    units = struct.unpack(">H", data[head + 18 : head + 20])[0]
    bbox = struct.unpack(">hhhh", data[head + 36 : head + 44])
    hhea = tables["hhea"][0]
    ascent, descent = struct.unpack(">hh", data[hhea + 4 : hhea + 8])
    (metrics,) = struct.unpack(">H", data[hhea + 34 : hhea + 36])
    hmtx = tables["hmtx"][0]
    advances = [struct.unpack(">H", data[hmtx + 4 * i : hmtx + 4 * i + 2])[0] for i in range(metrics)]
    cmap_at = tables["cmap"][0]
    (n,) = struct.unpack(">H", data[cmap_at + 2 : cmap_at + 4])
    mapping: dict[int, int] = {}
    for i in range(n):
        platform, encoding, sub = struct.unpack(">HHI", data[cmap_at + 4 + 8 * i : cmap_at + 12 + 8 * i])
        fmt = struct.unpack(">H", data[cmap_at + sub : cmap_at + sub + 2])[0]
        if fmt == 4 and (platform, encoding) in ((3, 1), (0, 3)):
            mapping = _cmap_format4(data, cmap_at + sub)
            break
    return TrueTypeFont(data, units, ascent, descent, bbox, mapping, advances)


@dataclass
class Page:
    ops: list[str] = field(default_factory=list)


class Document:
    """Pages of text, lines and rectangles in one embedded font; ``bytes()`` writes the PDF."""

    def __init__(self, *, size=A4_LANDSCAPE, title: str = "", font: TrueTypeFont | None = None):
        self.size = size
        self.title = title
        self.font = font or load_font()
        self.pages: list[Page] = []
        self.used: set[int] = set()
        self.page: Page | None = None

    def new_page(self) -> Page:
        self.page = Page()
        self.pages.append(self.page)
        return self.page

    def _hex(self, text: str) -> str:
        out = []
        for ch in unicodedata.normalize("NFC", text):
            gid = self.font.glyph(ch)
            self.used.add(ord(ch))
            out.append(f"{gid:04X}")
        return "".join(out)

    def width(self, text: str, size: float) -> float:
        return self.font.width(unicodedata.normalize("NFC", text), size)

    def fit(self, text: str, size: float, width: float) -> str:
        """``text`` cut (with "…") to fit ``width`` points."""
        text = unicodedata.normalize("NFC", text or "")
        if self.width(text, size) <= width:
            return text
        while text and self.width(text + "…", size) > width:
            text = text[:-1]
        return text + "…" if text else ""

    def text(
        self, x: float, y: float, text: str, size: float = 9, *, align: str = "left", width: float = 0
    ) -> None:
        if not text:
            return
        if align != "left":
            w = self.width(text, size)
            x += (width - w) if align == "right" else (width - w) / 2
        self.page.ops.append(f"BT /F1 {size:.2f} Tf {x:.2f} {y:.2f} Td <{self._hex(text)}> Tj ET")

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float = 0.5) -> None:
        self.page.ops.append(f"{width:.2f} w {x1:.2f} {y1:.2f} m {x2:.2f} {y2:.2f} l S")

    def rect(
        self, x: float, y: float, w: float, h: float, *, fill: float | None = None, stroke: bool = True
    ) -> None:
        if fill is not None:
            self.page.ops.append(f"{fill:.2f} g {x:.2f} {y:.2f} {w:.2f} {h:.2f} re f 0 g")
        if stroke:
            self.page.ops.append(f"0.5 w {x:.2f} {y:.2f} {w:.2f} {h:.2f} re S")

    # --- serialisation ---------------------------------------------------------------------------------

    def _widths(self) -> str:
        gids = sorted({self.font.glyph(chr(c)) for c in self.used} | {0})
        last = len(self.font.advances) - 1
        scale = 1000 / self.font.units_per_em
        return " ".join(f"{g} [{round(self.font.advances[min(g, last)] * scale)}]" for g in gids)

    def _to_unicode(self) -> bytes:
        pairs = sorted({(self.font.glyph(chr(c)), c) for c in self.used if self.font.glyph(chr(c))})
        lines = [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            "<0000> <FFFF>",
            "endcodespacerange",
        ]
        for i in range(0, len(pairs), 100):
            chunk = pairs[i : i + 100]
            lines.append(f"{len(chunk)} beginbfchar")
            lines.extend(f"<{g:04X}> <{c:04X}>" for g, c in chunk)
            lines.append("endbfchar")
        lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
        return "\n".join(lines).encode("ascii")

    def bytes(self) -> bytes:
        objects: list[bytes] = []

        def add(body: bytes) -> int:
            objects.append(body)
            return len(objects)

        def stream(data: bytes, extra: str = "") -> bytes:
            packed = zlib.compress(data, 6)
            return (
                f"<< /Length {len(packed)} /Filter /FlateDecode {extra}>>\nstream\n".encode()
                + packed
                + b"\nendstream"
            )

        font = self.font
        scale = 1000 / font.units_per_em
        font_file = add(stream(font.data, f"/Length1 {len(font.data)} "))
        descriptor = add(
            (
                f"<< /Type /FontDescriptor /FontName /{font.name} /Flags 32 /FontBBox [{' '.join(str(round(v * scale)) for v in font.bbox)}] "
                f"/ItalicAngle 0 /Ascent {round(font.ascent * scale)} /Descent {round(font.descent * scale)} "
                f"/CapHeight {round(font.ascent * scale * 0.7)} /StemV 80 /FontFile2 {font_file} 0 R >>"
            ).encode()
        )
        cid_font = add(
            (
                f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{font.name} "
                f"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                f"/FontDescriptor {descriptor} 0 R /CIDToGIDMap /Identity /DW 600 /W [{self._widths()}] >>"
            ).encode()
        )
        to_unicode = add(stream(self._to_unicode()))
        type0 = add(
            (
                f"<< /Type /Font /Subtype /Type0 /BaseFont /{font.name} /Encoding /Identity-H "
                f"/DescendantFonts [{cid_font} 0 R] /ToUnicode {to_unicode} 0 R >>"
            ).encode()
        )
        pages_id = len(objects) + 1 + 2 * len(self.pages)  # placeholder index, fixed below
        page_ids = []
        content_ids = []
        for page in self.pages:
            content_ids.append(add(stream("\n".join(page.ops).encode("ascii"))))
            page_ids.append(add(b""))  # filled once the Pages id is known
        pages_id = add(b"")
        width, height = self.size
        for pid, cid in zip(page_ids, content_ids, strict=True):
            objects[pid - 1] = (
                f"<< /Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {width:.2f} {height:.2f}] "
                f"/Resources << /Font << /F1 {type0} 0 R >> >> /Contents {cid} 0 R >>"
            ).encode()
        objects[pages_id - 1] = (
            f"<< /Type /Pages /Kids [{' '.join(f'{p} 0 R' for p in page_ids)}] /Count {len(page_ids)} >>"
        ).encode()
        info = add(
            f"<< /Title <FEFF{self.title.encode('utf-16-be').hex().upper()}> /Producer (Dan Van So) >>".encode()
        )
        catalog = add(f"<< /Type /Catalog /Pages {pages_id} 0 R >>".encode())
        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
        out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
        out += f"trailer\n<< /Size {len(objects) + 1} /Root {catalog} 0 R /Info {info} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
        return bytes(out)


# --- the member book -------------------------------------------------------------------------------------


@dataclass
class BookColumn:
    title: str
    width: float
    align: str = "left"


def _two_lines(text: str) -> list[str]:
    """A column title on two lines, broken at the space nearest its middle ("Ngày kết nạp" → "Ngày kết" /
    "nạp"); one line when it has no space."""
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    if not spaces:
        return [text]
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return [text[:cut], text[cut + 1 :]]


def column_widths(doc, columns: list[BookColumn], rows: list[list[str]], available: float, size: float):
    """Widths that fit the content: each column as wide as its longest value or the longest line of its
    title on two lines (whichever is wider), short columns (dates, numbers) never cut; when the page is too
    narrow, the widest columns share what is left equally (the longest values are then cut with "…"), and
    room to spare is shared in proportion."""
    pad = 6.0
    natural = []
    for i, c in enumerate(columns):
        need = max(doc.width(line, size) for line in _two_lines(c.title))
        for row in rows:
            if i < len(row) and row[i]:
                need = max(need, doc.width(str(row[i]), size))
        natural.append(need + pad)
    if sum(natural) <= available:
        extra = available - sum(natural)
        total = sum(natural)
        return [n + extra * n / total for n in natural]
    low, high = 0.0, max(natural)
    for _ in range(40):  # the largest cap at which the capped columns still fit
        cap = (low + high) / 2
        if sum(min(n, cap) for n in natural) <= available:
            low = cap
        else:
            high = cap
    widths = [min(n, low) for n in natural]
    spare = available - sum(widths)
    return [w + spare / len(widths) for w in widths]


def member_book_pdf(
    *,
    title: str,
    heading: list[str],
    columns: list[BookColumn],
    rows: list[list[str]],
    footer: str,
    empty: str = "",
) -> bytes:
    """A landscape A4 register: a title, heading lines, then a ruled table over as many pages as needed,
    the column titles (on two lines where needed) repeated on every page, "page n/N" at the foot; ``empty``
    is printed under the titles when there is no row."""
    doc = Document(title=title)
    width, height = doc.size
    margin, row_h, size = 28.0, 15.0, 8.5
    widths = column_widths(doc, columns, rows, width - 2 * margin, size)
    cols = [BookColumn(c.title, w, c.align) for c, w in zip(columns, widths, strict=True)]
    titles = [[c.title] if doc.width(c.title, size) <= c.width - 6 else _two_lines(c.title) for c in cols]
    head_h = row_h * max(len(t) for t in titles) if titles else row_h
    first_top = height - margin - 26 - 13 * len(heading) - 8
    other_top = height - margin - 8
    per_first = int((first_top - margin - 24 - (head_h - row_h)) // row_h)
    per_other = int((other_top - margin - 24 - (head_h - row_h)) // row_h)
    chunks = [rows[:per_first]]
    rest = rows[per_first:]
    while rest:
        chunks.append(rest[:per_other])
        rest = rest[per_other:]
    total = len(chunks)
    for index, chunk in enumerate(chunks):
        doc.new_page()
        if index == 0:
            doc.text(margin, height - margin - 14, title, 15, align="center", width=width - 2 * margin)
            y = height - margin - 32
            for line in heading:
                doc.text(margin, y, line, 10, align="center", width=width - 2 * margin)
                y -= 13
            top = first_top
        else:
            top = other_top
        # the column titles
        doc.rect(margin, top - head_h - 4, width - 2 * margin, head_h + 4, fill=0.9)
        x = margin
        for c, lines in zip(cols, titles, strict=True):
            for n, line in enumerate(lines):
                doc.text(
                    x + 3,
                    top - row_h + 1 - n * (row_h - 4),
                    doc.fit(line, size, c.width - 6),
                    size,
                    align=c.align,
                    width=c.width - 6,
                )
            x += c.width
        y = top - head_h - 4
        if not chunk and empty:
            y -= row_h + 4
            doc.text(margin, y + 6, empty, 10, align="center", width=width - 2 * margin)
        for values in chunk:
            y -= row_h
            x = margin
            for c, value in zip(cols, values, strict=False):
                doc.text(
                    x + 3,
                    y + 4.5,
                    doc.fit(str(value), size, c.width - 6),
                    size,
                    align=c.align,
                    width=c.width - 6,
                )
                x += c.width
            doc.line(margin, y, width - margin, y, 0.3)
        # vertical rules
        x = margin
        for c in [*cols, None]:
            doc.line(x, top, x, y, 0.4)
            if c is not None:
                x += c.width
        doc.line(margin, top, width - margin, top, 0.6)
        doc.text(margin, margin - 12, footer, 7.5)
        doc.text(margin, margin - 12, f"{index + 1}/{total}", 7.5, align="right", width=width - 2 * margin)
    return doc.bytes()
