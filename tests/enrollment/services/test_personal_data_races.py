"""Two clicks, two tabs or two support agents at once, on PostgreSQL's real row locks:
one export request, one erasure (docs/personal-data.md)."""

from functools import partial

import pytest

from enrollment.enums import DataExportState, ErasureState
from enrollment.models import DataExport, ErasureRequest
from enrollment.services.personal_data import (
    data_export_build,
    data_export_request,
    erasure_confirm,
    erasure_request,
    export_storage,
)
from tests import factories
from tests.concurrency import at_once, raised
from tests.conftest import needs_postgres
from verification.models import AuditEvent

pytestmark = [
    needs_postgres(),
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def test_two_requests_at_once_make_one_export_and_two_builds_one_file():
    trainer = factories.TrainerFactory()

    results = at_once(*(partial(data_export_request, trainer=trainer, by=trainer.user),) * 4)

    assert raised(results) == []
    assert len({export.pk for export, _created in results}) == 1
    assert sum(created for _export, created in results) == 1
    export = DataExport.objects.get()
    assert export.state == DataExportState.READY  # eager: built on commit

    DataExport.objects.filter(pk=export.pk).update(state=DataExportState.REQUESTED, file="")
    results = at_once(*(partial(data_export_build, export_id=export.pk),) * 3)
    assert raised(results) == []
    export.refresh_from_db()
    assert export.state == DataExportState.READY
    _dirs, files = export_storage().listdir("exports")
    assert files == [export.file.name.split("/")[-1]]


def test_two_agents_confirming_at_once_erase_once():
    trainer = factories.TrainerFactory(last_name="Twiceworth")
    request, _created = erasure_request(trainer=trainer, by=trainer.user)
    agents = [factories.SupportFactory(), factories.SupportFactory()]

    results = at_once(*(partial(erasure_confirm, request=request, by=agent) for agent in agents))

    assert raised(results) == []
    assert ErasureRequest.objects.get().state == ErasureState.ERASED
    assert AuditEvent.objects.filter(action="erasure.confirmed").count() == 1
    assert AuditEvent.objects.filter(action="erasure.completed").count() == 1
