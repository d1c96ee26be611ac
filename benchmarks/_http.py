"""Shared by the HTTP benchmarks (admin.py, review_queue.py; wizard.py and uploads.py start
gunicorn and time with it too): the portal served by gunicorn
with DEBUG off on the benchmark database, a signed-in superuser, timed GETs, the report.

Import it before Django is set up: `settings()` fixes the environment both this process
and gunicorn read (one secret key, so the session this process writes is valid there).
"""

import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADMIN_USERNAME = "bench-admin"


def setup_django() -> None:
    """Environment for DEBUG off (host, key, no HTTPS redirect), then django.setup()."""
    sys.path.insert(0, str(ROOT))
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to the benchmark's PostgreSQL database (make bench does).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mct_portal.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1")
    os.environ["DJANGO_SSL_REDIRECT"] = "0"
    os.environ["DJANGO_DEBUG"] = "0"
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(
    port: int, *, workers: int, env: dict, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
) -> subprocess.Popen:
    """gunicorn serving the portal on 127.0.0.1:`port` with `env`, once it accepts
    connections (this script ends, with what gunicorn said, if it exits or takes 60 s)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "mct_portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--no-control-socket",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
        stdout=stdout,
        stderr=stderr,
        text=True,
    )
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            said = process.stderr.read()[-3000:] if process.stderr else ""
            sys.exit(f"gunicorn exited: {said}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            if time.monotonic() > deadline:
                stop_gunicorn(process)
                sys.exit("gunicorn did not start within 60 s")
            time.sleep(0.2)


def stop_gunicorn(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@contextmanager
def gunicorn(workers: int = 2) -> Iterator[str]:
    """The portal as `make serve` runs it (static files collected by `make bench`)."""
    port = free_port()
    process = start_gunicorn(port, workers=workers, env={**os.environ, "DJANGO_DEBUG": "0"})
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_gunicorn(process)


def superuser_cookie() -> str:
    """A session of a superuser who passed the second factor, as the Cookie header."""
    from allauth.account.internal.flows.login import record_authentication
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpRequest

    user, _ = get_user_model().objects.get_or_create(
        username=ADMIN_USERNAME,
        defaults={"email": "bench-admin@example.org", "is_staff": True, "is_superuser": True},
    )
    request = HttpRequest()
    request.session = SessionStore()
    request.session[SESSION_KEY] = str(user.pk)
    request.session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    request.session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    record_authentication(request, user, "mfa", type="totp")
    request.session.save()
    return f"{settings.SESSION_COOKIE_NAME}={request.session.session_key}"


def get_ms(base: str, path: str, cookie: str) -> float:
    """One GET, in milliseconds; anything but a 200 stops the benchmark."""
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})  # noqa: S310
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    elapsed = (time.perf_counter() - started) * 1000
    if status != 200:
        sys.exit(f"GET {path} answered {status}, not 200")
    return elapsed


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(
    base: str, cookie: str, paths: dict[str, list[str]], rounds: int
) -> dict[str, list[float]]:
    """Each page `rounds` times, interleaved (so load on the machine hits all alike), after
    a warm-up round that is not counted. A page with several paths (searches for different
    people) takes the next one each round."""
    for variants in paths.values():
        get_ms(base, variants[-1], cookie)
    times: dict[str, list[float]] = {label: [] for label in paths}
    for number in range(rounds):
        for label, variants in paths.items():
            times[label].append(get_ms(base, variants[number % len(variants)], cookie))
    return times


def report(title: str, times: dict[str, list[float]], baseline: str, goal_ms: float) -> None:
    """One line per page: p50 and p95, beside the baseline's, with the ratio of the p95s."""
    base_p50 = statistics.median(times[baseline])
    base_p95 = percentile(times[baseline], 0.95)
    print(f"\n{title}")
    print(f"baseline: {baseline}: p50 {base_p50:.1f} ms, p95 {base_p95:.1f} ms")
    print(f"{'page':<52} {'p50 ms':>8} {'p95 ms':>8} {'× base p95':>11} {'goal':>8}")
    for label, values in times.items():
        if label == baseline:
            continue
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        verdict = "ok" if p95 <= goal_ms else "OVER"
        print(
            f"{label:<52} {p50:>8.1f} {p95:>8.1f} {p95 / base_p95:>10.2f}× "
            f"{verdict:>4} {goal_ms:.0f}"
        )
    load = os.getloadavg()
    print(f"(load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, {os.cpu_count()} cores)")
