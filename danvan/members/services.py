"""Writes of the members registry: people, joining, transfers (one member or a whole branch), leaving,
re-joining, merging duplicate records, reading a citizen ID in full, the eligibility rules.

Every service is keyword-only and atomic, checks the actor's permission where the record lives, writes the
change with its movement, and keeps the daily counts (``counts.py``) in step in the same transaction.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from danvan.core import crypto
from danvan.core.models import AccessLog
from danvan.core.scoping import has_scope_permission, user_scopes
from danvan.core.services import access_log_record
from danvan.core.text import clean, fold
from danvan.members import citizen_id as cid
from danvan.members import counts, reference
from danvan.members.models import (
    STATUS_FOR_END,
    DuplicateCandidate,
    DuplicateReason,
    DuplicateStatus,
    Education,
    EligibilityRule,
    EndReason,
    ImportBatch,
    ImportStatus,
    Membership,
    Movement,
    MovementKind,
    Person,
    Sex,
    StartKind,
    Status,
)
from danvan.structure.models import Branch, OrgType, Unit, UnitLevel

RULES_FILE = Path(__file__).resolve().parent / "data" / "eligibility.json"
PHONE_DIGITS = re.compile(r"\D")

# --- permissions -----------------------------------------------------------------------------------------


def _deny() -> PermissionDenied:
    return PermissionDenied(_("You do not have permission to do this in this unit."))


def _require(actor, perm: str, unit_path: str, org_path: str | None = None) -> None:
    if not has_scope_permission(actor, perm, unit_path, org_path):
        raise _deny()


def may_person(actor, action: str, person: Person, *, branches: tuple[Branch, ...] = ()) -> bool:
    """May ``actor`` use ``members.<action>_person`` on ``person``: where the person lives, or where one of
    their current (active) memberships (or a branch they are joining) is, for organisation-bound officers. A
    membership that has ended gives no right over the record: the former branch reads the history only."""
    perm = f"members.{action}_person"
    if has_scope_permission(actor, perm, person.unit_path):
        return True
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    scopes = user_scopes(actor, perm)
    if not scopes:
        return False
    places = [(b.unit_path, b.path) for b in branches]
    if person.pk:
        places += list(_current_places(person))
    return any(s.covers(u, o) for s in scopes for u, o in places)


def _current_places(person: Person):
    """(unit path, organisation path) of the person's active memberships."""
    return person.memberships.filter(left_on__isnull=True).values_list("unit_path", "org_path")


def may_view_citizen_id(actor, person: Person) -> bool:
    """Where the person lives, or through a current (active) membership: never through a past one."""
    if not person.citizen_id_enc:
        return False
    if has_scope_permission(actor, "members.view_citizen_id", person.unit_path):
        return True
    scopes = (
        user_scopes(actor, "members.view_citizen_id") if getattr(actor, "is_authenticated", False) else []
    )
    if not scopes:
        return False
    return any(s.covers(u, o) for s in scopes for u, o in _current_places(person))


# --- eligibility -----------------------------------------------------------------------------------------


def age_on(*, birth_date: date | None, birth_year: int, on: date) -> int:
    """Full years on ``on``; with the year of birth only, the difference of the years (as forms count it)."""
    if birth_date is not None:
        return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    return on.year - birth_year


def eligibility_problems(
    rule: EligibilityRule | None,
    *,
    org_name: str,
    sex: str,
    birth_date: date | None,
    birth_year: int,
    veteran: bool,
    on: date,
) -> list[str]:
    """Why a person may not join an organisation of the rule's type on ``on`` ([] when eligible)."""
    if rule is None:
        return []
    problems: list[str] = []
    age = age_on(birth_date=birth_date, birth_year=birth_year, on=on)
    if (
        (rule.min_age is None or age >= rule.min_age)
        and (rule.max_age is None or age <= rule.max_age)
        and (not rule.sex or sex == rule.sex)
        and (not rule.requires_veteran or veteran)
    ):
        return problems  # the usual case, without formatting any message
    params = {"org": org_name, "age": age, "date": on.strftime("%d/%m/%Y")}
    if rule.min_age is not None and age < rule.min_age:
        problems.append(
            _("Aged %(age)s on %(date)s: %(org)s accepts members from %(min)s years of age.")
            % {**params, "min": rule.min_age}
        )
    if rule.max_age is not None and age > rule.max_age:
        problems.append(
            _("Aged %(age)s on %(date)s: %(org)s accepts members up to %(max)s years of age.")
            % {**params, "max": rule.max_age}
        )
    if rule.sex and sex != rule.sex:
        problems.append(
            (_("%(org)s accepts women only.") if rule.sex == Sex.FEMALE else _("%(org)s accepts men only."))
            % params
        )
    if rule.requires_veteran and not veteran:
        problems.append(
            _("%(org)s accepts veterans only, and this person is not recorded as a veteran.") % params
        )
    return problems


@lru_cache(maxsize=1)
def _default_rules() -> dict[str, dict]:
    spec = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    return {item["org_type"]: item for item in spec["rules"]}


def _rule_from_spec(org_type: OrgType, item: dict) -> EligibilityRule:
    return EligibilityRule(
        org_type=org_type,
        min_age=item.get("min_age"),
        max_age=item.get("max_age"),
        sex=item.get("sex", ""),
        requires_veteran=item.get("requires_veteran", False),
        note=item.get("note", ""),
    )


def rule_for(org_type: OrgType) -> EligibilityRule | None:
    """The rule of an organisation type: the one edited in the administration, else the default of
    ``data/eligibility.json`` (the charters), else none."""
    rule = EligibilityRule.objects.filter(org_type=org_type).first()
    if rule is not None:
        return rule
    item = _default_rules().get(org_type.code)
    return _rule_from_spec(org_type, item) if item else None


def rules_by_type() -> dict[int, EligibilityRule]:
    """Every organisation type's rule (for imports: one query)."""
    stored = {r.org_type_id: r for r in EligibilityRule.objects.all()}
    result = {}
    for org_type in OrgType.objects.all():
        if org_type.pk in stored:
            result[org_type.pk] = stored[org_type.pk]
        elif item := _default_rules().get(org_type.code):
            result[org_type.pk] = _rule_from_spec(org_type, item)
    return result


@transaction.atomic
def eligibility_seed() -> int:
    """Write the default rules as editable rows for the types that have none (never overwrites)."""
    have = set(EligibilityRule.objects.values_list("org_type_id", flat=True))
    created = 0
    for org_type in OrgType.objects.all():
        item = _default_rules().get(org_type.code)
        if item and org_type.pk not in have:
            _rule_from_spec(org_type, item).save()
            created += 1
    return created


# The shortest reason for an exception to the eligibility rules that can say something ("x" cannot).
OVERRIDE_MIN = 10


def override_problem(reason: str) -> str | None:
    """Why ``reason`` (cleaned, not empty) is too short to record an exception to the rules, or None."""
    if len(reason) >= OVERRIDE_MIN and sum(ch.isalpha() for ch in reason) >= 3:
        return None
    return _(
        "The reason for the exception is too short: say in a few words why the person is admitted (at "
        "least %(n)s characters)."
    ) % {"n": OVERRIDE_MIN}


def _check_eligibility(
    person: Person, branch: Branch, org_type: OrgType, on: date, override_reason: str
) -> str:
    # no exception covers a membership that starts before the person was born
    if _starts_before_birth(on, birth_date=person.birth_date, birth_year=person.birth_year):
        raise ValidationError(_("The date of joining must be after the date of birth."))
    rule = rule_for(org_type)
    problems = eligibility_problems(
        rule,
        org_name=org_type.name,
        sex=person.sex,
        birth_date=person.birth_date,
        birth_year=person.birth_year,
        veteran=person.veteran,
        on=on,
    )
    override_reason = clean(override_reason)
    if problems and not override_reason:
        raise ValidationError(
            {
                "override_reason": [
                    *problems,
                    _("An officer may still admit the person by giving the reason for the exception."),
                ]
            }
        )
    if problems and (problem := override_problem(override_reason)):
        raise ValidationError({"override_reason": [*problems, problem]})
    return override_reason if problems else ""


# --- people ----------------------------------------------------------------------------------------------


@dataclass
class PersonData:
    """What a form, the API or an import gives for a person (not yet validated)."""

    full_name: str
    sex: str
    unit: Unit | None
    birth_date: date | None = None
    birth_year: int | None = None
    ethnicity: str = reference.KINH
    religion: str = reference.NO_RELIGION
    citizen_id: str = ""  # digits; "" leaves an existing one unchanged on update, see ``clear_citizen_id``
    clear_citizen_id: bool = False
    birth_province: str = ""
    phone: str = ""
    address: str = ""
    occupation: str = ""
    education: str = ""
    veteran: bool = False
    notes: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)


# What a phone number may be typed with besides its digits: "0912 345 678", "+84 (912) 345-678", "0912.345.678".
PHONE_TYPED = re.compile(r"\+?[\d\s().\-]+")
# A full name: letters (any script; combining marks for text not yet in NFC) with spaces, apostrophes (' ’),
# hyphens and dots between them ("H'Hen Niê", "Nguyễn-Trần Thị A.") — no digit, no other symbol.
NAME_CHARS = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f '’.\-])+")
NAME_LETTER = re.compile(r"[^\W\d_]")


def name_problem(full_name: str) -> str | None:
    """Why ``full_name`` (cleaned, not empty) is not a person's name, or None."""
    if NAME_CHARS.fullmatch(full_name) and NAME_LETTER.search(full_name):
        return None
    return _("A full name may contain only letters, spaces, apostrophes, hyphens and dots.")


def normalise_phone(value: str) -> str:
    digits = PHONE_DIGITS.sub("", value or "")
    if digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits


def phone_problem(digits: str, typed: str | None = None) -> str | None:
    """Why a phone number is refused, or None: ``digits`` as ``normalise_phone`` leaves them, ``typed`` as the
    user typed it (letters or other symbols in it are refused, not dropped: "abc" is no phone number)."""
    typed = (typed or "").strip()
    if (typed and not PHONE_TYPED.fullmatch(typed)) or (digits and not re.fullmatch(r"0\d{8,10}", digits)):
        return _("Enter a valid phone number, for example 0912 345 678.")
    return None


def _validate_person(data: PersonData, *, today: date) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    data.full_name = clean(data.full_name)
    if not data.full_name:
        add("full_name", _("The full name is required."))
    elif problem := name_problem(data.full_name):
        add("full_name", problem)
    if data.sex not in Sex.values:
        add("sex", _("Choose the sex."))
    if data.birth_date is not None:
        if data.birth_date > today:
            add("birth_date", _("The date of birth cannot be in the future."))
        if data.birth_year and data.birth_year != data.birth_date.year:
            add("birth_year", _("The year of birth does not match the date of birth."))
        data.birth_year = data.birth_date.year
    if not data.birth_year:
        add("birth_date", _("Give the date of birth, or at least the year of birth."))
    elif not 1900 <= data.birth_year <= today.year:
        add("birth_year", _("The year of birth must be between 1900 and this year."))
    if data.ethnicity not in reference.ethnicities():
        add("ethnicity", _("Choose one of the 54 ethnic groups."))
    if data.religion not in reference.religions():
        add("religion", _("Choose a recognised religion, or none."))
    if data.birth_province and data.birth_province not in reference.legacy_provinces():
        add("birth_province", _("Choose one of the 63 former provinces."))
    if data.education and data.education not in Education.values:
        add("education", _("Choose an education level from the list."))
    typed_phone, data.phone = data.phone, normalise_phone(data.phone)
    if problem := phone_problem(data.phone, typed_phone):
        add("phone", problem)
    if (
        data.unit is None
        or data.unit.level not in (UnitLevel.COMMUNE, UnitLevel.VILLAGE)
        or not data.unit.is_active
    ):
        add("unit", _("Choose the village or commune (in force) where the person lives."))
    data.citizen_id = cid.normalise(data.citizen_id)
    if data.citizen_id and "sex" not in errors and data.birth_year:
        for message in cid.check(
            data.citizen_id,
            sex=data.sex,
            birth_year=data.birth_year,
            birth_province=data.birth_province or None,
        ):
            add("citizen_id", message)
    for name in ("address", "occupation", "notes"):
        value = getattr(data, name)
        setattr(data, name, clean(value) if name != "notes" else (value or "").strip())
    return errors


def _citizen_id_taken(actor, value_hash: str, exclude_pk: int | None) -> str | None:
    others = Person.objects.filter(citizen_id_hash=value_hash)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    other = others.first()
    if other is None:
        return None
    if Person.objects.visible_to(actor).filter(pk=other.pk).exists():
        return _(
            "This citizen ID is already registered for %(name)s (born %(birth)s): open that record instead."
        ) % {
            "name": other.full_name,
            "birth": other.birth_display,
        }
    return _("This citizen ID is already registered for a person outside your scope.")


def _set_citizen_id(person: Person, value: str) -> None:
    person.citizen_id_enc = crypto.encrypt(value, context=Person.CITIZEN_ID_CONTEXT) if value else ""
    person.citizen_id_hash = crypto.lookup_hash(value, context=Person.CITIZEN_ID_CONTEXT) if value else ""
    person.citizen_id_last3 = value[-3:] if value else ""


def citizen_id_hash(value: str) -> str:
    return crypto.lookup_hash(cid.normalise(value), context=Person.CITIZEN_ID_CONTEXT)


PERSON_FIELDS = [
    "full_name",
    "birth_date",
    "birth_year",
    "sex",
    "ethnicity",
    "religion",
    "birth_province",
    "phone",
    "address",
    "occupation",
    "education",
    "veteran",
    "notes",
]
MEMBERSHIP_MIRROR = ["search_name", "sex", "birth_date", "birth_year", "ethnicity"]


def _fill(person: Person, data: PersonData) -> None:
    for name in PERSON_FIELDS:
        setattr(person, name, getattr(data, name))
    person.search_name = fold(person.full_name)
    person.unit = data.unit
    person.unit_path = data.unit.path


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def person_create(*, actor, data: PersonData, for_branch: Branch | None = None) -> Person:
    """Register a person. ``for_branch``: the branch they are about to join, which lets an organisation
    officer register the people of its branches."""
    errors = _validate_person(data, today=timezone.localdate())
    _raise(errors)
    person = Person()
    _fill(person, data)
    if not may_person(actor, "add", person, branches=(for_branch,) if for_branch else ()):
        raise _deny()
    if data.citizen_id:
        value_hash = crypto.lookup_hash(data.citizen_id, context=Person.CITIZEN_ID_CONTEXT)
        if message := _citizen_id_taken(actor, value_hash, None):
            raise ValidationError({"citizen_id": message})
        _set_citizen_id(person, data.citizen_id)
    person.save()
    duplicates_flag(person=person)
    return person


ELIGIBILITY_FIELDS = ("birth_date", "birth_year", "sex", "veteran")


def _starts_before_birth(on: date, *, birth_date: date | None, birth_year: int | None) -> bool:
    """Is a membership starting on ``on`` before (or on) the birth? (No exception covers that.)"""
    if birth_date is not None:
        return on <= birth_date
    return bool(birth_year) and on.year < birth_year


def _memberships_against_correction(person: Person, before: dict, override_reason: str) -> list[Membership]:
    """A correction of the date of birth, the sex or the veteran status is checked against the person's
    memberships as joining checks them: no membership may start before the birth, and one that was within
    its organisation's rules when it started must still be, unless a reason for the exception is given (the
    memberships returned, to record it on). Arrivals by transfer were checked when the member first joined;
    a membership already admitted as an exception, or one the rules refused before the correction too (the
    rules changed since), is left as it is."""
    if all(before[name] == getattr(person, name) for name in ELIGIBILITY_FIELDS):
        return []
    birth_errors: list[str] = []
    rule_errors: list[str] = []
    to_override: list[Membership] = []
    rules: dict[int, EligibilityRule | None] = {}
    for m in person.memberships.select_related("org_type", "branch").order_by("joined_on", "id"):
        day = m.joined_on.strftime("%d/%m/%Y")
        if _starts_before_birth(m.joined_on, birth_date=person.birth_date, birth_year=person.birth_year):
            birth_errors.append(
                _("%(org)s, %(branch)s: the date of joining (%(day)s) must be after the date of birth.")
                % {"org": m.org_type.name, "branch": m.branch.name, "day": day}
            )
            continue
        if m.start_kind == StartKind.TRANSFER_IN or m.eligibility_override:
            continue
        if m.org_type_id not in rules:
            rules[m.org_type_id] = rule_for(m.org_type)
        common = {"org_name": m.org_type.name, "on": m.joined_on}
        problems = eligibility_problems(
            rules[m.org_type_id],
            sex=person.sex,
            birth_date=person.birth_date,
            birth_year=person.birth_year,
            veteran=person.veteran,
            **common,
        )
        if not problems or eligibility_problems(rules[m.org_type_id], **{**before, **common}):
            continue
        rule_errors += [
            _("In %(branch)s: %(problem)s") % {"branch": m.branch.name, "problem": p} for p in problems
        ]
        to_override.append(m)
    if birth_errors:
        raise ValidationError({"birth_date" if person.birth_date else "birth_year": birth_errors})
    if rule_errors and not clean(override_reason):
        raise ValidationError(
            {
                "override_reason": [
                    *rule_errors,
                    _("To keep the membership anyway, give the reason for the exception."),
                ]
            }
        )
    if rule_errors and (problem := override_problem(clean(override_reason))):
        raise ValidationError({"override_reason": [*rule_errors, problem]})
    return to_override


@transaction.atomic
def person_update(*, actor, person: Person, data: PersonData, override_reason: str = "") -> Person:
    """Correct a person's record. A new date of birth, sex or veteran status must agree with the person's
    memberships (``_memberships_against_correction``); ``override_reason`` records an exception to the
    eligibility rules on the memberships that the correction puts outside them."""
    if not may_person(actor, "change", person):
        raise _deny()
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = {name: getattr(person, name) for name in ELIGIBILITY_FIELDS}
    if not data.citizen_id and not data.clear_citizen_id and person.citizen_id_enc:
        # The form does not show the stored ID: check the record against it without revealing it.
        stored = crypto.decrypt(person.citizen_id_enc, context=Person.CITIZEN_ID_CONTEXT)
        errors = _validate_person(data, today=timezone.localdate())
        if not errors:
            problems = cid.check(
                stored, sex=data.sex, birth_year=data.birth_year, birth_province=data.birth_province or None
            )
            if problems:
                errors["citizen_id"] = problems
    else:
        errors = _validate_person(data, today=timezone.localdate())
    _raise(errors)
    old_unit_path = person.unit_path
    _fill(person, data)
    if person.unit_path != old_unit_path and not may_person(actor, "change", person):
        raise ValidationError({"unit": _("You may not move a person to a place outside your scope.")})
    if data.citizen_id:
        value_hash = crypto.lookup_hash(data.citizen_id, context=Person.CITIZEN_ID_CONTEXT)
        if value_hash != person.citizen_id_hash:
            if message := _citizen_id_taken(actor, value_hash, person.pk):
                raise ValidationError({"citizen_id": message})
            _set_citizen_id(person, data.citizen_id)
    elif data.clear_citizen_id:
        _set_citizen_id(person, "")
    exceptions = _memberships_against_correction(person, before, override_reason)
    person.save()
    _mirror(person)
    override_reason = clean(override_reason)
    for m in exceptions:  # recorded on the membership (its row history keeps who changed it, and when)
        m.eligibility_override = override_reason
        m.save(update_fields=["eligibility_override"])
    return person


def _mirror(person: Person) -> None:
    """Copy the person's attributes the lists and figures need onto their memberships."""
    person.memberships.exclude(
        search_name=person.search_name,
        sex=person.sex,
        birth_date=person.birth_date,
        birth_year=person.birth_year,
        ethnicity=person.ethnicity,
    ).update(**{name: getattr(person, name) for name in MEMBERSHIP_MIRROR})


# The shortest purpose of a read of a citizen ID that says something ("Cấp thẻ", "Xác minh hồ sơ").
PURPOSE_MIN = 3


def person_citizen_id(*, actor, person: Person, purpose: str, request=None) -> str:
    """The citizen ID in full, for a user who holds ``members.view_citizen_id`` where the person is, who
    says why (``purpose``, required: Decree 13 asks that each processing of personal data have one); the
    read and its purpose are written to the access log (without the value)."""
    if not may_view_citizen_id(actor, person):
        raise PermissionDenied(_("You do not have permission to see citizen IDs in full."))
    purpose = clean(purpose or "")
    if len(purpose) < PURPOSE_MIN:
        raise ValidationError(
            {
                "purpose": _("Say briefly why you need the full citizen ID (at least %(n)s characters).")
                % {"n": PURPOSE_MIN}
            }
        )
    with transaction.atomic():
        access_log_record(actor=actor, obj=person, field="citizen_id", purpose=purpose, request=request)
    return crypto.decrypt(person.citizen_id_enc, context=Person.CITIZEN_ID_CONTEXT)


# --- duplicates ------------------------------------------------------------------------------------------


def commune_path(unit_path: str) -> str:
    parts = unit_path.split("/")
    return "/".join(parts[:2]) + "/" if len(parts) > 2 else unit_path


def duplicate_reason(a: Person, b: Person) -> str | None:
    if a.search_name != b.search_name or a.birth_year != b.birth_year:
        return None
    same_commune = commune_path(a.unit_path) == commune_path(b.unit_path)
    if a.birth_date and b.birth_date:
        if a.birth_date != b.birth_date:
            return None
        return DuplicateReason.NAME_BIRTH_DATE_COMMUNE if same_commune else DuplicateReason.NAME_BIRTH_DATE
    return DuplicateReason.NAME_BIRTH_YEAR_COMMUNE if same_commune else None


def duplicates_flag(*, person: Person) -> list[DuplicateCandidate]:
    """Flag the existing people who may be ``person`` (same folded name and birth date, or same name, year
    of birth and commune) for review. Same citizen ID cannot happen: it is refused at entry."""
    found = []
    for other in Person.objects.filter(search_name=person.search_name, birth_year=person.birth_year).exclude(
        pk=person.pk
    ):
        reason = duplicate_reason(person, other)
        if reason is None:
            continue
        if person.citizen_id_hash and other.citizen_id_hash:
            continue  # two different citizen IDs: two people
        candidate, _created = DuplicateCandidate.objects.get_or_create(
            person=person, other=other, defaults={"reason": reason, "unit_path": person.unit_path}
        )
        found.append(candidate)
    return found


@transaction.atomic
def duplicates_scan(*, unit_path: str, actor=None) -> int:
    """Flag, set-based, every pair of people (one of them living under ``unit_path``) that
    ``duplicate_reason`` would flag; pairs already flagged or reviewed are left as they are."""
    if actor is not None:
        _require(actor, "members.change_person", unit_path)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO members_duplicatecandidate (person_id, other_id, reason, status, unit_path, created_at)
            SELECT p.id, o.id,
                CASE WHEN p.birth_date IS NOT NULL AND o.birth_date IS NOT NULL THEN
                        CASE WHEN split_part(p.unit_path, '/', 2) = split_part(o.unit_path, '/', 2)
                             THEN %(same_commune)s ELSE %(anywhere)s END
                     ELSE %(year_commune)s END,
                'open', p.unit_path, now()
            FROM members_person p
            JOIN members_person o ON o.search_name = p.search_name AND o.birth_year = p.birth_year AND o.id < p.id
            WHERE p.unit_path LIKE %(prefix)s
              AND NOT (p.citizen_id_hash <> '' AND o.citizen_id_hash <> '')
              AND (
                (p.birth_date IS NOT NULL AND o.birth_date IS NOT NULL AND p.birth_date = o.birth_date)
                OR ((p.birth_date IS NULL OR o.birth_date IS NULL)
                    AND split_part(p.unit_path, '/', 2) = split_part(o.unit_path, '/', 2))
              )
            ON CONFLICT DO NOTHING
            """,
            {
                "prefix": unit_path.replace("%", r"\%").replace("_", r"\_") + "%",
                "same_commune": DuplicateReason.NAME_BIRTH_DATE_COMMUNE.value,
                "anywhere": DuplicateReason.NAME_BIRTH_DATE.value,
                "year_commune": DuplicateReason.NAME_BIRTH_YEAR_COMMUNE.value,
            },
        )
        return cursor.rowcount


@transaction.atomic
def duplicate_dismiss(*, actor, candidate: DuplicateCandidate) -> DuplicateCandidate:
    for person in (candidate.person, candidate.other):
        if not may_person(actor, "change", person):
            raise _deny()
    candidate.status = DuplicateStatus.DISMISSED
    candidate.resolved_by = actor
    candidate.resolved_at = timezone.now()
    candidate.save(update_fields=["status", "resolved_by", "resolved_at"])
    return candidate


def _overlap(a: Membership, b: Membership) -> bool:
    a_end, b_end = a.left_on or date.max, b.left_on or date.max
    return a.joined_on < b_end and b.joined_on < a_end


def _within(early: Membership, late: Membership) -> bool:
    """Does ``late`` lie within ``early`` (same branch), so that it is the same stay recorded twice: it
    started on or after ``early`` by joining or re-joining, it ends no later (an active ``early`` outlives
    anything), and nothing continues it (no transfer out of it to another branch)?"""
    return (
        late.joined_on >= early.joined_on
        and late.start_kind in (StartKind.JOIN, StartKind.REJOIN)
        and (early.left_on is None or (late.left_on is not None and late.left_on <= early.left_on))
        and not Membership.objects.filter(previous=late).exists()
    )


@transaction.atomic
def person_merge(*, actor, keep: Person, other: Person) -> Person:
    """Merge ``other`` into ``keep``: every membership and movement moves to ``keep``, empty fields of
    ``keep`` are filled from ``other``, and ``other`` is deleted.

    A person registered twice is often a member twice: two overlapping memberships of one organisation type
    are folded into one — the one that started first is kept (the earlier joining date wins) with its
    movements, and the later one, which lies within it, is removed with its own movements as recorded by
    mistake (``_membership_remove``: the daily counts are corrected as if it had never been recorded, so
    every figure stays what the kept history says; its member number is kept when the other has none). That
    is done when both are in the same branch (the same stay recorded twice), or when the later one, in
    another branch, is a joining recorded lately with nothing since that the actor could remove herself
    (``may_delete_membership``; a member who really moved is then transferred, a movement of its own).
    Anything else is refused: which record is the mistake is the officer's or an administrator's to say
    (``membership_delete``), or which membership ended."""
    if keep.pk == other.pk:
        raise ValidationError(_("Choose two different records."))
    for person in (keep, other):
        if not may_person(actor, "change", person):
            raise _deny()
    keep, other = (Person.objects.select_for_update().get(pk=p.pk) for p in (keep, other))
    if keep.citizen_id_hash and other.citizen_id_hash and keep.citizen_id_hash != other.citizen_id_hash:
        raise ValidationError(_("The two records have different citizen IDs: they are two different people."))
    if keep.sex != other.sex:
        raise ValidationError(
            _("The two records have different sexes: correct one of them first if they are the same person.")
        )
    kept = list(keep.memberships.select_related("org_type", "branch"))
    folded: list[tuple[Membership, Membership]] = []  # (removed, the one it is folded into)
    for m in other.memberships.select_related("org_type", "branch").order_by("joined_on", "id"):
        clash = [k for k in kept if k.org_type_id == m.org_type_id and _overlap(k, m)]
        if not clash:
            kept.append(m)
            continue
        twin = clash[0]
        if len(clash) == 1:
            early, late = sorted((twin, m), key=lambda x: (x.joined_on, x.person_id != keep.pk, x.pk))
            if _within(early, late) and (
                late.branch_id == early.branch_id
                # in another branch: only a joining recorded lately by mistake that the actor may remove
                or (_correction_problem(late) is None and may_delete_membership(actor, late))
            ):
                folded.append((late, early))
                if late is twin:
                    kept.remove(twin)
                    kept.append(m)
                continue
        raise ValidationError(
            _(
                "Both records are members of %(org)s at the same time (in %(a)s and %(b)s): remove the "
                "membership recorded by mistake, or end one of them, before merging."
            )
            % {"org": m.org_type.name, "a": twin.branch.name, "b": m.branch.name}
        )
    for removed, into in folded:
        _membership_remove(Membership.objects.select_for_update().get(pk=removed.pk))
        if removed.member_number and not into.member_number:
            into.member_number = removed.member_number
            into.save(update_fields=["member_number"])
    if other.citizen_id_hash and not keep.citizen_id_hash:
        value = crypto.decrypt(other.citizen_id_enc, context=Person.CITIZEN_ID_CONTEXT)
        Person.objects.filter(pk=other.pk).update(citizen_id_enc="", citizen_id_hash="", citizen_id_last3="")
        _set_citizen_id(keep, value)
    for name in (
        "birth_date",
        "birth_province",
        "phone",
        "address",
        "occupation",
        "education",
        "deceased_on",
    ):
        if not getattr(keep, name) and getattr(other, name):
            setattr(keep, name, getattr(other, name))
    if keep.birth_date:
        keep.birth_year = keep.birth_date.year
    keep.veteran = keep.veteran or other.veteran
    if other.notes:
        keep.notes = "\n".join(filter(None, [keep.notes, other.notes]))
    keep.save()
    Membership.objects.filter(person=other).update(person=keep)
    Movement.objects.filter(person=other).update(person=keep)
    # the reads of the deleted record's citizen ID stay traceable: they now lead to the record kept
    AccessLog.objects.filter(model=Person._meta.label, object_pk=str(other.pk)).update(
        object_pk=str(keep.pk), unit_path=keep.unit_path
    )
    _mirror(keep)
    DuplicateCandidate.objects.filter(Q(person=other, other=keep) | Q(person=keep, other=other)).update(
        status=DuplicateStatus.MERGED, resolved_by=actor, resolved_at=timezone.now()
    )
    DuplicateCandidate.objects.filter(Q(person=other) | Q(other=other)).delete()
    other.delete()
    return keep


# --- memberships -----------------------------------------------------------------------------------------


def _today() -> date:
    return timezone.localdate()


def _check_day(on: date | None, *, field_name: str = "on") -> date:
    if on is None:
        raise ValidationError({field_name: _("The date is required.")})
    if on > _today():
        raise ValidationError({field_name: _("The date cannot be in the future.")})
    return on


def _branch_org_type(branch: Branch) -> OrgType:
    return branch.organisation.type


def _check_branch(branch: Branch, *, field_name: str = "branch") -> OrgType:
    if not branch.is_active:
        raise ValidationError({field_name: _("This branch is no longer active.")})
    org_type = _branch_org_type(branch)
    if not org_type.has_members:
        raise ValidationError({field_name: _("%(org)s has no individual members.") % {"org": org_type.name}})
    return org_type


def _check_free(person: Person, org_type: OrgType, on: date, *, exclude_pk: int | None = None) -> None:
    """A membership of ``org_type`` from ``on`` onwards must not overlap another of the person's."""
    others = Membership.objects.filter(person=person, org_type=org_type).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=on)
    )
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    other = others.select_related("branch").first()
    if other is None:
        return
    if other.left_on is None:
        raise ValidationError(
            _(
                "%(name)s is already an active member of %(org)s (%(branch)s): transfer the membership instead."
            )
            % {"name": person.full_name, "org": org_type.name, "branch": other.branch.name}
        )
    raise ValidationError(
        _(
            "%(name)s was a member of %(org)s until %(until)s (%(branch)s): the new membership must start on that day or later."
        )
        % {
            "name": person.full_name,
            "org": org_type.name,
            "until": other.left_on.strftime("%d/%m/%Y"),
            "branch": other.branch.name,
        }
    )


def _movement(
    membership: Membership,
    *,
    kind: str,
    on: date,
    actor,
    reason: str = "",
    other_branch: Branch | None = None,
    note: str = "",
    override: str = "",
) -> Movement:
    return Movement.objects.create(
        membership=membership,
        person_id=membership.person_id,
        branch_id=membership.branch_id,
        kind=kind,
        reason=reason,
        on=on,
        other_branch=other_branch,
        note=clean(note)[:500],
        eligibility_override=override,
        unit_path=membership.unit_path,
        org_path=membership.org_path,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )


def _new_membership(
    person: Person,
    branch: Branch,
    org_type: OrgType,
    *,
    on: date,
    start_kind: str,
    member_number: str = "",
    override: str = "",
    previous: Membership | None = None,
) -> Membership:
    # a transfer continues the previous stay's joining; a joining or a re-joining is one of its own
    admitted_on = previous.admitted_on if start_kind == StartKind.TRANSFER_IN and previous else on
    membership = Membership.objects.create(
        person=person,
        branch=branch,
        org_type=org_type,
        unit_path=branch.unit_path,
        org_path=branch.path,
        member_number=clean(member_number)[:30],
        joined_on=on,
        admitted_on=admitted_on,
        start_kind=start_kind,
        previous=previous,
        eligibility_override=override,
        **{name: getattr(person, name) for name in MEMBERSHIP_MIRROR},
    )
    counts.add_start(membership)
    return membership


def _lock_person(person: Person) -> Person:
    return Person.objects.select_for_update().get(pk=person.pk)


@transaction.atomic
def membership_join(
    *,
    actor,
    person: Person,
    branch: Branch,
    on: date,
    member_number: str = "",
    override_reason: str = "",
    note: str = "",
) -> Membership:
    """``person`` joins ``branch`` on ``on`` (checked against the organisation type's eligibility rules)."""
    _require(actor, "members.add_membership", branch.unit_path, branch.path)
    org_type = _check_branch(branch)
    on = _check_day(on)
    person = _lock_person(person)
    if person.deceased_on:
        raise ValidationError(_("This person is recorded as deceased."))
    _check_free(person, org_type, on)
    override = _check_eligibility(person, branch, org_type, on, override_reason)
    membership = _new_membership(
        person,
        branch,
        org_type,
        on=on,
        start_kind=StartKind.JOIN,
        member_number=member_number,
        override=override,
    )
    _movement(membership, kind=MovementKind.JOIN, on=on, actor=actor, note=note, override=override)
    return membership


@transaction.atomic
def member_register(
    *,
    actor,
    data: PersonData,
    branch: Branch,
    on: date,
    member_number: str = "",
    override_reason: str = "",
    note: str = "",
) -> Membership:
    """A new member: register the person and their joining ``branch`` (both or neither)."""
    person = person_create(actor=actor, data=data, for_branch=branch)
    return membership_join(
        actor=actor,
        person=person,
        branch=branch,
        on=on,
        member_number=member_number,
        override_reason=override_reason,
        note=note,
    )


def _lock_active(membership: Membership) -> Membership:
    membership = (
        Membership.objects.select_for_update().select_related("branch", "person").get(pk=membership.pk)
    )
    if membership.left_on is not None:
        raise ValidationError(_("This membership has already ended."))
    return membership


def _end(membership: Membership, *, on: date, reason: str) -> None:
    if on <= membership.joined_on:
        raise ValidationError(
            {
                "on": _("The date must be after the start of the membership (%(day)s).")
                % {"day": membership.joined_on.strftime("%d/%m/%Y")}
            }
        )
    membership.left_on = on
    membership.end_reason = reason
    membership.status = STATUS_FOR_END[reason]
    membership.save(update_fields=["left_on", "end_reason", "status"])
    counts.add_end(membership)


@transaction.atomic
def membership_transfer(
    *,
    actor,
    membership: Membership,
    to_branch: Branch,
    on: date,
    note: str = "",
    member_number: str | None = None,
    move_residence: bool = False,
) -> Membership:
    """Move an active membership to another branch of the same organisation type (in the same commune,
    another commune or another province) from ``on``: the old membership ends as transferred, a new one
    starts in ``to_branch`` and keeps the member number."""
    _require(actor, "members.change_membership", membership.unit_path, membership.org_path)
    membership = _lock_active(membership)
    org_type = _check_branch(to_branch, field_name="to_branch")
    if org_type.pk != membership.org_type_id:
        raise ValidationError(
            {"to_branch": _("The new branch must belong to an organisation of the same type.")}
        )
    if to_branch.pk == membership.branch_id:
        raise ValidationError({"to_branch": _("Choose another branch than the current one.")})
    on = _check_day(on)
    person = membership.person
    # the right to move the person's home is the actor's through the membership being transferred: asked
    # before it ends (an ended membership gives no right over the record)
    may_move = move_residence and may_person(actor, "change", person)
    _end(membership, on=on, reason=EndReason.TRANSFERRED)
    new = _new_membership(
        person,
        to_branch,
        org_type,
        on=on,
        start_kind=StartKind.TRANSFER_IN,
        member_number=membership.member_number if member_number is None else member_number,
        previous=membership,
    )
    _movement(
        membership,
        kind=MovementKind.TRANSFER_OUT,
        on=on,
        actor=actor,
        reason=EndReason.TRANSFERRED,
        other_branch=to_branch,
        note=note,
    )
    _movement(
        new, kind=MovementKind.TRANSFER_IN, on=on, actor=actor, other_branch=membership.branch, note=note
    )
    if move_residence and person.unit_path != to_branch.unit_path:
        if not may_move:
            raise _deny()
        person.unit = to_branch.unit
        person.unit_path = to_branch.unit_path
        person.save(update_fields=["unit", "unit_path", "updated_at"])
    return new


@transaction.atomic
def branch_transfer(*, actor, from_branch: Branch, to_branch: Branch, on: date, note: str = "") -> int:
    """A whole branch moves: every membership active in ``from_branch`` on ``on`` is transferred to
    ``to_branch`` (set-based; the daily counts of both branches are rebuilt). Returns how many moved."""
    _require(actor, "members.change_membership", from_branch.unit_path, from_branch.path)
    org_type = _check_branch(to_branch, field_name="to_branch")
    if org_type.pk != _branch_org_type(from_branch).pk:
        raise ValidationError(
            {"to_branch": _("The new branch must belong to an organisation of the same type.")}
        )
    if to_branch.pk == from_branch.pk:
        raise ValidationError({"to_branch": _("Choose another branch than the current one.")})
    on = _check_day(on)
    active = Membership.objects.select_for_update().filter(branch=from_branch, left_on__isnull=True)
    late = active.filter(joined_on__gte=on).select_related("person").first()
    if late is not None:
        raise ValidationError(
            {
                "on": _("%(name)s joined this branch on %(day)s: the transfer date must be later.")
                % {"name": late.person.full_name, "day": late.joined_on.strftime("%d/%m/%Y")}
            }
        )
    moving = list(active)
    if not moving:
        return 0
    counts.lock_all()
    Membership.objects.filter(pk__in=[m.pk for m in moving]).update(
        left_on=on, end_reason=EndReason.TRANSFERRED, status=Status.TRANSFERRED
    )
    created = Membership.objects.bulk_create(
        [
            Membership(
                person_id=m.person_id,
                branch=to_branch,
                org_type=org_type,
                unit_path=to_branch.unit_path,
                org_path=to_branch.path,
                member_number=m.member_number,
                joined_on=on,
                admitted_on=m.admitted_on,
                start_kind=StartKind.TRANSFER_IN,
                previous=m,
                **{name: getattr(m, name) for name in MEMBERSHIP_MIRROR},
            )
            for m in moving
        ],
        batch_size=2000,
    )
    recorded_by = actor if getattr(actor, "pk", None) else None
    note = clean(note)[:500]
    movements = []
    for old, new in zip(moving, created, strict=True):
        movements.append(
            Movement(
                membership=old,
                person_id=old.person_id,
                branch_id=from_branch.pk,
                kind=MovementKind.TRANSFER_OUT,
                reason=EndReason.TRANSFERRED,
                on=on,
                other_branch=to_branch,
                note=note,
                unit_path=from_branch.unit_path,
                org_path=from_branch.path,
                recorded_by=recorded_by,
            )
        )
        movements.append(
            Movement(
                membership=new,
                person_id=new.person_id,
                branch_id=to_branch.pk,
                kind=MovementKind.TRANSFER_IN,
                on=on,
                other_branch=from_branch,
                note=note,
                unit_path=to_branch.unit_path,
                org_path=to_branch.path,
                recorded_by=recorded_by,
            )
        )
    Movement.objects.bulk_create(movements, batch_size=2000)
    counts.rebuild(branch_ids=[from_branch.pk, to_branch.pk])
    return len(moving)


def over_age_problem(membership: Membership, on: date) -> str | None:
    """Why ``membership`` cannot end "over age" on ``on`` (None when it can): its organisation has an upper
    age limit and the person is past it."""
    org_type = membership.org_type
    rule = rule_for(org_type)
    if rule is None or rule.max_age is None:
        return _("%(org)s has no upper age limit: choose another reason.") % {"org": org_type.name}
    person = membership.person
    age = age_on(birth_date=person.birth_date, birth_year=person.birth_year, on=on)
    if age <= rule.max_age:
        return _(
            "Aged %(age)s on %(date)s: %(org)s accepts members up to %(max)s years of age, so this is not "
            "leaving over age."
        ) % {"age": age, "date": on.strftime("%d/%m/%Y"), "org": org_type.name, "max": rule.max_age}
    return None


@transaction.atomic
def membership_leave(*, actor, membership: Membership, on: date, reason: str, note: str = "") -> Membership:
    """End an active membership for a reason (over age, moved away, resigned, deceased, expelled or struck
    off). A death is a fact about the person, not about one organisation: it is recorded on the person (which
    needs the right to change her record) and ends every active membership she has, in every organisation,
    whoever's scope it is in, each with its movement, so that no figure keeps counting her."""
    if reason not in EndReason.values or reason == EndReason.TRANSFERRED:
        raise ValidationError({"reason": _("Choose the reason for leaving.")})
    _require(actor, "members.change_membership", membership.unit_path, membership.org_path)
    membership = _lock_active(membership)
    on = _check_day(on)
    if reason == EndReason.OVER_AGE and (problem := over_age_problem(membership, on)):
        # the figures' "left: over age" counts only people past their organisation's age limit
        raise ValidationError({"reason": problem})
    if reason == EndReason.DECEASED:
        if not may_person(actor, "change", membership.person):
            raise _deny()
        person = _lock_person(membership.person)
        others = list(
            Membership.objects.select_for_update()
            .filter(person=person, left_on__isnull=True)
            .exclude(pk=membership.pk)
            .order_by("pk")
        )
        later = (
            Membership.objects.filter(person=person)
            .filter(Q(joined_on__gte=on) | Q(left_on__gt=on))
            .exclude(pk=membership.pk)
            .select_related("org_type", "branch")
            .order_by("joined_on", "pk")
            .first()
        )
        if later is not None:
            # ending it on the day of death would contradict its own history (it starts, or ends, later)
            raise ValidationError(
                {
                    "on": _(
                        "%(name)s has a membership of %(org)s (%(branch)s) recorded from %(start)s to %(end)s, "
                        "after this date: correct it first, or check the date of death."
                    )
                    % {
                        "name": person.full_name,
                        "org": later.org_type.name,
                        "branch": later.branch.name,
                        "start": later.joined_on.strftime("%d/%m/%Y"),
                        "end": later.left_on.strftime("%d/%m/%Y") if later.left_on else "…",
                    }
                }
            )
    _end(membership, on=on, reason=reason)
    _movement(membership, kind=MovementKind.LEAVE, on=on, actor=actor, reason=reason, note=note)
    if reason == EndReason.DECEASED:
        person.deceased_on = on
        person.save(update_fields=["deceased_on", "updated_at"])
        for other in others:
            _end(other, on=on, reason=reason)
            _movement(other, kind=MovementKind.LEAVE, on=on, actor=actor, reason=reason, note=note)
        membership.also_ended = len(others)
    return membership


@transaction.atomic
def membership_rejoin(
    *,
    actor,
    membership: Membership,
    on: date,
    branch: Branch | None = None,
    member_number: str | None = None,
    override_reason: str = "",
    note: str = "",
) -> Membership:
    """A former member joins again (the same branch by default), continuing ``membership``."""
    membership = Membership.objects.select_for_update().select_related("branch").get(pk=membership.pk)
    branch = branch or membership.branch
    _require(actor, "members.add_membership", branch.unit_path, branch.path)
    if not has_scope_permission(actor, "members.view_membership", membership.unit_path, membership.org_path):
        raise _deny()
    if membership.left_on is None:
        raise ValidationError(_("This membership is still active."))
    if membership.status in (Status.TRANSFERRED, Status.DECEASED):
        raise ValidationError(_("Only a member who left can re-join."))
    org_type = _check_branch(branch)
    if org_type.pk != membership.org_type_id:
        raise ValidationError({"branch": _("The branch must belong to an organisation of the same type.")})
    on = _check_day(on)
    person = _lock_person(membership.person)
    if person.deceased_on:
        raise ValidationError(_("This person is recorded as deceased."))
    _check_free(person, org_type, on)
    override = _check_eligibility(person, branch, org_type, on, override_reason)
    new = _new_membership(
        person,
        branch,
        org_type,
        on=on,
        start_kind=StartKind.REJOIN,
        member_number=membership.member_number if member_number is None else member_number,
        override=override,
        previous=membership,
    )
    _movement(new, kind=MovementKind.REJOIN, on=on, actor=actor, note=note, override=override)
    return new


@transaction.atomic
def membership_update(*, actor, membership: Membership, member_number: str) -> Membership:
    _require(actor, "members.change_membership", membership.unit_path, membership.org_path)
    membership.member_number = clean(member_number)[:30]
    membership.save(update_fields=["member_number"])
    return membership


def _membership_remove(membership: Membership) -> None:
    if membership.left_on is not None:
        counts.add_end(membership, undo=True)
    counts.add_start(membership, undo=True)
    Membership.objects.filter(previous=membership).update(previous=None)
    membership.delete()


# How long after recording a joining the branch's officers may still take it back as a mistake.
CORRECTION_DAYS = 30


def _correction_problem(membership: Membership) -> str | None:
    """Why a membership is not a recent joining recorded by mistake (None when it is): it must have started by
    joining or re-joining, have no movement but that start (so it is still active), and that movement must
    have been recorded in the last ``CORRECTION_DAYS`` days."""
    movements = list(Movement.objects.filter(membership=membership).values_list("kind", "recorded_at")[:2])
    if (
        membership.left_on is None
        and membership.start_kind in (StartKind.JOIN, StartKind.REJOIN)
        and len(movements) == 1
        and movements[0][0] in (MovementKind.JOIN, MovementKind.REJOIN)
        and movements[0][1] >= timezone.now() - timedelta(days=CORRECTION_DAYS)
    ):
        return None
    return _(
        "Only a joining recorded in the last %(days)s days, with no movement since, can be removed by the "
        "branch's officers; ask a system administrator to remove this membership."
    ) % {"days": CORRECTION_DAYS}


def may_delete_membership(actor, membership: Membership) -> bool:
    """May ``actor`` remove ``membership`` as recorded by mistake (``membership_delete``)?"""
    if has_scope_permission(actor, "members.delete_membership", membership.unit_path, membership.org_path):
        return True
    return (
        has_scope_permission(actor, "members.add_membership", membership.unit_path, membership.org_path)
        and _correction_problem(membership) is None
    )


@transaction.atomic
def membership_delete(*, actor, membership: Membership) -> None:
    """Remove a membership recorded by mistake, with its movements (a correction, not a movement: the
    figures change as if it had never been recorded; the row history keeps the removed row, who removed it
    and when).

    Who may: whoever holds ``members.delete_membership`` where it is (any membership); and the officers who
    record joinings in its branch (``members.add_membership`` there), for a joining they (or an import)
    recorded in the last ``CORRECTION_DAYS`` days with no movement since — the person registered twice, or in
    the wrong branch. Older or moved memberships are history others have relied on (figures reported,
    transfers): those stay with an administrator."""
    if not has_scope_permission(
        actor, "members.delete_membership", membership.unit_path, membership.org_path
    ):
        _require(actor, "members.add_membership", membership.unit_path, membership.org_path)
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if problem := _correction_problem(membership):
            raise PermissionDenied(problem)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if Membership.objects.filter(previous=membership, start_kind=StartKind.TRANSFER_IN).exists():
        raise ValidationError(_("This membership continues in another branch: remove the later one first."))
    previous = membership.previous
    _membership_remove(membership)
    if (
        previous is not None
        and membership.start_kind == StartKind.TRANSFER_IN
        and previous.end_reason == EndReason.TRANSFERRED
        and previous.left_on == membership.joined_on
    ):
        # Removing the arrival of a transfer undoes the transfer: the member is back in the old branch.
        previous = Membership.objects.select_for_update().get(pk=previous.pk)
        counts.add_end(previous, undo=True)
        Movement.objects.filter(
            membership=previous, kind=MovementKind.TRANSFER_OUT, on=previous.left_on
        ).delete()
        previous.left_on, previous.end_reason, previous.status = None, "", Status.ACTIVE
        previous.save(update_fields=["left_on", "end_reason", "status"])


# --- exports ---------------------------------------------------------------------------------------------


def _export_unit_path(actor, query) -> str:
    """Where an export of the member list is logged (the access log is read by the auditors of a unit and
    below): the unit the list was filtered by, else the actor's widest scope of the members."""
    unit_id = str(query.get("unit") or "")
    if unit_id.isdigit():
        unit = Unit.objects.filter(pk=unit_id).only("path").first()
        if unit is not None:
            return unit.path
    paths = sorted((s.unit_path for s in user_scopes(actor, "members.view_membership")), key=len)
    return paths[0] if paths else ""


def member_export_record(*, actor, fmt: str, rows: str, query, request=None, job=None) -> None:
    """Write an export of the member list (people's personal data) to the access log, as a read of sensitive
    data: who, when, from where, which format, how many rows and which filters (never the data)."""
    from types import SimpleNamespace

    filters = query.copy()
    for name in ("export", "page"):
        filters.pop(name, None)
    purpose = _("Export %(fmt)s of %(rows)s rows") % {"fmt": fmt, "rows": rows}
    if job is not None:
        purpose += " " + _("(background job %(job)s)") % {"job": job.pk}
    if filters:
        purpose += ": " + filters.urlencode()
    target = SimpleNamespace(_meta=Membership._meta, pk="", unit_path=_export_unit_path(actor, query))
    with transaction.atomic():
        access_log_record(actor=actor, obj=target, field="export", purpose=purpose[:255], request=request)


@transaction.atomic
def member_export_start(*, actor, query, fmt: str, request=None, language: str = ""):
    """Export a large selection of the member list in the background (``jobs.member_export``): the job
    streams the rows to a file, with its progress, and the user downloads it from the job's page."""
    from danvan.core.services import job_start
    from danvan.members.jobs import EXPORT

    if not getattr(actor, "is_authenticated", False) or not actor.has_perm("members.view_membership"):
        raise _deny()
    filters = query.copy()
    filters.pop("export", None)
    filters.pop("page", None)
    job = job_start(
        actor=actor,
        kind=EXPORT,
        title=_("Export of the member list (%(fmt)s)") % {"fmt": fmt.upper()},
        params={"query": filters.urlencode(), "format": fmt, "language": language},
    )
    member_export_record(
        actor=actor, fmt=fmt, rows=_("more than 5,000"), query=query, request=request, job=job
    )
    return job


# --- imports ---------------------------------------------------------------------------------------------


def _may_import(actor) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm("members.add_membership"):
        raise _deny()


@transaction.atomic
def import_start(*, actor, upload, language: str = "") -> ImportBatch:
    """Receive a members file: the check runs in the background (``jobs.import_check``)."""
    from danvan.core.services import job_start
    from danvan.members.jobs import CHECK

    _may_import(actor)
    batch = ImportBatch.objects.create(
        filename=clean(getattr(upload, "name", "import"))[:255], created_by=actor
    )
    job = job_start(
        actor=actor,
        kind=CHECK,
        title=_("Check the members file %(file)s") % {"file": batch.filename},
        params={"batch": batch.pk, "language": language},
        input_file=upload,
    )
    ImportBatch.objects.filter(pk=batch.pk).update(check_job=job)
    batch.refresh_from_db()
    return batch


@transaction.atomic
def import_commit_start(*, actor, batch: ImportBatch) -> ImportBatch:
    """Import every valid row of a checked file (in the background, all or nothing)."""
    from danvan.core.services import job_start
    from danvan.members.jobs import COMMIT

    _may_import(actor)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.created_by_id != actor.pk and not actor.is_superuser:
        raise _deny()
    if batch.status != ImportStatus.CHECKED:
        raise ValidationError(_("This import is not waiting for a decision."))
    if not batch.valid_rows:
        raise ValidationError(_("No row of this file can be imported."))
    batch.status = ImportStatus.COMMITTING
    batch.save(update_fields=["status"])
    job = job_start(
        actor=actor,
        kind=COMMIT,
        title=_("Import the members file %(file)s") % {"file": batch.filename},
        params={"batch": batch.pk, "language": translation.get_language() or ""},
    )
    ImportBatch.objects.filter(pk=batch.pk).update(commit_job=job)
    batch.refresh_from_db()
    return batch


@transaction.atomic
def import_discard(*, actor, batch: ImportBatch) -> ImportBatch:
    from danvan.members import imports

    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.created_by_id != actor.pk and not actor.is_superuser:
        raise _deny()
    if batch.status not in (ImportStatus.CHECKED, ImportStatus.FAILED):
        raise ValidationError(_("This import can no longer be discarded."))
    imports.discard_rows(batch)
    if batch.check_job_id and batch.check_job.input_file:
        batch.check_job.input_file.delete(save=True)
    batch.status = ImportStatus.DISCARDED
    batch.save(update_fields=["status"])
    return batch
