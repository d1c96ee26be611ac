"""The outside probe's findings (issue 19), each reproduced: a NUL in a path or an admin
filter, the proxy header and the deployment check. Drafts, passcode and sign-in limits are
tested next to their code (test_wizard_draft_limits, test_passcodes, test_lockout)."""

import pytest
from django.core.management import call_command
from django.test import override_settings

pytestmark = pytest.mark.django_db

DOCUMENTS = "/admin/verification/document/"


# --- 1. No 500 for a NUL in a path or an admin filter ------------------------------------


def test_a_nul_in_the_verification_code_is_a_400_not_a_500(client):
    response = client.get("/verify/%00/")
    assert response.status_code == 400
    assert "never valid here" in response.content.decode()


@pytest.mark.parametrize("query", ["state=%00", "kind=%00", "q=%00", "o=%00", "st%00ate=x"])
def test_a_nul_in_the_admin_document_list_is_a_400_not_a_500(client, reviewer, query):
    client.force_login(reviewer)
    assert client.get(DOCUMENTS).status_code == 200

    response = client.get(f"{DOCUMENTS}?{query}")

    assert response.status_code == 400
    assert "never valid here" in response.content.decode()


def test_a_nul_in_the_superusers_admin_lists_is_a_400(admin_client):
    assert admin_client.get("/admin/auth/user/?q=%00").status_code == 400
    assert admin_client.get("/admin/auth/user/?q=ok").status_code == 200


# --- 5. The proxy header is believed only behind a configured proxy ------------------------


def _settings_module(monkeypatch, **env):
    """The settings module as production would read it from this environment."""
    import importlib

    import mct_portal.settings as portal_settings

    monkeypatch.setenv("DJANGO_SECRET_KEY", "x" * 60)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "portal.example.org")
    monkeypatch.delenv("DJANGO_DEBUG", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        return {k: v for k, v in vars(importlib.reload(portal_settings)).items() if k.isupper()}
    finally:
        monkeypatch.undo()
        importlib.reload(portal_settings)


def test_without_a_proxy_a_client_cannot_claim_https(monkeypatch, rf):
    """Probe: X-Forwarded-Proto was trusted with PROXY_COUNT=0."""
    values = _settings_module(monkeypatch, PROXY_COUNT="0")
    assert values["SECURE_SSL_REDIRECT"] is True
    assert "SECURE_PROXY_SSL_HEADER" not in values
    with override_settings(SECURE_PROXY_SSL_HEADER=None):
        assert not rf.get("/", HTTP_X_FORWARDED_PROTO="https").is_secure()


def test_behind_a_proxy_its_header_is_trusted(monkeypatch, rf):
    values = _settings_module(monkeypatch, PROXY_COUNT="1")
    assert values["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    with override_settings(SECURE_PROXY_SSL_HEADER=values["SECURE_PROXY_SSL_HEADER"]):
        assert rf.get("/", HTTP_X_FORWARDED_PROTO="https").is_secure()


def _deploy_warnings(capsys) -> str:
    from django.core.management.base import SystemCheckError

    try:
        call_command("check", deploy=True, fail_level="WARNING", tags=["security"])
    except SystemCheckError as error:
        return str(error)
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("debug", "redirect", "proxies", "warned"),
    [
        (False, True, 0, True),
        (False, True, 1, False),
        (False, False, 0, False),
        (True, True, 0, False),
    ],
)
def test_deploy_check_warns_when_https_redirect_has_no_proxy(
    settings, capsys, debug, redirect, proxies, warned
):
    settings.DEBUG = debug
    settings.SECURE_SSL_REDIRECT = redirect
    settings.PROXY_COUNT = proxies
    assert ("mct_portal.W001" in _deploy_warnings(capsys)) is warned
