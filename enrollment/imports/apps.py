from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "enrollment.imports"
    label = "imports"
    verbose_name = "Data imports"
    default_auto_field = "django.db.models.BigAutoField"
