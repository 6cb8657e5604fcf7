"""The administrators' audit pages: row history (django-pghistory) and reads of sensitive data."""

from __future__ import annotations

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from pghistory.models import MiddlewareEvents

from danvan.core import exports
from danvan.core.filters import StyledFilterSet
from danvan.core.models import AccessLog
from danvan.core.scoping import user_scopes

AUDIT_PERM = "core.view_accesslog"


def events_visible_to(user):
    """Superusers see every change; auditors see changes of records located in their unit subtrees."""
    qs = MiddlewareEvents.objects.all()
    if user.is_superuser:
        return qs
    condition = Q()
    for scope in user_scopes(user, AUDIT_PERM):
        condition |= Q(pgh_data__unit_path__startswith=scope.unit_path) | Q(
            pgh_obj_model="structure.Unit", pgh_data__path__startswith=scope.unit_path
        )
    return qs.filter(condition) if condition else qs.none()


def _model_choices():
    from django.apps import apps

    choices = []
    for model in apps.get_models():
        if not getattr(model, "pgh_event_models", None):
            continue  # only models whose rows have history
        if model._meta.app_label in {"core", "structure", "accounts"} or model._meta.app_label.startswith(
            "danvan"
        ):
            choices.append((model._meta.label, str(model._meta.verbose_name).capitalize()))
    return sorted(set(choices), key=lambda c: c[1])


class EventFilter(StyledFilterSet):
    pgh_obj_model = django_filters.ChoiceFilter(label=_("Record type"), choices=_model_choices)
    pgh_label = django_filters.ChoiceFilter(
        label=_("Action"),
        choices=[("insert", _("Created")), ("update", _("Changed")), ("delete", _("Deleted"))],
    )
    user = django_filters.CharFilter(label=_("User (username)"), method="filter_user")
    since = django_filters.DateFilter(
        label=_("From"), field_name="pgh_created_at", lookup_expr="date__gte", widget=forms.DateInput()
    )
    until = django_filters.DateFilter(
        label=_("To"), field_name="pgh_created_at", lookup_expr="date__lte", widget=forms.DateInput()
    )

    class Meta:
        model = MiddlewareEvents
        fields = ["pgh_obj_model", "pgh_label"]

    def filter_user(self, qs, name, value):
        from danvan.accounts.models import User

        ids = list(User.objects.filter(username__icontains=value).values_list("pk", flat=True)[:50])
        return qs.filter(pgh_context__user__in=ids)


def model_name(label: str) -> str:
    """A model label ("structure.Unit") as its Vietnamese name ("Đơn vị hành chính"); unknown labels as given."""
    from django.apps import apps

    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return label
    return str(model._meta.verbose_name).capitalize()


class EventTable(tables.Table):
    pgh_created_at = tables.DateTimeColumn(verbose_name=_("Time"), format="d/m/Y H:i:s")
    pgh_label = tables.Column(verbose_name=_("Action"))
    pgh_obj_model = tables.Column(verbose_name=_("Record type"))
    pgh_obj_id = tables.Column(verbose_name=_("Record"))
    user = tables.Column(verbose_name=_("User"), accessor="pgh_context__user", orderable=False)
    url = tables.Column(verbose_name=_("Address"), accessor="pgh_context__url", orderable=False)
    pgh_diff = tables.Column(verbose_name=_("Changes"), orderable=False)

    class Meta:
        model = MiddlewareEvents
        fields = ("pgh_created_at", "pgh_label", "pgh_obj_model", "pgh_obj_id", "user", "url", "pgh_diff")
        attrs = {"class": "table table-sm table-hover mb-0 small"}

    def render_pgh_obj_model(self, value):
        return model_name(value)

    def render_pgh_label(self, value):
        return {"insert": _("Created"), "update": _("Changed"), "delete": _("Deleted")}.get(value, value)

    def render_user(self, value):
        return self._user_names().get(value, value)

    def _user_names(self) -> dict:
        """The users of the rows shown (the page, or every row of an export), read in one query."""
        if getattr(self, "_names", None) is None:
            from danvan.accounts.models import User

            page = getattr(self, "page", None)
            records = [getattr(r, "record", r) for r in (page.object_list if page else self.data)]
            ids = {(r.pgh_context or {}).get("user") for r in records if r.pgh_context} - {None}
            self._names = {
                u.pk: str(u) for u in User.objects.filter(pk__in=ids).only("username", "full_name")
            }
        return self._names

    def render_pgh_diff(self, value):
        if not value:
            return "—"
        parts = [
            f"{k}: {v[0]!s:.40} → {v[1]!s:.40}" for k, v in list(value.items())[:6] if isinstance(v, list)
        ]
        return "; ".join(parts) or "—"


class AuditView(LoginRequiredMixin, SingleTableMixin, FilterView):
    template_name = "core/list.html"
    table_class = EventTable
    filterset_class = EventFilter
    paginate_by = None
    table_pagination = {"per_page": 50}

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm(AUDIT_PERM):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return events_visible_to(self.request.user).order_by("-pgh_created_at")

    def get_template_names(self):
        if self.request.htmx and not self.request.htmx.boosted:
            return ["core/_table.html"]
        return [self.template_name]

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("export")
        if fmt in exports.FORMATS:
            filterset = self.get_filterset(self.get_filterset_class())
            qs = filterset.qs if filterset.is_valid() else self.get_queryset().none()
            return exports.table_export(EventTable(qs), fmt, "lich-su-thay-doi")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_title"] = _("Change history")
        query = self.request.GET.copy()
        query.pop("page", None)
        context["querystring"] = query.urlencode()
        return context


class AccessLogFilter(StyledFilterSet):
    user__username = django_filters.CharFilter(label=_("User (username)"), lookup_expr="icontains")
    model = django_filters.CharFilter(label=_("Record type"), lookup_expr="icontains")
    since = django_filters.DateFilter(
        label=_("From"), field_name="at", lookup_expr="date__gte", widget=forms.DateInput()
    )
    until = django_filters.DateFilter(
        label=_("To"), field_name="at", lookup_expr="date__lte", widget=forms.DateInput()
    )

    class Meta:
        model = AccessLog
        fields = []


class AccessLogTable(tables.Table):
    at = tables.DateTimeColumn(verbose_name=_("Time"), format="d/m/Y H:i:s")

    class Meta:
        model = AccessLog
        fields = ("at", "user", "model", "object_pk", "field", "purpose", "ip_address", "path")
        attrs = {"class": "table table-sm table-hover mb-0 small"}

    def render_model(self, value):
        return model_name(value)


class AccessLogView(AuditView):
    table_class = AccessLogTable
    filterset_class = AccessLogFilter

    def get_queryset(self):
        return AccessLog.objects.visible_to(self.request.user).select_related("user")

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("export")
        if fmt in exports.FORMATS:
            filterset = self.get_filterset(self.get_filterset_class())
            qs = filterset.qs if filterset.is_valid() else self.get_queryset().none()
            return exports.table_export(AccessLogTable(qs), fmt, "nhat-ky-truy-cap")
        return super(AuditView, self).get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_title"] = _("Sensitive data reads")
        return context
