"""Passcodes: issued by email, stored hashed, single-use, bound, limited, rate-limited."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests import factories
from verification.enums import EmailState, PasscodePurpose
from verification.models import OutboundEmail, Passcode
from verification.passcodes import (
    ALPHABET,
    PasscodeAddressLimit,
    PasscodeAlreadyVerified,
    PasscodeCooldown,
    PasscodeDailyLimit,
    PasscodeExpired,
    PasscodeInvalid,
    PasscodeLocked,
    PasscodeNotIssued,
    new_code,
    passcode_is_verified,
    passcode_issue,
    passcode_verified_addresses,
    passcode_verify,
)

pytestmark = pytest.mark.django_db

ALIAS = PasscodePurpose.MICROSOFT_ALIAS
PARTNER = PasscodePurpose.PARTNER_ADDRESS
CODE_IN_MAIL = re.compile(r"^\s{4}([A-Z0-9]{8})$", re.MULTILINE)


@pytest.fixture
def user():
    return factories.UserFactory(first_name="Ana", last_name="Lima")


@pytest.fixture
def issue(django_capture_on_commit_callbacks, mailoutbox):
    """Issues a code and returns it as read from the email the trainer receives."""

    def issue_code(user, address="ana@microsoft.com", purpose=ALIAS):
        with django_capture_on_commit_callbacks(execute=True):
            passcode = passcode_issue(user=user, address=address, purpose=purpose)
        match = CODE_IN_MAIL.search(mailoutbox[-1].body)
        assert match, mailoutbox[-1].body
        return passcode, match.group(1)

    return issue_code


def test_a_code_is_emailed_and_only_its_hash_is_kept(user, issue, mailoutbox):
    passcode, code = issue(user, address="  Ana@Microsoft.com ")

    assert len(code) == 8 and set(code) <= set(ALPHABET)
    assert not set(code) & set("01OIL")
    message = mailoutbox[-1]
    assert message.to == ["ana@microsoft.com"]
    assert code in message.subject and code in message.alternatives[0].content
    passcode.refresh_from_db()
    assert passcode.address == "ana@microsoft.com"
    assert code not in passcode.code_hash and len(passcode.code_hash) == 64
    # The outbound-email row support sees never holds the code.
    email = OutboundEmail.objects.get(role="passcode")
    assert email.state == EmailState.SENT
    assert code not in email.subject + email.body_text + email.body_html
    assert "••••••••" in email.body_text and "••••••••" in email.body_html
    assert abs(passcode.expires_at - passcode.created_at - timedelta(days=120)) < timedelta(
        seconds=5
    )


def test_codes_come_from_an_alphabet_without_look_alikes():
    assert not set(ALPHABET) & set("01OIL")
    assert len(set(ALPHABET)) == len(ALPHABET) == 31
    codes = {new_code() for _ in range(200)}
    assert all(len(code) == 8 and set(code) <= set(ALPHABET) for code in codes)
    assert len(codes) == 200  # random, not a sequence


def test_the_right_code_verifies_once_whatever_its_case_and_spaces(user, issue):
    _, code = issue(user)
    typed = f" {code[:4].lower()} {code[4:]} "

    passcode = passcode_verify(user=user, address="ANA@microsoft.com", purpose=ALIAS, code=typed)

    assert passcode.used_at is not None
    assert passcode_is_verified(user=user, address="ana@microsoft.com", purpose=ALIAS)
    # A second click is answered "already verified", and the proof stays.
    with pytest.raises(PasscodeAlreadyVerified, match="already verified"):
        passcode_verify(user=user, address="ana@microsoft.com", purpose=ALIAS, code=code)
    assert passcode_is_verified(user=user, address="ana@microsoft.com", purpose=ALIAS)
    assert passcode_verified_addresses(user=user) == {ALIAS: ["ana@microsoft.com"]}


def test_five_wrong_tries_kill_the_code(user, issue):
    _, code = issue(user)
    wrong = "ABCDEFGH" if code != "ABCDEFGH" else "HGFEDCBA"
    messages = []
    for _ in range(4):
        with pytest.raises(PasscodeInvalid) as failure:
            passcode_verify(user=user, address="ana@microsoft.com", purpose=ALIAS, code=wrong)
        messages.append(failure.value.message)
    assert messages == [
        "That code is not right. You have 4 tries left.",
        "That code is not right. You have 3 tries left.",
        "That code is not right. You have 2 tries left.",
        "That code is not right. You have 1 try left.",
    ]
    with pytest.raises(PasscodeLocked, match="entered wrongly 5 times"):
        passcode_verify(user=user, address="ana@microsoft.com", purpose=ALIAS, code=wrong)

    # Even the right code no longer works.
    with pytest.raises(PasscodeLocked):
        passcode_verify(user=user, address="ana@microsoft.com", purpose=ALIAS, code=code)
    assert Passcode.objects.get().failed_attempts == 5
    assert not passcode_is_verified(user=user, address="ana@microsoft.com", purpose=ALIAS)


def test_a_code_is_bound_to_its_trainer_address_and_purpose(user, issue):
    _, code = issue(user)
    other = factories.UserFactory()

    with pytest.raises(PasscodeNotIssued):
        passcode_verify(user=other, address="ana@microsoft.com", purpose=ALIAS, code=code)
    with pytest.raises(PasscodeNotIssued):
        passcode_verify(user=user, address="bob@microsoft.com", purpose=ALIAS, code=code)
    with pytest.raises(PasscodeNotIssued):
        passcode_verify(user=user, address="ana@microsoft.com", purpose=PARTNER, code=code)
    assert passcode_verify(user=user, address="ana@microsoft.com", purpose=ALIAS, code=code)


def test_a_new_code_revokes_the_earlier_one(user, issue):
    _, first = issue(user)
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        _, second = issue(user)
        if first != second:
            with pytest.raises(PasscodeInvalid):
                passcode_verify(user=user, address="ana@microsoft.com", purpose=ALIAS, code=first)
        assert passcode_verify(user=user, address="ana@microsoft.com", purpose=ALIAS, code=second)
    assert Passcode.objects.filter(revoked_at__isnull=False).count() == 1


def test_a_code_expires_after_120_days(user, issue):
    _, code = issue(user)
    with (
        time_machine.travel(timezone.now() + timedelta(days=120, seconds=1)),
        pytest.raises(PasscodeExpired, match="expired"),
    ):
        passcode_verify(user=user, address="ana@microsoft.com", purpose=ALIAS, code=code)


def test_a_verified_address_stops_counting_once_the_code_expires(user, issue):
    _, code = issue(user)
    passcode_verify(user=user, address="ana@microsoft.com", purpose=ALIAS, code=code)
    with time_machine.travel(timezone.now() + timedelta(days=121)):
        assert not passcode_is_verified(user=user, address="ana@microsoft.com", purpose=ALIAS)


def test_asking_again_within_a_minute_is_refused(user, issue):
    issue(user)
    with pytest.raises(PasscodeCooldown) as refused:
        passcode_issue(user=user, address="ana@microsoft.com", purpose=ALIAS)
    assert refused.value.message == "Wait a minute before asking for another code."
    assert Passcode.objects.count() == 1


def test_at_most_five_codes_a_day_per_address(user, issue):
    start = timezone.now()
    for minute in range(5):
        with time_machine.travel(start + timedelta(minutes=2 * minute)):
            issue(user)
    with (
        time_machine.travel(start + timedelta(hours=3)),
        pytest.raises(PasscodeDailyLimit, match="Try again tomorrow"),
    ):
        passcode_issue(user=user, address="ana@microsoft.com", purpose=ALIAS)
    with time_machine.travel(start + timedelta(days=1, minutes=1)):
        issue(user)
    assert Passcode.objects.count() == 6


def test_another_trainer_cannot_use_up_the_quota_of_someone_elses_address(user, issue):
    """Probe finding: five codes asked for by one trainer blocked the address for everyone,
    its owner included. The limits count per requesting account now."""
    mallory = factories.UserFactory()
    start = timezone.now()
    for minute in range(5):
        with time_machine.travel(start + timedelta(minutes=2 * minute)):
            issue(mallory)
    with (
        time_machine.travel(start + timedelta(minutes=11)),
        pytest.raises(PasscodeDailyLimit),
    ):
        passcode_issue(user=mallory, address="ana@microsoft.com", purpose=ALIAS)
    # Within the same minute as the last of Mallory's codes: no cooldown for Ana either.
    with time_machine.travel(start + timedelta(minutes=8, seconds=10)):
        _, code = issue(user, address="ANA@microsoft.com")
        assert passcode_verify(user=user, address="ana@microsoft.com", purpose=ALIAS, code=code)


def test_one_trainer_cannot_have_codes_mailed_to_many_addresses(user, issue):
    """Probe finding: one trainer had the portal mail 8 different addresses in seconds."""
    for n in range(3):
        issue(user, address=f"person{n}@microsoft.com")
    with pytest.raises(PasscodeAddressLimit) as refused:
        passcode_issue(user=user, address="person3@microsoft.com", purpose=ALIAS)
    assert "3 different addresses today" in refused.value.message
    assert Passcode.objects.filter(user=user).count() == 3
    # An address already used today still gets its codes (after the cooldown).
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        issue(user, address="person0@microsoft.com")
    # The next day the count starts again.
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        issue(user, address="person3@microsoft.com")


def test_verifying_without_a_code_says_to_ask_for_one(user):
    with pytest.raises(PasscodeNotIssued, match="ask for one"):
        passcode_verify(user=user, address="ana@microsoft.com", purpose=ALIAS, code="ABCDEFGH")
