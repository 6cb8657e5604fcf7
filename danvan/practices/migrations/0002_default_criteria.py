"""The default criteria a council scores "Dân vận khéo" models against (data/criteria.json)."""

from django.db import migrations


def seed(apps, schema_editor):
    from danvan.practices.services import scheme_seed

    scheme_seed(scheme_model=apps.get_model("practices", "AssessmentScheme"))


class Migration(migrations.Migration):
    dependencies = [("practices", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
