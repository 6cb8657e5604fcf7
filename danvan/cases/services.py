"""Writes of the cases module: the life of a case (receipt, acceptance, assignment, handling, extension,
conclusion, answer, closing, reopening, appeal, transfer, duplicates), documents and letters, the denouncer's
identity, the public portal (submission, rating, rate limits), dialogue sessions and commitments, leaders'
reception sessions, the reference data administrators edit, and the deadline reminders.

Every service is keyword-only and atomic, checks the actor's permission where the case lives, writes the
change and its timeline event, and computes deadlines once, when the step happens (a rule edited later never
moves an existing case's deadline).
"""

from __future__ import annotations

import json
import logging
import mimetypes
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from danvan.cases import reference
from danvan.cases.deadlines import due_date, reminder_date
from danvan.cases.models import (
    COLLECTIVE_THRESHOLD,
    DONE_STATUSES,
    HANDLING_STATUSES,
    OPEN_COMMITMENT_STATUSES,
    OPEN_STATUSES,
    CalendarDay,
    Case,
    CaseDocument,
    CaseEvent,
    Channel,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Complexity,
    ConcernField,
    DeadlineRule,
    DenouncerIdentity,
    Dialogue,
    DialogueQuestion,
    DialogueStatus,
    DocumentKind,
    EventKind,
    Instance,
    Kind,
    LetterTemplate,
    Notification,
    RateCounter,
    Rating,
    ReceptionRequirement,
    ReceptionSession,
    ReceptionStatus,
    RefusalReason,
    Stage,
    Status,
    Urgency,
    refusal_reasons_for,
)
from danvan.cases.selectors import HEAD_PERM, is_head_of, may_read_identity
from danvan.core import crypto
from danvan.core.scoping import has_scope_permission
from danvan.core.services import access_log_record
from danvan.core.text import clean, fold
from danvan.core.uploads import check_file
from danvan.structure.models import Organisation, OrgType, Unit, UnitLevel

logger = logging.getLogger(__name__)

TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
IDENTITY_CONTEXT = "cases.denouncer"
RECEIVING_TYPES = ("citizen_reception", "peoples_committee", "front")
MAX_TITLE = 255
MAX_CONTENT = 10_000
HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")

# --- helpers -------------------------------------------------------------------------------------------


def _deny() -> PermissionDenied:
    return PermissionDenied(_("You do not have permission to do this in this unit."))


def _require(actor, perm: str, case_or_paths) -> None:
    if isinstance(case_or_paths, Case):
        unit_path, org_path = case_or_paths.unit_path, case_or_paths.org_path or None
    else:
        unit_path, org_path = case_or_paths
    if not has_scope_permission(actor, perm, unit_path, org_path):
        raise _deny()


def _require_status(case: Case, allowed, message: str) -> None:
    """``message`` is the whole sentence, with %(status)s for the case's current status."""
    if case.status not in allowed:
        raise ValidationError(message % {"status": case.get_status_display().lower()})


def _event(case: Case, kind: str, actor=None, note: str = "", **data: Any) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
        data={k: (v.isoformat() if isinstance(v, date) else v) for k, v in data.items()},
    )


def _lock(case: Case) -> Case:
    """Re-read the case under a row lock: two officers acting at once do not both succeed."""
    return Case.objects.select_for_update().get(pk=case.pk)


def plain_text(
    value: str, *, label: str, max_length: int, required: bool = True, multiline: bool = True
) -> str:
    """NFC text without HTML or control characters; raises ValidationError otherwise."""
    import unicodedata

    text = unicodedata.normalize("NFC", value or "")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    text = text.strip() if multiline else clean(text)
    if required and not text:
        raise ValidationError(_("%(label)s is required.") % {"label": label})
    if len(text) > max_length:
        raise ValidationError(
            _("%(label)s is too long (at most %(max)s characters).") % {"label": label, "max": max_length}
        )
    if HTML_TAG.search(text):
        raise ValidationError(_("%(label)s must be plain text: HTML is not accepted.") % {"label": label})
    return text


def new_tracking_code() -> str:
    raw = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _commune_of(unit: Unit) -> Unit | None:
    if unit.level == UnitLevel.COMMUNE:
        return unit
    if unit.level == UnitLevel.VILLAGE:
        return unit.parent
    return None


def receiving_body(unit: Unit) -> Organisation | None:
    """The body that receives citizens' submissions about ``unit``: its commune's citizen-reception board,
    else People's Committee, else Fatherland Front (or the province's, for a province-level submission)."""
    seat = _commune_of(unit) or unit
    orgs = {
        o.type.code: o
        for o in Organisation.objects.filter(unit=seat, is_active=True, type__code__in=RECEIVING_TYPES)
        .select_related("type")
        .order_by("path")
    }
    for code in RECEIVING_TYPES:
        if code in orgs:
            return orgs[code]
    return None


def _place(case: Case, unit: Unit, handling_org: Organisation | None) -> None:
    case.unit = unit
    case.concerned_path = unit.path
    case.commune = _commune_of(unit)
    case.handling_org = handling_org
    if handling_org is not None:
        case.unit_path = handling_org.unit_path
        case.org_path = handling_org.path
    else:
        seat = case.commune or unit
        case.unit_path = seat.path
        case.org_path = ""


def _search_text(case: Case) -> str:
    return fold(f"{case.reference} {case.title} {case.content[:600]}")


# --- deadlines -----------------------------------------------------------------------------------------


def rule_for(kind: str, stage: str, instance: str = "") -> DeadlineRule | None:
    """The rule in force for a step (read from a per-process cache refreshed every minute and at once after
    an edit in this process)."""
    if kind == Kind.COMPLAINT:
        instance = instance or Instance.FIRST
    else:
        instance = ""
    return reference.deadline_rules().get((kind, stage, instance))


def _apply_rule(case: Case, stage: str, start: date) -> date | None:
    """Compute the deadline of ``stage`` from ``start`` with the rule in force today, and record which rule
    and numbers it came from on the case (the case keeps them whatever happens to the rule later)."""
    rule = rule_for(case.kind, stage, case.instance)
    if rule is None:
        case.deadline_basis.pop(stage, None)
        return None
    days = rule.days_for(complexity=case.complexity, remote=case.is_remote)
    due = due_date(start, days, rule.day_type, reference.work_calendar())
    case.deadline_basis[stage] = {
        "rule": rule.code,
        "label": rule.label,
        "days": days,
        "day_type": rule.day_type,
        "from": start.isoformat(),
        "due": due.isoformat(),
        "legal_basis": rule.legal_basis,
    }
    return due


def _refresh_due(case: Case) -> None:
    """``due_on`` is the deadline of the step the case is at."""
    if case.status == Status.RECEIVED:
        case.due_on = case.acceptance_due
    elif case.status in HANDLING_STATUSES:
        case.due_on = case.resolution_due
    elif case.status == Status.CONCLUDED:
        case.due_on = case.answer_due
    else:
        case.due_on = None


# --- receipt -------------------------------------------------------------------------------------------


@dataclass
class CitizenData:
    """Who submitted the case. For a denunciation it is stored encrypted, apart from the case."""

    name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    id_number: str = ""
    other: str = ""

    def is_empty(self) -> bool:
        return not any((self.name, self.phone, self.email, self.address, self.id_number, self.other))


def _store_identity(case: Case, citizen: CitizenData) -> None:
    payload = {
        "name": clean(citizen.name),
        "phone": clean(citizen.phone),
        "email": clean(citizen.email),
        "address": clean(citizen.address),
        "id_number": clean(citizen.id_number),
        "other": (citizen.other or "").strip(),
    }
    DenouncerIdentity.objects.update_or_create(
        case=case,
        defaults={
            "payload_enc": crypto.encrypt(
                json.dumps(payload, ensure_ascii=False), context=_identity_context(case)
            ),
            "name_hash": crypto.lookup_hash(fold(payload["name"]), context=IDENTITY_CONTEXT),
            "phone_hash": crypto.lookup_hash(re.sub(r"\D", "", payload["phone"]), context=IDENTITY_CONTEXT),
        },
    )


def _identity_context(case: Case) -> str:
    return f"{IDENTITY_CONTEXT}:{case.pk}"


def _create(
    *,
    actor,
    kind: str,
    channel: str,
    unit: Unit,
    handling_org: Organisation | None,
    title: str,
    content: str,
    field: ConcernField | None = None,
    instance: str = "",
    parent: Case | None = None,
    people_count: int = 1,
    urgency: str = Urgency.NORMAL,
    complexity: str = Complexity.NORMAL,
    is_remote: bool = False,
    citizen: CitizenData | None = None,
    received_on: date | None = None,
    tracking_code: str | None = None,
    transferred_from: Case | None = None,
) -> Case:
    if kind not in Kind.values:
        raise ValidationError(_("Choose the kind of case."))
    if channel not in Channel.values:
        raise ValidationError(_("Choose how the case was received."))
    if kind == Kind.COMPLAINT:
        instance = instance or Instance.FIRST
        if instance == Instance.SECOND and parent is None and transferred_from is None:
            raise ValidationError(_("A second-instance complaint must be linked to the first-instance case."))
    else:
        instance = ""
    if people_count < 1:
        raise ValidationError(_("The number of people must be at least 1."))
    received_on = received_on or timezone.localdate()
    if received_on > timezone.localdate():
        raise ValidationError(_("The date of receipt cannot be in the future."))
    citizen = citizen or CitizenData()
    if citizen.email:
        from django.core.validators import validate_email

        validate_email(citizen.email)
    from danvan.structure.services import next_ids

    pk = next_ids(Case, 1)[0]
    case = Case(
        pk=pk,
        reference=f"{received_on.year}-{pk:06d}",
        tracking_code=tracking_code or new_tracking_code(),
        kind=kind,
        instance=instance,
        channel=channel,
        status=Status.RECEIVED,
        title=plain_text(title, label=_("The summary"), max_length=MAX_TITLE, multiline=False),
        content=plain_text(content, label=_("The content"), max_length=MAX_CONTENT),
        field=field,
        parent=parent,
        people_count=people_count,
        is_collective=people_count >= COLLECTIVE_THRESHOLD,
        urgency=urgency,
        complexity=complexity,
        is_remote=is_remote,
        received_on=received_on,
        transferred_from=transferred_from,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        deadline_basis={},
    )
    if kind != Kind.DENUNCIATION:
        case.citizen_name = clean(citizen.name)[:150]
        case.citizen_phone = clean(citizen.phone)[:30]
        case.citizen_email = clean(citizen.email)[:254]
        case.citizen_address = clean(citizen.address)[:255]
    _place(case, unit, handling_org)
    case.acceptance_due = _apply_rule(case, Stage.ACCEPTANCE, received_on)
    _refresh_due(case)
    case.search_text = _search_text(case)
    case.save(force_insert=True)
    if kind == Kind.DENUNCIATION and not citizen.is_empty():
        _store_identity(case, citizen)
    return case


@transaction.atomic
def case_receive(
    *,
    actor,
    kind: str,
    channel: str,
    unit: Unit,
    handling_org: Organisation | None,
    title: str,
    content: str,
    field: ConcernField | None = None,
    instance: str = "",
    parent: Case | None = None,
    people_count: int = 1,
    urgency: str = Urgency.NORMAL,
    complexity: str = Complexity.NORMAL,
    is_remote: bool = False,
    citizen: CitizenData | None = None,
    received_on: date | None = None,
    note: str = "",
) -> Case:
    """Staff record a case received in person, by mail, hotline, at a dialogue or a meeting, or forwarded."""
    org_path = handling_org.path if handling_org else None
    seat_path = handling_org.unit_path if handling_org else ((_commune_of(unit) or unit).path)
    _require(actor, "cases.add_case", (seat_path, org_path))
    if parent is not None:
        if not Case.objects.visible_to(actor).filter(pk=parent.pk).exists():
            raise _deny()
    case = _create(
        actor=actor,
        kind=kind,
        channel=channel,
        unit=unit,
        handling_org=handling_org,
        title=title,
        content=content,
        field=field,
        instance=instance,
        parent=parent,
        people_count=people_count,
        urgency=urgency,
        complexity=complexity,
        is_remote=is_remote,
        citizen=citizen,
        received_on=received_on,
    )
    _event(case, EventKind.RECEIVED, actor, note, channel=channel, on=case.received_on)
    return case


@transaction.atomic
def public_case_submit(
    *,
    kind: str,
    unit: Unit,
    title: str,
    content: str,
    field: ConcernField | None = None,
    citizen: CitizenData | None = None,
    files: list | None = None,
) -> Case:
    """A citizen's report, recommendation or comment from the web portal (no account). Complaints and
    denunciations must be signed or made in person (Law on Complaints art. 8; Law on Denunciations art. 22-23):
    the portal explains how and does not take them."""
    if kind not in [k.value for k in (Kind.REPORT, Kind.RECOMMENDATION, Kind.COMMENT)]:
        raise ValidationError(
            _("Complaints and denunciations cannot be submitted on the portal: see how to submit them below.")
        )
    if unit.level not in (UnitLevel.PROVINCE, UnitLevel.COMMUNE) or unit.valid_to is not None:
        raise ValidationError(_("Choose a province or commune from the official list."))
    case = _create(
        actor=None,
        kind=kind,
        channel=Channel.WEB,
        unit=unit,
        handling_org=receiving_body(unit),
        title=title,
        content=content,
        field=field,
        citizen=citizen,
    )
    _event(case, EventKind.RECEIVED, None, "", channel=Channel.WEB)
    for f in files or []:
        _document_save(case, f, kind=DocumentKind.EVIDENCE, actor=None, from_citizen=True)
    return case


@transaction.atomic
def case_classify(
    *,
    actor,
    case: Case,
    field: ConcernField | None,
    urgency: str,
    complexity: str,
    is_remote: bool,
    people_count: int,
    unit: Unit | None = None,
    title: str | None = None,
) -> Case:
    """Change the classification. Deadlines already computed stay as they are (recorded on the timeline)."""
    case = _lock(case)
    _require(actor, "cases.change_case", case)
    _require_status(
        case, OPEN_STATUSES, _("A case that is no longer open cannot be reclassified (it is %(status)s).")
    )
    if people_count < 1:
        raise ValidationError(_("The number of people must be at least 1."))
    before = {
        "field": case.field_id,
        "urgency": case.urgency,
        "complexity": case.complexity,
        "remote": case.is_remote,
        "people": case.people_count,
    }
    case.field = field
    case.urgency = urgency
    case.complexity = complexity
    case.is_remote = is_remote
    case.people_count = people_count
    case.is_collective = people_count >= COLLECTIVE_THRESHOLD
    if title is not None:
        case.title = plain_text(title, label=_("The summary"), max_length=MAX_TITLE, multiline=False)
    if unit is not None and unit.pk != case.unit_id:
        case.unit = unit
        case.concerned_path = unit.path
        case.commune = _commune_of(unit)
    case.search_text = _search_text(case)
    case.save()
    _event(case, EventKind.CLASSIFIED, actor, "", before=before)
    return case


# --- acceptance ----------------------------------------------------------------------------------------


@transaction.atomic
def case_accept(*, actor, case: Case, on: date | None = None, note: str = "") -> Case:
    case = _lock(case)
    _require(actor, "cases.change_case", case)
    _require_status(
        case, (Status.RECEIVED,), _("Only a received case can be accepted (this one is %(status)s).")
    )
    on = on or timezone.localdate()
    if on < case.received_on or on > timezone.localdate():
        raise ValidationError(_("The date of acceptance must lie between the receipt and today."))
    case.status = Status.ACCEPTED
    case.accepted_on = on
    case.resolution_due = _apply_rule(case, Stage.RESOLUTION, on)
    _refresh_due(case)
    case.save()
    _event(case, EventKind.ACCEPTED, actor, note, resolution_due=case.resolution_due, on=on)
    return case


@transaction.atomic
def case_refuse(*, actor, case: Case, reason: str, note: str = "") -> Case:
    """Not accepted, with the legal reason (the citizen is told why on the tracking page and by letter)."""
    case = _lock(case)
    _require(actor, "cases.change_case", case)
    _require_status(
        case, (Status.RECEIVED,), _("Only a received case can be refused (this one is %(status)s).")
    )
    if reason not in RefusalReason.values:
        raise ValidationError(_("Choose the legal reason for not accepting the case."))
    if reason not in refusal_reasons_for(case.kind):
        raise ValidationError(
            _("This reason does not apply to a case of this kind (%(kind)s): choose one that does.")
            % {"kind": case.get_kind_display().lower()}
        )
    if reason == RefusalReason.OTHER and not clean(note):
        raise ValidationError(_("Explain the reason in the note."))
    case.status = Status.NOT_ACCEPTED
    case.refusal_reason = reason
    case.refusal_note = plain_text(note, label=_("The note"), max_length=2000, required=False)
    case.closed_on = timezone.localdate()
    _refresh_due(case)
    case.save()
    _event(case, EventKind.NOT_ACCEPTED, actor, case.refusal_note, reason=reason)
    return case


# --- handling ------------------------------------------------------------------------------------------


def may_handle(user, case: Case) -> bool:
    return has_scope_permission(user, "cases.change_case", case.unit_path, case.org_path or None)


def _check_denunciation_assignment(actor, case: Case, handler) -> None:
    """The handler of a denunciation reads the denouncer's identity (Law on Denunciations 2018, art. 47): only
    the head of the handling body assigns them, and only among the officers of that body's own unit."""
    if not is_head_of(actor, case):
        raise ValidationError(
            _("Only the head of the handling body may assign the handler of a denunciation.")
        )
    from danvan.cases.selectors import handler_choices

    if not handler_choices(case=case).filter(pk=handler.pk).exists():
        raise ValidationError(
            _("The handler of a denunciation must be an officer of the handling body's own unit.")
        )


@transaction.atomic
def case_assign(*, actor, case: Case, handler, note: str = "") -> Case:
    case = _lock(case)
    _require(actor, "cases.change_case", case)
    _require_status(
        case,
        (Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS),
        _("Only an accepted case can be assigned (this one is %(status)s)."),
    )
    if handler is None or not handler.is_active or not may_handle(handler, case):
        raise ValidationError(_("The handler must be an active user allowed to handle cases of this body."))
    if case.kind == Kind.DENUNCIATION:
        _check_denunciation_assignment(actor, case, handler)
    previous = case.handler_id
    case.handler = handler
    case.assigned_at = timezone.now()
    if case.status == Status.ACCEPTED:
        case.status = Status.ASSIGNED
    case.save()
    _event(
        case,
        EventKind.ASSIGNED,
        actor,
        note,
        handler=handler.pk,
        handler_name=handler.display_name,
        previous=previous,
    )
    _notify(
        handler,
        case=case,
        kind="assigned",
        key=f"assigned:{case.pk}:{case.assigned_at:%Y%m%d%H%M%S}",
        message=_("Case %(ref)s was assigned to you (deadline %(due)s).")
        % {"ref": case.reference, "due": _fmt(case.due_on)},
    )
    return case


@transaction.atomic
def case_start(*, actor, case: Case, note: str = "") -> Case:
    case = _lock(case)
    _require(actor, "cases.change_case", case)
    _require_status(
        case, (Status.ASSIGNED,), _("Only an assigned case can be started (this one is %(status)s).")
    )
    case.status = Status.IN_PROGRESS
    case.save()
    _event(case, EventKind.STARTED, actor, note)
    return case


@transaction.atomic
def case_extend(
    *, actor, case: Case, decision_number: str, reason: str, complexity: str, days: int | None = None
) -> Case:
    """Extend the time limit by a recorded decision of the head of the handling body.

    Complaint: the case becomes complex and gets the complex limit of its rule, counted from acceptance
    (Law on Complaints art. 28, 37). Denunciation: up to ``extension_days`` more, once for a complex case and
    twice for a very complex one (Law on Denunciations art. 30)."""
    case = _lock(case)
    _require(actor, "cases.change_case", case)
    if not has_scope_permission(actor, HEAD_PERM, case.unit_path, case.org_path or None) or not (
        actor.is_superuser or is_head_of(actor, case)
    ):
        raise PermissionDenied(_("Only the head of the handling body may decide an extension."))
    _require_status(
        case, HANDLING_STATUSES, _("Only a case being handled can be extended (this one is %(status)s).")
    )
    decision_number = clean(decision_number)
    if not decision_number:
        raise ValidationError(_("Enter the number of the extension decision."))
    reason = plain_text(reason, label=_("The reason"), max_length=2000)
    if complexity not in (Complexity.COMPLEX, Complexity.VERY_COMPLEX):
        raise ValidationError(_("Only a complex or very complex case can be extended."))
    rule = rule_for(case.kind, Stage.RESOLUTION, case.instance)
    if rule is None or case.kind not in (Kind.COMPLAINT, Kind.DENUNCIATION):
        raise ValidationError(_("The law provides no extension for this kind of case."))
    old_due = case.resolution_due
    if case.kind == Kind.COMPLAINT:
        if case.extension_count >= 1:
            raise ValidationError(_("A complaint's time limit can be extended only once."))
        case.complexity = complexity
        new_days = rule.days_for(complexity=complexity, remote=case.is_remote)
        new_due = due_date(case.accepted_on, new_days, rule.day_type, reference.work_calendar())
        basis = {"days": new_days, "from": case.accepted_on.isoformat()}
    else:
        allowed = (
            rule.max_extensions_very_complex
            if complexity == Complexity.VERY_COMPLEX
            else rule.max_extensions_complex
        )
        if case.extension_count >= allowed:
            raise ValidationError(
                _("This case has already been extended %(n)s time(s): the most the law allows for it.")
                % {"n": case.extension_count}
            )
        limit = rule.extension_days or 30
        days = days or limit
        if days < 1 or days > limit:
            raise ValidationError(_("An extension is at most %(n)s days.") % {"n": limit})
        case.complexity = complexity
        new_due = due_date(old_due, days, rule.day_type, reference.work_calendar())
        basis = {"days": days, "from": old_due.isoformat()}
    if new_due <= old_due:
        raise ValidationError(
            _("The extension would not move the deadline: the case already has the longer limit.")
        )
    case.extension_count += 1
    case.resolution_due = new_due
    resolution = case.deadline_basis.get("resolution")
    if resolution:  # the deadline card says the limit in force now, not the one before the extension
        if case.kind == Kind.COMPLAINT:
            resolution.update(days=new_days, due=new_due.isoformat(), extended=True)
        else:
            resolution.update(days=resolution.get("days", 0) + days, due=new_due.isoformat(), extended=True)
    case.deadline_basis.setdefault("extensions", []).append(
        {
            "decision": decision_number,
            "by": actor.pk,
            "on": timezone.localdate().isoformat(),
            "previous_due": old_due.isoformat(),
            "due": new_due.isoformat(),
            "rule": rule.code,
            "legal_basis": rule.legal_basis,
            **basis,
        }
    )
    _refresh_due(case)
    case.save()
    _event(
        case,
        EventKind.EXTENDED,
        actor,
        reason,
        decision=decision_number,
        previous_due=old_due,
        due=new_due,
        public_note=_("New deadline: %(due)s") % {"due": _fmt(new_due)},
    )
    return case


@transaction.atomic
def case_conclude(*, actor, case: Case, conclusion: str, on: date | None = None) -> Case:
    """The decision on a complaint, the conclusion of a denunciation, or the result of handling a report."""
    case = _lock(case)
    _require(actor, "cases.change_case", case)
    _require_status(
        case, HANDLING_STATUSES, _("Only a case being handled can be concluded (this one is %(status)s).")
    )
    on = on or timezone.localdate()
    if on < (case.accepted_on or case.received_on) or on > timezone.localdate():
        raise ValidationError(_("The date of the conclusion must lie between the acceptance and today."))
    case.conclusion = plain_text(conclusion, label=_("The conclusion"), max_length=MAX_CONTENT)
    case.status = Status.CONCLUDED
    case.concluded_on = on
    case.answer_due = _apply_rule(case, Stage.ANSWER, on)
    _refresh_due(case)
    case.save()
    late = case.resolution_due is not None and on > case.resolution_due
    _event(case, EventKind.CONCLUDED, actor, "", late=late, on=on)
    return case


@transaction.atomic
def case_answer(
    *, actor, case: Case, answer: str, public: bool | None = None, on: date | None = None
) -> Case:
    """Send the answer to the citizen; it shows on the public tracking page unless ``public`` is False
    (by default, all answers but a denunciation's: its tracking page shows neither its content nor its
    answer, which reaches the denouncer by letter or e-mail). From a handling state (a report answered
    directly) the answer is also the resolution: its date is the date of resolution, but no conclusion or
    decision is recorded that was not made."""
    if public is None:
        public = case.kind != Kind.DENUNCIATION
    case = _lock(case)
    _require(actor, "cases.change_case", case)
    _require_status(
        case,
        (*HANDLING_STATUSES, Status.CONCLUDED),
        _("Only a case being handled or concluded can be answered (this one is %(status)s)."),
    )
    on = on or timezone.localdate()
    case.answer = plain_text(answer, label=_("The answer"), max_length=MAX_CONTENT)
    case.answer_public = public
    if case.concluded_on is None:
        case.concluded_on = on
    case.status = Status.ANSWERED
    case.answered_on = on
    _refresh_due(case)
    case.save()
    _event(case, EventKind.ANSWERED, actor, "", public=public, on=on)
    if case.citizen_email:
        transaction.on_commit(lambda: _mail_answer(case.pk))
    return case


def _mail_answer(case_pk: int) -> None:
    case = Case.objects.filter(pk=case_pk).first()
    if case is None or not case.citizen_email:
        return
    send_mail(
        _("Answer to your case %(ref)s") % {"ref": case.reference},
        _(
            "Your case %(ref)s has been answered. Read the answer and rate it on the portal with your "
            "tracking code %(code)s."
        )
        % {"ref": case.reference, "code": case.tracking_code},
        None,
        [case.citizen_email],
        fail_silently=True,
    )


@transaction.atomic
def case_close(*, actor, case: Case, note: str = "") -> Case:
    case = _lock(case)
    _require(actor, "cases.change_case", case)
    _require_status(
        case,
        (Status.ANSWERED, Status.NOT_ACCEPTED),
        _("Only an answered or refused case can be closed (this one is %(status)s)."),
    )
    case.status = Status.CLOSED
    case.closed_on = timezone.localdate()
    _refresh_due(case)
    case.save()
    _event(case, EventKind.CLOSED, actor, note)
    return case


@transaction.atomic
def case_reopen(*, actor, case: Case, reason: str) -> Case:
    """Reopen a closed, answered or refused case; a new resolution limit runs from today."""
    case = _lock(case)
    _require(actor, "cases.change_case", case)
    _require_status(
        case,
        (*DONE_STATUSES, Status.NOT_ACCEPTED),
        _("Only a closed, answered or refused case can be reopened (this one is %(status)s)."),
    )
    reason = plain_text(reason, label=_("The reason"), max_length=2000)
    today = timezone.localdate()
    if case.status == Status.NOT_ACCEPTED:
        case.status = Status.RECEIVED
        case.refusal_reason = ""
        case.acceptance_due = _apply_rule(case, Stage.ACCEPTANCE, today)
    else:
        case.status = Status.IN_PROGRESS if case.handler_id else Status.ACCEPTED
        case.resolution_due = _apply_rule(case, Stage.RESOLUTION, today)
        case.concluded_on = None
        case.answered_on = None
        case.answer_due = None
    case.closed_on = None
    _refresh_due(case)
    case.save()
    # The citizen rates the new answer; the rating of the old one is kept as history, no longer counted.
    earlier = Rating.objects.filter(case=case, is_current=True).update(is_current=False)
    _event(case, EventKind.REOPENED, actor, reason, due=case.due_on, earlier_ratings=earlier)
    return case


def _copy_to(case: Case, *, actor, to_org: Organisation) -> Case:
    """The receiving body's copy of a transferred case (same content, documents, tracking code)."""
    citizen = CitizenData(
        name=case.citizen_name,
        phone=case.citizen_phone,
        email=case.citizen_email,
        address=case.citizen_address,
    )
    new = _create(
        actor=actor,
        kind=case.kind,
        channel=Channel.FORWARDED,
        unit=case.unit,
        handling_org=to_org,
        title=case.title,
        content=case.content,
        field=case.field,
        instance=case.instance,
        parent=case.parent,
        people_count=case.people_count,
        urgency=case.urgency,
        complexity=Complexity.NORMAL,
        is_remote=case.is_remote,
        citizen=citizen,
        received_on=timezone.localdate(),
        tracking_code=case.tracking_code,
        transferred_from=case,
    )
    for doc in case.documents.all():
        CaseDocument.objects.create(
            case=new,
            file=doc.file.name,
            name=doc.name,
            kind=doc.kind,
            size=doc.size,
            content_type=doc.content_type,
            confidential=doc.confidential,
            from_citizen=doc.from_citizen,
            uploaded_by=doc.uploaded_by,
            uploaded_at=doc.uploaded_at,
        )
    moved = [doc.pk for doc in case.documents.all() if doc.confidential]
    if moved:
        # The receiving body's copies are the ones to use; the sender keeps only their names, "moved with
        # the case" (document_open refuses them, the case page lists them without a link).
        access_log_record(
            actor=actor,
            obj=case,
            field="denouncer_identity",
            purpose="confidential documents moved with the transferred case",
        )
    identity = DenouncerIdentity.objects.filter(case=case).first()
    if identity is not None:
        data = json.loads(crypto.decrypt(identity.payload_enc, context=_identity_context(case)))
        _store_identity(new, CitizenData(**data))
        access_log_record(
            actor=actor, obj=case, field="denouncer_identity", purpose="moved with the transferred case"
        )
        identity.delete()  # a transfer moves the identity: the sender keeps no copy
    return new


def _target_body(unit: Unit, org_type: OrgType) -> Organisation:
    body = (
        Organisation.objects.filter(unit=unit, type=org_type, is_active=True)
        .order_by("depth", "path")
        .first()
    )
    if body is None:
        raise ValidationError(
            _("%(unit)s has no %(type)s registered in the system.")
            % {"unit": unit.name, "type": org_type.name}
        )
    return body


@transaction.atomic
def case_transfer(*, actor, case: Case, to_unit: Unit, to_type: OrgType, reason: str) -> Case:
    """Transfer to the competent body (inside or outside the actor's scope): the receiving body gets a new
    case with the same content, documents and tracking code; this one is kept, closed as transferred."""
    case = _lock(case)
    _require(actor, "cases.change_case", case)
    _require_status(
        case, OPEN_STATUSES, _("A case that is no longer open cannot be transferred (it is %(status)s).")
    )
    reason = plain_text(reason, label=_("The reason"), max_length=2000)
    to_org = _target_body(to_unit, to_type)
    if to_org.pk == case.handling_org_id:
        raise ValidationError(_("The case is already with this body."))
    new = _copy_to(case, actor=actor, to_org=to_org)
    sender = case.handling_org.name if case.handling_org else case.unit.name
    new.transferred_from_name = sender
    new.save(update_fields=["transferred_from_name"])
    _event(new, EventKind.TRANSFERRED_IN, actor, reason, sender=sender, public_note=sender)
    case.status = Status.TRANSFERRED
    case.transferred_to_name = to_org.name
    case.closed_on = timezone.localdate()
    _refresh_due(case)
    case.save()
    _event(
        case,
        EventKind.TRANSFERRED_OUT,
        actor,
        reason,
        to=to_org.name,
        new_reference=new.reference,
        public_note=to_org.name,
    )
    return new


@transaction.atomic
def case_appeal(
    *, actor, case: Case, to_unit: Unit, to_type: OrgType, content: str, received_on: date | None = None
) -> Case:
    """The complainant disagrees with the first-instance decision: a second-instance complaint at the
    higher body, linked to this case."""
    if case.kind != Kind.COMPLAINT or case.instance != Instance.FIRST:
        raise ValidationError(_("Only a first-instance complaint can be appealed to the second instance."))
    if case.status not in (Status.CONCLUDED, Status.ANSWERED, Status.CLOSED):
        raise ValidationError(_("A complaint can be appealed once the first-instance decision is made."))
    if not Case.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise _deny()
    to_org = _target_body(to_unit, to_type)
    first_seat = case.handling_org.unit_path if case.handling_org_id else case.unit_path
    if not (first_seat.startswith(to_org.unit_path) and len(to_org.unit_path) < len(first_seat)):
        # Law on Complaints 2011, art. 7, 18-21: the second instance is the direct superior's
        raise ValidationError(
            _(
                "A second-instance complaint goes to a body of a higher level than the one that decided the "
                "first instance (%(body)s): choose the body above it."
            )
            % {"body": case.handling_org.name if case.handling_org_id else case.unit.name}
        )
    _require(actor, "cases.add_case", (to_org.unit_path, to_org.path))
    new = _create(
        actor=actor,
        kind=Kind.COMPLAINT,
        channel=Channel.MAIL,
        unit=case.unit,
        handling_org=to_org,
        title=case.title,
        content=content or case.content,
        field=case.field,
        instance=Instance.SECOND,
        parent=case,
        people_count=case.people_count,
        urgency=case.urgency,
        is_remote=case.is_remote,
        citizen=CitizenData(
            name=case.citizen_name,
            phone=case.citizen_phone,
            email=case.citizen_email,
            address=case.citizen_address,
        ),
        received_on=received_on,
    )
    _event(new, EventKind.RECEIVED, actor, "", channel=Channel.MAIL, first_instance=case.reference)
    _event(case, EventKind.APPEALED, actor, "", second_instance=new.reference, to=to_org.name)
    return new


@transaction.atomic
def case_mark_duplicate(*, actor, case: Case, original: Case, close: bool = True) -> Case:
    """Link a case to the earlier one it repeats; a received duplicate is not accepted (duplicate)."""
    case = _lock(case)
    _require(actor, "cases.change_case", case)
    if original.pk == case.pk or not Case.objects.visible_to(actor).filter(pk=original.pk).exists():
        raise ValidationError(_("Choose another case you can see."))
    if original.duplicate_of_id == case.pk:
        raise ValidationError(_("That case is already a duplicate of this one."))
    case.duplicate_of = original
    if close and case.status == Status.RECEIVED:
        case.status = Status.NOT_ACCEPTED
        case.refusal_reason = RefusalReason.DUPLICATE
        case.closed_on = timezone.localdate()
        _refresh_due(case)
    case.save()
    _event(case, EventKind.DUPLICATE, actor, "", original=original.reference)
    return case


@transaction.atomic
def case_note(*, actor, case: Case, note: str) -> CaseEvent:
    _require(actor, "cases.change_case", case)
    return _event(case, EventKind.NOTE, actor, plain_text(note, label=_("The note"), max_length=4000))


# --- documents -----------------------------------------------------------------------------------------

ALLOWED_UPLOADS = (".pdf", ".jpg", ".jpeg", ".png", ".docx", ".xlsx", ".doc")
MAX_UPLOAD_MB = 5


def check_upload(f, *, max_mb: int = MAX_UPLOAD_MB) -> None:
    """Type (extension and the file's first bytes) and size of an uploaded file."""
    check_file(f, accepted=ALLOWED_UPLOADS, max_mb=max_mb)


def _document_save(
    case: Case,
    f,
    *,
    kind: str,
    actor,
    from_citizen: bool = False,
    confidential: bool = False,
    name: str | None = None,
) -> CaseDocument:
    check_upload(f)
    display = clean(name or getattr(f, "name", "tep"))[:255]
    content_type = mimetypes.guess_type(display)[0] or "application/octet-stream"
    if case.kind == Kind.DENUNCIATION and (from_citizen or kind == DocumentKind.PETITION):
        confidential = True  # a denouncer's petition names them
    doc = CaseDocument(
        case=case,
        name=display,
        kind=kind,
        size=f.size,
        content_type=content_type,
        confidential=confidential,
        from_citizen=from_citizen,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    ext = display.rsplit(".", 1)[-1].lower() if "." in display else "bin"
    doc.file.save(f"{secrets.token_hex(12)}.{ext}", f, save=False)
    doc.save()
    _event(case, EventKind.DOCUMENT, actor, "", document=doc.pk, doc_kind=kind, confidential=confidential)
    return doc


@transaction.atomic
def case_document_add(*, actor, case: Case, file, kind: str, confidential: bool = False) -> CaseDocument:
    _require(actor, "cases.change_case", case)
    if kind not in DocumentKind.values:
        raise ValidationError(_("Choose the kind of document."))
    return _document_save(case, file, kind=kind, actor=actor, confidential=confidential)


def document_moved(document: CaseDocument) -> bool:
    """A confidential document of a case transferred out: it went with the case (and with the denouncer's
    identity) to the receiving body, and the sender may no longer open it."""
    return document.confidential and document.case.status == Status.TRANSFERRED


def document_open(*, actor, document: CaseDocument, request=None):
    """The file of a document ``actor`` may see; a confidential one is logged as a read of the identity."""
    if not CaseDocument.objects.visible_to(actor).filter(pk=document.pk).exists():
        raise PermissionDenied
    if document_moved(document):
        raise PermissionDenied(_("This confidential document was moved with the case to the receiving body."))
    if document.confidential:
        access_log_record(
            actor=actor,
            obj=document.case,
            field="denouncer_identity",
            purpose=f"document {document.pk}",
            request=request,
        )
    return document.file.open("rb")


# --- the denouncer's identity -------------------------------------------------------------------------


def denouncer_identity_read(*, actor, case: Case, purpose: str = "", request=None) -> dict[str, str]:
    """Decrypt the denouncer's identity for the assigned handler or the head of the handling body, and log
    the read (never the value). Anyone else gets PermissionDenied."""
    if not may_read_identity(actor, case):
        raise PermissionDenied(_("Only the assigned handler and the head of the handling body may see this."))
    identity = DenouncerIdentity.objects.filter(case=case).first()
    access_log_record(
        actor=actor, obj=case, field="denouncer_identity", purpose=purpose or "view", request=request
    )
    if identity is None:
        return {}
    return json.loads(crypto.decrypt(identity.payload_enc, context=_identity_context(case)))


@transaction.atomic
def denouncer_identity_update(*, actor, case: Case, citizen: CitizenData, request=None) -> None:
    if not may_read_identity(actor, case):
        raise PermissionDenied(_("Only the assigned handler and the head of the handling body may see this."))
    if Case.objects.filter(pk=case.pk, status=Status.TRANSFERRED).exists():
        raise ValidationError(
            _("The case was transferred: the denouncer's identity went with it to the receiving body.")
        )
    _store_identity(case, citizen)
    access_log_record(actor=actor, obj=case, field="denouncer_identity", purpose="update", request=request)


# --- letters -------------------------------------------------------------------------------------------


@transaction.atomic
def case_letter_generate(
    *, actor, case: Case, kind: str, request=None, extra: dict | None = None
) -> CaseDocument:
    """Fill the Word template of a letter for the case and attach it. A letter to a denouncer names them:
    only the handler or the head may generate it, the read is logged and the letter is confidential."""
    from django.core.files.base import ContentFile

    from danvan.cases import letters

    _require(actor, "cases.change_case", case)
    allowed = letters.letter_kinds_for(case)
    if kind not in allowed:
        raise ValidationError(_("This letter does not fit the case at this step."))
    addressee = {"name": case.citizen_name, "address": case.citizen_address}
    confidential = False
    if case.kind == Kind.DENUNCIATION:
        if may_read_identity(actor, case):
            ident = denouncer_identity_read(actor=actor, case=case, purpose=f"letter {kind}", request=request)
            addressee = {"name": ident.get("name", ""), "address": ident.get("address", "")}
            confidential = True
        else:
            addressee = {"name": "", "address": ""}
    content = letters.render(kind=kind, case=case, addressee=addressee, actor=actor, extra=extra or {})
    digest = _letter_digest(content)
    same = _attached_letter(case, kind, digest)
    if same is not None:  # the same letter, word for word, is already on the case: not a second copy
        same.already_attached = True
        return same
    name = f"{letters.file_stem(kind)}-{case.reference}.docx"
    doc = CaseDocument(
        case=case,
        name=name,
        kind=DocumentKind.LETTER,
        size=len(content),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        confidential=confidential,
        uploaded_by=actor,
    )
    doc.file.save(f"{secrets.token_hex(12)}.docx", ContentFile(content), save=False)
    doc.save()
    _event(case, EventKind.LETTER, actor, "", letter=kind, document=doc.pk, digest=digest)
    doc.already_attached = False
    return doc


def _letter_digest(content: bytes) -> str:
    """A letter's words and layout, without the file's own metadata (its creation time changes each time)."""
    import hashlib
    import io
    import zipfile

    h = hashlib.sha256()
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        for name in sorted(z.namelist()):
            if not name.startswith("docProps/"):
                h.update(name.encode())
                h.update(z.read(name))
    return h.hexdigest()


def _attached_letter(case: Case, kind: str, digest: str) -> CaseDocument | None:
    last = (
        case.events.filter(kind=EventKind.LETTER, data__letter=kind, data__digest=digest)
        .order_by("-at", "-id")
        .first()
    )
    if last is None:
        return None
    return CaseDocument.objects.filter(case=case, pk=last.data.get("document")).first()


@transaction.atomic
def letter_template_upload(*, actor, kind: str, file) -> LetterTemplate:
    if not actor.has_perm("cases.change_lettertemplate"):
        raise _deny()
    name = (getattr(file, "name", "") or "").lower()
    if not name.endswith(".docx"):
        raise ValidationError(_("Upload a Word file (.docx)."))
    check_upload(file, max_mb=5)
    from danvan.cases import letters

    letters.validate_template(file)
    template, _created = LetterTemplate.objects.get_or_create(kind=kind, defaults={"updated_by": actor})
    template.file.save(f"{kind}-{secrets.token_hex(6)}.docx", file, save=False)
    template.updated_by = actor
    template.save()
    return template


@transaction.atomic
def letter_template_reset(*, actor, kind: str) -> None:
    if not actor.has_perm("cases.change_lettertemplate"):
        raise _deny()
    LetterTemplate.objects.filter(kind=kind).delete()


# --- the public portal: ratings and rate limits -------------------------------------------------------


@transaction.atomic
def case_rate(*, tracking_code: str, satisfied: bool, comment: str = "") -> Rating:
    """The citizen rates the answer (once) with the tracking code."""
    from danvan.cases.selectors import public_case

    view = public_case(tracking_code=tracking_code)
    if view is None:
        raise ValidationError(_("No case has this tracking code."))
    if not view.can_rate:
        raise ValidationError(_("This case cannot be rated (not answered yet, or already rated)."))
    case = Case.objects.select_for_update().get(tracking_code=view.tracking_code, reference=view.reference)
    comment = plain_text(comment, label=_("The comment"), max_length=2000, required=False)
    rating = Rating.objects.create(case=case, satisfied=satisfied, comment=comment)
    _event(case, EventKind.RATED, None, "", satisfied=satisfied)
    return rating


def rate_limit_hit(*, key: str, limits: tuple[tuple[int, int], ...]) -> bool:
    """Count one request for ``key`` in the current window of each (limit, seconds) pair; True when one of
    the limits is exceeded. One INSERT … ON CONFLICT statement shared by every web process; the counters
    are not worth a disk flush (synchronous_commit off for this transaction only)."""
    now = int(timezone.now().timestamp())
    rows = []
    for _limit, seconds in limits:
        start = datetime.fromtimestamp(now // seconds * seconds, tz=timezone.get_current_timezone())
        rows.append((f"{key}:{seconds}"[:100], start))
    table = RateCounter._meta.db_table
    values = ", ".join(["(%s, %s, 1)"] * len(rows))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(
            f"""INSERT INTO {table} (key, window_start, count) VALUES {values}
                ON CONFLICT (key, window_start) DO UPDATE SET count = {table}.count + 1
                RETURNING key, count""",
            [v for row in rows for v in row],
        )
        counts = dict(cursor.fetchall())
    return any(counts.get(k, 0) > limit for (k, _start), (limit, _s) in zip(rows, limits, strict=True))


def client_address(request) -> str:
    """The client's address for rate limits: the last X-Forwarded-For hop (the one our reverse proxy
    appended, which a client cannot forge — the first hops can be), else the socket's address."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    return hops[-1] if hops else request.META.get("REMOTE_ADDR", "") or "-"


def client_key(request, scope: str) -> str:
    """A rate-limit key for the client's address (hashed: no address is stored)."""
    return f"{scope}:{crypto.lookup_hash(client_address(request), context='cases.rate')[:32]}"


def rate_counters_purge(*, older_than_hours: int = 48) -> int:
    return RateCounter.objects.filter(
        window_start__lt=timezone.now() - timedelta(hours=older_than_hours)
    ).delete()[0]


# --- notifications and reminders ----------------------------------------------------------------------


def _fmt(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "—"


def _notify(
    user, *, kind: str, key: str, message: str, case: Case | None = None, commitment: Commitment | None = None
) -> Notification | None:
    """An in-app notice, once per (user, key)."""
    if user is None:
        return None
    obj, created = Notification.objects.get_or_create(
        user=user,
        key=key[:120],
        defaults={"kind": kind, "message": message[:500], "case": case, "commitment": commitment},
    )
    return obj if created else None


@transaction.atomic
def notification_mark_read(*, actor, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(user=actor, read_at__isnull=True)
    if ids:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def _handlers_for(case: Case):
    """Who must act: the handler, or while nobody is assigned, the users who may handle the body's cases."""
    if case.handler_id:
        return [case.handler]
    return list(_users_with(case, "cases.change_case")[:20])


def _users_with(case: Case, perm: str, *, exact: bool = False):
    """Active users holding ``perm`` over the case's place (``exact``: with the assignment at that place)."""
    from danvan.accounts.models import RoleAssignment, User

    app_label, codename = perm.split(".")
    rows = RoleAssignment.objects.active_on(timezone.localdate()).filter(
        role__permissions__codename=codename, role__permissions__content_type__app_label=app_label
    )
    prefixes = [case.unit_path[: i + 1] for i, ch in enumerate(case.unit_path) if ch == "/"]
    rows = rows.filter(unit_path=case.unit_path) if exact else rows.filter(unit_path__in=prefixes)
    org_ok = Q(org_path="")
    if case.org_path:
        org_prefixes = [case.org_path[: i + 1] for i, ch in enumerate(case.org_path) if ch == "/"]
        org_ok |= Q(org_path__in=org_prefixes) if not exact else Q(org_path=case.org_path)
    user_ids = rows.filter(org_ok).values("user_id")
    return User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk")


def heads_of(case: Case):
    """The heads of the case's handling body (``cases.head_case`` at exactly its place)."""
    return _users_with(case, HEAD_PERM, exact=True)


@dataclass
class ReminderReport:
    due_soon: int = 0
    overdue: int = 0
    escalated: int = 0
    commitments: int = 0
    emails: int = 0


def deadline_reminders_send(*, on: date | None = None, batch: int = 2000) -> ReminderReport:
    """The daily job: handlers are told three working days before a case's deadline and when it has passed
    (in-app and by e-mail, one message per user), and overdue cases are escalated to the heads of the
    handling body. Each notice is sent once per case, step and deadline."""
    on = on or timezone.localdate()
    cal = reference.work_calendar()
    report = ReminderReport()
    horizon = on
    # The last due date whose reminder day (three working days before) is on or before today.
    while reminder_date(horizon + timedelta(days=1), 3, cal) <= on:
        horizon += timedelta(days=1)
    digests: dict[int, tuple[Any, list[str]]] = {}

    def add(user, line: str) -> None:
        digests.setdefault(user.pk, (user, []))[1].append(line)

    soon = (
        Case.objects.filter(status__in=OPEN_STATUSES, due_on__gte=on, due_on__lte=horizon)
        .select_related("handler")
        .order_by("due_on")
    )
    for case in soon.iterator(chunk_size=batch):
        for user in _handlers_for(case):
            message = _("Case %(ref)s is due on %(due)s (%(step)s).") % {
                "ref": case.reference,
                "due": _fmt(case.due_on),
                "step": case.get_status_display().lower(),
            }
            if _notify(
                user,
                case=case,
                kind="due_soon",
                key=f"soon:{case.pk}:{case.status}:{case.due_on}",
                message=message,
            ):
                add(user, message)
                report.due_soon += 1
    overdue = (
        Case.objects.filter(status__in=OPEN_STATUSES, due_on__lt=on)
        .select_related("handler")
        .order_by("due_on")
    )
    for case in overdue.iterator(chunk_size=batch):
        key = f"overdue:{case.pk}:{case.status}:{case.due_on}"
        message = _("Case %(ref)s is overdue since %(due)s.") % {
            "ref": case.reference,
            "due": _fmt(case.due_on),
        }
        sent = False
        for user in _handlers_for(case):
            if _notify(user, case=case, kind="overdue", key=key, message=message):
                add(user, message)
                sent = True
        if sent:
            report.overdue += 1
        escalated = False
        for head in heads_of(case):
            esc = _("Escalated: case %(ref)s (%(body)s) is overdue since %(due)s.") % {
                "ref": case.reference,
                "body": case.handling_org.name if case.handling_org_id else case.unit_path,
                "due": _fmt(case.due_on),
            }
            if _notify(
                head,
                case=case,
                kind="escalated",
                key=f"esc:{case.pk}:{case.status}:{case.due_on}",
                message=esc,
            ):
                add(head, esc)
                escalated = True
        if escalated:
            report.escalated += 1
            CaseEvent.objects.create(
                case=case, kind=EventKind.ESCALATED, data={"due": case.due_on.isoformat()}
            )
    for commitment in Commitment.objects.filter(status__in=OPEN_COMMITMENT_STATUSES, due_on__lte=horizon):
        report.commitments += _commitment_reminder(commitment, on, add)
    for user, lines in digests.values():
        if user.email:
            send_mail(
                _("Dân Vận Số: %(n)s deadline notice(s)") % {"n": len(lines)},
                "\n".join(lines),
                None,
                [user.email],
                fail_silently=True,
            )
            report.emails += 1
    return report


def _commitment_reminder(commitment: Commitment, on: date, add) -> int:
    from danvan.accounts.models import RoleAssignment, User

    rows = RoleAssignment.objects.active_on(on).filter(
        role__permissions__codename="change_commitment", unit_path=commitment.unit_path
    )
    if commitment.org_path:
        rows = rows.filter(Q(org_path="") | Q(org_path=commitment.org_path))
    overdue = commitment.due_on < on
    message = (
        _("Commitment overdue since %(due)s: %(text)s")
        if overdue
        else _("Commitment due on %(due)s: %(text)s")
    ) % {"due": _fmt(commitment.due_on), "text": commitment.text[:120]}
    n = 0
    for user in User.objects.filter(pk__in=rows.values("user_id"), is_active=True)[:20]:
        key = f"commitment:{commitment.pk}:{'late' if overdue else 'soon'}:{commitment.due_on}"
        if _notify(user, commitment=commitment, kind="commitment", key=key, message=message):
            add(user, message)
            n += 1
    return n


# --- dialogue ------------------------------------------------------------------------------------------


def _org_paths(unit: Unit, organisation: Organisation | None) -> tuple[str, str]:
    if organisation is not None and organisation.unit_id != unit.pk:
        raise ValidationError(_("The organisation must be in the chosen unit."))
    return unit.path, (organisation.path if organisation else "")


@transaction.atomic
def dialogue_save(
    *,
    actor,
    dialogue: Dialogue | None = None,
    title: str,
    unit: Unit,
    organisation: Organisation | None,
    held_on: date,
    place: str,
    chair_name: str,
    participants: str = "",
    participant_count: int = 0,
    topics: str = "",
    status: str = DialogueStatus.PLANNED,
    minutes: str = "",
) -> Dialogue:
    unit_path, org_path = _org_paths(unit, organisation)
    perm = "cases.add_dialogue" if dialogue is None else "cases.change_dialogue"
    _require(actor, perm, (unit_path, org_path or None))
    if dialogue is not None:
        _require(actor, perm, (dialogue.unit_path, dialogue.org_path or None))
    if status == DialogueStatus.HELD and held_on > timezone.localdate():
        raise ValidationError(_("A session in the future cannot be marked as held."))
    dialogue = dialogue or Dialogue(created_by=actor)
    dialogue.title = plain_text(title, label=_("The title"), max_length=255, multiline=False)
    dialogue.unit = unit
    dialogue.unit_path = unit_path
    dialogue.organisation = organisation
    dialogue.org_path = org_path
    dialogue.held_on = held_on
    dialogue.place = plain_text(place, label=_("The place"), max_length=255, required=False, multiline=False)
    dialogue.chair_name = plain_text(chair_name, label=_("The chair"), max_length=200, multiline=False)
    dialogue.participants = plain_text(
        participants, label=pgettext("dialogue", "Participants"), max_length=4000, required=False
    )
    dialogue.participant_count = max(0, participant_count or 0)
    dialogue.topics = plain_text(
        topics, label=pgettext("dialogue", "Topics"), max_length=4000, required=False
    )
    dialogue.status = status
    dialogue.minutes = plain_text(minutes, label=_("The minutes"), max_length=MAX_CONTENT, required=False)
    dialogue.search_text = fold(f"{dialogue.title} {dialogue.chair_name} {dialogue.topics}")
    dialogue.save()
    return dialogue


@transaction.atomic
def dialogue_question_add(
    *, actor, dialogue: Dialogue, question: str, asked_by: str = "", answer: str = "", answered_by: str = ""
) -> DialogueQuestion:
    _require(actor, "cases.change_dialogue", (dialogue.unit_path, dialogue.org_path or None))
    return DialogueQuestion.objects.create(
        dialogue=dialogue,
        question=plain_text(question, label=_("The question"), max_length=4000),
        asked_by=plain_text(asked_by, label=_("Raised by"), max_length=200, required=False, multiline=False),
        answer=plain_text(answer, label=_("The answer"), max_length=4000, required=False),
        answered_by=plain_text(
            answered_by, label=_("Answered by"), max_length=200, required=False, multiline=False
        ),
    )


@transaction.atomic
def dialogue_question_answer(
    *, actor, question: DialogueQuestion, answer: str, answered_by: str
) -> DialogueQuestion:
    dialogue = question.dialogue
    _require(actor, "cases.change_dialogue", (dialogue.unit_path, dialogue.org_path or None))
    question.answer = plain_text(answer, label=_("The answer"), max_length=4000)
    question.answered_by = plain_text(
        answered_by, label=_("Answered by"), max_length=200, required=False, multiline=False
    )
    question.save()
    return question


@transaction.atomic
def dialogue_question_to_case(*, actor, question: DialogueQuestion, kind: str = Kind.RECOMMENDATION) -> Case:
    """A question raised at a session becomes a case of the organising body (channel: dialogue)."""
    dialogue = question.dialogue
    if question.case_id:
        raise ValidationError(_("This question is already a case."))
    body = dialogue.organisation or receiving_body(dialogue.unit)
    case = case_receive(
        actor=actor,
        kind=kind if kind in (Kind.REPORT, Kind.RECOMMENDATION, Kind.COMMENT) else Kind.RECOMMENDATION,
        channel=Channel.DIALOGUE,
        unit=dialogue.unit,
        handling_org=body,
        title=question.question[:200],
        content=question.question,
        citizen=CitizenData(name=question.asked_by),
        received_on=min(dialogue.held_on, timezone.localdate()),
        note=_("Raised at the dialogue session “%(title)s”.") % {"title": dialogue.title},
    )
    question.case = case
    question.save(update_fields=["case"])
    return case


@transaction.atomic
def meeting_issue_to_case(*, actor, issue) -> tuple[int, str]:
    """An issue raised at a branch meeting, sent on by the branch's officer (``activities.services.issue_forward``
    checks her permission over the issue): a recommendation to the body that receives the submissions of the
    meeting's commune, as a citizen's would be (channel: branch meeting), so that body needs no grant from her.
    Registered in ``activities.services.ISSUE_FORWARDERS`` by CasesConfig.ready(). Returns (id, reference)."""
    meeting = issue.meeting
    unit = meeting.unit
    body = receiving_body(unit)
    if body is None:
        raise ValidationError(
            _("No body receives citizens' submissions in %(unit)s yet: the issue stays recorded.")
            % {"unit": (_commune_of(unit) or unit).name}
        )
    content = issue.summary if not issue.details else f"{issue.summary}\n\n{issue.details}"
    case = _create(
        actor=actor,
        kind=Kind.RECOMMENDATION,
        channel=Channel.BRANCH_MEETING,
        unit=unit,
        handling_org=body,
        title=issue.summary[:MAX_TITLE],
        content=content,
        citizen=CitizenData(name=issue.raised_by),
        received_on=min(meeting.held_on, timezone.localdate()),
    )
    note = _("Raised at the meeting of %(branch)s on %(day)s.") % {
        "branch": meeting.branch.name,
        "day": meeting.held_on.strftime("%d/%m/%Y"),
    }
    _event(case, EventKind.RECEIVED, actor, note, channel=Channel.BRANCH_MEETING, on=case.received_on)
    return case.pk, case.reference


@transaction.atomic
def commitment_create(
    *,
    actor,
    dialogue: Dialogue | None,
    text: str,
    unit: Unit,
    owner_org: Organisation | None,
    owner_name: str,
    due_on: date,
    question: DialogueQuestion | None = None,
) -> Commitment:
    unit_path, org_path = _org_paths(unit, owner_org)
    if dialogue is not None:
        _require(actor, "cases.change_dialogue", (dialogue.unit_path, dialogue.org_path or None))
    else:
        _require(actor, "cases.add_commitment", (unit_path, org_path or None))
    if dialogue is not None and due_on < dialogue.held_on:
        raise ValidationError(
            {
                "due_on": _(
                    "A commitment made at the dialogue cannot fall due before it was held (%(held)s)."
                )
                % {"held": dialogue.held_on.strftime("%d/%m/%Y")}
            }
        )
    commitment = Commitment.objects.create(
        dialogue=dialogue,
        question=question,
        text=plain_text(text, label=_("The commitment"), max_length=4000),
        unit=unit,
        unit_path=unit_path,
        owner_org=owner_org,
        org_path=org_path,
        owner_name=plain_text(
            owner_name, label=_("The responsible person"), max_length=200, required=False, multiline=False
        ),
        due_on=due_on,
    )
    CommitmentUpdate.objects.create(commitment=commitment, actor=actor, status=commitment.status, note="")
    return commitment


@transaction.atomic
def commitment_update(
    *, actor, commitment: Commitment, status: str, note: str = "", done_on: date | None = None
) -> Commitment:
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    allowed = has_scope_permission(
        actor, "cases.change_commitment", commitment.unit_path, commitment.org_path or None
    )
    if not allowed and commitment.dialogue_id:
        d = commitment.dialogue
        allowed = has_scope_permission(actor, "cases.change_dialogue", d.unit_path, d.org_path or None)
    if not allowed:
        raise _deny()
    if status not in CommitmentStatus.values:
        raise ValidationError(_("Choose a status."))
    note = plain_text(
        note, label=_("The note"), max_length=4000, required=status == CommitmentStatus.CANCELLED
    )
    if status == CommitmentStatus.DONE and done_on and done_on > timezone.localdate():
        raise ValidationError({"done_on": _("The date cannot be in the future.")})
    commitment.status = status
    commitment.done_on = (done_on or timezone.localdate()) if status == CommitmentStatus.DONE else None
    if note:
        commitment.progress_note = note
    commitment.save()
    CommitmentUpdate.objects.create(commitment=commitment, actor=actor, status=status, note=note)
    return commitment


# --- leaders' reception of citizens -------------------------------------------------------------------


@transaction.atomic
def reception_session_save(
    *,
    actor,
    session: ReceptionSession | None = None,
    unit: Unit,
    organisation: Organisation | None,
    position: ReceptionRequirement,
    leader_name: str,
    on: date,
    start_time: time | None,
    end_time: time | None,
    place: str,
    status: str = ReceptionStatus.PLANNED,
    citizens_received: int = 0,
    note: str = "",
) -> ReceptionSession:
    unit_path, org_path = _org_paths(unit, organisation)
    perm = "cases.add_receptionsession" if session is None else "cases.change_receptionsession"
    _require(actor, perm, (unit_path, org_path or None))
    if session is not None:
        _require(actor, perm, (session.unit_path, session.org_path or None))
    if position.level != unit.level:
        raise ValidationError(_("This position belongs to another level of unit."))
    if start_time and end_time and end_time <= start_time:
        raise ValidationError(_("The end time must be after the start time."))
    if status == ReceptionStatus.HELD and on > timezone.localdate():
        raise ValidationError(_("A session in the future cannot be marked as held."))
    session = session or ReceptionSession()
    session.unit = unit
    session.unit_path = unit_path
    session.organisation = organisation
    session.org_path = org_path
    session.position = position
    session.leader_name = plain_text(leader_name, label=_("The leader"), max_length=200, multiline=False)
    session.on = on
    session.start_time = start_time
    session.end_time = end_time
    session.place = plain_text(place, label=_("The place"), max_length=255, multiline=False)
    session.status = status
    session.citizens_received = max(0, citizens_received or 0)
    session.note = plain_text(note, label=_("The note"), max_length=2000, required=False)
    session.save()
    return session


# --- reference data edited by administrators ----------------------------------------------------------


@transaction.atomic
def deadline_rule_update(*, actor, rule: DeadlineRule, **values: Any) -> DeadlineRule:
    """Change a rule for the cases to come; the cases already computed keep their deadlines."""
    if not actor.has_perm("cases.change_deadlinerule"):
        raise _deny()
    for name in ("days", "complex_days", "remote_days", "remote_complex_days", "extension_days"):
        if name in values and values[name] is not None and not 0 < int(values[name]) <= 365:
            raise ValidationError(_("A time limit must be between 1 and 365 days."))
    if values.get("day_type") and values["day_type"] not in ("calendar", "working"):
        raise ValidationError(_("Choose calendar or working days."))
    for name, value in values.items():
        if name in {"label", "legal_basis"}:
            value = plain_text(value, label=name, max_length=2000)
        setattr(rule, name, value)
    rule.updated_by = actor
    rule.save()
    transaction.on_commit(reference.forget_rules)
    reference.forget_rules()
    return rule


@transaction.atomic
def calendar_day_save(*, actor, day: date, kind: str, name: str) -> CalendarDay:
    if not actor.has_perm("cases.change_calendarday"):
        raise _deny()
    from danvan.cases.models import CalendarKind

    if kind not in CalendarKind.values:
        raise ValidationError(_("Choose the kind of day."))
    if kind == CalendarKind.WORKING_DAY and day.weekday() < 5:
        raise ValidationError(_("Only a Saturday or Sunday can be made a working day."))
    name = plain_text(name, label=_("The name"), max_length=200, multiline=False)
    obj, _created = CalendarDay.objects.update_or_create(
        day=day, defaults={"kind": kind, "name": name, "source": "admin", "updated_by": actor}
    )
    transaction.on_commit(reference.forget_calendar)
    return obj


@transaction.atomic
def calendar_day_delete(*, actor, day: CalendarDay) -> None:
    if not actor.has_perm("cases.change_calendarday"):
        raise _deny()
    day.delete()
    transaction.on_commit(reference.forget_calendar)


@transaction.atomic
def calendar_year_fill(*, actor, year: int) -> int:
    """Add the default holidays of a year that has none yet (to be corrected when announced)."""
    if not actor.has_perm("cases.change_calendarday"):
        raise _deny()
    if not 2000 <= year <= 2100:
        raise ValidationError(_("Choose a year between 2000 and 2100."))
    return reference.seed_calendar(years=[year])


@transaction.atomic
def reception_requirement_update(
    *, actor, requirement: ReceptionRequirement, min_days: int, period: str, legal_basis: str, is_active: bool
) -> ReceptionRequirement:
    if not actor.has_perm("cases.change_receptionrequirement"):
        raise _deny()
    if not 1 <= min_days <= 31:
        raise ValidationError(_("The minimum must be between 1 and 31 days."))
    if period not in ("week", "month"):
        raise ValidationError(_("Choose a period."))
    requirement.min_days = min_days
    requirement.period = period
    requirement.legal_basis = plain_text(legal_basis, label=_("The legal basis"), max_length=2000)
    requirement.is_active = is_active
    requirement.save()
    return requirement


@transaction.atomic
def concern_field_save(
    *, actor, field: ConcernField | None, code: str, name: str, sort_order: int, is_active: bool
) -> ConcernField:
    if not actor.has_perm("cases.change_concernfield" if field else "cases.add_concernfield"):
        raise _deny()
    field = field or ConcernField()
    field.code = clean(code)
    field.name = plain_text(name, label=_("The name"), max_length=200, multiline=False)
    field.sort_order = sort_order
    field.is_active = is_active
    field.full_clean()
    field.save()
    return field
