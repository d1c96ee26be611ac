"""Emails carry files by reference; each is drawn from its registered source when sent."""

import pytest
from django.core import mail

from verification.mail import mail_queue, outbound_email_send, register_attachment_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def receipts():
    drawn = []

    def draw(receipt_id: int):
        drawn.append(receipt_id)
        return f"receipt-{receipt_id}.pdf", b"%PDF-1.4 receipt", "application/pdf"

    register_attachment_source("test_receipt", draw)
    return drawn


def test_an_attachment_is_drawn_when_the_email_is_sent(
    receipts, django_capture_on_commit_callbacks
):
    email = mail_queue(
        role="passcode",
        to="ada@example.org",
        context={"trainer_name": "Ada", "code": "x", "valid_days": 1, "purpose_label": "x"},
        attachments=[{"source": "test_receipt", "id": 7}],
    )
    assert email.attachments == [{"source": "test_receipt", "id": 7}]
    assert receipts == []  # nothing drawn until it is sent

    outbound_email_send(email_id=email.pk)

    [sent] = mail.outbox
    assert sent.attachments == [("receipt-7.pdf", b"%PDF-1.4 receipt", "application/pdf")]
    assert receipts == [7]


def test_an_unknown_attachment_source_fails_loudly():
    with pytest.raises(ValueError, match="no attachment source"):
        mail_queue(
            role="passcode",
            to="ada@example.org",
            context={},
            attachments=[{"source": "nowhere", "id": 1}],
        )
