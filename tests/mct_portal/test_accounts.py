import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_sign_in_page_is_at_accounts_login(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="login"' in response.content
    assert b'name="password"' in response.content


def test_a_verified_user_signs_in_with_email_and_password_and_lands_on_the_profile(client):
    user = UserFactory(email="trainer@example.org")
    response = sign_in(client, "trainer@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/profile/"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_wrong_password_is_refused_with_a_message(client):
    UserFactory(email="trainer@example.org")
    response = sign_in(client, "trainer@example.org", "not-the-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert b"not correct" in response.content or b"incorrect" in response.content.lower()


def test_an_unverified_email_cannot_sign_in_until_confirmed(client, mailoutbox):
    UserFactory(email="fresh@example.org", verified=False)
    response = sign_in(client, "fresh@example.org")
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert "confirm-email" in response["Location"]
    assert any("fresh@example.org" in m.to for m in mailoutbox)


def test_sign_up_creates_an_account_and_sends_a_verification_email(client, mailoutbox):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "newcomer@example.org",
            "password1": "Str0ng-pass-phrase!",
            "password2": "Str0ng-pass-phrase!",
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(email="newcomer@example.org")
    address = EmailAddress.objects.get(user=user)
    assert address.verified is False
    assert "_auth_user_id" not in client.session
    assert len(mailoutbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mailoutbox[0].body).group(0)
    confirm = client.post(link.split("testserver", 1)[-1])
    assert confirm.status_code == 302
    address.refresh_from_db()
    assert address.verified is True


def test_password_reset_sends_a_link(client, mailoutbox):
    UserFactory(email="forgetful@example.org")
    response = client.post("/accounts/password/reset/", {"email": "forgetful@example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


def test_sign_out_is_a_post(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
