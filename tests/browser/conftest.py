"""Playwright drives Debian's Chromium (never a downloaded browser) against live_server."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: `make test` installs it")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def shots(output_path):
    """Saves a screenshot per page of a walk under the test's output folder."""
    folder = Path(output_path)
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def take(page, name: str) -> Path:
        path = folder / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def demo_data(transactional_db, demo):
    """The demo data (tests/conftest.py `demo`) in a database the live server can see."""
    return demo


DEMO_PASSWORD = "demo-pass-123"  # the documented demo accounts' password


def sign_in(page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    """Signs in; demo staff then give the code of their documented TOTP secret."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    if "/accounts/2fa/authenticate/" in page.url:
        import pyotp
        from django.core.cache import cache

        from enrollment.demo import DEMO_STAFF_TOTP_SECRET

        cache.clear()  # allauth remembers used codes; user ids repeat between tests
        page.locator("input[name=code]").fill(pyotp.TOTP(DEMO_STAFF_TOTP_SECRET).now())
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state("networkidle")
