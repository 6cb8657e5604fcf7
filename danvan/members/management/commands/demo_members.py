"""Members for a province that already has the demo structure (the demo generator adds them by itself)."""

import time

from django.core.management.base import BaseCommand, CommandError

from danvan.members import generator
from danvan.members.models import Membership


class Command(BaseCommand):
    help = "Generate demo members with five years of history in a province (default 86), once."

    def add_arguments(self, parser):
        parser.add_argument("--province", default="86")
        parser.add_argument("--memberships", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **options):
        province = generator.province_of(options["province"])
        if Membership.objects.filter(unit_path__startswith=province.path).exists():
            self.stdout.write(f"{province.name} already has members: nothing done")
            return
        started = time.monotonic()
        result = generator.generate(
            province=province, seed=options["seed"], memberships=options["memberships"]
        )
        if not result["memberships"]:
            raise CommandError("no branch with members in this province: run demo_province first")
        took = time.monotonic() - started

        def n(key: str) -> str:
            return f"{result[key]:,}".replace(",", ".")

        self.stdout.write(
            f"{province.name}: {n('memberships')} memberships of {n('persons')} people, {n('movements')} movements, "
            f"{n('duplicates')} possible duplicates in {took:.1f}s"
        )
