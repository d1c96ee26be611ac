"""factory-boy factories for every model the tests build."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from enrollment import models as em
from enrollment.enums import (
    ApplicationPath,
    ApplicationStatus,
    EmployerType,
    MembershipStatus,
    Program,
    TrainingAudience,
)
from verification import models as vm
from verification.enums import DocumentKind, DocumentState

PASSWORD = "demo-pass-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Users have a verified primary email address, as allauth requires to sign in."""
        if not create:
            return
        from allauth.account.models import EmailAddress

        self.save()
        EmailAddress.objects.update_or_create(
            user=self,
            email=self.email,
            defaults={"verified": extracted is not False, "primary": True},
        )

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        for name in extracted:
            _add_group(self, name)


def _add_group(user, name: str) -> None:
    user.groups.add(Group.objects.get_or_create(name=name)[0])


class ReviewerFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def reviewer_group(self, create, extracted, **kwargs):
        if create:
            _add_group(self, "Reviewers")


class SupportFactory(UserFactory):
    @factory.post_generation
    def support_group(self, create, extracted, **kwargs):
        if create:
            _add_group(self, "Support")


class TrainerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.Trainer

    user = factory.SubFactory(UserFactory)
    first_name = factory.LazyAttribute(lambda t: t.user.first_name)
    last_name = factory.LazyAttribute(lambda t: t.user.last_name)
    email = factory.LazyAttribute(lambda t: t.user.email)
    country = "United States"
    city = "Provo"
    address_1 = "159 S. 2530 W."
    state_province = "Utah"
    postal_code = "84601"

    @factory.post_generation
    def nda(self, create, extracted, **kwargs):
        """Trainers have accepted the NDA in force (when one is published), as the portal
        asks before any application; `nda=False` leaves it unaccepted."""
        if not create or extracted is False or self.nda_version_id:
            return
        from enrollment.enums import TermsDocument

        current = (
            em.TermsVersion.objects.filter(document=TermsDocument.NDA)
            .order_by("-published_at")
            .first()
        )
        if current is not None:
            self.nda_version = current
            self.nda_accepted_at = timezone.now()
            self.save(update_fields=["nda_version", "nda_accepted_at"])


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.Certification
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"CERT-{n:04d}")
    name = factory.Sequence(lambda n: f"Microsoft Certified: Test Certification {n} Associate")
    qualifies_for_mct = True


class McpIdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.McpId

    value = factory.Sequence(lambda n: str(10_000_000 + n))
    trainer = factory.SubFactory(TrainerFactory)
    is_primary = False


class EarnedCertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.EarnedCertification

    mcp_id = factory.SubFactory(McpIdFactory)
    certification = factory.SubFactory(CertificationFactory)
    earned_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=200))


class ExamResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.ExamResult

    reference_number = factory.Sequence(lambda n: f"ER{7_000_000 + n}")
    exam_code = "AZ-104"
    exam_name = "Microsoft Azure Administrator"
    passed_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))


class CredentialTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.CredentialType
        django_get_or_create = ("name",)

    name = "CompTIA CTT+"


class PartnerOrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.PartnerOrganization

    partner_id = factory.Sequence(lambda n: f"{4_000_000 + n}")
    name = factory.Sequence(lambda n: f"Partner Learning {n}")
    email_domains = factory.LazyAttribute(lambda p: [f"partner{p.partner_id}.example"])
    active = True


class ImagineAcademyMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.ImagineAcademyMember

    membership_id = factory.Sequence(lambda n: f"MIA-{n:05d}")
    institution = factory.Sequence(lambda n: f"Imagine College {n}")


class MtmTrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.MtmTrainingRecord

    mtm_id = "mtm-trainer"
    course_name = "AZ-104T00: Microsoft Azure Administrator"
    course_id = factory.Sequence(lambda n: f"AZ-104T00-{n}")
    delivered_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=60))
    number_of_students = 12
    average_score = Decimal("8.40")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.Membership

    trainer = factory.SubFactory(TrainerFactory)
    program = Program.MCT
    status = MembershipStatus.ACTIVE
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=300))
    anniversary_on = factory.LazyAttribute(lambda m: m.starts_on + datetime.timedelta(days=365))


class TermsVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.TermsVersion
        django_get_or_create = ("document", "version")

    version = "2026.1"
    text = "The terms of the program."
    published_at = factory.LazyFunction(timezone.now)


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.Application

    trainer = factory.SubFactory(TrainerFactory)
    path = ApplicationPath.NEW
    status = ApplicationStatus.DRAFT
    employer_type = EmployerType.FREELANCER
    primary_audience = TrainingAudience.IT_PROFESSIONAL


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = vm.Document

    owner = factory.SubFactory(UserFactory)
    kind = DocumentKind.INSTRUCTIONAL_SKILLS
    state = DocumentState.QUEUED
    original_name = "certificate.pdf"
    content_type = "application/pdf"
    size = 1234
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=4))


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.Evidence

    application = factory.SubFactory(ApplicationFactory)
    kind = "instructional_skills"
    document = factory.SubFactory(
        DocumentFactory, owner=factory.SelfAttribute("..application.trainer.user")
    )


class FeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.Fee
        django_get_or_create = ("program", "currency")

    program = Program.MCT
    currency = "USD"
    amount = Decimal("400.00")


class DiscountCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = em.DiscountCode

    code = factory.Sequence(lambda n: f"CODE{n:03d}")
    percent_off = 25
    program = ""
    active = True


class PaymentFactory(factory.django.DjangoModelFactory):
    """A pending invoice for an application awaiting payment."""

    class Meta:
        model = em.Payment

    application = factory.SubFactory(
        ApplicationFactory,
        status=ApplicationStatus.AWAITING_PAYMENT,
        submitted_at=factory.LazyFunction(timezone.now),
    )
    amount = Decimal("400.00")
    currency = "USD"
    provider = "invoice"
    reference = factory.Sequence(lambda n: f"INV-2026-{n:06d}")


# --- Verification pipeline ------------------------------------------------------------------


def _certificate_pdf() -> bytes:
    from tests.verification.corpus import pdf_bytes

    return pdf_bytes()


def _certificate_pdf_file():
    import io

    return io.BytesIO(_certificate_pdf())


def _certificate_sha256() -> str:
    import hashlib

    return hashlib.sha256(_certificate_pdf()).hexdigest()


class StoredDocumentFactory(DocumentFactory):
    """A document waiting for review whose file really is in private storage."""

    file = factory.django.FileField(filename="certificate.pdf", from_func=_certificate_pdf_file)
    size = factory.LazyFunction(lambda: len(_certificate_pdf()))
    sha256 = factory.LazyFunction(_certificate_sha256)


class OutboundEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = vm.OutboundEmail

    role = "document_approved"
    user = factory.SubFactory(UserFactory)
    to = factory.LazyAttribute(lambda e: e.user.email)
    subject = "Your proof of instructional skills is approved"
    body_text = "Hello,\n\nA reviewer approved your file.\n"
