"""The Word catalogue of "Dân vận khéo" models, laid out as an administrative document (Nghị định
30/2020/NĐ-CP: A4, Times New Roman, the national motto on the right, the issuing body on the left): a table
of the models, then one section per model with its description, the problem it solved and its results."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

FONT = "Times New Roman"


def _format_number(value) -> str:
    if value is None:
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u00a0").replace(".", ",").replace("\u00a0", ".")


def catalogue_docx(
    practices: Sequence,
    *,
    issuer: str,
    place: str,
    subtitle: str = "",
    today: date | None = None,
    details: bool = True,
) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    today = today or timezone.localdate()
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(13)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.top_margin = section.bottom_margin = Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)

    def para(text="", *, bold=False, italic=False, size=13, align=None, space_after=0, cell=None):
        p = (
            cell.paragraphs[0]
            if cell is not None and not cell.paragraphs[0].text
            else (cell.add_paragraph() if cell is not None else doc.add_paragraph())
        )
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        run.font.size = Pt(size)
        run.font.name = FONT
        if align is not None:
            p.alignment = align
        p.paragraph_format.space_after = Pt(space_after)
        return p

    # Heading block: issuing body on the left, national motto on the right.
    head = doc.add_table(rows=1, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = head.rows[0].cells
    para(issuer.upper(), bold=True, size=12, align=WD_ALIGN_PARAGRAPH.CENTER, cell=left)
    para("———", size=12, align=WD_ALIGN_PARAGRAPH.CENTER, cell=left)
    para(_("SOCIALIST REPUBLIC OF VIETNAM"), bold=True, size=12, align=WD_ALIGN_PARAGRAPH.CENTER, cell=right)
    para(
        _("Independence - Freedom - Happiness"),
        bold=True,
        size=13,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        cell=right,
    )
    para(
        _("%(place)s, %(day)s %(month)s %(year)s")
        % {"place": place, "day": f"{today.day:02d}", "month": f"{today.month:02d}", "year": today.year},
        italic=True,
        size=13,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        cell=right,
    )
    para()
    para(_("CATALOGUE OF “DÂN VẬN KHÉO” MODELS"), bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    if subtitle:
        para(subtitle, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(
        _("%(n)s models") % {"n": len(practices)},
        italic=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        space_after=6,
    )

    columns = [
        (_("No."), 1.2),
        (_("Name of the model"), 6.5),
        (_("Field"), 3.2),
        (_("Level"), 1.8),
        (_("Owner"), 4.2),
        (_("Unit"), 3.2),
        (_("Status"), 2.4),
        (_("Recognition"), 3.2),
    ]
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    for cell, (title, width) in zip(table.rows[0].cells, columns, strict=True):
        cell.width = Cm(width)
        para(title, bold=True, size=11, align=WD_ALIGN_PARAGRAPH.CENTER, cell=cell)
    for i, p in enumerate(practices, start=1):
        recognition = ""
        if p.recognised_on:
            recognition = f"{p.recognition_no}, {p.recognised_on:%d/%m/%Y}"
        values = [
            str(i),
            p.name,
            p.get_field_display(),
            p.get_level_display(),
            p.owner_name,
            p.unit.name,
            p.get_status_display(),
            recognition,
        ]
        cells = table.add_row().cells
        for cell, value, (_title, width) in zip(cells, values, columns, strict=True):
            cell.width = Cm(width)
            para(value, size=11, cell=cell)

    if details:
        doc.add_page_break()
        para(
            _("DESCRIPTION OF THE MODELS"), bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=6
        )
        for i, p in enumerate(practices, start=1):
            para(f"{i}. {p.name}", bold=True, space_after=2)
            owner = f"{p.get_owner_kind_display()}: {p.owner_name}"
            para(
                f"{p.code} · {p.get_field_display()} · {p.get_level_display()} · {p.unit.name} · {owner}",
                italic=True,
                size=12,
            )
            para(
                _("Started on %(date)s; %(status)s.")
                % {"date": f"{p.started_on:%d/%m/%Y}", "status": p.get_status_display().lower()},
                size=12,
            )
            if p.problem:
                para(_("Problem it solved: %(text)s") % {"text": p.problem}, size=12)
            para(p.description, size=12)
            results = list(p.results.all())
            if results:
                para(_("Results:"), bold=True, size=12)
                for r in results:
                    measure = f" {r.measure}" if r.measure else ""
                    para(
                        f"– {r.indicator}: {_format_number(r.before)} → {_format_number(r.after)}{measure}",
                        size=12,
                    )
            if p.people_reached:
                para(_("People reached: %(n)s") % {"n": _format_number(p.people_reached)}, size=12)
            para(space_after=4)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


class _Request:
    """What the catalogue's FilterSet needs of a request (its user), for use outside a request (jobs)."""

    def __init__(self, user):
        self.user = user


def filtered_catalogue(*, actor, query):
    """The models of the catalogue that ``query`` (the list page's GET parameters) selects for ``actor``."""
    from danvan.practices.filters import PracticeFilter
    from danvan.practices.models import Practice

    qs = Practice.objects.visible_to(actor)
    origin = query.get("origin")
    if origin and str(origin).isdigit():
        qs = qs.filter(origin_id=int(origin))
    filterset = PracticeFilter(query, queryset=qs, request=_Request(actor))
    if not filterset.is_valid():
        return qs.none(), filterset
    return filterset.qs, filterset


def catalogue_for(*, actor, query, limit: int | None = None) -> tuple[bytes, int]:
    """The Word catalogue of what the list page shows for ``query``: (document, number of models)."""
    from danvan.practices import selectors

    qs, filterset = filtered_catalogue(actor=actor, query=query)
    rows = list(
        qs.select_related("unit", "organisation")
        .prefetch_related("results")
        .order_by("field", "unit__name", "name")[: limit or None]
    )
    units = selectors.scope_units(actor=actor)
    top = units[0].name if units else ""
    described = []
    for name in ("q", "field", "level", "status", "year", "recognised_year"):
        value = query.get(name)
        if value and name in filterset.form.fields:
            field = filterset.form.fields[name]
            label = dict(getattr(field, "choices", [])).get(value, value)
            described.append(f"{field.label}: {label}")
    data = catalogue_docx(
        rows,
        issuer=_("Mass-mobilisation commission, %(unit)s") % {"unit": top} if top else _("Dân Vận Số"),
        place=top,
        subtitle="; ".join(str(d) for d in described),
    )
    return data, len(rows)
