"""What every payment provider offers. One provider per module in this package.

A provider never changes a payment's status itself: it reports what happened in a
ProviderResult and the payment services (enrollment.services.payments) act on it.
"""

import enum
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms


class Outcome(enum.StrEnum):
    PAID = "paid"  # the money is taken: the payment is confirmed at once
    PENDING = "pending"  # the money comes later (an invoice): the payment stays pending
    DECLINED = "declined"  # nothing was taken: the payment is not recorded at all


@dataclass(frozen=True)
class ProviderResult:
    outcome: Outcome
    # The provider's own id for the payment: a charge id, an invoice number.
    reference: str = ""
    # Shown to the trainer: why a card was declined, what to do with an invoice.
    message: str = ""


class PaymentProvider(ABC):
    """A way to pay. Subclasses set the class attributes and implement start()."""

    name: ClassVar[str]  # stored in Payment.provider; the module name in this package
    label: ClassVar[str]  # the trainer's choice, e.g. "Pay by card"
    description: ClassVar[str] = ""
    # What the trainer enters for this provider; the view validates it before start().
    form_class: ClassVar[type[forms.Form]] = forms.Form

    @abstractmethod
    def start(self, payment, details: Mapping[str, Any]) -> ProviderResult:
        """Takes (or requests) the money for a pending payment that has just been created.

        `details` is the cleaned data of `form_class`; a provider must not keep it
        (card numbers never reach the database, the audit trail or a log).
        Runs inside the transaction that created the payment: a DECLINED result
        rolls it back.
        """

    def cancel(self, payment) -> None:  # noqa: B027 — an optional hook
        """Called when a pending payment is cancelled (void the invoice, release a hold)."""

    def refund(self, payment) -> None:  # noqa: B027 — an optional hook
        """Called when a paid payment is refunded: give the money back."""
