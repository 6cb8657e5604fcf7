"""Item becomes a table partitioned by month on published_at (ADR 0008).

The table Django created in 0001 is swapped for a partitioned one with the same columns; its indexes and
foreign keys are recreated on the partitioned table (PostgreSQL propagates them to every partition). The
primary key in the database is (id, published_at): a partitioned table's unique constraints must contain the
partition key. Django keeps ``id`` as the pk (an identity column, unique by construction). A default partition
catches any row whose month has no partition yet; ``danvan.opinion.partitions.ensure_partitions`` creates the
monthly ones (ahead by a periodic job, on demand for back-dated items).
"""

from django.db import migrations

SWAP = r"""
DO $$
DECLARE
    r record;
    index_defs text[] := '{}';
    fk_defs text[] := '{}';
    d text;
BEGIN
    FOR r IN
        SELECT pg_get_indexdef(i.indexrelid) AS def
        FROM pg_index i
        WHERE i.indrelid = 'opinion_item'::regclass AND NOT i.indisprimary
    LOOP
        index_defs := index_defs || r.def;
    END LOOP;
    FOR r IN
        SELECT conname, pg_get_constraintdef(oid) AS def
        FROM pg_constraint
        WHERE conrelid = 'opinion_item'::regclass AND contype IN ('f', 'c')
    LOOP
        fk_defs := fk_defs || format('ALTER TABLE opinion_item ADD CONSTRAINT %I %s', r.conname, r.def);
    END LOOP;

    ALTER TABLE opinion_item RENAME TO opinion_item_unpartitioned;
    CREATE TABLE opinion_item (
        LIKE opinion_item_unpartitioned INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING GENERATED
    ) PARTITION BY RANGE (published_at);
    DROP TABLE opinion_item_unpartitioned;
    ALTER TABLE opinion_item ADD CONSTRAINT opinion_item_pkey PRIMARY KEY (id, published_at);
    CREATE TABLE opinion_item_default PARTITION OF opinion_item DEFAULT;

    FOREACH d IN ARRAY index_defs LOOP
        EXECUTE d;  -- captured before the rename: they name opinion_item
    END LOOP;
    FOREACH d IN ARRAY fk_defs LOOP
        EXECUTE d;
    END LOOP;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("opinion", "0001_initial")]

    operations = [migrations.RunSQL(SWAP, reverse_sql=migrations.RunSQL.noop)]
