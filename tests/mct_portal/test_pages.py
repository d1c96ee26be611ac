import pytest

from tests.factories import SupportFactory, TrainerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_home_page_invites_anonymous_visitors_to_sign_in(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/accounts/login/"' in html
    assert 'href="/accounts/signup/"' in html
    assert "Sign out" not in html


def test_layout_shows_the_signed_in_name_and_a_sign_out_form(client):
    trainer = TrainerFactory(user__first_name="Benjamin", user__last_name="Cheever")
    client.force_login(trainer.user)
    html = client.get("/").content.decode()
    assert "Benjamin Cheever" in html
    assert 'action="/accounts/logout/"' in html
    assert 'method="post"' in html.lower()


def test_support_link_is_only_in_the_navigation_of_support_staff(client):
    client.force_login(UserFactory())
    assert 'href="/support/"' not in client.get("/").content.decode()
    client.force_login(SupportFactory())
    assert 'href="/support/"' in client.get("/").content.decode()


def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "object-src 'none'" in policy
    assert "base-uri 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_pages_for_a_signed_in_person_are_never_cached(client):
    assert client.get("/").get("Cache-Control") in (None, "")
    client.force_login(UserFactory())
    assert client.get("/")["Cache-Control"] == "no-store"


def test_pages_use_no_inline_script_and_only_the_projects_own_assets(client):
    client.force_login(UserFactory())
    html = client.get("/").content.decode()
    assert "<script>" not in html
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html.replace("https://www.w3.org", "")
    assert "/static/css/portal.css" in html
    assert "/static/js/portal.js" in html


def test_an_unknown_page_gets_the_portals_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"MCT Portal" in response.content
