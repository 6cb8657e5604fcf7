"""Collaborators' reports stored before 2026-12-08 kept the raw words (names, phones, ID numbers): strip them
as new reports are (audit #6)."""

from django.db import migrations


def strip(apps, schema_editor):
    from danvan.opinion.privacy import strip_personal

    Report = apps.get_model("opinion", "CollaboratorReport")
    for r in Report.objects.only("pk", "what_people_say", "where").iterator():
        text, where = strip_personal(r.what_people_say), strip_personal(r.where or "")[:300]
        if (text, where) != (r.what_people_say, r.where):
            Report.objects.filter(pk=r.pk).update(what_people_say=text, where=where)
    # their row history (pghistory events) held the same words
    Event = apps.get_model("opinion", "CollaboratorReportEvent")
    for e in Event.objects.only("pgh_id", "what_people_say", "where").iterator():
        text, where = strip_personal(e.what_people_say), strip_personal(e.where or "")[:300]
        if (text, where) != (e.what_people_say, e.where):
            Event.objects.filter(pgh_id=e.pgh_id).update(what_people_say=text, where=where)


class Migration(migrations.Migration):
    dependencies = [("opinion", "0007_item_reviewed_at")]
    operations = [migrations.RunPython(strip, migrations.RunPython.noop)]
