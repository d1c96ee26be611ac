"""With Redis or PostgreSQL unreachable the portal answers, never with a 500.

A real gunicorn process is pointed at a closed port for the dependency that is "down", so
the shared PostgreSQL and Redis other tests use are never stopped.
"""

import os

import pytest

from tests.conftest import needs_postgres
from tests.factories import PASSWORD, TrainerFactory, UserFactory
from tests.live_process import Browser, closed_port_url, live_database_url, portal_server

pytestmark = [needs_postgres(), pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MAIN_PAGES = [
    "/",
    "/accounts/login/",
    "/profile/",
    "/apply/new/",
    "/apply/new/profile/",
    "/verify/MCT-0000-0000/",
    "/support/",
]


def test_with_redis_down_sign_in_and_the_main_pages_work():
    # A trainer whose registration details are complete (issue 9 asks for them first).
    TrainerFactory(user=UserFactory(email="ana@example.org"))
    with portal_server(
        DATABASE_URL=live_database_url(), REDIS_URL=closed_port_url("redis", "/0")
    ) as base:
        browser = Browser(base)
        status, _headers, body = browser.get("/healthz")
        assert status == 503 and '"redis": "down' in body

        status, headers, _ = browser.post_form(
            "/accounts/login/", {"login": "ana@example.org", "password": PASSWORD}
        )
        assert (status, headers.get("Location")) == (302, "/profile/")
        status, _headers, page = browser.get("/profile/")
        assert status == 200 and "Sign out" in page

        for path in MAIN_PAGES:
            status, _headers, _page = browser.get(path)
            assert status in (200, 302, 403, 404), (path, status)


@pytest.mark.parametrize("redis", ["up", "down"])
def test_with_the_database_down_pages_answer_503_with_retry_after(redis):
    redis_url = os.environ.get("REDIS_URL") or closed_port_url("redis", "/0")
    if redis == "down":
        redis_url = closed_port_url("redis", "/0")
    with portal_server(
        DATABASE_URL=closed_port_url("postgres", "/mct"), REDIS_URL=redis_url
    ) as base:
        browser = Browser(base)
        status, _headers, body = browser.get("/healthz")
        assert status == 503 and '"database": "down' in body

        status, headers, page = browser.post_form(
            "/accounts/login/", {"login": "ana@example.org", "password": PASSWORD}
        )
        assert status == 503, status
        assert headers.get("Retry-After") == "30"
        assert "The portal is unavailable for a moment" in page

        for path in MAIN_PAGES:
            status, headers, page = browser.get(path)
            assert status in (200, 302, 503), (path, status)
            if status == 503:
                assert headers.get("Retry-After") and "unavailable for a moment" in page
