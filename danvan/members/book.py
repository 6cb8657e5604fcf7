"""Documents of the registry: a branch's member book (PDF) and the figures workbook (xlsx)."""

from __future__ import annotations

import io
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from danvan.members import selectors
from danvan.members.pdf import BookColumn, member_book_pdf
from danvan.structure.models import Branch, OrgType, Unit


def member_book(*, actor, branch: Branch, on: date) -> bytes:
    """Sổ đoàn viên / sổ hội viên: the members of ``branch`` active at ``on`` that ``actor`` may see."""
    rows = selectors.book_memberships(actor=actor, branch=branch, on=on)
    org_type = branch.organisation.type
    label = org_type.member_label or _("members")
    columns = [
        BookColumn(_("No."), 28, "right"),
        BookColumn(_("Full name"), 150),
        BookColumn(_("Date of birth"), 62),
        BookColumn(_("Sex"), 44),
        BookColumn(_("Ethnicity"), 50),
        BookColumn(_("Religion"), 56),
        BookColumn(_("Occupation"), 80),
        BookColumn(_("Place of residence"), 130),
        BookColumn(_("Member number"), 62),
        BookColumn(_("Joined on"), 58),
        BookColumn(_("Note"), 80),
    ]
    lines = []
    for i, m in enumerate(rows, start=1):
        p = m.person
        note = ""
        if m.start_kind == "transfer_in":
            note = _("Transferred in on %(day)s") % {"day": m.joined_on.strftime("%d/%m/%Y")}
        elif m.start_kind == "rejoin":
            note = _("Re-joined")
        lines.append(
            [
                str(i),
                p.full_name,
                p.birth_display,
                p.get_sex_display(),
                p.ethnicity_name,
                p.religion_name,
                p.occupation,
                ", ".join(filter(None, [p.address, p.unit.name])),
                m.member_number,
                m.admitted_on.strftime("%d/%m/%Y"),
                note,
            ]
        )
    title = (_("Register of %(label)s") % {"label": label}).upper()
    heading = [
        branch.name,
        f"{branch.organisation.name} — {branch.unit.name}",
        _("Members on %(day)s: %(count)s") % {"day": on.strftime("%d/%m/%Y"), "count": len(lines)},
    ]
    footer = _("Dân Vận Số — printed on %(when)s") % {"when": timezone.localtime().strftime("%d/%m/%Y %H:%M")}
    return member_book_pdf(
        title=title,
        heading=heading,
        columns=columns,
        rows=lines,
        footer=footer,
        empty=_("No member in this branch on %(day)s.") % {"day": on.strftime("%d/%m/%Y")},
    )


def figures_xlsx(*, actor, unit: Unit, on: date, start: date, end: date, org_type: OrgType | None) -> bytes:
    from openpyxl import Workbook

    from danvan.members.imports import _sheet

    f = selectors.figures(actor=actor, unit=unit, on=on, start=start, end=end, org_type=org_type)
    b = selectors.breakdown(actor=actor, unit=unit, on=on, org_type=org_type)
    workbook = Workbook(write_only=True)
    place = _("Place")
    header = [
        place,
        *[t.short_name or t.name for t in f.types],
        _("Memberships"),
        _("People"),
        _("Population"),
        _("Memberships per 1,000 inhabitants"),
    ]
    rows = [
        [
            r.label,
            *[r.active.get(t.pk, 0) for t in f.types],
            r.total,
            b.persons_by_child.get(r.key, ""),
            r.population or "",
            r.per_thousand or "",
        ]
        for r in f.rows
    ]
    rows.append(
        [
            _("Total"),
            *[f.totals.active.get(t.pk, 0) for t in f.types],
            f.totals.total,
            b.total_persons,
            unit.population or "",
            f.totals.per_thousand or "",
        ]
    )
    _sheet(
        workbook,
        _("On %(day)s") % {"day": on.strftime("%d-%m-%Y")},
        header,
        rows,
        [36] + [14] * (len(header) - 1),
    )
    header = [
        place,
        _("At the start"),
        _("Joined"),
        _("Re-joined"),
        _("Transferred in"),
        _("Transferred out"),
        _("Left: over age"),
        _("Left: moved away"),
        _("Left: resigned"),
        _("Left: deceased"),
        _("Left: expelled or struck off"),
        _("At the end"),
    ]
    cols = [
        "joined",
        "rejoined",
        "transfer_in",
        "transfer_out",
        "left_over_age",
        "left_moved_away",
        "left_resigned",
        "left_deceased",
        "left_expelled",
    ]
    rows = [[r.label, r.opening, *[r.flows[c] for c in cols], r.closing] for r in [*f.rows]]
    rows.append([_("Total"), f.totals.opening, *[f.totals.flows[c] for c in cols], f.totals.closing])
    title = _("%(start)s to %(end)s") % {"start": start.strftime("%d-%m-%Y"), "end": end.strftime("%d-%m-%Y")}
    _sheet(workbook, title, header, rows, [36] + [14] * (len(header) - 1))
    breakdown = [(_("Sex"), label, n, p) for _c, label, n, p in b.by_sex]
    breakdown += [(_("Age band"), label, n, p) for _c, label, n, p in b.by_age]
    breakdown += [(_("Ethnicity"), label, n, p) for _c, label, n, p in b.by_ethnicity]
    _sheet(
        workbook,
        _("Breakdowns"),
        [_("By"), _("Group"), _("Memberships"), _("People")],
        breakdown,
        [16, 30, 14, 14],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
