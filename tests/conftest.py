import os

import pytest

from enrollment.demo import load_demo_data
from tests import factories
from tests.enrollment.wizard.walk import DemoData, Walker, publish_terms


def pytest_configure(config):
    # Live-server browser tests drive Django from Playwright's sync API.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Each test writes its files into its own private folder."""
    root = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT = root
    settings.MEDIA_ROOT = root
    settings.WIZARD_TEMP_ROOT = root / "wizard-tmp"
    yield root


@pytest.fixture(autouse=True)
def _celery_join_flag():
    """Eager apply_async flips a process-wide "inside a task" flag and restores it after;
    threads doing that at once (the concurrency tests, the live server) can leave it set,
    and every later result.get() would then refuse to run. Each test starts clean."""
    yield
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


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


@pytest.fixture
def demo(db):
    """The demo accounts and catalogs of docs/spec.md §10, loaded as `manage.py seed_demo` does.

    Use it instead of `terms`: the demo data publishes its own terms and fees."""
    return DemoData(emails=tuple(load_demo_data()))


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
