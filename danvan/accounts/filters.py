import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from danvan.accounts.models import Role, RoleAssignment, User
from danvan.core.filters import StyledFilterSet
from danvan.core.text import clean


class UserFilter(StyledFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="search", widget=forms.TextInput(attrs={"type": "search"})
    )
    is_active = django_filters.BooleanFilter(
        label=_("Status"),
        widget=forms.Select(choices=[("", _("All")), ("true", _("Active")), ("false", _("Disabled"))]),
    )

    class Meta:
        model = User
        fields = ["q", "is_active"]

    def search(self, qs, name, value):
        value = clean(value)
        return qs.filter(
            Q(username__icontains=value) | Q(full_name__icontains=value) | Q(email__icontains=value)
        )


class AssignmentFilter(StyledFilterSet):
    STATUS_CHOICES = (("current", _("Current")), ("upcoming", _("Upcoming")), ("ended", _("Ended")))

    role = django_filters.ModelChoiceFilter(label=_("Role"), queryset=Role.objects.all())
    user__username = django_filters.CharFilter(label=_("Username"), lookup_expr="icontains")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=STATUS_CHOICES, method="filter_status")

    class Meta:
        model = RoleAssignment
        fields = ["role", "user__username", "status"]

    def filter_status(self, qs, name, value):
        today = timezone.localdate()
        if value == "current":
            return qs.active_on(today)
        if value == "upcoming":
            return qs.filter(valid_from__gt=today)
        if value == "ended":
            return qs.filter(valid_to__lt=today)
        return qs


class RoleFilter(StyledFilterSet):
    """Only a search: without a filter set, django-filter offered every field, among them a list of every
    permission under its English codename ("Can add role assignment event")."""

    q = django_filters.CharFilter(
        label=_("Search"), method="search", widget=forms.TextInput(attrs={"type": "search"})
    )

    class Meta:
        model = Role
        fields = ["q"]

    def search(self, qs, name, value):
        value = clean(value)
        return qs.filter(Q(name__icontains=value) | Q(code__icontains=value))
