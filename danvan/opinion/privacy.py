"""Privacy rules of the opinion module (ADR 0008).

- Authors are stored only as a keyed HMAC (``author_hash``): the key is the platform's HMAC key
  (settings.FIELD_HMAC_KEY, from the environment) bound to the context "opinion.author". The same author
  gives the same hash (so near-duplicates by one account can be told apart from many voices) but the hash
  cannot be reversed or looked up without the key, and no page shows or filters by it.
- Aggregates over fewer items than ``OpinionSettings.min_group_size`` are hidden (``suppress_small``).
- Contact details in any item's text (phone numbers, e-mail addresses, citizen ID numbers) are replaced at
  ingestion by the NLP normaliser's placeholders (``strip_contacts``); the channels that carry citizens' own
  words (cases, meetings, collaborators' reports) also lose the names they give and "ông/bà + Name"
  (``strip_personal``). Pages, exports and briefings show the placeholders readably (``readable``).
- Raw text older than ``retention_days`` is purged (``purge_old_text``): title, text, link and author hash
  are blanked, labels, places, issues and rollups are kept.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from danvan.core.crypto import lookup_hash
from danvan.core.text import clean as _clean

AUTHOR_CONTEXT = "opinion.author"

_CITIZEN_ID = re.compile(r"(?<!\d)(?:\d{12}|\d{9})(?!\d)")
_HONORIFIC_NAME = re.compile(
    r"\b(ông|bà|anh|chị|cô|chú|bác|em|cháu|cụ|Ông|Bà|Anh|Chị|Cô|Chú|Bác|Em|Cháu|Cụ)\s+"
    r"((?:[A-ZĐÂĂÊÔƠƯÁÀẢÃẠẤẦẨẪẬẮẰẲẴẶÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ]"
    r"[\wÀ-ỹ]*\s?){1,4})"
)
_PLACEHOLDER = re.compile(r"\bxx(person|phone|email|id)\b")


def strip_contacts(text: str) -> str:
    """Phone numbers, e-mail addresses and citizen ID numbers replaced by placeholders (every item's text)."""
    if not text:
        return text or ""
    # the NLP normaliser's patterns and placeholders, so what it would mark is what is removed
    from danvan.nlp import normalize

    text = normalize._EMAIL_RE.sub(normalize.EMAIL_TOKEN, text)
    text = normalize._PHONE_RE.sub(normalize.PHONE_TOKEN, text)
    return _CITIZEN_ID.sub("xxid", text)


def strip_personal(text: str, *, names: Iterable[str] = ()) -> str:
    """Remove what identifies a person: the given names, citizen ID numbers, phone numbers, e-mail
    addresses, and "ông/bà/anh/chị + Capitalised Name" (placeholders of the NLP normaliser's kind)."""
    text = _clean(text)
    for name in sorted({_clean(n) for n in names if n and len(_clean(n)) >= 3}, key=len, reverse=True):
        text = re.sub(re.escape(name), "xxperson", text, flags=re.IGNORECASE)
    text = strip_contacts(text)
    text = _HONORIFIC_NAME.sub(lambda m: f"{m.group(1)} xxperson ", text)
    # names typed in lower case after a marker ("bà nguyễn thị hoa") too
    text = _MARKER_LOWER.sub(lambda m: f"{m.group(1)} xxperson", text)
    return _clean(text)


# --- personal names (briefings, and the honorific rule of strip_personal) ----------------------------------
#
# What this catches:
#   1. a person marker (ông, bà, anh, chị, em, cô, chú, bác, cháu, cụ; any case) followed by 1–4 capitalised
#      syllables: "ông Lê Văn Hùng", "Bà Tư", "chị Lan";
#   2. the same markers followed by a name typed in lower case, when it starts with a common family name:
#      "bà nguyễn thị hoa", "ông trần tư" (the family name, a middle name such as văn/thị if present, and one
#      given syllable; people type on phones without capitals);
#   3. without a marker, a full name of 2–4 capitalised syllables starting with a common family name
#      (Nguyễn, Trần, Lê, Phạm, Hoàng, Huỳnh, Phan, Vũ, Võ, Đặng, Bùi, Đỗ, Hồ, Ngô, Dương, Lý, …):
#      "Cán bộ địa chính tên Lê Văn Hùng", "LÊ VĂN HÙNG".
# What it leaves alone: place names, which are capitalised syllables too, are not masked when they start with
# a syllable that is no family name ("Khóm An Thới", "Phường Phú Khương", "Vĩnh Long") or follow a place or
# street word ("đường Trần Hưng Đạo", "thành phố Hồ Chí Minh", "xã Lê Lợi", "trường Nguyễn Du").
# What it cannot catch: a given name alone without a marker ("Hùng nhận tiền"), a lower-case name without a
# marker or starting with an uncommon family name, nicknames and account handles ("Tèo", "hung.le88"), and
# a lower-case marker name whose given name has more than one syllable after the middle name ("bà nguyễn thị
# thu hoa" keeps "hoa"). It may mask a capitalised non-name after a marker ("anh Ba Đình" if the text means
# a place) or a place starting with a family name without a place word before it ("Cao Lãnh" is kept only
# because Cao is not in the list). Analysts' issue titles and quotes in briefings go through it; the items
# themselves keep public comments' names (ADR 0008 § 6).

_UPPER = "A-ZĐÂĂÊÔƠƯÁÀẢÃẠẤẦẨẪẬẮẰẲẴẶÉÈẺẼẸẾỀỂỄỆÍÌỈĨỊÓÒỎÕỌỐỒỔỖỘỚỜỞỠỢÚÙỦŨỤỨỪỬỮỰÝỲỶỸỴ"
_NOT_PLACE = r"(?!(?i:khóm|ấp|phường|xã|thôn|xóm|tổ|khu|huyện|tỉnh|quận|đường|chợ|cầu|trường)(?![\wÀ-ỹ]))"
_SYLLABLE = rf"{_NOT_PLACE}[{_UPPER}][\wÀ-ỹ]*"
_MARKERS = "ông|bà|anh|chị|em|cô|chú|bác|cháu|cụ"
FAMILY_NAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Đoàn Trịnh Trương Lâm Mai "
    "Tô Tạ Lưu Châu Thái Quách Kiều Lương Văn Thạch Triệu"
).split()
_MIDDLE = "văn|thị|hữu|đức|minh|ngọc|thanh|quốc|công|kim|thu|xuân|hoàng|phước|phúc"
_FAMILY_RE = "|".join(FAMILY_NAMES)
_FAMILY_LOWER = "|".join(n.lower() for n in FAMILY_NAMES)
_PLACE_WORDS = (
    "đường|phố|phường|xã|khóm|ấp|thôn|xóm|bản|tổ|khu|quận|huyện|tỉnh|thị xã|thị trấn|thành phố|tp|trường|"
    "chợ|cầu|bến|kênh|sông|rạch|hẻm|ngõ|công viên|bệnh viện|đình|chùa|nhà văn hóa|nhà văn hoá|lộ|quốc lộ"
)
_MARKER_CAP = re.compile(
    rf"(?<![\wÀ-ỹ])((?i:{_MARKERS}))\s+((?:{_SYLLABLE})(?:\s+{_SYLLABLE}){{0,3}})(?![\wÀ-ỹ])"
)
_MARKER_LOWER = re.compile(
    rf"(?<![\wÀ-ỹ])((?i:{_MARKERS}))\s+((?i:{_FAMILY_LOWER})(?:\s+(?i:{_MIDDLE}))?\s+[\wÀ-ỹ]+)(?![\wÀ-ỹ])"
)
_FULL_NAME = re.compile(
    rf"(?<![\wÀ-ỹ])((?:{_FAMILY_RE}|{_FAMILY_RE.upper()})(?:\s+{_SYLLABLE}){{1,3}})(?![\wÀ-ỹ])"
)
_PLACE_BEFORE = re.compile(rf"(?i:(?:{_PLACE_WORDS})\.?)\s*$")


def mask_names(text: str | None) -> str:
    """Personal names replaced by the placeholder "xxperson" (shown as "[họ tên]"): see the rules above."""
    if not text:
        return text or ""

    def after_place(m: re.Match) -> bool:
        return bool(_PLACE_BEFORE.search(m.string[max(0, m.start() - 20) : m.start()]))

    text = _MARKER_CAP.sub(lambda m: m.group(0) if after_place(m) else f"{m.group(1)} xxperson", text)
    text = _MARKER_LOWER.sub(lambda m: m.group(0) if after_place(m) else f"{m.group(1)} xxperson", text)
    return _FULL_NAME.sub(lambda m: m.group(0) if after_place(m) else "xxperson", text)


def readable(text: str | None) -> str:
    """The placeholders as a reader sees them: "[họ tên]", "[số điện thoại]", "[email]", "[số giấy tờ]"."""
    if not text or "xx" not in text:
        return text or ""
    labels = {
        "person": _("[name]"),
        "phone": _("[phone number]"),
        "email": _("[e-mail]"),
        "id": _("[ID number]"),
    }
    return _PLACEHOLDER.sub(lambda m: labels[m.group(1)], text)


def author_hash(author: str | None) -> str:
    """The keyed hash of an author's handle or name (never store or log the handle itself)."""
    value = (author or "").strip().casefold()
    return lookup_hash(value, context=AUTHOR_CONTEXT) if value else ""


def min_group_size() -> int:
    from danvan.opinion.models import OpinionSettings

    return OpinionSettings.get().min_group_size


def is_small(count: int | None, minimum: int | None = None) -> bool:
    minimum = min_group_size() if minimum is None else minimum
    return count is not None and 0 < count < minimum


def suppress_small(
    rows: Iterable[Mapping[str, Any]],
    *,
    count_key: str = "volume",
    fields: Iterable[str] = ("volume", "negative", "neutral", "positive", "reach", "toxic"),
    minimum: int | None = None,
) -> list[dict[str, Any]]:
    """Rows whose ``count_key`` is below the minimum group size get their figures set to None and
    ``suppressed`` True (the page shows "fewer than N"); the others are returned unchanged."""
    minimum = min_group_size() if minimum is None else minimum
    fields = tuple(fields)
    out = []
    for row in rows:
        row = dict(row)
        if is_small(row.get(count_key), minimum):
            for name in fields:
                if name in row:
                    row[name] = None
            row["suppressed"] = True
        else:
            row["suppressed"] = False
        out.append(row)
    return out


def purge_old_text(*, now: dt.datetime | None = None, batch: int = 5000) -> int:
    """Blank the raw text of items published before the retention limit; returns how many were purged."""
    from danvan.opinion.models import Item, OpinionSettings

    now = now or timezone.now()
    limit = now - dt.timedelta(days=OpinionSettings.get().retention_days)
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                Item.objects.filter(published_at__lt=limit, purged_at__isnull=True).values_list(
                    "pk", flat=True
                )[:batch]
            )
            if not ids:
                break
            total += Item.objects.filter(pk__in=ids, published_at__lt=limit).update(
                title="", text="", url="", author_hash="", signature=[], purged_at=now
            )
    # collaborators' reports are the same words: blanked at the same limit (their figures stay)
    from django.apps import apps

    from danvan.opinion.models import CollaboratorReport

    CollaboratorReport.objects.filter(reported_at__lt=limit).exclude(what_people_say="", where="").update(
        what_people_say="", where=""
    )
    # and their row history: the events of those reports keep no words either
    apps.get_model("opinion", "CollaboratorReportEvent").objects.filter(reported_at__lt=limit).exclude(
        what_people_say="", where=""
    ).update(what_people_say="", where="")
    return total
