"""How fast a wizard step answers, against the home page measured in the same run (issue 14).

Run it against a PostgreSQL database (a throwaway one: it migrates it and loads the demo
accounts when they are missing):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python benchmarks/wizard.py            # --requests 200, --email, --workers

It starts gunicorn with DEBUG off (as `make serve` does, over plain HTTP on 127.0.0.1),
signs in a demo trainer (a session made the way a sign-in makes it), then times, round by
round so that the machine's noise falls on all three alike:

- the home page (the baseline: session, user, one template),
- a wizard step GET (`/apply/renew/profile/`),
- a valid POST of that step with the same answers each time (the profile step of a
  renewal can be posted again and again: it saves, then sends on to the next step).

It prints p50 and p95 of each in milliseconds and the ratio to the baseline (goal: ≤ 1.5).
Timings only; the tests assert correctness and query budgets.
"""

import argparse
import http.client
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

# The portal as it runs in production: DEBUG off, over plain HTTP on the loopback.
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "mct_portal.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SSL_REDIRECT": "0",
    "CELERY_TASK_ALWAYS_EAGER": "0",
}
os.environ.update(SERVER_ENV)

import django  # noqa: E402

django.setup()

from _http import free_port, percentile, start_gunicorn, stop_gunicorn  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from enrollment.demo import load_demo_data  # noqa: E402

STEP = "/apply/renew/profile/"
PROFILE = {"profile-employer_type": "freelancer", "profile-primary_audience": "developer"}
PREFIX_RE = re.compile(r'name="(app_[0-9a-z_]+)-current_step"')
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def ensure_demo_data(email: str):
    """Migrates the database, collects static files (DEBUG off serves them from the
    manifest) and loads the demo accounts, each when it is not done yet."""
    call_command("migrate", verbosity=0, interactive=False)
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", verbosity=0, interactive=False)
    user = get_user_model().objects.filter(email=email).first()
    if user is None:
        load_demo_data()
        user = get_user_model().objects.get(email=email)
    return user


def signed_in_session(user) -> str:
    """A session as a sign-in leaves it (what the test client's force_login does)."""
    session = SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


class Browser:
    """Cookies kept by hand (the session cookie is Secure with DEBUG off), no redirects."""

    def __init__(self, port: int, session_key: str):
        self.port = port
        self.cookies = {settings.SESSION_COOKIE_NAME: session_key}

    def request(self, method: str, path: str, fields: dict | None = None):
        connection_ = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        headers = {"Host": "127.0.0.1", "Cookie": cookie}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        connection_.request(method, path, body=body, headers=headers)
        response = connection_.getresponse()
        content = response.read().decode()
        elapsed = (time.perf_counter() - started) * 1000
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        connection_.close()
        return response.status, content, elapsed


def post_fields(page: str) -> dict:
    prefix = PREFIX_RE.search(page)
    token = CSRF_RE.search(page)
    if prefix is None or token is None:
        sys.exit("The step page has no wizard form: is the demo trainer due for renewal?")
    return {
        "csrfmiddlewaretoken": token.group(1),
        f"{prefix.group(1)}-current_step": "profile",
        **PROFILE,
    }


def measure(browser: Browser, args) -> dict[str, list[float]]:
    status, page, _ = browser.request("GET", STEP)
    if status != 200:
        sys.exit(f"GET {STEP} answered {status}: is {args.email} due for renewal?")
    # The first valid POST starts the draft; the page after it carries its prefix.
    status, _, _ = browser.request("POST", STEP, post_fields(page))
    if status != 302:
        sys.exit(f"POST {STEP} answered {status}, not 302")
    status, page, _ = browser.request("GET", STEP)
    fields = post_fields(page)

    requests = {
        "home page (baseline)": ("GET", "/", None, 200),
        "step GET": ("GET", STEP, None, 200),
        "step POST (valid)": ("POST", STEP, fields, 302),
    }
    kinds: dict[str, list[float]] = {kind: [] for kind in requests}
    for round_ in range(args.warmup + args.requests):
        for kind, (method, path, data, expected) in requests.items():
            status, _, elapsed = browser.request(method, path, data)
            if status != expected:
                sys.exit(f"{method} {path} answered {status}, not {expected}")
            if round_ >= args.warmup:
                kinds[kind].append(elapsed)
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests of each kind")
    parser.add_argument("--warmup", type=int, default=10, help="untimed rounds first")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers")
    parser.add_argument("--email", default="renew@demo.mct", help="the demo trainer")
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        print(f"Note: the database is {connection.vendor}; the figures mean most on PostgreSQL.")
    user = ensure_demo_data(args.email)
    port = free_port()
    with tempfile.TemporaryFile(mode="w+") as log:
        env = {**os.environ, **SERVER_ENV}
        server = start_gunicorn(port, workers=args.workers, env=env, stdout=log, stderr=log)
        try:
            kinds = measure(Browser(port, signed_in_session(user)), args)
        finally:
            stop_gunicorn(server)
            log.seek(0)
            output = log.read()
            if "Traceback" in output:
                print("gunicorn logged an error:", output[output.rindex("Traceback") :][:3000])

    base50 = statistics.median(kinds["home page (baseline)"])
    base95 = percentile(kinds["home page (baseline)"], 0.95)
    print(
        f"Wizard step timings over HTTP (gunicorn, {args.workers} worker(s), DEBUG off, "
        f"{connection.vendor}), {args.requests} requests each, in ms"
    )
    header = f"{'request':<22} {'p50':>8} {'p95':>8} {'×p50':>7} {'×p95':>7}"
    print(header)
    print("-" * len(header))
    for kind, timings in kinds.items():
        p50 = statistics.median(timings)
        p95 = percentile(timings, 0.95)
        print(f"{kind:<22} {p50:>8.1f} {p95:>8.1f} {p50 / base50:>7.2f} {p95 / base95:>7.2f}")
    print("\n×p50 / ×p95: against the home page's p50 / p95 in the same run (goal ≤ 1.5).")


if __name__ == "__main__":
    main()
