"""The admin lists of the tables that grow with the program (issue 14, point 1): a query
budget per list and its search, no full COUNT(*) on any first page, searches through the
support console's indexed lookups that find the right row, and (PostgreSQL) index plans
for the trainer list."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.admin_lists import estimated_count, indexed_values
from enrollment import models as em
from enrollment.enums import ApplicationStatus, MembershipStatus
from enrollment.management.commands.seed_scale import FIRST_NAMES, LAST_NAMES
from tests import factories
from tests.conftest import needs_postgres
from verification.enums import DocumentState
from verification.models import AuditEvent, Passcode

pytestmark = pytest.mark.django_db

# (changelist, search term that names person 0): every list of a table that grows.
BIG_LISTS = {
    "auth_user": "Lovelace",
    "enrollment_trainer": "Lovelace",
    "enrollment_mcpid": "Lovelace",
    "enrollment_examresult": "Lovelace",
    "enrollment_earnedcertification": "Lovelace",
    "enrollment_mtmtrainingrecord": "Lovelace",
    "enrollment_application": "Lovelace",
    "enrollment_membership": "Lovelace",
    "enrollment_payment": "Lovelace",
    "enrollment_evidence": "Lovelace",
    "enrollment_mcpidclaimattempt": "700000000",
    "verification_document": "Lovelace",
    "verification_outboundemail": "Lovelace",
    "verification_auditevent": "Lovelace",
    "verification_passcode": "ada0@example.org",
}
# How each list's rows of person 0 are found, to check what a search returns.
PERSON_0_ROWS = {
    "auth_user": ("username", "ada0"),
    "enrollment_trainer": ("user__username", "ada0"),
    "enrollment_mcpid": ("trainer__user__username", "ada0"),
    "enrollment_examresult": ("mcp_id__trainer__user__username", "ada0"),
    "enrollment_earnedcertification": ("mcp_id__trainer__user__username", "ada0"),
    "enrollment_mtmtrainingrecord": ("mtm_id", "MTM-0"),
    "enrollment_application": ("trainer__user__username", "ada0"),
    "enrollment_membership": ("trainer__user__username", "ada0"),
    "enrollment_payment": ("application__trainer__user__username", "ada0"),
    "enrollment_evidence": ("application__trainer__user__username", "ada0"),
    "enrollment_mcpidclaimattempt": ("trainer__user__username", "ada0"),
    "verification_document": ("owner__username", "ada0"),
    "verification_outboundemail": ("user__username", "ada0"),
    "verification_auditevent": ("subject_user__username", "ada0"),
    "verification_passcode": ("user__username", "ada0"),
}
# Queries a list page may run: session, user, groups, second factor, the bounded count, the
# rows, the filters' choices, and the search's lookups (support search: up to ten).
PAGE_BUDGET = 12
SEARCH_BUDGET = 30


def changelist(name: str) -> str:
    return reverse(f"admin:{name}_changelist")


def a_person(number: int) -> em.Trainer:
    """A trainer with one row in every growing table."""
    user = factories.UserFactory(
        first_name="Ada" if number == 0 else f"Grace{number}",
        last_name="Lovelace" if number == 0 else "Hopper",
        email=f"ada{number}@example.org",
        username=f"ada{number}",
    )
    trainer = factories.TrainerFactory(user=user, mtm_id=f"MTM-{number}")
    mcp_id = factories.McpIdFactory(trainer=trainer, value=str(700_000_000 + number))
    factories.ExamResultFactory(mcp_id=mcp_id, reference_number=f"ER-{number:06d}")
    factories.EarnedCertificationFactory(mcp_id=mcp_id)
    factories.MtmTrainingRecordFactory(mtm_id=trainer.mtm_id)
    application = factories.ApplicationFactory(trainer=trainer, status=ApplicationStatus.APPROVED)
    factories.MembershipFactory(trainer=trainer, application=application)
    factories.PaymentFactory(application__trainer=trainer)
    factories.EvidenceFactory(application=application)
    factories.DocumentFactory(owner=user, state=DocumentState.QUEUED)
    factories.OutboundEmailFactory(user=user)
    em.McpIdClaimAttempt.objects.create(trainer=trainer, value=mcp_id.value, succeeded=True)
    AuditEvent.objects.create(
        action="trainer.updated",
        object_type="trainer",
        object_id=str(trainer.pk),
        subject_user=user,
    )
    Passcode.objects.create(
        user=user,
        address=user.email,
        purpose="partner_address",
        code_hash="x",
        expires_at=timezone.now() + datetime.timedelta(minutes=10),
    )
    return trainer


@pytest.fixture
def admin(client):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


def unbounded_counts(queries) -> list[str]:
    """COUNT queries over a whole table: no WHERE of their own (a FILTER's does not count)
    and no LIMIT bounding what they read."""
    found = []
    for query in queries:
        sql = re.sub(r"FILTER \(WHERE [^)]*\)", "", query["sql"].upper())
        if "COUNT(" in sql and " WHERE " not in sql and " LIMIT " not in sql:
            found.append(query["sql"])
    return found


@pytest.mark.parametrize("name", BIG_LISTS)
def test_each_big_list_first_page_keeps_its_query_budget_whatever_the_rows(
    name, admin, django_assert_max_num_queries
):
    a_person(0)
    admin.get(changelist(name))  # sessions, content types and caches warmed
    with CaptureQueriesContext(connection) as one_row:
        assert admin.get(changelist(name)).status_code == 200
    for number in range(1, 20):
        a_person(number)
    with (
        django_assert_max_num_queries(PAGE_BUDGET),
        CaptureQueriesContext(connection) as twenty_rows,
    ):
        assert admin.get(changelist(name)).status_code == 200
    assert len(twenty_rows) == len(one_row)  # no query per row


@pytest.mark.parametrize(("name", "term"), BIG_LISTS.items())
def test_each_big_list_search_keeps_its_query_budget_and_finds_the_person(
    name, term, admin, django_assert_max_num_queries
):
    for number in range(3):
        a_person(number)
    admin.get(changelist(name))
    with django_assert_max_num_queries(SEARCH_BUDGET):
        response = admin.get(changelist(name), {"q": term})
    assert response.status_code == 200
    rows = set(response.context["cl"].result_list)
    model = response.context["cl"].model
    lookup, value = PERSON_0_ROWS[name]
    assert rows == set(model.objects.filter(**{lookup: value})) != set()


@pytest.mark.parametrize("name", BIG_LISTS)
def test_no_big_list_counts_its_whole_table(name, admin):
    for number in range(3):
        a_person(number)
    admin.get(changelist(name))
    with CaptureQueriesContext(connection) as first_page:
        admin.get(changelist(name))
    with CaptureQueriesContext(connection) as searched:
        admin.get(changelist(name), {"q": BIG_LISTS[name]})
    assert unbounded_counts(first_page.captured_queries) == []
    assert unbounded_counts(searched.captured_queries) == []


def test_the_guard_sees_a_full_count():
    assert unbounded_counts([{"sql": 'SELECT COUNT(*) AS "__count" FROM "enrollment_trainer"'}])
    assert unbounded_counts(
        [{"sql": 'SELECT COUNT("id") FILTER (WHERE "state" = \'queued\') FROM "doc"'}]
    )
    assert not unbounded_counts([{"sql": "SELECT COUNT(*) FROM (SELECT 1 FROM t LIMIT 10000)"}])


def trainer_rows(admin, **params) -> list[em.Trainer]:
    response = admin.get(changelist("enrollment_trainer"), params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def test_the_trainer_list_finds_a_trainer_by_name_email_and_mcp_id(admin):
    ada = a_person(0)
    for number in range(1, 6):
        a_person(number)
    assert trainer_rows(admin, q="Ada Lovelace") == [ada]
    assert trainer_rows(admin, q="Lovelace") == [ada]
    assert trainer_rows(admin, q="ada0@example.org") == [ada]
    assert trainer_rows(admin, q="ADA0@exam") == [ada]
    assert trainer_rows(admin, q="700000000") == [ada]
    assert trainer_rows(admin, q="ER-000000") == [ada]
    assert trainer_rows(admin, q="MTM-0") == [ada]
    assert trainer_rows(admin, q="Nobody Atall") == []


@needs_postgres()
def test_the_trainer_list_forgives_a_typo_in_a_name(admin):
    ada = a_person(0)
    a_person(1)
    assert trainer_rows(admin, q="Ada Lovlace") == [ada]


def test_the_trainer_list_is_in_name_order(admin):
    names = [("Zed", "Abbott"), ("Amy", "Zimmer"), ("Bob", "abbott")]
    for first, last in names:
        factories.TrainerFactory(first_name=first, last_name=last)
    listed = [(t.first_name, t.last_name) for t in trainer_rows(admin)]
    assert listed == [("Bob", "abbott"), ("Zed", "Abbott"), ("Amy", "Zimmer")]


def test_the_user_list_finds_an_account_by_name_email_username_and_mcp_id(admin):
    ada = a_person(0)
    a_person(1)
    url = changelist("auth_user")
    for term in ("Ada Lovelace", "ada0@example", "ada0", "700000000"):
        rows = list(admin.get(url, {"q": term}).context["cl"].result_list)
        assert rows == [ada.user], term


def test_the_mcp_id_list_finds_an_id_by_its_start_and_by_its_holder(admin):
    ada = a_person(0)
    a_person(1)
    url = changelist("enrollment_mcpid")
    by_start = admin.get(url, {"q": "70000000"}).context["cl"].result_list
    assert [m.value for m in by_start] == ["700000000", "700000001"]
    by_holder = admin.get(url, {"q": "ada0@example.org"}).context["cl"].result_list
    assert [m.trainer for m in by_holder] == [ada]


def test_the_payment_list_finds_a_payment_by_reference(admin):
    a_person(0)
    payment = em.Payment.objects.get(application__trainer__last_name="Lovelace")
    a_person(1)
    rows = admin.get(changelist("enrollment_payment"), {"q": payment.reference})
    assert list(rows.context["cl"].result_list) == [payment]


def test_the_membership_list_filters_by_status_and_anniversary_without_a_date_hierarchy(admin):
    ada = a_person(0)
    a_person(1)
    em.Membership.objects.filter(trainer=ada).update(status=MembershipStatus.LAPSED)
    response = admin.get(changelist("enrollment_membership"), {"status__exact": "lapsed"})
    assert [m.trainer for m in response.context["cl"].result_list] == [ada]
    assert response.context["cl"].date_hierarchy is None


def test_filter_choices_of_plain_columns_are_read_through_their_index(admin):
    for number in range(2):
        a_person(number)
    factories.PaymentFactory(provider="stripe")
    assert indexed_values(em.Payment, "provider") == ["invoice", "stripe"]
    page = admin.get(changelist("enrollment_payment")).content.decode()
    assert "?provider=stripe" in page and "?provider=invoice" in page
    stripe = admin.get(changelist("enrollment_payment"), {"provider": "stripe"})
    assert [p.provider for p in stripe.context["cl"].result_list] == ["stripe"]


def test_a_small_table_is_counted_exactly_and_a_filtered_one_up_to_the_limit():
    for _ in range(5):
        factories.TrainerFactory(last_name="Hopper")
    factories.TrainerFactory(last_name="Lovelace")
    assert estimated_count(em.Trainer.objects.all()) == 6
    assert estimated_count(em.Trainer.objects.filter(last_name="Hopper")) == 5
    # Past the limit, a filtered list takes the planner's estimate: at least the limit.
    assert estimated_count(em.Trainer.objects.filter(last_name="Hopper"), limit=3) >= 3


@needs_postgres()
def test_an_unfiltered_big_table_takes_the_planners_estimate_without_counting():
    for _ in range(30):
        factories.TrainerFactory()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE enrollment_trainer")
    with CaptureQueriesContext(connection) as queries:
        estimate = estimated_count(em.Trainer.objects.all(), limit=20)
    assert 20 <= estimate <= 60
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


# --- The plans (PostgreSQL) ------------------------------------------------------------------

PLAN_TRAINERS = 20_000


def many_trainers() -> None:
    """A few thousand trainers in one statement, then fresh statistics."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"plan{number}", password="!") for number in range(PLAN_TRAINERS)
    )
    em.Trainer.objects.bulk_create(
        em.Trainer(
            user=users[number],
            first_name=FIRST_NAMES[number % len(FIRST_NAMES)],
            last_name=LAST_NAMES[(number * 7) % len(LAST_NAMES)],
            email=f"trainer{number}@example.org",
            mtm_id=f"MTM-P{number}" if number % 3 == 0 else "",
        )
        for number in range(PLAN_TRAINERS)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE enrollment_trainer")


def trainer_plans(queries) -> list[str]:
    """The plans of the queries that read trainers (a COUNT over a LIMIT reads at most the
    limit whatever the table's size, and is left out).

    Sequential scans are priced out while explaining: on 20,000 rows the planner may still
    prefer reading the whole table to a trigram index (it never does on a million), and what
    is asked here is whether an index serves every query. A query no index can serve still
    shows its Seq Scan."""
    plans = []
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            for query in queries:
                sql = query["sql"]
                reads_trainers = (
                    'FROM "enrollment_trainer"' in sql or "FROM enrollment_trainer" in sql
                )
                if reads_trainers and sql.lstrip().startswith("SELECT") and "COUNT(" not in sql:
                    cursor.execute(f"EXPLAIN {query['sql']}")
                    plans.append("\n".join(row[0] for row in cursor.fetchall()))
        finally:
            cursor.execute("RESET enable_seqscan")
    return plans


@needs_postgres()
def test_the_trainer_list_reads_its_first_page_and_its_searches_through_indexes(admin):
    many_trainers()
    url = changelist("enrollment_trainer")
    admin.get(url)
    with CaptureQueriesContext(connection) as first_page:
        admin.get(url)
    plans = trainer_plans(first_page.captured_queries)
    assert plans and not [p for p in plans if "Seq Scan on enrollment_trainer" in p]
    assert any("trainer_name_lower_idx" in plan for plan in plans)
    first, last = FIRST_NAMES[42 % len(FIRST_NAMES)], LAST_NAMES[(42 * 7) % len(LAST_NAMES)]
    # A full name (exact btree lookups, then the trigram index for near spellings), an
    # email and its start, an MTM ID.
    for term in (f"{first} {last}", "trainer42@example.org", "trainer4", "MTM-P42"):
        with CaptureQueriesContext(connection) as searched:
            found = admin.get(url, {"q": term}).context["cl"].result_list
        assert found, term
        plans = trainer_plans(searched.captured_queries)
        assert plans and not [p for p in plans if "Seq Scan on enrollment_trainer" in p], term
