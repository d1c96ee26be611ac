import itertools
import os

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.utils import translation

from enrollment.demo import load_demo_data
from tests import factories
from tests.demo_snapshot import DemoSnapshot
from tests.enrollment.wizard.walk import DemoData, Walker, publish_terms


def pytest_configure(config):
    # Live-server browser tests drive Django from Playwright's sync API.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _flush_by_delete(truncate):
    """PostgreSQL's flush between transactional tests, as DELETEs: TRUNCATE of every table
    rewrites each table's files (about 2 s a test on a busy machine); deleting the few rows a
    test leaves takes milliseconds. Foreign keys are deferred to the commit, so the order of
    the tables does not matter. Resetting sequences or cascading keeps TRUNCATE."""

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return ["SET CONSTRAINTS ALL DEFERRED"] + [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))}"
            for table in tables
        ]

    return sql_flush


@pytest.fixture(autouse=True, scope="session")
def _fast_flush():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            PostgresOperations, "sql_flush", _flush_by_delete(PostgresOperations.sql_flush)
        )
        yield


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Each test writes its files into its own private folder."""
    root = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = root
    settings.MEDIA_ROOT = root
    settings.WIZARD_TEMP_ROOT = root / "wizard-tmp"
    yield root


_cache_versions = itertools.count(start=1000)


@pytest.fixture(autouse=True)
def _nothing_counted_in_the_cache(request):
    """Rate limits (sign-in failures, searches, verify lookups) count in the cache, which is
    Redis under CI and outlives a test's rollback: each test reads and writes its own key
    version, so none inherits another's failed sign-ins. (A FLUSHDB would also empty the
    Celery broker's queues, which share the database.) Tests with a real worker process
    (marker `worker`) read what that process writes, under the default version."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    cache = caches["default"]
    before = cache.version
    cache.version = next(_cache_versions)
    yield
    cache.version = before


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request in German or Japanese (a saved choice, Accept-Language) leaves that language
    active in the thread; every test starts in the default language."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _celery_join_flag():
    """Eager apply_async flips a process-wide "inside a task" flag and restores it after;
    threads doing that at once (the concurrency tests, the live server) can leave it set,
    and every later result.get() would then refuse to run. Each test starts clean."""
    yield
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _staff_second_factor_on_force_login(request):
    """Staff signed in by the test client's force_login()/login() have passed a second factor,
    recorded in the session the way allauth records a TOTP sign-in, so tests of staff pages
    need no authenticator. Tests of the second factor itself opt out: @pytest.mark.real_mfa.
    Real sign-ins (through the sign-in page, or Chromium) are never marked."""
    if request.node.get_closest_marker("real_mfa"):
        yield
        return
    from django.contrib.auth.signals import user_logged_in
    from django.http import HttpRequest

    def mark(sender, request, user, **kwargs):
        from allauth.account.internal.flows.login import record_authentication

        from mct_portal.staff_mfa import requires_second_factor

        # The test client signs in with a bare HttpRequest; a served request never is one.
        if type(request) is HttpRequest and requires_second_factor(user):
            record_authentication(request, user, "mfa", type="totp", test_client=True)

    user_logged_in.connect(mark, dispatch_uid="tests.staff_second_factor")
    yield
    user_logged_in.disconnect(dispatch_uid="tests.staff_second_factor")


@pytest.fixture
def user(db):
    return factories.UserFactory()


@pytest.fixture
def trainer(db):
    return factories.TrainerFactory()


@pytest.fixture
def reviewer(db):
    return factories.ReviewerFactory()


@pytest.fixture
def support_user(db):
    return factories.SupportFactory()


@pytest.fixture
def trainer_client(client, trainer):
    client.force_login(trainer.user)
    return client


@pytest.fixture
def walker(client, django_capture_on_commit_callbacks):
    """A trainer's browser over HTTP, committing like production (wizard/walk.py)."""
    return Walker(client=client, capture=django_capture_on_commit_callbacks)


@pytest.fixture
def terms(db):
    return publish_terms()


@pytest.fixture(scope="session")
def _demo_snapshot():
    """The demo data as rows, loaded once per run by the first test that asks (DemoSnapshot)."""
    return DemoSnapshot(load_demo_data)


@pytest.fixture
def demo(db, _demo_snapshot):
    """The demo accounts and catalogs of docs/spec.md §10, as `manage.py seed_demo` loads them.

    Loaded once per test run and restored in each test's transaction (committed, then
    flushed, in a transactional test: live_server, transactional_db). A test that made one of
    the demo records itself gets `load_demo_data`, which finds it.
    Use it instead of `terms`: the demo data publishes its own terms and fees."""
    if not _demo_snapshot.restore():
        load_demo_data()
    return DemoData(emails=_demo_snapshot.emails)


def needs_postgres():
    return pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")),
        reason="needs PostgreSQL: set DATABASE_URL (make test does, through .ci/run)",
    )


def needs_redis():
    return pytest.mark.skipif(
        not os.environ.get("REDIS_URL"),
        reason="needs Redis and a Celery worker: set REDIS_URL (.ci/run does)",
    )


@pytest.fixture(scope="session")
def real_clamd():
    """Debian's clamd, started for this test run with an EICAR-only signature database."""
    from tests.real_services import Clamd

    clamd = Clamd()
    yield clamd
    clamd.stop()


@pytest.fixture(scope="session")
def real_s3():
    """moto's S3 server, started for this test run on a free port."""
    from tests.real_services import S3Server

    server = S3Server()
    yield server
    server.stop()
