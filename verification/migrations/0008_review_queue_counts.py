"""The review queue's counts, kept (issue 14): one row per due day with the number of
documents waiting for review, maintained by a trigger on the document table for every
insert, delete and change of state or due day, whatever code path makes it. The queue's
"waiting" and "overdue" figures add up these rows instead of counting the waiting
documents. PostgreSQL only: elsewhere the queue counts the documents (see
verification.admin.review_dashboard)."""

from django.db import migrations, models

DOCUMENTS = "verification_document"
DAYS = "verification_reviewqueueday"
FUNCTION = "verification_review_queue_day_keep"
NO_DUE_DATE = "9999-12-31"  # verification.models.NO_DUE_DATE


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    execute = schema_editor.execute
    execute(
        f"""
        CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND OLD.state IS NOT DISTINCT FROM NEW.state
                    AND OLD.due_on IS NOT DISTINCT FROM NEW.due_on THEN
                RETURN NULL;
            END IF;
            IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state = 'queued' THEN
                INSERT INTO {DAYS} (due_on, waiting)
                VALUES (COALESCE(OLD.due_on, DATE '{NO_DUE_DATE}'), -1)
                ON CONFLICT (due_on) DO UPDATE SET waiting = {DAYS}.waiting - 1;
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state = 'queued' THEN
                INSERT INTO {DAYS} (due_on, waiting)
                VALUES (COALESCE(NEW.due_on, DATE '{NO_DUE_DATE}'), 1)
                ON CONFLICT (due_on) DO UPDATE SET waiting = {DAYS}.waiting + 1;
            END IF;
            RETURN NULL;
        END
        $$ LANGUAGE plpgsql
        """  # noqa: S608 — constants only
    )
    execute(
        f"CREATE TRIGGER {FUNCTION} AFTER INSERT OR DELETE OR UPDATE OF state, due_on "
        f"ON {DOCUMENTS} FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"
    )
    execute(f"DELETE FROM {DAYS}")  # noqa: S608 — constants only
    execute(
        f"INSERT INTO {DAYS} (due_on, waiting) "  # noqa: S608 — constants only
        f"SELECT COALESCE(due_on, DATE '{NO_DUE_DATE}'), COUNT(*) FROM {DOCUMENTS} "
        "WHERE state = 'queued' GROUP BY 1"
    )


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {FUNCTION} ON {DOCUMENTS}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


class Migration(migrations.Migration):
    dependencies = [
        ("verification", "0007_review_queue_and_admin_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReviewQueueDay",
            fields=[
                ("due_on", models.DateField(primary_key=True, serialize=False)),
                ("waiting", models.IntegerField(default=0)),
            ],
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
