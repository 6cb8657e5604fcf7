"""Raw SQL the ORM cannot express.

- The import staging table is UNLOGGED: it holds only rows being checked (filled with COPY), which a crash
  may lose without harm, and it is written at several times the speed of a logged table.
- When a branch moves (a village merged into another, ``structure.services.unit_deactivate``), its
  memberships, movements and daily counts follow it: a trigger on ``structure_branch`` keeps their
  denormalised paths in step, whatever code changes the branch.
"""

from django.db import migrations

SYNC = """
CREATE OR REPLACE FUNCTION members_branch_paths_sync() RETURNS trigger AS $$
BEGIN
    IF NEW.unit_path IS DISTINCT FROM OLD.unit_path OR NEW.path IS DISTINCT FROM OLD.path THEN
        UPDATE members_membership SET unit_path = NEW.unit_path, org_path = NEW.path WHERE branch_id = NEW.id;
        UPDATE members_movement SET unit_path = NEW.unit_path, org_path = NEW.path WHERE branch_id = NEW.id;
        UPDATE members_dailycount SET unit_path = NEW.unit_path, org_path = NEW.path WHERE branch_id = NEW.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER members_branch_paths_sync
AFTER UPDATE OF unit_path, path ON structure_branch
FOR EACH ROW EXECUTE FUNCTION members_branch_paths_sync();
"""

UNSYNC = """
DROP TRIGGER IF EXISTS members_branch_paths_sync ON structure_branch;
DROP FUNCTION IF EXISTS members_branch_paths_sync();
"""


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial"), ("structure", "0001_initial")]

    operations = [
        migrations.RunSQL("ALTER TABLE members_importrow SET UNLOGGED", "ALTER TABLE members_importrow SET LOGGED"),
        migrations.RunSQL(SYNC, UNSYNC),
    ]
