"""Fill one province with demo data (villages, organisations, branches, accounts). Runs once per province."""

import time

from django.core.management.base import BaseCommand

from danvan.core import demo


class Command(BaseCommand):
    help = "Generate the demo province (default 86, Vĩnh Long, which contains the seeds' Trà Vinh)."

    def add_arguments(self, parser):
        parser.add_argument("--province", default="86", help="province code (2 digits)")
        parser.add_argument("--seed", type=int, default=demo.DEMO_SEED)
        parser.add_argument("--small", action="store_true", help="a few communes only (tests)")

    def handle(self, *args, **options):
        started = time.monotonic()
        kwargs = {"province_code": options["province"], "seed": options["seed"]}
        if options["small"]:
            kwargs.update(villages_per_commune=(1, 2), max_communes=3, size="small")
        result = demo.generate(**kwargs)
        state = "created" if result.created else "already present"
        self.stdout.write(
            f"demo province {result.province.name}: {state} in {time.monotonic() - started:.1f}s"
        )
        for key, value in result.counts.items():
            self.stdout.write(f"  {key}: {value:,}".replace(",", "."))
