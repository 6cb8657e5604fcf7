"""Django admin (superusers only): the administrative units, read only, so that the reference rows of other
modules (an opinion source's or an alert rule's unit) are chosen by typing a few letters of the name instead of
scrolling a list of every unit in the country. Units change only through the loaders and the structure pages."""

from django.contrib import admin

from danvan.core.text import fold
from danvan.structure.models import Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "level", "parent")
    list_filter = ("level",)
    search_fields = ("search_name", "code")
    list_select_related = ("parent",)
    ordering = ("path",)

    def get_search_results(self, request, queryset, search_term):
        # "phu khuong" finds "Phường Phú Khương": every folded word against the folded name, or the exact code
        words = fold(search_term).split()
        if not words:
            return queryset, False
        by_name = queryset
        for word in words:
            by_name = by_name.filter(search_name__contains=word)
        return by_name | queryset.filter(code=search_term.strip()), False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
