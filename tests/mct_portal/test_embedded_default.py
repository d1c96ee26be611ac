"""The embedded default as `make run` serves it (SQLite file, eager Celery, console email),
under concurrent requests: no "database is locked", one effect per double submit, and two
copies side by side on one machine.

These tests start the real `make run` in a process group of its own, with the variables
that would switch on the real stack removed, so they run the same on SQLite and in CI.
"""

import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "demo-pass-123"
CODE_RE = re.compile(r"^\s{4}([A-Z0-9]{8})\s*$", re.MULTILINE)
PREFIX_RE = re.compile(r'name="([^"]+)-current_step"')
REAL_STACK_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_HOST",
    "AWS_STORAGE_BUCKET_NAME",
    "VIRUS_SCANNER_URL",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "CELERY_TASK_ALWAYS_EAGER",
)

pytestmark = pytest.mark.server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Portal:
    """One running copy of the embedded default: its address, database file and log."""

    base_url: str
    db_path: Path
    log_path: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=60, follow_redirects=False)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def rows(self, sql: str, *params) -> list[tuple]:
        with sqlite3.connect(self.db_path, timeout=30) as db:
            return db.execute(sql, params).fetchall()


@contextmanager
def make_run(var_dir: Path) -> Iterator[Portal]:
    """`make run PORT=…` with its own var/ folder (what a second clone has), stopped after."""
    var_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in REAL_STACK_VARIABLES}
    env.update(MCT_VAR_DIR=str(var_dir), PYTHONUNBUFFERED="1")
    log_path = var_dir / "make-run.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"PORT={port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    portal = Portal(f"http://127.0.0.1:{port}", var_dir / "db.sqlite3", log_path)
    try:
        _wait_until_serving(portal, process)
        yield portal
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_until_serving(portal: Portal, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"make run stopped:\n{portal.log()[-4000:]}")
        try:
            if httpx.get(f"{portal.base_url}/healthz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"make run did not serve in time:\n{portal.log()[-4000:]}")


@pytest.fixture(scope="module")
def portal(tmp_path_factory) -> Iterator[Portal]:
    with make_run(tmp_path_factory.mktemp("clone-a") / "var") as running:
        yield running


def sign_in(client: httpx.Client, email: str) -> None:
    client.get("/accounts/login/")
    response = client.post(
        "/accounts/login/",
        data={
            "login": email,
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
    )
    assert response.status_code == 302, response.text[:2000]


def step_form(client: httpx.Client, url: str, step: str, fields: dict, **extra) -> dict:
    """What a browser posts for a wizard step: the management form, the step's fields
    under its prefix, and the CSRF token."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code, page.headers.get("location"))
    prefix = PREFIX_RE.search(page.text).group(1)
    return {
        f"{prefix}-current_step": step,
        "csrfmiddlewaretoken": client.cookies["csrftoken"],
        **{f"{step}-{name}": value for name, value in fields.items()},
        **extra,
    }


def post_at_once(client: httpx.Client, url: str, data: dict, times: int) -> list[int]:
    """`times` identical POSTs released together, as a double (or tenfold) click sends them."""
    barrier = threading.Barrier(times)
    statuses: list[int] = []

    def click() -> None:
        barrier.wait()
        statuses.append(client.post(url, data=data).status_code)

    threads = [threading.Thread(target=click) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_sqlite_runs_in_wal_mode(portal):
    assert portal.rows("PRAGMA journal_mode") == [("wal",)]


def test_ten_verify_code_clicks_at_once_give_no_error_and_use_the_code_once(portal):
    url = "/apply/new/profile/"
    fields = {
        "employer_type": "partner",
        "partner_id": "4100001",
        "primary_audience": "it_professional",
        "partner_email": "nadia@contoso-learning.example",
    }
    with portal.client() as client:
        sign_in(client, "partner@demo.mct")
        sent = client.post(url, data=step_form(client, url, "profile", fields, action="send_code"))
        assert sent.status_code == 302, sent.text[:2000]
        code = CODE_RE.findall(portal.log())[-1]

        data = step_form(
            client, url, "profile", {**fields, "partner_passcode": code}, action="verify_code"
        )
        statuses = post_at_once(client, url, data, times=10)

        assert 500 not in statuses, statuses
        assert "database is locked" not in portal.log()
        used = portal.rows(
            "SELECT count(*) FROM verification_passcode WHERE address = ? AND used_at IS NOT NULL",
            "nadia@contoso-learning.example",
        )
        assert used == [(1,)]


def test_ten_submit_clicks_at_once_submit_the_application_once(portal):
    with portal.client() as client:
        sign_in(client, "renew@demo.mct")
        for step, fields, next_step in (
            (
                "profile",
                {"employer_type": "freelancer", "primary_audience": "it_professional"},
                "requirements",
            ),
            ("requirements", {"mtm_id": "ravi.renner"}, "terms"),
            (
                "terms",
                {"accept_program_guide": "on", "accept_program_agreement": "on"},
                "confirmation",
            ),
        ):
            url = f"/apply/renew/{step}/"
            response = client.post(url, data=step_form(client, url, step, fields))
            assert response.headers.get("location") == f"/apply/renew/{next_step}/", (
                step,
                response.status_code,
            )

        url = "/apply/renew/confirmation/"
        statuses = post_at_once(
            client, url, step_form(client, url, "confirmation", {}, action="submit"), times=10
        )

        assert 500 not in statuses, statuses
        assert "database is locked" not in portal.log()
        submitted = portal.rows(
            "SELECT count(*) FROM verification_auditevent WHERE action = ?",
            "application.awaiting_payment",
        )
        assert submitted == [(1,)]
        assert portal.rows(
            "SELECT a.status FROM enrollment_application a "
            "JOIN enrollment_trainer t ON t.id = a.trainer_id "
            "JOIN auth_user u ON u.id = t.user_id "
            "WHERE u.email = ? AND a.path = 'renew'",
            "renew@demo.mct",
        ) == [("awaiting_payment",)]


def test_two_copies_run_side_by_side_on_two_ports(portal, tmp_path):
    with make_run(tmp_path / "clone-b" / "var") as second:
        assert second.base_url != portal.base_url
        for running in (portal, second):
            with running.client() as client:
                sign_in(client, "new@demo.mct")
                assert client.get("/profile/").status_code == 200
