"""Opinion pages: issues (list sorted by score, detail with timeline and items without authors, status
change, responsible unit, notes, links to cases and dialogues) — writes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views import View

from danvan.core import exports
from danvan.core.scoping import has_scope_permission
from danvan.opinion import selectors, services
from danvan.opinion.analysis_forms import IssueFilterForm
from danvan.opinion.models import Issue, IssueStatus
from danvan.opinion.privacy import readable


def _issue(request, pk: int, action: str = "view") -> Issue:
    return selectors.visible_or_404(Issue, request.user, pk, action, related=("unit", "responsible_unit"))


PER_PAGE = 50


def filtered_issues(request, form: IssueFilterForm):
    """The visible issues the list's filters keep, highest score first (the page and its export)."""
    if not form.is_valid():
        return selectors.issues_for(request.user).none()
    data = form.cleaned_data
    qs = selectors.issues_for(
        request.user,
        status=data.get("status") or None,
        field=data.get("field") or "",
        min_items=data.get("min_items") or selectors.ISSUE_MIN_ITEMS,
    )
    qs = selectors.issue_search(qs, data.get("q") or "")
    for subtree in form.unit_paths(request.user):
        qs = qs.filter(unit_path__startswith=subtree)
    if data.get("seen_from"):
        qs = qs.filter(last_seen_at__date__gte=data["seen_from"])
    if data.get("seen_to"):
        qs = qs.filter(last_seen_at__date__lte=data["seen_to"])
    return qs.order_by("-score", "-last_seen_at", "-id")


def export_header() -> list[str]:
    return [
        pgettext("issue export", "Issue"),
        pgettext("issue export", "Place"),
        pgettext("issue export", "Field"),
        pgettext("issue export", "Status"),
        pgettext("issue export", "Items"),
        pgettext("issue export", "Negative"),
        pgettext("issue export", "Share negative (%)"),
        pgettext("issue export", "Reach"),
        pgettext("issue export", "Score"),
        pgettext("issue export", "First seen"),
        pgettext("issue export", "Last seen"),
        pgettext("issue export", "Responsible unit"),
    ]


def export_rows(qs):
    names = selectors.field_names()
    for i in qs.iterator(chunk_size=2000):
        yield [
            readable(i.title),
            i.unit.name,
            names.get(i.field, i.field),
            i.get_status_display(),
            i.volume,
            i.negative_count,
            round(i.negativity * 100, 1),
            i.reach,
            round(i.score, 2),
            i.first_seen_at,
            i.last_seen_at,
            i.responsible_unit.name if i.responsible_unit_id else "",
        ]


class IssueListView(LoginRequiredMixin, View):
    def get(self, request):
        if not request.user.has_perm("opinion.view_issue"):
            raise PermissionDenied
        form = IssueFilterForm(request.GET, user=request.user)
        qs = filtered_issues(request, form)
        if request.GET.get("export") == "xlsx":
            return exports.xlsx_response(export_header(), export_rows(qs), "van-de-du-luan")
        page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        filtered = any(v for k, v in query.items())
        names = selectors.field_names()
        issues = list(page.object_list)
        for issue in issues:
            issue.field_label = names.get(issue.field, issue.field)
        context = {
            "page_title": _("Issues"),
            "form": form,
            "issues": issues,
            "page_obj": page,
            "querystring": query.urlencode(),
            "filtered": filtered,
        }
        return render(request, "opinion/issues/list.html", context)


class IssueDetailView(LoginRequiredMixin, View):
    def get(self, request, pk: int):
        issue = _issue(request, pk)
        can_change = request.user.has_perm("opinion.change_issue") and has_scope_permission(
            request.user, "opinion.change_issue", issue.unit_path
        )
        context = {
            "page_title": readable(issue.title),
            "issue": issue,
            "timeline": selectors.issue_timeline(request.user, issue),
            "items": list(selectors.issue_items(request.user, issue, limit=50)),
            "notes": list(issue.notes.select_related("author").order_by("-at", "-pk")),
            "statuses": IssueStatus.choices,
            "can_change": can_change,
            "linked_cases": selectors.issue_cases(request.user, issue),
            "linked_dialogues": selectors.issue_dialogues(request.user, issue),
        }
        if can_change:
            context["unit_choices"] = selectors.responsible_unit_choices(request.user, issue)
            context["dialogue_choices"] = selectors.dialogue_choices(request.user, issue)
            context["merge_choices"] = selectors.merge_choices(request.user, issue)
        return render(request, "opinion/issues/detail.html", context)


class IssueUpdateView(LoginRequiredMixin, View):
    """One address for every change of an issue (``action``: update, link_case, unlink_case, link_dialogue,
    unlink_dialogue); each goes through services.issue_update."""

    def post(self, request, pk: int):
        issue = _issue(request, pk)  # out of scope: 404 before anything is told
        if not request.user.has_perm("opinion.change_issue"):
            raise PermissionDenied
        action = request.POST.get("action") or "update"
        if action == "merge":
            return self._merge(request, issue)
        try:
            kwargs = self._change(request, issue, action)
            services.issue_update(actor=request.user, issue=issue, **kwargs)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The issue was updated."))
        return redirect("opinion:issue-detail", pk=issue.pk)

    def _merge(self, request, issue: Issue):
        into = {i.pk: i for i in selectors.merge_choices(request.user, issue)}.get(
            _int(request.POST.get("into"))
        )
        if into is None:
            messages.error(request, _("Choose the issue to merge this one into in the list."))
            return redirect("opinion:issue-detail", pk=issue.pk)
        try:
            services.issue_merge(actor=request.user, issue=issue, into=into)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("opinion:issue-detail", pk=issue.pk)
        messages.success(request, _("The issues were merged."))
        return redirect("opinion:issue-detail", pk=into.pk)

    def _change(self, request, issue: Issue, action: str) -> dict:
        from danvan.cases.models import Dialogue

        post = request.POST
        if action == "update":
            kwargs = {"status": post.get("status") or None, "note": post.get("note", "")}
            if post.get("responsible_unit"):
                allowed = {u.pk: u for u in selectors.responsible_unit_choices(request.user, issue)}
                unit = allowed.get(_int(post["responsible_unit"]))
                if unit is None:
                    raise ValidationError(_("Choose a responsible unit within your scope."))
                if unit.pk != issue.responsible_unit_id:
                    kwargs["responsible_unit"] = unit
            elif "responsible_unit" in post and issue.responsible_unit_id:
                kwargs["clear_responsible_unit"] = True  # "—" chosen: nobody is responsible any more
            return kwargs
        if action == "link_case":
            reference = post.get("case", "").strip()
            case = selectors.case_by_reference(request.user, reference)
            if case is None:
                raise ValidationError(
                    _("No case with the reference “%(ref)s” within your scope; nothing was linked.")
                    % {"ref": reference[:40]}
                )
            return {"cases": [*issue.cases.all(), case]}
        if action == "unlink_case":
            return {"cases": [c for c in issue.cases.all() if c.pk != _int(post.get("case"))]}
        if action == "link_dialogue":
            dialogue = Dialogue.objects.visible_to(request.user).filter(pk=_int(post.get("dialogue"))).first()
            if dialogue is None:
                raise ValidationError(_("Choose a dialogue in the list."))
            return {"dialogues": [*issue.dialogues.all(), dialogue]}
        if action == "unlink_dialogue":
            return {"dialogues": [d for d in issue.dialogues.all() if d.pk != _int(post.get("dialogue"))]}
        raise ValidationError(_("Unknown action."))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


urlpatterns = [
    path("issues/", IssueListView.as_view(), name="issue-list"),
    path("issues/<int:pk>/", IssueDetailView.as_view(), name="issue-detail"),
    path("issues/<int:pk>/update/", IssueUpdateView.as_view(), name="issue-update"),
]
