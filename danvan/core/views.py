"""Base views: every page that lists or shows scoped records inherits the scoping from here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin

from danvan.core import exports
from danvan.core.models import Job, WorkerHeartbeat
from danvan.core.scoping import permission_name


class ScopedQuerysetMixin(LoginRequiredMixin):
    """Rows come from ``Model.objects.visible_to(user, scope_action)``; out of scope means 404."""

    model = None
    scope_action = "view"

    def get_scoped_queryset(self):
        return self.model.objects.visible_to(self.request.user, self.scope_action)

    def get_queryset(self):
        return self.get_scoped_queryset()


class ScopedListView(ScopedQuerysetMixin, SingleTableMixin, FilterView):
    """A filtered, paginated, exportable list of scoped records."""

    template_name = "core/list.html"
    # The table paginates (one COUNT and one page of rows); the view's own pagination stays off, else the
    # rows would be counted twice on every page.
    paginate_by = None
    table_pagination = {"per_page": 50}
    page_title = ""
    export_name = "export"
    create_url_name: str | None = None
    create_permission: str | None = None
    # When set, a user who holds it nowhere is refused (403) instead of shown an always-empty list.
    view_permission: str | None = None

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return ["core/_table.html"]
        return [self.template_name]

    def get(self, request, *args, **kwargs):
        if self.view_permission and not request.user.has_perm(self.view_permission):
            raise PermissionDenied
        fmt = request.GET.get("export")
        if fmt in exports.FORMATS:
            self.object_list = self.get_queryset()
            filterset = self.get_filterset(self.get_filterset_class())
            qs = filterset.qs if filterset.is_bound and filterset.is_valid() else self.object_list
            if filterset.is_bound and not filterset.is_valid():
                qs = qs.none()
            return exports.table_export(self.export_table(qs), fmt, str(self.export_name))
        return super().get(request, *args, **kwargs)

    def export_table(self, qs):
        """The table of every filtered row, in the order the page shows: the view's own table arguments (its
        default order, the user it checks) and the column the user sorted by (``?sort=``), not paginated."""
        table = self.get_table_class()(qs, **self.get_table_kwargs())
        RequestConfig(self.request, paginate=False).configure(table)
        return table

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_title"] = self.page_title
        context["create_url_name"] = self.create_url_name if self.can_create() else None
        context["querystring"] = self.link_query().urlencode()
        return context

    def link_query(self):
        """The list's parameters that its links (pages, sorting, exports) keep: all but the page and the export."""
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        return query

    def can_create(self) -> bool:
        if not self.create_url_name:
            return False
        perm = self.create_permission or permission_name(self.model, "add")
        return self.request.user.has_perm(perm)


class ScopedDetailView(ScopedQuerysetMixin, DetailView):
    pass


def require_scope(user, obj, action: str) -> None:
    """Raise 404 when ``obj`` is outside the user's scope for ``action`` (hides its existence)."""
    if not type(obj).objects.visible_to(user, action).filter(pk=obj.pk).exists():
        raise Http404


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        from danvan.core import home, selectors

        context = super().get_context_data(**kwargs)
        context["summary"] = selectors.home_summary(actor=self.request.user)
        context["card_groups"] = home.cards_for(self.request.user)
        return context


class SearchView(LoginRequiredMixin, TemplateView):
    """The top bar's search: a few matches of each kind of record the user may see."""

    template_name = "core/search.html"

    def get_context_data(self, **kwargs):
        from danvan.core import search

        context = super().get_context_data(**kwargs)
        raw = self.request.GET.get("q", "")
        context["page_title"] = _("Search")
        context["groups"] = []
        context["problem"] = ""
        context["query"] = ""
        # what the box shows again: never a citizen ID
        context["value"] = "" if search.CITIZEN_ID_LIKE.match(raw) else raw
        if raw.strip():
            try:
                words = search.check_query(raw)
            except search.QueryProblem as problem:
                context["problem"] = str(problem)
            else:
                context["query"] = words
                context["groups"] = search.search(self.request, words)
        return context


class JobListView(LoginRequiredMixin, TemplateView):
    template_name = "core/jobs.html"

    def get_context_data(self, **kwargs):
        from django.core.paginator import Paginator

        context = super().get_context_data(**kwargs)
        jobs = Job.objects.visible_to(self.request.user)
        context["page_obj"] = Paginator(jobs, 30).get_page(self.request.GET.get("page"))
        return context


class JobDetailView(LoginRequiredMixin, DetailView):
    template_name = "core/job_detail.html"
    context_object_name = "job"

    def get_queryset(self):
        return Job.objects.visible_to(self.request.user)

    def get_template_names(self):
        if self.request.htmx:
            return ["core/_job_progress.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        from danvan.core import selectors

        context = super().get_context_data(**kwargs)
        context["delayed"] = selectors.job_delayed(self.object)
        return context


def job_result_download(request, pk: int):
    from django.http import FileResponse

    if not request.user.is_authenticated:
        raise PermissionDenied
    job = Job.objects.visible_to(request.user).filter(pk=pk).first()
    if job is None or not job.result_file:
        raise Http404
    return FileResponse(
        job.result_file.open("rb"), as_attachment=True, filename=job.result_file.name.rsplit("/")[-1]
    )


def health(request):
    """For monitoring: the database answers and a worker has beaten recently."""
    status = {"database": "ok", "worker": "ok"}
    code = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        status["database"] = "down"
        code = 503
    last = None
    if status["database"] == "ok":
        last = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    if last is None or last < timezone.now() - timezone.timedelta(minutes=3):
        status["worker"] = "stale" if last else "none"
        code = 503
    status["last_worker_beat"] = last.isoformat() if last else None
    return JsonResponse(status, status=code)


def permission_denied(request, exception=None):
    return render(request, "403.html", {"message": _("You do not have permission to do this.")}, status=403)


def flash_saved(request, obj) -> None:
    messages.success(request, _("Saved: %(obj)s") % {"obj": obj})
