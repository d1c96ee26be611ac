"""The payment's state machine: one map, and every service refuses what it does not allow."""

from decimal import Decimal

import pytest

from enrollment.enums import PAYMENT_TRANSITIONS, PaymentStatus
from enrollment.errors import DomainError, InvalidTransition
from enrollment.services.payments import (
    payment_cancel,
    payment_confirm,
    payment_expire,
    payment_refund,
    payment_refund_confirm,
)
from tests.factories import PaymentFactory, UserFactory


def test_every_status_has_its_moves_and_the_ends_are_final():
    assert set(PAYMENT_TRANSITIONS) == set(PaymentStatus.values)
    assert PAYMENT_TRANSITIONS[PaymentStatus.CANCELLED] == set()
    assert PAYMENT_TRANSITIONS[PaymentStatus.REFUNDED] == set()
    for targets in PAYMENT_TRANSITIONS.values():
        assert PaymentStatus.PENDING not in targets  # nothing goes back to pending


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "service"),
    [
        (PaymentStatus.CANCELLED, payment_confirm),
        (PaymentStatus.REFUNDED, payment_confirm),
        (PaymentStatus.PAID, payment_cancel),
        (PaymentStatus.PAID, payment_expire),
        (PaymentStatus.PENDING, payment_refund),
        (PaymentStatus.CANCELLED, payment_refund),
        (PaymentStatus.PENDING, payment_refund_confirm),
        (PaymentStatus.CANCELLED, payment_refund_confirm),
    ],
)
def test_a_move_the_map_does_not_allow_is_refused_and_changes_nothing(status, service):
    payment = PaymentFactory(status=status, amount=Decimal("400.00"))
    kwargs = {"payment": payment, "by": UserFactory(is_staff=True)}
    if service is payment_refund:
        kwargs["reason"] = "x"

    with pytest.raises(DomainError):
        service(**kwargs)

    payment.refresh_from_db()
    assert payment.status == status


@pytest.mark.django_db
def test_an_invoice_refund_is_final_at_once_and_issues_a_credit_note():
    payment = PaymentFactory()
    payment = payment_confirm(payment=payment, by=None)

    payment_refund(payment=payment, by=UserFactory(is_staff=True), reason="Paid twice")

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert sorted(payment.documents.values_list("kind", flat=True)) == ["credit_note", "invoice"]
    with pytest.raises(InvalidTransition):
        payment_cancel(payment=payment, by=None)
