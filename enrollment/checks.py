"""System checks of the payment settings (docs/payments.md)."""

from django.conf import settings
from django.core import checks

from .payments import get_provider


@checks.register(checks.Tags.security, deploy=True)
def demo_payments_in_production(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy`: a provider that moves no money must never face real trainers."""
    errors = []
    for name in settings.PAYMENT_PROVIDERS:
        try:
            provider = get_provider(name)
        except LookupError:
            continue  # reported by payment_providers_configured
        if provider.is_demo:
            errors.append(
                checks.Error(
                    f"PAYMENT_PROVIDERS enables the demo provider {name!r}: anyone can pay "
                    "with a test card and get a membership without any money moving.",
                    hint="Remove it from PAYMENT_PROVIDERS, e.g. PAYMENT_PROVIDERS=stripe,invoice.",
                    id="enrollment.E010",
                )
            )
    if not settings.INVOICE_SELLER_ADDRESS or not settings.INVOICE_SELLER_TAX_ID:
        errors.append(
            checks.Warning(
                "Invoices are issued without the seller's address or tax ID.",
                hint="Set INVOICE_SELLER_ADDRESS and INVOICE_SELLER_TAX_ID.",
                id="enrollment.W011",
            )
        )
    return errors


@checks.register()
def payment_providers_configured(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    for name in settings.PAYMENT_PROVIDERS:
        try:
            get_provider(name)
        except LookupError:
            errors.append(
                checks.Error(
                    f"PAYMENT_PROVIDERS names {name!r}, which is not a payment provider.",
                    hint="Known providers: stripe, invoice, test_card (demo only).",
                    id="enrollment.E012",
                )
            )
    if "stripe" in settings.PAYMENT_PROVIDERS and not (
        settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET
    ):
        errors.append(
            checks.Error(
                "PAYMENT_PROVIDERS enables stripe without its keys.",
                hint="Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (the webhook endpoint's "
                "signing secret, whsec_…).",
                id="enrollment.E011",
            )
        )
    return errors
