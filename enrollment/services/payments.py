"""Paying the program fee: quote, start, confirm, sync with the provider, expire, cancel,
refund (docs/payments.md).

Every change of a payment's status goes through _move, which checks PAYMENT_TRANSITIONS;
each transition has one service here.

Locks are always taken application first, then payment, then discount code, so two
services working on the same application (a trainer paying by card while support
marks the invoice paid) queue behind each other instead of deadlocking.
Application status changes only through application_mark_paid and
application_payment_cancel.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from verification.audit import audit

from ..enums import (
    PAYMENT_LIVE,
    PAYMENT_TRANSITIONS,
    ApplicationStatus,
    Currency,
    PaymentDocumentKind,
    PaymentStatus,
    Program,
)
from ..errors import DomainError, InvalidTransition
from ..models import Application, DiscountCode, Fee, Payment
from ..paths.registry import path_definition, program_for_path
from ..payments import WAIVED, Outcome, PaymentProvider, ProviderResult, get_provider
from ..rules.fees import discount_applies, format_money, price_after_discount
from ..selectors.memberships import open_membership
from .applications import application_mark_paid, application_payment_cancel
from .documents import mail_payment_document, payment_document_issue
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
    return Payment.objects.filter(application_id=application.pk, status__in=PAYMENT_LIVE)


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
            _("The %(program)s fee is not available in %(currency)s. Choose another currency.")
            % {"program": Program(program).label, "currency": currency}
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


def _move(
    payment: Payment, status: str, *, by, action: str, note: str = "", fields: tuple = ()
) -> None:
    """The one place a locked payment's status changes: checks PAYMENT_TRANSITIONS, saves
    with update_fields and audits. Callers lock the payment first."""
    if status not in PAYMENT_TRANSITIONS[payment.status]:
        raise InvalidTransition(
            f"This payment is {payment.get_status_display().lower()}: it cannot become "
            f"{PaymentStatus(status).label.lower()}."
        )
    before = _snapshot(payment)
    payment.status = status
    payment.save(update_fields=["status", "updated_at", *fields])
    _audit(payment, action, by=by, before=before, note=note)


def _enabled_provider(name: str) -> PaymentProvider | None:
    try:
        return get_provider(name)
    except LookupError:  # waived fees, or a provider switched off since
        return None


def _cancel_locked(payment: Payment, *, by, reason: str, action: str = "cancelled") -> None:
    _move(payment, PaymentStatus.CANCELLED, by=by, action=action, note=reason)
    provider = _enabled_provider(payment.provider)
    if provider is not None:
        provider.cancel(payment)  # a refusal rolls the whole change back


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


@dataclass(frozen=True)
class Billing:
    """Who the invoice is made out to (the payment page's billing form)."""

    name: str = ""
    address: str = ""
    vat_id: str = ""


def _resume(live: Payment, provider: PaymentProvider, *, by) -> Payment | None:
    """The pending payment `live`, started again with its own provider: the same attempt
    while the provider can still take it, None when a new attempt is needed."""
    state = provider.resume(live)
    if state is None:
        _cancel_locked(live, by=by, action="expired", reason="The provider's session ended.")
        return None
    if state.outcome == Outcome.PAID:
        return payment_confirm(payment=live, reference=state.reference, by=by, result=state)
    if state.redirect_url and state.redirect_url != live.redirect_url:
        live.redirect_url = state.redirect_url
        live.save(update_fields=["redirect_url", "updated_at"])
    return live


@transaction.atomic
def payment_start(
    *,
    application: Application,
    currency: str,
    provider: str,
    discount_code: str = "",
    by,
    details: dict | None = None,
    billing: Billing | None = None,
) -> Payment:
    """Starts paying an application awaiting payment with `provider`.

    - A free quote (a 100% code) needs no provider: the fee is recorded as waived and
      the application approved at once.
    - The provider's answer decides the rest: PAID confirms the payment (and approves
      the application), PENDING leaves it pending (an invoice, issued now), REDIRECT
      leaves it pending with the page where the trainer pays (payment.redirect_url),
      DECLINED raises PaymentDeclined and rolls everything back, so nothing changes.
    - One live payment per application: starting again with the provider of the
      pending payment (a double click, two tabs, a race) returns that payment while the
      provider can still take it; choosing another provider replaces it (an invoice the
      trainer pays by card).
    `details` is the provider form's cleaned data; it is passed on and never stored.
    """
    billing = billing or Billing()
    locked = _lock_application(application)
    if locked.status != ApplicationStatus.AWAITING_PAYMENT:
        raise InvalidTransition(_("Only an application awaiting payment can be paid."))
    _refuse_a_renewal_that_came_too_late(locked)
    quote = _quote(locked, currency, discount_code, lock_code=True)
    if quote.discount_refusal:
        raise DomainError(quote.discount_refusal)
    payment_provider = None if quote.is_free else get_provider(provider)
    provider_name = WAIVED if quote.is_free else provider

    live = _live_payments(locked).select_for_update().first()
    if live is not None:
        if live.status != PaymentStatus.PENDING:
            raise InvalidTransition(_("This application has already been paid."))
        live.application = locked
        if live.provider == provider_name:
            resumed = live if payment_provider is None else _resume(live, payment_provider, by=by)
            if resumed is not None:
                return resumed
        else:
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
                billing_name=billing.name,
                billing_address=billing.address,
                billing_vat_id=billing.vat_id,
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
            _(
                "Another payment for this application was started at the same moment. "
                "Reload the page to see it."
            )
        )
    _audit(payment, "started", by=by, before=None)

    if payment_provider is None:
        waiver = f"WAIVED-{quote.discount.code}" if quote.discount else "WAIVED"
        return payment_confirm(payment=payment, reference=waiver, by=by)

    result = payment_provider.start(payment, details or {})
    if result.outcome == Outcome.DECLINED:
        logger.info("Payment declined by %s for application %s", provider_name, locked.public_id)
        raise PaymentDeclined(result.message or _("The payment was declined. Nothing changed."))
    if result.outcome == Outcome.PAID:
        return payment_confirm(payment=payment, reference=result.reference, by=by, result=result)
    if result.outcome == Outcome.PENDING and payment_provider.invoice_at_start:
        invoice = payment_document_issue(payment=payment, kind=PaymentDocumentKind.INVOICE)
        payment.reference = invoice.number
        payment.save(update_fields=["reference", "updated_at"])
        mail_payment_document(document=invoice, role="payment_invoice")
        return payment
    payment.reference = result.reference
    payment.redirect_url = result.redirect_url
    payment.save(update_fields=["reference", "redirect_url", "updated_at"])
    return payment


@transaction.atomic
def payment_confirm(
    *, payment: Payment, reference: str = "", by, result: ProviderResult | None = None
) -> Payment:
    """The money arrived: PENDING → PAID, the discount use is counted, the invoice issued
    (and emailed as a receipt), and the application approved (its membership starts or
    extends).

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
    locked.paid_at = timezone.now()
    fields = ["paid_at"]
    if reference:
        locked.reference = reference
        fields.append("reference")
    if result is not None and result.payment_id:
        locked.provider_payment_id = result.payment_id
        fields.append("provider_payment_id")
    _move(locked, PaymentStatus.PAID, by=by, action="paid", fields=tuple(fields))
    if locked.discount_code_id is not None:
        DiscountCode.objects.filter(pk=locked.discount_code_id).update(
            times_used=F("times_used") + 1
        )
    application_mark_paid(
        application=application,
        by=by,
        # The audit trail is written in English, whatever the payer's language.
        note=f"Paid {format_money(locked.amount, locked.currency, 'en')} via {locked.provider}"
        + (f" ({locked.reference})" if locked.reference else "")
        + ".",
    )
    if locked.amount > 0:
        invoice = payment_document_issue(payment=locked, kind=PaymentDocumentKind.INVOICE)
        mail_payment_document(document=invoice, role="payment_received")
    return locked


@transaction.atomic
def payment_sync(*, payment: Payment, by=None) -> Payment:
    """Applies what the provider says about a pending payment now (its webhook, the return
    page): paid → payment_confirm; ended unpaid → payment_expire (the application stays
    payable); still open → nothing. Anything but a pending payment is left alone, so an
    event that comes late, twice or out of order changes nothing more."""
    _application, locked = _lock_payment(payment)
    provider = _enabled_provider(locked.provider)
    if locked.status != PaymentStatus.PENDING or provider is None:
        return locked
    state = provider.current_state(locked)
    if state is None:
        return locked
    if state.outcome == Outcome.PAID:
        return payment_confirm(payment=locked, reference=state.reference, by=by, result=state)
    if state.outcome == Outcome.DECLINED:
        return payment_expire(payment=locked, by=by)
    return locked


# A card checkout not heard of for this long is asked about (a webhook may have been lost).
STALE_CHECKOUT_AFTER = timedelta(minutes=30)


def payment_sync_stale(*, now=None) -> int:
    """Asks the provider about every pending payment that went to a hosted payment page
    and was not heard of since STALE_CHECKOUT_AFTER: the database is the truth, and a lost
    webhook must not leave a paid trainer waiting. Returns how many changed."""
    now = now or timezone.now()
    stale = Payment.objects.filter(
        status=PaymentStatus.PENDING,
        updated_at__lt=now - STALE_CHECKOUT_AFTER,
    ).exclude(redirect_url="")
    changed = 0
    for payment in stale.order_by("updated_at")[:200]:
        try:
            if payment_sync(payment=payment).status != PaymentStatus.PENDING:
                changed += 1
        except DomainError as error:
            logger.warning("Could not sync payment %s: %s", payment.pk, error.message)
    return changed


@transaction.atomic
def payment_expire(*, payment: Payment, by=None, reason: str = "") -> Payment:
    """PENDING → CANCELLED without closing the application: a checkout the trainer left or
    that timed out. The application stays awaiting payment, so the trainer can pay again."""
    _application, locked = _lock_payment(payment)
    if locked.status == PaymentStatus.CANCELLED:
        return locked
    _cancel_locked(
        locked, by=by, action="expired", reason=reason or "The payment was not completed."
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
    if live is not None and live.status != PaymentStatus.PENDING:
        raise InvalidTransition(_("This application has been paid; it can no longer be cancelled."))
    if live is not None:
        payment_cancel(payment=live, by=by, reason=reason, notify=notify)
    else:
        application_payment_cancel(application=locked, by=by, note=reason, notify=notify)
    locked.refresh_from_db(fields=["status", "updated_at"])
    return locked


@transaction.atomic
def payment_refund(*, payment: Payment, by, reason: str) -> Payment:
    """Gives the money of a paid payment back through its provider, with a reason.

    PAID → REFUNDED when the provider refunds at once (an invoice paid by bank transfer:
    the money goes back by hand); PAID → REFUND_PENDING when the provider confirms later
    (Stripe's webhook then calls payment_refund_confirm). The membership is deliberately
    not touched: a refund given as a goodwill gesture keeps the trainer in the program.
    End or revoke the membership separately if needed.
    """
    reason = reason.strip()
    if not reason:
        raise DomainError("Give a reason for the refund.")
    _application, locked = _lock_payment(payment)
    if locked.status in (PaymentStatus.REFUNDED, PaymentStatus.REFUND_PENDING):
        return locked
    if locked.status != PaymentStatus.PAID:
        raise InvalidTransition(
            f"This payment is {locked.get_status_display().lower()}: only a paid payment "
            "can be refunded."
        )
    if locked.amount == 0:
        raise DomainError("This fee was waived: there is nothing to refund.")
    provider = _enabled_provider(locked.provider)
    if provider is not None and provider.refund_is_asynchronous:
        _move(locked, PaymentStatus.REFUND_PENDING, by=by, action="refund_requested", note=reason)
        provider.refund(locked)  # a refusal rolls the request back
        return locked
    if provider is not None:
        provider.refund(locked)
    return _refunded(locked, by=by, note=reason)


def _refunded(locked: Payment, *, by, note: str) -> Payment:
    locked.refunded_at = timezone.now()
    _move(
        locked,
        PaymentStatus.REFUNDED,
        by=by,
        action="refunded",
        note=note,
        fields=("refunded_at",),
    )
    credit_note = payment_document_issue(payment=locked, kind=PaymentDocumentKind.CREDIT_NOTE)
    mail_payment_document(document=credit_note, role="payment_refunded")
    return locked


@transaction.atomic
def payment_refund_confirm(*, payment: Payment, by=None, note: str = "") -> Payment:
    """The provider gave the money back (its webhook): REFUND_PENDING → REFUNDED, or
    PAID → REFUNDED for a refund made in the provider's own dashboard. A credit note is
    issued and emailed. Confirming again changes nothing."""
    _application, locked = _lock_payment(payment)
    if locked.status == PaymentStatus.REFUNDED:
        return locked
    return _refunded(locked, by=by, note=note or "Refund confirmed by the provider.")
