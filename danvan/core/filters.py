"""Filters shared by every list: accent-insensitive search and a unit-subtree filter."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters.utils import get_model_field

from danvan.core.forms import style_fields
from danvan.core.text import fold, regex_literal


class StyledFilterSet(django_filters.FilterSet):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._drop_pointless_null_choices()
        style_fields(self.form.fields)
        self._check_date_ranges()

    def _check_date_ranges(self):
        """A "from" date after its "until" date (the same column, ≥ and ≤) is an error shown on the form,
        not an empty list without a reason."""
        bounds: dict[tuple, dict[str, str]] = {}
        for name, filter_ in self.filters.items():
            if not isinstance(filter_, django_filters.DateFilter) or filter_.method:
                continue
            *transforms, op = filter_.lookup_expr.split("__")  # "gte", or "date__gte" on a datetime
            if op in ("gte", "lte"):
                bounds.setdefault((filter_.field_name, *transforms), {})[op] = name
        pairs = [(b["gte"], b["lte"]) for b in bounds.values() if "gte" in b and "lte" in b]
        if not pairs:
            return
        form = self.form
        clean = form.clean

        def clean_with_ranges():
            cleaned = clean()
            for low, high in pairs:
                start, end = cleaned.get(low), cleaned.get(high)
                if start and end and start > end:
                    form.add_error(high, _("This date is before the start date: enter the dates in order."))
            return cleaned

        form.clean = clean_with_ranges

    def _drop_pointless_null_choices(self):
        """FILTERS_NULL_CHOICE_LABEL adds "(trống)" to every choice filter; it finds rows only where the
        column may be NULL. Elsewhere (a case's kind, a method filter such as "Quá hạn") it found nothing."""
        model = self._meta.model
        for filter_ in self.filters.values():
            if not isinstance(filter_, django_filters.ChoiceFilter) or "null_label" in filter_.extra:
                continue
            field = get_model_field(model, filter_.field_name) if model and not filter_.method else None
            if field is None or not getattr(field, "null", False):
                filter_.extra["null_label"] = None
                # A form field built earlier (e.g. by the API schema, on the class's filters) is rebuilt.
                filter_.__dict__.pop("_field", None)


# A typed word of at most this many letters must start a word of the text ("anh" finds "Phản ánh", not
# "Thanh"); a longer one is found anywhere, as a Vietnamese syllable has at most seven letters (the same rule
# as the member list, ADR 0005 §4).
SHORT_WORD = 4


def folded_word(field_name: str, word: str, *, word_start: str = r"(^|[^0-9a-z])") -> Q:
    """Rows whose folded ``field_name`` has ``word`` (folded): at a word's start when it is short.

    ``word_start`` is what may stand before the word; a column of letters and single spaces (a folded name)
    passes ``"(^| )"``, which lets the trigram index use the trigrams of a word's start ("  a", " an")."""
    if len(word) <= SHORT_WORD:
        return Q(**{f"{field_name}__regex": word_start + regex_literal(word)})
    return Q(**{f"{field_name}__contains": word})


class FoldedSearchFilter(django_filters.CharFilter):
    """ "nguyen van a" finds "Nguyễn Văn A": matches every word against a folded column."""

    def __init__(self, *args, field_name: str = "search_name", **kwargs):
        kwargs.setdefault("label", _("Search"))
        super().__init__(*args, field_name=field_name, **kwargs)

    def filter(self, qs, value):
        for word in fold(value).split():
            qs = qs.filter(folded_word(self.field_name, word))
        return qs
