"""seed_scale: many realistic, linked trainers, generated in chunks, the same for a seed."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enrollment.management.commands.seed_scale import Chunk, IdPool, ScaleGenerator
from enrollment.models import (
    Application,
    EarnedCertification,
    ExamResult,
    McpId,
    Membership,
    Trainer,
)
from enrollment.support.selectors import possible_duplicates, trainer_search

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def test_seed_scale_creates_linked_trainers_in_chunks(debug):
    call_command("seed_scale", trainers=120, seed=3, chunk_size=50, verbosity=0)
    trainers = Trainer.objects.filter(user__username__startswith="scale-3-")
    assert trainers.count() == 120
    assert get_user_model().objects.filter(username__startswith="scale-3-").count() == 120
    assert McpId.objects.filter(trainer__in=trainers, is_primary=True).count() == 120
    assert EarnedCertification.objects.filter(mcp_id__trainer__in=trainers).count() >= 120
    assert ExamResult.objects.filter(mcp_id__trainer__in=trainers).exists()
    assert Membership.objects.filter(trainer__in=trainers).exists()
    assert Application.objects.filter(trainer__in=trainers).exists()
    assert not get_user_model().objects.get(username="scale-3-0").has_usable_password()


def test_seeded_trainers_are_findable_by_name_email_and_mcp_id(debug):
    call_command("seed_scale", trainers=40, seed=4, verbosity=0)
    trainer = Trainer.objects.order_by("pk").last()
    mcp_id = trainer.mcp_ids.get(is_primary=True).value
    for query in (trainer.last_name, trainer.email, mcp_id):
        assert trainer.pk in [hit.trainer_id for hit in trainer_search(query=query).hits]


def test_seed_scale_plants_duplicate_accounts(debug):
    call_command("seed_scale", trainers=1000, seed=5, verbosity=0)
    trainers = list(Trainer.objects.all())
    assert possible_duplicates(trainers=trainers)


def _rows(seed: int) -> dict:
    generator = ScaleGenerator(seed=seed)
    generator.certification_ids = [1, 2, 3]
    generator.partner_ids = [1, 2]
    chunk: Chunk = generator.chunk(start=100, size=30, ids=IdPool(block=1000, postgres=False))
    return {model.__name__: rows for model, rows in chunk.rows.items()}


def test_the_same_seed_generates_the_same_rows():
    assert _rows(seed=9) == _rows(seed=9)
    assert _rows(seed=9) != _rows(seed=10)


def test_seed_scale_refuses_to_run_with_debug_off():
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_scale", trainers=1, verbosity=0)


def test_seed_scale_refuses_to_seed_the_same_seed_twice(debug):
    call_command("seed_scale", trainers=2, seed=6, verbosity=0)
    with pytest.raises(CommandError, match="already exist"):
        call_command("seed_scale", trainers=2, seed=6, verbosity=0)


def test_seed_scale_inserts_in_bulk_not_row_by_row(debug):
    with CaptureQueriesContext(connection) as captured:
        call_command("seed_scale", trainers=400, seed=8, chunk_size=200, verbosity=0)
    assert Trainer.objects.filter(user__username__startswith="scale-8-").count() == 400
    for table in ("auth_user", "enrollment_trainer", "enrollment_mcpid"):
        statements = [
            query
            for query in captured.captured_queries
            if query["sql"].lstrip().startswith(f'INSERT INTO "{table}"')
        ]
        # Many rows per statement (SQLite caps the parameters of one; PostgreSQL uses COPY).
        assert len(statements) <= 400 / 20, table
