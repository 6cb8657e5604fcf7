"""Citizens' cases (reports, recommendations, complaints, denunciations, comments) and dialogue.

A ``Case`` belongs to the body that handles it: ``unit_path``/``org_path`` are those of ``handling_org`` (or
of the unit concerned's commune while no body has it), so that ``visible_to`` gives each body its own cases;
the unit the case concerns is kept apart (``unit``, ``concerned_path``, ``commune``) for the figures.

Deadlines are computed by the services when a step happens (receipt, acceptance, extension, conclusion) from
the ``DeadlineRule`` rows and the working-day calendar (``CalendarDay``), and stored on the case with the
rule they came from (``deadline_basis``): editing a rule or a holiday later never moves an existing case's
deadline. ``due_on`` is the deadline of the current step, what lists sort and colour by.

A denouncer's identity never sits on the case: ``DenouncerIdentity`` holds it encrypted (AES-GCM), read only
through ``services.denouncer_identity_read`` by the assigned handler or the head of the handling body, each
read logged. A check constraint keeps the citizen's contact columns of a denunciation empty.
"""

from __future__ import annotations

from datetime import date

import pghistory
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from danvan.core.models import user_link
from danvan.core.scoping import ScopedModel, ScopedQuerySet, tracked

# --- vocabularies --------------------------------------------------------------------------------------


class Kind(models.TextChoices):
    REPORT = "report", _("Report")
    RECOMMENDATION = "recommendation", _("Recommendation")
    COMPLAINT = "complaint", _("Complaint")
    DENUNCIATION = "denunciation", _("Denunciation")
    COMMENT = "comment", _("Comment on a policy")


PUBLIC_KINDS = (Kind.REPORT, Kind.RECOMMENDATION, Kind.COMMENT)


class Instance(models.TextChoices):
    FIRST = "first", _("First instance")
    SECOND = "second", _("Second instance")


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in reception")
    MAIL = "mail", _("Mail")
    WEB = "web", _("Web portal")
    HOTLINE = "hotline", _("Hotline")
    DIALOGUE = "dialogue", _("Dialogue session")
    BRANCH_MEETING = "branch_meeting", _("Branch meeting")
    FORWARDED = "forwarded", _("Forwarded by an organisation")
    OPINION = "opinion", _("Opinion monitoring")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("Being handled")
    CONCLUDED = "concluded", _("Concluded")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    TRANSFERRED = "transferred", pgettext_lazy("case", "Transferred")


OPEN_STATUSES = (Status.RECEIVED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS, Status.CONCLUDED)
HANDLING_STATUSES = (Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS)
DONE_STATUSES = (Status.ANSWERED, Status.CLOSED)


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")
    VERY_URGENT = "very_urgent", _("Very urgent")


class Complexity(models.TextChoices):
    NORMAL = "normal", _("Normal")
    COMPLEX = "complex", _("Complex")
    VERY_COMPLEX = "very_complex", _("Very complex")


class RefusalReason(models.TextChoices):
    NOT_COMPETENT = "not_competent", _("Not within this body's competence (Law on Complaints, art. 11)")
    TIME_BARRED = (
        "time_barred",
        _("The time limit for complaining has expired (Law on Complaints, art. 9, 11)"),
    )
    ALREADY_RESOLVED = (
        "already_resolved",
        _("Already resolved by a final decision (Law on Complaints, art. 11)"),
    )
    IN_COURT = "in_court", _("Accepted or decided by a court (Law on Complaints, art. 11)")
    NO_CAPACITY = (
        "no_capacity",
        _(
            "The complainant lacks legal capacity and has no lawful representative (Law on Complaints, art. 11)"
        ),
    )
    INCOMPLETE = (
        "incomplete",
        _(
            "The petition is not signed or lacks the required content (Law on Complaints, art. 8; "
            "Law on Denunciations, art. 23)"
        ),
    )
    ANONYMOUS = (
        "anonymous",
        _(
            "The denouncer's name and address are not given or cannot be verified (Law on Denunciations, art. 25, 29)"
        ),
    )
    NO_BASIS = (
        "no_basis",
        _("The denunciation gives no basis to verify a violation (Law on Denunciations, art. 29)"),
    )
    WITHDRAWN = "withdrawn", _("Withdrawn by the citizen")
    DUPLICATE = "duplicate", _("Duplicate of a case already being handled")
    OTHER = "other", _("Other reason (see the note)")


_GENERIC_REFUSALS = (RefusalReason.WITHDRAWN, RefusalReason.DUPLICATE, RefusalReason.OTHER)
REFUSAL_REASONS_BY_KIND = {
    # Law on Complaints 2011, art. 8, 9, 11
    "complaint": (
        RefusalReason.NOT_COMPETENT,
        RefusalReason.TIME_BARRED,
        RefusalReason.ALREADY_RESOLVED,
        RefusalReason.IN_COURT,
        RefusalReason.NO_CAPACITY,
        RefusalReason.INCOMPLETE,
        *_GENERIC_REFUSALS,
    ),
    # Law on Denunciations 2018, art. 23, 25, 29
    "denunciation": (
        RefusalReason.INCOMPLETE,
        RefusalReason.ANONYMOUS,
        RefusalReason.NO_BASIS,
        *_GENERIC_REFUSALS,
    ),
}


def refusal_reasons_for(kind: str) -> tuple[str, ...]:
    """The reasons for not accepting a case of ``kind``: a report, recommendation or comment has only the
    generic ones (the laws' grounds are for complaints and denunciations)."""
    return REFUSAL_REASONS_BY_KIND.get(kind, _GENERIC_REFUSALS)


class DayType(models.TextChoices):
    CALENDAR = "calendar", _("Calendar days")
    WORKING = "working", _("Working days")


class Stage(models.TextChoices):
    ACCEPTANCE = "acceptance", _("Acceptance")
    RESOLUTION = "resolution", _("Resolution")
    ANSWER = "answer", _("Answer")


class CountedFrom(models.TextChoices):
    RECEIPT = "receipt", _("Day of receipt")
    ACCEPTANCE = "acceptance", _("Day of acceptance")
    CONCLUSION = "conclusion", _("Day of the decision or conclusion")


COLLECTIVE_THRESHOLD = 5  # "đông người": five or more people on the same content (Decree 124/2020, art. 6)

# --- reference data ------------------------------------------------------------------------------------


@tracked
class ConcernField(models.Model):
    """A field of concern (OPINION_TAXONOMY.md), shared by citizens' cases and public opinion."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = pgettext_lazy("concern", "field")
        verbose_name_plural = _("fields")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


@tracked
class DeadlineRule(models.Model):
    """A time limit of one step of one kind of case, with its legal basis (data, editable)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    label = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    stage = models.CharField(_("step"), max_length=20, choices=Stage.choices)
    instance = models.CharField(_("instance"), max_length=10, choices=Instance.choices, blank=True)
    days = models.PositiveSmallIntegerField(_("days"))
    complex_days = models.PositiveSmallIntegerField(_("days, complex case"), null=True, blank=True)
    remote_days = models.PositiveSmallIntegerField(_("days, remote area"), null=True, blank=True)
    remote_complex_days = models.PositiveSmallIntegerField(
        _("days, complex case in a remote area"), null=True, blank=True
    )
    day_type = models.CharField(_("counted in"), max_length=10, choices=DayType.choices)
    counted_from = models.CharField(_("counted from"), max_length=20, choices=CountedFrom.choices)
    extension_days = models.PositiveSmallIntegerField(_("days per extension"), null=True, blank=True)
    max_extensions_complex = models.PositiveSmallIntegerField(_("extensions, complex case"), default=0)
    max_extensions_very_complex = models.PositiveSmallIntegerField(
        _("extensions, very complex case"), default=0
    )
    legal_basis = models.TextField(_("legal basis"))
    is_active = models.BooleanField(_("in force"), default=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = user_link(_("updated by"))

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["kind", "instance", "stage"]

    def __str__(self) -> str:
        return self.label

    def days_for(self, *, complexity: str, remote: bool) -> int:
        complex_case = complexity in (Complexity.COMPLEX, Complexity.VERY_COMPLEX)
        if remote and complex_case and self.remote_complex_days:
            return self.remote_complex_days
        if remote and self.remote_days:
            return self.remote_days
        if complex_case and self.complex_days:
            return self.complex_days
        return self.days


class CalendarKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    DAY_OFF = "day_off", _("Compensatory or swapped day off")
    WORKING_DAY = "working_day", _("Weekend day worked in exchange")


@tracked
class CalendarDay(models.Model):
    """A day that departs from the Monday–Friday week: a holiday, a day off, or a weekend day worked."""

    day = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CalendarKind.choices)
    name = models.CharField(_("name"), max_length=200)
    source = models.CharField(_("source"), max_length=20, default="data", editable=False)
    updated_by = user_link(_("updated by"))

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.name}"


# --- cases ---------------------------------------------------------------------------------------------


class CaseQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, on):
        return self.open().filter(due_on__lt=on)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["search_text"],
    model_name="CaseHistory",  # "CaseEvent" is the timeline users read
    obj_field=pghistory.ObjForeignKey(related_name="history"),
)
class Case(ScopedModel):
    scope_org_field = "org_path"

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    tracking_code = models.CharField(_("tracking code"), max_length=16, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    instance = models.CharField(_("instance"), max_length=10, choices=Instance.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)

    title = models.CharField(_("summary"), max_length=255)
    content = models.TextField(_("content"))
    search_text = models.TextField(editable=False, default="")

    field = models.ForeignKey(
        ConcernField,
        verbose_name=pgettext_lazy("concern", "field"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "structure.Unit", verbose_name=_("unit concerned"), on_delete=models.PROTECT, related_name="+"
    )
    concerned_path = models.CharField(max_length=255, editable=False)
    commune = models.ForeignKey(
        "structure.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    handling_org = models.ForeignKey(
        "structure.Organisation",
        verbose_name=_("handling body"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    org_path = models.CharField(max_length=255, blank=True, default="", editable=False)

    people_count = models.PositiveIntegerField(_("number of people"), default=1)
    is_collective = models.BooleanField(_("collective case"), default=False)
    urgency = models.CharField(_("urgency"), max_length=20, choices=Urgency.choices, default=Urgency.NORMAL)
    complexity = models.CharField(
        _("complexity"), max_length=20, choices=Complexity.choices, default=Complexity.NORMAL
    )
    is_remote = models.BooleanField(
        _("remote area"), default=False, help_text=_("Vùng sâu, vùng xa: longer time limits for complaints.")
    )

    # The citizen (not for denunciations: their identity is kept in DenouncerIdentity, encrypted).
    citizen_name = models.CharField(_("citizen's name"), max_length=150, blank=True)
    citizen_phone = models.CharField(_("phone"), max_length=30, blank=True)
    citizen_email = models.EmailField(_("e-mail"), blank=True)
    citizen_address = models.CharField(pgettext_lazy("residence", "address"), max_length=255, blank=True)

    received_on = models.DateField(_("received on"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    concluded_on = models.DateField(_("concluded on"), null=True, blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    acceptance_due = models.DateField(_("acceptance deadline"), null=True, blank=True)
    resolution_due = models.DateField(_("resolution deadline"), null=True, blank=True)
    answer_due = models.DateField(_("answer deadline"), null=True, blank=True)
    due_on = models.DateField(_("deadline"), null=True, blank=True)
    extension_count = models.PositiveSmallIntegerField(_("extensions"), default=0)
    deadline_basis = models.JSONField(default=dict, blank=True, editable=False)

    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_cases",
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    refusal_reason = models.CharField(
        _("reason for not accepting"), max_length=30, choices=RefusalReason.choices, blank=True
    )
    refusal_note = models.TextField(_("note on the refusal"), blank=True)
    conclusion = models.TextField(_("conclusion or decision"), blank=True)
    answer = models.TextField(_("answer to the citizen"), blank=True)
    answer_public = models.BooleanField(_("answer shown on the public tracking page"), default=True)

    parent = models.ForeignKey(
        "self",
        verbose_name=_("first-instance case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    transferred_from = models.ForeignKey(
        "self",
        verbose_name=_("transferred from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transferred_copies",
    )
    transferred_to_name = models.CharField(_("transferred to"), max_length=255, blank=True)
    transferred_from_name = models.CharField(_("transferred from"), max_length=255, blank=True)

    created_by = user_link(_("created by"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-received_on", "-id"]
        permissions = [
            ("head_case", _("Can act as head of a handling body (extensions, denouncers' identities)")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="denunciation")
                | (Q(citizen_name="") & Q(citizen_phone="") & Q(citizen_email="") & Q(citizen_address="")),
                name="case_denouncer_not_in_clear",
            ),
            models.CheckConstraint(
                condition=Q(instance="") | Q(kind="complaint"), name="case_instance_only_for_complaints"
            ),
        ]
        indexes = [
            GinIndex(fields=["search_text"], name="case_search_trgm", opclasses=["gin_trgm_ops"]),
            models.Index(
                fields=["due_on"],
                include=["unit_path", "org_path", "status", "handler_id"],
                condition=Q(status__in=["received", "accepted", "assigned", "in_progress", "concluded"]),
                name="case_open_due",
            ),
            models.Index(
                fields=["unit_path", "received_on"],
                opclasses=["varchar_pattern_ops", "date_ops"],
                include=[
                    "org_path",
                    "kind",
                    "status",
                    "field_id",
                    "commune_id",
                    "accepted_on",
                    "concluded_on",
                    "resolution_due",
                    "due_on",
                    "is_collective",
                ],
                name="case_figures",
            ),
            models.Index(fields=["handler", "status"], name="case_handler_status"),
            models.Index(fields=["-received_on", "-id"], name="case_received_desc"),
            # The figures of a wide scope (a province): a range of days, the scope filtered in the index.
            models.Index(
                fields=["received_on"],
                include=[
                    "unit_path",
                    "org_path",
                    "kind",
                    "status",
                    "field_id",
                    "commune_id",
                    "accepted_on",
                    "concluded_on",
                    "resolution_due",
                    "due_on",
                    "is_collective",
                ],
                name="case_figures_by_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cases:case-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def days_left(self) -> int | None:
        """Calendar days to the current deadline (negative when overdue), None without one."""
        if not self.is_open or self.due_on is None:
            return None
        return (self.due_on - timezone.localdate()).days

    @property
    def is_overdue(self) -> bool:
        """Past its deadline while still being resolved (not concluded): what the overdue list, the dashboard and
        the figures count."""
        left = self.days_left
        return left is not None and left < 0 and self.concluded_on is None

    @property
    def is_answer_overdue(self) -> bool:
        """Concluded, its answer or decision not sent, and the deadline passed ("quá hạn gửi trả lời"): counted
        apart, under "Đã có kết luận, chưa gửi trả lời"."""
        left = self.days_left
        return left is not None and left < 0 and self.concluded_on is not None


class DenouncerIdentity(models.Model):
    """The identity of a denouncer, encrypted; never read except by ``services.denouncer_identity_read``."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="denouncer_identity")
    payload_enc = models.TextField()
    name_hash = models.CharField(max_length=64, blank=True, db_index=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("denouncer's identity")
        verbose_name_plural = _("denouncers' identities")
        default_permissions = ()

    def __str__(self) -> str:
        return f"#{self.case_id}"  # never the identity itself


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    CLASSIFIED = "classified", _("Classification changed")
    ACCEPTED = "accepted", _("Accepted")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    ASSIGNED = "assigned", _("Assigned")
    STARTED = "started", _("Handling started")
    EXTENDED = "extended", _("Time limit extended")
    CONCLUDED = "concluded", _("Concluded")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    APPEALED = "appealed", _("Appealed to the second instance")
    TRANSFERRED_OUT = "transferred_out", _("Transferred to another body")
    TRANSFERRED_IN = "transferred_in", _("Received by transfer")
    DUPLICATE = "duplicate", _("Linked as a duplicate")
    DOCUMENT = "document", _("Document attached")
    LETTER = "letter", _("Letter generated")
    RATED = "rated", _("Rated by the citizen")
    REMINDED = "reminded", _("Deadline reminder sent")
    ESCALATED = "escalated", _("Escalated to the head of the unit")
    NOTE = "note", _("Note")


PUBLIC_EVENT_KINDS = (
    EventKind.RECEIVED,
    EventKind.ACCEPTED,
    EventKind.NOT_ACCEPTED,
    EventKind.EXTENDED,
    EventKind.ANSWERED,
    EventKind.CLOSED,
    EventKind.REOPENED,
    EventKind.TRANSFERRED_OUT,
    EventKind.TRANSFERRED_IN,
)


class CaseEvent(models.Model):
    """One step on a case's timeline: what happened, who did it and when."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%d/%m/%Y %H:%M}"

    @property
    def is_public(self) -> bool:
        return self.kind in PUBLIC_EVENT_KINDS

    @property
    def by_citizen(self) -> bool:
        """Recorded with no officer, by the citizen on the portal: her submission, its files, her rating
        (other steps without an officer are the platform's own: reminders, escalations)."""
        if self.actor_id is not None:
            return False
        if self.kind in (EventKind.RATED, EventKind.DOCUMENT):
            return True
        return self.kind == EventKind.RECEIVED and (self.data or {}).get("channel") == Channel.WEB

    @property
    def day(self):
        """The day the step took effect: the date it was given for (a case received or accepted on an
        earlier day and recorded today), else the day it was recorded."""
        on = (self.data or {}).get("on")
        if on:
            return date.fromisoformat(on)
        return timezone.localtime(self.at).date()


class CaseChildQuerySet(ScopedQuerySet):
    """Rows that belong to a case are seen through the case."""

    def visible_to(self, user, action: str = "view"):
        return self.filter(case__in=Case.objects.visible_to(user, action).values("pk"))


class DocumentKind(models.TextChoices):
    PETITION = "petition", _("Petition")
    EVIDENCE = "evidence", _("Evidence")
    DECISION = "decision", _("Decision or conclusion")
    LETTER = "letter", _("Letter")
    OTHER = "other", _("Other")


class CaseDocumentQuerySet(CaseChildQuerySet):
    def visible_to(self, user, action: str = "view"):
        """Documents of visible cases; a confidential one (a denouncer's petition, a letter naming them)
        only for the handler and the head of the handling body."""
        from danvan.cases.selectors import head_case_q

        qs = super().visible_to(user, action)
        if user is None or not getattr(user, "is_authenticated", False):
            return qs.none()
        return qs.filter(Q(confidential=False) | Q(case__handler=user) | head_case_q(user, prefix="case__"))


class CaseDocument(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to="cases/%Y/%m/")
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(
        _("kind"), max_length=20, choices=DocumentKind.choices, default=DocumentKind.OTHER
    )
    size = models.PositiveIntegerField(_("size"), default=0)
    content_type = models.CharField(max_length=100, blank=True)
    confidential = models.BooleanField(
        _("confidential"), default=False, help_text=_("Reveals a denouncer's identity.")
    )
    from_citizen = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    objects = CaseDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class Rating(models.Model):
    """The citizen's rating of an answer (public portal, with the tracking code). A reopened case is answered
    again and rated again: the earlier ratings stay as its history (``is_current`` False); only the rating
    of the latest answer counts in the satisfaction index."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="ratings")
    satisfied = models.BooleanField(_("satisfied"))
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)
    is_current = models.BooleanField(_("rates the latest answer"), default=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(is_current=True), name="cases_rating_one_current_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {'+' if self.satisfied else '-'}"


class LetterKind(models.TextChoices):
    ACCEPTANCE = "acceptance", _("Notice of acceptance")
    REFUSAL = "refusal", _("Notice of non-acceptance")
    TRANSFER = "transfer", _("Transfer letter")
    EXTENSION = "extension", _("Extension decision")
    ANSWER = "answer", _("Answer")


@tracked
class LetterTemplate(models.Model):
    """A Word template of a letter, uploaded by an administrator (the built-in default is used otherwise)."""

    kind = models.CharField(_("letter"), max_length=20, choices=LetterKind.choices, unique=True)
    file = models.FileField(_("Word template"), upload_to="cases/templates/")
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    updated_by = user_link(_("updated by"))

    class Meta:
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")

    def __str__(self) -> str:
        return self.get_kind_display()


class Notification(models.Model):
    """An in-app notice for a user (deadline soon, overdue, escalation), also sent by e-mail."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    commitment = models.ForeignKey(
        "Commitment", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20)
    message = models.CharField(_("message"), max_length=500)
    key = models.CharField(max_length=120)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once")]

    def __str__(self) -> str:
        return self.message


class RateCounter(models.Model):
    """Requests per (hashed) client address and time window, for the public portal's rate limits."""

    key = models.CharField(max_length=100)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="ratecounter_window")]

    def __str__(self) -> str:
        return f"{self.key} {self.window_start} {self.count}"


# --- dialogue ------------------------------------------------------------------------------------------


class DialogueStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


@tracked
class Dialogue(ScopedModel):
    """A dialogue session between leaders and citizens."""

    scope_org_field = "org_path"

    title = models.CharField(_("title"), max_length=255)
    unit = models.ForeignKey(
        "structure.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "structure.Organisation",
        verbose_name=_("organised by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    org_path = models.CharField(max_length=255, blank=True, default="", editable=False)
    held_on = models.DateField(_("date"))
    place = models.CharField(pgettext_lazy("venue", "place"), max_length=255, blank=True)
    chair_name = models.CharField(_("chaired by"), max_length=200)
    participants = models.TextField(pgettext_lazy("dialogue", "participants"), blank=True)
    participant_count = models.PositiveIntegerField(_("number of participants"), default=0)
    topics = models.TextField(pgettext_lazy("dialogue", "topics"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=DialogueStatus.choices, default=DialogueStatus.PLANNED
    )
    minutes = models.TextField(_("minutes"), blank=True)
    search_text = models.TextField(editable=False, default="")
    created_by = user_link(_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dialogue session")
        verbose_name_plural = _("dialogue sessions")
        ordering = ["-held_on", "-id"]
        indexes = [GinIndex(fields=["search_text"], name="dialogue_search_trgm", opclasses=["gin_trgm_ops"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cases:dialogue-detail", args=[self.pk])


class DialogueChildQuerySet(ScopedQuerySet):
    def visible_to(self, user, action: str = "view"):
        return self.filter(dialogue__in=Dialogue.objects.visible_to(user, action).values("pk"))


class DialogueQuestion(models.Model):
    """A question raised at a dialogue session, the answer given there, and the case it became."""

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="questions")
    asked_by = models.CharField(_("raised by"), max_length=200, blank=True)
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer given"), blank=True)
    answered_by = models.CharField(_("answered by"), max_length=200, blank=True)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DialogueChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("question raised")
        verbose_name_plural = _("questions raised")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.question[:80]


class CommitmentStatus(models.TextChoices):
    OPEN = "open", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_COMMITMENT_STATUSES = (CommitmentStatus.OPEN, CommitmentStatus.IN_PROGRESS)


class CommitmentQuerySet(ScopedQuerySet):
    def visible_to(self, user, action: str = "view"):
        """Commitments of the owner's body in scope, and those made at a dialogue in scope."""
        own = super().visible_to(user, action)
        from_dialogue = self.filter(dialogue__in=Dialogue.objects.visible_to(user, action).values("pk"))
        return self.filter(Q(pk__in=own.values("pk")) | Q(pk__in=from_dialogue.values("pk")))


@tracked
class Commitment(ScopedModel):
    """A commitment made to citizens (at a dialogue), with its owner and deadline, followed until done."""

    scope_org_field = "org_path"

    dialogue = models.ForeignKey(
        Dialogue,
        verbose_name=_("dialogue session"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="commitments",
    )
    question = models.ForeignKey(
        DialogueQuestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="commitments"
    )
    text = models.TextField(_("commitment"))
    unit = models.ForeignKey(
        "structure.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    owner_org = models.ForeignKey(
        "structure.Organisation",
        verbose_name=_("responsible body"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    org_path = models.CharField(max_length=255, blank=True, default="", editable=False)
    owner_name = models.CharField(_("responsible person"), max_length=200, blank=True)
    due_on = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=20, choices=CommitmentStatus.choices, default=CommitmentStatus.OPEN
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    progress_note = models.TextField(_("progress"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.text[:80]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cases:commitment-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_COMMITMENT_STATUSES

    @property
    def days_left(self) -> int | None:
        if not self.is_open:
            return None
        return (self.due_on - timezone.localdate()).days


class CommitmentUpdate(models.Model):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="updates")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=CommitmentStatus.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.commitment_id} {self.status}"


# --- leaders' reception of citizens ------------------------------------------------------------------


class Period(models.TextChoices):
    WEEK = "week", _("per week")
    MONTH = "month", _("per month")


@tracked
class ReceptionRequirement(models.Model):
    """How often a position must receive citizens in person (data, with its basis)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    label = models.CharField(_("position"), max_length=200)
    level = models.CharField(_("level"), max_length=20)
    min_days = models.PositiveSmallIntegerField(_("minimum days"))
    period = models.CharField(_("period"), max_length=10, choices=Period.choices)
    legal_basis = models.TextField(_("legal basis"))
    is_active = models.BooleanField(_("in force"), default=True)

    class Meta:
        verbose_name = _("reception requirement")
        verbose_name_plural = _("reception requirements")
        ordering = ["level", "code"]

    def __str__(self) -> str:
        return self.label


class ReceptionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


@tracked
class ReceptionSession(ScopedModel):
    """One day on a leader's citizen-reception schedule: who receives, when and where."""

    scope_org_field = "org_path"

    unit = models.ForeignKey(
        "structure.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "structure.Organisation",
        verbose_name=_("body"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    org_path = models.CharField(max_length=255, blank=True, default="", editable=False)
    position = models.ForeignKey(
        ReceptionRequirement, verbose_name=_("position"), on_delete=models.PROTECT, related_name="+"
    )
    leader_name = models.CharField(_("leader"), max_length=200)
    on = models.DateField(_("date"))
    start_time = models.TimeField(pgettext_lazy("time", "from"), null=True, blank=True)
    end_time = models.TimeField(_("until"), null=True, blank=True)
    place = models.CharField(pgettext_lazy("venue", "place"), max_length=255)
    status = models.CharField(
        _("status"), max_length=20, choices=ReceptionStatus.choices, default=ReceptionStatus.PLANNED
    )
    citizens_received = models.PositiveIntegerField(_("citizens received"), default=0)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reception session")
        verbose_name_plural = _("reception sessions")
        ordering = ["on", "start_time", "id"]
        indexes = [models.Index(fields=["unit", "position", "on"])]

    def __str__(self) -> str:
        return f"{self.on:%d/%m/%Y} {self.leader_name}"
