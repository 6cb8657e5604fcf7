"""Checks shared by every upload of a document or photo: type by extension *and* content, size."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The first bytes each accepted type starts with; a pair (offset, bytes) for a signature further in.
SIGNATURES: dict[str, tuple] = {
    ".pdf": (b"%PDF",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".webp": ((0, b"RIFF"), (8, b"WEBP")),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
}


def extension(name: str) -> str:
    name = (name or "").lower()
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""


def content_matches(head: bytes, ext: str) -> bool:
    signature = SIGNATURES[ext]
    if signature and isinstance(signature[0], tuple):  # every (offset, bytes) part must be there
        return all(head[at : at + len(part)] == part for at, part in signature)
    return any(head.startswith(magic) for magic in signature)


def check_file(f, *, accepted, max_mb: int) -> str:
    """Refuse a file whose extension is not ``accepted``, whose first bytes are not of that type, that is
    empty or larger than ``max_mb``; return its extension. The file is left at its start."""
    ext = extension(getattr(f, "name", ""))
    if ext not in accepted:
        raise ValidationError(
            _("Unsupported file type. Accepted: %(types)s.") % {"types": ", ".join(sorted(accepted))}
        )
    size = getattr(f, "size", 0) or 0
    if size == 0:
        raise ValidationError(_("The file is empty."))
    if size > max_mb * 1024 * 1024:
        raise ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": max_mb})
    f.seek(0)
    head = f.read(16)
    f.seek(0)
    if not content_matches(head, ext):
        raise ValidationError(_("The file's content does not match its type."))
    return ext
