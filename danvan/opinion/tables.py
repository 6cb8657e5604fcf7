"""Tables of the sources and items lists; exports give the same columns (never an author: only a keyed
hash exists and it is not shown)."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from danvan.opinion.models import Item, Source
from danvan.opinion.privacy import readable

TABLE_ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}


class SourceTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"), linkify=True)
    kind = tables.Column(verbose_name=_("Kind"))
    unit = tables.Column(verbose_name=_("Default unit"), accessor="unit__name", order_by=("unit_path",))
    is_active = tables.BooleanColumn(verbose_name=_("Active"))
    flagged = tables.BooleanColumn(verbose_name=_("Flagged"))
    failure_count = tables.Column(verbose_name=_("Failures"))
    last_success_at = tables.DateTimeColumn(verbose_name=_("Last success"), format="d/m/Y H:i")

    class Meta:
        model = Source
        fields = ("name", "kind", "unit", "is_active", "flagged", "failure_count", "last_success_at")
        attrs = TABLE_ATTRS


class AnalysedBooleanColumn(tables.BooleanColumn):
    """A label of the analysis: empty until the item is analysed (not a "no" it was never given)."""

    def render(self, value, record, bound_column):
        if record.analysed_at is None:
            return ""
        return super().render(value, record, bound_column)

    def export_value(self, record, value, bound_column):
        return "" if record.analysed_at is None else self._get_bool_value(record, value, bound_column)


class ItemTable(tables.Table):
    published_at = tables.DateTimeColumn(verbose_name=_("Published"), format="d/m/Y H:i", linkify=True)
    # Rendered from the title too (a meeting's issue is its title, often without details): never "—".
    excerpt = tables.Column(
        verbose_name=_("Text"),
        accessor="text",
        orderable=False,
        empty_values=(),
        attrs={"td": {"class": "text-cell"}},
    )
    source = tables.Column(
        verbose_name=_("Source"),
        accessor="source__name",
        orderable=False,
        attrs={"td": {"class": "meta-cell"}},
    )
    unit = tables.Column(
        verbose_name=_("Place"),
        accessor="unit__name",
        order_by=("unit_path",),
        attrs={"td": {"class": "meta-cell"}},
    )
    field = tables.Column(
        verbose_name=pgettext_lazy("concern", "Field"), empty_values=(), attrs={"td": {"class": "meta-cell"}}
    )
    sentiment = tables.Column(verbose_name=_("Sentiment"))
    relevant = AnalysedBooleanColumn(verbose_name=_("Relevant"))
    toxic = AnalysedBooleanColumn(verbose_name=_("Offensive"))
    reach = tables.Column(verbose_name=_("Reach"))

    class Meta:
        model = Item
        fields = (
            "published_at",
            "excerpt",
            "source",
            "unit",
            "field",
            "sentiment",
            "relevant",
            "toxic",
            "reach",
        )
        attrs = {**TABLE_ATTRS, "class": TABLE_ATTRS["class"] + " items-table"}

    def _field_name(self, code: str) -> str:
        if not hasattr(self, "_field_names"):
            from danvan.opinion.selectors import field_names

            self._field_names = field_names()
        return self._field_names.get(code, code)

    def render_field(self, value, record):
        if record.analysed_at is None:
            return format_html('<span class="text-muted small">{}</span>', _("waiting for analysis"))
        return self._field_name(value) if value else "—"

    def value_field(self, value, record):
        return self._field_name(value) if value else ""

    def render_excerpt(self, value, record):
        text = readable(record.title or value or "")
        return text if len(text) <= 140 else text[:140] + "…"

    def value_excerpt(self, value, record):
        return readable(" ".join(p for p in (record.title, value) if p))
