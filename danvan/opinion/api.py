"""API of the opinion module (token or session auth, scoped).

- ``POST /api/opinion-sources/{id}/items/`` — a batch of at most 1,000 items for a source the caller may
  write to; idempotent on (source, external id); every rejected item is reported (index, external id,
  message) while the others are stored. The answer is 200 with the counts, 400 only for a malformed or too
  large batch.
- read-only, scoped: sources, items (no author field at all: only the keyed hash exists and it is not
  exposed), issues, alerts.
Serializers are prefixed "Opinion" so that the OpenAPI component names never collide with other modules'.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import PermissionDenied as DRFPermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response

from danvan.core.api import ScopedReadOnlyViewSet
from danvan.opinion import ingestion
from danvan.opinion.models import Alert, Issue, Item, Source


class OpinionSourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "name", "kind", "unit", "url", "is_active", "flagged", "failure_count",
                  "last_polled_at", "last_success_at", "last_error"]  # fmt: skip


class OpinionItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = ["id", "source", "external_id", "kind", "title", "text", "url", "parent_external_id",
                  "published_at", "likes", "shares", "comments_count", "reach", "unit", "relevant",
                  "relevance_confidence", "field", "field_confidence", "sentiment", "sentiment_confidence",
                  "toxic", "toxic_confidence", "model_version", "uncertainty", "issue", "analysed_at",
                  "corrected"]  # fmt: skip


class OpinionIssueSerializer(serializers.ModelSerializer):
    class Meta:
        model = Issue
        fields = ["id", "title", "summary", "unit", "field", "status", "responsible_unit", "first_seen_at",
                  "last_seen_at", "volume", "reach", "negative_count", "neutral_count", "positive_count",
                  "negativity", "growth", "score", "fields"]  # fmt: skip


class OpinionAlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alert
        fields = ["id", "rule", "unit", "field", "issue", "detected_at", "day", "observed", "baseline",
                  "threshold", "reason", "acknowledged_at"]  # fmt: skip


class OpinionBatchItemSerializer(serializers.Serializer):
    """One item of a batch (validated by the ingestion service, which reports per-item errors)."""

    external_id = serializers.CharField(max_length=300)
    text = serializers.CharField(required=False, allow_blank=True)
    title = serializers.CharField(required=False, allow_blank=True)
    published_at = serializers.CharField(help_text="ISO 8601")
    author = serializers.CharField(required=False, allow_blank=True, help_text="stored only as a keyed hash")
    url = serializers.CharField(required=False, allow_blank=True)
    parent_external_id = serializers.CharField(required=False, allow_blank=True)
    kind = serializers.CharField(required=False)
    likes = serializers.IntegerField(required=False)
    shares = serializers.IntegerField(required=False)
    comments_count = serializers.IntegerField(required=False)
    reach = serializers.IntegerField(required=False)


class OpinionBatchSerializer(serializers.Serializer):
    items = OpinionBatchItemSerializer(many=True)


class OpinionBatchErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField()
    message = serializers.CharField()


class OpinionBatchResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    existing = serializers.IntegerField()
    rejected = serializers.IntegerField()
    errors = OpinionBatchErrorSerializer(many=True)


class OpinionSourceViewSet(ScopedReadOnlyViewSet):
    """Sources in the caller's scope; ``POST {id}/items/`` sends a batch of items to one."""

    model = Source
    serializer_class = OpinionSourceSerializer

    def get_queryset(self):
        return super().get_queryset().order_by("id")

    @extend_schema(request=OpinionBatchSerializer, responses=OpinionBatchResultSerializer)
    @action(detail=True, methods=["post"], url_path="items")
    def items(self, request, pk=None):
        source = Source.objects.visible_to(request.user).filter(pk=pk).first()
        if source is None:
            raise NotFound
        payload = request.data.get("items") if isinstance(request.data, dict) else request.data
        if not isinstance(payload, list):
            raise DRFValidationError({"items": ["Gửi một danh sách “items”."]})
        try:
            result = ingestion.ingest_items(source=source, items=payload, actor=request.user)
        except PermissionDenied as exc:
            raise DRFPermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            raise DRFValidationError({"items": exc.messages}) from exc
        return Response(result.as_dict(), status=status.HTTP_200_OK)


class OpinionItemApiFilter(django_filters.FilterSet):
    published_from = django_filters.IsoDateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_to = django_filters.IsoDateTimeFilter(field_name="published_at", lookup_expr="lt")

    class Meta:
        model = Item
        fields = ["source", "field", "sentiment", "relevant", "toxic", "issue", "unit"]


class OpinionItemViewSet(ScopedReadOnlyViewSet):
    model = Item
    serializer_class = OpinionItemSerializer
    filterset_class = OpinionItemApiFilter

    def get_queryset(self):
        return super().get_queryset().order_by("-published_at", "-id")


class OpinionIssueViewSet(ScopedReadOnlyViewSet):
    model = Issue
    serializer_class = OpinionIssueSerializer

    def get_queryset(self):
        return super().get_queryset().order_by("-score", "-id")


class OpinionAlertViewSet(ScopedReadOnlyViewSet):
    model = Alert
    serializer_class = OpinionAlertSerializer

    def get_queryset(self):
        return super().get_queryset().order_by("-day", "-id")


ROUTES = [
    ("opinion-sources", OpinionSourceViewSet, "opinion-source"),
    ("opinion-items", OpinionItemViewSet, "opinion-item"),
    ("opinion-issues", OpinionIssueViewSet, "opinion-issue"),
    ("opinion-alerts", OpinionAlertViewSet, "opinion-alert"),
]
