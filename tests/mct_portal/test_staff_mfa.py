"""Staff sign in with a second factor (allauth's MFA): TOTP with recovery codes, required for
Reviewers, Support and superusers before any admin or support page, enrolled on the first
staff sign-in, audited. Codes come from pyotp, as from an authenticator app."""

from datetime import timedelta

import pyotp
import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.core.cache import cache
from django.utils import timezone

from tests import factories
from tests.factories import PASSWORD
from verification.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.real_mfa]

QUEUE = "/admin/verification/document/"
ACTIVATE = "/accounts/2fa/totp/activate/"
AUTHENTICATE = "/accounts/2fa/authenticate/"
REAUTHENTICATE = "/accounts/2fa/reauthenticate/"


@pytest.fixture(autouse=True)
def _on_commit(django_capture_on_commit_callbacks):
    """allauth sends authenticator_added after commit: run those callbacks as they come."""
    global _capture
    _capture = django_capture_on_commit_callbacks
    yield


_capture = None


@pytest.fixture(autouse=True)
def _fresh_used_codes():
    """allauth remembers used TOTP codes in the cache; user ids repeat between tests."""
    cache.clear()
    yield
    cache.clear()


def _sign_in_with_password(client, user):
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:800]
    return response


def _enrol(client) -> pyotp.TOTP:
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    totp = pyotp.TOTP(secret)
    with _capture(execute=True):
        response = client.post(ACTIVATE, {"code": totp.now()})
    assert response.status_code == 302, response.content[:800]
    return totp


@pytest.mark.parametrize(
    ("make", "url"),
    [
        (factories.ReviewerFactory, QUEUE),
        (factories.SupportFactory, "/support/"),
        (lambda: factories.UserFactory(is_staff=True, is_superuser=True), "/admin/"),
    ],
    ids=["reviewer-queue", "support-console", "superuser-admin"],
)
def test_staff_without_a_second_factor_reach_no_staff_page(client, make, url):
    user = make()
    client.force_login(user)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(ACTIVATE)
    # Nor any other page of the portal but allauth's own.
    assert client.get("/profile/")["Location"].startswith(ACTIVATE)


def test_a_trainer_needs_no_second_factor(client, trainer):
    client.force_login(trainer.user)
    assert client.get("/profile/").status_code == 200


def test_a_reviewer_enrols_on_first_sign_in_and_then_reaches_the_queue(client, reviewer):
    response = _sign_in_with_password(client, reviewer)
    # First sign-in: sent to set up the authenticator before anything else.
    response = client.get(response["Location"])
    assert response["Location"].startswith(ACTIVATE)
    assert client.get(QUEUE)["Location"].startswith(ACTIVATE)

    _enrol(client)

    assert Authenticator.objects.filter(user=reviewer, type="totp").exists()
    assert Authenticator.objects.filter(user=reviewer, type="recovery_codes").exists()
    assert client.get(QUEUE).status_code == 200
    assert AuditEvent.objects.filter(action="mfa.authenticator_added", actor=reviewer).exists()


def test_an_enrolled_reviewer_signs_in_with_a_totp_code(client, reviewer):
    _sign_in_with_password(client, reviewer)
    totp = _enrol(client)
    client.logout()

    later = timezone.now() + timedelta(seconds=60)
    with time_machine.travel(later, tick=False):
        response = _sign_in_with_password(client, reviewer)
        assert response["Location"].startswith(AUTHENTICATE)
        # Not signed in until the code is given.
        pending = client.get(QUEUE, follow=True)
        assert pending.redirect_chain[-1][0].startswith(AUTHENTICATE)
        assert not pending.wsgi_request.user.is_authenticated
        wrong = client.post(AUTHENTICATE, {"code": "000000" if totp.now() != "000000" else "1"})
        assert wrong.status_code == 200
        response = client.post(AUTHENTICATE, {"code": totp.now()})
        assert response.status_code == 302
        assert client.get(QUEUE).status_code == 200

    assert AuditEvent.objects.filter(action="mfa.authenticator_used", actor=reviewer).exists()
    assert AuditEvent.objects.filter(action="mfa.authentication_failed").exists()


def test_a_totp_code_cannot_be_used_twice(client, reviewer):
    _sign_in_with_password(client, reviewer)
    totp = _enrol(client)
    client.logout()
    with time_machine.travel(timezone.now() + timedelta(seconds=60), tick=False):
        code = totp.now()
        _sign_in_with_password(client, reviewer)
        assert client.post(AUTHENTICATE, {"code": code}).status_code == 302
        client.logout()
        _sign_in_with_password(client, reviewer)
        assert client.post(AUTHENTICATE, {"code": code}).status_code == 200
        assert client.get(QUEUE).status_code == 302


def test_recovery_codes_work_once_each(client, reviewer):
    _sign_in_with_password(client, reviewer)
    _enrol(client)
    client.logout()
    recovery = Authenticator.objects.get(user=reviewer, type="recovery_codes")
    first, second = RecoveryCodes(recovery).get_unused_codes()[:2]

    for code in (first, second):
        response = _sign_in_with_password(client, reviewer)
        assert response["Location"].startswith(AUTHENTICATE)
        assert client.post(AUTHENTICATE, {"code": code}).status_code == 302
        assert client.get(QUEUE).status_code == 200
        client.logout()

    _sign_in_with_password(client, reviewer)
    reused = client.post(AUTHENTICATE, {"code": first})
    assert reused.status_code == 200
    assert client.get(QUEUE).status_code == 302
    recovery.refresh_from_db()
    assert len(RecoveryCodes(recovery).get_unused_codes()) == 8


def test_a_session_without_the_second_factor_is_asked_for_it(client, reviewer):
    """An enrolled reviewer whose session has not passed the factor (signed in before it was
    required) enters a code before the next staff page."""
    _sign_in_with_password(client, reviewer)
    totp = _enrol(client)
    client.logout()
    client.force_login(reviewer)

    response = client.get(QUEUE)
    assert response["Location"].startswith(REAUTHENTICATE)
    with time_machine.travel(timezone.now() + timedelta(seconds=60), tick=False):
        done = client.post(response["Location"], {"code": totp.now()})
        assert done.status_code == 302
        assert client.get(QUEUE).status_code == 200


def test_demo_staff_have_the_documented_totp_secret(db):
    from enrollment.demo import DEMO_STAFF_TOTP_SECRET, load_demo_data
    from mct_portal.staff_mfa import has_authenticator

    load_demo_data()
    from django.contrib.auth import get_user_model

    for email in ("reviewer@demo.mct", "support@demo.mct", "admin@demo.mct"):
        user = get_user_model().objects.get(email=email)
        assert has_authenticator(user), email
    assert pyotp.TOTP(DEMO_STAFF_TOTP_SECRET).now().isdigit()
