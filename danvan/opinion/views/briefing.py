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
from danvan.opinion.forms import pickable_units
from danvan.opinion.models import OpinionSettings
from danvan.opinion.views.dashboard import chosen_unit


def _params(request) -> tuple[str, dt.date, dt.date]:
    kind = "monthly" if request.GET.get("kind") == "monthly" else "weekly"
    today = timezone.localdate()
    try:
        end = min(dt.date.fromisoformat(request.GET.get("end", "")), today)  # no report of days to come
    except ValueError:
        end = today
    days = 30 if kind == "monthly" else 7
    return kind, end - dt.timedelta(days=days - 1), end


def briefing_units(user):
    """Units a briefing may be made for: those where the user reads the figures."""
    return pickable_units(user, "opinion.view_dailyrollup")


def briefing_unit(request):
    """The unit asked for (``unit`` = its id) when the user may read it, else 404; by default the user's home
    unit, or the first unit of their scope."""
    return chosen_unit(request, briefing_units(request.user), superuser_home=True)


def forecast_figures(user, unit, *, minimum: int) -> list[dict]:
    """Section III: the unit's latest forecast over all fields, then its three largest fields (each with at
    least ``minimum`` items expected: smaller groups are not reported)."""
    names = selectors.field_names()
    total, fields = None, []
    for f in selectors.latest_forecasts(user, unit=unit):
        week = selectors.forecast_week(f)
        if round(week["mean"]) < minimum:
            continue
        if f.field:
            fields.append({"name": names.get(f.field, f.field), **week})
        else:
            total = {"name": "", "total": True, **week}
    fields.sort(key=lambda r: -r["mean"])
    return ([total] if total else []) + fields[:3]


def issuer_header(user, unit) -> dict[str, str]:
    """Who issues the briefing and where, as the cases module's reports name them (``cases.reports.issuer``,
    ``letters.issuing_body``, ``letters.document_place``): the body of the user's widest role (for a role held for
    a whole unit, its commission), the body above it, the province; without a role, the unit reported on."""
    from danvan.cases import letters
    from danvan.cases.reports import issuer

    body, home = issuer(user, unit_body=selectors.commission_of)
    home = home or unit
    parent_body, body_name = letters.issuing_body(body, home)
    return {"parent_body": parent_body, "body_name": body_name, "place": letters.document_place(home)}


def figures_for(user, kind: str, start: dt.date, end: dt.date, unit=None) -> dict:
    """The briefing's figures for ``unit``'s subtree (default: the first unit of the user's scope)."""
    from danvan.structure.models import Unit

    if unit is None:
        unit = briefing_units(user).first() or Unit.objects.visible_to(user).order_by("path").first()
    path = unit.path if unit else ""
    minimum = OpinionSettings.get().min_group_size
    names = selectors.field_names()
    length = (end - start).days + 1
    recent = end >= timezone.localdate() - dt.timedelta(days=2)
    prev_end = start - dt.timedelta(days=1)
    prev_start = prev_end - dt.timedelta(days=length - 1)
    by_unit = {}
    for r in selectors.commune_figures(user, start=start, end=end, unit_path=path):
        if not r.get("suppressed"):
            by_unit.setdefault(r["unit__name"], 0)
            by_unit[r["unit__name"]] += r["volume"]
    # The period's own figures of each issue (not its lifetime totals), and only matters that are mostly
    # negative count as emerging: a compliment ("quán cà phê mới mở đẹp quá") is no issue to report.
    candidates = selectors.top_issues(user, limit=30, unit_path=path, seen_between=(start, end))
    period = selectors.issue_period_figures(user, candidates, start=start, end=end)
    issues = []
    for i in candidates:
        p = period.get(i.pk)
        if not p or p["volume"] < minimum or (p["negativity"] or 0) < 0.5:
            continue
        issues.append(
            {
                "title": i.title,
                "place": i.unit.name,
                "volume": p["volume"],
                "negativity": p["negativity"],
                "reach": p["reach"],
                "total": i.volume,
                "first_seen": timezone.localtime(i.first_seen_at).date() if i.first_seen_at else None,
                "status": i.get_status_display(),
                "quotes": selectors.representative_quotes(user, i, limit=2),
            }
        )
    issues.sort(key=lambda r: (-r["volume"], -(r["negativity"] or 0)))
    issues = issues[:5]
    return {
        "kind": kind,
        "start": start,
        "end": end,
        **issuer_header(user, unit),
        "area": unit.name if unit else "",
        "min_group_size": minimum,
        "totals": selectors.dashboard_totals(user, start=start, end=end, unit_path=path),
        "previous": selectors.dashboard_totals(user, start=prev_start, end=prev_end, unit_path=path),
        "by_field": [
            {"name": names.get(r["field"], r["field"]), "volume": r["volume"], "negative": r["negative"]}
            for r in selectors.totals_by_field(user, start=start, end=end, unit_path=path)
            if not r.get("suppressed")
        ],
        "by_unit": sorted(({"name": k, "volume": v} for k, v in by_unit.items()), key=lambda r: -r["volume"]),
        "issues": issues,
        "alerts": [a.reason for a in selectors.open_alerts(user, unit_path=path, limit=5, days=(start, end))],
        # the forecast looks ahead from today: it belongs to a report of the period just ended only
        "forecast": forecast_figures(user, unit, minimum=minimum) if unit and recent else [],
        "past_period": not recent,
    }


class BriefingView(LoginRequiredMixin, View):
    fmt = "html"

    def get(self, request):
        if not request.user.has_perm("opinion.view_dailyrollup"):
            raise PermissionDenied
        kind, start, end = _params(request)
        unit = briefing_unit(request)
        b = briefing.compose(figures_for(request.user, kind, start, end, unit=unit))
        stem = f"bao-cao-du-luan-{unit.code + '-' if unit else ''}{end.isoformat()}"
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
            "unit": unit,
            "units": _unit_options(request.user, unit),
        }
        return render(request, "opinion/briefing/form.html", context)


def _unit_options(user, current) -> list:
    units = list(briefing_units(user).select_related(None)[:1000])
    if current is not None and current not in units:
        units.insert(0, current)
    return units


urlpatterns = [
    path("briefing/", BriefingView.as_view(), name="briefing"),
    path("briefing/docx/", BriefingView.as_view(fmt="docx"), name="briefing-docx"),
    path("briefing/pdf/", BriefingView.as_view(fmt="pdf"), name="briefing-pdf"),
]
