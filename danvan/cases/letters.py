"""Letters of a case (acceptance, refusal, transfer, extension, answer) as Word files in the format of
administrative documents (Decree 30/2020/NĐ-CP, appendix I): A4, margins 20/20/30/15 mm, Times New Roman,
the issuing body and the national motto side by side at the top, number and symbol, place and date, the
title, the body, "Nơi nhận" and the signature block.

An administrator may upload an edited Word file per letter; placeholders are written ``{{ name }}`` (the
page lists them). Without an upload, the built-in layout with the texts of ``data/letters.json`` is used.
"""

from __future__ import annotations

import io
import re
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from danvan.cases.models import Case, Kind, LetterKind, LetterTemplate, Status
from danvan.cases.reference import load_json

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")

PLACEHOLDERS = {
    "parent_body": "Cơ quan chủ quản (dòng trên của tiêu đề)",
    "body_name": "Tên cơ quan giải quyết (in hoa)",
    "body_name_title": "Tên cơ quan giải quyết (trong câu)",
    "place_name": "Địa danh (xã, phường của cơ quan cấp xã; tỉnh, thành phố của cơ quan cấp tỉnh)",
    "date_line": "Ngày tháng năm ban hành",
    "case_reference": "Mã hồ sơ",
    "tracking_code": "Mã tra cứu của công dân",
    "kind": "Loại đơn (khiếu nại, tố cáo, …)",
    "title": "Tóm tắt nội dung",
    "received_on": "Ngày nhận đơn",
    "accepted_on": "Ngày thụ lý",
    "resolution_due": "Hạn giải quyết",
    "resolution_basis": "Căn cứ thời hạn giải quyết",
    "addressee_name": "Họ tên người gửi đơn",
    "addressee_address": "Địa chỉ người gửi đơn",
    "refusal_reason": "Lý do không thụ lý",
    "refusal_note": "Ghi chú về lý do",
    "transfer_to": "Cơ quan nhận đơn chuyển",
    "transfer_note": "Ghi chú khi chuyển đơn",
    "extension_decision": "Số quyết định gia hạn",
    "extension_basis": "Căn cứ gia hạn",
    "extension_reason": "Lý do gia hạn",
    "complexity": "Tính chất vụ việc",
    "previous_due": "Hạn trước khi gia hạn",
    "new_due": "Hạn mới",
    "answer": "Nội dung trả lời",
    "conclusion": "Kết luận, quyết định",
    "handler_name": "Người xử lý",
    "signer_title": "Chức danh người ký",
}

FILE_STEMS = {
    LetterKind.ACCEPTANCE: "thong-bao-thu-ly",
    LetterKind.REFUSAL: "thong-bao-khong-thu-ly",
    LetterKind.TRANSFER: "phieu-chuyen-don",
    LetterKind.EXTENSION: "quyet-dinh-gia-han",
    LetterKind.ANSWER: "van-ban-tra-loi",
}


def _kind_words(case: Case) -> str:
    """The kind as written inside a sentence ("khiếu nại lần đầu")."""
    if case.kind == Kind.COMPLAINT:
        return _("second-instance complaint") if case.instance == "second" else _("first-instance complaint")
    return str(Kind(case.kind).label).lower()


def file_stem(kind: str) -> str:
    return FILE_STEMS.get(kind, "van-ban")


def letter_kinds_for(case: Case) -> list[str]:
    """The letters that fit the case at its current step."""
    kinds = []
    if case.accepted_on and case.status not in (Status.NOT_ACCEPTED, Status.TRANSFERRED):
        kinds.append(LetterKind.ACCEPTANCE)
    if case.status == Status.NOT_ACCEPTED:
        kinds.append(LetterKind.REFUSAL)
    if case.status == Status.TRANSFERRED:
        kinds.append(LetterKind.TRANSFER)
    if case.extension_count:
        kinds.append(LetterKind.EXTENSION)
    if case.status in (Status.ANSWERED, Status.CLOSED) and case.answer:
        kinds.append(LetterKind.ANSWER)
    return kinds


def date_line(d: date) -> str:
    """ "ngày 05 tháng 03 năm 2026", as dates are written in administrative documents."""
    return _("day %(day)s month %(month)s year %(year)s") % {
        "day": f"{d.day:02d}",
        "month": f"{d.month:02d}",
        "year": d.year,
    }


def _d(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "…"


def issuing_body(body, unit) -> tuple[str, str]:
    """(parent body, body) named in a document's header: the body and the one above it (its parent body, or
    the unit it belongs to); a unit's own name when no body is known."""
    if body is None:
        return "", unit.name if unit is not None else ""
    return (body.parent.name if body.parent_id else body.unit.name), body.name


def place_name(unit) -> str:
    """The place named before a document's date: its province, without "Tỉnh" / "Thành phố"."""
    from danvan.structure.models import Unit, UnitLevel

    if unit is None:
        return ""
    province = unit.path.split("/")[0]
    place = (
        Unit.objects.filter(path=f"{province}/", level=UnitLevel.PROVINCE)
        .values_list("name", flat=True)
        .first()
        or ""
    )
    for prefix in ("Tỉnh ", "Thành phố "):
        if place.startswith(prefix):
            return place[len(prefix) :]
    return place


UNIT_PREFIXES = ("Tỉnh ", "Thành phố ", "Xã ", "Phường ", "Thị trấn ", "Đặc khu ")


def document_place(unit) -> str:
    """The place named before the date of a document issued at ``unit`` (Decree 30/2020/NĐ-CP, Appendix I):
    a commune-level body writes its commune's own name ("Phú Khương, ngày …"), a province-level body its
    province's ("Vĩnh Long, ngày …"); a village counts as its commune; without "Tỉnh", "Xã", "Phường"…
    The one rule of the cases module's letters, reports and minutes."""
    from danvan.structure.models import UnitLevel

    if unit is None:
        return ""
    if unit.level == UnitLevel.VILLAGE and unit.parent_id:
        unit = unit.parent
    if unit.level != UnitLevel.COMMUNE:
        return place_name(unit)
    name = unit.name
    for prefix in UNIT_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def values_for(case: Case, *, addressee: dict, actor, extra: dict) -> dict[str, str]:
    today = timezone.localdate()
    parent_body, body_name = issuing_body(case.handling_org, case.unit)
    place = document_place(case.handling_org.unit if case.handling_org_id else case.commune or case.unit)
    extension = (case.deadline_basis.get("extensions") or [{}])[-1]
    resolution = case.deadline_basis.get("resolution", {})
    values = {
        "parent_body": parent_body.upper(),
        "body_name": body_name.upper(),
        "body_name_title": body_name,
        "place_name": place,
        "date_line": date_line(today),
        "case_reference": case.reference,
        "tracking_code": case.tracking_code,
        "kind": _kind_words(case),
        "title": case.title,
        "received_on": _d(case.received_on),
        "accepted_on": _d(case.accepted_on),
        "resolution_due": _d(case.resolution_due),
        "resolution_basis": citation(resolution.get("legal_basis", "")),
        "addressee_name": addressee.get("name") or "…………………",
        "addressee_address": addressee.get("address") or "…………………",
        "refusal_reason": str(case.get_refusal_reason_display()) if case.refusal_reason else "",
        "refusal_note": case.refusal_note,
        "transfer_to": case.transferred_to_name or "…………………",
        "transfer_note": extra.get("transfer_note", ""),
        "extension_decision": extension.get("decision", "…"),
        "extension_basis": citation(extension.get("legal_basis", "")),
        "extension_reason": extra.get("extension_reason", ""),
        "complexity": str(case.get_complexity_display()).lower(),
        "previous_due": extension.get("previous_due", "")
        and _d(date.fromisoformat(extension["previous_due"])),
        "new_due": extension.get("due", "") and _d(date.fromisoformat(extension["due"])),
        "answer": case.answer,
        "conclusion": case.conclusion,
        "handler_name": str(case.handler) if case.handler_id else "",
        "signer_title": _("HEAD OF THE BODY"),
    }
    return {k: str(v) for k, v in values.items()}


LAW = re.compile(r"^(Luật|Nghị định|Thông tư|Quyết định|Nghị quyết|Pháp lệnh)\b")


def citation(legal_basis: str) -> str:
    """What a letter to the citizen cites of a deadline's basis: the law and its article ("Luật Tố cáo 2018,
    Điều 30"), never the rule's notes to the administrators ("Không có thời hạn luật định chung… Sửa theo quy
    chế của tỉnh."): a rule without a law behind it is cited by nothing."""
    head = legal_basis.split(":", 1)[0].strip()
    return head if LAW.match(head) else ""


# a placeholder alone in brackets: the brackets go with it when it is empty ("… 21/12/2026 ()." → "… 21/12/2026.")
BRACKETED = re.compile(r" ?\(\s*\{\{\s*([a-z_]+)\s*\}\}\s*\)")


def _fill(text: str, values: dict[str, str]) -> str:
    text = BRACKETED.sub(lambda m: m.group(0) if values.get(m.group(1), "x") else "", text)
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _fill_paragraph(paragraph, values: dict[str, str]) -> None:
    """Replace placeholders even when Word split them over several runs (the first run keeps its format)."""
    runs = paragraph.runs
    text = "".join(r.text for r in runs)
    if "{{" not in text or not runs:
        return
    new = _fill(text, values)
    if new == text:
        return
    runs[0].text = new
    for run in runs[1:]:
        run.text = ""


def _fill_document(document, values: dict[str, str]) -> None:
    def paragraphs(container):
        yield from container.paragraphs
        for table in getattr(container, "tables", []):
            for row in table.rows:
                for cell in row.cells:
                    yield from paragraphs(cell)

    for p in paragraphs(document):
        _fill_paragraph(p, values)
    for section in document.sections:
        for part in (section.header, section.footer):
            for p in paragraphs(part):
                _fill_paragraph(p, values)


# --- the built-in layout (Decree 30/2020/NĐ-CP) ---------------------------------------------------------


def new_document():
    from docx import Document
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(14)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(_qn(attr), "Times New Roman")
    style.paragraph_format.space_after = Pt(6)
    return document


def _qn(name: str):
    from docx.oxml.ns import qn

    return qn(name)


def _para(
    container,
    text: str = "",
    *,
    bold=False,
    italic=False,
    size=None,
    align=None,
    upper=False,
    indent=False,
    space_after=None,
):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    p = container.add_paragraph()
    run = p.add_run(text.upper() if upper else text)
    run.bold = bold
    run.italic = italic
    if size:
        run.font.size = Pt(size)
    p.alignment = {
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
        None: WD_ALIGN_PARAGRAPH.LEFT,
    }[align]
    if indent:
        p.paragraph_format.first_line_indent = Cm(1.27)
    if space_after is not None:
        p.paragraph_format.space_after = Pt(space_after)
    return p


def _borderless(table) -> None:
    tbl_pr = table._tbl.tblPr
    from docx.oxml import OxmlElement

    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(_qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)


def official_header(document, *, parent_body: str, body_name: str, number: str, place_date: str) -> None:
    """The two columns at the top: issuing body and number (left), motto and place/date (right)."""
    from docx.shared import Mm

    table = document.add_table(rows=1, cols=2)
    _borderless(table)
    table.autofit = False
    widths = (Mm(70), Mm(95))
    for cell, width in zip(table.rows[0].cells, widths, strict=True):
        cell.width = width
    left, right = table.rows[0].cells
    left.paragraphs[0].text = ""
    _set(left.paragraphs[0], parent_body, size=13, align="center")
    _para(left, body_name, bold=True, size=13, align="center", space_after=0)
    _para(left, "———", size=10, align="center", space_after=2)
    _para(left, number, size=13, align="center", space_after=0)
    _set(right.paragraphs[0], _("SOCIALIST REPUBLIC OF VIET NAM"), bold=True, size=13, align="center")
    _para(right, _("Independence - Freedom - Happiness"), bold=True, size=14, align="center", space_after=0)
    _para(right, "———————————", size=10, align="center", space_after=2)
    _para(right, place_date, italic=True, size=14, align="center", space_after=0)


def _set(paragraph, text: str, *, bold=False, italic=False, size=None, align=None) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    if size:
        run.font.size = Pt(size)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if align == "center" else WD_ALIGN_PARAGRAPH.LEFT
    paragraph.paragraph_format.space_after = Pt(0)


def signature_block(document, *, recipients: list[str], signer_title: str) -> None:
    from docx.shared import Mm

    table = document.add_table(rows=1, cols=2)
    _borderless(table)
    for cell, width in zip(table.rows[0].cells, (Mm(80), Mm(85)), strict=True):
        cell.width = width
    left, right = table.rows[0].cells
    _set(left.paragraphs[0], _("Recipients:"), bold=True, italic=True, size=12)
    for r in recipients:
        _para(left, f"- {r}", size=11, space_after=0)
    _set(right.paragraphs[0], signer_title, bold=True, size=14, align="center")
    _para(right, _("(Signature, full name and seal)"), italic=True, size=13, align="center")


def default_template(kind: str) -> bytes:
    """The built-in letter, with its placeholders, as a Word file (what an administrator starts from)."""
    spec = load_json("letters.json")["letters"][kind]
    document = new_document()
    official_header(
        document,
        parent_body="{{ parent_body }}",
        body_name="{{ body_name }}",
        number=_("No.:       /%(symbol)s-…") % {"symbol": spec["symbol"]},
        place_date="{{ place_name }}, {{ date_line }}",
    )
    _para(document, "")
    if spec["title"]:
        _para(document, spec["title"], bold=True, size=14, align="center", space_after=0)
        _para(document, spec["subtitle"], bold=True, size=14, align="center")
    else:
        _para(document, spec["subtitle"], size=13, align=None)
    if kind in (LetterKind.ACCEPTANCE, LetterKind.REFUSAL):
        _para(document, "Kính gửi: {{ addressee_name }}", align="center")
    for text in spec["paragraphs"]:
        _para(document, text, align="justify", indent=True)
    _para(document, "")
    signature_block(document, recipients=spec["recipients"], signer_title="{{ signer_title }}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def template_bytes(kind: str) -> bytes:
    custom = LetterTemplate.objects.filter(kind=kind).first()
    if custom is not None and custom.file:
        with custom.file.open("rb") as f:
            return f.read()
    return default_template(kind)


def render(*, kind: str, case: Case, addressee: dict, actor, extra: dict) -> bytes:
    from docx import Document

    document = Document(io.BytesIO(template_bytes(kind)))
    _fill_document(document, values_for(case, addressee=addressee, actor=actor, extra=extra))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def validate_template(file) -> None:
    """An uploaded template must open as a Word file and use only known placeholders."""
    from django.core.exceptions import ValidationError
    from docx import Document

    try:
        document = Document(file)
    except Exception as exc:
        raise ValidationError(_("This is not a Word (.docx) file that can be read.")) from exc
    finally:
        file.seek(0)
    texts = []

    def collect(container):
        for p in container.paragraphs:
            texts.append("".join(r.text for r in p.runs))
        for table in getattr(container, "tables", []):
            for row in table.rows:
                for cell in row.cells:
                    collect(cell)

    collect(document)
    unknown = sorted({m.group(1) for t in texts for m in PLACEHOLDER.finditer(t)} - set(PLACEHOLDERS))
    if unknown:
        raise ValidationError(
            _("Unknown placeholders: %(names)s.") % {"names": ", ".join("{{ " + n + " }}" for n in unknown)}
        )
