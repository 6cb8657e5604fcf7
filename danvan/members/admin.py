from django.contrib import admin

from danvan.members.models import EligibilityRule


@admin.register(EligibilityRule)
class EligibilityRuleAdmin(admin.ModelAdmin):
    """The eligibility rules per organisation type (defaults in ``members/data/eligibility.json``)."""

    list_display = ("org_type", "min_age", "max_age", "sex", "requires_veteran", "note")
