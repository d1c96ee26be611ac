"""The review queue at the program's size (issue 14, point 2): right counts without reading
the document table, a query budget per page, no full count (also for "All"), the trainer
search, the plans on PostgreSQL, and seed_scale's documents for the benchmark."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enrollment.enums import ApplicationStatus
from enrollment.models import Payment
from tests import factories
from tests.conftest import needs_postgres
from verification.admin import review_dashboard
from verification.enums import DocumentKind, DocumentState
from verification.models import AuditEvent, Document, OutboundEmail

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:verification_document_changelist")
TODAY = timezone.localdate()
# Session (read and saved), user, permissions, groups, the three dashboard figures (two
# queries), the bounded count, the rows with their owners; a search adds the support
# search's lookups.
PAGE_BUDGET = 12
SEARCH_BUDGET = 30


@pytest.fixture
def reviewer_client(client):
    client.force_login(factories.ReviewerFactory())
    return client


@pytest.fixture
def superuser_client(client):
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    return client


def decided(state, *, at, **fields):
    return factories.DocumentFactory(
        state=state,
        decided_at=at,
        decision_reason="Unreadable." if state == DocumentState.REJECTED else "",
        **fields,
    )


def dashboard_figures(page: str) -> dict[str, int]:
    return {name: int(value) for name, value in re.findall(r'data-count="(\w+)">(\d+)<', page)}


def test_the_queue_counts_waiting_overdue_and_decided_today(reviewer_client):
    for days in (-3, -1, 0, 2, 5):  # two overdue
        factories.DocumentFactory(due_on=TODAY + datetime.timedelta(days))
    now = timezone.now()
    decided(DocumentState.APPROVED, at=now)
    decided(DocumentState.REJECTED, at=now)
    decided(DocumentState.APPROVED, at=now - datetime.timedelta(days=2))
    factories.DocumentFactory(state=DocumentState.CHECKING, due_on=TODAY - datetime.timedelta(5))
    factories.DocumentFactory(state=DocumentState.REFUSED, due_on=TODAY - datetime.timedelta(5))

    page = reviewer_client.get(CHANGELIST).content.decode()

    assert dashboard_figures(page) == {"pending": 5, "overdue": 2, "decided_today": 2}
    assert review_dashboard() == {"pending": 5, "overdue": 2, "decided_today": 2}


def direct_counts() -> dict[str, int]:
    waiting = Document.objects.filter(state=DocumentState.QUEUED)
    return {
        "pending": waiting.count(),
        "overdue": waiting.filter(due_on__lt=TODAY).count(),
        "decided_today": Document.objects.filter(
            decided_at__gte=timezone.localtime().replace(hour=0, minute=0, second=0)
        ).count(),
    }


@needs_postgres()
def test_the_kept_counts_follow_every_change_of_the_documents():
    late = factories.DocumentFactory(due_on=TODAY - datetime.timedelta(2))
    soon = factories.DocumentFactory(due_on=TODAY + datetime.timedelta(2))
    undated = factories.DocumentFactory(due_on=None)
    factories.DocumentFactory(state=DocumentState.CHECKING, due_on=TODAY - datetime.timedelta(9))
    assert (
        review_dashboard()
        == direct_counts()
        == {
            "pending": 3,
            "overdue": 1,
            "decided_today": 0,
        }
    )
    steps = [
        lambda: Document.objects.filter(pk=soon.pk).update(due_on=TODAY - datetime.timedelta(1)),
        lambda: Document.objects.filter(pk=late.pk).update(
            state=DocumentState.APPROVED, decided_at=timezone.now()
        ),
        lambda: Document.objects.filter(state=DocumentState.CHECKING).update(
            state=DocumentState.QUEUED
        ),
        lambda: undated.delete(),
        lambda: Document.objects.filter(state=DocumentState.QUEUED).update(
            state=DocumentState.WITHDRAWN
        ),
    ]
    for step in steps:
        step()
        assert review_dashboard() == direct_counts()
    assert review_dashboard()["pending"] == 0


def test_the_queue_lists_the_waiting_documents_in_queue_order(reviewer_client):
    later = factories.DocumentFactory(due_on=TODAY + datetime.timedelta(3), original_name="b.pdf")
    sooner = factories.DocumentFactory(due_on=TODAY, original_name="a.pdf")
    decided(DocumentState.APPROVED, at=timezone.now(), original_name="done.pdf")
    rows = list(reviewer_client.get(CHANGELIST).context["cl"].result_list)
    assert rows == [sooner, later]
    every = reviewer_client.get(CHANGELIST, {"state": "all"}).context["cl"].result_list
    assert {d.original_name for d in every} == {"a.pdf", "b.pdf", "done.pdf"}


@pytest.mark.parametrize(
    "params",
    [{}, {"state": "all"}, {"overdue": "yes"}, {"kind__exact": DocumentKind.TRAINING_SUMMARY}],
)
def test_the_queue_pages_keep_their_query_budget_whatever_the_rows(
    params, reviewer_client, django_assert_max_num_queries
):
    factories.DocumentFactory(kind=DocumentKind.TRAINING_SUMMARY)
    reviewer_client.get(CHANGELIST, params)
    with CaptureQueriesContext(connection) as one_row:
        reviewer_client.get(CHANGELIST, params)
    for number in range(20):
        factories.DocumentFactory(
            kind=DocumentKind.TRAINING_SUMMARY, due_on=TODAY - datetime.timedelta(number % 3)
        )
        decided(DocumentState.APPROVED, at=timezone.now())
    with (
        django_assert_max_num_queries(PAGE_BUDGET),
        CaptureQueriesContext(connection) as many_rows,
    ):
        response = reviewer_client.get(CHANGELIST, params)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) > 1
    assert len(many_rows) == len(one_row)


def test_the_queue_search_finds_the_trainers_documents_within_its_budget(
    reviewer_client, django_assert_max_num_queries
):
    ada = factories.TrainerFactory(
        user=factories.UserFactory(first_name="Ada", last_name="Lovelace", email="ada@example.org")
    )
    factories.McpIdFactory(trainer=ada, value="712345678")
    hers = factories.DocumentFactory(owner=ada.user)
    factories.DocumentFactory()
    factories.DocumentFactory()
    for term in ("Ada Lovelace", "Lovelace", "ada@example.org", "ada@", "712345678"):
        with django_assert_max_num_queries(SEARCH_BUDGET):
            response = reviewer_client.get(CHANGELIST, {"q": term})
        assert list(response.context["cl"].result_list) == [hers], term


def full_counts(queries) -> list[str]:
    found = []
    for query in queries:
        sql = re.sub(r"FILTER \(WHERE [^)]*\)", "", query["sql"].upper())
        if "COUNT(" in sql and " WHERE " not in sql and " LIMIT " not in sql:
            found.append(query["sql"])
    return found


@pytest.mark.parametrize("who", ["reviewer_client", "superuser_client"])
@pytest.mark.parametrize("params", [{}, {"state": "all"}])
def test_the_queue_never_counts_the_whole_document_table(who, params, request):
    client = request.getfixturevalue(who)
    for _ in range(3):
        factories.DocumentFactory()
        decided(DocumentState.APPROVED, at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        assert client.get(CHANGELIST, params).status_code == 200
    assert full_counts(queries.captured_queries) == []


def test_the_queue_as_it_opens_pages_with_the_dashboards_count(reviewer_client):
    for _ in range(30):
        factories.DocumentFactory()
    with CaptureQueriesContext(connection) as queries:
        response = reviewer_client.get(CHANGELIST)
    cl = response.context["cl"]
    assert cl.result_count == 30 and len(cl.result_list) == 25
    document_counts = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(" in q["sql"].upper() and 'FROM "verification_document"' in q["sql"]
    ]
    assert len(document_counts) == 1 and "decided_at" in document_counts[0]  # decided today
    assert 'href="?p=2"' in response.content.decode()


def test_the_old_dashboard_would_have_been_caught():
    whole_table = (
        'SELECT COUNT("verification_document"."id") FILTER (WHERE "state" = \'queued\') '
        'AS "pending" FROM "verification_document"'
    )
    assert full_counts([{"sql": whole_table}])


# --- The plans (PostgreSQL) ------------------------------------------------------------------

WAITING, DECIDED = 500, 8000


def many_documents() -> None:
    owner = factories.UserFactory()
    now = timezone.now()
    Document.objects.bulk_create(
        Document(
            owner=owner,
            kind=DocumentKind.INSTRUCTIONAL_SKILLS,
            state=DocumentState.QUEUED if number < WAITING else DocumentState.APPROVED,
            original_name=f"doc{number}.pdf",
            due_on=TODAY + datetime.timedelta(number % 30 - 15),
            decided_at=None if number < WAITING else now - datetime.timedelta(hours=number),
        )
        for number in range(WAITING + DECIDED)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE verification_document")


def document_plans(queries) -> list[str]:
    plans = []
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if 'FROM "verification_document"' in sql and sql.lstrip().startswith("SELECT"):
                if "LIMIT 10000" in sql:  # the bounded count reads at most its limit
                    continue
                cursor.execute(f"EXPLAIN {sql}")
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


@needs_postgres()
def test_the_queue_reads_only_the_waiting_documents_index(reviewer_client):
    many_documents()
    reviewer_client.get(CHANGELIST)
    with CaptureQueriesContext(connection) as queries:
        reviewer_client.get(CHANGELIST)
    plans = document_plans(queries.captured_queries)
    # The waiting and overdue figures come from the kept per-day counts, not from here.
    assert len(plans) == 2  # decided today, and the page's rows
    assert not [plan for plan in plans if "Seq Scan on verification_document" in plan]
    decided_today, rows = plans
    assert any(name in rows for name in ("doc_waiting_order_idx", "doc_queue_idx"))
    assert "doc_decided_idx" in decided_today


# --- seed_scale's documents ------------------------------------------------------------------


def test_seed_scale_adds_waiting_and_decided_documents(settings):
    settings.DEBUG = True
    call_command(
        "seed_scale",
        trainers=30,
        seed=4,
        chunk_size=20,
        documents_waiting=25,
        documents_decided=40,
        verbosity=0,
    )
    assert Document.objects.filter(state=DocumentState.QUEUED).count() == 25
    decided_rows = Document.objects.filter(
        state__in=[DocumentState.APPROVED, DocumentState.REJECTED]
    )
    assert decided_rows.count() == 40
    assert not decided_rows.filter(decided_at__isnull=True).exists()
    owners = set(Document.objects.values_list("owner__username", flat=True))
    assert owners and all(name.startswith("scale-4-") for name in owners)
    # More documents for the people already there, without new trainers, and the other
    # growing lists of the admin.
    call_command(
        "seed_scale",
        seed=4,
        documents_waiting=5,
        audit_events=12,
        outbound_emails=11,
        payments=7,
        verbosity=0,
    )
    assert Document.objects.count() == 70
    assert get_user_model().objects.filter(username__startswith="scale-4-").count() == 30
    assert AuditEvent.objects.filter(subject_user__username__startswith="scale-4-").count() == 12
    assert OutboundEmail.objects.filter(user__username__startswith="scale-4-").count() == 11
    assert Payment.objects.filter(application__status=ApplicationStatus.APPROVED).count() == 7
