import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from danvan.structure.models import Branch, Organisation, Unit

TABLE_ATTRS = {"class": "table table-sm table-hover align-middle mb-0"}


class UnitTable(tables.Table):
    code = tables.Column(verbose_name=_("Code"))
    name = tables.Column(linkify=True, verbose_name=_("Name"))
    level = tables.Column(verbose_name=_("Level"))
    division_type = tables.Column(verbose_name=_("Division type"), empty_values=())
    parent = tables.Column(verbose_name=_("Belongs to"), accessor="parent__name")
    population = tables.Column(verbose_name=_("Population"))
    valid_to = tables.DateColumn(verbose_name=_("Valid until"), format="d/m/Y")

    class Meta:
        model = Unit
        fields = ("code", "name", "level", "division_type", "parent", "population", "valid_to")
        attrs = TABLE_ATTRS

    def render_division_type(self, value, record):
        # a village's type is its kind (Ấp, Khóm, Thôn…), as the unit's page shows it
        return record.kind_label

    value_division_type = render_division_type


class OrganisationTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("Name"))
    type = tables.Column(verbose_name=_("Type"))
    unit = tables.Column(verbose_name=_("Unit"))
    parent = tables.Column(verbose_name=_("Parent organisation"))
    is_active = tables.BooleanColumn(verbose_name=_("Active"))

    class Meta:
        model = Organisation
        fields = ("name", "type", "unit", "parent", "is_active")
        attrs = TABLE_ATTRS


class BranchTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("Name"))
    kind = tables.Column(verbose_name=_("Kind"))
    organisation = tables.Column(verbose_name=_("Organisation"))
    unit = tables.Column(verbose_name=_("Located in"))
    leader_name = tables.Column(verbose_name=_("Leader"))
    is_active = tables.BooleanColumn(verbose_name=_("Active"))

    class Meta:
        model = Branch
        fields = ("name", "kind", "organisation", "unit", "leader_name", "is_active")
        attrs = TABLE_ATTRS
