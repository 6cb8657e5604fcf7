"""Gazetteer of Vietnam's administrative units and linking of place mentions in text.

    gazetteer = Gazetteer.default()
    for mention in gazetteer.link("Ngập sâu ở phường Tân An, Cần Thơ; TP.HCM cũng mưa lớn"):
        print(mention.surface, mention.unit.id if mention.unit else mention.candidates)
    # Tân An          commune:31147   (one of ten "Tân An" communes, resolved by "Cần Thơ" nearby)
    # Cần Thơ         province:92
    # TP.HCM          province:79

Units are the 34 provinces and 3,321 communes in force since 1 July 2025 and the 63 provinces before it
(``legacy_province``, each with its successor). A legacy and a current province can share a code (old Yên
Bái and today's Lào Cai are both 15), so a unit is identified by ``kind:code`` (``legacy_province:15``),
never by the code alone. Every mention carries ``province_code``: the *current* province it falls in.

Names match with or without diacritics ("Hà Nội", "Ha Noi"; accent-sensitive when the text has diacritics),
in old or new tone placement ("Thanh Hoá" = "Thanh Hóa"), and common short forms ("TP.HCM", "Sài Gòn",
"Huế", "BR-VT"). Province names match bare; commune names need their type word ("phường Ba Đình",
"xã Tân An", "P. Tân An") or a province right after them ("Ba Đình, Hà Nội"), because bare commune names are
ordinary words too ("Hòa Bình", "Thống Nhất"). An ambiguous commune name is resolved by the province
mentioned nearest to it, then by ``province_hint``; otherwise it is returned unresolved with its candidates.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import resources
from .normalize import canonical_tones, fold_diacritics

__all__ = ["REFORM_DATE", "Gazetteer", "PlaceMention", "Unit"]

#: Day the two-tier structure (34 provinces, communes without districts) took effect.
REFORM_DATE = date(2025, 7, 1)

_TOKEN_RE = re.compile(r"\w+")
_GAP_RE = re.compile(r"[ \t]*[.\-–’'`]?[ \t]*")  # what may separate the words of one name
_TYPE_WORDS = ("thành phố", "tỉnh", "phường", "xã", "đặc khu")
# bare names are not places after these words (streets, old districts, schools named after places, ...)
_BLOCKERS = {
    "đường", "phố", "quận", "huyện", "ngõ", "hẻm", "kiệt", "ngách", "cầu", "sông", "chợ", "bến", "thôn", "ấp",
    "bản", "làng", "xóm", "lộ", "tổ", "trấn", "tuyến", "hồ", "núi", "đèo",
}  # fmt: skip
# names that are also common words: bare, they must be capitalised ("hòa bình" = peace)
_COMMON_WORDS = {("hòa", "bình"), ("thái", "bình")}
_COMMUNE_PREFIXES = {("phường",): "phường", ("xã",): "xã", ("đặc", "khu"): "đặc khu"}
_COMMUNE_ABBREVIATIONS = {"p": "phường", "x": "xã"}  # only when written with a dot: "P. Tân An"
_PROVINCE_PREFIXES = {("tỉnh",), ("thành", "phố"), ("tp",)}

# short forms and other spellings → province code (current unless marked legacy)
_ALIASES: dict[str, list[str]] = {
    "province:79": ["TP.HCM", "TPHCM", "TP HCM", "HCM", "HCMC", "Sài Gòn", "Saigon", "Hồ Chí Minh city"],
    "province:01": ["Hanoi"],
    "province:48": ["Danang"],
    "province:31": ["Haiphong"],
    "province:92": ["Cantho"],
    "province:46": ["Huế", "Thừa Thiên Huế", "Thừa Thiên - Huế", "TT-Huế", "TT Huế"],
    "province:66": ["Đắc Lắc", "Đăk Lăk", "Đắk Lăk", "Daklak"],
    "legacy_province:67": ["Đăk Nông", "Đắc Nông", "Daknong"],
    "legacy_province:62": ["Kontum"],
    "legacy_province:06": ["Bắc Cạn"],
    "legacy_province:77": ["Bà Rịa Vũng Tàu", "BR-VT", "BRVT"],
}
_CASE_SENSITIVE_ALIASES = {"province:01": ["HN"]}  # only in capitals
_NEEDS_PREFIX = {("hồ", "chí", "minh")}  # bare "Hồ Chí Minh" is usually the person


def _clean(text: str) -> str:
    return canonical_tones(unicodedata.normalize("NFC", text))


def _key(name: str) -> tuple[str, ...]:
    return tuple(t.lower() for t in _TOKEN_RE.findall(_clean(name)))


def _strip_type(name: str) -> str:
    low = name.lower()
    for word in _TYPE_WORDS:
        if low.startswith(word + " "):
            return name[len(word) + 1 :].strip()
    return name


@dataclass(frozen=True)
class Unit:
    """An administrative unit. ``id`` (``kind:code``) is unique; ``code`` alone is not (see module doc)."""

    kind: str  # "province", "commune" or "legacy_province"
    code: str
    name: str  # official name with its type word
    short_name: str  # without it
    division_type: str
    province_code: str  # the current province: itself, the commune's province, or the legacy's successor
    valid_to: str | None = None  # legacy provinces: last day in force

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.code}"

    def to_dict(self) -> dict[str, Any]:
        data = {
            "id": self.id,
            "kind": self.kind,
            "code": self.code,
            "name": self.name,
            "province_code": self.province_code,
        }
        if self.valid_to:
            data["valid_to"] = self.valid_to
        return data


@dataclass
class PlaceMention:
    """A place named in a text: its span, the unit it links to (None if unresolved) and the candidates."""

    start: int  # offsets in the NFC-normalised text
    end: int
    surface: str
    unit: Unit | None
    candidates: list[Unit] = field(default_factory=list)
    method: str = "name"  # "name", "alias", "prefixed" or "context"
    written_type: str = field(
        default="", repr=False
    )  # "phường", "xã", "đặc khu" when written before the name

    @property
    def province_code(self) -> str | None:
        if self.unit is not None:
            return self.unit.province_code
        codes = {c.province_code for c in self.candidates}
        return codes.pop() if len(codes) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return self.unit is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "surface": self.surface,
            "unit": self.unit.to_dict() if self.unit else None,
            "province_code": self.province_code,
            "method": self.method,
            "candidates": [c.id for c in self.candidates]
            if len(self.candidates) > 1 or not self.unit
            else [],
        }


@dataclass
class _Entry:
    unit: Unit
    method: str = "name"
    needs_prefix: bool = False
    upper_only: bool = False


class _Token:
    __slots__ = ("end", "folded", "has_marks", "lower", "raw", "start")

    def __init__(self, match: re.Match[str]) -> None:
        self.raw = match.group()
        self.start = match.start()
        self.end = match.end()
        self.lower = self.raw.lower()
        self.folded = fold_diacritics(self.lower)
        self.has_marks = self.folded != self.lower


class Gazetteer:
    """Units and their names; :meth:`link` finds mentions in text."""

    def __init__(
        self,
        provinces: Iterable[dict[str, str]],
        communes: Iterable[dict[str, str]],
        legacy_provinces: Iterable[dict[str, str]] = (),
    ) -> None:
        self.units: dict[str, Unit] = {}
        self._province_names: dict[tuple[str, ...], list[_Entry]] = {}
        self._province_folded: dict[tuple[str, ...], list[_Entry]] = {}
        self._commune_names: dict[tuple[str, ...], list[Unit]] = {}
        self._commune_folded: dict[tuple[str, ...], list[Unit]] = {}
        for row in provinces:
            unit = Unit("province", row["code"], _clean(row["name"]), _clean(_strip_type(row["name"])),
                        row.get("division_type", ""), row["code"])  # fmt: skip
            self._add_unit(unit)
            self._add_province_name(unit.short_name, _Entry(unit))
        for row in legacy_provinces:
            unit = Unit("legacy_province", row["legacy_code"], _clean(row["name"]),
                        _clean(_strip_type(row["name"])), "", row["successor_code"], row.get("valid_to") or None)  # fmt: skip
            self._add_unit(unit)
            self._add_province_name(unit.short_name, _Entry(unit))
        for row in communes:
            unit = Unit("commune", row["code"], _clean(row["name"]), _clean(_strip_type(row["name"])),
                        row.get("division_type", ""), row["province_code"])  # fmt: skip
            self._add_unit(unit)
            key = _key(unit.short_name)
            self._commune_names.setdefault(key, []).append(unit)
            self._commune_folded.setdefault(tuple(fold_diacritics(t) for t in key), []).append(unit)
        for unit_id, aliases in _ALIASES.items():
            if unit_id in self.units:
                for alias in aliases:
                    self._add_province_name(alias, _Entry(self.units[unit_id], method="alias"))
        for unit_id, aliases in _CASE_SENSITIVE_ALIASES.items():
            if unit_id in self.units:
                for alias in aliases:
                    self._add_province_name(
                        alias, _Entry(self.units[unit_id], method="alias", upper_only=True)
                    )
        self._max_province = max(len(k) for k in self._province_folded)
        self._max_commune = max((len(k) for k in self._commune_folded), default=1)
        self._first_words = {k[0] for k in self._province_folded} | {k[0] for k in self._province_names}

    # construction ------------------------------------------------------------------------------------------

    @classmethod
    def from_files(cls, provinces: Path, communes: Path, legacy_provinces: Path | None = None) -> Gazetteer:
        def rows(path: Path | None) -> list[dict[str, str]]:
            if path is None:
                return []
            with open(path, encoding="utf-8", newline="") as fh:
                return list(csv.DictReader(fh))

        return cls(rows(provinces), rows(communes), rows(legacy_provinces))

    @classmethod
    def default(cls) -> Gazetteer:
        """The repository's units (``data/units``, ``data/reference``); built once and shared."""
        return _default_gazetteer()

    def _add_unit(self, unit: Unit) -> None:
        self.units[unit.id] = unit

    def _add_province_name(self, name: str, entry: _Entry) -> None:
        key = _key(name)
        if not key:
            return
        if key in _NEEDS_PREFIX:
            entry.needs_prefix = True
        for index, k in (
            (self._province_names, key),
            (self._province_folded, tuple(map(fold_diacritics, key))),
        ):
            entries = index.setdefault(k, [])
            if all(e.unit.id != entry.unit.id for e in entries):
                entries.append(entry)

    # look-up -----------------------------------------------------------------------------------------------

    def unit(self, unit_id: str) -> Unit:
        return self.units[unit_id]

    def lookup(self, name: str) -> list[Unit]:
        """Units whose name (with or without type word, diacritics optional) is *name*."""
        key = _key(_strip_type(_clean(name)))
        folded = tuple(map(fold_diacritics, key))
        exact = key != folded
        found: list[Unit] = []
        province_index = self._province_names if exact else self._province_folded
        commune_index = self._commune_names if exact else self._commune_folded
        found.extend(e.unit for e in province_index.get(key if exact else folded, []))
        found.extend(commune_index.get(key if exact else folded, []))
        return list(dict.fromkeys(found))

    # linking -----------------------------------------------------------------------------------------------

    def link(
        self, text: str, as_of: date | None = None, province_hint: str | None = None
    ) -> list[PlaceMention]:
        """Place mentions in *text*, in order.

        ``as_of``: the date the text refers to; before 1 July 2025 a province name links to the former
        province (e.g. "Lào Cai" → ``legacy_province:10``), from then on to today's (``province:15``).
        ``province_hint``: current province code to fall back on for ambiguous commune names.
        """
        text = _clean(text)
        tokens = [_Token(m) for m in _TOKEN_RE.finditer(text)]
        cased = any(ch.isupper() for ch in text)
        legacy_first = as_of is not None and as_of < REFORM_DATE
        mentions: list[PlaceMention] = []
        i = 0
        n = len(tokens)
        while i < n:
            found = self._commune_prefixed(text, tokens, i)
            if found is None:
                found = self._province_at(text, tokens, i, cased)
            if found is None:
                i += 1
                continue
            mention, i = found
            mentions.append(mention)
        mentions.extend(self._communes_by_context(text, tokens, mentions))
        mentions.sort(key=lambda m: m.start)
        for mention in mentions:
            if mention.unit is None:
                self._resolve(mention, mentions, legacy_first, province_hint)
        return mentions

    def _gap_ok(self, text: str, left: _Token, right: _Token) -> bool:
        return _GAP_RE.fullmatch(text, left.end, right.start) is not None

    def _span(self, text: str, tokens: list[_Token], i: int, length: int) -> bool:
        return all(self._gap_ok(text, tokens[j], tokens[j + 1]) for j in range(i, i + length - 1))

    def _lookup_span(
        self, tokens: list[_Token], i: int, length: int, exact: dict[tuple[str, ...], Any],
        folded: dict[tuple[str, ...], Any],
    ) -> Any:  # fmt: skip
        window = tokens[i : i + length]
        if any(t.has_marks for t in window):
            return exact.get(tuple(t.lower for t in window))
        return folded.get(tuple(t.folded for t in window))

    def _commune_prefixed(self, text: str, tokens: list[_Token], i: int) -> tuple[PlaceMention, int] | None:
        token = tokens[i]
        prefix_len = 0
        prefix_type = ""
        if token.lower in ("phường", "xã") or token.folded in ("phuong",):
            if token.lower == "xã" and i > 0 and tokens[i - 1].lower == "thị":
                return None  # "thị xã": a former district-level town
            prefix_len, prefix_type = 1, "phường" if token.folded == "phuong" else "xã"
        elif token.lower == "đặc" and i + 1 < len(tokens) and tokens[i + 1].lower == "khu":
            prefix_len, prefix_type = 2, "đặc khu"
        elif token.lower in _COMMUNE_ABBREVIATIONS and text[token.end : token.end + 1] == ".":
            prefix_len, prefix_type = 1, _COMMUNE_ABBREVIATIONS[token.lower]
        if not prefix_len or i + prefix_len >= len(tokens):
            return None
        start = i + prefix_len
        if not self._gap_ok(text, tokens[start - 1], tokens[start]):
            return None
        for length in range(min(self._max_commune, len(tokens) - start), 0, -1):
            if not self._span(text, tokens, start, length):
                continue
            units = self._lookup_span(tokens, start, length, self._commune_names, self._commune_folded)
            if units:
                # the written type first; the other type stays a candidate (people still mix them up)
                candidates = sorted(units, key=lambda u: u.division_type != prefix_type)
                last = tokens[start + length - 1]
                mention = PlaceMention(
                    token.start, last.end, text[token.start : last.end],
                    candidates[0] if len(candidates) == 1 else None, candidates, "prefixed", prefix_type,
                )  # fmt: skip
                return mention, start + length
        return None

    def _province_at(
        self, text: str, tokens: list[_Token], i: int, cased: bool
    ) -> tuple[PlaceMention, int] | None:
        prefix_len = 0
        token = tokens[i]
        if (token.lower,) in _PROVINCE_PREFIXES:
            prefix_len = 1
        elif i + 1 < len(tokens) and (token.lower, tokens[i + 1].lower) in _PROVINCE_PREFIXES:
            prefix_len = 2
        # an alias can itself start with the prefix ("TP.HCM"): try the longest reading first
        for start in (i, i + prefix_len) if prefix_len else (i,):
            if start >= len(tokens) or (
                start > i and not self._gap_ok(text, tokens[start - 1], tokens[start])
            ):
                continue
            if tokens[start].lower not in self._first_words and tokens[start].folded not in self._first_words:
                continue
            prefixed = start > i
            for length in range(min(self._max_province, len(tokens) - start), 0, -1):
                if not self._span(text, tokens, start, length):
                    continue
                entries = self._lookup_span(
                    tokens, start, length, self._province_names, self._province_folded
                )
                if not entries:
                    continue
                window = tokens[start : start + length]
                key = tuple(t.lower for t in window)
                entries = [e for e in entries if not e.upper_only or all(t.raw.isupper() for t in window)]
                if not prefixed:
                    entries = [e for e in entries if not e.needs_prefix]
                    if start > 0 and tokens[start - 1].lower in _BLOCKERS:
                        entries = []
                    capitalised = all(t.raw[0].isupper() or t.raw[0].isdigit() for t in window)
                    if (cased or key in _COMMON_WORDS) and not capitalised:
                        entries = []
                if not entries:
                    continue
                first = tokens[i] if prefixed else window[0]
                last = window[-1]
                method = "prefixed" if prefixed else entries[0].method
                units = [e.unit for e in entries]
                mention = PlaceMention(
                    first.start, last.end, text[first.start : last.end],
                    units[0] if len(units) == 1 else None, units, method,
                )  # fmt: skip
                return mention, start + length
        return None

    def _communes_by_context(
        self, text: str, tokens: list[_Token], mentions: list[PlaceMention]
    ) -> list[PlaceMention]:
        """Bare commune names written just before a province: "Ba Đình, Hà Nội", "Tân An (Cần Thơ)"."""
        found: list[PlaceMention] = []
        taken = [(m.start, m.end) for m in mentions]
        starts = {t.start: k for k, t in enumerate(tokens)}
        for mention in mentions:
            if (
                mention.method == "prefixed"
                and mention.candidates
                and mention.candidates[0].kind == "commune"
            ):
                continue
            province_codes = {u.province_code for u in mention.candidates}
            k = starts.get(mention.start)
            if k is None or k == 0:
                continue
            gap = text[tokens[k - 1].end : tokens[k].start]
            if not re.fullmatch(r"\s*[,(\-–]\s*|\s+", gap):
                continue
            for length in range(min(self._max_commune, k), 0, -1):
                start = k - length
                window = tokens[start:k]
                if not all(t.raw[0].isupper() or t.raw[0].isdigit() for t in window):
                    continue
                if not self._span(text, tokens, start, length):
                    continue
                if any(s < window[-1].end and window[0].start < e for s, e in taken):
                    continue
                units = self._lookup_span(tokens, start, length, self._commune_names, self._commune_folded)
                units = [u for u in units or [] if u.province_code in province_codes]
                if units:
                    found.append(
                        PlaceMention(
                            window[0].start,
                            window[-1].end,
                            text[window[0].start : window[-1].end],
                            units[0] if len(units) == 1 else None,
                            units,
                            "context",
                        )  # fmt: skip
                    )
                    break
        return found

    def _resolve(
        self,
        mention: PlaceMention,
        mentions: list[PlaceMention],
        legacy_first: bool,
        province_hint: str | None,
    ) -> None:
        candidates = mention.candidates
        kinds = {c.kind for c in candidates}
        if kinds <= {"province", "legacy_province"}:
            # the same name before and after the reform ("Lào Cai"): pick by the text's date
            wanted = "legacy_province" if legacy_first else "province"
            chosen = [c for c in candidates if c.kind == wanted] or candidates
            mention.unit = chosen[0]
            return
        # an ambiguous commune name: the nearest province mentioned in the text decides
        context = sorted(
            (
                (abs(other.start - mention.start), other.province_code)
                for other in mentions
                if other is not mention and other.province_code
                and (other.unit is None or other.unit.kind != "commune")
            ),
            key=lambda pair: pair[0],
        )  # fmt: skip
        same_type = [c for c in candidates if c.division_type == mention.written_type]
        for _, code in context:
            matching = [c for c in same_type if c.province_code == code]
            matching = matching or [c for c in candidates if c.province_code == code]
            if len(matching) == 1:
                mention.unit = matching[0]
                return
        if province_hint:
            matching = [c for c in same_type if c.province_code == province_hint]
            matching = matching or [c for c in candidates if c.province_code == province_hint]
            if len(matching) == 1:
                mention.unit = matching[0]
                return
        if len(same_type) == 1 and not context:
            mention.unit = same_type[0]


@lru_cache(maxsize=1)
def _default_gazetteer() -> Gazetteer:
    return Gazetteer.from_files(
        resources.units_path("provinces.csv"),
        resources.units_path("communes.csv"),
        resources.reference_path("legacy_provinces.csv"),
    )
