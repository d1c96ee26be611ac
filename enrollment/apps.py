from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = "Enrollment"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects verification signals)
        from .credentials import checks  # noqa: F401  (registers the deploy checks)
