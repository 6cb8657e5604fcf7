"""Opinion pages: sources (list, detail with errors and flagged state, create/edit, re-enable) and the file
import (upload → preview with the column mapping → the shared import job with progress)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from danvan.core.views import ScopedListView
from danvan.opinion import ingestion
from danvan.opinion.filters import SourceFilter
from danvan.opinion.forms import ImportUploadForm, MappingForm, SourceForm
from danvan.opinion.models import Item, Source
from danvan.opinion.selectors import visible_or_404
from danvan.opinion.tables import SourceTable
from danvan.structure.forms import service_errors

TMP_DIR = ingestion.UPLOAD_TMP_DIR  # swept hourly (ingestion.sweep_abandoned_uploads)


def _source(request, pk: int, action: str = "view") -> Source:
    return visible_or_404(Source, request.user, pk, action, related=("unit",))


class SourceListView(ScopedListView):
    model = Source
    table_class = SourceTable
    filterset_class = SourceFilter
    page_title = gettext_lazy("Opinion sources")
    export_name = "nguon-du-luan"
    view_permission = "opinion.view_source"  # a collaborator gets 403, not an empty list and its export
    create_url_name = "opinion:source-create"
    paginate_by = None
    table_pagination = {"per_page": 50}

    def get_queryset(self):
        return super().get_queryset().select_related("unit")


class SourceDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        source = _source(request, pk)
        can_change = (
            request.user.has_perm("opinion.change_source")
            and Source.objects.visible_to(request.user, "change").filter(pk=source.pk).exists()
        )
        recent = (
            Item.objects.visible_to(request.user)
            .filter(source=source)
            .select_related("unit")
            .order_by("-published_at", "-id")[:10]
        )
        context = {
            "source": source,
            "page_title": source.name,
            "can_change": can_change,
            "recent": recent,
            "item_count": Item.objects.visible_to(request.user).filter(source=source).count(),
            "failure_limit": ingestion.FAILURE_LIMIT,
            "api_path": f"/api/opinion-sources/{source.pk}/items/",
        }
        return render(request, "opinion/sources/detail.html", context)


class SourceFormView(LoginRequiredMixin, View):
    def render_form(self, request, form, source=None, status=200):
        from danvan.structure.forms import mark_invalid

        if form.is_bound:
            mark_invalid(form)
        title = _("Edit source") if source else _("New source")
        back = source.get_absolute_url() if source else reverse("opinion:source-list")
        return render(request, "opinion/sources/form.html", {"form": form, "page_title": title, "back": back,
                                                              "source": source}, status=status)  # fmt: skip


class SourceCreateView(SourceFormView):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("opinion.add_source"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.render_form(request, SourceForm(actor=request.user))

    def post(self, request):
        form = SourceForm(request.POST, actor=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            unit = data.pop("unit")
            try:
                source = ingestion.source_create(actor=request.user, unit=unit, **data)
            except (ValidationError, PermissionDenied) as exc:
                service_errors(form, exc)
            else:
                messages.success(request, _("Source created: %(name)s") % {"name": source.name})
                return redirect(source.get_absolute_url())
        return self.render_form(request, form, status=400)


class SourceUpdateView(SourceFormView):
    def get(self, request, pk):
        source = _source(request, pk, "change")
        initial = {
            f: getattr(source, f)
            for f in ("name", "kind", "url", "description", "poll_interval_minutes", "is_active")
        }
        initial["unit"] = source.unit_id
        return self.render_form(request, SourceForm(actor=request.user, initial=initial), source)

    def post(self, request, pk):
        source = _source(request, pk, "change")
        form = SourceForm(request.POST, actor=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            unit = data.pop("unit")
            try:
                ingestion.source_update(actor=request.user, source=source, unit=unit, **data)
            except (ValidationError, PermissionDenied) as exc:
                service_errors(form, exc)
            else:
                messages.success(request, _("Saved: %(obj)s") % {"obj": source})
                return redirect(source.get_absolute_url())
        return self.render_form(request, form, source, status=400)


class SourceEnableView(LoginRequiredMixin, View):
    def post(self, request, pk):
        source = _source(request, pk, "change")
        ingestion.source_enable(actor=request.user, source=source)
        messages.success(request, _("The source is enabled again; it will be polled within a minute."))
        return redirect(source.get_absolute_url())


class SourceImportView(LoginRequiredMixin, View):
    """Step 1 (no ``token``): upload; the file is kept aside and its first rows shown with the mapping.
    Step 2 (``token``): the mapping is saved on the source and the import job started."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("opinion.change_source"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def _render(self, request, source, **context):
        context.setdefault("upload_form", ImportUploadForm())
        context.update(source=source, page_title=_("Import a file into %(s)s") % {"s": source.name})
        return render(request, "opinion/sources/import.html", context, status=context.pop("status", 200))

    def get(self, request, pk):
        return self._render(request, _source(request, pk, "change"))

    def post(self, request, pk):
        source = _source(request, pk, "change")
        token = request.POST.get("token", "")
        if not token:
            form = ImportUploadForm(request.POST, request.FILES)
            if not form.is_valid():
                return self._render(request, source, upload_form=form, status=400)
            upload = form.cleaned_data["file"]
            try:
                data = ingestion.preview(upload, upload.name, source=source)
            except ingestion.ImportFileError as exc:
                form.add_error("file", str(exc))
                return self._render(request, source, upload_form=form, status=400)
            token = uuid.uuid4().hex
            upload.seek(0)
            stored = default_storage.save(
                f"{TMP_DIR}/{token}-{upload.name[-80:]}", ContentFile(upload.read())
            )
            request.session[f"opinion-import-{token}"] = {
                "path": stored,
                "name": upload.name,
                "source": source.pk,
            }
            mapping_form = MappingForm(header=data["header"], initial_mapping=data["mapping"])
            return self._render(request, source, preview=data, mapping_form=mapping_form, token=token)
        info = request.session.get(f"opinion-import-{token}")
        if not info or info.get("source") != source.pk or not default_storage.exists(info["path"]):
            messages.error(request, _("The uploaded file is no longer available; upload it again."))
            return redirect("opinion:source-import", pk=source.pk)
        with default_storage.open(info["path"], "rb") as fh:
            content = ContentFile(fh.read(), name=info["name"])
        data = ingestion.preview(ContentFile(content.read(), name=info["name"]), info["name"], source=source)
        content.seek(0)
        mapping_form = MappingForm(request.POST, header=data["header"])
        if mapping_form.is_valid():
            try:
                job = ingestion.import_start(
                    actor=request.user, source=source, upload=content, mapping=mapping_form.mapping()
                )
            except ValidationError as exc:
                mapping_form.add_error(None, exc.messages)
            except ingestion.ImportFileError as exc:
                mapping_form.add_error(None, str(exc))
            else:
                default_storage.delete(info["path"])
                request.session.pop(f"opinion-import-{token}", None)
                return redirect("core:job-detail", pk=job.pk)
        return self._render(request, source, preview=data, mapping_form=mapping_form, token=token, status=400)


urlpatterns = [
    path("sources/", SourceListView.as_view(), name="source-list"),
    path("sources/new/", SourceCreateView.as_view(), name="source-create"),
    path("sources/<int:pk>/", SourceDetailView.as_view(), name="source-detail"),
    path("sources/<int:pk>/edit/", SourceUpdateView.as_view(), name="source-update"),
    path("sources/<int:pk>/enable/", SourceEnableView.as_view(), name="source-enable"),
    path("sources/<int:pk>/import/", SourceImportView.as_view(), name="source-import"),
]
