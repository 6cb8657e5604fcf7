"""API endpoints of the members registry: people, memberships (read, scoped), a look-up by citizen ID (POST,
never in an address) and the figures at any date."""

from __future__ import annotations

from datetime import date

import django_filters
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from danvan.core.api import ScopedReadOnlyViewSet
from danvan.core.filters import FoldedSearchFilter
from danvan.members import selectors, services
from danvan.members.filters import MembershipFilter
from danvan.members.models import Membership, Person
from danvan.structure.models import OrgType


class PersonSerializer(serializers.ModelSerializer):
    """A person; her phone and street address only for the users who may act on her record (where she lives or
    is a member now): a former branch reads her history, not how to reach her (null)."""

    citizen_id = serializers.CharField(source="citizen_id_masked", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    phone = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()

    def get_phone(self, person) -> str | None:
        return person.phone if getattr(person, "in_care", True) else None

    def get_address(self, person) -> str | None:
        return person.address if getattr(person, "in_care", True) else None

    class Meta:
        model = Person
        fields = [
            "id",
            "full_name",
            "birth_date",
            "birth_year",
            "sex",
            "ethnicity",
            "religion",
            "citizen_id",
            "phone",
            "unit",
            "unit_code",
            "address",
            "occupation",
            "education",
            "veteran",
            "deceased_on",
        ]


class MembershipSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    org_type_code = serializers.CharField(source="org_type.code", read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "person",
            "person_name",
            "branch",
            "org_type",
            "org_type_code",
            "member_number",
            "admitted_on",
            "joined_on",
            "left_on",
            "status",
            "start_kind",
            "end_reason",
            "previous",
        ]


class PersonApiFilter(django_filters.FilterSet):
    q = FoldedSearchFilter()

    class Meta:
        model = Person
        fields = ["sex", "ethnicity", "unit"]


class PersonViewSet(ScopedReadOnlyViewSet):
    """People in the caller's scope (by residence, or by a membership in scope). Citizen IDs are masked."""

    model = Person
    serializer_class = PersonSerializer
    filterset_class = PersonApiFilter

    def get_queryset(self):
        # whether the caller may act on each person (checked for the rows returned only): contact details
        in_care = Person.objects.visible_to(self.request.user, "change").filter(pk=OuterRef("pk"))
        return super().get_queryset().select_related("unit").annotate(in_care=Exists(in_care)).order_by("id")

    @extend_schema(
        request={"application/json": {"type": "object", "properties": {"citizen_id": {"type": "string"}}}},
        responses=PersonSerializer,
    )
    @action(detail=False, methods=["post"])
    def lookup(self, request):
        """Exact look-up by citizen ID (in the body, so that it never appears in an address or a log). A value
        that is no citizen ID (empty, blank, not 12 digits) is refused with the reason (400), as the web form
        does: it never matches the people registered without one."""
        from danvan.members import citizen_id

        value = citizen_id.normalise(str(request.data.get("citizen_id", "") or ""))
        try:
            if not value:
                raise citizen_id.CitizenIdError(_("Give the citizen ID to look up (12 digits)."))
            citizen_id.check_shape(value)
        except citizen_id.CitizenIdError as exc:
            raise serializers.ValidationError({"citizen_id": [str(exc)]}) from exc
        value_hash = services.citizen_id_hash(value)
        person = self.get_queryset().filter(citizen_id_hash=value_hash).exclude(citizen_id_hash="").first()
        if person is None:
            raise NotFound(_("No person with this citizen ID in your scope."))
        return Response(self.get_serializer(person).data)


class MembershipViewSet(ScopedReadOnlyViewSet):
    """Memberships in the caller's scope, with the member list's filters (org_type, unit, status, sex, age,
    ethnicity, joined_after/joined_before, active_on, q)."""

    model = Membership
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilter

    def get_queryset(self):
        return super().get_queryset().select_related("person", "org_type").order_by("id")


class FiguresQuery(serializers.Serializer):
    """The figures' parameters: refused with a reason each (HTTP 400), never silently replaced, so that a client
    never reads figures for dates other than those it asked for."""

    unit = serializers.IntegerField(required=False, min_value=1)
    on = serializers.DateField(required=False)
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    type = serializers.IntegerField(required=False, min_value=1)
    breakdown = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        today = timezone.localdate()
        errors = {
            name: [
                _("The figures are what the history says: a date after today (%(today)s) has none.")
                % {"today": today.isoformat()}
            ]
            for name in ("on", "start", "end")
            if attrs.get(name) and attrs[name] > today
        }
        attrs.setdefault("on", today)
        attrs.setdefault("start", date(today.year, 1, 1))
        attrs.setdefault("end", today)
        if not errors and attrs["end"] < attrs["start"]:
            errors["end"] = [_("The end of the period is before its start.")]
        if attrs.get("type"):
            attrs["type"] = OrgType.objects.filter(pk=attrs["type"], has_members=True).first()
            if attrs["type"] is None:
                errors["type"] = [_("No organisation type with members has this id.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class FiguresViewSet(viewsets.ViewSet):
    """Figures at a date and over a period, for a unit in the caller's scope: members active at ``on`` by
    child unit and organisation type; joined, transferred and left (by reason) between ``start`` and ``end``;
    and people vs memberships by sex, age band and ethnicity (``breakdown=1``)."""

    @extend_schema(
        parameters=[FiguresQuery],
        responses={200: dict},
    )
    def list(self, request):
        user = request.user
        query = FiguresQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        on, start, end, org_type = params["on"], params["start"], params["end"], params.get("type")
        unit = (
            selectors.figure_units(actor=user).filter(pk=params["unit"]).first()
            if params.get("unit")
            else selectors.default_figure_unit(actor=user)
        )
        if unit is None:
            raise NotFound(_("No unit with this id is in your scope for the members' figures."))
        f = selectors.figures(actor=user, unit=unit, on=on, start=start, end=end, org_type=org_type)
        types = {t.pk: t.code for t in f.types}

        def row(r):
            return {
                "key": r.key,
                "label": r.label,
                "unit": r.url_unit,
                "branch": r.branch_id,
                "population": r.population,
                "active": {types.get(k, str(k)): v for k, v in r.active.items()},
                "total": r.total,
                "per_thousand": r.per_thousand,
                "opening": r.opening,
                "closing": r.closing,
                "flows": r.flows,
            }

        data = {
            "unit": {"id": unit.pk, "code": unit.code, "name": unit.name, "level": unit.level},
            "on": on,
            "start": start,
            "end": end,
            "rows_are": f.level,
            "rows": [row(r) for r in f.rows],
            "total": row(f.totals),
        }
        if params["breakdown"]:
            b = selectors.breakdown(actor=user, unit=unit, on=on, org_type=org_type)
            data["breakdown"] = {
                "memberships": b.total_memberships,
                "people": b.total_persons,
                "people_by_row": b.persons_by_child,
                "sex": [{"code": c, "memberships": n, "people": p} for c, _l, n, p in b.by_sex],
                "age": [{"code": c, "memberships": n, "people": p} for c, _l, n, p in b.by_age],
                "ethnicity": [{"code": c, "memberships": n, "people": p} for c, _l, n, p in b.by_ethnicity],
            }
        return Response(data)


ROUTES = [
    ("persons", PersonViewSet, "person"),
    ("memberships", MembershipViewSet, "membership"),
    ("member-figures", FiguresViewSet, "member-figures"),
]
