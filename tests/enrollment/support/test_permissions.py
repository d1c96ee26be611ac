"""Every support URL: anonymous → sign in, trainers and reviewers → 403, support → in."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from enrollment.models import DuplicateClaimFlag, ErasureRequest, Feedback
from enrollment.roles import SUPPORT_GROUP
from enrollment.support import urls as support_urls
from tests import factories
from verification.enums import DocumentState
from verification.services import NotAllowed, document_decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def record():
    """A person with an MCP ID, a duplicate and a passcode email: every URL has a target."""
    trainer = factories.TrainerFactory()
    mcp_id = factories.McpIdFactory(trainer=trainer, is_primary=True)
    other = factories.TrainerFactory()
    email = factories.OutboundEmailFactory(user=trainer.user, role="passcode")
    feedback = Feedback.objects.create(message="Hello support")
    flag = DuplicateClaimFlag.objects.create(mcp_id=mcp_id, claimant=other, holder=trainer)
    erasure = ErasureRequest.objects.create(trainer=factories.TrainerFactory())
    return {
        "erasure": erasure,
        "trainer": trainer,
        "mcp_id": mcp_id,
        "other": other,
        "email": email,
        "feedback": feedback,
        "flag": flag,
    }


# (URL name, its kwargs from the record, HTTP method)
SUPPORT_URLS = [
    ("support:search", lambda r: {}, "get"),
    ("support:person", lambda r: {"trainer_id": r["trainer"].pk}, "get"),
    ("support:registration", lambda r: {"trainer_id": r["trainer"].pk}, "get"),
    ("support:registration", lambda r: {"trainer_id": r["trainer"].pk}, "post"),
    ("support:mcp_id_link", lambda r: {"trainer_id": r["trainer"].pk}, "post"),
    ("support:mcp_id_generate", lambda r: {"trainer_id": r["trainer"].pk}, "post"),
    (
        "support:mcp_id_make_primary",
        lambda r: {"trainer_id": r["trainer"].pk, "mcp_id": r["mcp_id"].pk},
        "post",
    ),
    ("support:merge_start", lambda r: {"trainer_id": r["trainer"].pk}, "post"),
    (
        "support:merge",
        lambda r: {"trainer_id": r["trainer"].pk, "absorb_id": r["other"].pk},
        "get",
    ),
    (
        "support:merge",
        lambda r: {"trainer_id": r["trainer"].pk, "absorb_id": r["other"].pk},
        "post",
    ),
    (
        "support:resend_passcode",
        lambda r: {"trainer_id": r["trainer"].pk, "email_id": r["email"].pk},
        "post",
    ),
    ("support:inbox", lambda r: {}, "get"),
    ("support:feedback_handled", lambda r: {"feedback_id": r["feedback"].pk}, "post"),
    ("support:duplicate_flag_handled", lambda r: {"flag_id": r["flag"].pk}, "post"),
    ("support:access_code_reissue", lambda r: {"trainer_id": r["trainer"].pk}, "post"),
    ("support:erasure_requests", lambda r: {}, "get"),
    ("support:erasure_confirm", lambda r: {"request_id": r["erasure"].pk}, "post"),
    ("support:erasure_refuse", lambda r: {"request_id": r["erasure"].pk}, "post"),
]
URL_IDS = [f"{method.upper()} {name}" for name, _kwargs, method in SUPPORT_URLS]


def _request(client, record, name, kwargs, method):
    url = reverse(name, kwargs=kwargs(record))
    return url, getattr(client, method)(url)


@pytest.mark.parametrize(("name", "kwargs", "method"), SUPPORT_URLS, ids=URL_IDS)
def test_anonymous_visitors_are_sent_to_sign_in(client, record, name, kwargs, method):
    _url, response = _request(client, record, name, kwargs, method)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(("name", "kwargs", "method"), SUPPORT_URLS, ids=URL_IDS)
def test_trainers_get_403(client, record, name, kwargs, method):
    client.force_login(factories.TrainerFactory().user)
    _url, response = _request(client, record, name, kwargs, method)
    assert response.status_code == 403


@pytest.mark.parametrize(("name", "kwargs", "method"), SUPPORT_URLS, ids=URL_IDS)
def test_reviewers_get_403(client, record, reviewer, name, kwargs, method):
    client.force_login(reviewer)
    _url, response = _request(client, record, name, kwargs, method)
    assert response.status_code == 403


@pytest.mark.parametrize(("name", "kwargs", "method"), SUPPORT_URLS, ids=URL_IDS)
def test_support_gets_in(client, record, support_user, name, kwargs, method):
    client.force_login(support_user)
    _url, response = _request(client, record, name, kwargs, method)
    assert response.status_code in (200, 302)
    if response.status_code == 302:  # a POST without valid data goes back, never to sign in
        assert not response["Location"].startswith(reverse("account_login"))


def test_every_support_url_is_checked_above():
    names = {f"support:{pattern.name}" for pattern in support_urls.urlpatterns}
    assert names == {name for name, _kwargs, _method in SUPPORT_URLS}


@pytest.mark.parametrize("role", ["trainer", "reviewer"])
def test_the_support_console_is_not_in_their_navigation(client, role):
    user = factories.TrainerFactory().user if role == "trainer" else factories.ReviewerFactory()
    client.force_login(user)
    response = client.get(reverse("profile"))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("support:search") not in page and "Support console" not in page


def test_the_support_console_is_in_supports_navigation(client, support_user):
    client.force_login(support_user)
    response = client.get(reverse("support:search"))
    assert f'href="{reverse("support:search")}" aria-current="page"' in response.content.decode()


def test_support_cannot_approve_evidence_even_with_admin_access(client, support_user):
    """The Support group holds no permission; a support agent made staff still gets 403
    on the review queue, and the one approval service refuses them."""
    assert not Group.objects.get(name=SUPPORT_GROUP).permissions.exists()
    support_user.is_staff = True
    support_user.save()
    document = factories.EvidenceFactory().document
    assert document.state == DocumentState.QUEUED
    client.force_login(support_user)

    assert client.get("/admin/verification/document/").status_code == 403
    change_url = f"/admin/verification/document/{document.pk}/change/"
    assert client.post(change_url, {"decision": "approve"}).status_code == 403
    with pytest.raises(NotAllowed):
        document_decide(document=document, by=support_user, approve=True)
    document.refresh_from_db()
    assert document.state == DocumentState.QUEUED
