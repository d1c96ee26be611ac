"""Paying the program fee: /apply/pay/<public_id>/ (docs/spec.md §3 Confirmation step, §6)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from ..enums import (
    ApplicationStatus,
    Currency,
    PaymentDocumentKind,
    PaymentStatus,
    Program,
)
from ..errors import DomainError
from ..models import Application
from ..paths.registry import program_for_path
from ..payments import WAIVED, demo_payments_enabled, enabled_providers, get_provider
from ..payments.forms import BillingForm, CancelPaymentForm, PriceForm, billing_initial
from ..payments.invoice import payment_instructions
from ..rules.fees import format_money
from ..selectors import trainer_for_user
from ..services.payments import (
    Billing,
    fee_currencies,
    live_payment,
    payment_abandon,
    payment_quote,
    payment_start,
)

DEFAULT_CURRENCY = Currency.USD


def _own_application(request: HttpRequest, public_id) -> Application:
    """The signed-in trainer's application; anyone else's is a 404, never a 403."""
    trainer = trainer_for_user(request.user)
    if trainer is None:
        raise Http404("No application here.")
    return get_object_or_404(
        Application.objects.select_related("trainer__user"), public_id=public_id, trainer=trainer
    )


def _refuse_unless_awaiting_payment(request: HttpRequest, application: Application):
    """A redirect to the profile with the reason, or None when the fee can be paid."""
    if application.status == ApplicationStatus.AWAITING_PAYMENT:
        return None
    if application.status == ApplicationStatus.APPROVED:
        messages.info(request, _("This application is already approved: there is nothing to pay."))
    elif application.status == ApplicationStatus.PAYMENT_CANCELLED:
        messages.info(
            request,
            _(
                "The payment for this application was cancelled. You can apply again from your "
                "profile."
            ),
        )
    else:
        messages.warning(
            request,
            _("This application is not awaiting payment yet: finish and submit it first."),
        )
    return redirect("profile")


def _price_selection(data, currencies: list[str]) -> tuple[PriceForm, str, str]:
    """The price form and the currency and discount code it selects (defaults if invalid)."""
    default = DEFAULT_CURRENCY if DEFAULT_CURRENCY in currencies else currencies[0]
    bound = None
    if data and ("currency" in data or "discount_code" in data):
        bound = {"currency": default, **data.dict()}  # a link with only a code keeps USD
    form = PriceForm(bound, currencies=currencies, initial={"currency": default})
    if bound is not None and form.is_valid():
        return form, form.cleaned_data["currency"], form.cleaned_data["discount_code"]
    return form, default, ""


def _approved_message(request: HttpRequest, payment) -> None:
    if payment.provider == WAIVED:
        paid = (
            _("Your discount code covers the whole fee, so there is nothing to pay.")
            if payment.discount_code_id
            else _("There is no fee to pay.")
        )
    else:
        paid = _("We received your payment of %(amount)s (reference %(reference)s).") % {
            "amount": format_money(payment.amount, payment.currency),
            "reference": payment.reference,
        }
    messages.success(request, _("Your application is approved. %(paid)s") % {"paid": paid})


def render_payment_step(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """Every page of the payment step: with the demo banner when a demo provider is on."""
    return render(request, template, {**context, "demo_payments": demo_payments_enabled()})


def _billing(form: BillingForm | None) -> Billing | None:
    if form is None:
        return None
    data = form.cleaned_data
    return Billing(data["billing_name"], data["billing_address"], data["billing_vat_id"])


def _after_start(request: HttpRequest, application: Application, payment) -> HttpResponse:
    if payment.status == PaymentStatus.PAID:
        _approved_message(request, payment)
        return redirect("profile")
    if payment.redirect_url:
        return redirect(payment.redirect_url)
    messages.success(
        request,
        _("Invoice %(reference)s for %(amount)s is on its way to your email address.")
        % {
            "reference": payment.reference,
            "amount": format_money(payment.amount, payment.currency),
        },
    )
    return redirect("payment_invoice", public_id=application.public_id)


def _pay(request, application, quote, providers, forms, billing_form) -> tuple[object | None, str]:
    """Pays with the provider chosen in the POST: (the payment, "") or (None, why not).

    A provider whose form is invalid or whose payment was declined leaves its form in
    `forms` for the page; a declined card form is replaced by an empty one, so card
    details are never echoed back.
    """
    chosen = "" if quote.is_free else request.POST.get("provider", "")
    form = None
    if not quote.is_free:
        if chosen not in {p.name for p in providers}:
            return None, "Choose a way to pay."
        form = forms[chosen] = get_provider(chosen).form_class(request.POST)
        if not (form.is_valid() & billing_form.is_valid()):
            return None, ""
    try:
        payment = payment_start(
            application=application,
            currency=quote.currency,
            provider=chosen or WAIVED,
            discount_code=quote.discount_code,
            by=request.user,
            details=form.cleaned_data if form is not None else None,
            billing=_billing(billing_form) if form is not None else None,
        )
    except DomainError as error:
        if form is not None:
            forms[chosen] = get_provider(chosen).form_class()
        return None, error.message
    return payment, ""


@sensitive_post_parameters()
@login_required
@require_http_methods(["GET", "POST"])
def payment_page(request: HttpRequest, public_id) -> HttpResponse:
    """Shows the fee and the ways to pay; a POST pays with the chosen provider."""
    application = _own_application(request, public_id)
    if refusal := _refuse_unless_awaiting_payment(request, application):
        return refusal
    program = program_for_path(application.path)
    currencies = fee_currencies(program=program)
    context = {
        "application": application,
        "program_label": Program(program).label,
        "currencies": currencies,
    }
    if not currencies:
        return render_payment_step(request, "enrollment/payment.html", context)

    data = request.POST if request.method == "POST" else request.GET
    price_form, currency, discount_code = _price_selection(data, currencies)
    quote = payment_quote(application=application, currency=currency, discount_code=discount_code)
    if quote.discount_refusal:
        price_form.add_error("discount_code", quote.discount_refusal)
    pending = live_payment(application=application)

    # A pending invoice is shown, not offered again; a pending card checkout can be resumed.
    providers = [
        p
        for p in enabled_providers()
        if pending is None or p.name != pending.provider or pending.redirect_url
    ]
    forms = {p.name: p.form_class() for p in providers}
    billing_form = BillingForm(
        request.POST if request.method == "POST" else None,
        initial=billing_initial(application.trainer),
    )
    payment_error = ""
    if request.method == "POST":
        if price_form.is_bound and price_form.is_valid():
            payment, payment_error = _pay(
                request, application, quote, providers, forms, billing_form
            )
            if payment is not None:
                return _after_start(request, application, payment)
        else:
            payment_error = _("Check the currency and the discount code: nothing was charged.")

    context |= {
        "price_form": price_form,
        "quote": quote,
        "pending": pending,
        "provider_forms": [(p, forms[p.name]) for p in providers],
        "billing_form": billing_form,
        "payment_error": payment_error,
        "card_cancelled": request.GET.get("card") == "cancelled",
    }
    return render_payment_step(request, "enrollment/payment.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def payment_invoice(request: HttpRequest, public_id) -> HttpResponse:
    """GET shows the pending invoice; POST asks for one (pay by invoice)."""
    application = _own_application(request, public_id)
    if refusal := _refuse_unless_awaiting_payment(request, application):
        return refusal
    if request.method == "POST":
        currencies = fee_currencies(program=program_for_path(application.path))
        if not currencies:
            return redirect("payment", public_id=application.public_id)
        price_form, currency, discount_code = _price_selection(request.POST, currencies)
        billing_form = BillingForm(request.POST)
        if not price_form.is_valid():
            messages.error(
                request, _("Check the currency and the discount code: no invoice was sent.")
            )
            return redirect("payment", public_id=application.public_id)
        if not billing_form.is_valid():
            return _invoice_billing_refused(request, application, billing_form)
        try:
            payment = payment_start(
                application=application,
                currency=currency,
                provider="invoice",
                discount_code=discount_code,
                by=request.user,
                billing=_billing(billing_form),
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("payment", public_id=application.public_id)
        return _after_start(request, application, payment)

    invoice = live_payment(application=application)
    if invoice is None or invoice.provider != "invoice":
        return redirect("payment", public_id=application.public_id)
    return render_payment_step(
        request,
        "enrollment/payment_invoice.html",
        {
            "application": application,
            "invoice": invoice,
            "invoice_document": invoice.documents.filter(kind=PaymentDocumentKind.INVOICE).first(),
            "amount": format_money(invoice.amount, invoice.currency),
            "instructions": payment_instructions(),
        },
    )


def _invoice_billing_refused(request, application, billing_form) -> HttpResponse:
    """The payment page again, with what is missing from the billing details."""
    messages.error(request, _("Enter the billing details: no invoice was sent."))
    program = program_for_path(application.path)
    currencies = fee_currencies(program=program)
    price_form, currency, discount_code = _price_selection(request.POST, currencies)
    quote = payment_quote(application=application, currency=currency, discount_code=discount_code)
    providers = enabled_providers()
    return render_payment_step(
        request,
        "enrollment/payment.html",
        {
            "application": application,
            "program_label": Program(program).label,
            "currencies": currencies,
            "price_form": price_form,
            "quote": quote,
            "pending": None,
            "provider_forms": [(p, p.form_class()) for p in providers],
            "billing_form": billing_form,
            "payment_error": _("Enter the billing details: nothing was charged."),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def payment_cancel(request: HttpRequest, public_id) -> HttpResponse:
    """Asks first; a POST cancels the payment and closes the application (docs/spec.md §6)."""
    application = _own_application(request, public_id)
    if refusal := _refuse_unless_awaiting_payment(request, application):
        return refusal
    form = CancelPaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            payment_abandon(
                application=application, by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("payment", public_id=application.public_id)
        messages.success(
            request,
            _(
                "Your payment is cancelled and your application (%(path)s) is closed. You can "
                "apply again from your profile whenever you are ready."
            )
            % {"path": application.get_path_display()},
        )
        return redirect("profile")
    return render_payment_step(
        request,
        "enrollment/payment_cancel.html",
        {
            "application": application,
            "form": form,
            "pending": live_payment(application=application),
        },
    )
