"""Opinion pages: the briefing (weekly or monthly, period end, unit) previewed in HTML and downloaded as Word
and PDF, generated from the selectors' figures."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View

from danvan.opinion import briefing, selectors
from danvan.opinion.models import OpinionSettings


def _params(request) -> tuple[str, dt.date, dt.date]:
    kind = "monthly" if request.GET.get("kind") == "monthly" else "weekly"
    try:
        end = dt.date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        end = timezone.localdate()
    days = 30 if kind == "monthly" else 7
    return kind, end - dt.timedelta(days=days - 1), end


def figures_for(user, kind: str, start: dt.date, end: dt.date) -> dict:
    from danvan.structure.models import Unit

    names = selectors.field_names()
    length = (end - start).days + 1
    prev_end = start - dt.timedelta(days=1)
    prev_start = prev_end - dt.timedelta(days=length - 1)
    unit = Unit.objects.visible_to(user).order_by("path").first()
    by_unit = {}
    for r in selectors.commune_figures(user, start=start, end=end):
        if not r.get("suppressed"):
            by_unit.setdefault(r["unit__name"], 0)
            by_unit[r["unit__name"]] += r["volume"]
    issues = []
    for i in selectors.top_issues(user, limit=5):
        issues.append(
            {
                "title": i.title,
                "place": i.unit.name,
                "volume": i.volume,
                "negativity": i.negativity,
                "reach": i.reach,
                "status": i.get_status_display(),
                "quotes": selectors.representative_quotes(user, i, limit=2),
            }
        )
    return {
        "kind": kind,
        "start": start,
        "end": end,
        "body_name": unit.name if unit else "",
        "place": unit.name if unit else "",
        "min_group_size": OpinionSettings.get().min_group_size,
        "totals": selectors.dashboard_totals(user, start=start, end=end),
        "previous": selectors.dashboard_totals(user, start=prev_start, end=prev_end),
        "by_field": [
            {"name": names.get(r["field"], r["field"]), "volume": r["volume"], "negative": r["negative"]}
            for r in selectors.totals_by_field(user, start=start, end=end)
            if not r.get("suppressed")
        ],
        "by_unit": sorted(({"name": k, "volume": v} for k, v in by_unit.items()), key=lambda r: -r["volume"]),
        "issues": issues,
        "alerts": [a.reason for a in selectors.open_alerts(user, limit=5)],
        "forecast": [],
    }


class BriefingView(LoginRequiredMixin, View):
    fmt = "html"

    def get(self, request):
        if not request.user.has_perm("opinion.view_dailyrollup"):
            raise PermissionDenied
        kind, start, end = _params(request)
        b = briefing.compose(figures_for(request.user, kind, start, end))
        stem = f"bao-cao-du-luan-{end.isoformat()}"
        if self.fmt == "docx":
            response = HttpResponse(
                briefing.to_docx(b),
                content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            )
            response["Content-Disposition"] = f'attachment; filename="{stem}.docx"'
            return response
        if self.fmt == "pdf":
            response = HttpResponse(briefing.to_pdf(b), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{stem}.pdf"'
            return response
        context = {
            "page_title": _("Briefing"),
            "preview": mark_safe(briefing.to_html(b)),  # every value is escaped in to_html
            "kind": kind,
            "end": end.isoformat(),
            "query": request.GET.urlencode(),
        }
        return render(request, "opinion/briefing/form.html", context)


urlpatterns = [
    path("briefing/", BriefingView.as_view(), name="briefing"),
    path("briefing/docx/", BriefingView.as_view(fmt="docx"), name="briefing-docx"),
    path("briefing/pdf/", BriefingView.as_view(fmt="pdf"), name="briefing-pdf"),
]
