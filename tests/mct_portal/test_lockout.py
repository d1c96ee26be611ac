"""Sign-in failures are limited per (account, client address), with a growing pause, and
the owner always has a way in (issue 19: anyone could keep an account locked)."""

import pytest
from axes.models import AccessAttempt
from django.test import Client, override_settings

from tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.real_mfa]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts failures per address in the cache (10 a minute): start each test clean."""
    from django.core.cache import cache

    cache.clear()


def _client(ip: str) -> Client:
    return Client(REMOTE_ADDR=ip)


def _try(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out(trainer):
    email = trainer.user.email
    attacker = _client("203.0.113.9")
    for _ in range(5):
        _try(attacker, email, "wrong-password")
    locked = _try(attacker, email, PASSWORD)
    assert locked.status_code == 429
    assert "Email me a sign-in code" in locked.content.decode()

    owner = _client("198.51.100.7")
    response = _try(owner, email, PASSWORD)
    assert response.status_code == 302
    assert owner.get("/profile/").status_code == 200


@override_settings(AXES_FAILURE_LIMIT=5, AXES_LOCKOUT_BASE_SECONDS=60)
def test_the_pause_grows_with_each_failure_past_the_limit(trainer, rf):
    from django.utils import timezone

    from mct_portal.lockout import cool_off

    email = trainer.user.email
    request = rf.post("/accounts/login/", {"login": email})
    request.axes_ip_address = "203.0.113.9"
    attempt = AccessAttempt.objects.create(
        username=email,
        ip_address="203.0.113.9",
        user_agent="",
        failures_since_start=1,
        attempt_time=timezone.now(),
    )
    pauses = []
    for failures in range(4, 10):
        AccessAttempt.objects.filter(pk=attempt.pk).update(failures_since_start=failures)
        pauses.append(cool_off(request).total_seconds())
    assert pauses == [60, 60, 120, 240, 480, 960]
    # Another address's failures never lengthen this one's pause.
    request.axes_ip_address = "198.51.100.7"
    assert cool_off(request).total_seconds() == 60


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
def test_a_password_reset_lifts_the_lock(trainer):
    from allauth.account.signals import password_reset

    email = trainer.user.email
    attacker = _client("203.0.113.9")
    for _ in range(5):
        _try(attacker, email, "wrong-password")
    assert AccessAttempt.objects.filter(username=email).exists()

    password_reset.send(sender=type(trainer.user), request=None, user=trainer.user)

    assert not AccessAttempt.objects.filter(username=email).exists()
    assert _try(attacker, email, PASSWORD).status_code == 302


def test_the_owner_can_ask_for_a_sign_in_code_by_email(client, trainer, mailoutbox):
    response = client.post("/accounts/login/code/", {"email": trainer.user.email})
    assert response.status_code == 302
    assert mailoutbox and trainer.user.email in mailoutbox[-1].to
