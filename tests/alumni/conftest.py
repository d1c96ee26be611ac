import pytest

from tests.enrollment.views.conftest import demo  # noqa: F401  (the demo data fixture)
from tests.enrollment.views.walk import Walker, publish_terms


@pytest.fixture
def walker(client, django_capture_on_commit_callbacks):
    return Walker(client=client, capture=django_capture_on_commit_callbacks)


@pytest.fixture
def terms(db):
    return publish_terms()
