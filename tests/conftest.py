import os

import pytest

from tests import factories


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
