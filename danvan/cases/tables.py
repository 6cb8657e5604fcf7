"""Tables of the lists. Every case row shows its deadline (days left, overdue in red); exports give the
same columns — never a denouncer's identity (it is not on the case) nor citizens' contact details."""

from __future__ import annotations

import django_tables2 as tables
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from danvan.cases.models import Case, Commitment, Dialogue, ReceptionSession

TABLE_ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}


class DeadlineColumn(tables.Column):
    """The current deadline: a coloured badge on the page, the date in exports."""

    def __init__(self, **kwargs):
        kwargs.setdefault("verbose_name", _("Deadline"))
        kwargs.setdefault("accessor", "due_on")
        kwargs.setdefault("order_by", ("due_on",))
        super().__init__(**kwargs)

    def render(self, value, record):
        return render_to_string("cases/_deadline.html", {"obj": record})

    def value(self, value, record):
        return value  # a real date in the spreadsheet; the days left have a column of their own


def days_left_column() -> tables.Column:
    """Exported beside the deadline: calendar days left (negative when overdue), empty once closed."""
    return tables.Column(
        verbose_name=_("Days left"), accessor="days_left", visible=False, orderable=False, default=""
    )


class CaseTable(tables.Table):
    reference = tables.Column(
        verbose_name=_("Reference"), linkify=True, attrs={"td": {"class": "text-nowrap"}}
    )
    title = tables.Column(verbose_name=_("Summary"), attrs={"td": {"class": "case-title"}})
    kind = tables.Column(verbose_name=_("Kind"), visible=False)
    status = tables.Column(verbose_name=_("Status"))
    unit = tables.Column(
        verbose_name=_("Unit concerned"), accessor="unit__name", order_by=("concerned_path",)
    )
    handling_org = tables.Column(verbose_name=_("Handling body"), accessor="handling_org__name")
    field = tables.Column(verbose_name=_("Field"), accessor="field__name", visible=False)
    received_on = tables.DateColumn(
        verbose_name=_("Received"), format="d/m/Y", attrs={"td": {"class": "text-nowrap"}}
    )
    due_on = DeadlineColumn()
    days_left = days_left_column()
    handler = tables.Column(verbose_name=_("Handler"), accessor="handler")

    class Meta:
        model = Case
        fields = (
            "reference",
            "title",
            "kind",
            "status",
            "unit",
            "handling_org",
            "field",
            "received_on",
            "due_on",
            "days_left",
            "handler",
        )
        attrs = TABLE_ATTRS
        order_by = ("-received_on",)
        row_attrs = {
            "class": lambda record: (
                "table-danger-soft" if record.is_overdue or record.is_answer_overdue else ""
            )
        }

    def render_title(self, value, record):
        from django.utils.html import format_html, format_html_join

        badges = []
        if record.is_collective:
            badges.append(("text-bg-warning", _("collective")))
        if record.urgency != "normal":
            badges.append(("text-bg-danger", record.get_urgency_display()))
        details = record.get_kind_display() + (f" · {record.field.name}" if record.field_id else "")
        return format_html(
            '{}{}<div class="small text-muted">{}</div>',
            value,
            format_html_join("", ' <span class="badge {}">{}</span>', badges),
            details,
        )

    def value_title(self, value, record):
        return value


class DialogueTable(tables.Table):
    title = tables.Column(verbose_name=_("Title"), linkify=True)
    held_on = tables.DateColumn(verbose_name=_("Date"), format="d/m/Y")
    unit = tables.Column(verbose_name=_("Unit"), accessor="unit__name")
    chair_name = tables.Column(verbose_name=_("Chaired by"))
    participant_count = tables.Column(verbose_name=_("Number of participants"))  # a head-count, not who
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = Dialogue
        fields = ("title", "held_on", "unit", "chair_name", "participant_count", "status")
        attrs = TABLE_ATTRS


class CommitmentTable(tables.Table):
    text = tables.Column(verbose_name=_("Commitment"), linkify=True)
    dialogue = tables.Column(verbose_name=_("Dialogue session"), accessor="dialogue__title")
    owner_org = tables.Column(verbose_name=_("Responsible body"), accessor="owner_org__name")
    owner_name = tables.Column(verbose_name=_("Responsible person"))
    due_on = DeadlineColumn()
    days_left = days_left_column()
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = Commitment
        fields = ("text", "dialogue", "owner_org", "owner_name", "due_on", "days_left", "status")
        attrs = TABLE_ATTRS
        row_attrs = {"class": lambda record: "table-danger-soft" if (record.days_left or 0) < 0 else ""}


class ReceptionSessionTable(tables.Table):
    on = tables.DateColumn(verbose_name=_("Date"), format="D d/m/Y")
    time = tables.TemplateColumn(
        verbose_name=_("Time"),
        template_code="{{ record.start_time|time:'H:i'|default:'' }}{% if record.end_time %}–{{ record.end_time|time:'H:i' }}{% endif %}",
        orderable=False,
    )
    unit = tables.Column(verbose_name=_("Unit"), accessor="unit__name")
    position = tables.Column(verbose_name=_("Position"), accessor="position__label")
    leader_name = tables.Column(verbose_name=_("Leader"))
    place = tables.Column(verbose_name=pgettext_lazy("venue", "Place"))
    status = tables.Column(verbose_name=_("Status"))
    citizens_received = tables.Column(verbose_name=_("Citizens received"))
    edit = tables.Column(
        empty_values=(),
        verbose_name="",
        orderable=False,
        exclude_from_export=True,
        attrs={"td": {"class": "text-nowrap"}},
    )

    class Meta:
        model = ReceptionSession
        fields = ("on", "time", "unit", "position", "leader_name", "place", "status", "citizens_received")
        attrs = TABLE_ATTRS

    def __init__(self, *args, user=None, **kwargs):
        # "Edit" only on the sessions the user may change (others may see the schedule, not change it)
        self.user = user
        if user is not None and not user.has_perm("cases.change_receptionsession"):
            kwargs["exclude"] = (*kwargs.get("exclude", ()), "edit")
        super().__init__(*args, **kwargs)

    def render_edit(self, record, value):
        from django.urls import reverse
        from django.utils.html import format_html

        from danvan.core.scoping import has_scope_permission

        if self.user is not None and not has_scope_permission(
            self.user, "cases.change_receptionsession", record.unit_path, record.org_path or None
        ):
            return ""
        return format_html(
            '<a href="{}">{}</a>', reverse("cases:reception-update", args=[record.pk]), _("Edit")
        )
