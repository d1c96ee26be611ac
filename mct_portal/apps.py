from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The portal's wiring: staff second-factor signals and the deployment checks."""

    name = "mct_portal"
    verbose_name = "MCT Portal"

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401  (registers the deployment checks)
            lockout,
            staff_mfa,
        )

        staff_mfa.connect_signals()
        lockout.connect_signals()
