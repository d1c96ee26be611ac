"""The demo card: on with DEBUG for demos, off in production unless named, and loud when on."""

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import checks
from django.urls import reverse
from django.utils import timezone

from enrollment.checks import demo_payments_in_production, payment_providers_configured
from enrollment.enums import ApplicationStatus
from enrollment.models import Payment
from tests.factories import ApplicationFactory, FeeFactory

ROOT = Path(__file__).resolve().parents[3]
PROBE = (
    "import json; from django.conf import settings; print(json.dumps(settings.PAYMENT_PROVIDERS))"
)
KEEP_OUT = ("DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG", "PAYMENT_PROVIDERS", "EMAIL_HOST")


def run(args: list[str], tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in KEEP_OUT}
    clean.update(
        DJANGO_SETTINGS_MODULE="mct_portal.settings",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="portal.example",
        MCT_VAR_DIR=str(tmp_path),
        **env,
    )
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def providers(tmp_path, **env) -> list[str]:
    result = run(["-c", f"import django; django.setup(); {PROBE}"], tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_debug_off_and_no_setting_there_is_no_demo_card(tmp_path):
    assert providers(tmp_path) == ["invoice"]


def test_with_debug_on_the_demo_card_is_there_for_make_run(tmp_path):
    assert providers(tmp_path, DJANGO_DEBUG="1") == ["test_card", "invoice"]


def test_providers_come_from_the_environment(tmp_path):
    assert providers(tmp_path, PAYMENT_PROVIDERS="stripe, invoice") == ["stripe", "invoice"]


def test_check_deploy_reports_the_demo_card_as_an_error(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy"], tmp_path, PAYMENT_PROVIDERS="test_card,invoice"
    )
    assert result.returncode != 0
    assert "enrollment.E010" in result.stderr
    assert "demo provider 'test_card'" in result.stderr


def test_check_deploy_passes_the_payment_settings_of_a_real_deployment(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy"],
        tmp_path,
        PAYMENT_PROVIDERS="stripe,invoice",
        STRIPE_SECRET_KEY="sk_live_x",
        STRIPE_WEBHOOK_SECRET="whsec_x",
        INVOICE_SELLER_ADDRESS="1 Main Street",
        INVOICE_SELLER_TAX_ID="GB123",
    )
    assert "enrollment.E01" not in result.stderr
    assert "enrollment.W011" not in result.stderr


def test_stripe_without_its_keys_is_an_error(settings):
    settings.PAYMENT_PROVIDERS = ["stripe"]
    settings.STRIPE_WEBHOOK_SECRET = ""
    [error] = payment_providers_configured()
    assert (error.id, error.level) == ("enrollment.E011", checks.ERROR)


def test_an_unknown_provider_is_an_error(settings):
    settings.PAYMENT_PROVIDERS = ["invoice", "paypal"]
    [error] = payment_providers_configured()
    assert error.id == "enrollment.E012"
    assert "enrollment.E010" not in [m.id for m in demo_payments_in_production()]
    settings.PAYMENT_PROVIDERS = ["test_card"]
    assert "enrollment.E010" in [m.id for m in demo_payments_in_production()]


# --- the pages -----------------------------------------------------------------------------


@pytest.fixture
def application(trainer):
    FeeFactory(currency="USD", amount=Decimal("400.00"))
    return ApplicationFactory(
        trainer=trainer, status=ApplicationStatus.AWAITING_PAYMENT, submitted_at=timezone.now()
    )


def step_pages(application) -> list[str]:
    kwargs = {"public_id": application.public_id}
    return [reverse(name, kwargs=kwargs) for name in ("payment", "payment_cancel")]


@pytest.mark.django_db
def test_without_the_demo_card_it_is_not_offered_and_its_payment_is_refused(
    trainer_client, application, settings, tmp_path
):
    settings.PAYMENT_PROVIDERS = providers(tmp_path)  # DEBUG off, nothing set

    page = trainer_client.get(reverse("payment", kwargs={"public_id": application.public_id}))
    assert "Card number" not in page.content.decode()
    assert 'value="test_card"' not in page.content.decode()

    response = trainer_client.post(
        reverse("payment", kwargs={"public_id": application.public_id}),
        {
            "provider": "test_card",
            "currency": "USD",
            "discount_code": "",
            "card_number": "4242 4242 4242 4242",
            "expiry": "12/39",
            "cvc": "123",
            "billing_name": "A",
            "billing_address": "B",
        },
    )
    assert response.status_code == 200
    assert "Choose a way to pay." in response.content.decode()
    assert not Payment.objects.exists()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AWAITING_PAYMENT


@pytest.mark.django_db
def test_every_page_of_the_payment_step_says_demo_payments(trainer_client, application, settings):
    settings.PAYMENT_PROVIDERS = ["test_card", "invoice"]
    trainer_client.post(
        reverse("payment_invoice", kwargs={"public_id": application.public_id}),
        {"currency": "USD", "discount_code": "", "billing_name": "A", "billing_address": "B"},
    )
    pages = [
        *step_pages(application),
        reverse("payment_invoice", kwargs={"public_id": application.public_id}),
    ]
    for address in pages:
        page = trainer_client.get(address).content.decode()
        assert 'data-testid="demo-payments"' in page, address
        assert "Demo payments" in page

    settings.PAYMENT_PROVIDERS = ["invoice"]
    for address in pages:
        assert "Demo payments" not in trainer_client.get(address).content.decode()
