"""Double clicks on "Verify code" (PostgreSQL): the proof is kept every time.

The used passcode row records the proof in the transaction that consumes the code, and the
draft is merged, not overwritten, so no request can erase what another one proved.
"""

from functools import partial

import pytest
from django.test import Client

from enrollment.models import Application
from tests.concurrency import at_once, raised
from tests.conftest import needs_postgres
from tests.enrollment.wizard.walk import passcode_sent_to, prefix_of, qualified_trainer, text_of
from verification.models import Passcode

pytestmark = [
    needs_postgres(),
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

FIELDS = {
    "employer_type": "fte",
    "microsoft_alias": "ana",
    "microsoft_domain": "microsoft.com",
    "primary_audience": "developer",
}


def profile_data(client, **extra) -> dict:
    page = client.get("/apply/new/profile/")
    data = {f"{prefix_of(page)}-current_step": "profile"}
    data.update({f"profile-{name}": value for name, value in {**FIELDS, **extra}.items()})
    return data


@pytest.mark.parametrize("clicks", [2, 10])
def test_concurrent_verify_code_clicks_keep_the_address_verified(clicks, terms, mailoutbox):
    trainer = qualified_trainer()
    client = Client()
    client.force_login(trainer.user)
    client.post("/apply/new/profile/", {**profile_data(client), "action": "send_code"})
    code = passcode_sent_to(mailoutbox, "ana@microsoft.com")
    data = {**profile_data(client, fte_passcode=code), "action": "verify_code"}

    browsers = []
    for _ in range(clicks):
        browser = Client()
        browser.force_login(trainer.user)
        browsers.append(browser)
    responses = at_once(*(partial(b.post, "/apply/new/profile/", data) for b in browsers))

    assert raised(responses) == []
    assert [(r.status_code, r["Location"]) for r in responses] == [
        (302, "/apply/new/profile/")
    ] * clicks
    page = client.get("/apply/new/profile/")
    shown = text_of(page)
    assert "ana@microsoft.com is verified" in shown
    assert "already been used" not in shown
    assert Passcode.objects.get(user=trainer.user).used_at is not None

    # The step saves without asking for a new code.
    response = client.post("/apply/new/profile/", profile_data(client))
    assert response.status_code == 302 and response["Location"] == "/apply/new/requirements/"
    assert Application.objects.get(trainer=trainer).verified_email == "ana@microsoft.com"


def test_a_second_verify_code_click_is_answered_already_verified(terms, mailoutbox):
    trainer = qualified_trainer()
    client = Client()
    client.force_login(trainer.user)
    client.post("/apply/new/profile/", {**profile_data(client), "action": "send_code"})
    code = passcode_sent_to(mailoutbox, "ana@microsoft.com")
    data = {**profile_data(client, fte_passcode=code), "action": "verify_code"}

    first = client.post("/apply/new/profile/", data, follow=True)
    second = client.post("/apply/new/profile/", data, follow=True)

    assert "Thank you: ana@microsoft.com is verified." in text_of(first)
    assert "ana@microsoft.com is already verified." in text_of(second)
    assert "Ask for a new code" not in text_of(second)
