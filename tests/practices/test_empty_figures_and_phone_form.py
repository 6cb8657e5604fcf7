"""A practice without a "people reached" figure shows "—" on its page and on the printed sheet (not
"None"); the results grid of the form is made of labelled cells that stack on a phone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_no_people_reached_reads_as_a_dash(reg, client_for):
    practice = reg.register(people_reached=None)
    client = client_for(reg.admin)
    for url in (practice.get_absolute_url(), f"{practice.get_absolute_url()}print/"):
        page = client.get(url).content.decode()
        assert "None" not in page, url
        assert re.search(r"People reached</dt>\s*<dd[^>]*>—</dd>", page), url
    counted = reg.register(name="Mô hình có số liệu", people_reached=1234)
    assert re.search(
        r"People reached</dt>\s*<dd[^>]*>1[.,]234</dd>",
        client.get(counted.get_absolute_url()).content.decode(),
    )


def test_the_results_grid_stacks_on_a_phone(reg, client_for):
    page = client_for(reg.admin).get("/practices/new/").content.decode()
    for label in ("Indicator", "Unit of measure", "Before", "After"):
        assert f'data-label="{label}"' in page
    css = (Path(settings.BASE_DIR) / "danvan/practices/static/practices/practices.css").read_text()
    phone = css[css.index("@media (max-width: 575.98px)") :]
    assert ".results-table thead { display: none; }" in phone and "attr(data-label)" in phone
