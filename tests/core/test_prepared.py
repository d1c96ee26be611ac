"""core.prepared: a read compiled once returns what its queryset returns (issue 14)."""

import datetime

import pytest
from django.db import DataError, connection, connections, models, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.prepared import (
    _SERVER_STATEMENTS,
    Arg,
    PreparedBundle,
    PreparedRead,
    _json_reader,
    _ServerStatement,
)
from enrollment.enums import APPLICATION_OPEN, ApplicationPath, EmployerType, MembershipStatus
from enrollment.models import Application, Membership
from tests import factories
from verification.models import Passcode

pytestmark = pytest.mark.django_db

ID = models.BigIntegerField()


def _application_queryset(trainer_id, path):
    return Application.objects.select_related("partner", "imagine_academy").filter(
        trainer_id=trainer_id, path=path, status__in=APPLICATION_OPEN
    )


def _field_values(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def _same_object(prepared, expected) -> None:
    assert type(prepared) is type(expected)
    assert _field_values(prepared) == _field_values(expected)
    assert prepared._state.db == expected._state.db
    assert prepared._state.adding is False


@pytest.fixture
def applications():
    partner = factories.PartnerOrganizationFactory()
    academy = factories.ImagineAcademyMemberFactory()
    with_partner = factories.ApplicationFactory(
        path=ApplicationPath.RENEW,
        employer_type=EmployerType.PARTNER,
        partner=partner,
        draft_data={"step_data": {"profile": {"profile-x": ["ü & <b>"]}}, "n": 1.5},
        terms_accepted_at=timezone.now() - datetime.timedelta(days=2),
    )
    with_academy = factories.ApplicationFactory(imagine_academy=academy)
    plain = factories.ApplicationFactory(path=ApplicationPath.REJOIN)
    return with_partner, with_academy, plain


def test_model_rows_with_select_related_equal_the_querysets(applications):
    read = PreparedRead(
        lambda: _application_queryset(Arg("trainer_id", ID), Arg("path")).order_by("pk")
    )
    for application in applications:
        args = {"trainer_id": application.trainer_id, "path": application.path}
        expected = list(_application_queryset(**args).order_by("pk"))
        prepared = read.all(**args)
        assert len(prepared) == len(expected) == 1
        _same_object(prepared[0], expected[0])
        for relation in ("partner", "imagine_academy"):
            related, wanted = getattr(prepared[0], relation), getattr(expected[0], relation)
            if wanted is None:
                assert related is None
            else:
                _same_object(related, wanted)
        assert isinstance(prepared[0].draft_data, dict)


def test_the_related_rows_come_with_the_row_in_one_query(applications, django_assert_num_queries):
    application = applications[0]
    read = PreparedRead(lambda: _application_queryset(Arg("trainer_id", ID), Arg("path")))
    with django_assert_num_queries(1):
        (row,) = read.all(trainer_id=application.trainer_id, path=application.path)
        assert row.partner.name == application.partner.name


def test_each_call_runs_with_its_own_values(applications):
    read = PreparedRead(
        lambda: Application.objects.filter(trainer_id=Arg("trainer_id", ID)).order_by("pk")[:1]
    )
    for application in applications:
        assert [row.pk for row in read.all(trainer_id=application.trainer_id)] == [application.pk]
    assert read.all(trainer_id=-1) == []


def test_values_list_rows_and_a_datetime_argument_equal_the_querysets():
    user = factories.UserFactory()
    now = timezone.now()
    for minutes, purpose, used in ((1, "microsoft_alias", True), (2, "partner", True)):
        Passcode.objects.create(
            user=user,
            address=f"{purpose}@contoso.com",
            purpose=purpose,
            code_hash="x",
            expires_at=now + datetime.timedelta(minutes=minutes),
            used_at=now - datetime.timedelta(minutes=minutes) if used else None,
        )
    Passcode.objects.create(
        user=user, address="old@contoso.com", purpose="partner", code_hash="x",
        expires_at=now - datetime.timedelta(minutes=1), used_at=now,
    )  # fmt: skip

    def queryset(user_id, at):
        return (
            Passcode.objects.filter(user_id=user_id, used_at__isnull=False, expires_at__gt=at)
            .order_by("-used_at")
            .values_list("purpose", "address", "expires_at")
        )

    read = PreparedRead(lambda: queryset(Arg("user_id", ID), Arg("at", models.DateTimeField())))
    for at in (now, now + datetime.timedelta(seconds=90), now + datetime.timedelta(hours=1)):
        assert read.all(user_id=user.pk, at=at) == list(queryset(user.pk, at))
    assert len(read.all(user_id=user.pk, at=now)) == 2


def test_the_sql_is_compiled_once_per_connection(applications):
    built = []

    def build():
        built.append(1)
        return Membership.objects.filter(trainer_id=Arg("trainer_id", ID))

    read = PreparedRead(build)
    for application in applications:
        read.all(trainer_id=application.trainer_id)
    assert built == [1]
    assert list(read._compiled) == [connection]


def test_date_converters_apply_as_the_queryset_applies_them():
    membership = factories.MembershipFactory()
    read = PreparedRead(lambda: Membership.objects.filter(trainer_id=Arg("trainer_id", ID)))
    (row,) = read.all(trainer_id=membership.trainer_id)
    assert isinstance(row.starts_on, datetime.date)
    _same_object(row, Membership.objects.get(pk=membership.pk))


@pytest.mark.parametrize(
    "build",
    [
        lambda: Membership.objects.filter(trainer_id=Arg("t", ID)).annotate(n=Count("pk")),
        lambda: Membership.objects.filter(trainer_id=Arg("t", ID)).only("pk"),
        lambda: Membership.objects.filter(trainer_id=Arg("t", ID)).values("pk"),
    ],
    ids=["annotation", "deferred", "values"],
)
def test_what_it_cannot_make_the_same_is_refused(build):
    with pytest.raises(TypeError):
        PreparedRead(build).all(t=1)


# ------------------------------------------------------------------ bundles


def _bundle():
    return PreparedBundle(
        applications=PreparedRead(
            lambda: Application.objects.filter(
                trainer_id=Arg("trainer_id", ID), status__in=APPLICATION_OPEN
            ).order_by("pk")
        ),
        memberships=PreparedRead(
            lambda: Membership.objects.filter(trainer_id=Arg("trainer_id", ID))
        ),
        proofs=PreparedRead(
            lambda: (
                Passcode.objects.filter(
                    user_id=Arg("user_id", ID), expires_at__gt=Arg("now", models.DateTimeField())
                )
                .order_by("-expires_at")
                .values_list("purpose", "address", "used_at", "expires_at", "failed_attempts")
            )
        ),
    )


def test_a_bundle_returns_what_each_queryset_returns_in_one_round_trip(
    applications, django_assert_num_queries
):
    application = applications[0]
    trainer = application.trainer
    factories.MembershipFactory(trainer=trainer, reminders_sent=["30", "7"])
    factories.MembershipFactory(
        trainer=trainer,
        status=MembershipStatus.LAPSED,
        starts_on=datetime.date(2020, 1, 1),
        anniversary_on=datetime.date(2021, 1, 1),
        status_changed_at=timezone.now() - datetime.timedelta(microseconds=123457),
    )
    now = timezone.now()
    for minutes in (5, 10):
        Passcode.objects.create(
            user=trainer.user, address=f"p{minutes}@contoso.com", purpose="partner_address",
            code_hash="x", expires_at=now + datetime.timedelta(minutes=minutes), used_at=now,
        )  # fmt: skip
    bundle = _bundle()
    values = {"trainer_id": trainer.pk, "user_id": trainer.user_id, "now": now}
    bundle.all(**values)  # compiled here
    rounds = 1 if connection.vendor == "postgresql" else 3
    with django_assert_num_queries(rounds):
        found = bundle.all(**values)

    expected = list(Application.objects.filter(trainer=trainer).order_by("pk"))
    assert len(found["applications"]) == len(expected) == 1
    for row, wanted in zip(found["applications"], expected, strict=True):
        _same_object(row, wanted)
        assert row.draft_data == wanted.draft_data
    memberships = list(Membership.objects.filter(trainer=trainer))
    assert len(found["memberships"]) == len(memberships) == 2
    for row, wanted in zip(found["memberships"], memberships, strict=True):
        _same_object(row, wanted)
    proofs = Passcode.objects.filter(user=trainer.user, expires_at__gt=now).order_by("-expires_at")
    assert found["proofs"] == list(
        proofs.values_list("purpose", "address", "used_at", "expires_at", "failed_attempts")
    )
    assert len(found["proofs"]) == 2


def test_a_bundle_answers_each_read_empty_when_nothing_matches():
    found = _bundle().all(trainer_id=-1, user_id=-1, now=timezone.now())
    assert found == {"applications": [], "memberships": [], "proofs": []}


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="bundles are one query on PostgreSQL only"
)
@pytest.mark.parametrize(
    "build",
    [
        lambda: Application.objects.select_related("partner").filter(pk=Arg("t", ID)),
        lambda: factories.FeeFactory._meta.model.objects.filter(pk=Arg("t", ID)),
    ],
    ids=["joins", "decimal"],
)
def test_a_bundle_refuses_what_json_would_not_carry_back_exactly(build):
    with pytest.raises(TypeError):
        PreparedBundle(only=PreparedRead(build)).all(t=1)


def test_a_bundle_runs_on_one_database():
    build = lambda: Membership.objects.filter(trainer_id=Arg("t", ID))  # noqa: E731
    with pytest.raises(ValueError):
        PreparedBundle(one=PreparedRead(build), other=PreparedRead(build, using="other"))


# ------------------------------------------------------------ server-side prepared statements

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)


def test_the_statement_numbers_the_values_and_keeps_literal_percent_signs():
    statement = _ServerStatement("SELECT a FROM t WHERE b = %s AND c LIKE '%%s%%' AND d = %s")
    assert statement.name.startswith("mct_")
    assert statement.execute_sql == f"EXECUTE {statement.name}(%s, %s)"
    body = "SELECT a FROM t WHERE b = $1 AND c LIKE '%%s%%' AND d = $2"
    assert statement.prepare_sql == (
        f"PREPARE {statement.name} AS {body}; EXECUTE {statement.name}(%s, %s)"
    )
    plain = _ServerStatement("SELECT 1")
    assert plain.execute_sql == f"EXECUTE {plain.name}"
    assert plain.name != statement.name


@pytest.fixture
def fresh_session_statements():
    """No statement prepared on this connection yet (earlier tests may have prepared the
    same SQL: the names come from the SQL)."""
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    _SERVER_STATEMENTS.pop(connection.connection, None)


def _draft_read():
    return PreparedRead(
        lambda: Application.objects.filter(trainer_id=Arg("trainer_id", ID)).order_by("pk")
    )


def _statements_named(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [name])
        return cursor.fetchone()[0]


@on_postgresql
def test_a_read_is_prepared_with_its_first_execute_then_executed_alone(
    applications, fresh_session_statements
):
    read = _draft_read()
    application = applications[0]
    with CaptureQueriesContext(connection) as first:
        rows = read.all(trainer_id=application.trainer_id)
    with CaptureQueriesContext(connection) as second:
        again = read.all(trainer_id=application.trainer_id)
    name = read.compiled(connections["default"]).query.statement.name
    assert [q["sql"].split()[0] for q in first.captured_queries] == ["PREPARE"]
    assert [q["sql"].split()[0] for q in second.captured_queries] == ["EXECUTE"]
    assert name in second.captured_queries[0]["sql"]
    assert _statements_named(name) == 1
    assert [r.pk for r in rows] == [r.pk for r in again] == [application.pk]
    _same_object(again[0], Application.objects.get(pk=application.pk))


@on_postgresql
def test_a_rollback_keeps_the_statement(applications, fresh_session_statements):
    read = _draft_read()
    application = applications[0]
    with pytest.raises(RuntimeError), transaction.atomic():
        read.all(trainer_id=application.trainer_id)
        raise RuntimeError
    with CaptureQueriesContext(connection) as after:
        assert [r.pk for r in read.all(trainer_id=application.trainer_id)] == [application.pk]
    assert [q["sql"].split()[0] for q in after.captured_queries] == ["EXECUTE"]


@on_postgresql
def test_after_a_failed_query_it_asks_the_server_whether_the_statement_exists(
    applications, fresh_session_statements
):
    read = _draft_read()
    application = applications[0]
    # PREPARE succeeds, its EXECUTE fails (the id is out of bigint's range).
    with pytest.raises(DataError), transaction.atomic():
        read.all(trainer_id=2**70)
    with CaptureQueriesContext(connection) as after:
        assert [r.pk for r in read.all(trainer_id=application.trainer_id)] == [application.pk]
    assert [q["sql"].split()[0] for q in after.captured_queries] == ["SELECT", "EXECUTE"]

    # Gone from the server (another client deallocated everything): prepared again.
    name = read.compiled(connections["default"]).query.statement.name
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    _SERVER_STATEMENTS[connection.connection][name] = "unsure"
    with CaptureQueriesContext(connection) as again:
        assert [r.pk for r in read.all(trainer_id=application.trainer_id)] == [application.pk]
    assert [q["sql"].split()[0] for q in again.captured_queries] == ["SELECT", "PREPARE"]


@on_postgresql
def test_a_bundle_is_prepared_too(applications, fresh_session_statements):
    application = applications[0]
    values = {"trainer_id": application.trainer_id, "user_id": -1, "now": timezone.now()}
    bundle = _bundle()
    expected = bundle.all(**values)
    with CaptureQueriesContext(connection) as again:
        assert bundle.all(**values).keys() == expected.keys()
    assert [q["sql"].split()[0] for q in again.captured_queries] == ["EXECUTE"]
    assert [r.pk for r in bundle.all(**values)["applications"]] == [application.pk]


@on_postgresql
def test_with_prepared_statements_off_the_sql_goes_as_it_is(applications, settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    read = _draft_read()
    application = applications[0]
    with CaptureQueriesContext(connection) as queries:
        assert [r.pk for r in read.all(trainer_id=application.trainer_id)] == [application.pk]
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT"]
    assert read.compiled(connections["default"]).query.statement is None


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_the_statement_again(applications):
    read = _draft_read()
    application = applications[0]
    read.all(trainer_id=application.trainer_id)
    connection.close()  # as CONN_MAX_AGE does; the next query opens another session
    with CaptureQueriesContext(connection) as queries:
        assert [r.pk for r in read.all(trainer_id=application.trainer_id)] == [application.pk]
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["PREPARE"]


def test_json_values_are_read_through_to_python_only_where_it_changes_them():
    fields = {field.name: field for field in Application._meta.concrete_fields}
    for name in ("id", "trainer", "path", "verified_email", "is_microsoft_employee", "draft_data"):
        assert _json_reader(fields[name]) is None, name
    for name in ("public_id", "created_at"):
        assert _json_reader(fields[name]) == fields[name].to_python, name
    starts_on = Membership._meta.get_field("starts_on")
    assert _json_reader(starts_on)("2026-01-02") == datetime.date(2026, 1, 2)
