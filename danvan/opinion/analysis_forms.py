"""Forms of the analysis pages (alert rules, the issue list's filters)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from danvan.core.forms import StyledForm
from danvan.opinion.models import AlertRule
from danvan.opinion.services import RULE_FIELDS


class AlertRuleForm(forms.ModelForm):
    class Meta:
        model = AlertRule
        fields = ("unit", *RULE_FIELDS)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from danvan.structure.models import Unit

        self.fields["unit"].queryset = Unit.objects.visible_to(user, "change").active()


class IssueFilterForm(StyledForm):
    """Filters of the issue list (and its export): place (a unit of the scope, or a commune's code), period of
    the last item, field, status and the smallest number of items (empty: ``ISSUE_MIN_ITEMS``)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("words of the title")}),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit (and below)"), queryset=None, required=False, empty_label=_("All units")
    )
    commune = forms.CharField(label=_("Unit code"), required=False, max_length=20)
    seen_from = forms.DateField(label=_("Last seen from"), required=False, widget=forms.DateInput())
    seen_to = forms.DateField(label=_("Last seen to"), required=False, widget=forms.DateInput())
    field = forms.ChoiceField(label=pgettext_lazy("concern", "Field"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    min_items = forms.IntegerField(
        label=_("Items at least"),
        required=False,
        min_value=1,
        max_value=1_000_000,
        error_messages={
            "min_value": _("The number of items must be 1 or more."),
            "max_value": _("The number of items must be at most 1,000,000."),
            "invalid": _("Write the number of items as a whole number."),
        },
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from danvan.opinion.filters import field_choices
        from danvan.opinion.forms import pickable_units
        from danvan.opinion.models import IssueStatus
        from danvan.opinion.selectors import ISSUE_MIN_ITEMS

        self.fields["min_items"].widget.attrs["placeholder"] = str(ISSUE_MIN_ITEMS)
        self.fields["min_items"].widget.attrs["title"] = _("Empty: %(n)s (1 shows the single items too).") % {
            "n": ISSUE_MIN_ITEMS
        }

        self.fields["unit"].queryset = pickable_units(user, "opinion.view_issue")
        self.fields["field"].choices = [("", _("All fields")), *field_choices()]
        self.fields["status"].choices = [("", _("All statuses")), ("open", _("Open")), *IssueStatus.choices]

    def unit_paths(self, user) -> list[str]:
        """The subtree(s) to keep: the chosen unit's and the coded unit's (both must hold)."""
        from danvan.structure.models import Unit

        paths = []
        if self.cleaned_data.get("unit"):
            paths.append(self.cleaned_data["unit"].path)
        code = (self.cleaned_data.get("commune") or "").strip()
        if code:
            unit = Unit.objects.filter(code=code, valid_to__isnull=True).order_by("path").first()
            paths.append(unit.path if unit else "#unknown#")  # an unknown code matches nothing
        return paths
