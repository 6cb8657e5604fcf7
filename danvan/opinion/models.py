"""Public opinion: sources, items and their labels, analysts' corrections, issues, alerts, forecasts, rollups.

Storage (ADR 0008):

- ``Item`` is partitioned by month on ``published_at`` in PostgreSQL (``PARTITION BY RANGE``). The primary
  key in the database is ``(id, published_at)`` — PostgreSQL requires the partition key in every unique
  constraint — while Django's pk stays ``id`` (an identity column, unique by construction). Foreign keys that
  point at an item are therefore declared with ``db_constraint=False``. Monthly partitions are created ahead
  by a periodic job and on demand for back-dated items (``danvan.opinion.partitions``); a default partition
  is the safety net.
- Idempotency on (source, external id) lives in the non-partitioned ``ItemKey`` table (unique constraint),
  because a unique constraint on the partitioned table would have to include ``published_at``.
- ``Item`` carries no row history (no ``@tracked``): it is high-volume machine input (10 M rows), every
  change of a label is either a pipeline run (model version kept on the row) or an analyst's ``Correction``
  (its own table, which is the audit trail and the training label).
- Fields of concern are stored as their taxonomy code (``cases.ConcernField.code``), not a foreign key, so that
  the rollups and the partitioned table stay plain and a field can be renamed without touching 10 M rows.
- Authors are stored only as a keyed HMAC (``author_hash``); no column holds a name or a profile link.
"""

from __future__ import annotations

import functools
import operator
import re

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from danvan.core.models import user_link
from danvan.core.scoping import ScopedModel, ScopedQuerySet, tracked

# --- vocabularies --------------------------------------------------------------------------------------


class SourceKind(models.TextChoices):
    RSS = "rss", _("RSS/Atom feed")
    FILE = "file", _("File import")
    API = "api", _("Ingestion API")
    COLLABORATOR = "collaborator", _("Collaborators' reports")
    CASES = "cases", _("Citizens' cases")
    MEETINGS = "meetings", _("Branch meetings")


class ItemKind(models.TextChoices):
    POST = "post", _("Post")
    COMMENT = "comment", _("Comment")
    ARTICLE = "article", _("Article")
    REPORT = "report", _("Collaborator's report")
    CASE = "case", _("Citizen's case")
    MEETING = "meeting", _("Branch meeting issue")


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    NEUTRAL = "neutral", _("Neutral")
    POSITIVE = "positive", _("Positive")


class IssueStatus(models.TextChoices):
    NEW = "new", _("New")
    MONITORING = "monitoring", _("Monitoring")
    RESPONDING = "responding", _("Responding")
    RESOLVED = "resolved", _("Resolved")


OPEN_ISSUE_STATUSES = (IssueStatus.NEW, IssueStatus.MONITORING, IssueStatus.RESPONDING)


class AlertTarget(models.TextChoices):
    FIELD_UNIT = "field_unit", _("Field in a unit")
    ISSUE = "issue", _("Issue")


class ModelStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")
    REJECTED = "rejected", _("Rejected")


NOT_RELEVANT = "not_relevant"

# --- settings ------------------------------------------------------------------------------------------


@tracked
class OpinionSettings(models.Model):
    """The module's settings (one row): privacy and grouping parameters, editable by an administrator."""

    min_group_size = models.PositiveSmallIntegerField(
        _("smallest group shown"),
        default=5,
        help_text=_("Aggregates over fewer items than this are hidden."),
    )
    retention_days = models.PositiveIntegerField(
        _("raw text kept for (days)"),
        default=365,
        help_text=_("Older raw text is purged; aggregates are kept."),
    )
    grouping_window_days = models.PositiveSmallIntegerField(
        _("same-matter window (days)"),
        default=14,
        help_text=_("Items further apart than this are never grouped into one issue."),
    )
    grouping_similarity = models.FloatField(
        _("same-matter similarity"),
        default=0.35,
        help_text=_("Smallest text similarity (0–1) for an item to join an issue of its commune and field."),
    )
    duplicate_threshold = models.FloatField(
        _("near-duplicate similarity"),
        default=0.8,
        help_text=_("Items at least this similar (estimated Jaccard) are near-duplicates."),
    )
    review_uncertainty = models.FloatField(
        _("review from uncertainty"),
        default=0.4,
        help_text=_("Items whose uncertainty reaches this are listed in the review queue first."),
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = user_link(_("updated by"))

    class Meta:
        verbose_name = _("opinion settings")
        verbose_name_plural = _("opinion settings")

    def __str__(self) -> str:
        return str(_("Opinion settings"))

    @classmethod
    def get(cls) -> OpinionSettings:
        row = cls.objects.order_by("pk").first()
        return row if row is not None else cls.objects.create()


# --- model versions ------------------------------------------------------------------------------------


@tracked
class ModelVersion(models.Model):
    """A trained model bundle (relevance, field, sentiment, toxicity) with its card and metrics."""

    version = models.CharField(_("version"), max_length=60, unique=True)
    path = models.CharField(_("location"), max_length=500)
    card = models.JSONField(_("model card"), default=dict, blank=True)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    comparison = models.JSONField(_("comparison with the active version"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ModelStatus.choices, default=ModelStatus.CANDIDATE
    )
    trained_at = models.DateTimeField(_("trained"), default=timezone.now)
    trained_by = user_link(_("trained by"))
    promoted_by = user_link(_("promoted by"))
    promoted_at = models.DateTimeField(_("promoted"), null=True, blank=True)
    labels_used = models.PositiveIntegerField(_("analysts' labels used"), default=0)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        ordering = ["-trained_at", "-id"]
        permissions = [("promote_modelversion", _("Can promote or roll back a model version"))]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="active"), name="opinion_one_active_model"
            )
        ]

    def __str__(self) -> str:
        return self.version


# --- sources and items ---------------------------------------------------------------------------------


# Machine bookkeeping of a source, rewritten by every poll or ingestion run: not a person's change, so not in
# its history (the audit page drowned in them). Excluded from the tracked snapshot, so a change of these alone
# writes no row.
SOURCE_BOOKKEEPING = [
    "etag",
    "last_modified",
    "last_polled_at",
    "next_poll_at",
    "last_success_at",
    "failure_count",
    "last_error",
    "updated_at",
]
# The cases and meetings flows keep their read cursor in column_mapping ({"cursor": id}) and move it on every
# run (ingestion._flow_done): there column_mapping is bookkeeping too; on a file source it is the column mapping
# a person chose, a tracked change.
_SOURCE_FLOW_KINDS = ["cases", "meetings"]
_SOURCE_TRACKED = [
    "name",
    "kind",
    "unit",
    "unit_path",
    "url",
    "description",
    "poll_interval_minutes",
    "is_active",
    "flagged",
    "flagged_at",
    "token_hash",
    "created_by",
    "created_at",
]


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(
        # a row only when a tracked field changed, or the column mapping of a source that is not a flow
        condition=functools.reduce(
            operator.or_,
            [pgtrigger.Q(**{f"old__{f}__df": pgtrigger.F(f"new__{f}")}) for f in _SOURCE_TRACKED],
        )
        | (
            pgtrigger.Q(old__column_mapping__df=pgtrigger.F("new__column_mapping"))
            & ~pgtrigger.Q(new__kind__in=_SOURCE_FLOW_KINDS)
        )
    ),
    pghistory.DeleteEvent(),
    exclude=SOURCE_BOOKKEEPING,
)
class Source(ScopedModel):
    """Where items come from: a feed, a file import, an API client, collaborators, cases, meetings.

    ``unit`` is the default place of its items (used when the text names no place)."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=SourceKind.choices)
    unit = models.ForeignKey(
        "structure.Unit", verbose_name=_("default unit"), on_delete=models.PROTECT, related_name="+"
    )
    url = models.URLField(_("address"), max_length=1000, blank=True)
    description = models.TextField(_("description"), blank=True)
    poll_interval_minutes = models.PositiveIntegerField(_("poll every (minutes)"), default=60)
    is_active = models.BooleanField(_("active"), default=True)
    etag = models.CharField(max_length=500, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    next_poll_at = models.DateTimeField(_("next poll"), null=True, blank=True, db_index=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True, editable=False)
    failure_count = models.PositiveIntegerField(_("consecutive failures"), default=0, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    flagged = models.BooleanField(_("flagged"), default=False)
    flagged_at = models.DateTimeField(_("flagged"), null=True, blank=True)
    column_mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    token_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    created_by = user_link(_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("opinion:source-detail", args=[self.pk])


class ItemQuerySet(ScopedQuerySet):
    def relevant(self):
        return self.filter(relevant=True)

    def analysed(self):
        return self.filter(analysed_at__isnull=False)

    def pending(self):
        return self.filter(analysed_at__isnull=True)


class Item(ScopedModel):
    """One post, comment, article, collaborator's report, case or meeting issue (partitioned by month).

    Labels (relevant, field, sentiment, toxic) each keep their confidence; ``model_version`` names the model
    that produced them. ``corrected`` is set when an analyst corrected a label: the corrected labels are then
    re-applied over every later model run (``Correction`` rows)."""

    id = models.BigAutoField(primary_key=True)
    source = models.ForeignKey(
        Source, verbose_name=_("source"), on_delete=models.CASCADE, related_name="items"
    )
    external_id = models.CharField(_("external id"), max_length=300)
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices, default=ItemKind.POST)
    title = models.CharField(_("title"), max_length=500, blank=True)
    text = models.TextField(_("text"), blank=True)
    url = models.URLField(_("link"), max_length=1000, blank=True)
    author_hash = models.CharField(max_length=64, blank=True, editable=False)
    parent_external_id = models.CharField(_("parent"), max_length=300, blank=True)
    published_at = models.DateTimeField(_("published"))
    likes = models.PositiveIntegerField(_("likes"), default=0)
    shares = models.PositiveIntegerField(_("shares"), default=0)
    comments_count = models.PositiveIntegerField(_("comments"), default=0)
    reach = models.PositiveIntegerField(_("reach"), default=0)
    unit = models.ForeignKey(
        "structure.Unit", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )
    commune = models.ForeignKey(
        "structure.Unit",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    # The place given with the item at ingestion (a collaborator's report, a case, a meeting, an API batch's
    # "unit"): it wins over places named in the text; empty means the source's default unit. Kept apart from
    # ``unit`` (the pipeline's result) so that reprocessing starts again from what was given.
    given_unit = models.ForeignKey(
        "structure.Unit",
        verbose_name=_("place given"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,
    )
    # The field given at ingestion by an official who classified the matter (a citizen's case's field, from
    # the same list): it wins over the model's field, and the item counts as relevant; the model's scores
    # stay in ``field_scores``. Kept apart from ``field`` like ``given_unit``.
    given_field = models.CharField(max_length=40, blank=True, default="", db_default="", editable=False)
    place_unit_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    place_from_text = models.BooleanField(default=False, editable=False)

    relevant = models.BooleanField(_("relevant"), null=True, blank=True)
    relevance_confidence = models.FloatField(null=True, blank=True)
    field = models.CharField(pgettext_lazy("concern", "field"), max_length=40, blank=True)
    field_confidence = models.FloatField(null=True, blank=True)
    field_scores = models.JSONField(default=dict, blank=True, editable=False)
    sentiment = models.CharField(_("sentiment"), max_length=10, choices=Sentiment.choices, blank=True)
    sentiment_confidence = models.FloatField(null=True, blank=True)
    toxic = models.BooleanField(_("offensive"), default=False)
    toxic_confidence = models.FloatField(null=True, blank=True)
    model_version = models.CharField(_("model version"), max_length=60, blank=True)
    uncertainty = models.FloatField(_("uncertainty"), default=0.0)
    issue = models.ForeignKey(
        "Issue",
        verbose_name=_("issue"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
    )
    duplicate_of_id = models.BigIntegerField(null=True, blank=True, editable=False)
    signature = ArrayField(models.BigIntegerField(), default=list, blank=True, editable=False)
    analysed_at = models.DateTimeField(_("analysed"), null=True, blank=True)
    purged_at = models.DateTimeField(_("text purged"), null=True, blank=True)
    corrected = models.BooleanField(_("corrected by an analyst"), default=False)
    # Set when an analyst confirmed every label of the item (the review queue's Enter): only then is the item
    # a training label and out of the queue; a single correction leaves the other labels unchecked.
    reviewed_at = models.DateTimeField(_("labels confirmed"), null=True, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(
                fields=["unit_path", "published_at"],
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
                name="opinion_item_scope_time",
            ),
            models.Index(fields=["source", "external_id"], name="opinion_item_source_ext"),
            models.Index(fields=["issue", "published_at"], name="opinion_item_issue_time"),
            models.Index(
                fields=["commune", "field", "published_at"],
                condition=Q(relevant=True),
                name="opinion_item_grouping",
            ),
            models.Index(fields=["id"], condition=Q(analysed_at__isnull=True), name="opinion_item_pending"),
            models.Index(
                fields=["-uncertainty"],
                condition=Q(corrected=False, analysed_at__isnull=False),
                name="opinion_item_review",
            ),
        ]

    def __str__(self) -> str:
        from danvan.opinion.privacy import readable

        return readable(self.title or (self.text[:80] if self.text else f"#{self.pk}"))

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("opinion:item-detail", args=[self.pk])

    @property
    def is_purged(self) -> bool:
        return self.purged_at is not None


class ItemKey(models.Model):
    """(source, external id) → item: the idempotency key of ingestion (not partitioned, so it can be unique)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=300)
    item_id = models.BigIntegerField()
    published_at = models.DateTimeField()

    class Meta:
        verbose_name = _("item key")
        verbose_name_plural = _("item keys")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="opinion_itemkey_unique")
        ]
        indexes = [models.Index(fields=["item_id"], name="opinion_itemkey_item")]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.external_id}"


class ItemChildQuerySet(ScopedQuerySet):
    """Rows that belong to an item are seen by whoever sees the item."""

    def visible_to(self, user, action: str = "view"):
        return self.filter(item_id__in=Item.objects.visible_to(user, action).values("pk"))


class Correction(models.Model):
    """An analyst's correction of one label of an item; it wins over every model run and is a training label."""

    class What(models.TextChoices):
        FIELD = "field", pgettext_lazy("concern", "Field")
        SENTIMENT = "sentiment", _("Sentiment")
        RELEVANT = "relevant", _("Relevance")
        UNIT = "unit", _("Place")

    item = models.ForeignKey(Item, on_delete=models.CASCADE, db_constraint=False, related_name="corrections")
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("analyst"), on_delete=models.PROTECT, related_name="+"
    )
    what = models.CharField(_("corrected"), max_length=20, choices=What.choices)
    previous = models.CharField(_("previous value"), max_length=100, blank=True)
    new = models.CharField(_("new value"), max_length=100)
    created_at = models.DateTimeField(_("corrected"), default=timezone.now)
    used_in_model = models.CharField(_("used to train"), max_length=60, blank=True)

    objects = ItemChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["item", "what", "created_at"], name="opinion_corr_item")]

    def __str__(self) -> str:
        return f"#{self.item_id} {self.what}: {self.previous} → {self.new}"


# --- issues --------------------------------------------------------------------------------------------


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    # The figures are recomputed by every pipeline batch: only what people change is history.
    fields=["title", "summary", "status", "responsible_unit", "unit", "field"],
    model_name="IssueHistory",
)
class Issue(ScopedModel):
    """A matter discussed in a place: items grouped by commune, field and similar text within a window."""

    title = models.CharField(_("title"), max_length=500)
    summary = models.TextField(_("summary"), blank=True)
    unit = models.ForeignKey(
        "structure.Unit", verbose_name=_("main place"), on_delete=models.PROTECT, related_name="+"
    )
    field = models.CharField(pgettext_lazy("concern", "field"), max_length=40)
    status = models.CharField(
        _("status"), max_length=20, choices=IssueStatus.choices, default=IssueStatus.NEW
    )
    responsible_unit = models.ForeignKey(
        "structure.Unit",
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    first_seen_at = models.DateTimeField(_("first seen"))
    last_seen_at = models.DateTimeField(_("last seen"))
    volume = models.PositiveIntegerField(_("items"), default=0)
    reach = models.PositiveBigIntegerField(_("reach"), default=0)
    negative_count = models.PositiveIntegerField(_("negative"), default=0)
    neutral_count = models.PositiveIntegerField(_("neutral"), default=0)
    positive_count = models.PositiveIntegerField(_("positive"), default=0)
    negativity = models.FloatField(_("share negative"), default=0.0)
    growth = models.FloatField(_("growth"), default=0.0)
    score = models.FloatField(_("score"), default=0.0, db_index=True)
    place_unit_ids = ArrayField(
        models.BigIntegerField(), verbose_name=_("places mentioned"), default=list, blank=True
    )
    fields = ArrayField(models.CharField(max_length=40), verbose_name=_("fields"), default=list, blank=True)
    signature = ArrayField(models.BigIntegerField(), default=list, blank=True, editable=False)
    keywords = models.JSONField(default=dict, blank=True, editable=False)
    representative_item_id = models.BigIntegerField(null=True, blank=True, editable=False)
    cases = models.ManyToManyField("cases.Case", verbose_name=_("cases"), blank=True, related_name="+")
    dialogues = models.ManyToManyField(
        "cases.Dialogue", verbose_name=_("dialogues"), blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        ordering = ["-score", "-last_seen_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "field", "last_seen_at"], name="opinion_issue_grouping"),
            models.Index(
                fields=["unit_path", "last_seen_at"],
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
                name="opinion_issue_scope_time",
            ),
        ]

    def __str__(self) -> str:
        from danvan.opinion.privacy import readable

        return readable(self.title)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("opinion:issue-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ISSUE_STATUSES


class IssueChildQuerySet(ScopedQuerySet):
    def visible_to(self, user, action: str = "view"):
        return self.filter(issue__in=Issue.objects.visible_to(user, action).values("pk"))


@tracked
class IssueNote(models.Model):
    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("note"))
    at = models.DateTimeField(_("written"), default=timezone.now)

    objects = IssueChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("issue note")
        verbose_name_plural = _("issue notes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return self.text[:80]


# --- alerts and forecasts ------------------------------------------------------------------------------


@tracked
class AlertRule(ScopedModel):
    """A burst rule (data): over a unit subtree, optionally one field, per field × commune or per issue."""

    name = models.CharField(_("name"), max_length=200)
    unit = models.ForeignKey(
        "structure.Unit", verbose_name=_("scope"), on_delete=models.PROTECT, related_name="+"
    )
    field = models.CharField(pgettext_lazy("concern", "field"), max_length=40, blank=True)
    target = models.CharField(
        _("watch"), max_length=20, choices=AlertTarget.choices, default=AlertTarget.FIELD_UNIT
    )
    sensitivity = models.FloatField(
        _("sensitivity (z threshold)"),
        default=3.0,
        help_text=_("How many standard deviations above the baseline a day must be to raise an alert."),
    )
    min_volume = models.PositiveIntegerField(_("minimum volume"), default=10)
    window_days = models.PositiveSmallIntegerField(_("window (days)"), default=1)
    baseline_days = models.PositiveSmallIntegerField(_("baseline (days)"), default=28)
    negative_only = models.BooleanField(_("negative items only"), default=False)
    notify_email = models.BooleanField(_("send e-mail"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = user_link(_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


@tracked
class Alert(ScopedModel):
    """A burst found by a rule: what rose (observed), against which baseline, and who acknowledged it."""

    rule = models.ForeignKey(
        AlertRule,
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
    )
    unit = models.ForeignKey(
        "structure.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    field = models.CharField(pgettext_lazy("concern", "field"), max_length=40, blank=True)
    issue = models.ForeignKey(
        Issue, verbose_name=_("issue"), null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    detected_at = models.DateTimeField(_("detected"), default=timezone.now)
    day = models.DateField(_("day"))
    observed = models.FloatField(_("observed"))
    baseline = models.FloatField(_("baseline"))
    threshold = models.FloatField(_("threshold"))
    reason = models.TextField(_("reason"))
    acknowledged_by = user_link(_("acknowledged by"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-day", "-detected_at", "-id"]
        permissions = [("acknowledge_alert", _("Can acknowledge an alert"))]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "unit", "field", "issue", "day"],
                name="opinion_alert_once",
                nulls_distinct=False,
            )
        ]
        indexes = [
            models.Index(
                fields=["unit_path", "day"],
                opclasses=["varchar_pattern_ops", "date_ops"],
                condition=Q(acknowledged_at__isnull=True),
                name="opinion_alert_open",
            )
        ]

    def __str__(self) -> str:
        return self.reason[:120]

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


# The engine's names of its models (nlp.bursts.forecast): additive errors, damped additive trend, additive
# season of m days or none.
FORECAST_ETS = re.compile(r"ETS\(A,Ad,([AN])\)(?: m=(\d+))?")


class Forecast(ScopedModel):
    """A 7-day forecast of the daily volume of one field in one unit, with its interval and back-test error."""

    unit = models.ForeignKey(
        "structure.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    field = models.CharField(pgettext_lazy("concern", "field"), max_length=40, blank=True)
    made_on = models.DateField(_("made on"))
    # when it was (re)computed: a forecast is made again the same day when later items change its history
    made_at = models.DateTimeField(_("made at"), null=True, blank=True)
    horizon = models.PositiveSmallIntegerField(_("horizon (days)"), default=7)
    history = models.JSONField(_("history"), default=list, blank=True)
    points = models.JSONField(_("forecast"), default=list, blank=True)
    method = models.CharField(_("method"), max_length=60, blank=True)
    backtest_error = models.FloatField(_("back-test error"), null=True, blank=True)
    backtest = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("forecast")
        verbose_name_plural = _("forecasts")
        ordering = ["-made_on", "unit_id", "field"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "field", "made_on"], name="opinion_forecast_once")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.field or '*'} {self.made_on:%d/%m/%Y}"

    @property
    def method_label(self) -> str:
        """The method in words for the page ("ETS(A,Ad,A) m=7" is exponential smoothing with a damped trend
        and a 7-day season); the notation itself stays in ``method`` for those who look at the model."""
        from django.utils.translation import gettext

        ets = FORECAST_ETS.fullmatch(self.method or "")
        if ets and ets.group(2):
            return gettext("exponential smoothing with a damped trend and a %(days)s-day season") % {
                "days": ets.group(2)
            }
        if ets:
            return gettext("exponential smoothing with a damped trend")
        if self.method == "naive":
            return gettext("simple forecast from the latest days")
        return self.method


class DailyRollup(ScopedModel):
    """Relevant items per day × commune × field, maintained by the pipeline; the dashboards read only this.

    ``unit`` is the commune (or the item's unit when it has no commune above it). ``field`` "" never occurs:
    relevant items always have a field."""

    day = models.DateField(_("day"))
    unit = models.ForeignKey(
        "structure.Unit", verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    field = models.CharField(pgettext_lazy("concern", "field"), max_length=40)
    volume = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)
    neutral = models.PositiveIntegerField(default=0)
    positive = models.PositiveIntegerField(default=0)
    reach = models.PositiveBigIntegerField(default=0)
    toxic = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("daily figures")
        verbose_name_plural = _("daily figures")
        ordering = ["day", "unit_id", "field"]
        constraints = [models.UniqueConstraint(fields=["day", "unit", "field"], name="opinion_rollup_once")]
        indexes = [
            models.Index(
                fields=["unit_path", "day"],
                opclasses=["varchar_pattern_ops", "date_ops"],
                include=["field", "volume", "negative", "neutral", "positive", "reach", "toxic", "unit_id"],
                name="opinion_rollup_scope_day",
            ),
            models.Index(
                fields=["day"],
                include=[
                    "unit_path",
                    "field",
                    "volume",
                    "negative",
                    "neutral",
                    "positive",
                    "reach",
                    "unit_id",
                ],
                name="opinion_rollup_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.unit_id} {self.field}: {self.volume}"


# --- collaborators -------------------------------------------------------------------------------------


@tracked
class CollaboratorReport(ScopedModel):
    """A public-opinion collaborator's report of what people are saying somewhere (becomes an Item)."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reporter"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "structure.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        "structure.Unit",
        verbose_name=_("village"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    what_people_say = models.TextField(_("what people are saying"))
    where = models.CharField(_("where"), max_length=300, blank=True)
    how_many = models.PositiveIntegerField(_("how many people (approx.)"), default=1)
    mood = models.CharField(_("mood"), max_length=10, choices=Sentiment.choices, default=Sentiment.NEUTRAL)
    reported_at = models.DateTimeField(_("reported"), default=timezone.now)
    item = models.ForeignKey(
        Item,
        verbose_name=_("item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("collaborator's report")
        verbose_name_plural = _("collaborators' reports")
        ordering = ["-reported_at", "-id"]

    def __str__(self) -> str:
        return self.what_people_say[:80]
