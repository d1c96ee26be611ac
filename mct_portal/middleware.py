import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _


class NoStoreForSignedInMiddleware:
    """Pages shown to a signed-in person hold personal data: no shared or back-button cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


# The admin (review queue) and the support console are staff pages: English only.
STAFF_PATH_PREFIXES = ("/admin/", "/support/")


class TrainerLanguageMiddleware:
    """A signed-in trainer's saved language wins over the cookie and Accept-Language that
    LocaleMiddleware read; staff pages (admin, support) stay English whatever was chosen."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = "en" if request.path_info.startswith(STAFF_PATH_PREFIXES) else ""
        language = language or saved_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def saved_language(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    trainer = getattr(user, "trainer", None)
    language = getattr(trainer, "language", "") if trainer is not None else ""
    return language if language in dict(settings.LANGUAGES) else ""


def client_ip(request: HttpRequest) -> str:
    """The caller's address for rate limits: behind PROXY_COUNT trusted proxies, the entry
    they appended to X-Forwarded-For; with no proxy, the socket's address.

    Entries to the left of the trusted ones are written by the client and never believed.
    """
    proxies = getattr(settings, "PROXY_COUNT", 0)
    remote = request.META.get("REMOTE_ADDR", "")
    if proxies <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < proxies:
        return remote
    return hops[-proxies]


class RejectNulMiddleware:
    """A NUL character is never part of a valid address here, and PostgreSQL refuses it in
    any string: a path holding one, or an admin query holding one (the admin's list filters
    and search pass query values straight to the database), gets a 400 before any lookup.
    The portal's own forms and searches handle NUL in their input with their own messages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            reason = _("The address contained a character that is never valid here.")
            content = render_to_string("400.html", {"reason": reason}, request=request)
            return HttpResponseBadRequest(content)
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path_info:
        return True
    if not request.path_info.startswith(_admin_prefix()):
        return False
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


def _admin_prefix() -> str:
    return reverse("admin:index")


# The session key holding when a session was last saved by SessionRefreshMiddleware (epoch s).
SESSION_REFRESHED_KEY = "_refreshed_at"


def stamp_session_on_login(sender, request, user, **kwargs) -> None:
    """A sign-in saves the session anyway: it counts as its refresh, so the next page does
    not write it again."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_REFRESHED_KEY] = int(time.time())


def connect_signals() -> None:
    user_logged_in.connect(stamp_session_on_login, dispatch_uid="mct_portal.session_refresh")


class SessionRefreshMiddleware:
    """Keeps SESSION_COOKIE_AGE an idle timeout without writing the session on every request.

    Instead of SESSION_SAVE_EVERY_REQUEST, a session that was used by the request is saved
    again (its expiry, and the cookie's, pushed back a whole SESSION_COOKIE_AGE) only once
    SESSION_REFRESH_SECONDS have passed since it was last saved: a person idle for the
    cookie age is signed out, give or take that interval, and a page opened inside the
    interval writes nothing. Sits after SessionMiddleware, so its change is saved by it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # A session nobody read (a static file, a health probe) or that is empty (signed
        # out, flushed) is left alone: refreshing it would load or revive it.
        if session is None or not session.accessed or session.is_empty():
            return response
        now = int(time.time())
        last = session.get(SESSION_REFRESHED_KEY)
        due = not isinstance(last, int) or not 0 <= now - last < settings.SESSION_REFRESH_SECONDS
        if session.modified or due:
            session[SESSION_REFRESHED_KEY] = now
        return response
