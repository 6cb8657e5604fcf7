"""Opinion pages: issues (list sorted by score, detail with timeline and items without authors, status
change, responsible unit, notes, links to cases and dialogues) — writes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from danvan.opinion import selectors, services
from danvan.opinion.models import Issue, IssueStatus


def _issue(request, pk: int, action: str = "view") -> Issue:
    return selectors.visible_or_404(Issue, request.user, pk, action, related=("unit", "responsible_unit"))


class IssueListView(LoginRequiredMixin, View):
    def get(self, request):
        if not request.user.has_perm("opinion.view_issue"):
            raise PermissionDenied
        status = request.GET.get("status") or None
        if status and status != "open" and status not in IssueStatus.values:
            status = None
        qs = selectors.issues_for(request.user, status=status, field=request.GET.get("field", ""))
        if request.GET.get("commune"):
            qs = qs.filter(unit__code=request.GET["commune"])
        issues = list(qs.order_by("-score", "-last_seen_at")[:200])
        context = {
            "page_title": _("Issues"),
            "issues": issues,
            "statuses": IssueStatus.choices,
            "status": status or "",
        }
        return render(request, "opinion/issues/list.html", context)


class IssueDetailView(LoginRequiredMixin, View):
    def get(self, request, pk: int):
        issue = _issue(request, pk)
        context = {
            "page_title": issue.title,
            "issue": issue,
            "timeline": selectors.issue_timeline(request.user, issue),
            "items": list(selectors.issue_items(request.user, issue, limit=50)),
            "notes": list(issue.notes.select_related("author").order_by("-pk")),
            "statuses": IssueStatus.choices,
            "can_change": request.user.has_perm("opinion.change_issue"),
        }
        return render(request, "opinion/issues/detail.html", context)


class IssueUpdateView(LoginRequiredMixin, View):
    def post(self, request, pk: int):
        issue = _issue(request, pk)
        status = request.POST.get("status") or None
        try:
            services.issue_update(
                actor=request.user, issue=issue, status=status, note=request.POST.get("note", "")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The issue was updated."))
        return redirect("opinion:issue-detail", pk=issue.pk)


urlpatterns = [
    path("issues/", IssueListView.as_view(), name="issue-list"),
    path("issues/<int:pk>/", IssueDetailView.as_view(), name="issue-detail"),
    path("issues/<int:pk>/update/", IssueUpdateView.as_view(), name="issue-update"),
]
