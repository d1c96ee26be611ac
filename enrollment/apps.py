from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = "Enrollment"

    def ready(self) -> None:
        from verification.mail import register_attachment_source, register_language_source

        from . import checks, receivers  # noqa: F401  (connects signals, registers checks)
        from .credentials import checks as credential_checks  # noqa: F401  (deploy checks)
        from .paths import definitions  # noqa: F401  (registers the MCT paths)
        from .review_context import register as register_review_context
        from .services.documents import document_attachment
        from .services.trainers import trainer_language

        register_attachment_source("payment_document", document_attachment)
        register_language_source(trainer_language)
        register_review_context()
