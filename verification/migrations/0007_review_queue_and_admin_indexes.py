"""Indexes for the review queue (issue 14): a partial index over the waiting documents in
queue order (the first page, the pending and overdue counts, the next document), the same
order over every state, and the decided documents' decision times (decided today); and
for the admin lists of outbound emails and audit events. On PostgreSQL also a prefix index
on the lower-cased recipient address, for the outbound email search."""

from django.conf import settings
from django.db import migrations, models

EMAIL_TO_PREFIX_INDEX = "email_to_prefix_idx"


def create_email_to_prefix_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("verification", "OutboundEmail")._meta.db_table)
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS {EMAIL_TO_PREFIX_INDEX} ON {table} (lower("to") text_pattern_ops)'
    )


def drop_email_to_prefix_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {EMAIL_TO_PREFIX_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("verification", "0006_outbound_email_language"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(create_email_to_prefix_index, drop_email_to_prefix_index),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["action", "created_at"], name="audit_action_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["object_id"], name="audit_object_id_idx"),
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(
                condition=models.Q(("state", "queued")),
                fields=["due_on", "created_at", "id"],
                name="doc_waiting_order_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(fields=["due_on", "created_at", "id"], name="doc_order_idx"),
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(
                condition=models.Q(("decided_at__isnull", False)),
                fields=["decided_at"],
                name="doc_decided_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="outboundemail",
            index=models.Index(fields=["created_at", "id"], name="email_created_idx"),
        ),
        migrations.AddIndex(
            model_name="outboundemail",
            index=models.Index(fields=["role", "created_at"], name="email_role_idx"),
        ),
    ]
