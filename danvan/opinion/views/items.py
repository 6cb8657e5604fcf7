"""Opinion pages: items (list with filters, accent-insensitive search and export; detail with labels, model
version, confidence and the corrections' history), the one-label correction endpoint, and collaborators'
reports. No page shows or filters by an author."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from danvan.core.scoping import has_scope_permission
from danvan.core.views import ScopedListView
from danvan.opinion import ingestion, services
from danvan.opinion.filters import ItemFilter
from danvan.opinion.forms import CollaboratorReportForm
from danvan.opinion.models import CollaboratorReport, Correction, Item, Sentiment
from danvan.opinion.privacy import readable
from danvan.opinion.selectors import field_names, visible_or_404
from danvan.opinion.tables import ItemTable


class ItemListView(ScopedListView):
    model = Item
    table_class = ItemTable
    filterset_class = ItemFilter
    page_title = gettext_lazy("Opinion items")
    export_name = "y-kien-du-luan"
    view_permission = "opinion.view_item"  # a collaborator gets 403, not an empty list and its export
    template_name = "opinion/items/list.html"
    paginate_by = None
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        return super().get_queryset().select_related("source", "unit").defer("signature", "field_scores")

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["request"] = self.request
        return kwargs


def _item(request, pk: int, action: str = "view") -> Item:
    return visible_or_404(Item, request.user, pk, action, related=("source", "unit", "issue"))


def _label_corrections(corrections: list[Correction], user, names: dict[str, str]) -> None:
    """``previous_label`` and ``new_label`` as the analyst reads them (the field's name, not its code)."""
    from danvan.structure.models import Unit

    units = {
        str(pk): name
        for pk, name in Unit.objects.visible_to(user)
        .filter(
            pk__in=[
                int(v) for c in corrections if c.what == "unit" for v in (c.previous, c.new) if v.isdigit()
            ]
        )
        .values_list("pk", "name")
    }
    sentiments = dict(Sentiment.choices)
    yes_no = {"1": _("relevant"), "0": _("not relevant")}
    for c in corrections:
        lookup = {"field": names, "sentiment": sentiments, "relevant": yes_no, "unit": units}.get(c.what, {})
        c.previous_label = str(lookup.get(c.previous, c.previous)) if c.previous else ""
        c.new_label = str(lookup.get(c.new, c.new))


class ItemDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        item = _item(request, pk)
        corrections = list(
            Correction.objects.visible_to(request.user)
            .filter(item_id=item.pk)
            .select_related("analyst")
            .order_by("-created_at")
        )
        names = field_names()  # one query for the labels, the corrections and the correction form
        _label_corrections(corrections, request.user, names)
        context = {
            "item": item,
            "page_title": readable(item.title) or _("Item #%(pk)s") % {"pk": item.pk},
            "corrections": corrections,
            "field_name": names.get(item.field, item.field),
            "can_correct": has_scope_permission(request.user, "opinion.add_correction", item.unit_path),
            "field_choices": sorted(names.items(), key=lambda kv: str(kv[1])),
            "sentiment_choices": Sentiment.choices,
        }
        return render(request, "opinion/items/detail.html", context)


class ItemCorrectView(LoginRequiredMixin, View):
    """POST what=field|sentiment|relevant|unit, value=… → one correction (the review queue's keystrokes).
    Answers JSON for fetch()/HTMX callers, otherwise redirects back to the item."""

    def post(self, request, pk):
        item = _item(request, pk)
        what = request.POST.get("what", "")
        value = request.POST.get("value", "")
        wants_json = request.headers.get("Accept", "").startswith("application/json") or request.htmx
        try:
            if what == "accept":  # the labels as they now are are right: the item leaves the queue
                corrections = services.item_confirm(actor=request.user, item=item)
            else:
                if what == "relevant" and value == "toggle":
                    value = "0" if item.relevant else "1"
                corrections = [services.item_correct(actor=request.user, item=item, what=what, value=value)]
        except PermissionDenied as exc:
            if wants_json:
                return JsonResponse({"ok": False, "error": str(exc)}, status=403)
            raise
        except ValidationError as exc:
            if wants_json:
                return JsonResponse({"ok": False, "error": " ".join(exc.messages)}, status=400)
            messages.error(request, " ".join(exc.messages))
            return redirect(item.get_absolute_url())
        item.refresh_from_db()
        if wants_json:
            return JsonResponse({
                "ok": True, "item": item.pk, "corrections": [c.pk for c in corrections],
                "confirmed": item.reviewed_at is not None,
                "labels": _labels_json(item),
            })  # fmt: skip
        messages.success(request, _("Correction saved."))
        return redirect(request.POST.get("next") or item.get_absolute_url())


def _labels_json(item) -> dict:
    from danvan.opinion.selectors import field_names

    return {
        "field": item.field,
        "field_label": field_names().get(item.field, item.field or "—"),
        "sentiment": item.sentiment,
        "sentiment_label": str(item.get_sentiment_display() or "—"),
        "relevant": item.relevant,
        "unit": item.unit_id,
    }


class ItemUndoView(LoginRequiredMixin, View):
    """POST corrections=1,2&unconfirm=1 → the review queue's undo of the analyst's last keystroke (JSON)."""

    model = Item  # the scope matrix's record for the pk (the item is read through _item, visible_to)

    def post(self, request, pk):
        item = _item(request, pk)
        try:
            ids = [int(x) for x in request.POST.get("corrections", "").split(",") if x.strip()]
        except ValueError:
            return JsonResponse(
                {"ok": False, "error": _("This correction can no longer be undone.")}, status=400
            )
        try:
            item = services.item_undo(
                actor=request.user, item=item, corrections=ids, unconfirm=request.POST.get("unconfirm") == "1"
            )
        except PermissionDenied as exc:
            return JsonResponse({"ok": False, "error": str(exc)}, status=403)
        except ValidationError as exc:
            return JsonResponse({"ok": False, "error": " ".join(exc.messages)}, status=400)
        return JsonResponse({"ok": True, "item": item.pk, "confirmed": item.reviewed_at is not None,
                             "labels": _labels_json(item)})  # fmt: skip


# --- collaborators' reports ----------------------------------------------------------------------------


class CollabReportListView(LoginRequiredMixin, View):
    def get(self, request):
        if not request.user.has_perm("opinion.view_collaboratorreport"):
            raise PermissionDenied
        reports = CollaboratorReport.objects.visible_to(request.user).select_related("unit", "village")
        if not request.user.has_perm("opinion.view_item"):
            reports = reports.filter(reporter=request.user)  # a collaborator sees their own reports
        from django.core.paginator import Paginator

        page = Paginator(reports.order_by("-reported_at", "-id"), 30).get_page(request.GET.get("page"))
        context = {"page_obj": page, "page_title": _("Collaborators' reports"),
                   "can_add": request.user.has_perm("opinion.add_collaboratorreport")}  # fmt: skip
        return render(request, "opinion/collab/list.html", context)


class CollabReportCreateView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("opinion.add_collaboratorreport"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def _render(self, request, form, status=200):
        from danvan.structure.forms import mark_invalid

        if form.is_bound:
            mark_invalid(form)
        return render(request, "opinion/collab/form.html", {"form": form, "page_title": _("New collaborator's report"),
                      "back": reverse("opinion:collab-report-list")}, status=status)  # fmt: skip

    def get(self, request):
        return self._render(request, CollaboratorReportForm(actor=request.user))

    def post(self, request):
        from danvan.structure.forms import service_errors

        form = CollaboratorReportForm(request.POST, actor=request.user)
        if form.is_valid():
            try:
                ingestion.collab_report_create(actor=request.user, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                service_errors(form, exc)
            else:
                messages.success(request, _("Thank you: your report was recorded."))
                return redirect("opinion:collab-report-list")
        return self._render(request, form, status=400)


urlpatterns = [
    path("items/", ItemListView.as_view(), name="item-list"),
    path("items/<int:pk>/", ItemDetailView.as_view(), name="item-detail"),
    path("items/<int:pk>/correct/", ItemCorrectView.as_view(), name="item-correct"),
    path("items/<int:pk>/undo/", ItemUndoView.as_view(), name="item-undo"),
    path("reports/", CollabReportListView.as_view(), name="collab-report-list"),
    path("reports/new/", CollabReportCreateView.as_view(), name="collab-report-create"),
]
