"""Card payments through Stripe Checkout: the trainer pays on Stripe's hosted page.

A payment is never confirmed on the word of the return URL: it is paid when Stripe says
so, either in a signed webhook (enrollment.views.stripe_webhook) or when the return page
asks Stripe. Either way the Checkout Session is fetched from Stripe's API and its current
state applied, so events that arrive twice, replayed or out of order change nothing more.
Every request that creates something carries an idempotency key of the payment attempt.
See docs/payments.md.
"""

import logging
import time

import stripe
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from mct_portal.links import portal_url

from ..enums import Program
from ..paths.registry import program_for_path
from ..rules.fees import to_minor_units
from .base import Outcome, PaymentProvider, PaymentProviderError, ProviderResult

logger = logging.getLogger(__name__)

# A session left open longer than this expires at Stripe (30 minutes is Stripe's minimum).
SESSION_LIFETIME_SECONDS = 60 * 60
UNREACHABLE = gettext_noop(
    "The card payment service could not be reached. Nothing was charged: try again in a "
    "few minutes, or pay by invoice."
)


def _options(attempt: str = "") -> dict:
    options = {"api_key": settings.STRIPE_SECRET_KEY}
    if attempt:
        options["idempotency_key"] = attempt
    return options


def attempt_key(payment, action: str) -> str:
    """One idempotency key per payment attempt and action: a retried request (a network
    error, a worker killed after Stripe answered) cannot create a second session or refund."""
    return f"mct-payment-{payment.attempt_key}-{action}"


class StripeProvider(PaymentProvider):
    name = "stripe"
    label = _("Pay by card")
    description = _(
        "Pay now by card on Stripe's secure payment page; your application is approved "
        "as soon as Stripe confirms the payment."
    )
    refund_is_asynchronous = True

    def start(self, payment, details) -> ProviderResult:
        application = payment.application
        program = Program(program_for_path(application.path)).label
        return_url = portal_url(
            reverse("payment_stripe_return", kwargs={"public_id": application.public_id})
        )
        cancel_url = portal_url(reverse("payment", kwargs={"public_id": application.public_id}))
        metadata = {"payment": str(payment.pk), "application": str(application.public_id)}
        try:
            session = stripe.checkout.Session.create(
                mode="payment",
                line_items=[
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": payment.currency.lower(),
                            "unit_amount": to_minor_units(payment.amount, payment.currency),
                            "product_data": {"name": f"{program} membership, one year"},
                        },
                    }
                ],
                customer_email=application.trainer.user.email,
                client_reference_id=str(payment.pk),
                metadata=metadata,
                payment_intent_data={"metadata": metadata},
                success_url=f"{return_url}?session_id={{CHECKOUT_SESSION_ID}}",
                cancel_url=f"{cancel_url}?card=cancelled",
                expires_at=int(time.time()) + SESSION_LIFETIME_SECONDS,
                **_options(attempt_key(payment, "checkout")),
            )
        except stripe.StripeError:
            logger.exception("Stripe refused a Checkout Session for payment %s", payment.pk)
            return ProviderResult(Outcome.DECLINED, message=gettext(UNREACHABLE))
        return ProviderResult(Outcome.REDIRECT, reference=session.id, redirect_url=session.url)

    def current_state(self, payment) -> ProviderResult:
        """What Stripe says about the payment's Checkout Session now.

        PAID only for a complete, paid session of the payment's amount and currency;
        DECLINED when the session expired (nothing was taken); else REDIRECT (still open).
        Raises PaymentProviderError when Stripe cannot be asked.
        """
        try:
            session = stripe.checkout.Session.retrieve(payment.reference, **_options())
        except stripe.StripeError as error:
            logger.warning("Could not retrieve Stripe session %s: %s", payment.reference, error)
            raise PaymentProviderError(gettext(UNREACHABLE)) from error
        if session.status == "complete" and session.payment_status == "paid":
            expected = to_minor_units(payment.amount, payment.currency)
            if session.amount_total != expected or session.currency != payment.currency.lower():
                logger.error(
                    "Stripe session %s was paid %s %s, not the %s %s of payment %s",
                    session.id,
                    session.amount_total,
                    session.currency,
                    expected,
                    payment.currency,
                    payment.pk,
                )
                raise PaymentProviderError(
                    "The amount paid does not match the fee. Support will contact you."
                )
            return ProviderResult(
                Outcome.PAID, reference=session.id, payment_id=session.payment_intent or ""
            )
        if session.status == "expired":
            return ProviderResult(
                Outcome.DECLINED,
                reference=session.id,
                message=gettext("The card payment was not completed. Nothing was charged."),
            )
        return ProviderResult(Outcome.REDIRECT, reference=session.id, redirect_url=session.url)

    def resume(self, payment) -> ProviderResult | None:
        state = self.current_state(payment)
        return None if state.outcome == Outcome.DECLINED else state

    def cancel(self, payment) -> None:
        """Expires the open session at Stripe, so it can no longer be paid. Stripe refuses
        for a session that was paid meanwhile: then nothing is cancelled here either."""
        try:
            stripe.checkout.Session.expire(payment.reference, **_options())
        except stripe.StripeError as error:
            if self.current_state(payment).outcome == Outcome.DECLINED:
                return  # expired already
            logger.warning("Stripe did not expire session %s: %s", payment.reference, error)
            raise PaymentProviderError(
                "The card payment for this application went through meanwhile, so it "
                "cannot be cancelled. Reload the page."
            ) from error

    def refund(self, payment) -> None:
        if not payment.provider_payment_id:
            raise PaymentProviderError("This payment has no Stripe payment to refund.")
        try:
            stripe.Refund.create(
                payment_intent=payment.provider_payment_id,
                metadata={"payment": str(payment.pk)},
                **_options(attempt_key(payment, "refund")),
            )
        except stripe.StripeError as error:
            logger.warning("Stripe refused the refund of payment %s: %s", payment.pk, error)
            raise PaymentProviderError(
                f"Stripe did not accept the refund: {error.user_message or error}"
            ) from error

    def charge_refunded(self, charge_id: str) -> tuple[str, bool]:
        """The PaymentIntent of a charge and whether Stripe refunded it in full."""
        try:
            charge = stripe.Charge.retrieve(charge_id, **_options())
        except stripe.StripeError as error:
            raise PaymentProviderError(gettext(UNREACHABLE)) from error
        return charge.payment_intent or "", bool(charge.refunded)


def verified_event(payload: bytes, signature: str):
    """The webhook event, if Stripe signed it with our endpoint secret; ValueError if not."""
    try:
        return stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    except stripe.SignatureVerificationError as error:
        raise ValueError("bad signature") from error


provider = StripeProvider()
