"""Paying the program fee (docs/spec.md §6): quote, start, confirm, cancel, refund.

Locks are always taken application first, then payment, then discount code, so two
services working on the same application (a trainer paying by card while support
marks the invoice paid) queue behind each other instead of deadlocking.
Application status changes only through application_mark_paid and
application_payment_cancel.
"""

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from verification.audit import audit

from ..enums import ApplicationStatus, Currency, PaymentStatus, Program
from ..errors import DomainError, InvalidTransition
from ..models import Application, DiscountCode, Fee, Payment
from ..paths.registry import path_definition, program_for_path
from ..payments import WAIVED, Outcome, PaymentProvider, get_provider
from ..rules.fees import discount_applies, format_money, price_after_discount
from ..selectors.memberships import open_membership
from .applications import application_mark_paid, application_payment_cancel
from .memberships import renewal_refusal

logger = logging.getLogger(__name__)


class PaymentDeclined(DomainError):
    """The provider took no money; nothing was recorded."""


@dataclass(frozen=True)
class Quote:
    """What the trainer pays for an application, in one currency, with or without a code."""

    program: str
    currency: str
    fee: Decimal
    amount_due: Decimal
    discount: DiscountCode | None = None  # the code that applies, if any
    discount_code: str = ""  # what the trainer typed
    discount_refusal: str = ""  # why the typed code does not apply

    @property
    def is_free(self) -> bool:
        return self.amount_due == 0

    @property
    def percent_off(self) -> int:
        return self.discount.percent_off if self.discount else 0

    @property
    def fee_display(self) -> str:
        return format_money(self.fee, self.currency)

    @property
    def amount_due_display(self) -> str:
        return format_money(self.amount_due, self.currency)


def fee_currencies(*, program: str) -> list[str]:
    """The currencies the program's fee is set in, in the order of the Currency choices."""
    available = set(Fee.objects.filter(program=program).values_list("currency", flat=True))
    return [currency for currency in Currency.values if currency in available]


def live_payment(*, application: Application) -> Payment | None:
    """The application's pending or paid payment (there is at most one)."""
    return _live_payments(application).first()


def _live_payments(application: Application):
    return Payment.objects.filter(
        application_id=application.pk, status__in=[PaymentStatus.PENDING, PaymentStatus.PAID]
    )


def _find_code(code: str, *, lock: bool) -> DiscountCode | None:
    codes = DiscountCode.objects.filter(code__iexact=code.strip()).order_by("pk")
    if lock:
        codes = codes.select_for_update()
    return codes.first()


def _quote(
    application: Application, currency: str, discount_code: str, *, lock_code: bool = False
) -> Quote:
    program = program_for_path(application.path)
    fee = Fee.objects.filter(program=program, currency=currency).first()
    if fee is None:
        raise DomainError(
            f"The {Program(program).label} fee is not available in {currency}. "
            "Choose another currency."
        )
    amount = price_after_discount(fee.amount, 0, currency)
    typed = discount_code.strip()
    if not typed:
        return Quote(program, currency, amount, amount)
    code = _find_code(typed, lock=lock_code)
    reserved = 0
    if code is not None:
        reserved = (
            Payment.objects.filter(discount_code=code, status=PaymentStatus.PENDING)
            .exclude(application_id=application.pk)
            .count()
        )
    decision = discount_applies(code, program, timezone.localdate(), uses_reserved=reserved)
    if not decision:
        return Quote(program, currency, amount, amount, None, typed, decision.reason)
    due = price_after_discount(amount, code.percent_off, currency)
    return Quote(program, currency, amount, due, code, typed)


def payment_quote(*, application: Application, currency: str, discount_code: str = "") -> Quote:
    """The fee for the application's program in `currency`, less the discount if it applies.

    A code that does not apply is not an error here: the quote carries the reason and
    the full price, so the page can say why. A missing fee is a DomainError.
    """
    return _quote(application, currency, discount_code)


def _lock_application(application: Application) -> Application:
    return (
        Application.objects.select_for_update()
        .select_related("trainer__user")
        .get(pk=application.pk)
    )


def _lock_payment(payment: Payment) -> tuple[Application, Payment]:
    application = _lock_application(Application(pk=payment.application_id))
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    locked.application = application
    return application, locked


def _snapshot(payment: Payment) -> dict:
    return {
        "status": payment.status,
        "amount": str(payment.amount),
        "currency": payment.currency,
        "provider": payment.provider,
        "reference": payment.reference,
    }


def _audit(payment: Payment, action: str, *, by, before: dict | None, note: str = "") -> None:
    audit(
        actor=by,
        action=f"payment.{action}",
        target=payment,
        subject_user=payment.application.trainer.user,
        before=before,
        after=_snapshot(payment),
        note=note,
    )


def _enabled_provider(name: str) -> PaymentProvider | None:
    try:
        return get_provider(name)
    except LookupError:  # waived fees, or a provider switched off since
        return None


def _cancel_locked(payment: Payment, *, by, reason: str, action: str = "cancelled") -> None:
    before = _snapshot(payment)
    payment.status = PaymentStatus.CANCELLED
    payment.save(update_fields=["status", "updated_at"])
    provider = _enabled_provider(payment.provider)
    if provider is not None:
        provider.cancel(payment)
    _audit(payment, action, by=by, before=before, note=reason)


def _refuse_a_renewal_that_came_too_late(application: Application) -> None:
    """Checked before any provider is asked to charge: approval would refuse the renewal
    and roll back, leaving a real card charged and then reversed."""
    if not path_definition(application.path).extends_membership:
        return
    program = program_for_path(application.path)
    current = open_membership(trainer=application.trainer, program=program)
    refusal = renewal_refusal(current, program)
    if refusal:
        raise InvalidTransition(refusal)


@transaction.atomic
def payment_start(
    *,
    application: Application,
    currency: str,
    provider: str,
    discount_code: str = "",
    by,
    details: dict | None = None,
) -> Payment:
    """Starts paying an application awaiting payment with `provider`.

    - A free quote (a 100% code) needs no provider: the fee is recorded as waived and
      the application approved at once.
    - The provider's answer decides the rest: PAID confirms the payment (and approves
      the application), PENDING leaves it pending (an invoice), DECLINED raises
      PaymentDeclined and rolls everything back, so nothing changes.
    - One live payment per application: starting again with the provider of the
      pending payment (a double click, two tabs, a race) returns that payment;
      choosing another provider replaces it (an invoice the trainer pays by card).
    `details` is the provider form's cleaned data; it is passed on and never stored.
    """
    locked = _lock_application(application)
    if locked.status != ApplicationStatus.AWAITING_PAYMENT:
        raise InvalidTransition("Only an application awaiting payment can be paid.")
    _refuse_a_renewal_that_came_too_late(locked)
    quote = _quote(locked, currency, discount_code, lock_code=True)
    if quote.discount_refusal:
        raise DomainError(quote.discount_refusal)
    payment_provider = None if quote.is_free else get_provider(provider)
    provider_name = WAIVED if quote.is_free else provider

    live = _live_payments(locked).select_for_update().first()
    if live is not None:
        if live.status == PaymentStatus.PAID:
            raise InvalidTransition("This application has already been paid.")
        if live.provider == provider_name:
            return live
        live.application = locked
        _cancel_locked(
            live, by=by, action="replaced", reason=f"Replaced by a payment via {provider_name}."
        )

    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                application=locked,
                amount=quote.amount_due,
                currency=currency,
                provider=provider_name,
                discount_code=quote.discount,
            )
    except IntegrityError:
        # Another request created the live payment between our check and our insert.
        live = _live_payments(locked).first()
        if (
            live is not None
            and live.status == PaymentStatus.PENDING
            and live.provider == provider_name
        ):
            return live
        raise DomainError(
            "Another payment for this application was started at the same moment. "
            "Reload the page to see it."
        )
    _audit(payment, "started", by=by, before=None)

    if payment_provider is None:
        waiver = f"WAIVED-{quote.discount.code}" if quote.discount else "WAIVED"
        return payment_confirm(payment=payment, reference=waiver, by=by)

    result = payment_provider.start(payment, details or {})
    if result.outcome == Outcome.DECLINED:
        logger.info("Payment declined by %s for application %s", provider_name, locked.public_id)
        raise PaymentDeclined(result.message or "The payment was declined. Nothing changed.")
    if result.outcome == Outcome.PAID:
        return payment_confirm(payment=payment, reference=result.reference, by=by)
    if result.reference:
        payment.reference = result.reference
        payment.save(update_fields=["reference", "updated_at"])
    return payment


@transaction.atomic
def payment_confirm(*, payment: Payment, reference: str = "", by) -> Payment:
    """The money arrived: PENDING → PAID, the discount use is counted, and the application
    is approved (its membership starts or extends).

    Idempotent: confirming a paid payment again (a provider callback delivered twice, two
    support agents) changes nothing. An empty `reference` keeps the one already recorded.
    """
    application, locked = _lock_payment(payment)
    if locked.status == PaymentStatus.PAID:
        return locked
    if locked.status != PaymentStatus.PENDING:
        raise InvalidTransition(
            f"This payment is {locked.get_status_display().lower()} and cannot be marked paid."
        )
    before = _snapshot(locked)
    locked.status = PaymentStatus.PAID
    locked.paid_at = timezone.now()
    if reference:
        locked.reference = reference
    locked.save(update_fields=["status", "paid_at", "reference", "updated_at"])
    if locked.discount_code_id is not None:
        DiscountCode.objects.filter(pk=locked.discount_code_id).update(
            times_used=F("times_used") + 1
        )
    _audit(locked, "paid", by=by, before=before)
    application_mark_paid(
        application=application,
        by=by,
        note=f"Paid {format_money(locked.amount, locked.currency)} via {locked.provider}"
        + (f" ({locked.reference})" if locked.reference else "")
        + ".",
    )
    return locked


@transaction.atomic
def payment_cancel(*, payment: Payment, by, reason: str = "", notify: bool = True) -> Payment:
    """PENDING → CANCELLED; the application becomes payment_cancelled, and the trainer may
    apply again on the same path. Cancelling a cancelled payment changes nothing."""
    application, locked = _lock_payment(payment)
    if locked.status == PaymentStatus.CANCELLED:
        return locked
    if locked.status != PaymentStatus.PENDING:
        raise InvalidTransition(
            f"This payment is {locked.get_status_display().lower()}: only a pending payment "
            "can be cancelled."
        )
    _cancel_locked(locked, by=by, reason=reason)
    application_payment_cancel(application=application, by=by, note=reason, notify=notify)
    return locked


@transaction.atomic
def payment_abandon(
    *, application: Application, by, reason: str = "", notify: bool = True
) -> Application:
    """The trainer cancels the payment step, whether or not a payment was started."""
    locked = _lock_application(application)
    if locked.status == ApplicationStatus.PAYMENT_CANCELLED:
        return locked
    live = _live_payments(locked).first()
    if live is not None and live.status == PaymentStatus.PAID:
        raise InvalidTransition("This application has been paid; it can no longer be cancelled.")
    if live is not None:
        payment_cancel(payment=live, by=by, reason=reason, notify=notify)
    else:
        application_payment_cancel(application=locked, by=by, note=reason, notify=notify)
    locked.refresh_from_db(fields=["status", "updated_at"])
    return locked


@transaction.atomic
def payment_refund(*, payment: Payment, by, reason: str) -> Payment:
    """PAID → REFUNDED, with a reason, through the provider's refund hook.

    The membership is deliberately not touched: a refund given as a goodwill gesture
    keeps the trainer in the program. End or revoke the membership separately if needed.
    """
    reason = reason.strip()
    if not reason:
        raise DomainError("Give a reason for the refund.")
    _application, locked = _lock_payment(payment)
    if locked.status == PaymentStatus.REFUNDED:
        return locked
    if locked.status != PaymentStatus.PAID:
        raise InvalidTransition(
            f"This payment is {locked.get_status_display().lower()}: only a paid payment "
            "can be refunded."
        )
    if locked.amount == 0:
        raise DomainError("This fee was waived: there is nothing to refund.")
    provider = _enabled_provider(locked.provider)
    if provider is not None:
        provider.refund(locked)
    before = _snapshot(locked)
    locked.status = PaymentStatus.REFUNDED
    locked.save(update_fields=["status", "updated_at"])
    _audit(locked, "refunded", by=by, before=before, note=reason)
    return locked
