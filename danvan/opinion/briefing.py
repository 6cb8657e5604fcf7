"""The weekly/monthly briefing "Báo cáo tình hình tư tưởng, dư luận xã hội": figures (a plain dict) ->
Vietnamese narrative -> Word (python-docx) and PDF (WeasyPrint with the bundled DejaVu font).

Quotes and issue titles never carry personal data (phones, e-mails, ID numbers and people's names are masked,
``privacy.mask_names`` says which names it catches; authors are never included) and
figures of groups smaller than the minimum group size are not shown."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext

from danvan.cases.letters import new_document, official_header
from danvan.opinion.privacy import mask_names, readable, strip_contacts

TITLE = "BÁO CÁO TÌNH HÌNH TƯ TƯỞNG, DƯ LUẬN XÃ HỘI"


def mask(text: str) -> str:
    """A quote or title as the briefing prints it: contact details and people's names removed, placeholders
    readable."""
    return readable(mask_names(strip_contacts(text)))


def num(value) -> str:
    """1.234 (Vietnamese thousands separator)."""
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", "X").replace(".", ",").replace("X", ".")
    return f"{int(value):,}".replace(",", ".")


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}".replace(".", ",") + "%"


def d(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def change(now: int, before: int) -> str:
    if not before:
        return "chưa có số liệu kỳ trước để so sánh"
    delta = (now - before) / before
    word = "tăng" if delta > 0 else "giảm" if delta < 0 else "không đổi"
    return (
        f"{word} {pct(abs(delta))} so với kỳ trước ({num(before)})" if delta else "không đổi so với kỳ trước"
    )


@dataclass
class Briefing:
    """``parent_body`` and ``body_name`` (the issuing body) and ``place`` (its province, without "Tỉnh") make
    the header, the same in the preview, the PDF and the Word file."""

    body_name: str
    place: str
    date: dt.date
    title: str
    period_line: str
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    parent_body: str = ""


def compose(figures: dict) -> Briefing:
    """figures: kind (weekly|monthly), start, end, body_name, parent_body, place, area (the unit reported on),
    min_group_size, totals {volume, negative, neutral, positive, reach}, previous {volume, negative}, by_field
    [{name, volume, negative}], by_unit [{name, volume, negative}], issues [{title, place, volume, negativity,
    reach, status, quotes}], forecast [{name, mean, lower, upper, total}] (expected items of the next 7 days;
    the entry with total True is over all fields), alerts [reason], proposals [text]."""
    k = figures.get("min_group_size", 5)
    kind = "tuần" if figures.get("kind", "weekly") == "weekly" else "tháng"
    start, end = figures["start"], figures["end"]
    totals, prev = figures.get("totals", {}), figures.get("previous", {})
    vol = totals.get("volume", 0) or 0
    general = []
    if vol < k:
        general.append(
            f"Trong {kind} (từ ngày {d(start)} đến ngày {d(end)}), số ý kiến ghi nhận được quá ít để công bố số liệu."
        )
    else:
        neg = totals.get("negative", 0) or 0
        general.append(
            f"Trong {kind} (từ ngày {d(start)} đến ngày {d(end)}), ghi nhận {num(vol)} ý kiến, bài viết, phản ánh "
            f"của Nhân dân, {change(vol, prev.get('volume', 0))}; trong đó {num(neg)} ý kiến tiêu cực "
            f"({pct(neg / vol)}), {num(totals.get('neutral', 0))} trung lập, {num(totals.get('positive', 0))} "
            f"tích cực; tổng lượt tiếp cận khoảng {num(totals.get('reach', 0))}."
        )
    fields = [r for r in figures.get("by_field", []) if (r.get("volume") or 0) >= k]
    if fields:
        general.append(
            "Theo lĩnh vực: "
            + "; ".join(
                f"{r['name']} {num(r['volume'])} ý kiến ({pct((r.get('negative') or 0) / r['volume'])} tiêu cực)"
                for r in fields[:8]
            )
            + "."
        )
    units = [r for r in figures.get("by_unit", []) if (r.get("volume") or 0) >= k]
    if units:
        general.append(
            "Theo địa bàn: " + "; ".join(f"{r['name']} {num(r['volume'])}" for r in units[:8]) + "."
        )
    issues = []
    for n, i in enumerate([i for i in figures.get("issues", []) if (i.get("volume") or 0) >= k][:5], 1):
        since = ""
        if (i.get("total") or 0) > i["volume"] and i.get("first_seen"):
            since = f" (tổng cộng {num(i['total'])} ý kiến từ ngày {i['first_seen']:%d/%m/%Y})"
        line = (
            f"{n}. {mask(i['title'])} ({i.get('place', '')}): {num(i['volume'])} ý kiến trong kỳ{since}, "
            f"{pct(i.get('negativity'))} tiêu cực, lượt tiếp cận {num(i.get('reach', 0))}; "
            f"tình trạng: {i.get('status', '')}."
        )
        quotes = [mask(q) for q in i.get("quotes", [])[:2]]
        if quotes:
            line += " Ý kiến tiêu biểu: " + " / ".join(f"“{q}”" for q in quotes)
        issues.append(line)
    if not issues:
        issues.append("Không có vấn đề nổi lên đủ số ý kiến để báo cáo.")
    forecast = []
    for f in figures.get("forecast", []):
        if round(f.get("mean") or 0) < k:
            continue  # a group under the minimum size
        low, high = num(round(f["lower"])), num(round(f["upper"]))
        if f.get("total"):
            forecast.insert(
                0, f"Dự báo 7 ngày tới: khoảng {num(round(f['mean']))} ý kiến (từ {low} đến {high})."
            )
        else:
            forecast.append(
                f"{f['name']}: dự kiến khoảng {num(round(f['mean']))} ý kiến trong 7 ngày tới (từ {low} đến {high})."
            )
    if figures.get("past_period"):
        forecast = ["Kỳ báo cáo đã kết thúc trước ngày lập báo cáo: không kèm dự báo."]
    forecast = forecast or ["Chưa đủ số liệu để dự báo."]
    alerts = figures.get("alerts", [])
    if alerts:
        forecast.append("Các cảnh báo trong kỳ: " + " ".join(alerts[:5]))
    proposals = figures.get("proposals") or [
        "Đề nghị các cơ quan, đơn vị được giao tiếp tục theo dõi, nắm bắt tình hình, kịp thời giải đáp, "
        "giải quyết các vấn đề Nhân dân quan tâm, không để phát sinh điểm nóng."
    ]
    return Briefing(
        body_name=figures.get("body_name", ""),
        parent_body=figures.get("parent_body", ""),
        place=figures.get("place", ""),
        date=figures.get("date") or timezone.localdate(),
        title=TITLE,
        period_line=f"({kind} từ ngày {d(start)} đến ngày {d(end)}"
        + (f", trên địa bàn {figures['area']})" if figures.get("area") else ")"),
        sections=[
            ("I. Tình hình chung", general),
            ("II. Các vấn đề nổi lên", issues),
            ("III. Dự báo", forecast),
            ("IV. Đề xuất, kiến nghị", proposals),
        ],
    )


def place_date(b: Briefing) -> str:
    return f"{b.place or '…'}, ngày {b.date.day:02d} tháng {b.date.month:02d} năm {b.date.year}"


def header(b: Briefing) -> dict[str, str]:
    """The header's lines, as the cases module's letters print them (``letters.official_header``): the body
    above and the issuing body in capitals, the motto, place and date."""
    return {
        "parent_body": b.parent_body.upper(),
        "body_name": b.body_name.upper(),
        "motto": gettext("SOCIALIST REPUBLIC OF VIET NAM"),
        "slogan": gettext("Independence - Freedom - Happiness"),
        "place_date": place_date(b),
    }


def to_docx(b: Briefing) -> bytes:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = new_document()
    h = header(b)
    official_header(
        document,
        parent_body=h["parent_body"],
        body_name=h["body_name"],
        number="",
        place_date=h["place_date"],
    )
    p = document.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run(b.title).bold = True
    p = document.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run(b.period_line).italic = True
    for heading, paragraphs in b.sections:
        document.add_paragraph().add_run(heading).bold = True
        for text in paragraphs:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def to_html(b: Briefing) -> str:
    h = {k: escape(v) for k, v in header(b).items()}
    parts = [
        '<table class="hd" style="width:100%;text-align:center"><tr>'
        f"<td>{h['parent_body']}<br><b>{h['body_name']}</b><br>———</td>"
        f"<td><b>{h['motto']}</b><br><b>{h['slogan']}</b><br>———————————<br><i>{h['place_date']}</i></td>"
        "</tr></table>",
        f'<h1>{escape(b.title)}</h1><p class="c"><i>{escape(b.period_line)}</i></p>',
    ]
    for heading, paragraphs in b.sections:
        parts.append(f"<h2>{escape(heading)}</h2>" + "".join(f"<p>{escape(t)}</p>" for t in paragraphs))
    return "".join(parts)


def to_pdf(b: Briefing) -> bytes:
    from weasyprint import HTML

    from danvan.members.pdf import FONT_PATH

    # The regular, bold and oblique faces (DejaVu Sans, Bitstream Vera licence): with the regular face alone
    # the issuing body, the motto and the title came out in regular weight. The header follows Decree 30's
    # layout: two fixed columns, the national name and the place and date each on one line.
    fonts = FONT_PATH.parent, Path(__file__).resolve().parent / "static" / "opinion" / "fonts"
    css = (
        f"@font-face{{font-family:DV;src:url('file://{fonts[0] / 'DejaVuSans.ttf'}')}}"
        f"@font-face{{font-family:DV;font-weight:bold;src:url('file://{fonts[1] / 'DejaVuSans-Bold.ttf'}')}}"
        f"@font-face{{font-family:DV;font-style:italic;src:url('file://{fonts[1] / 'DejaVuSans-Oblique.ttf'}')}}"
        "body{font-family:DV;font-size:12pt}@page{size:A4;margin:20mm 15mm 20mm 30mm}"
        "table.hd{width:100%;text-align:center;table-layout:fixed;border-collapse:collapse;font-size:10.5pt}"
        "table.hd td{width:38%;vertical-align:top}table.hd td+td{width:62%;white-space:nowrap}"
        "h1{text-align:center;font-size:14pt;font-weight:bold}h2{font-size:12pt;font-weight:bold}.c{text-align:center}"
        "p{text-align:justify}"
    )
    return HTML(
        string=f"<html><head><meta charset='utf-8'><style>{css}</style></head><body>{to_html(b)}</body></html>"
    ).write_pdf()
