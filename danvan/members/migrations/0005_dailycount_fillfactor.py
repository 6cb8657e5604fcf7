"""The daily counts are updated in place (a movement shifts the running totals of a branch's later days):
leave room in each page so that those updates stay on the page (HOT updates, no index entries)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("members", "0004_staging_duplicates")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE members_dailycount SET (fillfactor = 70)",
            "ALTER TABLE members_dailycount RESET (fillfactor)",
        ),
    ]
