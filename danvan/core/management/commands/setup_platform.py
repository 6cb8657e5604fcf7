"""Load the reference data every installation needs: units, former provinces, organisation types, roles.
Idempotent: a second run changes nothing that is already there."""

from django.core.management.base import BaseCommand

from danvan.accounts.services import roles_seed
from danvan.structure.services import org_types_seed, units_load


class Command(BaseCommand):
    help = "Load administrative units (34 provinces, 3,321 communes, 63 former provinces), organisation types and roles."

    def handle(self, *args, **options):
        report = units_load()
        types = org_types_seed()
        roles = roles_seed()
        self.stdout.write(
            f"units: {report.provinces} provinces, {report.communes} communes, "
            f"{report.legacy_provinces} former provinces; new organisation types: {types}; new roles: {roles}"
        )
