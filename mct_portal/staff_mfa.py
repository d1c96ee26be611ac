"""Staff sign in with a second factor (allauth's MFA: TOTP, with recovery codes).

Reviewers, Support and superusers (and anyone who may open the admin) reach no page of the
portal but allauth's own until this session has passed a second factor: a TOTP code or a
recovery code at sign-in, or the TOTP code that enrolled the authenticator. A staff account
without an authenticator is sent to enrol on its first sign-in. Every step is audited.
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from verification.audit import audit
from verification.roles import REVIEWERS_GROUP, SUPPORT_GROUP

STAFF_GROUPS = (REVIEWERS_GROUP, SUPPORT_GROUP)
# allauth's pages (sign-in, sign-out, the MFA pages themselves) and what needs no account.
EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/verify/")


def requires_second_factor(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.is_staff:
        return True
    cache = getattr(user, "_portal_group_names", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._portal_group_names = cache
    return any(name in cache for name in STAFF_GROUPS)


def passed_second_factor(request: HttpRequest) -> bool:
    from allauth.account.authentication import get_authentication_records

    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def has_authenticator(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class StaffSecondFactorMiddleware:
    """Sends a staff session that has not passed a second factor to enrol or to enter a code."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            not request.path_info.startswith(EXEMPT_PREFIXES)
            and requires_second_factor(getattr(request, "user", None))
            and not passed_second_factor(request)
        ):
            return self.second_factor_needed(request)
        return self.get_response(request)

    def second_factor_needed(self, request: HttpRequest) -> HttpResponse:
        following = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        if has_authenticator(request.user):
            messages.info(
                request, "Staff pages need your second factor: enter the code from your app."
            )
            url = reverse("mfa_reauthenticate")
        else:
            messages.info(
                request,
                "Staff accounts sign in with a second factor. Set up an authenticator app "
                "(TOTP) to continue; you will get recovery codes for when the app is not "
                "at hand.",
            )
            url = reverse("mfa_activate_totp")
        return redirect(f"{url}?{following}" if following else url)


# --- The enrolling code counts as this session's second factor; every step is audited ---


def on_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    _audit(user, "mfa.authenticator_added", authenticator)


def on_authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    _audit(user, "mfa.authenticator_removed", authenticator)


def on_authenticator_reset(sender, request, user, authenticator, **kwargs) -> None:
    _audit(user, "mfa.authenticator_reset", authenticator)


def on_authenticator_used(sender, request, user, authenticator, **kwargs) -> None:
    note = "reauthenticated" if kwargs.get("reauthenticated") else "signed in"
    _audit(user, "mfa.authenticator_used", authenticator, note=note)


def on_authentication_failed(sender, request, user, authenticator, **kwargs) -> None:
    _audit(user, "mfa.authentication_failed", authenticator)


def _audit(user, action: str, authenticator, note: str = "") -> None:
    audit(
        actor=user,
        action=action,
        target=authenticator if authenticator is not None else user,
        subject_user=user,
        after={"type": getattr(authenticator, "type", "")},
        note=note,
    )


def connect_signals() -> None:
    from allauth.mfa import signals

    pairs = [
        (signals.authenticator_added, on_authenticator_added),
        (signals.authenticator_removed, on_authenticator_removed),
        (signals.authenticator_reset, on_authenticator_reset),
        (signals.authenticator_used, on_authenticator_used),
        (signals.authentication_failed, on_authentication_failed),
    ]
    for signal, receiver in pairs:
        signal.connect(receiver, dispatch_uid=f"mct_portal.staff_mfa.{receiver.__name__}")
