"""Writes of the "Dân vận khéo" registry: registering a model, its results and evidence, and the steps of
its life, each recorded with who and when (``Milestone``, the timeline on its page):

    registered → assessed (a council scores it against the criteria of a scheme) → recognised (a decision;
    only after a passed assessment) → replicated (a new model linked to its origin) → stopped

A model can be stopped from any step; a stopped model takes no further step. Awards are recorded against a
model and/or a person.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from danvan.core.scoping import has_scope_permission
from danvan.core.text import clean, fold
from danvan.core.uploads import check_file
from danvan.practices.models import (
    Assessment,
    AssessmentScheme,
    AssessmentScore,
    Award,
    AwardLevel,
    Evidence,
    EvidenceKind,
    Milestone,
    OwnerKind,
    Practice,
    PracticeField,
    PracticeLevel,
    PracticeResult,
    PracticeStatus,
    RecognitionLevel,
    Step,
)
from danvan.practices.search import document
from danvan.structure.models import Organisation, Unit, UnitLevel

MAX_EVIDENCE_MB = 20
EVIDENCE_TYPES = {
    ".pdf": ("application/pdf", EvidenceKind.DOCUMENT),
    ".doc": ("application/msword", EvidenceKind.DOCUMENT),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        EvidenceKind.DOCUMENT,
    ),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", EvidenceKind.DOCUMENT),
    ".jpg": ("image/jpeg", EvidenceKind.PHOTO),
    ".jpeg": ("image/jpeg", EvidenceKind.PHOTO),
    ".png": ("image/png", EvidenceKind.PHOTO),
    ".webp": ("image/webp", EvidenceKind.PHOTO),
}
LEVEL_OF_UNIT = {UnitLevel.VILLAGE: PracticeLevel.VILLAGE, UnitLevel.COMMUNE: PracticeLevel.COMMUNE}


def _require(actor, perm: str, unit_path: str, org_path: str | None = None) -> None:
    if not has_scope_permission(actor, perm, unit_path, org_path or None):
        raise PermissionDenied(_("You do not have permission to do this in this unit."))


def _text(value: str | None) -> str:
    return unicodedata.normalize("NFC", value or "").strip()


def _actor(actor):
    return actor if actor is not None and getattr(actor, "pk", None) else None


def _event(practice: Practice, step: str, on: date, actor, note: str = "", related: Practice | None = None):
    return Milestone.objects.create(
        practice=practice, step=step, on=on, actor=_actor(actor), note=note, related=related
    )


@dataclass(frozen=True)
class ResultLine:
    indicator: str
    measure: str = ""
    before: Decimal | None = None
    after: Decimal | None = None


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        raise ValidationError({"results": _("“%(value)s” is not a number.") % {"value": value}}) from None


def _reindex(practice: Practice) -> None:
    """The folded text the catalogue searches (a generated column turns it into a tsvector)."""
    results = " ".join(r.indicator for r in practice.results.all())
    organisation = practice.organisation.name if practice.organisation_id else ""
    Practice.objects.filter(pk=practice.pk).update(
        search_text=document(
            practice.code,
            practice.name,
            practice.owner_name,
            organisation,
            practice.unit.name,
            practice.description,
            practice.problem,
            results,
        )
    )


def _next_code(unit: Unit, on: date) -> str:
    province = unit.path.split("/", 1)[0]
    prefix = f"DVK-{province}-{on.year}-"
    last = (
        Practice.objects.select_for_update()
        .filter(code__startswith=prefix)
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _check(
    *, unit, organisation, name, field, level, owner_kind, owner_name, started_on, description
) -> dict:
    errors = {}
    if not clean(name):
        errors["name"] = _("The name is required.")
    if field not in PracticeField.values:
        errors["field"] = _("Choose a field from the list.")
    if level not in PracticeLevel.values:
        errors["level"] = _("Choose a level from the list.")
    if owner_kind not in OwnerKind.values:
        errors["owner_kind"] = _("Choose collective or individual.")
    if not clean(owner_name):
        errors["owner_name"] = _("Name the collective or person who owns the model.")
    if not _text(description):
        errors["description"] = _("Describe the model.")
    if unit.level not in (UnitLevel.PROVINCE, UnitLevel.COMMUNE, UnitLevel.VILLAGE) or not unit.is_active:
        errors["unit"] = _("Choose a unit in force.")
    if organisation is not None and not unit.path.startswith(organisation.unit_path):
        errors["organisation"] = _("The organisation must be at the model's unit or above it.")
    if started_on and started_on > timezone.localdate():
        errors["started_on"] = _("The start date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    return errors


def _set_results(practice: Practice, results: list[ResultLine] | None) -> None:
    if results is None:
        return
    practice.results.all().delete()
    rows = []
    for i, line in enumerate(results):
        indicator = clean(line.indicator)
        if not indicator:
            continue
        rows.append(
            PracticeResult(
                practice=practice,
                indicator=indicator,
                measure=clean(line.measure),
                before=_decimal(line.before),
                after=_decimal(line.after),
                order=i,
            )
        )
    PracticeResult.objects.bulk_create(rows)


@transaction.atomic
def practice_register(
    *,
    actor,
    unit: Unit,
    name: str,
    field: str,
    owner_kind: str,
    owner_name: str,
    started_on: date,
    description: str,
    level: str = "",
    organisation: Organisation | None = None,
    problem: str = "",
    people_reached: int | None = None,
    results: list[ResultLine] | None = None,
    registered_on: date | None = None,
    origin: Practice | None = None,
) -> Practice:
    level = level or LEVEL_OF_UNIT.get(unit.level, PracticeLevel.PROVINCE)
    _require(actor, "practices.add_practice", unit.path, organisation.path if organisation else None)
    _check(
        unit=unit,
        organisation=organisation,
        name=name,
        field=field,
        level=level,
        owner_kind=owner_kind,
        owner_name=owner_name,
        started_on=started_on,
        description=description,
    )
    if people_reached is not None and people_reached < 0:
        raise ValidationError({"people_reached": _("Enter a number of zero or more.")})
    on = registered_on or timezone.localdate()
    practice = Practice.objects.create(
        code=_next_code(unit, on),
        name=clean(name),
        field=field,
        level=level,
        owner_kind=owner_kind,
        owner_name=clean(owner_name),
        organisation=organisation,
        unit=unit,
        unit_path=unit.path,
        org_path=organisation.path if organisation else "",
        started_on=started_on,
        description=_text(description),
        problem=_text(problem),
        people_reached=people_reached,
        origin=origin,
        registered_on=on,
        registered_by=_actor(actor),
    )
    _set_results(practice, results)
    _reindex(practice)
    if origin is None:
        _event(practice, Step.REGISTERED, on, actor)
    return practice


@transaction.atomic
def practice_update(
    *,
    actor,
    practice: Practice,
    name: str,
    field: str,
    level: str,
    owner_kind: str,
    owner_name: str,
    started_on: date,
    description: str,
    organisation: Organisation | None = None,
    problem: str = "",
    people_reached: int | None = None,
    results: list[ResultLine] | None = None,
) -> Practice:
    _require(actor, "practices.change_practice", practice.unit_path, practice.org_path)
    if practice.is_stopped:
        raise ValidationError(_("A stopped model can no longer be changed."))
    if organisation is not None and organisation.pk != practice.organisation_id:
        _require(actor, "practices.change_practice", practice.unit_path, organisation.path)
    _check(
        unit=practice.unit,
        organisation=organisation,
        name=name,
        field=field,
        level=level,
        owner_kind=owner_kind,
        owner_name=owner_name,
        started_on=started_on,
        description=description,
    )
    practice.name = clean(name)
    practice.field = field
    practice.level = level
    practice.owner_kind = owner_kind
    practice.owner_name = clean(owner_name)
    practice.organisation = organisation
    practice.org_path = organisation.path if organisation else ""
    practice.started_on = started_on
    practice.description = _text(description)
    practice.problem = _text(problem)
    practice.people_reached = people_reached
    practice.save()
    Evidence.objects.filter(practice=practice).update(org_path=practice.org_path)
    Assessment.objects.filter(practice=practice).update(org_path=practice.org_path)
    _set_results(practice, results)
    _reindex(practice)
    _event(practice, Step.UPDATED, timezone.localdate(), actor)
    return practice


# --- assessment and recognition -------------------------------------------------------------------


@transaction.atomic
def practice_assess(
    *,
    actor,
    practice: Practice,
    scheme: AssessmentScheme,
    council: str,
    assessed_on: date,
    scores: dict[int, Decimal],
    conclusion: str = "",
) -> Assessment:
    """A council's assessment: a score for every criterion of ``scheme`` (by criterion id), each between 0
    and its maximum; passed when the total reaches the scheme's share of the maximum."""
    _require(actor, "practices.add_assessment", practice.unit_path, practice.org_path)
    if practice.status not in (PracticeStatus.REGISTERED, PracticeStatus.ASSESSED):
        raise ValidationError(
            _("Only a registered model can be assessed (this one is %(status)s).")
            % {"status": practice.get_status_display().lower()}
        )
    errors = {}
    if not clean(council):
        errors["council"] = _("Name the council that assessed the model.")
    if assessed_on > timezone.localdate():
        errors["assessed_on"] = _("The date cannot be in the future.")
    elif assessed_on < practice.registered_on:
        errors["assessed_on"] = _("A model cannot be assessed before it was registered.")
    criteria = list(scheme.criteria.all())
    if not criteria:
        errors["scheme"] = _("This scheme has no criteria.")
    clean_scores: dict[int, Decimal] = {}
    for criterion in criteria:
        raw = scores.get(criterion.pk)
        if raw in (None, ""):
            errors[f"score_{criterion.pk}"] = _("Score every criterion.")
            continue
        value = Decimal(str(raw))
        if value < 0 or value > criterion.max_score:
            errors[f"score_{criterion.pk}"] = _("Between 0 and %(max)s.") % {"max": criterion.max_score}
            continue
        clean_scores[criterion.pk] = value
    unknown = set(scores) - {c.pk for c in criteria}
    if unknown:
        errors["scheme"] = _("Scores were given for criteria of another scheme.")
    if errors:
        raise ValidationError(errors)
    total = sum(clean_scores.values(), Decimal(0))
    max_total = Decimal(sum(c.max_score for c in criteria))
    passed = total >= max_total * scheme.pass_share
    assessment = Assessment.objects.create(
        practice=practice,
        unit_path=practice.unit_path,
        org_path=practice.org_path,
        scheme=scheme,
        council=clean(council),
        assessed_on=assessed_on,
        total=total,
        max_total=max_total,
        passed=passed,
        conclusion=_text(conclusion),
        recorded_by=_actor(actor),
    )
    AssessmentScore.objects.bulk_create(
        AssessmentScore(assessment=assessment, criterion_id=cid, score=value)
        for cid, value in clean_scores.items()
    )
    practice.status = PracticeStatus.ASSESSED
    practice.assessed_on = assessed_on
    practice.save(update_fields=["status", "assessed_on", "updated_at"])
    verdict = _("passed") if passed else _("not passed")
    _event(
        practice,
        Step.ASSESSED,
        assessed_on,
        actor,
        note=f"{assessment.council}: {total.normalize():f}/{max_total.normalize():f} ({verdict})",
    )
    return assessment


def latest_assessment(practice: Practice) -> Assessment | None:
    return practice.assessments.order_by("-assessed_on", "-id").first()


@transaction.atomic
def practice_recognise(
    *,
    actor,
    practice: Practice,
    decision_no: str,
    decided_on: date,
    level: str,
    issuer: str = "",
) -> Practice:
    """Recognition by a decision. Only after an assessment, and only when the latest assessment passed."""
    _require(actor, "practices.recognise_practice", practice.unit_path, practice.org_path)
    if practice.status != PracticeStatus.ASSESSED:
        if practice.status == PracticeStatus.REGISTERED:
            raise ValidationError(_("A model must be assessed by a council before it can be recognised."))
        raise ValidationError(
            _("This model cannot be recognised now (it is %(status)s).")
            % {"status": practice.get_status_display().lower()}
        )
    assessment = latest_assessment(practice)
    if assessment is None:
        raise ValidationError(_("A model must be assessed by a council before it can be recognised."))
    if not assessment.passed:
        raise ValidationError(_("The latest assessment did not pass: the model cannot be recognised."))
    errors = {}
    if not clean(decision_no):
        errors["decision_no"] = _("The decision number is required.")
    if level not in RecognitionLevel.values:
        errors["level"] = _("Choose a level from the list.")
    if decided_on > timezone.localdate():
        errors["decided_on"] = _("The date cannot be in the future.")
    elif decided_on < assessment.assessed_on:
        errors["decided_on"] = _("The decision cannot come before the assessment (%(date)s).") % {
            "date": assessment.assessed_on.strftime("%d/%m/%Y")
        }
    if errors:
        raise ValidationError(errors)
    practice.status = PracticeStatus.RECOGNISED
    practice.recognised_on = decided_on
    practice.recognition_no = clean(decision_no)
    practice.recognition_level = level
    practice.recognition_issuer = clean(issuer)
    practice.save(
        update_fields=[
            "status",
            "recognised_on",
            "recognition_no",
            "recognition_level",
            "recognition_issuer",
            "updated_at",
        ]
    )
    _reindex(practice)
    _event(
        practice,
        Step.RECOGNISED,
        decided_on,
        actor,
        note=f"{practice.recognition_no} {practice.recognition_issuer}".strip(),
    )
    return practice


@transaction.atomic
def practice_replicate(
    *,
    actor,
    origin: Practice,
    unit: Unit,
    owner_kind: str,
    owner_name: str,
    started_on: date,
    organisation: Organisation | None = None,
    name: str = "",
    description: str = "",
    level: str = "",
) -> Practice:
    """Replicate a recognised model at another place: a new model (registered, to be assessed there in its
    turn) linked to its origin; the origin is marked replicated."""
    _require(actor, "practices.view_practice", origin.unit_path, origin.org_path)
    if origin.status not in (PracticeStatus.RECOGNISED, PracticeStatus.REPLICATED):
        raise ValidationError(_("Only a recognised model can be replicated."))
    replica = practice_register(
        actor=actor,
        unit=unit,
        organisation=organisation,
        name=name or origin.name,
        field=origin.field,
        level=level,
        owner_kind=owner_kind,
        owner_name=owner_name,
        started_on=started_on,
        description=description or origin.description,
        problem=origin.problem,
        origin=origin,
    )
    today = timezone.localdate()
    _event(replica, Step.REPLICA_OF, replica.registered_on, actor, note=origin.name, related=origin)
    _event(
        origin,
        Step.REPLICATED,
        today,
        actor,
        note=f"{replica.unit.name}: {replica.owner_name}",
        related=replica,
    )
    fields = ["status", "updated_at"]
    origin.status = PracticeStatus.REPLICATED
    if origin.replicated_on is None:
        origin.replicated_on = today
        fields.append("replicated_on")
    origin.save(update_fields=fields)
    return replica


@transaction.atomic
def practice_stop(*, actor, practice: Practice, on: date, reason: str) -> Practice:
    _require(actor, "practices.change_practice", practice.unit_path, practice.org_path)
    if practice.is_stopped:
        raise ValidationError(_("This model is already stopped."))
    errors = {}
    if not _text(reason):
        errors["reason"] = _("Say why the model stopped.")
    if on > timezone.localdate():
        errors["on"] = _("The date cannot be in the future.")
    elif on < practice.started_on:
        errors["on"] = _("A model cannot stop before it started.")
    if errors:
        raise ValidationError(errors)
    practice.status = PracticeStatus.STOPPED
    practice.stopped_on = on
    practice.stop_reason = _text(reason)
    practice.save(update_fields=["status", "stopped_on", "stop_reason", "updated_at"])
    _event(practice, Step.STOPPED, on, actor, note=practice.stop_reason)
    return practice


# --- evidence -------------------------------------------------------------------------------------


@transaction.atomic
def evidence_add(*, actor, practice: Practice, title: str, file) -> Evidence:
    _require(actor, "practices.add_evidence", practice.unit_path, practice.org_path)
    try:
        ext = check_file(file, accepted=EVIDENCE_TYPES, max_mb=MAX_EVIDENCE_MB)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    size = file.size
    file_name = clean(getattr(file, "name", "").replace("\\", "/").rsplit("/", 1)[-1])[:255]
    content_type, kind = EVIDENCE_TYPES[ext]
    evidence = Evidence(
        practice=practice,
        unit_path=practice.unit_path,
        org_path=practice.org_path,
        kind=kind,
        title=clean(title) or file_name,
        file_name=file_name,
        content_type=content_type,
        size=size,
        uploaded_by=_actor(actor),
    )
    evidence.file.save(f"{practice.code}{ext}", file, save=False)
    evidence.save()
    _event(practice, Step.EVIDENCE, timezone.localdate(), actor, note=evidence.title)
    return evidence


@transaction.atomic
def evidence_delete(*, actor, evidence: Evidence) -> None:
    _require(actor, "practices.delete_evidence", evidence.unit_path, evidence.org_path)
    storage, name = evidence.file.storage, evidence.file.name
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(name) if name and storage.exists(name) else None)


# --- awards ---------------------------------------------------------------------------------------


@transaction.atomic
def award_create(
    *,
    actor,
    unit: Unit,
    recipient_kind: str,
    recipient_name: str,
    title: str,
    level: str,
    awarded_on: date,
    practice: Practice | None = None,
    organisation: Organisation | None = None,
    decision_no: str = "",
    issuer: str = "",
    note: str = "",
) -> Award:
    if practice is not None:
        unit = practice.unit
        organisation = organisation or practice.organisation
    org_path = organisation.path if organisation else ""
    _require(actor, "practices.add_award", unit.path, org_path)
    errors = {}
    if recipient_kind not in OwnerKind.values:
        errors["recipient_kind"] = _("Choose collective or individual.")
    if not clean(recipient_name):
        errors["recipient_name"] = _("Name who received the award.")
    if not clean(title):
        errors["title"] = _("Name the award.")
    if level not in AwardLevel.values:
        errors["level"] = _("Choose a level from the list.")
    if awarded_on > timezone.localdate():
        errors["awarded_on"] = _("The date cannot be in the future.")
    if practice is not None and practice.status == PracticeStatus.REGISTERED:
        errors["practice"] = _("A model is awarded once it has been assessed.")
    if errors:
        raise ValidationError(errors)
    award = Award.objects.create(
        practice=practice,
        recipient_kind=recipient_kind,
        recipient_name=clean(recipient_name),
        organisation=organisation,
        unit=unit,
        unit_path=unit.path,
        org_path=org_path,
        title=clean(title),
        level=level,
        decision_no=clean(decision_no),
        awarded_on=awarded_on,
        issuer=clean(issuer),
        note=_text(note),
        search_name=fold(f"{recipient_name} {title} {practice.name if practice else ''}")[:600],
        recorded_by=_actor(actor),
    )
    if practice is not None:
        _event(practice, Step.AWARDED, awarded_on, actor, note=f"{award.title} — {award.recipient_name}")
    return award


# --- criteria (data) ------------------------------------------------------------------------------


CRITERIA_FILE = Path(__file__).resolve().parent / "data" / "criteria.json"


def scheme_seed(*, scheme_model=AssessmentScheme) -> AssessmentScheme:
    """The default assessment scheme from ``data/criteria.json`` (idempotent): the data migration and the
    tests call it; administrators edit the criteria afterwards."""
    spec = json.loads(CRITERIA_FILE.read_text(encoding="utf-8"))
    existing = scheme_model.objects.filter(name=spec["name"]).first()
    if existing is not None:
        return existing
    scheme = scheme_model.objects.create(
        name=spec["name"], reference=spec["reference"], pass_share=Decimal(spec["pass_share"])
    )
    for order, item in enumerate(spec["criteria"], start=1):
        scheme.criteria.create(
            code=item["code"],
            name=item["name"],
            description=item["description"],
            max_score=item["max_score"],
            order=order,
        )
    return scheme
