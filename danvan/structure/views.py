from django.utils.translation import gettext_lazy as _

from danvan.core.views import ScopedDetailView, ScopedListView
from danvan.structure import selectors
from danvan.structure.filters import BranchFilter, OrganisationFilter, UnitFilter
from danvan.structure.models import Branch, Organisation, Unit
from danvan.structure.tables import BranchTable, OrganisationTable, UnitTable


class UnitListView(ScopedListView):
    model = Unit
    table_class = UnitTable
    filterset_class = UnitFilter
    page_title = _("Administrative units")
    export_name = "don-vi-hanh-chinh"

    def get_queryset(self):
        return super().get_queryset().select_related("parent")


class UnitDetailView(ScopedDetailView):
    model = Unit
    template_name = "structure/unit_detail.html"
    context_object_name = "unit"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit = self.object
        context["ancestors"] = unit.ancestors()
        context["children"] = selectors.unit_children(actor=self.request.user, unit=unit)
        context["counts"] = selectors.unit_counts(actor=self.request.user, unit=unit)
        context["organisations"] = selectors.organisations_visible(actor=self.request.user).filter(unit=unit)
        context["branches"] = selectors.branches_visible(actor=self.request.user).filter(unit=unit)
        return context


class OrganisationListView(ScopedListView):
    model = Organisation
    table_class = OrganisationTable
    filterset_class = OrganisationFilter
    page_title = _("Organisations")
    export_name = "to-chuc"

    def get_queryset(self):
        return super().get_queryset().select_related("type", "unit", "parent")


class OrganisationDetailView(ScopedDetailView):
    model = Organisation
    template_name = "structure/organisation_detail.html"
    context_object_name = "organisation"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["children"] = selectors.organisations_visible(actor=user).filter(parent=self.object)
        context["branches"] = selectors.branches_visible(actor=user).filter(organisation=self.object)
        return context


class BranchListView(ScopedListView):
    model = Branch
    table_class = BranchTable
    filterset_class = BranchFilter
    page_title = _("Branches")
    export_name = "chi-hoi"

    def get_queryset(self):
        return super().get_queryset().select_related("organisation", "unit")


class BranchDetailView(ScopedDetailView):
    model = Branch
    template_name = "structure/branch_detail.html"
    context_object_name = "branch"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["children"] = selectors.branches_visible(actor=self.request.user).filter(parent=self.object)
        return context
