"""The payment-provider registry: settings.PAYMENT_PROVIDERS names the enabled providers,
each one a module of this package that defines `provider`."""

from importlib import import_module

from django.conf import settings

from .base import Outcome, PaymentProvider, PaymentProviderError, ProviderResult

__all__ = [
    "WAIVED",
    "Outcome",
    "PaymentProvider",
    "PaymentProviderError",
    "ProviderResult",
    "enabled_providers",
    "get_provider",
]

# Payment.provider of a fee waived by a 100% discount: no provider takes any money.
WAIVED = "waived"
# The modules of this package that define a provider.
KNOWN_PROVIDERS = ("invoice", "stripe", "test_card")


def get_provider(name: str) -> PaymentProvider:
    """The enabled provider called `name`; LookupError for anything not enabled."""
    if name not in settings.PAYMENT_PROVIDERS:
        raise LookupError(f"Payment provider {name!r} is not enabled in PAYMENT_PROVIDERS.")
    if name not in KNOWN_PROVIDERS:
        raise LookupError(f"There is no payment provider {name!r}.")
    provider = import_module(f"{__name__}.{name}").provider
    if provider.name != name:
        raise LookupError(f"Module {name!r} defines provider {provider.name!r}.")
    return provider


def enabled_providers() -> list[PaymentProvider]:
    return [get_provider(name) for name in settings.PAYMENT_PROVIDERS]


def demo_payments_enabled() -> bool:
    """Whether a provider that moves no money is offered (the pages then say so)."""
    return any(provider.is_demo for provider in enabled_providers())
