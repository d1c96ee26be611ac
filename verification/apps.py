from django.apps import AppConfig
from django.db.models.signals import post_migrate


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = "Verification"

    def ready(self) -> None:
        from .roles import ensure_role_groups

        # After auth's own post_migrate handler has created this app's permissions.
        post_migrate.connect(ensure_role_groups, sender=self, dispatch_uid="verification-roles")
