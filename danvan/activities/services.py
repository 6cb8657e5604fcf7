"""Writes of the grassroots activities: cadres, branch meetings, cadres' attendance, issues raised at
meetings, quota rules and reminders, training courses and their participants.

Every service is keyword-only, checks the actor's permission for the exact place (``has_scope_permission``),
NFC-cleans text and raises ``ValidationError`` with a translated message. Row history is written by the
pghistory triggers; the monthly tallies by the statement triggers declared on the models.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from danvan.activities.models import (
    Attendance,
    Cadre,
    CadreRole,
    IssueStatus,
    Meeting,
    MeetingIssue,
    MeetingKind,
    Participant,
    ParticipantResult,
    QuotaReminder,
    QuotaRule,
    TrainingCourse,
    level_of,
)
from danvan.activities.periods import MONTHS_IN, Period, PeriodKind
from danvan.core.scoping import has_scope_permission
from danvan.core.text import clean, fold
from danvan.structure.models import Branch, Organisation, OrgType, Unit, UnitLevel

logger = logging.getLogger(__name__)

# How many days before the end of a period cadres who are behind get a reminder.
REMINDER_DAYS = {PeriodKind.MONTH: 5, PeriodKind.QUARTER: 10, PeriodKind.HALF_YEAR: 15, PeriodKind.YEAR: 20}


def _require(actor, perm: str, unit_path: str, org_path: str | None = None) -> None:
    if not has_scope_permission(actor, perm, unit_path, org_path):
        raise PermissionDenied(_("You do not have permission to do this in this unit."))


def _text(value: str | None) -> str:
    """Multi-line text: NFC, trimmed, line breaks kept."""
    import unicodedata

    return unicodedata.normalize("NFC", value or "").strip()


def _actor_or_none(actor):
    return actor if actor is not None and getattr(actor, "pk", None) else None


# --- cadres ---------------------------------------------------------------------------------------


def _check_cadre(
    *, full_name: str, organisation: Organisation, role: str, active_from, active_until, user, exclude=None
) -> str:
    name = clean(full_name)
    errors = {}
    if not name:
        errors["full_name"] = _("The name is required.")
    if role not in CadreRole.values:
        errors["role"] = _("Choose a role from the list.")
    if not organisation.is_active:
        errors["organisation"] = _("The organisation is no longer active.")
    if active_from and active_until and active_until < active_from:
        errors["active_until"] = _("The end of the term cannot be before its start.")
    if user is not None:
        taken = Cadre.objects.filter(user=user)
        if exclude is not None:
            taken = taken.exclude(pk=exclude.pk)
        if taken.exists():
            errors["user"] = _("This account is already linked to another cadre.")
    if errors:
        raise ValidationError(errors)
    return name


@transaction.atomic
def cadre_create(
    *,
    actor,
    organisation: Organisation,
    full_name: str,
    role: str = CadreRole.OFFICER,
    position: str = "",
    phone: str = "",
    email: str = "",
    user=None,
    active_from: date | None = None,
    active_until: date | None = None,
) -> Cadre:
    _require(actor, "activities.add_cadre", organisation.unit_path, organisation.path)
    name = _check_cadre(
        full_name=full_name,
        organisation=organisation,
        role=role,
        active_from=active_from,
        active_until=active_until,
        user=user,
    )
    unit = organisation.unit
    return Cadre.objects.create(
        full_name=name,
        search_name=fold(f"{name} {position}"),
        user=user,
        organisation=organisation,
        unit=unit,
        unit_path=organisation.unit_path,
        org_path=organisation.path,
        level=level_of(unit),
        role=role,
        position=clean(position),
        phone=clean(phone),
        email=clean(email),
        active_from=active_from,
        active_until=active_until,
    )


@transaction.atomic
def cadre_update(
    *,
    actor,
    cadre: Cadre,
    organisation: Organisation,
    full_name: str,
    role: str,
    position: str = "",
    phone: str = "",
    email: str = "",
    user=None,
    active_from: date | None = None,
    active_until: date | None = None,
    is_active: bool = True,
) -> Cadre:
    """Change a cadre. Moving them to another organisation moves their future figures with them; their past
    attendances keep the organisation and level they had on the day."""
    _require(actor, "activities.change_cadre", cadre.unit_path, cadre.org_path)
    if organisation.pk != cadre.organisation_id:
        _require(actor, "activities.change_cadre", organisation.unit_path, organisation.path)
    name = _check_cadre(
        full_name=full_name,
        organisation=organisation,
        role=role,
        active_from=active_from,
        active_until=active_until,
        user=user,
        exclude=cadre,
    )
    moved = organisation.pk != cadre.organisation_id
    if not is_active and active_until is None:
        active_until = max(timezone.localdate(), active_from) if active_from else timezone.localdate()
    cadre.full_name = name
    cadre.search_name = fold(f"{name} {position}")
    cadre.organisation = organisation
    cadre.unit = organisation.unit
    cadre.unit_path = organisation.unit_path
    cadre.org_path = organisation.path
    cadre.level = level_of(organisation.unit)
    cadre.role = role
    cadre.position = clean(position)
    cadre.phone = clean(phone)
    cadre.email = clean(email)
    cadre.user = user
    cadre.active_from = active_from
    cadre.active_until = active_until
    cadre.is_active = is_active
    cadre.save()
    if moved:
        from danvan.activities.models import CadreMonthTally

        CadreMonthTally.objects.filter(cadre=cadre).update(unit_path=cadre.unit_path, org_path=cadre.org_path)
    return cadre


# --- meetings -------------------------------------------------------------------------------------


EARLIEST_MEETING = date(1990, 1, 1)  # records start with today's organisations: an earlier date is a typo


def _check_meeting(
    *,
    branch: Branch,
    held_on: date,
    kind: str,
    members_present,
    members_total,
    meeting: Meeting | None = None,
) -> None:
    errors = {}
    if held_on > timezone.localdate():
        errors["held_on"] = _("A meeting cannot be recorded before it is held.")
    elif branch.founded_on and held_on < branch.founded_on:
        errors["held_on"] = _("The branch was founded on %(day)s: a meeting cannot be held before.") % {
            "day": branch.founded_on.strftime("%d/%m/%Y")
        }
    elif held_on < EARLIEST_MEETING:
        errors["held_on"] = _("Check the date: it is before %(day)s.") % {
            "day": EARLIEST_MEETING.strftime("%d/%m/%Y")
        }
    elif kind in MeetingKind.values:
        same = Meeting.objects.filter(branch=branch, held_on=held_on, kind=kind)
        if meeting is not None:
            same = same.exclude(pk=meeting.pk)
        if same.exists():
            # the same meeting entered twice would count twice in every cadre's quota
            errors["held_on"] = _(
                "This branch already has a meeting of this kind (%(kind)s) recorded on %(day)s: open it "
                "instead of entering it again."
            ) % {"kind": MeetingKind(kind).label, "day": held_on.strftime("%d/%m/%Y")}
    if kind not in MeetingKind.values:
        errors["kind"] = _("Choose a kind from the list.")
    if members_present is not None and members_present < 0:
        errors["members_present"] = _("Enter a number of zero or more.")
    if members_total is not None and members_total < 0:
        errors["members_total"] = _("Enter a number of zero or more.")
    if members_present is not None and members_total is not None and members_present > members_total:
        errors["members_present"] = _("More members present than the branch has.")
    if errors:
        raise ValidationError(errors)


def _meeting_search(branch: Branch, topics: str) -> str:
    return fold(f"{branch.name} {topics}")[:400]


@transaction.atomic
def meeting_create(
    *,
    actor,
    branch: Branch,
    held_on: date,
    kind: str = MeetingKind.REGULAR,
    topics: str = "",
    members_present: int | None = None,
    members_total: int | None = None,
    notes: str = "",
) -> Meeting:
    _require(actor, "activities.add_meeting", branch.unit_path, branch.path)
    if not branch.is_active:
        raise ValidationError({"branch": _("The branch is no longer active.")})
    _check_meeting(
        branch=branch,
        held_on=held_on,
        kind=kind,
        members_present=members_present,
        members_total=members_total,
    )
    topics = _text(topics)
    return Meeting.objects.create(
        branch=branch,
        organisation_id=branch.organisation_id,
        unit_id=branch.unit_id,
        unit_path=branch.unit_path,
        org_path=branch.path,
        held_on=held_on,
        kind=kind,
        topics=topics,
        members_present=members_present,
        members_total=members_total,
        notes=_text(notes),
        search_name=_meeting_search(branch, topics),
        created_by=_actor_or_none(actor),
    )


@transaction.atomic
def meeting_update(
    *,
    actor,
    meeting: Meeting,
    held_on: date,
    kind: str,
    topics: str = "",
    members_present: int | None = None,
    members_total: int | None = None,
    notes: str = "",
) -> Meeting:
    _require(actor, "activities.change_meeting", meeting.unit_path, meeting.org_path)
    _check_meeting(
        branch=meeting.branch,
        held_on=held_on,
        kind=kind,
        members_present=members_present,
        members_total=members_total,
        meeting=meeting,
    )
    moved = held_on != meeting.held_on
    if moved:
        late = meeting.attendances.filter(cadre__active_until__lt=held_on).first()
        if late is not None:
            raise ValidationError(
                {
                    "held_on": _("%(name)s was no longer in post on that date.")
                    % {"name": late.cadre.full_name}
                }
            )
    meeting.held_on = held_on
    meeting.kind = kind
    meeting.topics = _text(topics)
    meeting.members_present = members_present
    meeting.members_total = members_total
    meeting.notes = _text(notes)
    meeting.search_name = _meeting_search(meeting.branch, meeting.topics)
    meeting.save()
    if moved:
        # The tallies follow (the attendances' update trigger moves them to the new month).
        Attendance.objects.filter(meeting=meeting).update(held_on=held_on)
    return meeting


@transaction.atomic
def meeting_delete(*, actor, meeting: Meeting) -> None:
    _require(actor, "activities.delete_meeting", meeting.unit_path, meeting.org_path)
    if meeting.issues.filter(status=IssueStatus.FORWARDED).exists():
        raise ValidationError(
            _("An issue of this meeting was sent on as a citizens' case: the meeting is kept.")
        )
    meeting.issues.all().delete()
    meeting.attendances.all().delete()
    meeting.delete()


# --- attendance -----------------------------------------------------------------------------------


def may_record_attendance(actor, meeting: Meeting, cadre: Cadre | None = None) -> bool:
    """At the meeting's place, or (for a cadre's own organisation) at the cadre's."""
    if has_scope_permission(actor, "activities.add_attendance", meeting.unit_path, meeting.org_path):
        return True
    return cadre is not None and has_scope_permission(
        actor, "activities.add_attendance", cadre.unit_path, cadre.org_path
    )


@transaction.atomic
def attendance_add(
    *, actor, meeting: Meeting, cadre: Cadre, contribution: str = "", undertakings: str = ""
) -> Attendance:
    """Record that ``cadre`` attended ``meeting``. The cadre belongs to the meeting's village, commune or
    province (cadres go down to the grassroots of their own area)."""
    if not may_record_attendance(actor, meeting, cadre):
        raise PermissionDenied(_("You do not have permission to do this in this unit."))
    errors = {}
    if not meeting.unit_path.startswith(cadre.unit_path):
        errors["cadre"] = _("The cadre works outside the area of this branch.")
    elif not cadre.is_active:
        errors["cadre"] = _("This cadre is no longer active.")
    elif (cadre.active_from and cadre.active_from > meeting.held_on) or (
        cadre.active_until and cadre.active_until < meeting.held_on
    ):
        errors["cadre"] = _("%(name)s was not in post on the day of the meeting.") % {"name": cadre.full_name}
    elif Attendance.objects.filter(meeting=meeting, cadre=cadre).exists():
        errors["cadre"] = _("%(name)s is already recorded at this meeting.") % {"name": cadre.full_name}
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                meeting=meeting,
                cadre=cadre,
                held_on=meeting.held_on,
                branch_id=meeting.branch_id,
                meeting_organisation_id=meeting.organisation_id,
                unit_path=meeting.unit_path,
                org_path=meeting.org_path,
                organisation_id=cadre.organisation_id,
                level=cadre.level,
                role=cadre.role,
                cadre_unit_path=cadre.unit_path,
                cadre_org_path=cadre.org_path,
                contribution=_text(contribution),
                undertakings=_text(undertakings),
                recorded_by=_actor_or_none(actor),
            )
    except IntegrityError:
        raise ValidationError(
            {"cadre": _("%(name)s is already recorded at this meeting.") % {"name": cadre.full_name}}
        ) from None
    Meeting.objects.filter(pk=meeting.pk).update(cadre_count=F("cadre_count") + 1)
    meeting.cadre_count += 1
    return attendance


@transaction.atomic
def attendance_update(*, actor, attendance: Attendance, contribution: str, undertakings: str) -> Attendance:
    if not (
        has_scope_permission(actor, "activities.change_attendance", attendance.unit_path, attendance.org_path)
        or has_scope_permission(
            actor, "activities.change_attendance", attendance.cadre_unit_path, attendance.cadre_org_path
        )
    ):
        raise PermissionDenied(_("You do not have permission to do this in this unit."))
    attendance.contribution = _text(contribution)
    attendance.undertakings = _text(undertakings)
    attendance.save(update_fields=["contribution", "undertakings"])
    return attendance


@transaction.atomic
def attendance_remove(*, actor, attendance: Attendance) -> None:
    if not (
        has_scope_permission(actor, "activities.delete_attendance", attendance.unit_path, attendance.org_path)
        or has_scope_permission(
            actor, "activities.delete_attendance", attendance.cadre_unit_path, attendance.cadre_org_path
        )
    ):
        raise PermissionDenied(_("You do not have permission to do this in this unit."))
    meeting_id = attendance.meeting_id
    attendance.delete()
    Meeting.objects.filter(pk=meeting_id).update(cadre_count=F("cadre_count") - 1)


# --- issues raised at meetings ----------------------------------------------------------------------

# The citizens' cases module registers here a function (actor, issue) -> (case id, case reference) that opens
# a case from an issue; until one is registered, issues stay recorded recommendations.
IssueForwarder = Callable[..., tuple[int, str]]
ISSUE_FORWARDERS: list[IssueForwarder] = []


def cases_available() -> bool:
    return bool(ISSUE_FORWARDERS)


def issue_search_name(summary: str, details: str, raised_by: str) -> str:
    """What an issue's search matches (with its meeting's search_name): its own words, folded."""
    return fold(f"{summary} {details} {raised_by}")


@transaction.atomic
def issue_add(
    *, actor, meeting: Meeting, summary: str, details: str = "", raised_by: str = ""
) -> MeetingIssue:
    _require(actor, "activities.add_meetingissue", meeting.unit_path, meeting.org_path)
    summary = clean(summary)
    if not summary:
        raise ValidationError({"summary": _("Describe the issue.")})
    return MeetingIssue.objects.create(
        meeting=meeting,
        unit_path=meeting.unit_path,
        org_path=meeting.org_path,
        summary=summary[:500],
        details=_text(details),
        raised_by=clean(raised_by),
        search_name=issue_search_name(summary, _text(details), clean(raised_by)),
        recorded_by=_actor_or_none(actor),
    )


@transaction.atomic
def issue_forward(*, actor, issue: MeetingIssue) -> MeetingIssue:
    """Send an issue on as a citizens' case (through the cases module's hook)."""
    _require(actor, "activities.change_meetingissue", issue.unit_path, issue.org_path)
    if issue.status != IssueStatus.RECORDED:
        raise ValidationError(_("Only a recorded issue can be sent on."))
    if not ISSUE_FORWARDERS:
        raise ValidationError(
            _(
                "The citizens' cases module is not available yet: the issue stays recorded as a recommendation."
            )
        )
    case_id, reference = ISSUE_FORWARDERS[0](actor=actor, issue=issue)
    issue.case_id = case_id
    issue.case_reference = clean(reference)[:50]
    issue.status = IssueStatus.FORWARDED
    issue.forwarded_at = timezone.now()
    issue.forwarded_by = _actor_or_none(actor)
    issue.save(update_fields=["case_id", "case_reference", "status", "forwarded_at", "forwarded_by"])
    return issue


@transaction.atomic
def issue_answer(*, actor, issue: MeetingIssue, answer: str) -> MeetingIssue:
    """Record how a recorded issue was answered (by the branch, the commune, the cadre who undertook it)."""
    _require(actor, "activities.change_meetingissue", issue.unit_path, issue.org_path)
    if issue.status == IssueStatus.FORWARDED:
        raise ValidationError(_("This issue was sent on as a citizens' case: it is answered there."))
    answer = _text(answer)
    if not answer:
        raise ValidationError({"answer": _("Write the answer given.")})
    issue.answer = answer
    issue.status = IssueStatus.RESOLVED
    issue.save(update_fields=["answer", "status"])
    return issue


# --- quota rules ----------------------------------------------------------------------------------


def _check_rule(*, unit: Unit, name: str, period: str, meetings_required, valid_from, valid_to, level, role):
    errors = {}
    if not clean(name):
        errors["name"] = _("The name is required.")
    if unit.level not in (UnitLevel.PROVINCE, UnitLevel.COMMUNE, UnitLevel.VILLAGE):
        errors["unit"] = _("Choose a province, commune or village.")
    if period not in PeriodKind.values:
        errors["period"] = _("Choose a period from the list.")
    if not meetings_required or meetings_required < 1:
        errors["meetings_required"] = _("At least one meeting.")
    if valid_to and valid_from and valid_to < valid_from:
        errors["valid_to"] = _("The end date cannot be before the start date.")
    if level and level not in ("province", "commune", "village"):
        errors["level"] = _("Choose a level from the list.")
    if role and role not in CadreRole.values:
        errors["role"] = _("Choose a role from the list.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def quota_rule_create(
    *,
    actor,
    unit: Unit,
    name: str,
    period: str,
    meetings_required: int,
    valid_from: date,
    valid_to: date | None = None,
    org_type: OrgType | None = None,
    level: str = "",
    role: str = "",
    reference: str = "",
    notes: str = "",
) -> QuotaRule:
    _require(actor, "activities.add_quotarule", unit.path)
    _check_rule(
        unit=unit,
        name=name,
        period=period,
        meetings_required=meetings_required,
        valid_from=valid_from,
        valid_to=valid_to,
        level=level,
        role=role,
    )
    return QuotaRule.objects.create(
        unit=unit,
        unit_path=unit.path,
        name=clean(name),
        reference=clean(reference),
        org_type=org_type,
        level=level,
        role=role,
        period=period,
        meetings_required=meetings_required,
        valid_from=valid_from,
        valid_to=valid_to,
        notes=_text(notes),
    )


@transaction.atomic
def quota_rule_update(
    *,
    actor,
    rule: QuotaRule,
    name: str,
    period: str,
    meetings_required: int,
    valid_from: date,
    valid_to: date | None = None,
    org_type: OrgType | None = None,
    level: str = "",
    role: str = "",
    reference: str = "",
    notes: str = "",
) -> QuotaRule:
    _require(actor, "activities.change_quotarule", rule.unit_path)
    _check_rule(
        unit=rule.unit,
        name=name,
        period=period,
        meetings_required=meetings_required,
        valid_from=valid_from,
        valid_to=valid_to,
        level=level,
        role=role,
    )
    rule.name = clean(name)
    rule.reference = clean(reference)
    rule.org_type = org_type
    rule.level = level
    rule.role = role
    rule.period = period
    rule.meetings_required = meetings_required
    rule.valid_from = valid_from
    rule.valid_to = valid_to
    rule.notes = _text(notes)
    rule.save()
    return rule


@transaction.atomic
def quota_rule_delete(*, actor, rule: QuotaRule) -> None:
    _require(actor, "activities.delete_quotarule", rule.unit_path)
    rule.delete()


# --- reminders ------------------------------------------------------------------------------------


def periods_ending_soon(on: date) -> list[Period]:
    """The periods (of the kinds the quota rules use) that end within their reminder window of ``on``."""
    kinds = set(
        QuotaRule.objects.filter(valid_from__lte=on)
        .exclude(valid_to__lt=on)
        .values_list("period", flat=True)
        .distinct()
    )
    result = []
    for kind in sorted(kinds, key=lambda k: MONTHS_IN[k]):
        period = Period.containing(kind, on)
        if 0 < period.days_left(on) <= REMINDER_DAYS[kind]:
            result.append(period)
    return result


@transaction.atomic
def reminders_send(*, on: date | None = None) -> int:
    """Remind the cadres who are behind their quota in a period that ends soon (once per cadre and period):
    a reminder row (shown to the cadre and to their organisation), and an e-mail when the cadre has an
    address. Run daily by the periodic task; returns how many reminders were made."""
    from danvan.activities import selectors

    on = on or timezone.localdate()
    made = 0
    for period in periods_ending_soon(on):
        already = set(
            QuotaReminder.objects.filter(period_kind=period.kind, period_start=period.start).values_list(
                "cadre_id", flat=True
            )
        )
        behind = selectors.cadres_behind(period=period, kinds={period.kind})
        rows = []
        for cadre, standing in behind:
            if cadre.pk in already:
                continue
            email = cadre.email or (cadre.user.email if cadre.user_id else "")
            emailed = False
            if email:
                emailed = _send_reminder(cadre, email, period, standing.attended, standing.required or 0, on)
            rows.append(
                QuotaReminder(
                    cadre=cadre,
                    unit_path=cadre.unit_path,
                    org_path=cadre.org_path,
                    period_kind=period.kind,
                    period_start=period.start,
                    attended=standing.attended,
                    required=standing.required or 0,
                    emailed=emailed,
                )
            )
        QuotaReminder.objects.bulk_create(rows, ignore_conflicts=True)
        made += len(rows)
    return made


def _send_reminder(cadre: Cadre, email: str, period: Period, attended: int, required: int, on: date) -> bool:
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Reminder: branch meetings to attend in %(period)s") % {"period": period.label}
        body = _(
            "Dear %(name)s,\n\nIn %(period)s you have attended %(attended)s of the %(required)s branch meetings "
            "your quota asks for. %(days)s days remain until %(end)s.\n\nDân Vận Số"
        ) % {
            "name": cadre.full_name,
            "period": period.label,
            "attended": attended,
            "required": required,
            "days": period.days_left(on),
            "end": period.end.strftime("%d/%m/%Y"),
        }
    try:
        send_mail(subject, body, None, [email], fail_silently=False)
    except Exception:  # a mail server down must not stop the other reminders
        logger.warning("quota reminder to %s failed", email, exc_info=True)
        return False
    return True


# --- tallies --------------------------------------------------------------------------------------


@transaction.atomic
def tallies_rebuild(*, unit_path: str = "") -> None:
    """Recompute the monthly tallies from the meetings and attendances (under ``unit_path``, or all).

    The triggers keep them right on every write; this is for repairs and after loading data with the
    triggers switched off."""
    like = unit_path + "%"
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM activities_branchmonthtally WHERE unit_path LIKE %s", [like])
        cursor.execute(
            "INSERT INTO activities_branchmonthtally"
            " (branch_id, month, unit_path, org_path, organisation_id, meetings, attendances)"
            " SELECT m.branch_id, date_trunc('month', m.held_on)::date, min(m.unit_path), min(m.org_path),"
            "  min(m.organisation_id), count(*), coalesce(sum(m.cadre_count), 0)"
            " FROM activities_meeting m WHERE m.unit_path LIKE %s"
            " GROUP BY m.branch_id, date_trunc('month', m.held_on)",
            [like],
        )
        # cadre_count is a convenience copy; the attendances themselves are the truth.
        cursor.execute(
            "UPDATE activities_branchmonthtally t SET attendances = s.n FROM ("
            " SELECT branch_id, date_trunc('month', held_on)::date AS month, count(*) AS n"
            " FROM activities_attendance WHERE unit_path LIKE %s GROUP BY 1, 2) s"
            " WHERE t.branch_id = s.branch_id AND t.month = s.month AND t.attendances <> s.n",
            [like],
        )
        cursor.execute("DELETE FROM activities_cadremonthtally WHERE unit_path LIKE %s", [like])
        cursor.execute(
            "INSERT INTO activities_cadremonthtally (cadre_id, month, unit_path, org_path, attendances)"
            " SELECT a.cadre_id, date_trunc('month', a.held_on)::date, min(c.unit_path), min(c.org_path), count(*)"
            " FROM activities_attendance a JOIN activities_cadre c ON c.id = a.cadre_id"
            " WHERE c.unit_path LIKE %s GROUP BY a.cadre_id, date_trunc('month', a.held_on)",
            [like],
        )


# --- training -------------------------------------------------------------------------------------


def _check_course(*, title, starts_on, ends_on, hours, kind) -> None:
    from danvan.activities.models import CourseKind

    errors = {}
    if not clean(title):
        errors["title"] = _("The topic is required.")
    if kind not in CourseKind.values:
        errors["kind"] = _("Choose a kind from the list.")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = _("The end date cannot be before the start date.")
    if hours is None or Decimal(hours) <= 0:
        errors["hours"] = _("Enter the number of hours.")
    elif starts_on and ends_on and ends_on >= starts_on:
        days = (ends_on - starts_on).days + 1
        if Decimal(hours) > days * HOURS_PER_DAY:
            errors["hours"] = _(
                "%(hours)s hours do not fit in %(days)s days (at most %(most)s hours a day)."
            ) % {"hours": hours, "days": days, "most": HOURS_PER_DAY}
    if errors:
        raise ValidationError(errors)


HOURS_PER_DAY = 12  # a day of classes with an evening session; more is a typo (80 hours for a one-day course)


@transaction.atomic
def course_delete(*, actor, course: TrainingCourse) -> None:
    """Delete a course entered by mistake. A course with participants is kept: their training hours are
    part of their record and of the figures."""
    _require(actor, "activities.delete_trainingcourse", course.unit_path, course.org_path)
    count = course.participants.count()
    if count:
        raise ValidationError(
            _("This course has %(n)s participants: remove them first, if the course was entered by mistake.")
            % {"n": count}
        )
    course.delete()


@transaction.atomic
def course_create(
    *,
    actor,
    organiser: Organisation,
    title: str,
    kind: str,
    starts_on: date,
    ends_on: date,
    hours: Decimal,
    location: str = "",
    description: str = "",
) -> TrainingCourse:
    _require(actor, "activities.add_trainingcourse", organiser.unit_path, organiser.path)
    _check_course(title=title, starts_on=starts_on, ends_on=ends_on, hours=hours, kind=kind)
    title = clean(title)
    return TrainingCourse.objects.create(
        title=title,
        search_name=fold(f"{title} {organiser.name}")[:400],
        kind=kind,
        organiser=organiser,
        unit_id=organiser.unit_id,
        unit_path=organiser.unit_path,
        org_path=organiser.path,
        level=level_of(organiser.unit),
        starts_on=starts_on,
        ends_on=ends_on,
        hours=hours,
        location=clean(location),
        description=_text(description),
        created_by=_actor_or_none(actor),
    )


@transaction.atomic
def course_update(
    *,
    actor,
    course: TrainingCourse,
    title: str,
    kind: str,
    starts_on: date,
    ends_on: date,
    hours: Decimal,
    location: str = "",
    description: str = "",
) -> TrainingCourse:
    _require(actor, "activities.change_trainingcourse", course.unit_path, course.org_path)
    _check_course(title=title, starts_on=starts_on, ends_on=ends_on, hours=hours, kind=kind)
    over = course.participants.filter(hours_attended__gt=hours).exists()
    if over:
        raise ValidationError({"hours": _("Some participants are recorded with more hours than that.")})
    course.title = clean(title)
    course.search_name = fold(f"{course.title} {course.organiser.name}")[:400]
    course.kind = kind
    course.starts_on = starts_on
    course.ends_on = ends_on
    course.hours = hours
    course.location = clean(location)
    course.description = _text(description)
    course.save()
    return course


def _check_participant(*, course, cadre, full_name, attended, hours_attended, result, exclude=None) -> str:
    errors = {}
    name = clean(full_name) or (cadre.full_name if cadre else "")
    if not name:
        errors["full_name"] = _("The name is required.")
    if cadre is not None:
        clash = Participant.objects.filter(course=course, cadre=cadre)
        if exclude is not None:
            clash = clash.exclude(pk=exclude.pk)
        if clash.exists():
            errors["cadre"] = _("%(name)s is already on this course.") % {"name": cadre.full_name}
    if hours_attended is not None and (hours_attended < 0 or hours_attended > course.hours):
        errors["hours_attended"] = _("Between 0 and the course's %(hours)s hours.") % {"hours": course.hours}
    if result not in ParticipantResult.values:
        errors["result"] = _("Choose a result from the list.")
    if not attended and result not in ("", ParticipantResult.FAILED):
        errors["result"] = _("Someone who did not attend cannot have passed.")
    if course.starts_on > timezone.localdate() and (attended or hours_attended or result):
        # registered in advance, yes; attended, hours and results only once the course has begun (as a
        # meeting is recorded only once held), else the training figures count a course not yet given
        errors.setdefault(
            "attended",
            _(
                "The course starts on %(day)s: attendance, hours and results are recorded from that day. "
                "Untick “Attended” to register the participant in advance."
            )
            % {"day": course.starts_on.strftime("%d/%m/%Y")},
        )
    if errors:
        raise ValidationError(errors)
    return name


@transaction.atomic
def participant_add(
    *,
    actor,
    course: TrainingCourse,
    cadre: Cadre | None = None,
    full_name: str = "",
    organisation: Organisation | None = None,
    position: str = "",
    attended: bool = True,
    hours_attended: Decimal | None = None,
    result: str = "",
    certificate_no: str = "",
) -> Participant:
    _require(actor, "activities.add_participant", course.unit_path, course.org_path)
    name = _check_participant(
        course=course,
        cadre=cadre,
        full_name=full_name,
        attended=attended,
        hours_attended=hours_attended,
        result=result,
    )
    if cadre is not None and organisation is None:
        organisation = cadre.organisation
    if hours_attended is None and attended:
        hours_attended = course.hours
    return Participant.objects.create(
        course=course,
        unit_path=course.unit_path,
        org_path=course.org_path,
        cadre=cadre,
        full_name=name,
        organisation=organisation,
        position=clean(position) or (cadre.position if cadre else ""),
        attended=attended,
        hours_attended=hours_attended if attended else Decimal(0),
        result=result,
        certificate_no=clean(certificate_no),
    )


@transaction.atomic
def participant_update(
    *,
    actor,
    participant: Participant,
    attended: bool,
    hours_attended: Decimal | None,
    result: str,
    certificate_no: str = "",
) -> Participant:
    _require(actor, "activities.change_participant", participant.unit_path, participant.org_path)
    _check_participant(
        course=participant.course,
        cadre=None,
        full_name=participant.full_name,
        attended=attended,
        hours_attended=hours_attended,
        result=result,
    )
    participant.attended = attended
    participant.hours_attended = (
        (hours_attended if hours_attended is not None else participant.course.hours)
        if attended
        else Decimal(0)
    )
    participant.result = result
    participant.certificate_no = clean(certificate_no)
    participant.save(update_fields=["attended", "hours_attended", "result", "certificate_no"])
    return participant


@transaction.atomic
def participant_remove(*, actor, participant: Participant) -> None:
    _require(actor, "activities.delete_participant", participant.unit_path, participant.org_path)
    participant.delete()
