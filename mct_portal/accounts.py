import time

from allauth.account.adapter import DefaultAccountAdapter


class PortalAccountAdapter(DefaultAccountAdapter):
    """Sign-up stays open: anyone may create an account and then apply."""

    def is_open_for_signup(self, request) -> bool:
        return True

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """A staff member enrolling their first authenticator right after signing in with
        their password is not asked for it again (the enrolment is the sign-in's next step);
        every other change to the second factor asks, as allauth does."""
        required = super().is_reauthentication_required(app=app, **kwargs)
        if required and app == "allauth.mfa" and _first_enrolment_after_sign_in():
            return False
        return required


def _first_enrolment_after_sign_in() -> bool:
    from allauth.account import app_settings
    from allauth.account.authentication import get_authentication_records
    from allauth.core import context
    from allauth.mfa.models import Authenticator

    request = context.request
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if Authenticator.objects.filter(user=user).exists():
        return False
    records = get_authentication_records(request, user)
    passwords = [r for r in records if r.get("method") == "password"]
    return bool(passwords) and time.time() - passwords[-1]["at"] < (
        app_settings.REAUTHENTICATION_TIMEOUT
    )
