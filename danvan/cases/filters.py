"""Filters of the case, dialogue, commitment and reception lists (one FilterSet serves page and export)."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from danvan.cases.models import (
    OPEN_COMMITMENT_STATUSES,
    OPEN_STATUSES,
    Case,
    Channel,
    Commitment,
    CommitmentStatus,
    ConcernField,
    Dialogue,
    DialogueStatus,
    Kind,
    ReceptionRequirement,
    ReceptionSession,
    ReceptionStatus,
    Status,
    Urgency,
)
from danvan.core.filters import FoldedSearchFilter, StyledFilterSet

DEADLINE_CHOICES = [
    ("overdue", _("Overdue")),
    ("soon", _("Due within 7 days")),
    ("open", _("Open")),
    ("awaiting_answer", _("Concluded, answer not yet sent")),
    ("late_done", _("Resolved late")),
]


class CaseFilter(StyledFilterSet):
    q = FoldedSearchFilter(
        field_name="search_text",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("reference, words of the summary")}),
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Kind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Status.choices)
    deadline = django_filters.ChoiceFilter(
        label=_("Deadline"), choices=DEADLINE_CHOICES, method="filter_deadline"
    )
    field = django_filters.ModelChoiceFilter(label=_("Field"), queryset=ConcernField.objects.all())
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    urgency = django_filters.ChoiceFilter(label=_("Urgency"), choices=Urgency.choices)
    is_collective = django_filters.BooleanFilter(
        label=_("Collective cases"),
        widget=forms.Select(choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))]),
    )
    mine = django_filters.BooleanFilter(
        label=_("Assigned to me"), method="filter_mine", widget=forms.CheckboxInput
    )
    received_from = django_filters.DateFilter(
        label=_("Received from"), field_name="received_on", lookup_expr="gte", widget=forms.DateInput()
    )
    received_to = django_filters.DateFilter(
        label=_("Received until"), field_name="received_on", lookup_expr="lte", widget=forms.DateInput()
    )

    class Meta:
        model = Case
        fields = ["q", "kind", "status", "deadline", "field", "channel", "urgency", "is_collective"]

    def filter_deadline(self, qs, name, value):
        from danvan.cases.selectors import AWAITING_ANSWER, BEING_RESOLVED

        today = timezone.localdate()
        if value == "overdue":  # as the overdue list and the figures: being resolved, past the deadline
            return qs.filter(BEING_RESOLVED, due_on__lt=today)
        if value == "soon":
            return qs.filter(
                status__in=OPEN_STATUSES, due_on__gte=today, due_on__lte=today + timezone.timedelta(days=7)
            )
        if value == "open":
            return qs.filter(BEING_RESOLVED)
        if value == "awaiting_answer":
            return qs.filter(AWAITING_ANSWER)
        if value == "late_done":
            from django.db.models import F

            return qs.filter(concluded_on__gt=F("resolution_due"))
        return qs

    def filter_mine(self, qs, name, value):
        return qs.filter(handler=self.request.user) if value and self.request else qs


class DialogueFilter(StyledFilterSet):
    q = FoldedSearchFilter(field_name="search_text", widget=forms.TextInput(attrs={"type": "search"}))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DialogueStatus.choices)
    held_from = django_filters.DateFilter(
        label=_("From"), field_name="held_on", lookup_expr="gte", widget=forms.DateInput()
    )
    held_to = django_filters.DateFilter(
        label=_("To"), field_name="held_on", lookup_expr="lte", widget=forms.DateInput()
    )

    class Meta:
        model = Dialogue
        fields = ["q", "status"]


class CommitmentFilter(StyledFilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CommitmentStatus.choices)
    state = django_filters.ChoiceFilter(
        label=_("Follow-up"),
        choices=[("open", _("Not done yet")), ("overdue", _("Overdue"))],
        method="filter_state",
    )

    class Meta:
        model = Commitment
        fields = ["status"]

    def filter_state(self, qs, name, value):
        if value == "open":
            return qs.filter(status__in=OPEN_COMMITMENT_STATUSES)
        if value == "overdue":
            return qs.filter(status__in=OPEN_COMMITMENT_STATUSES, due_on__lt=timezone.localdate())
        return qs


class ReceptionSessionFilter(StyledFilterSet):
    position = django_filters.ModelChoiceFilter(
        label=_("Position"), queryset=ReceptionRequirement.objects.all()
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ReceptionStatus.choices)
    on_from = django_filters.DateFilter(
        label=_("From"), field_name="on", lookup_expr="gte", widget=forms.DateInput()
    )
    on_to = django_filters.DateFilter(
        label=_("To"), field_name="on", lookup_expr="lte", widget=forms.DateInput()
    )

    class Meta:
        model = ReceptionSession
        fields = ["position", "status"]
