""" "Dân vận khéo" models (skilful mobilisation good practices): the registry, their results and evidence,
the lifecycle registered → assessed → recognised → replicated → stopped with who and when for each step,
assessments by a council against criteria kept as data, and awards to models and people.

A practice belongs to a unit and, when its owner is an organisation's collective or cadre, to that
organisation. A practice without an organisation is seen through its unit alone (``PracticeQuerySet``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from danvan.core.models import user_link
from danvan.core.scoping import ScopedModel, ScopedQuerySet, tracked, user_scopes


class PracticeField(models.TextChoices):
    ECONOMY = "economy", _("Economy")
    CULTURE_SOCIETY = "culture_society", _("Culture and society")
    DEFENCE_SECURITY = "defence_security", _("Defence and security")
    POLITICAL_SYSTEM = "political_system", _("Building the political system")


class PracticeLevel(models.TextChoices):
    VILLAGE = "village", _("Village")
    COMMUNE = "commune", _("Commune")
    PROVINCE = "province", _("Province")


class OwnerKind(models.TextChoices):
    COLLECTIVE = "collective", _("Collective")
    INDIVIDUAL = "individual", _("Individual")


class PracticeStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ASSESSED = "assessed", _("Assessed")
    RECOGNISED = "recognised", _("Recognised")
    REPLICATED = "replicated", _("Replicated")
    STOPPED = "stopped", _("Stopped")


class RecognitionLevel(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    PROVINCE = "province", _("Province")
    CENTRAL = "central", _("Central")


class OrgOptionalQuerySet(ScopedQuerySet):
    """Records whose organisation is optional: without one (``org_path`` empty) they are seen through the
    unit part of a scope alone, as ADR 0004 does for records that have no organisation."""

    def visible_to(self, user, action: str = "view"):
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        model = self.model
        scopes = user_scopes(user, f"{model._meta.app_label}.{action}_{model._meta.model_name}")
        if not scopes:
            return self.none()
        condition = Q()
        for scope in scopes:
            part = Q(unit_path__startswith=scope.unit_path)
            if scope.org_path:
                part &= Q(org_path="") | Q(org_path__startswith=scope.org_path)
            condition |= part
        return self.filter(condition)


class PracticeQuerySet(OrgOptionalQuerySet):
    def search(self, text: str):
        """Accent-insensitive full-text search: every word, as a prefix ("nuoi bo" finds "nuôi bò sinh sản")."""
        from danvan.practices.search import tsquery

        query = tsquery(text)
        if query is None:
            return self
        return self.filter(search_vector=query)


@tracked
class Practice(ScopedModel):
    scope_org_field = "org_path"

    code = models.CharField(_("code"), max_length=30, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=300)
    field = models.CharField(_("field"), max_length=30, choices=PracticeField.choices)
    level = models.CharField(_("level"), max_length=20, choices=PracticeLevel.choices)
    owner_kind = models.CharField(_("owner"), max_length=20, choices=OwnerKind.choices)
    owner_name = models.CharField(
        _("owner's name"),
        max_length=255,
        help_text=_("The collective (e.g. Chi hội Phụ nữ ấp Phú Hòa) or person."),
    )
    organisation = models.ForeignKey(
        "structure.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="practices",
    )
    unit = models.ForeignKey(
        "structure.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="practices"
    )
    org_path = models.CharField(max_length=255, blank=True, default="", editable=False)
    started_on = models.DateField(_("started on"))
    description = models.TextField(_("description"))
    problem = models.TextField(_("problem it solved"), blank=True)
    people_reached = models.PositiveIntegerField(_("people reached"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PracticeStatus.choices, default=PracticeStatus.REGISTERED
    )
    origin = models.ForeignKey(
        "self",
        verbose_name=_("replicated from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replicas",
    )
    registered_on = models.DateField(_("registered on"))
    registered_by = user_link(_("registered by"))
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True, editable=False)
    recognised_on = models.DateField(_("recognised on"), null=True, blank=True, editable=False)
    recognition_no = models.CharField(_("decision number"), max_length=100, blank=True, editable=False)
    recognition_level = models.CharField(
        _("recognised at level"), max_length=20, choices=RecognitionLevel.choices, blank=True, editable=False
    )
    recognition_issuer = models.CharField(_("recognised by"), max_length=255, blank=True, editable=False)
    replicated_on = models.DateField(_("first replicated on"), null=True, blank=True, editable=False)
    stopped_on = models.DateField(_("stopped on"), null=True, blank=True, editable=False)
    stop_reason = models.TextField(_("reason for stopping"), blank=True, editable=False)
    search_text = models.TextField(editable=False, default="")
    search_vector = models.GeneratedField(
        expression=SearchVector("search_text", config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PracticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("“Dân vận khéo” model")
        verbose_name_plural = _("“Dân vận khéo” models")
        ordering = ["-registered_on", "-id"]
        permissions = [("recognise_practice", "Can recognise models")]
        indexes = [
            GinIndex(fields=["search_vector"], name="practice_search"),
            models.Index(fields=["org_path"], name="practice_org_path", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["status"], name="practice_status"),
            models.Index(fields=["registered_on"], name="practice_registered_on"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(origin=F("id")), name="practice_not_its_own_origin"),
            models.CheckConstraint(
                condition=~Q(status="recognised") | Q(recognised_on__isnull=False),
                name="practice_recognised_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("practices:practice-detail", args=[self.pk])

    @property
    def is_recognised(self) -> bool:
        return self.recognised_on is not None

    @property
    def is_stopped(self) -> bool:
        return self.status == PracticeStatus.STOPPED


class PracticeResult(models.Model):
    """A result in figures: an indicator before and after."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="results")
    indicator = models.CharField(_("indicator"), max_length=255)
    measure = models.CharField(_("unit of measure"), max_length=50, blank=True)
    before = models.DecimalField(_("before"), max_digits=14, decimal_places=2, null=True, blank=True)
    after = models.DecimalField(_("after"), max_digits=14, decimal_places=2, null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.indicator

    @property
    def change(self):
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


class EvidenceKind(models.TextChoices):
    DOCUMENT = "document", _("Document")
    PHOTO = "photo", _("Photo")


@tracked
class Evidence(ScopedModel):
    """A document or photo that shows the model at work; served only through a scoped view."""

    scope_org_field = "org_path"

    practice = models.ForeignKey(
        Practice, verbose_name=_("model"), on_delete=models.CASCADE, related_name="evidence"
    )
    org_path = models.CharField(max_length=255, blank=True, default="", editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind.choices)
    title = models.CharField(_("title"), max_length=255)
    file = models.FileField(_("file"), upload_to="practices/evidence/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=255, blank=True, default="", editable=False)
    content_type = models.CharField(max_length=100, blank=True, editable=False)
    size = models.PositiveIntegerField(default=0, editable=False)
    uploaded_by = user_link(_("uploaded by"))
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = OrgOptionalQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["kind", "uploaded_at"]

    def __str__(self) -> str:
        return self.title


# --- assessment -----------------------------------------------------------------------------------


@tracked
class AssessmentScheme(models.Model):
    """A set of criteria a council scores models against, and the share of the maximum needed to pass."""

    name = models.CharField(_("name"), max_length=255)
    reference = models.CharField(_("legal basis"), max_length=255, blank=True)
    pass_share = models.DecimalField(
        _("share of the maximum needed to pass"), max_digits=4, decimal_places=2, default=0.7
    )
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        ordering = ["-is_active", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_share__gt=0) & Q(pass_share__lte=1), name="scheme_pass_share"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def max_total(self):
        return sum(c.max_score for c in self.criteria.all())


@tracked
class Criterion(models.Model):
    scheme = models.ForeignKey(
        AssessmentScheme, verbose_name=_("criteria"), on_delete=models.CASCADE, related_name="criteria"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("criterion"), max_length=255)
    description = models.TextField(_("what the council looks at"), blank=True)
    max_score = models.PositiveSmallIntegerField(_("maximum score"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["scheme", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="criterion_code_unique"),
            models.CheckConstraint(condition=Q(max_score__gt=0), name="criterion_max_positive"),
        ]

    def __str__(self) -> str:
        return self.name


@tracked
class Assessment(ScopedModel):
    """A council's assessment of a model: a score per criterion, the total, passed or not."""

    scope_org_field = "org_path"

    practice = models.ForeignKey(
        Practice, verbose_name=_("model"), on_delete=models.CASCADE, related_name="assessments"
    )
    org_path = models.CharField(max_length=255, blank=True, default="", editable=False)
    scheme = models.ForeignKey(AssessmentScheme, verbose_name=_("criteria"), on_delete=models.PROTECT)
    council = models.CharField(_("council"), max_length=255)
    assessed_on = models.DateField(_("assessed on"))
    total = models.DecimalField(_("total score"), max_digits=7, decimal_places=2)
    max_total = models.DecimalField(_("maximum"), max_digits=7, decimal_places=2)
    passed = models.BooleanField(_("passed"))
    conclusion = models.TextField(_("conclusion"), blank=True)
    recorded_by = user_link(_("recorded by"))
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = OrgOptionalQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assessed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.council} · {self.assessed_on:%d/%m/%Y}"


class AssessmentScore(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["criterion__order", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="score_once_per_criterion"),
            models.CheckConstraint(condition=Q(score__gte=0), name="score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.score}"


# --- lifecycle events -----------------------------------------------------------------------------


class Step(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    UPDATED = "updated", _("Details updated")
    ASSESSED = "assessed", _("Assessed")
    RECOGNISED = "recognised", _("Recognised")
    REPLICATED = "replicated", _("Replicated")
    REPLICA_OF = "replica_of", _("Registered as a replication")
    STOPPED = "stopped", _("Stopped")
    AWARDED = "awarded", _("Award")
    EVIDENCE = "evidence", _("Evidence added")


class Milestone(models.Model):
    """A step of a model's life, with who and when: the timeline on its page."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="milestones")
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    on = models.DateField(_("date"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)
    related = models.ForeignKey(Practice, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("step of a model")
        verbose_name_plural = _("steps of models")
        ordering = ["on", "at", "id"]

    def __str__(self) -> str:
        return f"{self.get_step_display()} · {self.on:%d/%m/%Y}"


# --- awards ---------------------------------------------------------------------------------------


class AwardLevel(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    PROVINCE = "province", _("Province")
    CENTRAL = "central", _("Central")


@tracked
class Award(ScopedModel):
    """An award (certificate of merit, commendation, medal) to a model's owner or to a person."""

    scope_org_field = "org_path"

    practice = models.ForeignKey(
        Practice,
        verbose_name=_("model"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="awards",
    )
    recipient_kind = models.CharField(_("recipient"), max_length=20, choices=OwnerKind.choices)
    recipient_name = models.CharField(_("recipient's name"), max_length=255)
    organisation = models.ForeignKey(
        "structure.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "structure.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    org_path = models.CharField(max_length=255, blank=True, default="", editable=False)
    title = models.CharField(_("award"), max_length=255, help_text=_("e.g. Bằng khen của Chủ tịch UBND tỉnh"))
    level = models.CharField(_("level"), max_length=20, choices=AwardLevel.choices)
    decision_no = models.CharField(_("decision number"), max_length=100, blank=True)
    awarded_on = models.DateField(_("awarded on"))
    issuer = models.CharField(_("awarded by"), max_length=255, blank=True)
    note = models.TextField(_("note"), blank=True)
    search_name = models.CharField(max_length=600, editable=False, default="")
    recorded_by = user_link(_("recorded by"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrgOptionalQuerySet.as_manager()

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["-awarded_on", "-id"]
        indexes = [GinIndex(fields=["search_name"], name="award_search_trgm", opclasses=["gin_trgm_ops"])]

    def __str__(self) -> str:
        return f"{self.title} · {self.recipient_name}"

    def get_absolute_url(self) -> str:
        return reverse("practices:award-detail", args=[self.pk])
