"""The members registry: people, their memberships of branches, every movement, the daily counts that make
the figures instant, the eligibility rules per organisation type, duplicate candidates and imports.

A ``Membership`` is one continuous stay of a person in one branch: joined on ``joined_on`` (by joining,
re-joining or arriving by transfer; ``admitted_on`` keeps the date of the joining or re-joining itself across
transfers) and, once it ends, left on ``left_on`` (by transfer out or for a reason).
It is active on day D when ``joined_on <= D < left_on`` (or ``left_on`` is empty): a person who leaves on
10/03 is no longer counted on 10/03; a transfer on 10/03 counts in the new branch from that day. A person has
at most one active membership per organisation type. Every start and end is also a ``Movement`` (the
timeline users read), and ``DailyCount`` holds per branch and day the movements and the active total after
them, kept by the services in the same transaction, so that the figures at any date read a few thousand rows.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from danvan.core.scoping import ScopedModel, ScopedQuerySet, tracked, user_scopes


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Education(models.TextChoices):
    NONE = "none", _("No schooling")
    PRIMARY = "primary", _("Primary school")
    LOWER_SECONDARY = "lower_secondary", _("Lower secondary school")
    UPPER_SECONDARY = "upper_secondary", _("Upper secondary school")
    VOCATIONAL = "vocational", _("Vocational training")
    COLLEGE = "college", _("College")
    UNIVERSITY = "university", _("University")
    POSTGRADUATE = "postgraduate", _("Postgraduate")


class Status(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("membership status", "Active")
    TRANSFERRED = "transferred", _("Transferred")
    LEFT = "left", _("Left")
    DECEASED = "deceased", _("Deceased")
    EXPELLED = "expelled", _("Expelled")


class StartKind(models.TextChoices):
    JOIN = "join", pgettext_lazy("movement", "Joined")
    REJOIN = "rejoin", _("Re-joined")
    TRANSFER_IN = "transfer_in", _("Transferred in")


class EndReason(models.TextChoices):
    TRANSFERRED = "transferred", _("Transferred out")
    OVER_AGE = "over_age", _("Over age")
    MOVED_AWAY = "moved_away", _("Moved away")
    RESIGNED = "resigned", _("Resigned")
    DECEASED = "deceased", _("Deceased")
    EXPELLED = "expelled", _("Expelled or struck off")


LEAVE_REASONS = [r for r in EndReason if r != EndReason.TRANSFERRED]
STATUS_FOR_END = {
    EndReason.TRANSFERRED: Status.TRANSFERRED,
    EndReason.OVER_AGE: Status.LEFT,
    EndReason.MOVED_AWAY: Status.LEFT,
    EndReason.RESIGNED: Status.LEFT,
    EndReason.DECEASED: Status.DECEASED,
    EndReason.EXPELLED: Status.EXPELLED,
}


class MovementKind(models.TextChoices):
    JOIN = "join", pgettext_lazy("movement", "Joined")
    REJOIN = "rejoin", _("Re-joined")
    TRANSFER_IN = "transfer_in", _("Transferred in")
    TRANSFER_OUT = "transfer_out", _("Transferred out")
    LEAVE = "leave", _("Left")


# Age bands of the figures: (code, label, lowest age, highest age or None).
AGE_BANDS: list[tuple[str, object, int, int | None]] = [
    ("u16", _("Under 16"), 0, 15),
    ("16_30", _("16–30"), 16, 30),
    ("31_45", _("31–45"), 31, 45),
    ("46_59", _("46–59"), 46, 59),
    ("60_79", _("60–79"), 60, 79),
    ("80", _("80 and over"), 80, None),
]


def _condition(user, perm: str, unit_field: str, org_field: str | None) -> Q | None:
    """The OR of path prefixes over the scopes in which ``user`` holds ``perm`` (None: nothing)."""
    condition = Q()
    for scope in user_scopes(user, perm):
        part = Q(**{f"{unit_field}__startswith": scope.unit_path})
        if scope.org_path:
            if not org_field:
                continue
            part &= Q(**{f"{org_field}__startswith": scope.org_path})
        condition |= part
    return condition or None


def tracked_changes(model_cls):
    """Row history of updates and deletes (django-pghistory). The creation of a person or a membership is
    already an event of its own (the "joined" movement, with who recorded it, or the import batch), and a
    history row per insert doubled the cost of an import: see ADR 0005."""
    import pghistory

    return pghistory.track(pghistory.UpdateEvent(), pghistory.DeleteEvent())(model_cls)


def _usable(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


class PersonQuerySet(ScopedQuerySet):
    def visible_to(self, user, action: str = "view"):
        """People who live in the user's scope, and people with a membership in it (an organisation officer
        sees the people of its branches wherever they live).

        To read (``view``) a membership of any time will do: a former branch still reads its history. To act
        on the record (change, add, delete) only a current (active) membership counts: once a member has
        transferred out, left or died, her record belongs to where she lives and is a member now."""
        if not _usable(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        by_residence = _condition(user, f"members.{action}_person", "unit_path", None)
        memberships = Membership.objects.visible_to(user, action)
        if action != "view":
            memberships = memberships.filter(left_on__isnull=True)
        by_membership = Exists(memberships.filter(person_id=OuterRef("pk")))
        if by_residence is None:
            return self.filter(by_membership)
        return self.filter(by_residence | by_membership)


@tracked_changes
class Person(ScopedModel):
    """A person, scoped by the unit (village or commune) where they live."""

    CITIZEN_ID_CONTEXT = "members.person.citizen_id"

    # The residence's path, with a prefix (LIKE 'path%') index only: see ADR 0005 on the indexes.
    unit_path = models.CharField(max_length=255, editable=False)

    full_name = models.CharField(_("full name"), max_length=120)
    search_name = models.CharField(max_length=120, editable=False)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("year of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=2, default="01")
    religion = models.CharField(_("religion"), max_length=2, default="00")
    citizen_id_enc = models.TextField(blank=True, editable=False)
    citizen_id_hash = models.CharField(max_length=64, blank=True, editable=False)
    citizen_id_last3 = models.CharField(max_length=3, blank=True, editable=False)
    birth_province = models.CharField(
        _("province where the birth was registered"),
        max_length=2,
        blank=True,
        help_text=_("A former (63-province) code; checked against digits 1–3 of the citizen ID."),
    )
    phone = models.CharField(_("phone"), max_length=15, blank=True)
    unit = models.ForeignKey(
        "structure.Unit", verbose_name=_("place of residence"), on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    occupation = models.CharField(_("occupation"), max_length=120, blank=True)
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    veteran = models.BooleanField(_("veteran"), default=False)
    deceased_on = models.DateField(_("deceased on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    import_batch = models.ForeignKey(
        "ImportBatch",
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["search_name", "id"]
        permissions = [("view_citizen_id", _("Can see citizen IDs in full"))]
        constraints = [
            models.UniqueConstraint(
                fields=["citizen_id_hash"],
                condition=~Q(citizen_id_hash=""),
                include=["id"],
                name="person_citizen_id_unique",
            ),
            models.CheckConstraint(condition=Q(birth_year__gte=1880), name="person_birth_year_sane"),
        ]
        indexes = [
            models.Index(fields=["unit_path"], name="person_unit_path", opclasses=["varchar_pattern_ops"]),
            # duplicate detection reads these in index-only scans (a whole import file against the registry)
            models.Index(
                fields=["search_name", "birth_year"],
                include=["birth_date", "unit_path"],
                name="person_name_birth",
            ),
            models.Index(
                fields=["search_name", "birth_year"],
                include=["birth_date", "unit_path"],
                condition=Q(citizen_id_hash=""),
                name="person_name_birth_no_id",
            ),
            models.Index(fields=["phone"], name="person_phone", condition=~Q(phone="")),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("members:person-detail", args=[self.pk])

    @property
    def citizen_id_masked(self) -> str:
        return ("•" * 9 + self.citizen_id_last3) if self.citizen_id_last3 else ""

    @property
    def birth_display(self) -> str:
        return self.birth_date.strftime("%d/%m/%Y") if self.birth_date else str(self.birth_year)

    @property
    def ethnicity_name(self) -> str:
        from danvan.members.reference import ethnicity_name

        return ethnicity_name(self.ethnicity)

    @property
    def religion_name(self) -> str:
        from danvan.members.reference import religion_name

        return religion_name(self.religion)


@tracked_changes
class Membership(ScopedModel):
    """One continuous stay of a person in one branch (see the module docstring)."""

    scope_org_field = "org_path"

    unit_path = models.CharField(
        max_length=255, editable=False
    )  # the branch's unit path (prefix index below)
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="memberships"
    )
    branch = models.ForeignKey(
        "structure.Branch", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    org_type = models.ForeignKey(
        "structure.OrgType",
        verbose_name=_("organisation type"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    org_path = models.CharField(max_length=255, editable=False)
    member_number = models.CharField(_("member number"), max_length=30, blank=True)
    # the start of this stay in this branch (the transfer date for an arrival by transfer)
    joined_on = models.DateField(_("in the branch since"))
    # the date the person joined (or re-joined) the organisation: the joining this stay continues, kept across
    # transfers; "Ngày kết nạp" in the list, the exports and the member book
    admitted_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    start_kind = models.CharField(
        _("how it started"), max_length=12, choices=StartKind.choices, default=StartKind.JOIN
    )
    end_reason = models.CharField(_("how it ended"), max_length=12, choices=EndReason.choices, blank=True)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("continues"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    eligibility_override = models.TextField(_("reason for overriding the eligibility rules"), blank=True)
    # The person's attributes the list filters and the figures' breakdowns need, kept in step by the services.
    search_name = models.CharField(max_length=120, editable=False)
    sex = models.CharField(max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField(null=True, editable=False)
    birth_year = models.PositiveSmallIntegerField(editable=False)
    ethnicity = models.CharField(max_length=2, editable=False)
    import_batch = models.ForeignKey(
        "ImportBatch",
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["search_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "org_type"],
                condition=Q(left_on__isnull=True),
                name="membership_one_active_per_type",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gt=models.F("joined_on")),
                name="membership_period",
            ),
            models.CheckConstraint(
                condition=(Q(left_on__isnull=True) & Q(status="active") & Q(end_reason=""))
                | (Q(left_on__isnull=False) & ~Q(status="active") & ~Q(end_reason="")),
                name="membership_status_matches_end",
            ),
        ]
        indexes = [
            models.Index(
                fields=["unit_path"], name="membership_unit_path", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["org_path"], name="membership_org_path", opclasses=["varchar_pattern_ops"]),
            GinIndex(fields=["search_name"], name="membership_search_trgm", opclasses=["gin_trgm_ops"]),
            # the list's search box finds a card number whatever its case (``member_number__iexact``)
            models.Index(Upper("member_number"), name="membership_member_number"),
            models.Index(fields=["left_on"], name="membership_left_on", condition=Q(left_on__isnull=False)),
            models.Index(
                fields=["previous"], name="membership_previous", condition=Q(previous__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} — {self.branch}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("members:membership-detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.left_on is None

    def active_on(self, day) -> bool:
        return self.joined_on <= day and (self.left_on is None or self.left_on > day)


class Movement(ScopedModel):
    """One movement of a membership, as the timeline shows it: joined, re-joined, transferred in or out, left."""

    scope_org_field = "org_path"

    # Movements are read by person or membership, then limited to the scope: no index on the paths.
    unit_path = models.CharField(max_length=255, editable=False)
    # A log written only by the services, in bulk by imports: its references carry no database constraint
    # (each one was a check per inserted row); the services delete a membership's movements with it.
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="movements", db_constraint=False
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="movements", db_constraint=False
    )
    branch = models.ForeignKey(
        "structure.Branch", on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    kind = models.CharField(_("movement"), max_length=12, choices=MovementKind.choices)
    reason = models.CharField(_("reason"), max_length=12, choices=EndReason.choices, blank=True)
    on = models.DateField(_("date"))
    other_branch = models.ForeignKey(
        "structure.Branch",
        verbose_name=_("from or to branch"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    eligibility_override = models.TextField(_("reason for overriding the eligibility rules"), blank=True)
    org_path = models.CharField(max_length=255, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    import_batch = models.ForeignKey(
        "ImportBatch",
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("movement")
        verbose_name_plural = _("movements")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.on:%d/%m/%Y} {self.get_kind_display()}"


class DailyCountQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view"):
        """Counts are read with the membership permission: a user sees the counts of the branches whose
        memberships they may see."""
        if not _usable(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        condition = _condition(user, f"members.{action}_membership", "unit_path", "org_path")
        return self.filter(condition) if condition is not None else self.none()


class DailyCount(models.Model):
    """Per branch and day: the movements of that day and the active memberships after them."""

    scope_unit_field = "unit_path"
    scope_org_field = "org_path"

    branch = models.ForeignKey("structure.Branch", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    org_type = models.ForeignKey(
        "structure.OrgType", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    unit_path = models.CharField(max_length=255)
    org_path = models.CharField(max_length=255)
    joined = models.IntegerField(default=0)
    rejoined = models.IntegerField(default=0)
    transfer_in = models.IntegerField(default=0)
    transfer_out = models.IntegerField(default=0)
    left_over_age = models.IntegerField(default=0)
    left_moved_away = models.IntegerField(default=0)
    left_resigned = models.IntegerField(default=0)
    left_deceased = models.IntegerField(default=0)
    left_expelled = models.IntegerField(default=0)
    net = models.IntegerField(default=0)
    active = models.IntegerField(default=0)

    objects = DailyCountQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["branch", "day"], name="dailycount_branch_day")]
        indexes = [models.Index(fields=["day"], name="dailycount_day")]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.day:%d/%m/%Y}: {self.active}"


# Which DailyCount column a start or an end adds to.
START_COLUMN = {StartKind.JOIN: "joined", StartKind.REJOIN: "rejoined", StartKind.TRANSFER_IN: "transfer_in"}
END_COLUMN = {
    EndReason.TRANSFERRED: "transfer_out",
    EndReason.OVER_AGE: "left_over_age",
    EndReason.MOVED_AWAY: "left_moved_away",
    EndReason.RESIGNED: "left_resigned",
    EndReason.DECEASED: "left_deceased",
    EndReason.EXPELLED: "left_expelled",
}
LEFT_COLUMNS = [END_COLUMN[r] for r in LEAVE_REASONS]


@tracked
class EligibilityRule(models.Model):
    """Who may join an organisation of a type, as data: age limits, sex, veteran status."""

    org_type = models.OneToOneField(
        "structure.OrgType",
        verbose_name=_("organisation type"),
        on_delete=models.CASCADE,
        related_name="eligibility",
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    sex = models.CharField(
        _("sex"), max_length=1, choices=Sex.choices, blank=True, help_text=_("Empty: anyone.")
    )
    requires_veteran = models.BooleanField(_("veterans only"), default=False)
    note = models.CharField(_("source"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("eligibility rule")
        verbose_name_plural = _("eligibility rules")

    def __str__(self) -> str:
        return str(self.org_type)


class DuplicateReason(models.TextChoices):
    NAME_BIRTH_DATE_COMMUNE = "name_birth_commune", _("Same name, date of birth and commune")
    NAME_BIRTH_DATE = "name_birth", _("Same name and date of birth")
    NAME_BIRTH_YEAR_COMMUNE = "name_year_commune", _("Same name, year of birth and commune")


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("To review")
    MERGED = "merged", _("Merged")
    DISMISSED = "dismissed", _("Not the same person")


class DuplicateQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view"):
        """A candidate pair is seen by whoever may see both people."""
        if not _usable(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        people = Person.objects.visible_to(user, action)
        return self.filter(
            Exists(people.filter(pk=OuterRef("person_id"))), Exists(people.filter(pk=OuterRef("other_id")))
        )


class DuplicateCandidate(models.Model):
    """Two person records that may be the same person, flagged for review (merge or dismiss)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=DuplicateReason.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN
    )
    unit_path = models.CharField(max_length=255, db_index=True)
    created_at = models.DateTimeField(_("flagged on"), auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = DuplicateQuerySet.as_manager()

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        ordering = ["-created_at", "id"]
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["person", "other"], name="duplicate_pair_unique")]

    def __str__(self) -> str:
        return f"{self.person} ≟ {self.other}"


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Being checked")
    CHECKED = "checked", _("Checked: waiting for your decision")
    FAILED = "failed", _("The file could not be read")
    COMMITTING = "committing", _("Being imported")
    COMMITTED = "committed", _("Imported")
    DISCARDED = "discarded", _("Discarded")


class ImportBatchQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "view"):
        """An import is seen by the user who started it (and by superusers), like its jobs."""
        if not _usable(user):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(created_by=user)


class ImportBatch(models.Model):
    """One uploaded file of members: checked into the staging rows, previewed, then imported or discarded."""

    filename = models.CharField(_("file"), max_length=255)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.CHECKING
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    valid_rows = models.PositiveIntegerField(_("valid rows"), default=0)
    error_rows = models.PositiveIntegerField(_("rejected rows"), default=0)
    duplicate_rows = models.PositiveIntegerField(_("possible duplicates"), default=0)
    matched_rows = models.PositiveIntegerField(_("rows of people already registered"), default=0)
    message = models.TextField(_("message"), blank=True)
    check_job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    commit_job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejected_file = models.FileField(_("rejected rows"), upload_to="members/imports/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    committed_at = models.DateTimeField(_("imported"), null=True, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    # The oldest transaction still running when the file was last compared with the registry (a 64-bit
    # transaction id): the people written by it or by a later one are the only ones the commit compares again.
    registry_horizon = models.BigIntegerField(null=True, blank=True, editable=False)
    # The titles of the file's first row that name no column of the template (their cells were not read).
    ignored_columns = ArrayField(models.CharField(max_length=255), default=list, blank=True, editable=False)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")
        ordering = ["-created_at"]
        default_permissions = ()

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("members:import-detail", args=[self.pk])


class ImportRow(models.Model):
    """A staging row of an import (an UNLOGGED table, filled with COPY): the parsed values of a valid row,
    or the cells and the reasons of a rejected one. Nothing here is in the registry until the import is
    committed; the rows are deleted when the import is committed or discarded."""

    batch_id = models.BigIntegerField()
    row_number = models.IntegerField()
    errors = models.TextField(blank=True)
    duplicate_note = models.TextField(blank=True)
    duplicate_ids = ArrayField(models.BigIntegerField(), null=True)  # people already registered it may be
    duplicate_rows = ArrayField(models.IntegerField(), null=True)  # rows of the same file it may be
    cells = models.JSONField(null=True)
    person_key = models.CharField(max_length=64, blank=True)
    matched_person_id = models.BigIntegerField(null=True)
    full_name = models.CharField(max_length=120, blank=True)
    search_name = models.CharField(max_length=120, blank=True)
    birth_date = models.DateField(null=True)
    birth_year = models.SmallIntegerField(null=True)
    sex = models.CharField(max_length=1, blank=True)
    ethnicity = models.CharField(max_length=2, blank=True)
    religion = models.CharField(max_length=2, blank=True)
    citizen_id_enc = models.TextField(blank=True)
    citizen_id_hash = models.CharField(max_length=64, blank=True)
    citizen_id_last3 = models.CharField(max_length=3, blank=True)
    birth_province = models.CharField(max_length=2, blank=True)
    phone = models.CharField(max_length=15, blank=True)
    unit_id = models.BigIntegerField(null=True)
    unit_path = models.CharField(max_length=255, blank=True)
    address = models.CharField(max_length=255, blank=True)
    occupation = models.CharField(max_length=120, blank=True)
    education = models.CharField(max_length=20, blank=True)
    veteran = models.BooleanField(default=False)
    branch_id = models.BigIntegerField(null=True)
    org_type_id = models.BigIntegerField(null=True)
    branch_unit_path = models.CharField(max_length=255, blank=True)
    org_path = models.CharField(max_length=255, blank=True)
    member_number = models.CharField(max_length=30, blank=True)
    joined_on = models.DateField(null=True)
    notes = models.TextField(blank=True)
    eligibility_override = models.TextField(blank=True)

    class Meta:
        default_permissions = ()
        indexes = [models.Index(fields=["batch_id", "row_number"], name="importrow_batch_row")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row_number}"
