"""Forms of the analysis pages (alert rules)."""

from __future__ import annotations

from django import forms

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
