import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from danvan.activities.models import (
    Attendance,
    Cadre,
    CadreRole,
    CourseKind,
    IssueStatus,
    Level,
    Meeting,
    MeetingIssue,
    MeetingKind,
    QuotaReminder,
    QuotaRule,
    TrainingCourse,
)
from danvan.activities.periods import PeriodKind
from danvan.core.filters import FoldedSearchFilter, StyledFilterSet, folded_word
from danvan.core.text import fold
from danvan.structure.models import OrgType

SEARCH = forms.TextInput(attrs={"type": "search"})
DATE = forms.DateInput(attrs={"type": "date"})


class MeetingFilter(StyledFilterSet):
    q = FoldedSearchFilter(
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("branch or topic")})
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=MeetingKind.choices)
    organisation__type = django_filters.ModelChoiceFilter(
        label=_("Organisation type"), queryset=OrgType.objects.filter(is_active=True)
    )
    held_from = django_filters.DateFilter(
        label=_("From"), field_name="held_on", lookup_expr="gte", widget=DATE
    )
    held_to = django_filters.DateFilter(label=_("To"), field_name="held_on", lookup_expr="lte", widget=DATE)
    with_cadres = django_filters.ChoiceFilter(
        label=_("Cadres attending"),
        choices=[("yes", _("At least one")), ("no", _("None"))],
        method="filter_with_cadres",
    )

    class Meta:
        model = Meeting
        fields = ["q", "kind", "organisation__type", "held_from", "held_to", "with_cadres"]

    def filter_with_cadres(self, qs, name, value):
        if value == "yes":
            return qs.filter(cadre_count__gt=0)
        if value == "no":
            return qs.filter(cadre_count=0)
        return qs


class AttendanceFilter(StyledFilterSet):
    q = FoldedSearchFilter(
        field_name="cadre__search_name",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("cadre")}),
    )
    level = django_filters.ChoiceFilter(label=_("Cadre's level"), choices=Level.choices)
    role = django_filters.ChoiceFilter(label=_("Cadre's role"), choices=CadreRole.choices)
    organisation__type = django_filters.ModelChoiceFilter(
        label=_("Cadre's organisation type"), queryset=OrgType.objects.filter(is_active=True)
    )
    held_from = django_filters.DateFilter(
        label=_("From"), field_name="held_on", lookup_expr="gte", widget=DATE
    )
    held_to = django_filters.DateFilter(label=_("To"), field_name="held_on", lookup_expr="lte", widget=DATE)

    class Meta:
        model = Attendance
        fields = ["q", "level", "role", "organisation__type", "held_from", "held_to"]


class CadreFilter(StyledFilterSet):
    q = FoldedSearchFilter(widget=SEARCH)
    level = django_filters.ChoiceFilter(label=_("Level"), choices=Level.choices)
    role = django_filters.ChoiceFilter(label=_("Role"), choices=CadreRole.choices)
    organisation__type = django_filters.ModelChoiceFilter(
        label=_("Organisation type"), queryset=OrgType.objects.filter(is_active=True)
    )
    has_account = django_filters.ChoiceFilter(
        label=_("Account"),
        choices=[("yes", _("With an account")), ("no", _("Registered by name"))],
        method="filter_account",
    )
    is_active = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[("true", _("Active")), ("false", _("Inactive"))],
        method="filter_active",
        empty_label=_("All"),
    )

    class Meta:
        model = Cadre
        fields = ["q", "level", "role", "organisation__type", "has_account", "is_active"]

    def filter_account(self, qs, name, value):
        return qs.filter(user__isnull=value != "yes") if value in ("yes", "no") else qs

    def filter_active(self, qs, name, value):
        return qs.filter(is_active=value == "true") if value in ("true", "false") else qs


class IssueFilter(StyledFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q", widget=SEARCH)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=IssueStatus.choices)

    class Meta:
        model = MeetingIssue
        fields = ["q", "status"]

    def filter_q(self, qs, name, value):
        """Every word in the issue itself (summary, details, who raised it) or in its meeting (branch, topics)."""
        for word in fold(value).split():
            qs = qs.filter(folded_word("search_name", word) | folded_word("meeting__search_name", word))
        return qs


class QuotaRuleFilter(StyledFilterSet):
    period = django_filters.ChoiceFilter(label=_("Per"), choices=PeriodKind.choices)
    org_type = django_filters.ModelChoiceFilter(
        label=_("Organisation type"), queryset=OrgType.objects.filter(is_active=True)
    )

    class Meta:
        model = QuotaRule
        fields = ["period", "org_type"]


class CourseFilter(StyledFilterSet):
    q = FoldedSearchFilter(widget=SEARCH)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CourseKind.choices)
    level = django_filters.ChoiceFilter(label=_("Level"), choices=Level.choices)
    year = django_filters.NumberFilter(label=_("Year"), field_name="starts_on", lookup_expr="year")

    class Meta:
        model = TrainingCourse
        fields = ["q", "kind", "level", "year"]


class ReminderFilter(StyledFilterSet):
    q = FoldedSearchFilter(field_name="cadre__search_name", widget=SEARCH)
    period_kind = django_filters.ChoiceFilter(label=_("Period"), choices=PeriodKind.choices)

    class Meta:
        model = QuotaReminder
        fields = ["q", "period_kind"]
