"""Stripe Checkout: the page the trainer comes back to, and Stripe's webhook.

Neither trusts what it is told: the return page asks Stripe (on POST; a GET never
writes), and the webhook checks the signature and then asks Stripe for the current
state of the session (enrollment.services.payments.payment_sync). See docs/payments.md.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from ..enums import PAYMENT_LIVE, ApplicationStatus, PaymentStatus
from ..errors import DomainError
from ..models import Payment
from ..payments import PaymentProviderError, get_provider
from ..payments.stripe import verified_event
from ..services.payments import payment_refund_confirm, payment_sync
from .payments import _approved_message, _own_application, render_payment_step

logger = logging.getLogger(__name__)

SESSION_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}


def _card_payment(application):
    return (
        Payment.objects.filter(application=application, provider="stripe")
        .order_by("-created_at")
        .first()
    )


@login_required
@require_http_methods(["GET", "POST"])
def payment_card_return(request: HttpRequest, public_id) -> HttpResponse:
    """Where Stripe sends the trainer after paying. GET shows the page (which asks for the
    check, by itself with JavaScript); POST asks Stripe and applies what it says."""
    application = _own_application(request, public_id)
    payment = _card_payment(application)
    if payment is None:
        return redirect("payment", public_id=application.public_id)
    if payment.status == PaymentStatus.PAID:
        _approved_message(request, payment)
        return redirect("profile")
    if request.method == "POST" and payment.status == PaymentStatus.PENDING:
        try:
            payment = payment_sync(payment=payment, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            if payment.status == PaymentStatus.PAID:
                _approved_message(request, payment)
                return redirect("profile")
            if payment.status == PaymentStatus.CANCELLED:
                messages.info(
                    request, _("The card payment was not completed. Nothing was charged.")
                )
                return redirect("payment", public_id=application.public_id)
            messages.info(
                request,
                _(
                    "The card service has not confirmed your payment yet. We approve your "
                    "application as soon as it does, and email you."
                ),
            )
    if application.status != ApplicationStatus.AWAITING_PAYMENT:
        return redirect("profile")
    return render_payment_step(
        request,
        "enrollment/payment_card_return.html",
        {"application": application, "payment": payment, "asked": request.method == "POST"},
    )


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's events. 400 for anything not signed with our endpoint secret; 200 for
    events we do not need (so Stripe stops sending them); 503 when Stripe could not be
    asked back, so Stripe delivers the event again later."""
    try:
        get_provider("stripe")
    except LookupError:
        raise Http404("Stripe is not enabled.") from None
    try:
        event = verified_event(request.body, request.headers.get("Stripe-Signature", ""))
    except ValueError:
        logger.warning("Refused a Stripe webhook without a valid signature")
        return HttpResponse("Invalid signature.", status=400, content_type="text/plain")
    obj = event.data.object
    try:
        if event.type in SESSION_EVENTS:
            payment = Payment.objects.filter(provider="stripe", reference=obj.id).first()
            if payment is not None:
                payment_sync(payment=payment)
        elif event.type == "charge.refunded":
            payment_intent, refunded = get_provider("stripe").charge_refunded(obj.id)
            payment = Payment.objects.filter(
                provider="stripe", provider_payment_id=payment_intent, status__in=PAYMENT_LIVE
            ).first()
            if payment is not None and refunded and payment.status != PaymentStatus.PENDING:
                payment_refund_confirm(payment=payment, note=f"Stripe refunded charge {obj.id}.")
    except PaymentProviderError as error:
        logger.warning("Stripe event %s not applied yet: %s", event.id, error.message)
        return HttpResponse("Try again later.", status=503, content_type="text/plain")
    except DomainError as error:
        logger.error("Stripe event %s could not be applied: %s", event.id, error.message)
    return HttpResponse("OK", content_type="text/plain")
