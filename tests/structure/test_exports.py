"""A list's export has the rows the page shows, in the page's order: the column the user sorted by, or the
view's own default order."""

from __future__ import annotations

import io

import openpyxl
import pytest

from danvan.structure.models import Unit

pytestmark = pytest.mark.django_db


def _column(response, header: str) -> list:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert header in rows[0], rows[0]
    at = list(rows[0]).index(header)
    return [row[at] for row in rows[1:]]


def test_export_keeps_the_sort_the_user_chose(world, client_for):
    client = client_for(world.users["admin_a"])
    codes = _column(client.get("/structure/units/?export=xlsx&sort=-code"), "Code")
    visible = Unit.objects.visible_to(world.users["admin_a"], "view").count()
    assert len(codes) == visible >= 3
    assert codes == sorted(codes, reverse=True)
    assert _column(client.get("/structure/units/?export=xlsx&sort=code"), "Code") == sorted(codes)


def test_export_uses_the_views_own_table_arguments(world, client_for, monkeypatch):
    """A view's default order (``get_table_kwargs``, e.g. the overdue list's most overdue first) reaches the
    export, as it does the page."""
    from danvan.structure.views import UnitListView

    monkeypatch.setattr(
        UnitListView, "get_table_kwargs", lambda self: {"order_by": ("-code",)}, raising=False
    )
    codes = _column(client_for(world.users["admin_a"]).get("/structure/units/?export=xlsx"), "Code")
    assert len(codes) >= 3 and codes == sorted(codes, reverse=True)
