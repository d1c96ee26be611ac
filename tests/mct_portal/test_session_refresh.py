"""The signed-in idle timeout without a session write on every request (issue 14, point 3).

SESSION_COOKIE_AGE stays an idle timeout: SessionRefreshMiddleware saves a used session
again only once SESSION_REFRESH_SECONDS have passed since its last save.
"""

import datetime

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mct_portal.middleware import SESSION_REFRESHED_KEY
from tests import factories

pytestmark = pytest.mark.django_db

AGE = 3600
REFRESH = 300


@pytest.fixture(autouse=True)
def _idle_settings(settings):
    settings.SESSION_COOKIE_AGE = AGE
    settings.SESSION_REFRESH_SECONDS = REFRESH


def _row(client):
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def _session_writes(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"] and not q["sql"].lstrip().upper().startswith("SELECT")
    ]


def test_the_setting_no_longer_saves_every_request(settings):
    assert not getattr(settings, "SESSION_SAVE_EVERY_REQUEST", False)
    assert "mct_portal.middleware.SessionRefreshMiddleware" in settings.MIDDLEWARE


def test_a_page_inside_the_interval_does_not_write_the_session(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client.force_login(factories.TrainerFactory().user)
        assert client.get("/profile/").status_code == 200
        before = _row(client)
        traveller.shift(REFRESH - 1)
        with CaptureQueriesContext(connection) as queries:
            for url in ("/", "/profile/", "/help/"):
                assert client.get(url).status_code == 200
        assert _session_writes(queries) == []
        after = _row(client)
        assert (after.session_data, after.expire_date) == (before.session_data, before.expire_date)


def test_the_first_page_after_signing_in_does_not_write_the_session_again(client):
    """Signing in saves the session, and that counts as its refresh."""
    client.force_login(factories.TrainerFactory().user)
    assert isinstance(client.session[SESSION_REFRESHED_KEY], int)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/profile/").status_code == 200
    assert _session_writes(queries) == []


def test_a_page_after_the_interval_pushes_the_expiry_back(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client.force_login(factories.TrainerFactory().user)
        client.get("/profile/")
        first_expiry = _row(client).expire_date
        traveller.shift(REFRESH + 1)
        response = client.get("/profile/")
        assert response.status_code == 200
        assert response.cookies["sessionid"]["max-age"] == AGE
        assert _row(client).expire_date == first_expiry + datetime.timedelta(seconds=REFRESH + 1)
        assert client.session[SESSION_REFRESHED_KEY] == int((start.timestamp()) + REFRESH + 1)


def test_an_idle_person_is_signed_out_after_the_idle_timeout(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client.force_login(factories.TrainerFactory().user)
        assert client.get("/profile/").status_code == 200
        traveller.shift(AGE - 60)
        assert client.get("/profile/").status_code == 200  # still signed in, refreshed
        traveller.shift(AGE + 1)  # idle for longer than the cookie age
        response = client.get("/profile/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_a_person_who_keeps_working_stays_signed_in_past_the_cookie_age(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client.force_login(factories.TrainerFactory().user)
        for _ in range(3 * AGE // (REFRESH + 60)):  # three cookie ages of steady activity
            assert client.get("/profile/").status_code == 200
            traveller.shift(REFRESH + 60)
        assert client.get("/profile/").status_code == 200


def test_the_idle_timeout_holds_within_the_refresh_interval(client):
    """Activity inside the interval does not extend the session: signed out at most
    REFRESH seconds before a full idle cookie age has passed since the last page."""
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client.force_login(factories.TrainerFactory().user)
        client.get("/profile/")  # saved at `start`
        traveller.shift(REFRESH - 1)
        client.get("/profile/")  # inside the interval: not saved
        traveller.shift(AGE - REFRESH + 2)  # AGE + 1 after the save, AGE - REFRESH + 2 idle
        assert client.get("/profile/").status_code == 302


def test_signing_out_is_not_undone_by_the_refresh(client):
    client.force_login(factories.TrainerFactory().user)
    client.get("/profile/")
    key = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/profile/").status_code == 302
    assert Session.objects.count() == 0
