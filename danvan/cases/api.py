"""API endpoints of the cases module (read-only, scoped). A case's serializer carries no denouncer's
identity (it is never on the case) and no citizen's contact details."""

from __future__ import annotations

from rest_framework import serializers

from danvan.cases.filters import CaseFilter, CommitmentFilter, DialogueFilter
from danvan.cases.models import Case, Commitment, Dialogue
from danvan.core.api import ScopedReadOnlyViewSet


class CaseSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    handling_body = serializers.CharField(source="handling_org.name", read_only=True, default=None)
    field_code = serializers.CharField(source="field.code", read_only=True, default=None)
    days_left = serializers.IntegerField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    is_answer_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "kind",
            "instance",
            "channel",
            "status",
            "title",
            "field_code",
            "unit",
            "unit_code",
            "handling_org",
            "handling_body",
            "people_count",
            "is_collective",
            "urgency",
            "complexity",
            "is_remote",
            "received_on",
            "accepted_on",
            "concluded_on",
            "answered_on",
            "closed_on",
            "acceptance_due",
            "resolution_due",
            "answer_due",
            "due_on",
            "days_left",
            "is_overdue",
            "is_answer_overdue",
            "extension_count",
            "parent",
            "duplicate_of",
            "transferred_from",
        ]


class CaseViewSet(ScopedReadOnlyViewSet):
    model = Case
    serializer_class = CaseSerializer
    filterset_class = CaseFilter

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("unit", "handling_org", "field")
            .order_by("-received_on", "-id")
        )


class DialogueSerializer(serializers.ModelSerializer):
    class Meta:
        model = Dialogue
        fields = [
            "id",
            "title",
            "unit",
            "organisation",
            "held_on",
            "place",
            "chair_name",
            "participant_count",
            "topics",
            "status",
        ]


class DialogueViewSet(ScopedReadOnlyViewSet):
    model = Dialogue
    serializer_class = DialogueSerializer
    filterset_class = DialogueFilter


class CommitmentSerializer(serializers.ModelSerializer):
    days_left = serializers.IntegerField(read_only=True)

    class Meta:
        model = Commitment
        fields = [
            "id",
            "dialogue",
            "text",
            "unit",
            "owner_org",
            "owner_name",
            "due_on",
            "status",
            "done_on",
            "days_left",
        ]


class CommitmentViewSet(ScopedReadOnlyViewSet):
    model = Commitment
    serializer_class = CommitmentSerializer
    filterset_class = CommitmentFilter


ROUTES = [
    ("cases", CaseViewSet, "case"),
    ("dialogues", DialogueViewSet, "dialogue"),
    ("commitments", CommitmentViewSet, "commitment"),
]
