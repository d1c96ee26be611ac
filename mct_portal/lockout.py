"""Sign-in failures are limited per (account, client address), with a growing delay.

Someone who knows a trainer's email can lock that email only for their own address: the
owner, from anywhere else, signs in as usual. Each further wrong password during a lockout
doubles it (up to a day) for that address alone. While locked, the owner still has two ways
in that need no password: sign-in by a code emailed to them (allauth's login by code), and
a password reset, which also lifts the lock.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Max

MAX_COOL_OFF = timedelta(days=1)


def login_username(request, credentials: dict | None) -> str | None:
    """The account a sign-in names (allauth passes `email`; its form posts `login`)."""
    value = None
    for key in ("email", "login", "username"):
        if credentials and credentials.get(key):
            value = credentials[key]
            break
    if value is None and request is not None:
        data = getattr(request, "POST", None) or {}
        value = data.get("login") or data.get("email")
    return str(value).strip().lower() if value else None


def cool_off(request=None) -> timedelta:
    """AXES_LOCKOUT_BASE for the first lockout, doubled for every failure after it."""
    base = timedelta(seconds=settings.AXES_LOCKOUT_BASE_SECONDS)
    failures = _failures(request)
    extra = max(0, failures - settings.AXES_FAILURE_LIMIT)
    if extra >= 20:
        return MAX_COOL_OFF
    return min(base * 2**extra, MAX_COOL_OFF)


def _failures(request) -> int:
    if request is None:
        return 0
    from axes.models import AccessAttempt

    ip_address = getattr(request, "axes_ip_address", None)
    username = login_username(request, getattr(request, "axes_credentials", None))
    if not ip_address or not username:
        return 0
    found = AccessAttempt.objects.filter(username=username, ip_address=ip_address).aggregate(
        most=Max("failures_since_start")
    )
    return found["most"] or 0


def lift_lock_on_password_reset(sender, request, user, **kwargs) -> None:
    """A password reset proves the owner reads the account's mail: the lock goes."""
    from axes.utils import reset

    for address in {user.email, user.get_username()}:
        if address:
            reset(username=address.strip().lower())


def connect_signals() -> None:
    from allauth.account.signals import password_reset

    password_reset.connect(lift_lock_on_password_reset, dispatch_uid="mct_portal.lockout.reset")
