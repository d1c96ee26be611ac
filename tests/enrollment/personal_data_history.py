"""A trainer with a full history (every kind of record the portal holds about a person), for
the data export and erasure tests (docs/personal-data.md)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from enrollment.credentials.services import credential_issue
from enrollment.enums import (
    ApplicationPath,
    ApplicationStatus,
    EvidenceKind,
    MembershipStatus,
    PaymentDocumentKind,
    PaymentStatus,
    TermsDocument,
)
from enrollment.models import Feedback, McpIdClaimAttempt, PaymentDocument
from enrollment.support.services import trainer_update_registration
from tests import factories
from verification.audit import audit
from verification.enums import DocumentState, PasscodePurpose
from verification.models import Passcode


@dataclass
class History:
    """A trainer and the distinctive values of their records: none of them may appear in
    another trainer's export."""

    trainer: object
    markers: list[str] = field(default_factory=list)
    kept_document: object = None
    purged_document: object = None
    payment: object = None
    invoice: object = None
    membership: object = None
    credential: object = None


def full_history(tag: str, *, first: str, last: str, support=None) -> History:
    """Every kind of record: registration data, consents, MCP IDs with exams, certifications,
    memberships with a credential, applications with evidence (one file kept, one purged),
    a payment with its invoice, emails, passcodes, MCP ID claims, help messages and audit
    events (a support edit among them)."""
    now = timezone.now()
    today = timezone.localdate()
    email = f"{first.lower()}.{tag}@example.org"
    user = factories.UserFactory(
        username=f"user-{tag}", email=email, first_name=first, last_name=last
    )
    consent_terms = factories.TermsVersionFactory(
        document=TermsDocument.CONSENT_PROGRAM_CONTACT, version="2026.1"
    )
    trainer = factories.TrainerFactory(
        user=user,
        first_name=first,
        middle_name=f"Middle{tag}",
        last_name=last,
        email=email,
        phone=f"+1-555-{tag}",
        company=f"Company {tag} Ltd",
        job_title=f"Lead trainer {tag}",
        address_1=f"{tag} Harbour Street",
        city=f"City{tag}",
        postal_code=f"PC{tag}",
        mtm_id=f"mtm-{tag}",
        consent_program_contact=True,
        consent_program_contact_at=now,
        consent_program_contact_version=consent_terms,
    )
    primary = factories.McpIdFactory(trainer=trainer, value=f"7{tag}01", is_primary=True)
    second = factories.McpIdFactory(trainer=trainer, value=f"7{tag}02")
    factories.ExamResultFactory(
        mcp_id=primary,
        reference_number=f"ER-{tag}-EXAM",
        candidate_first_name=first,
        candidate_last_name=last,
        candidate_email=email,
    )
    certification = factories.CertificationFactory(
        code=f"AZ-{tag}", name=f"Azure Certification {tag}"
    )
    factories.EarnedCertificationFactory(mcp_id=second, certification=certification)

    factories.MembershipFactory(
        trainer=trainer,
        status=MembershipStatus.LAPSED,
        starts_on=today - datetime.timedelta(days=800),
        anniversary_on=today - datetime.timedelta(days=435),
    )
    membership = factories.MembershipFactory(
        trainer=trainer,
        starts_on=today - datetime.timedelta(days=100),
        anniversary_on=today + datetime.timedelta(days=265),
    )
    credential = credential_issue(membership=membership)

    application = factories.ApplicationFactory(
        trainer=trainer,
        path=ApplicationPath.NEW,
        status=ApplicationStatus.APPROVED,
        institution_name=f"Institute {tag}",
        mtm_id=f"mtm-{tag}",
        submitted_at=now,
        decided_at=now,
    )
    kept = factories.StoredDocumentFactory(
        owner=user, original_name=f"proof-{tag}.pdf", state=DocumentState.QUEUED
    )
    factories.EvidenceFactory(application=application, document=kept)
    purged = factories.DocumentFactory(
        owner=user,
        original_name=f"old-proof-{tag}.pdf",
        state=DocumentState.APPROVED,
        decided_at=now,
        file_deleted_at=now,
    )
    factories.EvidenceFactory(
        application=application,
        document=purged,
        is_current=False,
    )
    factories.EvidenceFactory(
        application=application,
        kind=EvidenceKind.TRAINING_WAIVER,
        document=None,
        manager_name=f"Manager {tag}",
        manager_email=f"manager.{tag}@example.org",
        organization=f"Org {tag}",
    )
    payment = factories.PaymentFactory(
        application=application,
        status=PaymentStatus.PAID,
        paid_at=now,
        reference=f"PAY-{tag}",
        billing_name=f"{first} {last} Billing",
        billing_address=f"{tag} Billing Road",
        billing_vat_id=f"DE{tag}",
        amount=Decimal("400.00"),
    )
    invoice = PaymentDocument.objects.create(
        payment=payment,
        kind=PaymentDocumentKind.INVOICE,
        number=f"INV-{tag}",
        year=today.year,
        sequence=int(tag),
        issued_on=today,
        content={
            "buyer": {
                "name": f"{first} {last} Billing",
                "address": [f"{tag} Billing Road"],
                "vat_id": f"DE{tag}",
                "email": email,
            },
            "amount": "400.00",
            "currency": "USD",
        },
    )
    factories.OutboundEmailFactory(
        user=user, to=email, subject=f"Hello {first}", body_text=f"Dear {first} {last}, ..."
    )
    Passcode.objects.create(
        user=user,
        address=f"alias{tag}@microsoft.com",
        purpose=PasscodePurpose.choices[0][0],
        code_hash="x" * 64,
        expires_at=now + datetime.timedelta(days=120),
    )
    McpIdClaimAttempt.objects.create(trainer=trainer, value=f"7{tag}99")
    Feedback.objects.create(user=user, name=f"{first} {last}", email=email, message=f"Help {tag}")
    audit(actor=user, action="trainer.created", target=trainer, subject_user=user)
    if support is not None:
        trainer_update_registration(trainer=trainer, data={"phone": f"+1-555-{tag}9"}, by=support)
    trainer.refresh_from_db()
    markers = [
        first,
        last,
        email,
        f"Middle{tag}",
        f"Company {tag} Ltd",
        f"{tag} Harbour Street",
        f"mtm-{tag}",
        primary.value,
        second.value,
        f"ER-{tag}-EXAM",
        f"AZ-{tag}",
        str(application.public_id),
        str(kept.public_id),
        str(purged.public_id),
        f"PAY-{tag}",
        f"INV-{tag}",
        f"Manager {tag}",
        f"alias{tag}@microsoft.com",
        str(credential.public_id),
        trainer.verification_code,
    ]
    return History(
        trainer=trainer,
        markers=markers,
        kept_document=kept,
        purged_document=purged,
        payment=payment,
        invoice=invoice,
        membership=membership,
        credential=credential,
    )
