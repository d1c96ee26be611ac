"""Program admins run the data imports: a group holding the import permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = ["run_import", "view_importrun"]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs them now.
    app_config = apps.get_app_config("imports")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Program admins")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="imports", codename__in=PERMISSIONS)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("imports", "0001_import_runs"),
    ]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
