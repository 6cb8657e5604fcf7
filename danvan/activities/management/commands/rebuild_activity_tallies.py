"""Recompute the monthly tallies of meetings and attendances from the rows (after a restore or a load made
with the triggers switched off; the triggers keep them right otherwise)."""

import time

from django.core.management.base import BaseCommand

from danvan.activities import services


class Command(BaseCommand):
    help = "Recompute the activities' monthly tallies from the meetings and attendances."

    def add_arguments(self, parser):
        parser.add_argument("--under", default="", help="only under this unit path, e.g. 86/")

    def handle(self, *args, **options):
        started = time.monotonic()
        services.tallies_rebuild(unit_path=options["under"])
        self.stdout.write(f"tallies rebuilt in {time.monotonic() - started:.1f}s")
