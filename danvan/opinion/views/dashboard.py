"""Opinion pages: dashboard (rollups only) and the forecast page."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from danvan.opinion import selectors
from danvan.opinion.filters import field_choices
from danvan.opinion.forms import pickable_units
from danvan.opinion.models import OpinionSettings


def period(request) -> tuple[dt.date, dt.date]:
    end = timezone.localdate()
    try:
        days = max(1, min(int(request.GET.get("days", 30)), 366))
    except ValueError:
        days = 30
    return end - dt.timedelta(days=days - 1), end


def chosen_unit(request, units, *, superuser_home: bool = False):
    """The unit asked for (``unit`` = its id) among ``units`` (the units the user may pick), else 404; by default
    the user's home unit when it is among them (or always for a superuser with ``superuser_home``), else the
    first of them."""
    wanted = request.GET.get("unit")
    if wanted:
        unit = units.filter(pk=wanted).first() if wanted.isdigit() else None
        if unit is None:
            raise Http404
        return unit
    home = getattr(request.user, "home_unit", None)
    if home is not None and (
        (superuser_home and request.user.is_superuser) or units.filter(pk=home.pk).exists()
    ):
        return home
    return units.first()


class DashboardView(LoginRequiredMixin, View):
    def get(self, request):
        if not request.user.has_perm("opinion.view_dailyrollup"):
            raise PermissionDenied
        start, end = period(request)
        names = selectors.field_names()
        field = request.GET.get("field", "")
        field = field if field in names else ""
        units = pickable_units(request.user, "opinion.view_dailyrollup")
        unit = chosen_unit(request, units, superuser_home=True) if request.GET.get("unit") else None
        path = unit.path if unit else ""
        kw = {"start": start, "end": end, "field": field, "unit_path": path}
        totals = selectors.dashboard_totals(request.user, **kw)
        series = selectors.series_by_sentiment(request.user, **kw)
        chart = {
            "days": [r["day"].strftime("%d/%m") for r in series],
            "negative": [r.get("negative") for r in series],
            "neutral": [r.get("neutral") for r in series],
            "positive": [r.get("positive") for r in series],
        }
        # the map of the chosen unit's province, else of the user's own (a commune's user sees its province's
        # map with its commune coloured: selectors.map_province_code)
        province_code = selectors.map_province_code(request.user, unit_path=path)
        map_values = {
            r["unit__code"]: r["volume"]
            for r in selectors.commune_figures(request.user, **kw)
            if not r.get("suppressed")
        }
        context = {
            "page_title": _("Public opinion overview"),
            "map": {"province": province_code, "values": map_values},
            "start": start,
            "end": end,
            "totals": totals,
            "by_field": selectors.totals_by_field(request.user, start=start, end=end, unit_path=path),
            "top_issues": selectors.top_issues(request.user, limit=10, unit_path=path, field=field),
            "alerts": list(selectors.open_alerts(request.user, unit_path=path, limit=10)),
            "chart": chart,
            "days": request.GET.get("days", "30"),
            "units": units,
            "unit": unit,
            "field": field,
            "fields": sorted(names.items(), key=lambda kv: str(kv[1])),
        }
        return render(request, "opinion/dashboard/index.html", context)


HISTORY_DAYS = 28


class ForecastView(LoginRequiredMixin, View):
    """One unit and field (all fields by default): the daily volume of the last 28 days beside the latest
    7-day forecast with its interval (chart and table), and the unit's other latest forecasts."""

    def get(self, request):
        if not request.user.has_perm("opinion.view_forecast"):
            raise PermissionDenied
        units = pickable_units(request.user, "opinion.view_forecast")
        unit = chosen_unit(request, units)
        names = selectors.field_names()
        field = request.GET.get("field", "")
        if field and field not in names:
            field = ""
        minimum = OpinionSettings.get().min_group_size
        context = {
            "page_title": _("Forecasts"),
            "units": list(units[:1000]),
            "unit": unit,
            "field": field,
            "fields": [(c, n) for c, n in field_choices()],
            "field_name": names.get(field, field) if field else _("All fields"),
            "min_group_size": minimum,
            "forecast": None,
            "rows": [],
            "others": [],
        }
        if unit is not None:
            context.update(self._figures(request.user, unit, field, names, minimum))
        return render(request, "opinion/dashboard/forecast.html", context)

    def _figures(self, user, unit, field, names, minimum) -> dict:
        forecast = selectors.latest_forecast(user, unit=unit, field=field)
        end = (forecast.made_on if forecast else timezone.localdate()) - dt.timedelta(days=1)
        start = end - dt.timedelta(days=HISTORY_DAYS - 1)
        history = selectors.daily_volume(user, start=start, end=end, unit_path=unit.path, field=field)
        week = selectors.forecast_week(forecast) if forecast else None
        suppressed = week is not None and round(week["mean"]) < minimum
        points = [] if forecast is None or suppressed else forecast.points
        empty = {"mean": None, "lower": None, "upper": None}
        rows = [
            {"day": h["day"], "observed": h["volume"], "suppressed": h["suppressed"], **empty}
            for h in history
        ]
        for p in points:
            rows.append(
                {
                    "day": dt.date.fromisoformat(p["date"]),
                    "observed": None,
                    "suppressed": False,
                    "mean": p["mean"],
                    "lower": max(0.0, p["lower"]),
                    "upper": p["upper"],
                }
            )
        chart = {
            "days": [r["day"].strftime("%d/%m") for r in rows],
            "observed": [None if r.get("suppressed") else r.get("observed") for r in rows],
            "mean": [_r(r.get("mean")) for r in rows],
            "lower": [_r(r.get("lower")) for r in rows],
            "band": [_r(r["upper"] - r["lower"]) if r.get("upper") is not None else None for r in rows],
        }
        others = []
        for f in selectors.latest_forecasts(user, unit=unit):
            w = selectors.forecast_week(f)
            others.append(
                {
                    "field": f.field,
                    "name": names.get(f.field, f.field) if f.field else _("All fields"),
                    "made_on": f.made_on,
                    "suppressed": round(w["mean"]) < minimum,
                    "error": f.backtest_error,
                    **w,
                }
            )
        return {
            "forecast": forecast,
            # items of its days that arrived after it was made (it is made again within half an hour)
            "stale": bool(forecast) and selectors.forecast_is_stale(forecast),
            "week": week,
            "suppressed": suppressed,
            "rows": rows,
            "chart": chart,
            "others": others,
        }


def _r(value):
    return None if value is None else round(float(value), 2)


urlpatterns = [
    path("", DashboardView.as_view(), name="dashboard"),
    path("forecast/", ForecastView.as_view(), name="forecast"),
]
