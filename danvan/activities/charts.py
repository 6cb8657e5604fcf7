"""ECharts options for the activities pages, built on the server (labels translated here) and drawn by
``static/activities/activities.js``."""

from __future__ import annotations

from django.utils.translation import gettext as _

PALETTE = ["#a4161a", "#0d6efd", "#198754", "#6f42c1", "#fd7e14", "#20c997"]


def monthly(series: list[dict]) -> dict:
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        # the legend below the plot: at the top it sits on the two axes' names on a phone
        "legend": {"bottom": 0, "type": "scroll"},
        "grid": {"left": 48, "right": 48, "top": 36, "bottom": 56},
        "xAxis": {"type": "category", "data": [s["month"] for s in series]},
        "yAxis": [
            {"type": "value", "name": _("Meetings"), "minInterval": 1},
            {"type": "value", "name": _("Attendances"), "minInterval": 1},
        ],
        "series": [
            {"type": "bar", "name": _("Meetings held"), "data": [s["meetings"] for s in series]},
            {
                "type": "line",
                "name": _("Cadre attendances"),
                "yAxisIndex": 1,
                "data": [s["attendances"] for s in series],
            },
        ],
    }


def by_unit(rows, threshold_pct: int) -> dict:
    """Units from the furthest behind to the most diligent."""
    rows = sorted(
        (r for r in rows if not r.own_level), key=lambda r: (r.cadres.rate is None, r.cadres.rate or 0)
    )[:200]
    labels = [r.unit.name for r in rows]
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "type": "scroll"},  # one line, also on a phone (no axis name up there)
        "grid": {"left": 48, "right": 24, "top": 36, "bottom": 100},
        "dataZoom": [{"type": "slider", "bottom": 0, "height": 16}] if len(labels) > 25 else [],
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"rotate": 50, "fontSize": 10}},
        "yAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "series": [
            {
                "type": "bar",
                "name": _("Quota fulfilment (%)"),
                "data": [round((r.cadres.rate or 0) * 100, 1) for r in rows],
                "markLine": {
                    "silent": True,
                    "symbol": "none",
                    "label": {"show": False},
                    "lineStyle": {"color": "#6c757d"},
                    "data": [{"yAxis": threshold_pct}],
                },
            },
            {
                "type": "bar",
                "name": _("Branches visited (%)"),
                "data": [round((r.place.visited_share or 0) * 100, 1) for r in rows],
            },
        ],
    }
