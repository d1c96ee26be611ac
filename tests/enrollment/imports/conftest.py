import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile

from enrollment.imports import services
from enrollment.imports.models import ImportRun
from tests import factories


@pytest.fixture
def program_admin(db):
    """A staff member of the Program admins group (created by a migration; recreated here
    because transactional tests flush what migrations wrote)."""
    group, _ = Group.objects.get_or_create(name="Program admins")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="imports", codename__in=["run_import", "view_importrun"]
        )
    )
    user = factories.UserFactory(is_staff=True)
    user.groups.add(group)
    return user


@pytest.fixture
def run_feed(db, django_capture_on_commit_callbacks, program_admin):
    """Uploads `data` as a feed and lets the (eager) task check it; `apply=True` then confirms."""

    def run(
        kind: str,
        data: bytes | str,
        *,
        apply: bool = False,
        valid_rows_only: bool = False,
        encoding: str = "auto",
        name: str = "feed.csv",
    ) -> ImportRun:
        if isinstance(data, str):
            data = data.encode()
        with django_capture_on_commit_callbacks(execute=True):
            run = services.import_run_create(
                kind=kind,
                source=ContentFile(data),
                file_name=name,
                by=program_admin,
                encoding=encoding,
            )
        run.refresh_from_db()
        if apply and run.state == "previewed":
            with django_capture_on_commit_callbacks(execute=True):
                services.import_run_confirm(
                    run=run, by=program_admin, valid_rows_only=valid_rows_only
                )
            run.refresh_from_db()
        return run

    return run
