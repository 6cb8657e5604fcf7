"""API endpoints of the grassroots activities: meetings (read, and record through the service), cadres'
attendances (read, and record), cadres, issues, quota rules, training courses and participants, and the
quota compliance of a unit for a period. Every queryset comes from ``visible_to``."""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from danvan.activities import selectors, services
from danvan.activities.models import (
    Attendance,
    Cadre,
    Meeting,
    MeetingIssue,
    Participant,
    QuotaRule,
    TrainingCourse,
)
from danvan.activities.periods import Period, PeriodKind
from danvan.core.api import ScopedReadOnlyViewSet
from danvan.core.filters import FoldedSearchFilter
from danvan.structure.models import Branch, Unit


def _service_call(fn, **kwargs):
    try:
        return fn(**kwargs)
    except PermissionDenied as exc:
        raise ApiPermissionDenied(str(exc)) from None
    except ValidationError as exc:
        raise ApiValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from None


class CadreSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = Cadre
        fields = [
            "id",
            "full_name",
            "organisation",
            "organisation_name",
            "unit",
            "level",
            "role",
            "position",
            "user",
            "active_from",
            "active_until",
            "is_active",
        ]


class MeetingSerializer(serializers.ModelSerializer):
    branch_name = serializers.CharField(source="branch.name", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "branch",
            "branch_name",
            "organisation",
            "unit",
            "held_on",
            "kind",
            "topics",
            "members_present",
            "members_total",
            "notes",
            "cadre_count",
            "created_at",
        ]
        read_only_fields = ["organisation", "unit", "cadre_count", "created_at"]


class AttendanceSerializer(serializers.ModelSerializer):
    cadre_name = serializers.CharField(source="cadre.full_name", read_only=True)

    class Meta:
        model = Attendance
        fields = [
            "id",
            "meeting",
            "cadre",
            "cadre_name",
            "held_on",
            "branch",
            "organisation",
            "level",
            "role",
            "contribution",
            "undertakings",
        ]
        read_only_fields = ["held_on", "branch", "organisation", "level", "role"]


class IssueSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeetingIssue
        fields = [
            "id",
            "meeting",
            "summary",
            "details",
            "raised_by",
            "status",
            "answer",
            "case_id",
            "case_reference",
        ]


class QuotaRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuotaRule
        fields = [
            "id",
            "name",
            "reference",
            "unit",
            "org_type",
            "level",
            "role",
            "period",
            "meetings_required",
            "valid_from",
            "valid_to",
        ]


class CourseSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingCourse
        fields = [
            "id",
            "title",
            "kind",
            "organiser",
            "unit",
            "level",
            "starts_on",
            "ends_on",
            "hours",
            "location",
        ]


class ParticipantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Participant
        fields = [
            "id",
            "course",
            "cadre",
            "full_name",
            "organisation",
            "position",
            "attended",
            "hours_attended",
            "result",
            "certificate_no",
        ]


class MeetingApiFilter(django_filters.FilterSet):
    q = FoldedSearchFilter()
    held_from = django_filters.DateFilter(field_name="held_on", lookup_expr="gte")
    held_to = django_filters.DateFilter(field_name="held_on", lookup_expr="lte")

    class Meta:
        model = Meeting
        fields = ["branch", "organisation", "unit", "kind"]


class MeetingViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Branch meetings in the caller's scope; POST records one (``activities.add_meeting`` at the branch)."""

    model = Meeting
    serializer_class = MeetingSerializer
    filterset_class = MeetingApiFilter

    def get_queryset(self):
        return super().get_queryset().select_related("branch")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        branch = Branch.objects.visible_to(request.user).filter(pk=data["branch"].pk).first()
        if branch is None:
            raise NotFound
        meeting = _service_call(
            services.meeting_create,
            actor=request.user,
            branch=branch,
            held_on=data["held_on"],
            kind=data.get("kind", "regular"),
            topics=data.get("topics", ""),
            members_present=data.get("members_present"),
            members_total=data.get("members_total"),
            notes=data.get("notes", ""),
        )
        return Response(self.get_serializer(meeting).data, status=status.HTTP_201_CREATED)


class AttendanceApiFilter(django_filters.FilterSet):
    held_from = django_filters.DateFilter(field_name="held_on", lookup_expr="gte")
    held_to = django_filters.DateFilter(field_name="held_on", lookup_expr="lte")

    class Meta:
        model = Attendance
        fields = ["meeting", "cadre", "organisation", "level", "role"]


class AttendanceViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Cadres' attendances at branch meetings; POST records one through the service."""

    model = Attendance
    serializer_class = AttendanceSerializer
    filterset_class = AttendanceApiFilter

    def get_queryset(self):
        return super().get_queryset().select_related("cadre")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        meeting = Meeting.objects.visible_to(request.user).filter(pk=data["meeting"].pk).first()
        if meeting is None:
            raise NotFound
        cadre = selectors.cadres_for_meeting(meeting=meeting).filter(pk=data["cadre"].pk).first()
        if cadre is None:
            raise ApiValidationError({"cadre": [_("This cadre cannot be recorded at this meeting.")]})
        attendance = _service_call(
            services.attendance_add,
            actor=request.user,
            meeting=meeting,
            cadre=cadre,
            contribution=data.get("contribution", ""),
            undertakings=data.get("undertakings", ""),
        )
        return Response(self.get_serializer(attendance).data, status=status.HTTP_201_CREATED)


class CadreApiFilter(django_filters.FilterSet):
    q = FoldedSearchFilter()

    class Meta:
        model = Cadre
        fields = ["organisation", "level", "role", "is_active"]


class CadreViewSet(ScopedReadOnlyViewSet):
    model = Cadre
    serializer_class = CadreSerializer
    filterset_class = CadreApiFilter

    def get_queryset(self):
        return super().get_queryset().select_related("organisation")


class IssueViewSet(ScopedReadOnlyViewSet):
    model = MeetingIssue
    serializer_class = IssueSerializer
    filterset_fields = ["meeting", "status"]


class QuotaRuleViewSet(ScopedReadOnlyViewSet):
    model = QuotaRule
    serializer_class = QuotaRuleSerializer
    filterset_fields = ["unit", "period", "org_type", "level", "role"]


class CourseViewSet(ScopedReadOnlyViewSet):
    model = TrainingCourse
    serializer_class = CourseSerializer
    filterset_fields = ["organiser", "kind", "level"]


class ParticipantViewSet(ScopedReadOnlyViewSet):
    model = Participant
    serializer_class = ParticipantSerializer
    filterset_fields = ["course", "cadre", "result", "attended"]


class ComplianceViewSet(viewsets.ViewSet):
    """Quota compliance of a unit for a period: ``?unit=<id>&period=2026-H1`` (default: the caller's top unit
    and the current half-year). The figures are those of the compliance page."""

    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        parameters=[
            OpenApiParameter("unit", int, description="unit id (default: the caller's top unit)"),
            OpenApiParameter(
                "period", str, description="2026-H1, 2026-Q3, 2026-M07 or 2026 (default: this half-year)"
            ),
        ],
    )
    def list(self, request):
        from django.utils import timezone

        user = request.user
        try:
            period = Period.parse(request.query_params.get("period", ""))
        except ValueError:
            period = Period.containing(PeriodKind.HALF_YEAR, timezone.localdate())
        unit = None
        pk = request.query_params.get("unit")
        if pk and str(pk).isdigit():
            unit = Unit.objects.visible_to(user).filter(pk=int(pk)).first()
            if unit is not None and not selectors.allowed_unit(actor=user, unit=unit):
                unit = None
            if unit is None:
                raise NotFound
        unit = unit or selectors.default_unit(actor=user)
        if unit is None:
            raise ApiPermissionDenied
        f = selectors.compliance(actor=user, unit=unit, period=period)

        def summary(s):
            return {
                "cadres": s.cadres,
                "with_quota": s.judged,
                "met": s.met,
                "attended": s.attended,
                "required": s.required,
                "credited": s.credited,
                "rate": round(s.rate, 4) if s.rate is not None else None,
            }

        return Response(
            {
                "unit": {"id": unit.pk, "name": unit.name, "code": unit.code},
                "period": {"code": period.code, "start": period.start, "end": period.end},
                "meetings": f.place.meetings,
                "attendances": f.place.attendances,
                "branches": f.place.branches,
                "branches_visited": f.place.visited,
                "cadres": summary(f.cadres),
                "units": [
                    {
                        "id": r.unit.pk,
                        "name": r.unit.name,
                        "own_level": r.own_level,
                        "meetings": r.place.meetings,
                        "attendances": r.place.attendances,
                        "branches": r.place.branches,
                        "branches_visited": r.place.visited,
                        "cadres": summary(r.cadres),
                    }
                    for r in f.units
                ],
                "organisations": [
                    {"id": r.organisation_id, "name": r.name, "cadres": summary(r.cadres)}
                    for r in f.organisations
                ],
                "cadres_behind": [
                    {
                        "id": r.id,
                        "full_name": r.full_name,
                        "organisation": r.organisation_id,
                        "attended": r.standing.attended,
                        "required": r.standing.required,
                    }
                    for r in f.behind_cadres
                ],
            }
        )


ROUTES = [
    ("activities/meetings", MeetingViewSet, "activities-meeting"),
    ("activities/attendances", AttendanceViewSet, "activities-attendance"),
    ("activities/cadres", CadreViewSet, "activities-cadre"),
    ("activities/issues", IssueViewSet, "activities-issue"),
    ("activities/quotas", QuotaRuleViewSet, "activities-quota"),
    ("activities/courses", CourseViewSet, "activities-course"),
    ("activities/participants", ParticipantViewSet, "activities-participant"),
    ("activities/compliance", ComplianceViewSet, "activities-compliance"),
]
