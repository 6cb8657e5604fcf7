"""Django admin (superusers only) for the opinion module's reference rows. Items, issues and alerts are handled
on the module's pages, which apply the scope; no author identity exists to show."""

from django.contrib import admin

from danvan.opinion.models import AlertRule, ModelVersion, OpinionSettings, Source


@admin.register(OpinionSettings)
class OpinionSettingsAdmin(admin.ModelAdmin):
    list_display = ("min_group_size", "retention_days", "grouping_window_days", "updated_at")


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("version", "status", "trained_at", "promoted_at")
    list_filter = ("status",)
    readonly_fields = ("card", "metrics", "comparison")


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "unit", "is_active", "flagged", "failure_count", "last_success_at")
    list_filter = ("kind", "is_active", "flagged")
    exclude = ("token_hash",)
    autocomplete_fields = ("unit",)


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "field", "target", "sensitivity", "min_volume", "is_active")
    list_filter = ("target", "is_active")
    autocomplete_fields = ("unit",)
