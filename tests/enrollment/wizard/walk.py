"""Helpers for HTTP-level walks through the application wizards (shared with tests/alumni).

Requests run with on-commit callbacks executed, as in production: uploads are checked and
queued, passcode emails are sent, signals reach enrollment.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from enrollment.demo import DEMO_PASSWORD
from enrollment.enums import ApplicationPath, MembershipStatus, Program, TermsDocument
from enrollment.models import Trainer
from enrollment.selectors.applications import prefill_for_path
from enrollment.services.applications import application_begin
from tests import factories
from tests.verification.corpus import pdf_bytes

CODE_RE = re.compile(r"^\s{4}([A-Z0-9]{8})\s*$", re.MULTILINE)


def good_pdf(name: str = "certificate.pdf", text: bytes | None = None) -> SimpleUploadedFile:
    data = pdf_bytes(page_text=text) if text is not None else pdf_bytes()
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def prefix_of(response) -> str:
    return response.context["wizard"]["management_form"].prefix


def text_of(response) -> str:
    """The page as text with tags and repeated whitespace removed (what a person reads)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def passcode_sent_to(mailoutbox, address: str) -> str:
    for message in reversed(mailoutbox):
        if address in message.to:
            match = CODE_RE.search(message.body)
            if match:
                return match.group(1)
    raise AssertionError(f"no passcode email to {address}")


@dataclass
class Walker:
    """A trainer's browser: GET and POST through the wizard, committing like production."""

    client: object
    capture: object
    last: object = field(default=None)

    def get(self, url, **kwargs):
        with self.capture(execute=True):
            self.last = self.client.get(url, **kwargs)
        return self.last

    def post(self, url, data=None, **kwargs):
        with self.capture(execute=True):
            self.last = self.client.post(url, data or {}, **kwargs)
        return self.last

    def step(self, slug: str, step: str, fields: dict, *, extra: dict | None = None):
        """Opens a step page and posts its form (fields without the step prefix)."""
        url = f"/apply/{slug}/{step}/"
        page = self.get(url)
        assert page.status_code == 200, (url, page.status_code, page.get("Location"))
        data = {f"{prefix_of(page)}-current_step": step}
        data.update({f"{step}-{name}": value for name, value in fields.items()})
        data.update(extra or {})
        return self.post(url, data)

    def sign_in(self, email: str, password: str = DEMO_PASSWORD, start: str = "/profile/"):
        """Opens `start` signed out, signs in on the page it sends to, and lands on `start`."""
        self.client.logout()
        page = self.get(start)
        assert page.status_code == 302, (start, page.status_code)
        login_url = page["Location"]
        assert login_url.startswith("/accounts/login/"), login_url
        assert self.get(login_url).status_code == 200
        response = self.post(login_url, {"login": email, "password": password})
        assert response.status_code == 302, text_of(response)[:500]
        assert response["Location"] == start, response["Location"]
        return response


@dataclass(frozen=True)
class DemoData:
    """The embedded demo data (docs/spec.md §10) as `seed_demo` loads it, looked up by email."""

    emails: tuple[str, ...]

    def user(self, email: str):
        assert email in self.emails, email
        return get_user_model().objects.get(email=email)

    def trainer(self, email: str) -> Trainer:
        return Trainer.objects.get(user=self.user(email))

    @property
    def reviewer(self):
        return self.user("reviewer@demo.mct")


def approve_through_admin(client, capture, reviewer, documents) -> None:
    """A reviewer approves documents with the review queue's bulk action."""
    client.force_login(reviewer)
    with capture(execute=True):
        response = client.post(
            "/admin/verification/document/",
            {
                "action": "approve_selected",
                "_selected_action": [str(d.pk) for d in documents],
                "index": "0",
            },
        )
    assert response.status_code == 302, response.content[:500]


def publish_terms() -> dict:
    return {
        doc: factories.TermsVersionFactory(
            document=doc, version="2026.1", text=f"The text of the {doc.label}."
        )
        for doc in APPLICATION_DOCUMENTS
    }


# The documents accepted on the Terms step; the NDA and the consents belong to the
# trainer's own details (tests/enrollment/services/test_onboarding.py).
APPLICATION_DOCUMENTS = [
    TermsDocument.MCT_PROGRAM_GUIDE,
    TermsDocument.MCT_PROGRAM_AGREEMENT,
    TermsDocument.ALUMNI_PROGRAM_AGREEMENT,
]


def qualified_trainer(**kwargs):
    """A trainer with one qualifying certification on a primary MCP ID."""
    trainer = factories.TrainerFactory(**kwargs)
    mcp = factories.McpIdFactory(trainer=trainer, is_primary=True)
    factories.EarnedCertificationFactory(
        mcp_id=mcp,
        certification=factories.CertificationFactory(
            code="AZ-104-CERT", name="Microsoft Certified: Azure Administrator Associate"
        ),
    )
    return trainer


def membership(trainer, *, program=Program.MCT, anniversary_in_days: int, status=None):
    today = timezone.localdate()
    anniversary = today + datetime.timedelta(days=anniversary_in_days)
    if status is None:
        status = MembershipStatus.ACTIVE if anniversary > today else MembershipStatus.LAPSED
    return factories.MembershipFactory(
        trainer=trainer,
        program=program,
        status=status,
        starts_on=anniversary - datetime.timedelta(days=365),
        anniversary_on=anniversary,
    )


def approved_application(trainer, path=ApplicationPath.NEW, **kwargs):
    return factories.ApplicationFactory(
        trainer=trainer,
        path=path,
        status="approved",
        decided_at=timezone.now() - datetime.timedelta(days=300),
        **kwargs,
    )


def pay_with_test_card(walker, application, currency: str = "USD"):
    """Pays the fee on the payment page with the test card provider's accepting card."""
    url = f"/apply/pay/{application.public_id}/"
    page = walker.get(url)
    assert page.status_code == 200, (page.status_code, page.get("Location"))
    return walker.post(
        url,
        {
            "currency": currency,
            "discount_code": "",
            "provider": "test_card",
            "card_number": "4242 4242 4242 4242",
            "expiry": "08/39",
            "cvc": "123",
            "billing_name": "Demo Trainer",
            "billing_address": "1 Example Street\nSeattle, WA 98101",
        },
    )


def start_draft(trainer, path=ApplicationPath.NEW):
    """The draft a wizard's first valid POST starts (opening a wizard starts none)."""
    return application_begin(
        trainer=trainer,
        path=path,
        by=trainer.user,
        initial=prefill_for_path(trainer=trainer, path=path),
    )
