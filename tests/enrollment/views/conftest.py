import pytest

from enrollment.demo import load_demo_data
from tests.enrollment.views.walk import DemoData, Walker, publish_terms


@pytest.fixture
def walker(client, django_capture_on_commit_callbacks):
    return Walker(client=client, capture=django_capture_on_commit_callbacks)


@pytest.fixture
def terms(db):
    return publish_terms()


@pytest.fixture
def demo(db):
    """The demo accounts and catalogs of SPEC §10, loaded as `manage.py seed_demo` does.

    Use it instead of `terms`: the demo data publishes its own terms and fees."""
    return DemoData(emails=tuple(load_demo_data()))
