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

from ..errors import DomainError


class Outcome(enum.StrEnum):
    PAID = "paid"  # the money is taken: the payment is confirmed at once
    PENDING = "pending"  # the money comes later (an invoice): the payment stays pending
    DECLINED = "declined"  # nothing was taken: the payment is not recorded at all
    # The trainer pays on the provider's page (redirect_url); its webhook or the return
    # page's check with the provider confirms the payment later.
    REDIRECT = "redirect"


@dataclass(frozen=True)
class ProviderResult:
    outcome: Outcome
    # The provider's own id for the payment: a charge id, an invoice number.
    reference: str = ""
    # Shown to the trainer: why a card was declined, what to do with an invoice.
    message: str = ""
    # Where the trainer pays, for a REDIRECT outcome.
    redirect_url: str = ""
    # The provider's id of the money movement, once known (a Stripe PaymentIntent).
    payment_id: str = ""


class PaymentProvider(ABC):
    """A way to pay. Subclasses set the class attributes and implement start()."""

    name: ClassVar[str]  # stored in Payment.provider; the module name in this package
    label: ClassVar[str]  # the trainer's choice, e.g. "Pay by card"
    description: ClassVar[str] = ""
    # What the trainer enters for this provider; the view validates it before start().
    form_class: ClassVar[type[forms.Form]] = forms.Form
    # A provider that moves no money: never offered in production (see enrollment.checks).
    is_demo: ClassVar[bool] = False
    # Refunds are confirmed later by the provider (a webhook), not when refund() returns.
    refund_is_asynchronous: ClassVar[bool] = False
    # The invoice is issued (and emailed) when the payment starts, not when it is paid.
    invoice_at_start: ClassVar[bool] = False

    @abstractmethod
    def start(self, payment, details: Mapping[str, Any]) -> ProviderResult:
        """Takes (or requests) the money for a pending payment that has just been created.

        `details` is the cleaned data of `form_class`; a provider must not keep it
        (card numbers never reach the database, the audit trail or a log).
        Runs inside the transaction that created the payment: a DECLINED result
        rolls it back.
        """

    def current_state(self, payment) -> ProviderResult | None:
        """What the provider says about a pending payment now (PAID, DECLINED when the
        attempt ended unpaid, else REDIRECT or PENDING); None for providers that never
        report back (an invoice is confirmed by support)."""
        return None

    def resume(self, payment) -> ProviderResult | None:
        """For a pending payment started again with this provider (a double click, a second
        tab): what it stands at now, or None when it can no longer be paid and a new
        attempt is needed."""
        return ProviderResult(Outcome.PENDING, reference=payment.reference)

    def cancel(self, payment) -> None:  # noqa: B027 — an optional hook
        """Called when a pending payment is cancelled (void the invoice, release a hold).
        Raises PaymentProviderError when the provider refuses (the money was taken)."""

    def refund(self, payment) -> None:  # noqa: B027 — an optional hook
        """Called when a paid payment is refunded: give the money back."""


class PaymentProviderError(DomainError):
    """The provider could not be reached or refused a request; nothing was changed here."""
