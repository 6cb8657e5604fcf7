"""Figures exported to Excel and Word, chart data for ECharts, and the minutes of a dialogue session.

Nothing here reads the database for a user: the callers pass figures and rows already read through
``visible_to``. No export contains a denouncer's identity (it is never on the case) nor citizens' contacts.
"""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from danvan.cases.selectors import Figures
from danvan.core.exports import XLSX_MIME, safe_sheet_title

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
COLUMNS = ("received", "accepted", "resolved", "on_time", "late", "open", "overdue", "collective")


def column_labels() -> list[str]:
    return [
        _("Received"),
        _("Accepted"),
        _("Resolved"),
        _("On time"),
        # Not "Late" and "Overdue": both are "Quá hạn", and the table had two columns of that name.
        _("Resolved late"),
        _("Open"),
        _("Open and overdue"),
        _("Collective"),
    ]


def chart_data(figures: Figures) -> dict:
    return {
        "months": [r["label"] for r in figures.by_month],
        "received": [r["received"] for r in figures.by_month],
        "resolved": [r["resolved"] for r in figures.by_month],
        "late": [r["late"] for r in figures.by_month],
        "kinds": [{"name": r["label"], "value": r["received"]} for r in figures.by_kind],
        "fields": [{"name": r["label"], "value": r["received"]} for r in figures.by_field[:10]],
        "labels": {"received": _("Received"), "resolved": _("Resolved"), "late": _("Late")},
    }


def _sections(figures: Figures) -> list[tuple[str, str, list[dict]]]:
    return [
        (_("By kind"), _("Kind"), figures.by_kind),
        (_("By field"), _("Field"), figures.by_field),
        (_("By unit"), _("Unit concerned"), figures.by_unit),
        (_("By month"), _("Month"), figures.by_month),
    ]


def _period(figures: Figures) -> str:
    return _("from %(start)s to %(end)s") % {
        "start": figures.start.strftime("%d/%m/%Y"),
        "end": figures.end.strftime("%d/%m/%Y"),
    }


def figures_xlsx(figures: Figures) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = safe_sheet_title(_("Summary"))
    bold = Font(bold=True)
    ws.append([_("Citizens' cases"), _period(figures)])
    ws["A1"].font = bold
    ws.append([])
    ws.append([_("Indicator"), _("Number")])
    for label, key in zip(column_labels(), COLUMNS, strict=True):
        ws.append([label, figures.totals.get(key, 0)])
    ws.append([_("Open today"), figures.open_now])
    ws.append([_("Overdue today"), figures.overdue_now])
    ws.append([_("Concluded, answer not yet sent"), figures.awaiting_answer_now])
    ws.append([_("Answers rated"), figures.satisfaction["rated"]])
    ws.append([_("Satisfaction index (%)"), figures.satisfaction["index"]])
    for title, first, rows in _sections(figures):
        sheet = wb.create_sheet(safe_sheet_title(title))
        sheet.append([first, *column_labels()])
        for cell in sheet[1]:
            cell.font = bold
        for r in rows:
            sheet.append([str(r["label"]), *[r[k] for k in COLUMNS]])
        sheet.append([_("Total"), *[figures.totals.get(k, 0) for k in COLUMNS]])
    sheet = wb.create_sheet(safe_sheet_title(_("Satisfaction")))
    sheet.append([_("Unit concerned"), _("Answers rated"), _("Satisfied"), _("Satisfaction index (%)")])
    for r in figures.satisfaction_by_unit:
        sheet.append([str(r["label"]), r["rated"], r["satisfied"], r["index"]])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


def figures_xlsx_response(figures: Figures) -> HttpResponse:
    response = HttpResponse(figures_xlsx(figures), content_type=XLSX_MIME)
    response["Content-Disposition"] = f'attachment; filename="so-lieu-don-thu-{_stamp()}.xlsx"'
    return response


def _table(document, header: list[str], rows: list[list]) -> None:
    from docx.shared import Pt

    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(str(text))
        run.bold = True
        run.font.size = Pt(11)
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = ""
            run = cell.paragraphs[0].add_run(
                _num(value) if isinstance(value, int | float) else str(value or "")
            )
            run.font.size = Pt(11)


def _num(value: int | float | None) -> str:
    """A figure as Vietnamese writes it: 1.234 and 72,1."""
    if value is None:
        return ""
    if isinstance(value, float):
        return formats.number_format(value, decimal_pos=1, force_grouping=True)
    return formats.number_format(value, force_grouping=True)


def issuer(actor, *, unit_body=None):
    """The body and unit the user reports for: the body of the widest role the user holds today; for a role
    held for a whole unit, ``unit_body(unit)`` (by default the unit's body that receives citizens' cases)."""
    from danvan.accounts.models import RoleAssignment

    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, None
    a = (
        RoleAssignment.objects.active_on(timezone.localdate())
        .filter(user=actor)
        .select_related("unit", "organisation__parent", "organisation__unit")
        .order_by("unit__depth", "id")
        .first()
    )
    if a is None:
        return None, getattr(actor, "home_unit", None)
    if a.organisation is None:  # a role held for a whole unit: its body that receives citizens' cases
        if unit_body is None:
            from danvan.cases.services import receiving_body

            unit_body = receiving_body
        return unit_body(a.unit), a.unit
    return a.organisation, a.unit


def figures_docx(figures: Figures, *, actor=None, scope: str = "") -> bytes:
    """The figures as a report in the administrative format (Decree 30/2020/NĐ-CP), issued by the body the
    user works for, dated at its seat (``letters.document_place``)."""
    from danvan.cases import letters

    document = letters.new_document()
    today = timezone.localdate()
    body, unit = issuer(actor)
    parent_body, body_name = letters.issuing_body(body, unit)
    if not body_name:
        parent_body = scope
    place = letters.document_place(body.unit if body is not None else unit)
    letters.official_header(
        document,
        parent_body=parent_body.upper(),
        body_name=body_name.upper(),
        number=_("No.:       /%(symbol)s-…") % {"symbol": "BC"},
        place_date=f"{place or '…'}, {letters.date_line(today)}",
    )
    letters._para(document, "")
    letters._para(document, _("REPORT"), bold=True, align="center", space_after=0)
    letters._para(
        document,
        _("Reception and handling of citizens' cases, %(period)s") % {"period": _period(figures)},
        bold=True,
        align="center",
    )
    t = figures.totals
    sat = figures.satisfaction
    summary = _(
        "In the period, %(received)s cases were received, of which %(accepted)s accepted; %(resolved)s were "
        "resolved (%(on_time)s on time, %(late)s late); %(collective)s were collective cases. Today "
        "%(open)s cases are open, %(overdue)s of them overdue."
    ) % {
        **{k: _num(t.get(k, 0)) for k in COLUMNS},
        "open": _num(figures.open_now),
        "overdue": _num(figures.overdue_now),
    }
    if figures.awaiting_answer_now:
        summary += " " + _(
            "%(n)s more cases are concluded but their decision or answer is not yet sent (not counted as open)."
        ) % {"n": _num(figures.awaiting_answer_now)}
    letters._para(document, summary, align="justify", indent=True)
    if sat["rated"]:
        letters._para(
            document,
            _("%(rated)s answers were rated by citizens; satisfaction index %(index)s%%.")
            % {"rated": _num(sat["rated"]), "index": _num(sat["index"])},
            align="justify",
            indent=True,
        )
    for title, first, rows in _sections(figures):
        letters._para(document, title, bold=True)
        _table(
            document,
            [first, *column_labels()],
            [[str(r["label"]), *[r[k] for k in COLUMNS]] for r in rows]
            + [[_("Total"), *[t.get(k, 0) for k in COLUMNS]]],
        )
    if figures.satisfaction_by_unit:
        letters._para(document, _("Satisfaction"), bold=True)
        _table(
            document,
            [_("Unit concerned"), _("Answers rated"), _("Satisfied"), _("Satisfaction index (%)")],
            [[r["label"], r["rated"], r["satisfied"], r["index"]] for r in figures.satisfaction_by_unit],
        )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def figures_docx_response(figures: Figures, *, actor=None, scope: str = "") -> HttpResponse:
    response = HttpResponse(figures_docx(figures, actor=actor, scope=scope), content_type=DOCX_MIME)
    response["Content-Disposition"] = f'attachment; filename="bao-cao-don-thu-{_stamp()}.docx"'
    return response


def minutes_docx(dialogue, *, questions, commitments) -> bytes:
    """The minutes of a dialogue session: who, when, where, topics, questions and answers, commitments."""
    from danvan.cases import letters

    document = letters.new_document()
    org = dialogue.organisation
    letters.official_header(
        document,
        parent_body=(org.parent.name if org and org.parent_id else dialogue.unit.name).upper(),
        body_name=(org.name if org else "").upper(),
        number=_("No.:       /%(symbol)s-…") % {"symbol": "BB"},
        place_date=f"{letters.document_place(org.unit if org else dialogue.unit) or '…'}, "
        f"{letters.date_line(dialogue.held_on)}",
    )
    letters._para(document, "")
    letters._para(document, _("MINUTES"), bold=True, align="center", space_after=0)
    letters._para(
        document, _("Dialogue session: %(title)s") % {"title": dialogue.title}, bold=True, align="center"
    )
    letters._para(
        document,
        _("Date: %(date)s. Place: %(place)s.")
        % {"date": f"{dialogue.held_on:%d/%m/%Y}", "place": dialogue.place or "…"},
        align="justify",
    )
    letters._para(document, _("Chaired by: %(chair)s.") % {"chair": dialogue.chair_name}, align="justify")
    letters._para(
        document,
        _("Participants (%(n)s people): %(who)s")
        % {"n": dialogue.participant_count, "who": dialogue.participants or "…"},
        align="justify",
    )
    if dialogue.topics:
        letters._para(document, _("Topics:"), bold=True)
        letters._para(document, dialogue.topics, align="justify", indent=True)
    if questions:
        letters._para(document, _("Questions raised by the people and answers:"), bold=True)
        for i, q in enumerate(questions, 1):
            asked = f" ({q.asked_by})" if q.asked_by else ""
            letters._para(document, f"{i}. {q.question}{asked}", align="justify", indent=True)
            if q.answer:
                by = f" — {q.answered_by}" if q.answered_by else ""
                letters._para(
                    document,
                    _("Answer%(by)s: %(answer)s") % {"by": by, "answer": q.answer},
                    italic=True,
                    align="justify",
                    indent=True,
                )
            if q.case_id:
                letters._para(
                    document,
                    _("Recorded as case %(ref)s.") % {"ref": q.case.reference},
                    italic=True,
                    indent=True,
                )
    if commitments:
        letters._para(document, _("Commitments:"), bold=True)
        _table(
            document,
            [_("No."), _("Commitment"), _("Responsible body and person"), _("Deadline"), _("Status")],
            [
                [
                    i,
                    c.text,
                    " — ".join(x for x in (c.owner_org.name if c.owner_org_id else "", c.owner_name) if x),
                    c.due_on.strftime("%d/%m/%Y"),
                    str(c.get_status_display()),
                ]
                for i, c in enumerate(commitments, 1)
            ],
        )
    if dialogue.minutes:
        letters._para(document, _("Proceedings and conclusions:"), bold=True)
        letters._para(document, dialogue.minutes, align="justify", indent=True)
    letters._para(document, "")
    letters.signature_block(
        document,
        recipients=[_("The participants;"), _("Archives.")],
        signer_title=_("CHAIR OF THE SESSION"),
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
