"""Compile every Vietnamese .po catalogue to .mo in pure Python (no GNU gettext needed on the machine)."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


def catalogues() -> list[Path]:
    root = Path(settings.BASE_DIR) / "danvan"
    return sorted(p for p in root.glob("**/locale/*/LC_MESSAGES/*.po"))


class Command(BaseCommand):
    help = "Compile the .po catalogues to .mo (only those that changed)."

    def handle(self, *args, **options):
        compiled = 0
        for po_path in catalogues():
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            compiled += 1
        if compiled:
            self.stdout.write(f"compiled {compiled} catalogue(s)")
