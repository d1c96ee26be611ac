"""The support console over HTTP: search, the person page, edits, MCP IDs, merges, resends."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enrollment.enums import ApplicationStatus
from enrollment.models import McpId, Trainer
from tests import factories
from verification.audit import audit
from verification.enums import PasscodePurpose
from verification.models import AuditEvent, OutboundEmail, Passcode
from verification.passcodes import passcode_issue

pytestmark = pytest.mark.django_db

SEARCH_URL = reverse("support:search")
# Session, user, groups, the page's own reads and its audit event: a fixed budget.
MAX_QUERIES = 25


@pytest.fixture
def support_client(client, support_user):
    client.force_login(support_user)
    return client


@pytest.fixture
def cheever():
    trainer = factories.TrainerFactory(
        first_name="Benjamin",
        last_name="Cheever",
        email="ben.cheever@example.org",
        phone="801-373-0874",
        address_1="159 S. 2530 W.",
    )
    factories.McpIdFactory(trainer=trainer, value="98765432", is_primary=True)
    return trainer


def _person_url(trainer) -> str:
    return reverse("support:person", args=[trainer.pk])


def _search(client, query, **extra):
    return client.post(SEARCH_URL, {"q": query}, follow=True, **extra)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- Search ---------------------------------------------------------------------------------


def test_search_keeps_the_query_out_of_the_url(support_client, cheever):
    response = support_client.post(SEARCH_URL, {"q": "Benjamin Cheever"})
    assert response.status_code == 302
    location = response["Location"]
    assert "Cheever" not in location and "Benjamin" not in location
    assert urlsplit(location).query.startswith("s=")


def test_search_shows_the_person_with_minimum_personal_data(support_client, cheever):
    response = _search(support_client, "Chever")
    page = response.content.decode()
    assert _person_url(cheever) in page
    assert "Benjamin Cheever" in page
    assert "98765432" in page
    assert "b••••••@example.org" in page
    for private in ("ben.cheever@example.org", "801-373-0874", "159 S. 2530 W."):
        assert private not in page


def test_each_search_is_audited_with_the_query_and_result_ids_only(
    support_client, support_user, cheever
):
    _search(support_client, "98765432")
    event = AuditEvent.objects.get(action="support.search")
    assert event.actor == support_user
    assert event.note == "98765432"
    assert event.after == {"trainer_ids": [cheever.pk], "result_count": 1, "page": 1}
    assert event.subject_user is None and event.before is None


def test_a_search_link_from_elsewhere_with_q_works_too(support_client, cheever):
    response = support_client.get(SEARCH_URL, {"q": "ben.cheever@example.org"}, follow=True)
    assert _person_url(cheever) in response.content.decode()


def test_a_too_short_query_is_explained(support_client):
    response = support_client.post(SEARCH_URL, {"q": "x"})
    assert response.status_code == 200
    assert "Enter at least 2 characters." in response.content.decode()
    assert not AuditEvent.objects.filter(action="support.search").exists()


def test_an_expired_search_token_asks_to_search_again(support_client):
    response = support_client.get(SEARCH_URL, {"s": "gone"})
    assert "That search has expired" in response.content.decode()


def test_search_flags_a_planted_duplicate(support_client, cheever):
    factories.TrainerFactory(
        first_name="Benjamin", last_name="Cheever", email="bjc@other.example", phone="801-373-0874"
    )
    page = _search(support_client, "Benjamin Cheever").content.decode()
    assert page.count("Possible duplicate") == 2


def test_search_reports_an_exam_reference_that_has_no_mcp_id_yet(support_client):
    factories.ExamResultFactory(reference_number="ER-2026-000101", candidate_last_name="Cheever")
    page = _search(support_client, "ER-2026-000101").content.decode()
    assert "Exam ER-2026-000101 has no MCP ID yet" in page


def test_search_results_are_paginated(support_client):
    for _ in range(30):
        factories.TrainerFactory(last_name="Cheever")
    first = _search(support_client, "Cheever")
    assert "Showing 1–25 of 30" in first.content.decode()
    token = first.context["token"]
    second = support_client.get(SEARCH_URL, {"s": token, "page": 2})
    assert len(second.context["rows"]) == 5
    assert AuditEvent.objects.filter(action="support.search").count() == 2


def test_no_match_says_so(support_client):
    assert "No one matches" in _search(support_client, "Zzyzx Qwv").content.decode()


def test_search_is_rate_limited(support_client, settings):
    settings.SUPPORT_SEARCH_RATE_LIMIT = "2/m"
    statuses = [support_client.post(SEARCH_URL, {"q": "Cheever"}).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _with_applications(trainer, count):
    for number in range(count):
        application = factories.ApplicationFactory(
            trainer=trainer,
            status=ApplicationStatus.WITHDRAWN if number % 2 else ApplicationStatus.APPROVED,
        )
        factories.EvidenceFactory(application=application)
        factories.PaymentFactory(application=application, status="paid")


def test_search_page_runs_the_same_queries_for_1_or_50_applications_or_25_results(
    support_client,
):
    one = factories.TrainerFactory(last_name="Cheever")
    _with_applications(one, 1)
    token = _search(support_client, "Cheever").context["token"]
    baseline = _queries(support_client, f"{SEARCH_URL}?s={token}")
    assert baseline <= MAX_QUERIES

    _with_applications(one, 49)
    # Fixed first names: a random one spelt like "Cheever" (Faker's "Cheryl") would add the
    # close spellings' lookups to the second count, not more rows to the first.
    for _ in range(24):
        trainer = factories.TrainerFactory(
            last_name="Cheever", first_name="Ada", user__first_name="Ada"
        )
        factories.McpIdFactory(trainer=trainer)
    assert _queries(support_client, f"{SEARCH_URL}?s={token}") == baseline


def test_person_page_runs_the_same_queries_for_1_or_50_applications(support_client, cheever):
    _with_applications(cheever, 1)
    factories.OutboundEmailFactory(user=cheever.user)
    audit(actor=None, action="trainer.created", target=cheever, subject_user=cheever.user)
    baseline = _queries(support_client, _person_url(cheever))  # one page of history, too
    assert baseline <= MAX_QUERIES

    _with_applications(cheever, 49)
    for _ in range(5):
        mcp_id = factories.McpIdFactory(trainer=cheever)
        factories.EarnedCertificationFactory(mcp_id=mcp_id)
        factories.MembershipFactory(trainer=cheever, status="lapsed")
        factories.OutboundEmailFactory(user=cheever.user)
        audit(
            actor=factories.SupportFactory(),
            action="trainer.registration_updated",
            target=cheever,
            subject_user=cheever.user,
            before={"city": "Provo"},
            after={"city": "Orem"},
        )
    assert _queries(support_client, _person_url(cheever)) == baseline


# --- The person page ----------------------------------------------------------------------


def test_person_page_shows_every_section_and_logs_the_view(support_client, support_user, cheever):
    application = factories.ApplicationFactory(trainer=cheever, status=ApplicationStatus.IN_REVIEW)
    factories.EvidenceFactory(application=application)
    factories.MembershipFactory(trainer=cheever, status="lapsed")
    factories.EarnedCertificationFactory(
        mcp_id=cheever.mcp_ids.get(), certification__name="Azure Administrator Associate"
    )
    factories.OutboundEmailFactory(user=cheever.user, subject="Your file is approved")

    page = support_client.get(_person_url(cheever)).content.decode()

    for section in ("registration", "programs", "mcp-ids", "certifications", "emails", "history"):
        assert f'id="{section}"' in page
    assert "801-373-0874" in page  # registration data, in full, on the person page
    programs = page.split('id="programs"')[1].split('id="mcp-ids"')[0]
    assert "Microsoft Certified Trainer" in programs and "Lapsed" in programs
    assert "Enroll as a new MCT" in programs and "In review" in programs
    assert "Proof of instructional skills" in programs
    assert "Azure Administrator Associate" in page
    assert "Your file is approved" in page
    assert "A reviewer approved your file." not in page  # never an email's body
    event = AuditEvent.objects.get(action="support.view_person")
    assert (event.actor, event.subject_user) == (support_user, cheever.user)


def test_person_page_offers_no_way_to_approve_evidence_or_applications(support_client, cheever):
    factories.EvidenceFactory(application__trainer=cheever)
    page = support_client.get(_person_url(cheever)).content.decode().lower()
    assert "approve" not in page.replace("approved", "")
    assert "/admin/" not in page


def test_support_cannot_reach_the_review_queue(support_client):
    response = support_client.get("/admin/verification/document/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_person_pages_have_no_inline_scripts_styles_or_handlers(support_client, cheever):
    factories.OutboundEmailFactory(user=cheever.user, role="passcode")
    for url in (
        _person_url(cheever),
        reverse("support:registration", args=[cheever.pk]),
        reverse("support:merge", args=[cheever.pk, factories.TrainerFactory().pk]),
        SEARCH_URL,
    ):
        page = support_client.get(url).content.decode()
        assert "<script>" not in page and "<style" not in page
        assert ' style="' not in page and " onclick=" not in page and " onsubmit=" not in page


# --- Registration edits ------------------------------------------------------------------------


def test_editing_registration_data_saves_audits_and_returns_to_the_person(support_client, cheever):
    form = {name: getattr(cheever, name) for name in Trainer.REGISTRATION_FIELDS}
    form["last_name"] = "Cheevers"
    response = support_client.post(
        reverse("support:registration", args=[cheever.pk]), form, follow=True
    )
    assert response.redirect_chain[-1][0] == _person_url(cheever)
    assert "Registration data saved. The change is in the history." in _messages(response)
    cheever.refresh_from_db()
    assert cheever.last_name == "Cheevers"
    event = AuditEvent.objects.get(action="trainer.registration_updated")
    assert (event.before, event.after) == ({"last_name": "Cheever"}, {"last_name": "Cheevers"})
    history = response.content.decode().split('id="history"')[1]
    assert "trainer.registration_updated" not in history  # a sentence, not an audit code
    assert "changed the registration data: last name from “Cheever” to “Cheevers”" in history


def test_the_registration_form_holds_every_field_of_the_registration_dialog(
    support_client, cheever
):
    page = support_client.get(reverse("support:registration", args=[cheever.pk])).content.decode()
    labels = [
        "First name", "Middle name", "Last name", "Phone", "Email", "Company", "Job title",
        "Country", "Address 1", "Address 2", "City", "State/Province", "ZIP/Postal code",
    ]  # fmt: skip
    for label in labels:
        assert f">{label}" in page, label
    for name in Trainer.REGISTRATION_FIELDS:
        assert f'name="{name}"' in page
    assert 'value="159 S. 2530 W."' in page


def test_an_invalid_registration_edit_shows_the_problem_and_changes_nothing(
    support_client, cheever
):
    form = {name: getattr(cheever, name) for name in Trainer.REGISTRATION_FIELDS}
    form.update(first_name="", email="not-an-email")
    response = support_client.post(reverse("support:registration", args=[cheever.pk]), form)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    cheever.refresh_from_db()
    assert cheever.first_name == "Benjamin"


# --- MCP IDs ----------------------------------------------------------------------------------


def test_linking_an_mcp_id_over_http(support_client, cheever):
    McpId.objects.create(value="12341234")
    response = support_client.post(
        reverse("support:mcp_id_link", args=[cheever.pk]), {"value": "12341234"}, follow=True
    )
    assert "MCP ID 12341234 is now linked." in _messages(response)
    assert McpId.objects.get(value="12341234").trainer == cheever


def test_a_refused_link_is_explained_on_the_page_not_a_500(support_client, cheever):
    factories.McpIdFactory(value="77777777")
    response = support_client.post(
        reverse("support:mcp_id_link", args=[cheever.pk]), {"value": "77777777"}, follow=True
    )
    assert response.status_code == 200
    assert any("belongs to another record" in m for m in _messages(response))


def test_making_an_mcp_id_primary_over_http(support_client, cheever):
    second = factories.McpIdFactory(trainer=cheever, value="24242424")
    response = support_client.post(
        reverse("support:mcp_id_make_primary", args=[cheever.pk, second.pk]), follow=True
    )
    assert "MCP ID 24242424 is now the primary MCP ID." in _messages(response)
    assert cheever.mcp_ids.get(is_primary=True) == second


def test_generating_an_mcp_id_from_an_exam_reference_over_http(support_client):
    candidate = factories.TrainerFactory()
    factories.ExamResultFactory(reference_number="ER-2026-000102")
    response = support_client.post(
        reverse("support:mcp_id_generate", args=[candidate.pk]),
        {"exam_reference": "ER-2026-000102", "mct_intent_confirmed": "on"},
        follow=True,
    )
    mcp_id = candidate.mcp_ids.get()
    assert mcp_id.is_primary
    assert any(f"MCP ID {mcp_id.value} was generated" in m for m in _messages(response))
    assert mcp_id.value in response.content.decode()
    assert AuditEvent.objects.filter(action="mcp_id.generated").count() == 1

    candidate_client = Client()
    candidate_client.force_login(candidate.user)
    profile = candidate_client.get(reverse("profile")).content.decode()
    assert f"MCP ID {mcp_id.value}" in profile


def test_an_unknown_exam_reference_is_explained(support_client, cheever):
    response = support_client.post(
        reverse("support:mcp_id_generate", args=[cheever.pk]),
        {"exam_reference": "ER-9999-000000", "mct_intent_confirmed": "on"},
        follow=True,
    )
    assert any("No passed exam with reference number" in m for m in _messages(response))


# --- Merging ----------------------------------------------------------------------------------


def test_merge_by_mcp_id_previews_then_merges_after_confirmation(support_client, cheever):
    duplicate = factories.TrainerFactory(first_name="Benjamin", last_name="Cheever")
    factories.McpIdFactory(trainer=duplicate, value="55555555", is_primary=True)
    factories.MembershipFactory(
        trainer=duplicate,
        starts_on=datetime.date(2025, 1, 1),
        anniversary_on=datetime.date(2026, 1, 1),
        status="lapsed",
    )

    start = support_client.post(
        reverse("support:merge_start", args=[cheever.pk]), {"other": "55555555"}
    )
    preview_url = reverse("support:merge", args=[cheever.pk, duplicate.pk])
    assert start["Location"] == preview_url

    preview = support_client.get(preview_url).content.decode()
    assert "55555555" in preview and "cannot be undone" in preview

    unconfirmed = support_client.post(preview_url, {})
    assert "Tick the box to confirm the merge." in unconfirmed.content.decode()
    assert Trainer.objects.filter(pk=duplicate.pk).exists()

    done = support_client.post(preview_url, {"confirm": "on"}, follow=True)
    assert done.redirect_chain[-1][0] == _person_url(cheever)
    assert not Trainer.objects.filter(pk=duplicate.pk).exists()
    assert set(cheever.mcp_ids.values_list("value", flat=True)) == {"98765432", "55555555"}
    assert cheever.memberships.count() == 1
    assert AuditEvent.objects.filter(action="trainer.merged").count() == 1


def test_merge_start_explains_an_unknown_record(support_client, cheever):
    response = support_client.post(
        reverse("support:merge_start", args=[cheever.pk]), {"other": "#999999"}, follow=True
    )
    assert "No record has that record number or MCP ID." in _messages(response)


def test_a_blocked_merge_shows_why_and_offers_no_button(support_client, cheever):
    other = factories.TrainerFactory()
    for trainer in (cheever, other):
        factories.ApplicationFactory(trainer=trainer, status=ApplicationStatus.AWAITING_PAYMENT)
    page = support_client.get(reverse("support:merge", args=[cheever.pk, other.pk]))
    content = page.content.decode()
    assert "cannot be merged yet" in content
    assert "Merge the records" not in content


# --- Resending a passcode ------------------------------------------------------------------


def test_resend_passcode_from_the_person_page(support_client, cheever, settings):
    settings.PASSCODE_RESEND_COOLDOWN_SECONDS = 0
    passcode_issue(
        user=cheever.user, address="ben@microsoft.example", purpose=PasscodePurpose.MICROSOFT_ALIAS
    )
    email = OutboundEmail.objects.get(role="passcode")
    url = reverse("support:resend_passcode", args=[cheever.pk, email.pk])
    page = support_client.get(_person_url(cheever)).content.decode()
    assert f'action="{url}"' in page

    response = support_client.post(url, follow=True)
    assert "A new passcode is on its way to ben@microsoft.example." in _messages(response)
    assert Passcode.objects.filter(user=cheever.user).count() == 2


def test_resend_passcode_cooldown_is_shown_as_a_message(support_client, cheever, settings):
    settings.PASSCODE_RESEND_COOLDOWN_SECONDS = 3600
    passcode_issue(
        user=cheever.user, address="ben@microsoft.example", purpose=PasscodePurpose.MICROSOFT_ALIAS
    )
    email = OutboundEmail.objects.get(role="passcode")
    response = support_client.post(
        reverse("support:resend_passcode", args=[cheever.pk, email.pk]), follow=True
    )
    assert response.status_code == 200
    assert any("Wait a minute" in m for m in _messages(response))


def test_an_email_of_another_person_cannot_be_resent_through_this_record(support_client, cheever):
    email = factories.OutboundEmailFactory(role="passcode")
    response = support_client.post(reverse("support:resend_passcode", args=[cheever.pk, email.pk]))
    assert response.status_code == 404


# --- Bad input never gives a 500 -----------------------------------------------------------

ODD_QUERIES = [
    "",
    "   ",
    "x",
    "x" * 101,
    "x" * 5000,
    "ab\x00cd",
    "Ça va 😀",
    "ＣＨＥＥＶＥＲ",
    "李小龍",
    "e\u0301" * 40,
    "\u202e\u200b\u200b",
    "%_%",
    "@",
    "a@",
    "'; DROP TABLE enrollment_trainer;--",
    "-" * 50,
    "9" * 40,
    "#1",
]


@pytest.mark.parametrize("query", ODD_QUERIES, ids=range(len(ODD_QUERIES)))
def test_odd_search_queries_give_a_page_not_a_500(support_client, cheever, query):
    for response in (
        _search(support_client, query),
        support_client.get(SEARCH_URL, {"q": query}, follow=True),
    ):
        assert response.status_code == 200
        assert 'name="q"' in response.content.decode()


def test_undecodable_search_bytes_give_a_page_not_a_500(support_client):
    response = support_client.post(
        SEARCH_URL, "q=%ED%A0%80%FF", content_type="application/x-www-form-urlencoded", follow=True
    )
    assert response.status_code == 200


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5", "", "99999", "9" * 30])
def test_a_bad_page_number_shows_a_page_of_results(support_client, cheever, page):
    token = _search(support_client, "Cheever").context["token"]
    response = support_client.get(SEARCH_URL, {"s": token, "page": page})
    assert response.status_code == 200
    assert _person_url(cheever) in response.content.decode()


TOO_BIG = "9" * 25


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/support/people/{missing}/"),
        ("get", "/support/people/{big}/"),
        ("get", "/support/people/{big}/registration/"),
        ("post", "/support/people/{big}/registration/"),
        ("post", "/support/people/{big}/mcp-ids/link/"),
        ("post", "/support/people/{big}/mcp-ids/generate/"),
        ("post", "/support/people/{big}/mcp-ids/{mcp_id}/primary/"),
        ("post", "/support/people/{trainer}/mcp-ids/{big}/primary/"),
        ("post", "/support/people/{missing}/mcp-ids/{mcp_id}/primary/"),
        ("post", "/support/people/{big}/merge/"),
        ("get", "/support/people/{trainer}/merge/{big}/"),
        ("post", "/support/people/{trainer}/merge/{missing}/"),
        ("post", "/support/people/{trainer}/emails/{big}/resend-passcode/"),
    ],
)
def test_a_missing_or_out_of_range_record_is_a_404(support_client, cheever, method, path):
    url = path.format(
        missing=cheever.pk + 1000,
        big=TOO_BIG,
        trainer=cheever.pk,
        mcp_id=cheever.mcp_ids.get().pk,
    )
    assert getattr(support_client, method)(url).status_code == 404


@pytest.mark.parametrize("other", ["", "#", "²", "#²", "#١٢", "#" + "9" * 29, "9" * 29, "a\x00"])
def test_a_bad_merge_target_is_explained(support_client, cheever, other):
    response = support_client.post(
        reverse("support:merge_start", args=[cheever.pk]), {"other": other}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == _person_url(cheever)
    assert _messages(response)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("support:mcp_id_link", {}),
        ("support:mcp_id_link", {"value": "１２３４５６７８"}),
        ("support:mcp_id_link", {"value": "x" * 500}),
        ("support:mcp_id_generate", {}),
        ("support:mcp_id_generate", {"exam_reference": "ＥＲ１２３４５６"}),
        ("support:mcp_id_generate", {"exam_reference": "ab\x00cdef"}),
        ("support:merge_start", {"other": "x" * 500}),
    ],
)
def test_a_bad_form_post_is_explained_and_changes_nothing(support_client, cheever, name, data):
    response = support_client.post(reverse(name, args=[cheever.pk]), data, follow=True)
    assert response.status_code == 200
    assert _messages(response)
    assert list(cheever.mcp_ids.values_list("value", flat=True)) == ["98765432"]


def test_an_empty_registration_post_shows_the_form_again(support_client, cheever):
    response = support_client.post(reverse("support:registration", args=[cheever.pk]), {})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not AuditEvent.objects.filter(action="trainer.registration_updated").exists()
