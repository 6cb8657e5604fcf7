"""ECharts options of the figures page (built on the server, drawn by static/practices/practices.js)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from danvan.practices.models import PracticeField, PracticeLevel

PALETTE = ["#a4161a", "#198754", "#6f42c1", "#0d6efd", "#fd7e14"]


def _series(rows, label_of) -> dict:
    labels = [label_of(key) for key, _c in rows]
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 40, "right": 16, "top": 36, "bottom": 60, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": labels,
            "axisLabel": {
                "interval": 0,
                "rotate": 30 if len(labels) > 6 else 0,
                "width": 110,
                "overflow": "break",
            },
        },
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"type": "bar", "name": _("Registered"), "data": [c.registered for _k, c in rows]},
            {"type": "bar", "name": _("Recognised"), "data": [c.recognised for _k, c in rows]},
            {"type": "bar", "name": _("Replications"), "data": [c.replicated for _k, c in rows]},
        ],
    }


def by_field(figures) -> dict:
    labels = dict(PracticeField.choices)
    return _series(figures.by_field, lambda k: str(labels.get(k, k)))


def by_level(figures) -> dict:
    labels = dict(PracticeLevel.choices)
    return _series(figures.by_level, lambda k: str(labels.get(k, k)))


def by_year(figures) -> dict:
    return _series(figures.by_year, str)


def by_unit(figures) -> dict:
    option = _series(figures.by_unit[:60], lambda u: u.name)
    if len(figures.by_unit) > 20:
        option["dataZoom"] = [{"type": "slider", "bottom": 0, "height": 14}]
    return option
