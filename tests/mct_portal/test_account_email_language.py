"""allauth's own emails (password reset, address confirmation) are sent during the request,
so they come out in the language that request runs in: allauth ships German and Japanese."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_reset_after_each_test(settings):
    # The request leaves its language active in the thread; later tests must not inherit it.
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.mark.parametrize(
    ("accept_language", "subject"),
    [("en", "Password Reset"), ("de", "Zurücksetzen des Passworts"), ("ja", "パスワード")],
)
def test_the_password_reset_email_follows_the_language_of_the_request(
    client, mailoutbox, accept_language, subject
):
    user = UserFactory()

    client.post(
        reverse("account_reset_password"),
        {"email": user.email},
        HTTP_ACCEPT_LANGUAGE=accept_language,
    )

    [message] = mailoutbox
    assert subject in message.subject
