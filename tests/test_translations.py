"""The Vietnamese catalogue is complete: every msgid in the source has a Vietnamese translation.

The source is scanned the same way `make messages` does (Django's makemessages, GNU xgettext), in a copy of
the tree, and the result is compared with the committed catalogues."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _committed_catalogue() -> dict[str, polib.POEntry]:
    entries = {}
    for po_path in (ROOT / "danvan").glob("**/locale/vi/LC_MESSAGES/django.po"):
        for entry in polib.pofile(str(po_path)):
            key = (entry.msgctxt or "") + "\x04" + entry.msgid
            # Django merges the catalogues; an empty entry in one does not hide a translation in another.
            if key not in entries or (entry.translated() and "fuzzy" not in entry.flags):
                entries[key] = entry
    return entries


def _extracted(tmp_path: Path) -> set[str]:
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT / "danvan",
        copy / "danvan",
        ignore=shutil.ignore_patterns("static", "__pycache__", "*.po", "*.mo", "nlp"),
    )
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    for locale_dir in (ROOT / "danvan").glob("**/locale"):
        (copy / locale_dir.relative_to(ROOT) / "vi" / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "vi", "--no-location", "--no-wrap"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={**__import__("os").environ, "PYTHONPATH": str(copy)},
    )
    found = set()
    for po_path in copy.glob("**/locale/vi/LC_MESSAGES/django.po"):
        for entry in polib.pofile(str(po_path)):
            found.add((entry.msgctxt or "") + "\x04" + entry.msgid)
    return found


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed (see .ci/run)")
def test_every_string_is_translated(tmp_path):
    catalogue = _committed_catalogue()
    extracted = _extracted(tmp_path)
    assert len(extracted) > 100
    missing = sorted(k.split("\x04", 1)[1] for k in extracted if k not in catalogue)
    untranslated = sorted(
        k.split("\x04", 1)[1]
        for k in extracted
        if k in catalogue and (not catalogue[k].translated() or "fuzzy" in catalogue[k].flags)
    )
    assert not missing, (
        f"{len(missing)} strings are not in the catalogue (run `make messages`):\n" + "\n".join(missing[:50])
    )
    assert not untranslated, f"{len(untranslated)} strings have no Vietnamese translation:\n" + "\n".join(
        untranslated[:50]
    )


def test_vietnamese_is_served(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Đăng nhập" in response.content.decode()


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext is not installed (see .ci/run)")
def test_catalogues_keep_the_placeholders_of_their_source():
    """``msgfmt --check``: a Vietnamese string must use the same %(name)s placeholders as its English source
    (a missing one hides a figure from the user, an extra one raises at run time)."""
    failures = []
    for po_path in sorted((ROOT / "danvan").glob("**/locale/vi/LC_MESSAGES/django.po")):
        run = subprocess.run(
            ["msgfmt", "--check-format", "-o", "/dev/null", str(po_path)], capture_output=True, text=True
        )
        if run.returncode != 0:
            failures.append(run.stderr.strip())
    assert not failures, "\n".join(failures)


def test_no_string_has_two_translations_in_two_catalogues():
    """Django merges the apps' catalogues and the first app's translation wins everywhere: the same English
    string translated two ways ("Transfer": a case's "Chuyển đơn", a member's "Chuyển sinh hoạt") shows one
    app the other's word. Such strings carry a context (``pgettext``) or one translation."""
    seen: dict[tuple, tuple[str, Path]] = {}
    clashes = []
    for po_path in sorted((ROOT / "danvan").glob("**/locale/vi/LC_MESSAGES/django.po")):
        for entry in polib.pofile(str(po_path)):
            if entry.obsolete or not entry.msgstr:
                continue
            key = (entry.msgctxt, entry.msgid)
            if key in seen and seen[key][0] != entry.msgstr:
                clashes.append(f"{key}: {seen[key][0]!r} ({seen[key][1]}) / {entry.msgstr!r} ({po_path})")
            seen.setdefault(key, (entry.msgstr, po_path.relative_to(ROOT)))
    assert not clashes, "\n".join(clashes)
    from django.utils import translation

    with translation.override("vi"):
        assert translation.pgettext("case", "Transfer") == "Chuyển đơn"
        assert translation.gettext("Transfer") == "Chuyển sinh hoạt"


def test_the_api_answers_in_vietnamese(db):
    """Django REST framework ships 21 of its 126 messages in Vietnamese: the others come from
    danvan/thirdparty/locale, so a client is told why in Vietnamese (signed out, bad token, wrong type)."""
    from rest_framework.test import APIClient

    client = APIClient()
    assert client.get("/api/persons/").json() == {"detail": "Chưa cung cấp thông tin xác thực."}
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef")
    assert client.get("/api/persons/").json() == {"detail": "Mã xác thực không hợp lệ."}
    from django.utils import translation

    with translation.override("vi"):
        assert translation.gettext("A valid integer is required.") == "Cần một số nguyên hợp lệ."
        # an app's own word is not replaced by the third-party catalogue
        assert translation.gettext("Search") == "Tìm kiếm"
