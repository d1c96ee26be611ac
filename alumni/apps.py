from django.apps import AppConfig


class AlumniConfig(AppConfig):
    name = "alumni"
    verbose_name = "MCT Alumni"

    def ready(self) -> None:
        from . import paths  # noqa: F401  (registers the alumni paths)
