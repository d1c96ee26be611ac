from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The portal's wiring: staff second-factor and session signals, the deployment checks."""

    name = "mct_portal"
    verbose_name = "MCT Portal"

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401  (registers the deployment checks)
            lockout,
            middleware,
            staff_mfa,
        )

        staff_mfa.connect_signals()
        lockout.connect_signals()
        middleware.connect_signals()
