"""Vietnamese text normalisation.

Steps (each can be switched off in :class:`NormalizerConfig`):

1. Unicode NFC (text from phones and old sites often arrives decomposed);
2. URLs, e-mail addresses and phone numbers → ``xxurl``, ``xxemail``, ``xxphone``;
3. emoji → ``xxemoji``;
4. characters repeated three times or more → one (``đẹpppp`` → ``đẹp``, ``!!!`` → ``!``);
5. one tone-mark placement: the mark of the open syllables *oa*, *oe*, *uy* goes on the first vowel
   (``hoà`` → ``hòa``, ``thuỷ`` → ``thủy``, ``khoẻ`` → ``khỏe``) and a mark misplaced before a final
   consonant is moved (``hòan`` → ``hoàn``); this is the placement of the official unit names;
6. case folding;
7. numbers → ``xxnum``;
8. punctuation split from words, white space collapsed;
9. slang and abbreviations through the MIT ``vi-nsw-dict`` (``ko`` → ``không``, ``đc`` → ``được``).

Placeholders use the ``xx`` prefix so that every tokenizer keeps them as one token.
:func:`fold_diacritics` strips the diacritics (``Đồng ý`` → ``Dong y``) for matching text typed without them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import lru_cache

from . import resources

__all__ = [
    "Normalizer",
    "NormalizerConfig",
    "canonical_tones",
    "fold_diacritics",
    "has_diacritics",
    "normalize",
    "syllables",
]

URL_TOKEN = "xxurl"
EMAIL_TOKEN = "xxemail"
PHONE_TOKEN = "xxphone"
NUMBER_TOKEN = "xxnum"
EMOJI_TOKEN = "xxemoji"
PLACEHOLDERS = frozenset({URL_TOKEN, EMAIL_TOKEN, PHONE_TOKEN, NUMBER_TOKEN, EMOJI_TOKEN})

# --- diacritics ---------------------------------------------------------------------------------------

_TONED = {
    # base: (none, grave/huyền, acute/sắc, hook/hỏi, tilde/ngã, dot/nặng)
    "a": "aàáảãạ", "ă": "ăằắẳẵặ", "â": "âầấẩẫậ", "e": "eèéẻẽẹ", "ê": "êềếểễệ", "i": "iìíỉĩị",
    "o": "oòóỏõọ", "ô": "ôồốổỗộ", "ơ": "ơờớởỡợ", "u": "uùúủũụ", "ư": "ưừứửữự", "y": "yỳýỷỹỵ",
}  # fmt: skip


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {ord("đ"): "d", ord("Đ"): "D"}
    for code in range(0x00C0, 0x1EFA):
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0]
        if base != char and base.isascii() and base.isalpha():
            table[code] = base
    return table


_FOLD_TABLE = _build_fold_table()
_NON_ASCII_LETTERS = frozenset(chr(c) for c in _FOLD_TABLE)


_COMBINING_RE = re.compile("[\u0300-\u036f]")


def fold_diacritics(text: str) -> str:
    """Remove Vietnamese diacritics and map đ → d (``Đồng ý`` → ``Dong y``)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFC", _COMBINING_RE.sub("", unicodedata.normalize("NFD", text)))


def has_diacritics(text: str) -> bool:
    """True if *text* has at least one Vietnamese letter with a diacritic."""
    return any(ch in _NON_ASCII_LETTERS for ch in text)


# --- tone placement -----------------------------------------------------------------------------------


def _tone_pairs() -> tuple[dict[str, str], dict[str, str]]:
    """Maps for the two-vowel groups whose mark placement varies.

    ``to_first``: mark on the second vowel of an open syllable → first (``oà`` → ``òa``).
    ``to_second``: mark on the first vowel before a final consonant → second (``òan`` handled as ``òa``
    → ``oà``).
    """
    to_first: dict[str, str] = {}
    to_second: dict[str, str] = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for tone in range(1, 6):
            for upper1 in (False, True):
                for upper2 in (False, True):
                    f_plain, f_toned = _TONED[first][0], _TONED[first][tone]
                    s_plain, s_toned = _TONED[second][0], _TONED[second][tone]
                    if upper1:
                        f_plain, f_toned = f_plain.upper(), f_toned.upper()
                    if upper2:
                        s_plain, s_toned = s_plain.upper(), s_toned.upper()
                    to_first[f_plain + s_toned] = f_toned + s_plain
                    to_second[f_toned + s_plain] = f_plain + s_toned
    return to_first, to_second


_TO_FIRST, _TO_SECOND = _tone_pairs()
_LETTER = r"[^\W\d_]"
# open syllable: the pair ends the word; "qu" + "y" keeps the mark on y (quý)
_OPEN_RE = re.compile(r"(?<![qQ])([oO][àáảãạÀÁẢÃẠèéẻẽẹÈÉẺẼẸ]|[uU][ỳýỷỹỵỲÝỶỸỴ])(?!" + _LETTER + ")")
# closed syllable: the pair is followed by a final consonant (n, ng, nh, c, ch, m, p, t)
_CLOSED_RE = re.compile(
    r"(?<![qQ])([òóỏõọÒÓỎÕỌ][aAeE]|[ùúủũụÙÚỦŨỤ][yY])(?=(?i:ng|nh|ch|[nctmp])(?!" + _LETTER + "))"
)


def canonical_tones(text: str) -> str:
    """Put tone marks in one place: ``hoà``/``hòa`` → ``hòa``, ``thuỷ`` → ``thủy``, ``hòan`` → ``hoàn``."""
    text = _OPEN_RE.sub(lambda m: _TO_FIRST[m.group(1)], text)
    return _CLOSED_RE.sub(lambda m: _TO_SECOND[m.group(1)], text)


# --- patterns -----------------------------------------------------------------------------------------

_URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|vn|info|io|gov|edu|me|ly|co)(?:\.vn)?(?:/[^\s<>\"']*)?(?!\w)",
    re.IGNORECASE,
)
_URL_HINT_RE = re.compile(r"https?:|www\.|\.(?:com|net|org|vn|info|io|gov|edu|me|ly|co)\b", re.IGNORECASE)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Vietnamese mobile and landline numbers: 0xxx / +84 / 84 followed by 8-10 digits, optionally grouped.
_PHONE_RE = re.compile(r"(?<![\w.,])(?:\+84|84|0)(?:[ .-]?\d){8,10}(?![\w])")
# a number, possibly followed by a unit glued to it ("2.000.000đ", "500k", "15p", "20%")
_NUMBER_RE = re.compile(
    r"(?<!\w)[-+]?\d+(?:[.,:/]\d+)*(đ|k|vnđ|vnd|tr|triệu|tỷ|m|km|kg|g|h|p|ph|s|%|usd|x)?(?!\w)",
    re.IGNORECASE,
)


def _number_sub(match: re.Match[str]) -> str:
    unit = match.group(1)
    return f"{NUMBER_TOKEN} {unit}" if unit else NUMBER_TOKEN


_EMOJI_RE = re.compile(
    "["
    "\U0001f000-\U0001faff"  # pictographs, emoticons, transport, supplemental symbols
    "\u2600-\u27bf"  # misc symbols, dingbats
    "\u2b00-\u2bff"  # arrows and stars (⭐)
    "\u2300-\u23ff"  # technical (⌚ ⏰)
    "]"
    "[\ufe0f\u200d\U0001f3fb-\U0001f3ff\u2600-\u27bf\U0001f000-\U0001faff]*"
)
_EMOJI_JUNK_RE = re.compile("[\ufe0f\ufe0e\u200d]")
_REPEAT_LETTER_RE = re.compile(r"([^\W\d_])\1{2,}")
_REPEAT_PUNCT_RE = re.compile(r"([!?,;~*^=_-])\1+")
_ELLIPSIS_RE = re.compile(r"\.{3,}|…")
_SPACE_RE = re.compile(r"\s+")
_SYLLABLE_RE = re.compile(r"\w+")
_TOKEN_RE = re.compile(r"\w+|\.\.\.|[^\w\s]")


def syllables(text: str) -> list[str]:
    """Split into syllables (runs of letters/digits), dropping punctuation."""
    return _SYLLABLE_RE.findall(text)


# --- slang dictionary -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _slang_table() -> tuple[dict[str, str], dict[tuple[str, ...], str], int]:
    """Applicable entries of the nsw dictionary: single-word map, multi-word map, longest key in words."""
    standard = {canonical_tones(w) for w in resources.standard_words()}
    single: dict[str, str] = {}
    multi: dict[tuple[str, ...], str] = {}
    longest = 1
    for raw_key, candidates in resources.nsw_dictionary().items():
        if len(candidates) != 1:
            continue  # ambiguous ("bn": bạn / bao nhiêu / bệnh nhân) — needs context we do not have
        key = canonical_tones(unicodedata.normalize("NFC", raw_key.strip().lower()))
        value = canonical_tones(unicodedata.normalize("NFC", candidates[0].strip().lower()))
        words = tuple(key.split())
        if not words or key == value or len(key) < 2:
            continue
        if not all(_SYLLABLE_RE.fullmatch(w) for w in words):
            continue  # punctuation keys ("#", "=") are not slang in our texts
        if key.isdigit() or key in standard:
            continue
        if all(w in standard or w.isdigit() for w in words):
            # every word is a correct word on its own ("đem" → "đến", "a e" → "anh em"): too risky
            continue
        if len(words) == 1:
            single[key] = value
        else:
            multi[words] = value
            longest = max(longest, len(words))
    return single, multi, longest


def _apply_slang(text: str) -> str:
    single, _, _ = _slang_table()
    pairs = _multi_by_pair()
    tokens = text.split(" ")
    lowered = [t.lower() for t in tokens]
    n = len(tokens)
    out: list[str] = []
    i = 0
    while i < n:
        if i + 1 < n:
            phrases = pairs.get((lowered[i], lowered[i + 1]))
            if phrases is not None:
                for words, value in phrases:  # longest first
                    if tuple(lowered[i : i + len(words)]) == words:
                        out.append(value)
                        i += len(words)
                        break
                else:
                    phrases = None
                if phrases is not None:
                    continue
        value = single.get(lowered[i])
        out.append(tokens[i] if value is None else value)
        i += 1
    return " ".join(out)


@lru_cache(maxsize=1)
def _multi_by_pair() -> dict[tuple[str, str], list[tuple[tuple[str, ...], str]]]:
    """Multi-word entries indexed by their first two words, longest first."""
    index: dict[tuple[str, str], list[tuple[tuple[str, ...], str]]] = {}
    for words, value in _slang_table()[1].items():
        index.setdefault((words[0], words[1]), []).append((words, value))
    for phrases in index.values():
        phrases.sort(key=lambda item: -len(item[0]))
    return index


# --- the normaliser -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NormalizerConfig:
    """Which steps :class:`Normalizer` runs. Stored in model cards so prediction repeats training."""

    lowercase: bool = True
    placeholders: bool = True  # URLs, e-mails, phone numbers
    numbers: bool = True
    emoji: bool = True
    repeats: bool = True
    tones: bool = True
    slang: bool = True
    tokenize: bool = True  # punctuation split from words by spaces
    fold: bool = False  # strip all diacritics (for matching, not for classification)

    def to_dict(self) -> dict[str, bool]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, bool]) -> NormalizerConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class Normalizer:
    """Callable text normaliser; see the module docstring for the steps."""

    def __init__(self, config: NormalizerConfig | None = None, **options: bool) -> None:
        base = config or NormalizerConfig()
        self.config = NormalizerConfig(**{**base.to_dict(), **options})

    def __call__(self, text: str) -> str:
        return self.normalize(text)

    def normalize(self, text: str) -> str:
        cfg = self.config
        if not text:
            return ""
        text = unicodedata.normalize("NFC", text)
        if cfg.placeholders:
            if "@" in text:
                text = _EMAIL_RE.sub(f" {EMAIL_TOKEN} ", text)
            if _URL_HINT_RE.search(text):
                text = _URL_RE.sub(f" {URL_TOKEN} ", text)
            text = _PHONE_RE.sub(f" {PHONE_TOKEN} ", text)
        if cfg.emoji:
            text = _EMOJI_RE.sub(f" {EMOJI_TOKEN} ", text)
            text = _EMOJI_JUNK_RE.sub("", text)
        if cfg.repeats:
            text = _REPEAT_LETTER_RE.sub(r"\1", text)
            text = _REPEAT_PUNCT_RE.sub(r"\1", text)
            text = _ELLIPSIS_RE.sub(" ... ", text)
        if cfg.tones:
            text = canonical_tones(text)
        if cfg.lowercase:
            text = text.lower()
        if cfg.numbers:
            text = _NUMBER_RE.sub(_number_sub, text)
        if cfg.tokenize:
            text = " ".join(_TOKEN_RE.findall(text))
        else:
            text = _SPACE_RE.sub(" ", text).strip()
        if cfg.slang:
            text = _apply_slang(text)
        if cfg.fold:
            text = fold_diacritics(text)
        return text

    def normalize_batch(self, texts: list[str]) -> list[str]:
        return [self.normalize(t) for t in texts]


_DEFAULT = Normalizer()


def normalize(text: str, **options: bool) -> str:
    """Normalise *text* with the default steps; keyword options switch steps (``normalize(t, slang=False)``)."""
    if not options:
        return _DEFAULT.normalize(text)
    return Normalizer(**options).normalize(text)
