"""Opinion pages: alerts of the user's units (reason: what rose, against which baseline), acknowledge; alert
rules list, create and edit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views import View

from danvan.opinion import selectors, services
from danvan.opinion.analysis_forms import AlertRuleForm
from danvan.opinion.models import Alert, AlertRule
from danvan.opinion.services import RULE_FIELDS


class AlertListView(LoginRequiredMixin, View):
    def get(self, request):
        if not request.user.has_perm("opinion.view_alert"):
            raise PermissionDenied
        show = request.GET.get("show", "open")
        acknowledged = None if show == "all" else False
        alerts = list(
            selectors.alerts_for(request.user, acknowledged=acknowledged).order_by("-day", "-detected_at")[
                :200
            ]
        )
        context = {
            "page_title": _("Alerts"),
            "alerts": alerts,
            "show": show,
            "can_ack": request.user.has_perm("opinion.acknowledge_alert"),
        }
        return render(request, "opinion/alerts/list.html", context)


class AlertAcknowledgeView(LoginRequiredMixin, View):
    def post(self, request, pk: int):
        alert = Alert.objects.visible_to(request.user).filter(pk=pk).first()
        if alert is None:
            raise Http404
        services.alert_acknowledge(actor=request.user, alert=alert)
        messages.success(request, _("The alert was acknowledged."))
        return redirect("opinion:alert-list")


class AlertRuleListView(LoginRequiredMixin, View):
    def get(self, request):
        if not request.user.has_perm("opinion.view_alertrule"):
            raise PermissionDenied
        rules = list(selectors.alert_rules(request.user).order_by("name"))
        names = selectors.field_names()
        for r in rules:
            r.field_name = names.get(r.field, r.field) if r.field else ""
        context = {
            "page_title": _("Alert rules"),
            "rules": rules,
            "can_add": request.user.has_perm("opinion.add_alertrule"),
            "can_change": request.user.has_perm("opinion.change_alertrule"),
        }
        return render(request, "opinion/alerts/rules.html", context)


class AlertRuleFormView(LoginRequiredMixin, View):
    def _rule(self, request, pk):
        if pk is None:
            if not request.user.has_perm("opinion.add_alertrule"):
                raise PermissionDenied
            return None
        rule = AlertRule.objects.visible_to(request.user, "change").filter(pk=pk).first()
        if rule is None:
            raise Http404
        return rule

    def _render(self, request, form, rule):
        title = _("Edit alert rule") if rule else _("New alert rule")
        return render(
            request, "opinion/alerts/rule_form.html", {"page_title": title, "form": form, "rule": rule}
        )

    def get(self, request, pk: int | None = None):
        rule = self._rule(request, pk)
        return self._render(request, AlertRuleForm(instance=rule, user=request.user), rule)

    def post(self, request, pk: int | None = None):
        rule = self._rule(request, pk)
        form = AlertRuleForm(request.POST, instance=rule, user=request.user)
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in RULE_FIELDS}
            unit = form.cleaned_data["unit"]
            try:
                if rule is None:
                    services.alertrule_create(actor=request.user, unit=unit, **data)
                else:
                    services.alertrule_update(actor=request.user, rule=rule, unit=unit, **data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The alert rule was saved."))
                return redirect("opinion:alertrule-list")
        return self._render(request, form, rule)


urlpatterns = [
    path("alerts/", AlertListView.as_view(), name="alert-list"),
    path("alerts/<int:pk>/acknowledge/", AlertAcknowledgeView.as_view(), name="alert-acknowledge"),
    path("alert-rules/", AlertRuleListView.as_view(), name="alertrule-list"),
    path("alert-rules/new/", AlertRuleFormView.as_view(), name="alertrule-create"),
    path("alert-rules/<int:pk>/edit/", AlertRuleFormView.as_view(), name="alertrule-update"),
]
