"""API endpoints of the "Dân vận khéo" registry (read-only, scoped): models with their results, awards, and
the figures."""

from __future__ import annotations

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.response import Response

from danvan.core.api import ScopedReadOnlyViewSet
from danvan.practices import selectors
from danvan.practices.models import Award, Practice, PracticeResult
from danvan.structure.models import Unit


class ResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = PracticeResult
        fields = ["indicator", "measure", "before", "after"]


class PracticeSerializer(serializers.ModelSerializer):
    results = ResultSerializer(many=True, read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Practice
        fields = [
            "id",
            "code",
            "name",
            "field",
            "level",
            "owner_kind",
            "owner_name",
            "organisation",
            "unit",
            "unit_name",
            "started_on",
            "description",
            "problem",
            "people_reached",
            "status",
            "origin",
            "registered_on",
            "assessed_on",
            "recognised_on",
            "recognition_no",
            "recognition_level",
            "replicated_on",
            "stopped_on",
            "results",
        ]


class AwardSerializer(serializers.ModelSerializer):
    class Meta:
        model = Award
        fields = [
            "id",
            "practice",
            "recipient_kind",
            "recipient_name",
            "organisation",
            "unit",
            "title",
            "level",
            "decision_no",
            "awarded_on",
            "issuer",
        ]


class PracticeApiFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search")
    year = django_filters.NumberFilter(field_name="registered_on", lookup_expr="year")

    class Meta:
        model = Practice
        fields = ["field", "level", "status", "unit", "organisation", "origin", "owner_kind"]

    def search(self, qs, name, value):
        return qs.search(value)


class PracticeViewSet(ScopedReadOnlyViewSet):
    """ "Dân vận khéo" models in the caller's scope; ``?q=`` searches their text without accents."""

    model = Practice
    serializer_class = PracticeSerializer
    filterset_class = PracticeApiFilter

    def get_queryset(self):
        return super().get_queryset().select_related("unit").prefetch_related("results")


class AwardViewSet(ScopedReadOnlyViewSet):
    model = Award
    serializer_class = AwardSerializer
    filterset_fields = ["practice", "level", "recipient_kind"]


class FiguresViewSet(viewsets.ViewSet):
    """Registered, recognised and replicated models by field, level, unit and year (``?unit=&year=``)."""

    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        parameters=[
            OpenApiParameter("unit", int, description="unit id (default: the caller's top unit)"),
            OpenApiParameter("year", int, description="only this year (default: all years)"),
        ],
    )
    def list(self, request):
        user = request.user
        units = selectors.scope_units(actor=user)
        unit = None
        pk = request.query_params.get("unit")
        if pk and str(pk).isdigit():
            unit = Unit.objects.visible_to(user).filter(pk=int(pk)).first()
            if unit is None or not any(unit.path.startswith(u.path) for u in units):
                raise NotFound
        unit = unit or (units[0] if units else None)
        if unit is None:
            raise ApiPermissionDenied
        year = request.query_params.get("year")
        f = selectors.figures(actor=user, unit=unit, year=int(year) if year and year.isdigit() else None)

        def counts(c):
            return {
                "registered": c.registered,
                "recognised": c.recognised,
                "replicated": c.replicated,
                "stopped": c.stopped,
            }

        return Response(
            {
                "unit": {"id": unit.pk, "name": unit.name},
                "year": f.year,
                "total": counts(f.total),
                "by_field": {k: counts(c) for k, c in f.by_field},
                "by_level": {k: counts(c) for k, c in f.by_level},
                "by_unit": [{"id": u.pk, "name": u.name, **counts(c)} for u, c in f.by_unit],
                "by_year": {str(y): counts(c) for y, c in f.by_year},
            }
        )


ROUTES = [
    ("practices/models", PracticeViewSet, "practices-practice"),
    ("practices/awards", AwardViewSet, "practices-award"),
    ("practices/figures", FiguresViewSet, "practices-figures"),
]
