"""Opinion pages: dashboard (rollups only) and the forecast page."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from danvan.opinion import selectors
from danvan.opinion.models import Forecast


def period(request) -> tuple[dt.date, dt.date]:
    end = timezone.localdate()
    try:
        days = max(1, min(int(request.GET.get("days", 30)), 366))
    except ValueError:
        days = 30
    return end - dt.timedelta(days=days - 1), end


class DashboardView(LoginRequiredMixin, View):
    def get(self, request):
        if not request.user.has_perm("opinion.view_dailyrollup"):
            raise PermissionDenied
        start, end = period(request)
        field = request.GET.get("field", "")
        kw = {"start": start, "end": end, "field": field}
        totals = selectors.dashboard_totals(request.user, **kw)
        series = selectors.series_by_sentiment(request.user, **kw)
        chart = {
            "days": [r["day"].strftime("%d/%m") for r in series],
            "negative": [r.get("negative") for r in series],
            "neutral": [r.get("neutral") for r in series],
            "positive": [r.get("positive") for r in series],
        }
        from danvan.structure.models import Unit

        province = Unit.objects.visible_to(request.user).filter(level="province").order_by("path").first()
        map_values = {
            r["unit__code"]: r["volume"]
            for r in selectors.commune_figures(request.user, **kw)
            if not r.get("suppressed")
        }
        context = {
            "page_title": _("Public opinion overview"),
            "map": {"province": province.code if province else "", "values": map_values},
            "start": start,
            "end": end,
            "totals": totals,
            "by_field": selectors.totals_by_field(request.user, start=start, end=end),
            "top_issues": selectors.top_issues(request.user, limit=10),
            "alerts": list(selectors.open_alerts(request.user, limit=10)),
            "chart": chart,
            "days": request.GET.get("days", "30"),
        }
        return render(request, "opinion/dashboard/index.html", context)


class ForecastView(LoginRequiredMixin, View):
    def get(self, request):
        if not request.user.has_perm("opinion.view_forecast"):
            raise PermissionDenied
        rows = list(
            Forecast.objects.visible_to(request.user)
            .select_related("unit")
            .order_by("-made_on", "unit__code")[:50]
        )
        return render(
            request, "opinion/dashboard/forecast.html", {"page_title": _("Forecasts"), "forecasts": rows}
        )


urlpatterns = [
    path("", DashboardView.as_view(), name="dashboard"),
    path("forecast/", ForecastView.as_view(), name="forecast"),
]
