"""Small text helpers shared by every app: NFC on the way in, accent folding for search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


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


def fold_tokens(value: str | None) -> list[str]:
    return [t for t in re.split(r"[^0-9a-z]+", fold(value)) if t]
