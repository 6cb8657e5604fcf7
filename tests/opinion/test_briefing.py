"""The briefing: figures -> narrative; Word and PDF open; personal data masked; small groups hidden."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest
from django.urls import reverse

from danvan.opinion import briefing
from tests.opinion.analysis_helpers import store

FIGURES = {
    "kind": "weekly",
    "start": dt.date(2026, 11, 24),
    "end": dt.date(2026, 11, 30),
    "body_name": "Ban Dân vận Tỉnh ủy",
    "place": "Tỉnh A",
    "min_group_size": 5,
    "totals": {"volume": 1234, "negative": 300, "neutral": 800, "positive": 134, "reach": 56789, "suppressed": False},
    "previous": {"volume": 1000, "negative": 200, "suppressed": False},
    "by_field": [{"name": "Đất đai", "volume": 600, "negative": 200}, {"name": "Nhỏ", "volume": 3, "negative": 1}],
    "by_unit": [{"name": "Xã A", "volume": 900}],
    "issues": [{"title": "Bồi thường đất", "place": "Xã A", "volume": 120, "negativity": 0.5, "reach": 5000,
                "status": "Mới", "quotes": ["Gọi 0912345678 hoặc a@b.vn, CCCD 001234567890"]}],
    "alerts": ["Ý kiến tiêu cực tăng"],
    "forecast": [],
}  # fmt: skip


def _text(b) -> str:
    return "\n".join([b.title, b.period_line] + [h + "\n" + "\n".join(p) for h, p in b.sections])


def test_compose_figures_masks_and_suppresses():
    b = briefing.compose(FIGURES)
    text = _text(b)
    assert "1.234" in text and "30/11/2026" in text
    assert "0912345678" not in text and "a@b.vn" not in text and "001234567890" not in text
    assert "Bồi thường đất" in text
    assert "Nhỏ" not in text  # a group under the minimum size


def test_docx_and_pdf_open():
    from docx import Document

    b = briefing.compose(FIGURES)
    doc = Document(io.BytesIO(briefing.to_docx(b)))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    full = "\n".join([p.text for p in doc.paragraphs] + cells)
    assert ("CỘNG HOÀ XÃ HỘI" in full or "CỘNG HÒA XÃ HỘI" in full) and "TÌNH HÌNH TƯ TƯỞNG" in full
    pdf = briefing.to_pdf(b)
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        out = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        assert "TÌNH HÌNH TƯ TƯỞNG" in out


@pytest.mark.django_db
def test_briefing_pages_permissions_and_figures(client, demo_world, make_user, source_a, analyzer):
    store(source_a, 7)
    client.force_login(make_user("br_none", unit=demo_world.province_a))
    assert client.get(reverse("opinion:briefing")).status_code == 403
    client.force_login(make_user("br_a", role="opinion_analyst", unit=demo_world.province_a))
    r = client.get(reverse("opinion:briefing"))
    assert r.status_code == 200 and "TÌNH HÌNH TƯ TƯỞNG" in r.content.decode()
    assert "7" in r.content.decode()
    r = client.get(reverse("opinion:briefing-docx"))
    assert r.status_code == 200 and r.content[:2] == b"PK"
    r = client.get(reverse("opinion:briefing-pdf"))
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
