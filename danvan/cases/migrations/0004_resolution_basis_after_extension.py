"""Cases extended before the extension updated the resolution basis kept the pre-extension limit on their
deadline card ("30 ngày" for a complaint extended to 45): set it from the recorded extensions."""

from django.db import migrations


def forwards(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    changed = []
    for case in Case.objects.filter(extension_count__gt=0).only("pk", "kind", "deadline_basis").iterator():
        basis = case.deadline_basis or {}
        resolution, extensions = basis.get("resolution"), basis.get("extensions") or []
        if not resolution or not extensions or resolution.get("extended"):
            continue
        if case.kind == "complaint":
            resolution["days"] = extensions[-1].get("days", resolution.get("days"))
        else:
            resolution["days"] = resolution.get("days", 0) + sum(x.get("days", 0) for x in extensions)
        resolution["due"] = extensions[-1].get("due", resolution.get("due"))
        resolution["extended"] = True
        changed.append(case)
    Case.objects.bulk_update(changed, ["deadline_basis"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_ratings_history")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
