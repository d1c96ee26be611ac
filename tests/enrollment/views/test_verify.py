"""The public verification page /verify/<code>/ and the verification link include."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from enrollment.enums import MembershipStatus, Program
from enrollment.services.membership_ends import membership_lapse, membership_revoke
from tests import factories

UTC = datetime.UTC
NOW = datetime.datetime(2026, 5, 4, 10, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def member(frozen):
    trainer = factories.TrainerFactory(
        first_name="Grace",
        middle_name="B.",
        last_name="Hopper",
        email="grace.hopper@contoso.example",
        country="Ireland",
        city="Galway",
        phone="+353 91 000 000",
        company="Contoso Learning",
    )
    factories.McpIdFactory(trainer=trainer, value="98765432", is_primary=True)
    return trainer


def page(client, trainer):
    return client.get(reverse("verify", args=[trainer.verification_code]))


def text_of(response) -> str:
    return " ".join(response.content.decode().split())


def assert_no_personal_data(html: str, trainer):
    for private in (
        trainer.email,
        trainer.user.email,
        "98765432",  # the MCP ID
        trainer.country,
        trainer.city,
        trainer.phone,
        trainer.company,
        trainer.address_1,
        trainer.postal_code,
    ):
        assert private not in html, f"{private!r} leaked on the public page"


def test_an_active_membership_is_shown_as_current(client, member):
    factories.MembershipFactory(
        trainer=member,
        starts_on=datetime.date(2025, 9, 1),
        anniversary_on=datetime.date(2026, 9, 1),
    )
    response = page(client, member)
    assert response.status_code == 200
    html = text_of(response)
    assert "Grace B. Hopper" in html
    assert "This trainer’s membership is current." in html
    assert "Microsoft Certified Trainer" in html
    assert 'class="badge badge--active">Active<' in html
    assert "Valid through" in html
    assert "1 September 2026" in html
    assert "lapsed" not in html
    assert_no_personal_data(html, member)
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"]


def test_a_lapsed_membership_says_so_and_is_not_current(client, member):
    membership = factories.MembershipFactory(
        trainer=member,
        starts_on=datetime.date(2025, 3, 1),
        anniversary_on=datetime.date(2026, 3, 1),
    )
    membership_lapse(membership=membership)
    html = text_of(page(client, member))
    assert "This membership lapsed on 1 March 2026." in html
    assert "badge--lapsed" in html
    assert "membership is current" not in html
    assert "Valid through" not in html
    assert_no_personal_data(html, member)


def test_a_revoked_membership_says_so_and_is_not_current(client, member):
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    membership = factories.MembershipFactory(
        trainer=member,
        starts_on=datetime.date(2025, 9, 1),
        anniversary_on=datetime.date(2026, 9, 1),
    )
    membership_revoke(membership=membership, by=admin, reason="Breach of the program agreement.")
    html = text_of(page(client, member))
    assert "This membership was revoked on 4 May 2026." in html
    assert "badge--revoked" in html
    assert "membership is current" not in html
    assert "Valid through" not in html
    # The reason is between the program and the trainer, not for the public.
    assert "Breach of the program agreement" not in html
    assert_no_personal_data(html, member)


def test_an_open_year_past_its_anniversary_is_never_shown_as_current(client, member):
    """Between the anniversary and the next run of the lapse task."""
    factories.MembershipFactory(
        trainer=member,
        starts_on=datetime.date(2025, 5, 4),
        anniversary_on=datetime.date(2026, 5, 4),
    )
    html = text_of(page(client, member))
    assert "This membership lapsed on 4 May 2026." in html
    assert "membership is current" not in html


def test_the_current_year_wins_over_history(client, member):
    factories.MembershipFactory(
        trainer=member,
        status=MembershipStatus.LAPSED,
        starts_on=datetime.date(2023, 1, 10),
        anniversary_on=datetime.date(2024, 1, 10),
    )
    factories.MembershipFactory(
        trainer=member,
        program=Program.ALUMNI,
        starts_on=datetime.date(2026, 1, 10),
        anniversary_on=datetime.date(2027, 1, 10),
    )
    html = text_of(page(client, member))
    assert "MCT Alumni" in html
    assert "10 January 2027" in html
    assert "lapsed" not in html


def test_a_trainer_without_membership_is_not_current(client, member):
    html = text_of(page(client, member))
    assert "This trainer has no membership on record." in html
    assert "membership is current" not in html


def test_an_unknown_code_is_a_404_that_says_so(client, member):
    response = client.get(reverse("verify", args=["no-such-code"]))
    assert response.status_code == 404
    html = text_of(response)
    assert "This verification code is not recognised" in html
    assert "Grace" not in html


def test_an_overlong_code_is_simply_unknown(client):
    response = client.get(reverse("verify", args=["x" * 500]))
    assert response.status_code == 404
    assert "not recognised" in text_of(response)


def test_the_page_is_rate_limited_per_ip(client, member, settings):
    settings.VERIFY_RATE_LIMIT = "3/m"
    for _ in range(3):
        assert page(client, member).status_code == 200
    # Guessing codes counts too: the limit is per address, whatever the code.
    response = client.get(reverse("verify", args=["guess"]))
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    html = text_of(response)
    assert "Too many requests" in html
    assert "Grace" not in html
    # Another address is not affected.
    assert (
        client.get(
            reverse("verify", args=[member.verification_code]), REMOTE_ADDR="203.0.113.9"
        ).status_code
        == 200
    )


def test_only_get_and_head_are_allowed(client, member):
    response = client.post(reverse("verify", args=[member.verification_code]))
    assert response.status_code == 405


def test_the_verification_link_include_shows_the_absolute_url_with_a_copy_button(member):
    request = RequestFactory().get("/profile/", secure=True)
    template = engines["django"].from_string(
        '{% include "enrollment/includes/verification_link.html" %}'
    )
    html = template.render({"trainer": member}, request)
    url = f"https://testserver/verify/{member.verification_code}/"
    assert f'value="{url}"' in html
    assert 'id="verification-url"' in html
    assert "readonly" in html
    assert 'data-copy-target="#verification-url"' in html
    assert "<script" not in html
    assert "style=" not in html


def test_every_trainer_gets_an_unguessable_code():
    import re

    trainers = factories.TrainerFactory.create_batch(20)
    codes = [t.verification_code for t in trainers]
    assert len(set(codes)) == len(codes)
    for trainer in trainers:
        code = trainer.verification_code
        # 16 random bytes, URL-safe: 128 bits, nothing derived from the person or the row.
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", code)
        assert str(trainer.pk) != code and trainer.user.email not in code
