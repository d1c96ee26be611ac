"""Opening a wizard never writes (issue 15, point 2): the draft starts on the first valid POST.

Every step URL of every registered path (the path registry), the profile page and the
details page are opened by a trainer (before and after their draft exists, up to the
confirmation step), by staff, by an ineligible trainer and by someone just signed up,
each inside a check that the requests sent no INSERT, UPDATE, DELETE or row lock to the
database and left their session row as it was.
"""

import datetime
import re
from contextlib import contextmanager
from functools import partial

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enrollment.enums import ApplicationPath, ApplicationStatus, Program
from enrollment.models import Application, Evidence, Trainer
from enrollment.paths.registry import all_paths, start_url, step_url
from tests import factories
from tests.concurrency import at_once, raised
from tests.conftest import needs_postgres
from tests.enrollment.wizard.test_queries import WALKS, _standing_for
from tests.enrollment.wizard.walk import membership, prefix_of, qualified_trainer, text_of
from verification.models import AuditEvent

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b|\bFOR UPDATE\b", re.IGNORECASE)
FREELANCER = {"profile-employer_type": "freelancer", "profile-primary_audience": "developer"}


def _session_row(client) -> tuple:
    key = client.cookies["sessionid"].value
    row = Session.objects.filter(session_key=key).values_list("session_data", "expire_date")
    return tuple(row.first() or ())


@contextmanager
def writes_nothing(client):
    """Fails when the requests inside write to the database or change the session row."""
    before = _session_row(client)
    with CaptureQueriesContext(connection) as queries:
        yield
    writes = [q["sql"] for q in queries.captured_queries if WRITE.search(q["sql"])]
    assert writes == [], "\n".join(writes)
    assert _session_row(client) == before


def _urls(definition) -> list[str]:
    return [
        start_url(definition.path),
        *(step_url(definition.path, step) for step in definition.step_names),
    ]


def _open_everything(client) -> dict[str, int]:
    answers = {}
    for definition in all_paths():
        for url in _urls(definition):
            answers[url] = client.get(url).status_code
    for url in ("/profile/", "/profile/details/", "/profile/mcp-ids/link/", "/profile/delete/"):
        answers[url] = client.get(url).status_code
    return answers


def _table_counts() -> tuple:
    return (
        Application.objects.count(),
        Trainer.objects.count(),
        AuditEvent.objects.count(),
        Evidence.objects.count(),
    )


def _assert_answers(answers: dict[str, int]) -> None:
    # A page, a redirect (to the first open step, the details, the payment) or "not for
    # you" (403): never an error.
    assert set(answers.values()) <= {200, 302, 403}, answers


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who", ["eligible trainer", "ineligible trainer", "staff", "support", "just signed up"]
)
def test_opening_every_wizard_step_writes_nothing(client, terms, who):
    if who == "eligible trainer":
        person = qualified_trainer().user
    elif who == "ineligible trainer":
        # A member mid-year: not new, not due for renewal, no rejoin, no alumni upgrade.
        trainer = qualified_trainer()
        membership(trainer, anniversary_in_days=200)
        person = trainer.user
    elif who == "staff":
        person = factories.UserFactory(is_staff=True, is_superuser=True)
    elif who == "support":
        person = factories.SupportFactory()
    else:
        person = factories.UserFactory()  # no trainer record yet
    client.force_login(person)
    counts = _table_counts()
    with writes_nothing(client):
        answers = _open_everything(client)
    _assert_answers(answers)
    assert _table_counts() == counts


@pytest.mark.django_db
@pytest.mark.parametrize("slug", list(WALKS))
def test_opening_every_step_of_a_draft_writes_nothing(walker, terms, slug, settings):
    """A trainer's own draft, every step done: every step page, the confirmation included,
    and the profile page write nothing (the confirmation shows the state worked out in
    memory)."""
    definition = next(d for d in all_paths() if d.slug == slug)
    trainer = qualified_trainer()
    _standing_for(slug, trainer)
    walker.client.force_login(trainer.user)
    WALKS[slug](walker, factories.CredentialTypeFactory())
    application = Application.objects.get(trainer=trainer, path=definition.path)
    before = Application.objects.values().get(pk=application.pk)
    with writes_nothing(walker.client):
        answers = {url: walker.client.get(url).status_code for url in _urls(definition)}
        answers["/profile/"] = walker.client.get("/profile/").status_code
    assert answers[step_url(definition.path, "confirmation")] == 200, answers
    _assert_answers(answers)
    assert Application.objects.values().get(pk=application.pk) == before


@pytest.mark.django_db
def test_the_confirmation_page_shows_the_state_the_records_call_for_without_saving_it(
    walker, terms
):
    """An alumni application saved as a draft whose every requirement is now met: the page
    offers Submit (ready) while the row stays as it was until a POST."""
    trainer = qualified_trainer()
    walker.client.force_login(trainer.user)
    WALKS["alumni"](walker, None)
    application = Application.objects.get(trainer=trainer)
    assert application.status == ApplicationStatus.READY
    # The row falls behind the records (as after an import): the page still tells the truth.
    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.DRAFT)
    with writes_nothing(walker.client):
        page = walker.client.get("/apply/alumni/confirmation/")
    assert page.context["can_submit"] is True
    assert page.context["application"].status == ApplicationStatus.READY
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


@pytest.mark.django_db
def test_the_first_valid_post_starts_exactly_one_application(walker, terms):
    trainer = qualified_trainer()
    walker.client.force_login(trainer.user)
    first_tab = walker.get("/apply/new/profile/")
    second_tab = walker.get("/apply/new/profile/")
    assert Application.objects.count() == 0

    # An invalid POST starts nothing either.
    invalid = walker.post(
        "/apply/new/profile/", {f"{prefix_of(first_tab)}-current_step": "profile"}
    )
    assert invalid.status_code == 200
    assert Application.objects.count() == 0

    for page in (first_tab, first_tab, second_tab):  # a double click, then the other tab
        data = {f"{prefix_of(page)}-current_step": "profile", **FREELANCER}
        response = walker.post("/apply/new/profile/", data)
        assert response.status_code == 302
        assert response["Location"] == "/apply/new/requirements/"
    application = Application.objects.get(trainer=trainer)
    assert application.status == ApplicationStatus.DRAFT
    assert application.employer_type == "freelancer"
    assert application.current_step == "requirements"
    assert AuditEvent.objects.filter(action="application.started").count() == 1
    # Now the page carries the draft's own prefix.
    assert prefix_of(walker.get("/apply/new/profile/")) == f"app_{application.public_id.hex}"


@pytest.mark.django_db
def test_the_first_post_of_someone_without_a_trainer_record_creates_it_with_the_details(client):
    """The details page (a GET) writes nothing; saving it creates the trainer record."""
    user = factories.UserFactory(first_name="Ada", last_name="Lovelace")
    client.force_login(user)
    page = client.get("/profile/details/")
    assert page.status_code == 200
    assert not Trainer.objects.filter(user=user).exists()
    response = client.post(
        "/profile/details/",
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.org",
            "country": "United Kingdom",
            "address_1": "1 Example Street",
            "city": "London",
            "state_province": "London",
            "postal_code": "N1 1AA",
            "accept_nda": "on",
        },
    )
    assert response.status_code == 302, text_of(response)[:800]
    trainer = Trainer.objects.get(user=user)
    assert trainer.city == "London"
    assert AuditEvent.objects.filter(action="trainer.created").count() == 1


@pytest.mark.django_db
def test_evidence_that_would_carry_over_moves_on_the_first_post_not_on_the_get(walker, terms):
    trainer = qualified_trainer()
    cancelled = factories.ApplicationFactory(
        trainer=trainer, path=ApplicationPath.NEW, status=ApplicationStatus.PAYMENT_CANCELLED
    )
    proof = factories.EvidenceFactory(
        application=cancelled,
        credential_type=factories.CredentialTypeFactory(),
        certified_on=timezone.localdate() - datetime.timedelta(days=100),
        document__state="approved",
        document__decided_at=timezone.now(),
        document__original_name="approved-ctt.pdf",
    )
    walker.client.force_login(trainer.user)
    with writes_nothing(walker.client):
        page = walker.client.get("/apply/new/profile/")
    assert page.status_code == 200
    assert page.context["ctx"].evidence == {proof.kind: proof}  # shown as what would move
    proof.refresh_from_db()
    assert proof.application == cancelled

    walker.post("/apply/new/profile/", {f"{prefix_of(page)}-current_step": "profile", **FREELANCER})
    draft = Application.objects.get(trainer=trainer, status=ApplicationStatus.DRAFT)
    proof.refresh_from_db()
    assert proof.application == draft
    assert AuditEvent.objects.filter(action="evidence.carried_over").count() == 1


@needs_postgres()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_five_tabs_posting_the_first_step_at_once_start_one_application():
    trainer = qualified_trainer()
    membership(trainer, program=Program.MCT, anniversary_in_days=20)
    browsers = []
    for _ in range(5):
        browser = Client()
        browser.force_login(trainer.user)
        page = browser.get("/apply/renew/profile/")
        assert page.status_code == 200
        browsers.append((browser, {f"{prefix_of(page)}-current_step": "profile", **FREELANCER}))
    assert Application.objects.count() == 0
    responses = at_once(
        *(partial(browser.post, "/apply/renew/profile/", data) for browser, data in browsers)
    )
    assert raised(responses) == []
    assert [r.status_code for r in responses] == [302] * 5
    assert Application.objects.filter(trainer=trainer).count() == 1
    assert AuditEvent.objects.filter(action="application.started").count() == 1
