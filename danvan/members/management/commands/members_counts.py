"""Check (and with --rebuild repair) the daily counts the figures are read from."""

from django.core.management.base import BaseCommand
from django.db import transaction

from danvan.members import counts


class Command(BaseCommand):
    help = "Compare the members' daily counts with the memberships; --rebuild recomputes them all."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true")

    def handle(self, *args, **options):
        if options["rebuild"]:
            with transaction.atomic():
                written = counts.rebuild()
            self.stdout.write(f"rebuilt: {written} rows")
        problems = counts.verify()
        self.stdout.write(
            "the daily counts agree with the memberships" if not problems else f"{len(problems)} rows differ"
        )
        if problems:
            raise SystemExit(1)
