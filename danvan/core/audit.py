"""The administrators' audit pages: row history (django-pghistory) and reads of sensitive data."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin
from pghistory.models import MiddlewareEvents

from danvan.core import exports
from danvan.core.filters import StyledFilterSet
from danvan.core.models import AccessLog
from danvan.core.scoping import user_scopes

AUDIT_PERM = "core.view_accesslog"


def events_visible_to(user):
    """Superusers see every change; auditors see changes of records located in their unit subtrees (by each
    model's ``scope_unit_field``: ``unit_path``, a unit's own ``path``, an account's ``home_unit_path``)."""
    qs = MiddlewareEvents.objects.all()
    if user.is_superuser:
        return qs
    condition = Q()
    for scope in user_scopes(user, AUDIT_PERM):
        condition |= (
            Q(pgh_data__unit_path__startswith=scope.unit_path)
            | Q(pgh_obj_model="structure.Unit", pgh_data__path__startswith=scope.unit_path)
            | Q(pgh_obj_model="accounts.User", pgh_data__home_unit_path__startswith=scope.unit_path)
        )
    return qs.filter(condition) if condition else qs.none()


def _model_choices():
    from django.apps import apps

    choices = []
    for model in apps.get_models():
        if not getattr(model, "pgh_event_models", None):
            continue  # only models whose rows have history
        if model.__module__.startswith("danvan."):  # every module's, not the libraries' own
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
    model = _model(label)
    return str(model._meta.verbose_name).capitalize() if model is not None else label


# Records whose name is personal data (a member's name, a case's title): the audit page shows their number
# and a link to their page, where the module's own permissions apply, not the name.
UNNAMED_MODELS = frozenset({"members.person", "members.membership", "cases.case"})


def _model(label: str):
    from django.apps import apps

    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # a column of the history only
        return None


def _related_model(field):
    """The model a foreign key (or one-to-one) of a history row points to; None for other fields."""
    if field is None or not getattr(field, "many_to_one", False) and not getattr(field, "one_to_one", False):
        return None
    return field.related_model


def _value_text(field, value, names: dict | None = None) -> str:
    """One value of a history row as an official reads it: a record by its name (``names``: (model label,
    str(id)) → name, read per page by ``EventTable``), a time in local time, a date dd/mm/yyyy, yes/no in
    words, a choice by its label; a value of an unknown column, or a JSON column's, as it is."""
    if value is None or value == "":
        return "—"
    if field is None:
        return str(value)
    related = _related_model(field)
    if related is not None:
        name = (names or {}).get((related._meta.label, str(value)))
        return name or f"#{value}"
    if isinstance(value, bool):
        return str(pgettext_lazy("change history", "Yes") if value else pgettext_lazy("change history", "No"))
    if field.choices and isinstance(value, (str, int)):
        return str(dict(field.flatchoices).get(value, value))
    kind = field.get_internal_type()
    if kind == "DateTimeField" and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, dt.UTC)
            return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")
    if kind == "DateField" and isinstance(value, str):
        day = parse_date(value[:10])
        if day is not None:
            return day.strftime("%d/%m/%Y")
    if isinstance(value, (int, float)) and kind not in ("JSONField", "ArrayField"):
        return formats.number_format(value, force_grouping=True)
    return str(value)


def describe_change(model, name: str, change, names: dict | None = None) -> str | None:
    """ "name: before → after" with the field's Vietnamese name and its values as an official reads them
    (``_value_text``); None for the columns derived from others (not editable: search keys, paths), whose
    change the editable fields already show."""
    field = _field(model, name)
    if field is not None and not field.editable:
        return None
    label = str(field.verbose_name) if field is not None else name
    before, after = (_value_text(field, v, names) for v in change)
    return f"{label}: {before:.40} → {after:.40}"


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
        """The users of the rows shown (the page, or every row of an export), those who made the changes and
        those a changed field names ("người xử lý: 4 → 11"), read in one query."""
        if getattr(self, "_names", None) is None:
            from danvan.accounts.models import User

            ids = {(r.pgh_context or {}).get("user") for r in self._records() if r.pgh_context} - {None}
            ids |= {int(i) for i in self._foreign_ids().get(User, set()) if str(i).isdigit()}
            self._names = {
                u.pk: str(u) for u in User.objects.filter(pk__in=ids).only("username", "full_name")
            }
        return self._names

    def _foreign_ids(self) -> dict:
        """model → the ids the changed foreign keys of the rows shown hold (before or after)."""
        if getattr(self, "_fk_ids", None) is None:
            self._fk_ids = {}
            for r in self._records():
                model = _model(r.pgh_obj_model) if r.pgh_obj_model else None
                for key, change in (r.pgh_diff or {}).items():
                    related = _related_model(_field(model, key))
                    if related is not None and isinstance(change, list):
                        self._fk_ids.setdefault(related, set()).update(
                            v for v in change if isinstance(v, (int, str)) and not isinstance(v, bool)
                        )
        return self._fk_ids

    def _related_names(self) -> dict:
        """The names of the records the changed foreign keys point to, (model label, str(id)) → name: one
        query per model pointed to for the whole page, not one per row."""
        from danvan.accounts.models import User

        if getattr(self, "_related", None) is None:
            self._related = {}
            for related, ids in self._foreign_ids().items():
                label = related._meta.label
                if related is User:
                    self._related.update({(label, str(pk)): name for pk, name in self._user_names().items()})
                elif label.lower() not in UNNAMED_MODELS:  # personal data: by number, as the record column
                    # As in _objects(): the names of the records that the auditor's scope's changes name.
                    # select_related(): a name made of a related record's (a meeting's branch) costs no query
                    for obj in related._base_manager.filter(pk__in=ids).select_related():
                        self._related[(label, str(obj.pk))] = str(obj)
        return self._related

    def _records(self) -> list:
        page = getattr(self, "page", None)
        return [getattr(r, "record", r) for r in (page.object_list if page else self.data)]

    def _objects(self) -> dict:
        """The records the rows shown refer to, (model label, id) → object, one query per record type."""
        if getattr(self, "_objs", None) is None:
            wanted: dict[str, set] = {}
            for r in self._records():
                if r.pgh_obj_model and r.pgh_obj_id is not None:
                    wanted.setdefault(r.pgh_obj_model, set()).add(r.pgh_obj_id)
            self._objs = {}
            for label, ids in wanted.items():
                model = _model(label)
                if model is None:
                    continue
                # Not through visible_to(): the events shown are already those of the auditor's scope
                # (events_visible_to), an auditor need not hold the module's own rights, and the records
                # whose name is personal data are shown by number only (UNNAMED_MODELS).
                for obj in model._base_manager.filter(pk__in=ids).select_related():
                    self._objs[(label, str(obj.pk))] = obj
        return self._objs

    def _record_text(self, value, record) -> tuple[str, str]:
        """(text, address) of the record a row is about: its name (or number) and its page, if it still exists."""
        obj = self._objects().get((record.pgh_obj_model, str(value)))
        if obj is None:
            return (str(_("#%(id)s (deleted)") % {"id": value}) if record.pgh_obj_model else str(value)), ""
        text = f"#{value}" if record.pgh_obj_model.lower() in UNNAMED_MODELS else f"{obj} (#{value})"
        url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
        return text, url

    def render_pgh_obj_id(self, value, record):
        text, url = self._record_text(value, record)
        return format_html('<a href="{}">{}</a>', url, text) if url else text

    def value_pgh_obj_id(self, value, record):
        return self._record_text(value, record)[0]

    def render_pgh_diff(self, value, record):
        if not value:
            return "—"
        model = _model(record.pgh_obj_model)
        names = self._related_names()
        parts = [
            describe_change(model, k, v, names)
            for k, v in value.items()
            if isinstance(v, list) and len(v) == 2
        ]
        return "; ".join([p for p in parts if p][:6]) or "—"


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


# What the access log's rows mean, declared by the modules that write them (from their AppConfig.ready(),
# as for the home page's cards): core imports no module.
SENSITIVE_FIELDS: dict[tuple[str, str], Any] = {}  # (model label, field code) → the field's name
PURPOSES: dict[str, tuple[Any, bool]] = {
    "view": (pgettext_lazy("access purpose", "Viewed"), False),
    "update": (pgettext_lazy("access purpose", "Changed"), False),
}


def register_sensitive_field(model_label: str, field: str, label) -> None:
    """A field whose reads ``access_log_record`` logs (``model_label`` as ``Model._meta.label``)."""
    SENSITIVE_FIELDS[(model_label, field)] = label


def register_purpose(code: str, label, *, numbered: bool = False) -> None:
    """A purpose code a module writes: ``code`` itself, or when ``numbered`` "<code> <number>" (``label``
    then takes the number as %(id)s)."""
    PURPOSES[code] = (label, numbered)


def field_label(model_label: str, field: str) -> str:
    """A logged field's name: as its module declared it, else the model field's own name, else the code."""
    if (model_label, field) in SENSITIVE_FIELDS:
        return str(SENSITIVE_FIELDS[(model_label, field)])
    found = _field(_model(model_label), field)
    verbose = getattr(found, "verbose_name", None)
    return str(verbose).capitalize() if verbose else field


def purpose_label(purpose: str) -> str:
    """A purpose code in words; a purpose a person typed is shown as typed."""
    code, _sep, number = purpose.partition(" ")
    if purpose in PURPOSES and not PURPOSES[purpose][1]:
        return str(PURPOSES[purpose][0])
    if code in PURPOSES and PURPOSES[code][1] and number.isdigit():
        return str(PURPOSES[code][0]) % {"id": number}
    return purpose


def _sensitive_model_choices():
    """The record types whose reads are logged, by their names."""
    return sorted({(label, model_name(label)) for label, _field_code in SENSITIVE_FIELDS}, key=lambda c: c[1])


class AccessLogFilter(StyledFilterSet):
    user__username = django_filters.CharFilter(label=_("User (username)"), lookup_expr="icontains")
    model = django_filters.ChoiceFilter(label=_("Record type"), choices=_sensitive_model_choices)
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

    def render_field(self, value, record):
        return field_label(record.model, value)

    def render_purpose(self, value):
        return purpose_label(value)


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
