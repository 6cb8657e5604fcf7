"""The citizen ID (CCCD, personal identification number): 12 digits whose first six carry facts that can be
checked against the person's record (Ministry of Public Security circulars 07/2016 and 59/2021):

- digits 1–3: the code of the (former, 63-province) province where the birth was registered, "084" Trà Vinh;
- digit 4: century and sex — 0/1 male/female born 1900–1999, 2/3 born 2000–2099, 4/5 2100–2199, …;
- digits 5–6: the last two digits of the birth year;
- digits 7–12: random.

Messages never repeat the number: they quote only the digits they talk about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from danvan.members import reference

MALE, FEMALE = "M", "F"
_SEPARATORS = re.compile(r"[\s.\-]")


class CitizenIdError(ValueError):
    """The value is not a well-formed citizen ID; the message is for the user (translated)."""


@dataclass(frozen=True)
class CitizenIdInfo:
    province_code: str  # two digits, the former province's statistics code ("84")
    century_start: int  # 1900, 2000, …
    sex: str  # MALE or FEMALE
    birth_year: int

    @property
    def province_name(self) -> str:
        return reference.legacy_provinces().get(self.province_code, self.province_code)


def normalise(value: Any) -> str:
    """What a user or a spreadsheet gives → the digits ("079 201 001 234" → "079201001234"). A number whose
    leading zero Excel dropped (11 digits) gets it back."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        raw = str(value)
        return raw.zfill(12) if len(raw) == 11 else raw
    if isinstance(value, float):
        if value.is_integer():
            raw = str(int(value))
            return raw.zfill(12) if len(raw) == 11 else raw
        return str(value)
    return _SEPARATORS.sub("", str(value))


def _sex_label(sex: str) -> str:
    return _("male") if sex == MALE else _("female")


def check_shape(value: str) -> None:
    """Twelve digits, or ``CitizenIdError`` saying what is wrong (what a look-up needs before anything)."""
    if not value.isdigit():
        raise CitizenIdError(_("The citizen ID must contain digits only."))
    if len(value) != 12:
        raise CitizenIdError(
            _("The citizen ID must have exactly 12 digits; this one has %(count)s.") % {"count": len(value)}
        )


def parse(value: str, *, this_year: int | None = None) -> CitizenIdInfo:
    """Check the structure of a normalised citizen ID and return what it says; raise ``CitizenIdError``."""
    check_shape(value)
    code3 = value[:3]
    legacy = code3[1:]
    if code3[0] != "0" or legacy not in reference.legacy_provinces():
        raise CitizenIdError(
            _(
                "Digits 1–3 of the citizen ID (“%(code)s”) are not the code of a province where births are "
                "registered (001 Hà Nội … 096 Cà Mau)."
            )
            % {"code": code3}
        )
    digit = int(value[3])
    century_start = 1900 + (digit // 2) * 100
    sex = FEMALE if digit % 2 else MALE
    birth_year = century_start + int(value[4:6])
    if this_year is None:
        from django.utils import timezone

        this_year = timezone.localdate().year
    if birth_year > this_year:
        raise CitizenIdError(
            _(
                "Digits 4–6 of the citizen ID (“%(digits)s”) give the birth year %(year)s, which is in the future."
            )
            % {"digits": value[3:6], "year": birth_year}
        )
    return CitizenIdInfo(province_code=legacy, century_start=century_start, sex=sex, birth_year=birth_year)


def disagreements(
    info: CitizenIdInfo, *, sex: str | None, birth_year: int | None, birth_province: str | None = None
) -> list[str]:
    """Where the citizen ID disagrees with the person's record, one precise message per disagreement."""
    problems: list[str] = []
    period = {"start": info.century_start, "end": info.century_start + 99}
    if sex and sex != info.sex:
        problems.append(
            _(
                "Digit 4 of the citizen ID is for a %(id_sex)s person born %(start)s–%(end)s, but the record "
                "says %(sex)s."
            )
            % {**period, "id_sex": _sex_label(info.sex), "sex": _sex_label(sex)}
        )
    if birth_year and birth_year != info.birth_year:
        problems.append(
            _("Digits 4–6 of the citizen ID give the birth year %(id_year)s, but the record says %(year)s.")
            % {"id_year": info.birth_year, "year": birth_year}
        )
    if birth_province and birth_province != info.province_code:
        problems.append(
            _(
                "Digits 1–3 of the citizen ID (“0%(code)s”) say the birth was registered in %(id_province)s, but "
                "the record says %(province)s."
            )
            % {
                "code": info.province_code,
                "id_province": info.province_name,
                "province": reference.legacy_provinces().get(birth_province, birth_province),
            }
        )
    return problems


def check(
    value: str, *, sex: str | None, birth_year: int | None, birth_province: str | None = None
) -> list[str]:
    """Every problem with a normalised citizen ID for this record ([] when it is consistent)."""
    try:
        info = parse(value)
    except CitizenIdError as exc:
        return [str(exc)]
    return disagreements(info, sex=sex, birth_year=birth_year, birth_province=birth_province)


def mask(value: str) -> str:
    """ "079201001234" → "•••••••••234" (what every page shows without the permission)."""
    from danvan.core.crypto import mask as core_mask

    return core_mask(value, visible=3)
