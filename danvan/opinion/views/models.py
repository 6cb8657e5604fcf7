"""Opinion pages: model versions (cards, metrics, comparison), retraining as a job, promotion and rollback
(system administrators only, through the services), and the privacy settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from danvan.opinion import selectors, services
from danvan.opinion.forms import PrivacyForm
from danvan.opinion.models import ModelStatus, ModelVersion, OpinionSettings


def _need(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


class ModelListView(LoginRequiredMixin, View):
    def get(self, request):
        _need(request, "opinion.view_modelversion")
        context = {
            "versions": ModelVersion.objects.order_by("-trained_at", "-id")[:100],
            "active": ModelVersion.objects.filter(status=ModelStatus.ACTIVE).first(),
            "can_retrain": services.can_retrain(request.user),
            "can_promote": request.user.has_perm("opinion.promote_modelversion"),
            "default": selectors.default_model_card(),
            "page_title": _("Model versions"),
        }
        return render(request, "opinion/models/list.html", context)


class ModelDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        _need(request, "opinion.view_modelversion")
        version = get_object_or_404(ModelVersion, pk=pk)
        context = {
            "version": version,
            "page_title": _("Model card: %(v)s") % {"v": version.version},
            "can_promote": request.user.has_perm("opinion.promote_modelversion"),
            "card_items": sorted((version.card or {}).items()) if isinstance(version.card, dict) else [],
            "metric_items": sorted((version.metrics or {}).items())
            if isinstance(version.metrics, dict)
            else [],
            "comparison_items": sorted((version.comparison or {}).items())
            if isinstance(version.comparison, dict)
            else [],
            "comparison_rows": selectors.comparison_rows(version),
            "better": (version.comparison or {}).get("better")
            if isinstance(version.comparison, dict)
            else None,
        }
        return render(request, "opinion/models/detail.html", context)


class _ModelAction(LoginRequiredMixin, View):
    def run(self, request, **kwargs):
        raise NotImplementedError

    def post(self, request, **kwargs):
        try:
            response = self.run(request, **kwargs)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            response = None
        return response or redirect("opinion:model-list")


class ModelRetrainView(_ModelAction):
    def run(self, request):
        job = services.retrain_start(actor=request.user)
        messages.success(request, _("Retraining started."))
        return redirect("core:job-detail", pk=job.pk)


class ModelPromoteView(_ModelAction):
    def run(self, request, pk):
        version = get_object_or_404(ModelVersion, pk=pk)
        services.model_promote(actor=request.user, version=version)
        messages.success(
            request, _("Version %(v)s is now active; every item is analysed again.") % {"v": version}
        )
        return redirect("opinion:model-detail", pk=version.pk)


class ModelRollbackView(_ModelAction):
    def run(self, request):
        previous = services.model_rollback(actor=request.user)
        if previous is None:
            messages.success(request, _("Rolled back to the shipped default models."))
        else:
            messages.success(request, _("Rolled back to version %(v)s.") % {"v": previous})


class PrivacyView(LoginRequiredMixin, View):
    def _render(self, request, form, status=200):
        context = {"form": form, "page_title": _("Opinion privacy settings"), "row": OpinionSettings.get(),
                   "can_change": request.user.has_perm("opinion.change_opinionsettings")}  # fmt: skip
        return render(request, "opinion/models/privacy.html", context, status=status)

    def get(self, request):
        _need(request, "opinion.view_opinionsettings")
        row = OpinionSettings.get()
        return self._render(request, PrivacyForm(initial={"min_group_size": row.min_group_size,
                                                          "retention_days": row.retention_days}))  # fmt: skip

    def post(self, request):
        _need(request, "opinion.change_opinionsettings")
        form = PrivacyForm(request.POST)
        if form.is_valid():
            try:
                services.settings_update(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Privacy settings saved."))
                return redirect("opinion:privacy")
        return self._render(request, form, status=400)


urlpatterns = [
    path("models/", ModelListView.as_view(), name="model-list"),
    path("models/<int:pk>/", ModelDetailView.as_view(), name="model-detail"),
    path("models/retrain/", ModelRetrainView.as_view(), name="model-retrain"),
    path("models/<int:pk>/promote/", ModelPromoteView.as_view(), name="model-promote"),
    path("models/rollback/", ModelRollbackView.as_view(), name="model-rollback"),
    path("privacy/", PrivacyView.as_view(), name="privacy"),
]
