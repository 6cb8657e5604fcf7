"""Small text helpers shared by every app: NFC on the way in, accent folding for search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# twelve digits, maybe grouped with spaces, dots or dashes: a citizen ID (CCCD), which is never searched through
# an address (the members' look-up form posts it)
CITIZEN_ID_LIKE = re.compile(r"^\s*(\d[\s.\-]?){11}\d\s*$")


def clean(value: str | None) -> str:
    """NFC-normalise and collapse white space; what every user-typed string goes through."""
    if not value:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(value))).strip()


def fold(value: str | None) -> str:
    """Lower case without diacritics: "Nguyễn Văn Ấ", "nguyen van a" and "Hoà"/"Hòa" fold alike."""
    if not value:
        return ""
    text = unicodedata.normalize("NFD", clean(value).lower())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return text.replace("đ", "d")


def regex_literal(word: str) -> str:
    """``word`` as a literal in a PostgreSQL regular expression (its special characters escaped)."""
    return re.sub(r"([\\^$.|?*+()\[\]{}])", r"\\\1", word)


def fold_tokens(value: str | None) -> list[str]:
    return [t for t in re.split(r"[^0-9a-z]+", fold(value)) if t]


# --- Vietnamese alphabetical order ------------------------------------------------------------------------
# The alphabet's 29 letters in order (ă â after a, đ after d, ê after e, ô ơ after o, ư after u), the
# foreign f j w z at their Latin places; the tones only break ties, in dictionary order: none, huyền, hỏi,
# ngã, sắc, nặng.
_LETTERS = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {ch: i + 11 for i, ch in enumerate(_LETTERS)}  # digits rank 1..10 before the letters
_RANK.update({str(d): d + 1 for d in range(10)})
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _collate(word: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    letters: list[int] = []
    tones: list[int] = []
    for ch in word:
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        if base in _RANK:
            letters.append(_RANK[base])
            tones.append(max((_TONES.get(c, 0) for c in parts), default=0))
        elif base.strip() and unicodedata.category(base[0])[0] in "LN":
            letters.append(100 + ord(base[0]))  # a letter of another script: after the alphabet
            tones.append(0)
    return tuple(letters), tuple(tones)


def vietnamese_key(text: str | None) -> tuple:
    """Sort key in Vietnamese alphabetical order, word by word ("Đào" after "Dương", "Ánh" after "Anh")."""
    words = clean(text).lower().split(" ") if text else []
    keys = [_collate(w) for w in words]
    return tuple(k[0] for k in keys), tuple(k[1] for k in keys)


def name_sort_key(full_name: str | None) -> tuple:
    """A person's name in the order of Vietnamese lists: by the given name (the last word), then the family
    and middle names, each in Vietnamese alphabetical order ("Trần Văn An" before "Lê Thị Bình")."""
    words = clean(full_name).split(" ") if full_name else []
    given, rest = (words[-1], " ".join(words[:-1])) if words else ("", "")
    g, r = vietnamese_key(given), vietnamese_key(rest)
    return g[0], r[0], g[1], r[1]


def folded_name_key(folded: str) -> tuple[str, str]:
    """``name_sort_key`` for a name already folded (``fold``): the given name, then the rest. Cheap enough to
    sort ten thousand list keys; without diacritics "Đ" sorts with "D"."""
    rest, _, given = folded.rpartition(" ")
    return given, rest
