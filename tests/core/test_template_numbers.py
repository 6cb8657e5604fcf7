"""Record ids and page numbers written into links and form values are never grouped by thousands.

The interface writes numbers the Vietnamese way (``USE_THOUSAND_SEPARATOR``: 21.724), so ``{{ unit.pk }}`` renders
unit 2917 as "2.917": a form that posts it or a link that carries it then names no record. Such values go through
``|unlocalize``.
"""

import re
from pathlib import Path

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory

import danvan

ROOT = Path(danvan.__file__).parent
ATTRIBUTE = re.compile(r'\s[\w:-]+="([^"]*)"')
VARIABLE = re.compile(r"\{\{\s*([^}]+?)\s*\}\}")
NUMERIC = re.compile(r"(^|\.)(pk|id|\w+_id|\w+_page_number|number)$")


def _unguarded(text: str) -> list[str]:
    found = []
    for attr in ATTRIBUTE.finditer(text):
        for var in VARIABLE.finditer(attr.group(1)):
            name, *filters = [part.strip() for part in var.group(1).split("|")]
            if NUMERIC.search(name) and not any(
                f.startswith(("unlocalize", "date", "stringformat")) for f in filters
            ):
                found.append(var.group(0))
    return found


def test_ids_in_attributes_are_unlocalized():
    offenders = {}
    for path in ROOT.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        bad = _unguarded(text)
        if bad:
            offenders[str(path.relative_to(ROOT))] = bad
        if "|unlocalize" in text:
            assert re.search(r"\{% load [^%]*\bl10n\b", text), f"{path} uses unlocalize without loading l10n"
    assert offenders == {}


def test_the_check_finds_a_grouped_id():
    assert _unguarded('<option value="{{ u.pk }}">') == ["{{ u.pk }}"]
    assert _unguarded('<a href="?page={{ page_obj.next_page_number }}">') == [
        "{{ page_obj.next_page_number }}"
    ]
    assert _unguarded('<option value="{{ u.pk|unlocalize }}">{{ u.pk }}</option>') == []


def test_pager_links_carry_plain_page_numbers():
    page = Paginator(range(200_000), 50).page(1500)
    html = render_to_string("core/_pager.html", {"page_obj": page}, request=RequestFactory().get("/"))
    assert "?page=1499" in html and "?page=1501" in html
    assert "?page=1.4" not in html and "?page=1.5" not in html
