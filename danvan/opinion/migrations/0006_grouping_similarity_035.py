"""The same-matter similarity's default goes from 0.25 to 0.35: since stopwords are judged with their diacritics,
an item has more keywords ("thu hồi", "đất", "bồi thường" were dropped as "thu hoi", "dat", "boi"), and at 0.25
different matters of a commune that share a few of them joined. A settings row still at the old default gets the
new one; a value an administrator chose is kept."""

from django.db import migrations, models

OLD, NEW = 0.25, 0.35


def _field():
    return models.FloatField(
        default=NEW,
        help_text="Smallest text similarity (0–1) for an item to join an issue of its commune and field.",
        verbose_name="same-matter similarity",
    )


def forwards(apps, schema_editor):
    apps.get_model("opinion", "OpinionSettings").objects.filter(grouping_similarity=OLD).update(
        grouping_similarity=NEW
    )


def backwards(apps, schema_editor):
    apps.get_model("opinion", "OpinionSettings").objects.filter(grouping_similarity=NEW).update(
        grouping_similarity=OLD
    )


class Migration(migrations.Migration):
    dependencies = [
        ("opinion", "0005_item_given_field"),
    ]

    operations = [
        migrations.AlterField(
            model_name="opinionsettingsevent",
            name="grouping_similarity",
            field=_field(),
        ),
        migrations.AlterField(
            model_name="opinionsettings",
            name="grouping_similarity",
            field=_field(),
        ),
        migrations.RunPython(forwards, backwards),
    ]
