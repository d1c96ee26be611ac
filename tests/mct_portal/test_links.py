import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory

from mct_portal.links import portal_url
from mct_portal.middleware import client_ip


def test_portal_url_uses_the_configured_origin(settings):
    settings.PORTAL_BASE_URL = "https://mct.example.org"
    assert portal_url("/profile/") == "https://mct.example.org/profile/"


def test_portal_url_falls_back_to_the_trusted_origin_then_the_host(settings):
    settings.PORTAL_BASE_URL = ""
    settings.CSRF_TRUSTED_ORIGINS = ["https://portal.example.net/"]
    assert portal_url("/verify/") == "https://portal.example.net/verify/"
    settings.CSRF_TRUSTED_ORIGINS = []
    settings.ALLOWED_HOSTS = ["*", ".example.com", "mct.example.com"]
    settings.DEBUG = False
    assert portal_url("/x/") == "https://mct.example.com/x/"


def test_client_ip_ignores_forwarded_for_without_a_trusted_proxy(settings):
    settings.PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "10.0.0.5"


def test_client_ip_takes_the_entry_the_trusted_proxy_appended(settings):
    settings.PROXY_COUNT = 1
    spoofed = "6.6.6.6, 203.0.113.9"  # the client wrote the first; the proxy appended the last
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=spoofed)
    assert client_ip(request) == "203.0.113.9"
    settings.PROXY_COUNT = 3
    assert client_ip(request) == "10.0.0.5"  # fewer hops than proxies: not believed


def test_make_run_on_another_port_mails_links_to_that_port(tmp_path):
    """Issue 13: `make run PORT=8101` serves on :8101, so links in its emails point there.

    Runs the environment `make run` gives the server (read from `make -n`), with
    `manage.py runserver` swapped for a script that prints what portal_url() builds."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if k not in ("PORTAL_BASE_URL", "MAKEFLAGS")}
    dry_run = subprocess.run(
        ["make", "-n", "--always-make", "run", "PORT=8101"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    serve = next(line for line in dry_run.splitlines() if "runserver" in line)
    assert serve.rstrip().endswith("runserver 127.0.0.1:8101")
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import django, sys\n"
        f"sys.path.insert(0, {str(root)!r})\n"
        "django.setup()\n"
        "from mct_portal.links import portal_url\n"
        "print(portal_url('/profile/'))\n"
    )
    command = serve.split("manage.py runserver", 1)[0].rsplit(" ", 2)[0]
    env["DJANGO_SETTINGS_MODULE"] = "mct_portal.settings"
    printed = subprocess.run(
        ["bash", "-c", f"{command} {sys.executable} {probe}"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed.strip() == "http://127.0.0.1:8101/profile/"
    # An explicit PORTAL_BASE_URL still wins (a proxy in front of `make run`).
    env["PORTAL_BASE_URL"] = "https://mct.example.org"
    printed = subprocess.run(
        ["bash", "-c", f"{command} {sys.executable} {probe}"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed.strip() == "https://mct.example.org/profile/"
