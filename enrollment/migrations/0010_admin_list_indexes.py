"""Indexes that serve the admin changelists' orderings, filters and searches on big tables
(issue 14), and partial indexes on the sign-in accounts for the user admin's staff,
superuser and inactive filters (few rows each among a million accounts)."""

from django.conf import settings
from django.db import migrations, models

# (name, predicate): each indexes username (the user admin's order) over a few rows.
USER_FILTER_INDEXES = [
    ("user_staff_idx", "is_staff"),
    ("user_superuser_idx", "is_superuser"),
    ("user_inactive_idx", "NOT is_active"),
]


def create_user_filter_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model(settings.AUTH_USER_MODEL)._meta.db_table)
    for name, predicate in USER_FILTER_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} (username) WHERE {predicate}"
        )


def drop_user_filter_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _predicate in USER_FILTER_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0009_data_exports_and_erasure"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(create_user_filter_indexes, drop_user_filter_indexes),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(fields=["created_at", "id"], name="application_created_idx"),
        ),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(
                fields=["status", "created_at", "id"], name="application_status_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(fields=["path", "created_at", "id"], name="application_path_idx"),
        ),
        migrations.AddIndex(
            model_name="earnedcertification",
            index=models.Index(fields=["earned_on", "id"], name="earned_cert_date_idx"),
        ),
        migrations.AddIndex(
            model_name="examresult",
            index=models.Index(fields=["passed_on", "id"], name="exam_result_passed_idx"),
        ),
        migrations.AddIndex(
            model_name="mcpidclaimattempt",
            index=models.Index(fields=["value"], name="claim_attempt_value_idx"),
        ),
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(fields=["starts_on", "id"], name="membership_start_idx"),
        ),
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(
                fields=["status", "starts_on", "id"], name="membership_status_start_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(fields=["anniversary_on"], name="membership_anniversary_idx"),
        ),
        migrations.AddIndex(
            model_name="mtmtrainingrecord",
            index=models.Index(fields=["delivered_on", "id"], name="mtm_delivered_idx"),
        ),
        migrations.AddIndex(
            model_name="payment",
            index=models.Index(fields=["created_at", "id"], name="payment_created_idx"),
        ),
        migrations.AddIndex(
            model_name="payment",
            index=models.Index(fields=["status", "created_at", "id"], name="payment_status_idx"),
        ),
        migrations.AddIndex(
            model_name="payment",
            index=models.Index(fields=["reference"], name="payment_ref_search_idx"),
        ),
    ]
