"""Django admin (superusers only) for the reference data of the cases module. Cases themselves are handled
on the module's pages, which apply the scope; a denouncer's identity is never registered here."""

from django.contrib import admin

from danvan.cases.models import CalendarDay, ConcernField, DeadlineRule, LetterTemplate, ReceptionRequirement


@admin.register(ConcernField)
class ConcernFieldAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "sort_order", "is_active")


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "kind", "stage", "instance", "days", "day_type", "is_active")
    list_filter = ("kind", "stage")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("day", "kind", "name", "source")
    list_filter = ("kind",)
    date_hierarchy = "day"


@admin.register(ReceptionRequirement)
class ReceptionRequirementAdmin(admin.ModelAdmin):
    list_display = ("code", "label", "level", "min_days", "period", "is_active")


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    list_display = ("kind", "updated_at", "updated_by")
