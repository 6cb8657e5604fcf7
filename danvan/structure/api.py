"""API endpoints of the structure: units, organisations, branches (read-only, scoped)."""

from __future__ import annotations

import django_filters
from rest_framework import serializers

from danvan.core.api import ScopedReadOnlyViewSet
from danvan.core.filters import FoldedSearchFilter
from danvan.structure.models import Branch, Organisation, Unit


class UnitSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", read_only=True, default=None)
    successor_code = serializers.CharField(source="successor.code", read_only=True, default=None)

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "level",
            "division_type",
            "village_kind",
            "parent",
            "parent_code",
            "path",
            "valid_from",
            "valid_to",
            "successor",
            "successor_code",
            "population",
            "area_km2",
            "center_lon",
            "center_lat",
        ]


class OrganisationSerializer(serializers.ModelSerializer):
    type_code = serializers.CharField(source="type.code", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "type",
            "type_code",
            "unit",
            "unit_code",
            "parent",
            "path",
            "is_active",
            "address",
            "phone",
            "email",
        ]


class BranchSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = Branch
        fields = [
            "id",
            "name",
            "kind",
            "organisation",
            "parent",
            "unit",
            "unit_code",
            "path",
            "is_active",
            "leader_name",
            "founded_on",
        ]


class UnitApiFilter(django_filters.FilterSet):
    q = FoldedSearchFilter()
    parent = django_filters.NumberFilter()

    class Meta:
        model = Unit
        fields = ["level", "code", "parent"]


class UnitViewSet(ScopedReadOnlyViewSet):
    """Administrative units in the caller's scope (provinces, communes, villages, former provinces)."""

    model = Unit
    serializer_class = UnitSerializer
    filterset_class = UnitApiFilter

    def get_queryset(self):
        return super().get_queryset().select_related("parent", "successor")


class OrganisationApiFilter(django_filters.FilterSet):
    q = FoldedSearchFilter()

    class Meta:
        model = Organisation
        fields = ["type", "unit", "parent", "is_active"]


class OrganisationViewSet(ScopedReadOnlyViewSet):
    """Organisations in the caller's scope."""

    model = Organisation
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationApiFilter

    def get_queryset(self):
        return super().get_queryset().select_related("type", "unit")


class BranchApiFilter(django_filters.FilterSet):
    q = FoldedSearchFilter()

    class Meta:
        model = Branch
        fields = ["organisation", "unit", "kind", "is_active"]


class BranchViewSet(ScopedReadOnlyViewSet):
    """Branches (chi hội, chi đoàn, tổ hội…) in the caller's scope."""

    model = Branch
    serializer_class = BranchSerializer
    filterset_class = BranchApiFilter

    def get_queryset(self):
        return super().get_queryset().select_related("unit")
