"""Staff and support pages carry the same CSP and security headers as trainer pages."""

import pytest

pytestmark = pytest.mark.django_db

HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Cache-Control",
)


def _headers(response) -> dict:
    """The headers, with Cache-Control reduced to whether it forbids storing the page (the
    admin's never_cache says more than no-store, and no less)."""
    found = {name: response.get(name) for name in HEADERS}
    found["Cache-Control"] = "no-store" in (found["Cache-Control"] or "")
    return found


def test_admin_and_support_pages_have_the_trainer_pages_headers(
    client, trainer, reviewer, support_user
):
    client.force_login(trainer.user)
    trainer_page = client.get("/profile/")
    assert trainer_page.status_code == 200
    expected = _headers(trainer_page)
    assert "object-src 'none'" in expected["Content-Security-Policy"]
    assert expected["Cache-Control"] is True

    client.force_login(reviewer)
    queue = client.get("/admin/verification/document/")
    assert queue.status_code == 200
    assert _headers(queue) == expected

    client.force_login(support_user)
    console = client.get("/support/")
    assert console.status_code == 200
    assert _headers(console) == expected
