"""Grassroots activities: branch meetings, the cadres who attend them and their quotas, the issues members
raise, and training courses.

Places: a meeting, its attendances and issues carry the meeting's branch paths (``unit_path`` is the branch's
village, ``org_path`` the branch's path); a cadre carries their organisation's paths. An attendance also
carries the cadre's paths and is seen from either side (``access.TwoSidedQuerySet``).

Figures: the monthly tallies (``BranchMonthTally``, ``CadreMonthTally``) are kept by statement-level
PostgreSQL triggers on meetings and attendances (one aggregate per statement, so bulk inserts and COPY keep
them right too); ``services.tallies_rebuild`` recomputes them from the rows. ADR 0007.
"""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from danvan.activities.access import CountsQuerySet, RulesQuerySet, TwoSidedQuerySet
from danvan.activities.periods import PeriodKind
from danvan.core.models import user_link
from danvan.core.scoping import ScopedModel, tracked


class Level(models.TextChoices):
    PROVINCE = "province", _("Province")
    COMMUNE = "commune", _("Commune")
    VILLAGE = "village", _("Village")


class CadreRole(models.TextChoices):
    """The groups of cadres that Quy định 784-QĐ/TU sends to branch meetings."""

    PARTY_COMMITTEE = "party_committee", _("Party committee member")
    COMMISSION = "commission", _("Mass-mobilisation commission leader")
    ORGANISATION_LEADER = "organisation_leader", _("Front or organisation leader")
    OFFICER = "officer", _("Full-time officer")
    OTHER = "other", _("Other")


def level_of(unit) -> str:
    """The level of a unit as the activities count it (a former province counts as a province)."""
    level = getattr(unit, "level", "")
    return level if level in Level.values else Level.PROVINCE


# --- cadres ---------------------------------------------------------------------------------------


@tracked
class Cadre(ScopedModel):
    """A cadre who goes down to the grassroots: with an account (``user``) or registered by name only."""

    scope_org_field = "org_path"

    full_name = models.CharField(_("full name"), max_length=150)
    search_name = models.CharField(max_length=300, editable=False, db_index=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cadre",
    )
    organisation = models.ForeignKey(
        "structure.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="cadres",
    )
    unit = models.ForeignKey(
        "structure.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="cadres"
    )
    org_path = models.CharField(max_length=255, editable=False)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, editable=False)
    role = models.CharField(_("role"), max_length=30, choices=CadreRole.choices, default=CadreRole.OFFICER)
    position = models.CharField(_("position"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    active_from = models.DateField(_("in post from"), null=True, blank=True)
    active_until = models.DateField(_("in post until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cadre")
        verbose_name_plural = _("cadres")
        ordering = ["org_path", "full_name"]
        indexes = [
            models.Index(fields=["org_path"], name="cadre_org_path", opclasses=["varchar_pattern_ops"]),
            GinIndex(fields=["search_name"], name="cadre_search_trgm", opclasses=["gin_trgm_ops"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(active_until__isnull=True)
                | Q(active_from__isnull=True)
                | Q(active_until__gte=F("active_from")),
                name="cadre_post_period",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("activities:cadre-detail", args=[self.pk])


# --- meetings -------------------------------------------------------------------------------------


class MeetingKind(models.TextChoices):
    REGULAR = "regular", _("Regular meeting")
    THEMATIC = "thematic", _("Thematic meeting")
    JOINT = "joint", _("Joint meeting of several organisations")
    OTHER = "other", _("Other")


# Statement-level triggers: one aggregate over the statement's transition table per INSERT/UPDATE/DELETE.
_MEETING_TALLY = """
    INSERT INTO activities_branchmonthtally
        (branch_id, month, unit_path, org_path, organisation_id, meetings, attendances)
    SELECT branch_id, date_trunc('month', held_on)::date, min(unit_path), min(org_path),
           min(organisation_id), {sign}count(*), 0
    FROM {source} GROUP BY branch_id, date_trunc('month', held_on)
    ON CONFLICT (branch_id, month) DO UPDATE
        SET meetings = activities_branchmonthtally.meetings + EXCLUDED.meetings;
"""
_ATTENDANCE_TALLY = """
    INSERT INTO activities_branchmonthtally
        (branch_id, month, unit_path, org_path, organisation_id, meetings, attendances)
    SELECT a.branch_id, date_trunc('month', a.held_on)::date, min(a.unit_path), min(a.org_path),
           min(a.meeting_organisation_id), 0, {sign}count(*)
    FROM {source} a GROUP BY a.branch_id, date_trunc('month', a.held_on)
    ON CONFLICT (branch_id, month) DO UPDATE
        SET attendances = activities_branchmonthtally.attendances + EXCLUDED.attendances;
    INSERT INTO activities_cadremonthtally (cadre_id, month, unit_path, org_path, attendances)
    SELECT a.cadre_id, date_trunc('month', a.held_on)::date, min(a.cadre_unit_path), min(a.cadre_org_path),
           {sign}count(*)
    FROM {source} a GROUP BY a.cadre_id, date_trunc('month', a.held_on)
    ON CONFLICT (cadre_id, month) DO UPDATE
        SET attendances = activities_cadremonthtally.attendances + EXCLUDED.attendances;
"""


def _tally_triggers(prefix: str, body: str) -> list[pgtrigger.Trigger]:
    triggers = []
    for op, name, ref, parts in (
        (pgtrigger.Insert, "ins", pgtrigger.Referencing(new="new_rows"), (("", "new_rows"),)),
        (pgtrigger.Delete, "del", pgtrigger.Referencing(old="old_rows"), (("-", "old_rows"),)),
        (
            pgtrigger.Update,
            "upd",
            pgtrigger.Referencing(old="old_rows", new="new_rows"),
            (("-", "old_rows"), ("", "new_rows")),
        ),
    ):
        func = "".join(body.format(sign=sign, source=source) for sign, source in parts) + "RETURN NULL;"
        triggers.append(
            pgtrigger.Trigger(
                name=f"{prefix}_tally_{name}",
                operation=op,
                when=pgtrigger.After,
                level=pgtrigger.Statement,
                referencing=ref,
                func=func,
            )
        )
    return triggers


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["cadre_count", "updated_at"],
)
class Meeting(ScopedModel):
    """A branch meeting (sinh hoạt chi, tổ hội)."""

    scope_org_field = "org_path"

    branch = models.ForeignKey(
        "structure.Branch", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="meetings"
    )
    organisation = models.ForeignKey(
        "structure.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    unit = models.ForeignKey(
        "structure.Unit", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    org_path = models.CharField(max_length=255, editable=False)
    held_on = models.DateField(_("date"))
    kind = models.CharField(
        _("kind"), max_length=20, choices=MeetingKind.choices, default=MeetingKind.REGULAR
    )
    topics = models.TextField(_("topics"), blank=True)
    members_present = models.PositiveIntegerField(_("members present"), null=True, blank=True)
    members_total = models.PositiveIntegerField(_("members in the branch"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    search_name = models.CharField(max_length=400, editable=False)
    cadre_count = models.PositiveIntegerField(_("cadres attending"), default=0, editable=False)
    created_by = user_link(_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("branch meeting")
        verbose_name_plural = _("branch meetings")
        ordering = ["-held_on", "-id"]
        indexes = [
            models.Index(fields=["held_on"], name="meeting_held_on"),
            models.Index(fields=["branch", "held_on"], name="meeting_branch_held_on"),
            models.Index(fields=["org_path"], name="meeting_org_path", opclasses=["varchar_pattern_ops"]),
            GinIndex(fields=["search_name"], name="meeting_search_trgm", opclasses=["gin_trgm_ops"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(members_present__isnull=True)
                | Q(members_total__isnull=True)
                | Q(members_present__lte=F("members_total")),
                name="meeting_present_within_total",
            ),
        ]
        triggers = _tally_triggers("meeting", _MEETING_TALLY)

    def __str__(self) -> str:
        return f"{self.branch.name} · {self.held_on:%d/%m/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("activities:meeting-detail", args=[self.pk])

    @property
    def attendance_rate(self) -> float | None:
        if self.members_present is None or not self.members_total:
            return None
        return self.members_present / self.members_total


@tracked
class Attendance(ScopedModel):
    """A cadre at a branch meeting: from which organisation and level, what they said and undertook."""

    scope_org_field = "org_path"
    scope_other_fields = ("cadre_unit_path", "cadre_org_path")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendances"
    )
    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="attendances"
    )
    # Copied from the meeting (the tallies and the lists read them without a join).
    held_on = models.DateField(_("date"), editable=False)
    branch = models.ForeignKey(
        "structure.Branch",
        verbose_name=_("branch"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    meeting_organisation = models.ForeignKey(
        "structure.Organisation", on_delete=models.PROTECT, related_name="+", editable=False
    )
    org_path = models.CharField(max_length=255, editable=False)
    # The cadre as they were on the day.
    organisation = models.ForeignKey(
        "structure.Organisation",
        verbose_name=_("cadre's organisation"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    level = models.CharField(_("cadre's level"), max_length=20, choices=Level.choices, editable=False)
    role = models.CharField(_("cadre's role"), max_length=30, choices=CadreRole.choices, editable=False)
    cadre_unit_path = models.CharField(max_length=255, editable=False)
    cadre_org_path = models.CharField(max_length=255, editable=False)
    contribution = models.TextField(_("contribution"), blank=True)
    undertakings = models.TextField(_("undertook to solve"), blank=True)
    recorded_by = user_link(_("recorded by"))
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = TwoSidedQuerySet.as_manager()

    class Meta:
        verbose_name = _("cadre attendance")
        verbose_name_plural = _("cadre attendances")
        ordering = ["-held_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "cadre"], name="attendance_once_per_meeting")
        ]
        indexes = [
            models.Index(fields=["cadre", "held_on"], name="attendance_cadre_held_on"),
            models.Index(fields=["held_on"], name="attendance_held_on"),
            models.Index(fields=["org_path"], name="attendance_org_path", opclasses=["varchar_pattern_ops"]),
            models.Index(
                fields=["cadre_unit_path"], name="attendance_cadre_unit", opclasses=["varchar_pattern_ops"]
            ),
        ]
        triggers = _tally_triggers("attendance", _ATTENDANCE_TALLY)

    def __str__(self) -> str:
        return f"{self.cadre} · {self.held_on:%d/%m/%Y}"


class IssueStatus(models.TextChoices):
    RECORDED = "recorded", _("Recorded as a recommendation")
    FORWARDED = "forwarded", _("Sent on as a citizens' case")
    RESOLVED = "resolved", _("Answered")


@tracked
class MeetingIssue(ScopedModel):
    """An issue members raised at a meeting. Kept as a recorded recommendation until it is answered, or sent
    on as a citizens' case (``case_id`` is filled by the cases module through ``services.ISSUE_FORWARDERS``)."""

    scope_org_field = "org_path"

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="issues"
    )
    org_path = models.CharField(max_length=255, editable=False)
    summary = models.CharField(_("issue"), max_length=500)
    details = models.TextField(_("details"), blank=True)
    raised_by = models.CharField(_("raised by"), max_length=200, blank=True)
    # the summary, details and raised-by text folded (core.text.fold): what the list's search box matches,
    # with the meeting's own search_name (branch, topics)
    search_name = models.TextField(editable=False, default="")
    status = models.CharField(
        _("status"), max_length=20, choices=IssueStatus.choices, default=IssueStatus.RECORDED
    )
    answer = models.TextField(_("answer"), blank=True)
    case_id = models.BigIntegerField(_("citizens' case"), null=True, blank=True, editable=False)
    case_reference = models.CharField(_("case reference"), max_length=50, blank=True, editable=False)
    forwarded_at = models.DateTimeField(_("sent on"), null=True, blank=True, editable=False)
    forwarded_by = user_link(_("sent on by"))
    recorded_by = user_link(_("recorded by"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("issue raised at a meeting")
        verbose_name_plural = _("issues raised at meetings")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status"], name="issue_status"),
            GinIndex(fields=["search_name"], name="issue_search_trgm", opclasses=["gin_trgm_ops"]),
        ]

    def __str__(self) -> str:
        return self.summary

    def get_absolute_url(self) -> str:
        return reverse("activities:meeting-detail", args=[self.meeting_id]) + f"#issue-{self.pk}"


# --- quotas ---------------------------------------------------------------------------------------


@tracked
class QuotaRule(ScopedModel):
    """How many branch meetings a group of cadres must attend per period (Quy định 784-QĐ/TU, as data).

    Applies to the cadres of ``unit``'s subtree, optionally only of one organisation type, level and role."""

    name = models.CharField(_("name"), max_length=255)
    reference = models.CharField(
        _("legal basis"), max_length=255, blank=True, help_text=_("e.g. Quy định số 784-QĐ/TU ngày 10/5/2016")
    )
    unit = models.ForeignKey(
        "structure.Unit", verbose_name=_("issued for"), on_delete=models.PROTECT, related_name="+"
    )
    org_type = models.ForeignKey(
        "structure.OrgType",
        verbose_name=_("organisation type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: cadres of every organisation."),
    )
    level = models.CharField(
        _("cadres' level"),
        max_length=20,
        choices=Level.choices,
        blank=True,
        help_text=_("Empty: every level."),
    )
    role = models.CharField(
        _("cadres' role"),
        max_length=30,
        choices=CadreRole.choices,
        blank=True,
        help_text=_("Empty: every role."),
    )
    period = models.CharField(_("per"), max_length=20, choices=PeriodKind.choices, default=PeriodKind.QUARTER)
    meetings_required = models.PositiveSmallIntegerField(_("meetings to attend"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RulesQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance quota")
        verbose_name_plural = _("attendance quotas")
        ordering = ["unit_path", "org_type__sort_order", "level", "role"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="quota_valid_period",
            ),
            models.CheckConstraint(condition=Q(meetings_required__gt=0), name="quota_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("activities:quota-update", args=[self.pk])


class QuotaReminder(ScopedModel):
    """A reminder sent to a cadre who was behind near the end of a period (one per cadre and period)."""

    scope_org_field = "org_path"

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.CASCADE, related_name="reminders"
    )
    org_path = models.CharField(max_length=255, editable=False)
    period_kind = models.CharField(_("period"), max_length=20, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    attended = models.PositiveIntegerField(_("attended"))
    required = models.PositiveIntegerField(_("required"))
    emailed = models.BooleanField(_("sent by e-mail"), default=False)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("quota reminder")
        verbose_name_plural = _("quota reminders")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "period_kind", "period_start"], name="reminder_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.cadre} · {self.period_start:%m/%Y}"


# --- tallies --------------------------------------------------------------------------------------


class BranchMonthTally(ScopedModel):
    """Meetings held at a branch in a month, and cadre attendances at them (kept by triggers)."""

    scope_org_field = "org_path"
    counts_model = "Meeting"

    branch = models.ForeignKey(
        "structure.Branch", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    month = models.DateField()
    organisation = models.ForeignKey(
        "structure.Organisation", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    org_path = models.CharField(max_length=255)
    meetings = models.IntegerField(default=0)
    attendances = models.IntegerField(default=0)

    objects = CountsQuerySet.as_manager()

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["branch", "month"], name="branch_tally_unique")]
        indexes = [models.Index(fields=["month", "unit_path"], name="branch_tally_month_unit")]


class CadreMonthTally(ScopedModel):
    """A cadre's attendances in a month (kept by triggers)."""

    scope_org_field = "org_path"
    counts_model = "Cadre"

    cadre = models.ForeignKey(Cadre, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    month = models.DateField()
    org_path = models.CharField(max_length=255)
    attendances = models.IntegerField(default=0)

    objects = CountsQuerySet.as_manager()

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["cadre", "month"], name="cadre_tally_unique")]
        indexes = [models.Index(fields=["month", "unit_path"], name="cadre_tally_month_unit")]


# --- training -------------------------------------------------------------------------------------


class CourseKind(models.TextChoices):
    TRAINING = "training", _("Training (tập huấn)")
    REFRESHER = "refresher", _("Refresher course (bồi dưỡng)")


@tracked
class TrainingCourse(ScopedModel):
    scope_org_field = "org_path"

    title = models.CharField(_("topic"), max_length=300)
    search_name = models.CharField(max_length=400, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=CourseKind.choices, default=CourseKind.TRAINING)
    organiser = models.ForeignKey(
        "structure.Organisation", verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "structure.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    org_path = models.CharField(max_length=255, editable=False)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, editable=False)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    hours = models.DecimalField(_("hours"), max_digits=6, decimal_places=1)
    location = models.CharField(_("location"), max_length=255, blank=True)
    description = models.TextField(_("content"), blank=True)
    created_by = user_link(_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")
        ordering = ["-starts_on", "-id"]
        indexes = [
            models.Index(fields=["starts_on"], name="course_starts_on"),
            GinIndex(fields=["search_name"], name="course_search_trgm", opclasses=["gin_trgm_ops"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="course_dates"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="course_hours_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activities:course-detail", args=[self.pk])


class ParticipantResult(models.TextChoices):
    NONE = "", _("Not assessed")
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Not passed")


@tracked
class Participant(ScopedModel):
    """Someone on a course: a registered cadre or anyone by name (branch leaders, members)."""

    scope_org_field = "org_path"

    course = models.ForeignKey(
        TrainingCourse, verbose_name=_("course"), on_delete=models.CASCADE, related_name="participants"
    )
    org_path = models.CharField(max_length=255, editable=False)
    cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("cadre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="courses",
    )
    full_name = models.CharField(_("full name"), max_length=150)
    organisation = models.ForeignKey(
        "structure.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    attended = models.BooleanField(_("attended"), default=True)
    hours_attended = models.DecimalField(
        _("hours attended"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    result = models.CharField(_("result"), max_length=20, choices=ParticipantResult.choices, blank=True)
    certificate_no = models.CharField(_("certificate number"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("course participant")
        verbose_name_plural = _("course participants")
        ordering = ["course", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "cadre"], condition=Q(cadre__isnull=False), name="participant_cadre_once"
            )
        ]

    def __str__(self) -> str:
        return self.full_name
