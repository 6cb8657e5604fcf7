"""Reference lists the members registry uses, read from ``data/reference`` (never hard-coded): the 54 ethnic
groups, the recognised religions, the 63 former provinces whose codes open a citizen ID. Cached per process."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from danvan.core.text import fold

REFERENCE_DIR = Path(settings.BASE_DIR) / "data" / "reference"

KINH = "01"
NO_RELIGION = "00"


def _read(name: str) -> list[dict[str, str]]:
    with open(REFERENCE_DIR / name, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def ethnicities() -> dict[str, str]:
    """code ("01") → name ("Kinh"), in the statistics office's order."""
    return {row["code"]: row["name"] for row in _read("ethnicities.csv")}


@lru_cache(maxsize=1)
def religions() -> dict[str, str]:
    """code ("00" none, "01" Buddhism, …) → name."""
    return {row["code"]: row["name"] for row in _read("religions.csv")}


@lru_cache(maxsize=1)
def legacy_provinces() -> dict[str, str]:
    """The 63 former provinces: two-digit code ("84") → name ("Tỉnh Trà Vinh")."""
    return {row["legacy_code"]: row["name"] for row in _read("legacy_provinces.csv")}


@lru_cache(maxsize=1)
def legacy_provinces_by_successor() -> dict[str, list[str]]:
    """Today's province code → the former provinces merged into it ("86" → ["83", "84", "86"])."""
    result: dict[str, list[str]] = {}
    for row in _read("legacy_provinces.csv"):
        result.setdefault(row["successor_code"], []).append(row["legacy_code"])
    return result


def ethnicity_choices() -> list[tuple[str, str]]:
    return list(ethnicities().items())


def religion_choices() -> list[tuple[str, str]]:
    return list(religions().items())


def legacy_province_choices() -> list[tuple[str, str]]:
    return [(code, name) for code, name in sorted(legacy_provinces().items())]


def _lookup(table: dict[str, str], extra: dict[str, str] | None = None) -> dict[str, str]:
    """Folded spellings → code: the code itself (with or without its leading zero) and the name, with and
    without hyphens ("Khơ-me", "khome", "Khmer" via ``extra``)."""
    lookup: dict[str, str] = {}
    for code, name in table.items():
        lookup[code] = code
        lookup[str(int(code))] = code
        folded = fold(name)
        lookup[folded] = code
        lookup[folded.replace("-", " ")] = code
        lookup[folded.replace("-", "")] = code
        lookup[folded.replace("-", "").replace(" ", "")] = code
    for spelling, code in (extra or {}).items():
        lookup[fold(spelling)] = code
    return lookup


@lru_cache(maxsize=1)
def ethnicity_lookup() -> dict[str, str]:
    return _lookup(
        ethnicities(), {"Khmer": "05", "Kinh (Việt)": "01", "Việt": "01", "H'Mông": "08", "Hmong": "08"}
    )


@lru_cache(maxsize=1)
def religion_lookup() -> dict[str, str]:
    return _lookup(
        religions(),
        {
            "": NO_RELIGION,
            "không có": NO_RELIGION,
            "không tôn giáo": NO_RELIGION,
            "không": NO_RELIGION,
            "Phật": "01",
            "Đạo Phật": "01",
            "Thiên Chúa giáo": "02",
            "Công giáo": "02",
            "Tin lành": "03",
            "Hòa Hảo": "05",
            "Hoà Hảo": "05",
            "Cao đài": "04",
            "Hồi": "06",
            "Islam": "06",
        },
    )


def ethnicity_name(code: str) -> str:
    return ethnicities().get(code, code or "")


def religion_name(code: str) -> str:
    return religions().get(code, code or "")
