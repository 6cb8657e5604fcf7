"""Citizen ID (CCCD) checks: 12 digits; the province, century/sex and birth-year digits against the record,
each disagreement said precisely (and never repeating the whole number)."""

from __future__ import annotations

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from danvan.members import citizen_id as cid
from danvan.members import reference


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_structure_is_read():
    info = cid.parse("084090001234", this_year=2026)
    assert (info.province_code, info.century_start, info.sex, info.birth_year) == ("84", 1900, "M", 1990)
    assert info.province_name == "Tỉnh Trà Vinh"
    info = cid.parse("001305012345", this_year=2026)
    assert (info.sex, info.birth_year) == ("F", 2005)


@pytest.mark.parametrize(
    "value, message",
    [
        ("08419000123", "exactly 12 digits; this one has 11"),
        ("0841900012345", "exactly 12 digits; this one has 13"),
        ("08419000123A", "digits only"),
        ("003190001234", "Digits 1–3 of the citizen ID (“003”) are not the code of a province"),
        ("184190001234", "(“184”) are not the code"),
        ("084299001234", "give the birth year 2099, which is in the future"),
    ],
)
def test_malformed_ids_are_refused_precisely(value, message):
    with pytest.raises(cid.CitizenIdError) as exc:
        cid.parse(value, this_year=2026)
    assert message in str(exc.value)


def test_disagreements_with_the_record_are_said_precisely():
    value = "084090001234"  # male, born 1990, registered in Trà Vinh
    assert cid.check(value, sex="M", birth_year=1990, birth_province="84") == []
    problems = cid.check(value, sex="F", birth_year=1990)
    assert problems == [
        "Digit 4 of the citizen ID is for a male person born 1900–1999, but the record says female."
    ]
    problems = cid.check(value, sex="M", birth_year=1991)
    assert problems == ["Digits 4–6 of the citizen ID give the birth year 1990, but the record says 1991."]
    problems = cid.check(value, sex="M", birth_year=1990, birth_province="86")
    assert problems == [
        "Digits 1–3 of the citizen ID (“084”) say the birth was registered in Tỉnh Trà Vinh, but the record says "
        "Tỉnh Vĩnh Long."
    ]
    # a woman born in 2001 whose ID says a man born in 1901: two precise messages
    assert len(cid.check("084001001234", sex="F", birth_year=2001)) == 2
    # the number is never repeated in a message
    assert all("001234" not in m for m in cid.check("084001001234", sex="F", birth_year=2001))


def test_excel_and_typing_variants_are_normalised():
    assert cid.normalise("084 190 001 234") == "084190001234"
    assert cid.normalise("084.190.001.234") == "084190001234"
    assert cid.normalise(84190001234) == "084190001234"  # Excel dropped the leading zero
    assert cid.normalise(84190001234.0) == "084190001234"
    assert cid.normalise(None) == ""
    assert cid.mask("084190001234") == "•••••••••234"


@given(
    province=st.sampled_from(sorted(reference.legacy_provinces())),
    year=st.integers(min_value=1900, max_value=2026),
    sex=st.sampled_from(["M", "F"]),
    serial=st.integers(min_value=0, max_value=999_999),
)
def test_any_well_formed_id_reads_back_what_it_encodes(province, year, sex, serial):
    digit = (year // 100 - 19) * 2 + (1 if sex == "F" else 0)
    value = f"0{province}{digit}{year % 100:02d}{serial:06d}"
    info = cid.parse(value, this_year=2026)
    assert (info.province_code, info.birth_year, info.sex) == (province, year, sex)
    assert cid.check(value, sex=sex, birth_year=year, birth_province=province) == []
    other = "F" if sex == "M" else "M"
    assert len(cid.check(value, sex=other, birth_year=year)) == 1
