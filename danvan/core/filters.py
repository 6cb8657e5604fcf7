"""Filters shared by every list: accent-insensitive search and a unit-subtree filter."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from danvan.core.forms import style_fields
from danvan.core.text import fold


class StyledFilterSet(django_filters.FilterSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.form.fields)


class FoldedSearchFilter(django_filters.CharFilter):
    """ "nguyen van a" finds "Nguyễn Văn A": matches every word against a folded column."""

    def __init__(self, *args, field_name: str = "search_name", **kwargs):
        kwargs.setdefault("label", _("Search"))
        super().__init__(*args, field_name=field_name, **kwargs)

    def filter(self, qs, value):
        for word in fold(value).split():
            qs = qs.filter(**{f"{self.field_name}__contains": word})
        return qs
