from django.db import models
from django.utils.translation import gettext_lazy as _


class Program(models.TextChoices):
    # Program names: the same in every language, so not marked for translation.
    MCT = "MCT", "Microsoft Certified Trainer"
    ALUMNI = "ALUMNI", "MCT Alumni"


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    IN_RENEWAL = "in_renewal", _("In renewal")
    LAPSED = "lapsed", _("Lapsed")
    ENDED = "ended", _("Ended")
    REVOKED = "revoked", _("Revoked")


MEMBERSHIP_OPEN = (MembershipStatus.ACTIVE, MembershipStatus.IN_RENEWAL)

_M = MembershipStatus
# Where a membership year may go from each state; services refuse anything else. A year is
# never reopened: renewing starts a new row.
MEMBERSHIP_TRANSITIONS: dict[str, set[str]] = {
    _M.ACTIVE: {_M.IN_RENEWAL, _M.LAPSED, _M.ENDED, _M.REVOKED},
    _M.IN_RENEWAL: {_M.ACTIVE, _M.LAPSED, _M.ENDED, _M.REVOKED},
    _M.LAPSED: set(),
    _M.ENDED: set(),
    _M.REVOKED: set(),
}


# What each path is (slug, program, steps, rules...) is in its definition: enrollment.paths.
class ApplicationPath(models.TextChoices):
    NEW = "new", _("Enroll as a new MCT")
    RENEW = "renew", _("Renew MCT membership")
    ALUMNI = "alumni", _("Apply for MCT Alumni")
    ALUMNI_RENEW = "alumni_renew", _("Renew MCT Alumni")
    UPGRADE = "upgrade", _("Upgrade from Alumni")
    REJOIN = "rejoin", _("Rejoin the MCT program")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    ACTION_REQUIRED = "action_required", _("Action required")
    READY = "ready", _("Ready to submit")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    APPROVED = "approved", _("Approved")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    PAYMENT_CANCELLED = "payment_cancelled", _("Payment cancelled")


APPLICATION_OPEN = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.ACTION_REQUIRED,
    ApplicationStatus.READY,
    ApplicationStatus.AWAITING_PAYMENT,
)

_S = ApplicationStatus
# Where an application may go from each state; services refuse anything else.
APPLICATION_TRANSITIONS: dict[str, set[str]] = {
    _S.DRAFT: {_S.IN_REVIEW, _S.ACTION_REQUIRED, _S.READY, _S.WITHDRAWN},
    _S.IN_REVIEW: {_S.ACTION_REQUIRED, _S.READY, _S.DRAFT, _S.WITHDRAWN},
    _S.ACTION_REQUIRED: {_S.IN_REVIEW, _S.READY, _S.DRAFT, _S.WITHDRAWN},
    _S.READY: {
        _S.AWAITING_PAYMENT,
        _S.APPROVED,
        _S.IN_REVIEW,
        _S.ACTION_REQUIRED,
        _S.DRAFT,
        _S.WITHDRAWN,
    },
    _S.AWAITING_PAYMENT: {_S.APPROVED, _S.PAYMENT_CANCELLED},
    _S.APPROVED: set(),
    _S.WITHDRAWN: set(),
    _S.PAYMENT_CANCELLED: set(),
}


class EmployerType(models.TextChoices):
    FTE = "fte", _("Microsoft employee (FTE)")
    IMAGINE_ACADEMY = "imagine_academy", _("Microsoft Imagine Academy")
    ACADEMIC = "academic", _("Academic")
    PARTNER = "partner", _("Microsoft Partner or Action Pack Partner")
    FREELANCER = "freelancer", _("Freelancer (self-employed)")
    GOVERNMENT = "government", _("Government")
    OTHER = "other", _("Other")


# Employer types allowed to renew with a training waiver instead of MTM data.
WAIVER_EMPLOYER_TYPES = (
    EmployerType.FTE,
    EmployerType.IMAGINE_ACADEMY,
    EmployerType.GOVERNMENT,
    EmployerType.ACADEMIC,
)


class TrainingAudience(models.TextChoices):
    DEVELOPER = "developer", _("Developer")
    IT_PROFESSIONAL = "it_professional", _("IT Professional")
    DYNAMICS = "dynamics", _("Microsoft Dynamics")


class AreaOfExpertise(models.TextChoices):
    AZURE = "azure", _("Azure and cloud infrastructure")
    DATA_AI = "data_ai", _("Data and AI")
    SECURITY = "security", _("Security, compliance and identity")
    MODERN_WORK = "modern_work", _("Modern Work and Microsoft 365")
    DYNAMICS = "dynamics", _("Dynamics 365 and Power Platform")
    DEVELOPER = "developer", _("Developer tools and platforms")
    OTHER = "other", _("Other")


class EvidenceKind(models.TextChoices):
    INSTRUCTIONAL_SKILLS = "instructional_skills", _("Proof of instructional skills")
    TRAINING_SUMMARY = "training_summary", _("Training summary or score report")
    TRAINING_WAIVER = "training_waiver", _("Training waiver")


class TermsDocument(models.TextChoices):
    MCT_PROGRAM_GUIDE = "mct_program_guide", _("MCT Program Guide")
    MCT_PROGRAM_AGREEMENT = "mct_program_agreement", _("MCT Program Agreement")
    ALUMNI_PROGRAM_AGREEMENT = "alumni_program_agreement", _("Alumni Program Agreement")
    # Accepted once in the trainer's registration details, not per application.
    NDA = "nda", _("Microsoft Non-Disclosure Agreement")
    CONSENT_PROGRAM_CONTACT = "consent_program_contact", _("Contact by Microsoft (consent text)")
    CONSENT_PARTNER_CONTACT = (
        "consent_partner_contact",
        _("Contact by Microsoft Partners (consent text)"),
    )


class Currency(models.TextChoices):
    USD = "USD", _("US dollar")
    EUR = "EUR", _("Euro")
    GBP = "GBP", _("Pound sterling")
    AUD = "AUD", _("Australian dollar")
    JPY = "JPY", _("Japanese yen")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")
    # The provider was asked to give the money back; its webhook confirms the refund.
    REFUND_PENDING = "refund_pending", _("Refund pending")
    REFUNDED = "refunded", _("Refunded")


# A payment whose money is (or is about to be) taken: at most one per application.
PAYMENT_LIVE = (PaymentStatus.PENDING, PaymentStatus.PAID, PaymentStatus.REFUND_PENDING)

_P = PaymentStatus
# Where a payment may go from each state; every change goes through one service
# (enrollment.services.payments), which checks this map.
PAYMENT_TRANSITIONS: dict[str, set[str]] = {
    _P.PENDING: {_P.PAID, _P.CANCELLED},
    _P.PAID: {_P.REFUND_PENDING, _P.REFUNDED},
    _P.REFUND_PENDING: {_P.REFUNDED},
    _P.CANCELLED: set(),
    _P.REFUNDED: set(),
}


class PaymentDocumentKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class DataExportState(models.TextChoices):
    """A trainer's copy of their data (docs/personal-data.md): built by a worker, offered
    for DATA_EXPORT_DAYS, then deleted."""

    REQUESTED = "requested", _("Being prepared")
    READY = "ready", _("Ready to download")
    EXPIRED = "expired", _("Expired")
    FAILED = "failed", _("Failed")


# A request not yet ready or expired: one at a time per trainer.
DATA_EXPORT_OPEN = (DataExportState.REQUESTED, DataExportState.READY)

_X = DataExportState
DATA_EXPORT_TRANSITIONS: dict[str, set[str]] = {
    _X.REQUESTED: {_X.READY, _X.FAILED, _X.EXPIRED},
    _X.READY: {_X.EXPIRED},
    _X.EXPIRED: set(),
    _X.FAILED: set(),
}


class ErasureState(models.TextChoices):
    """A trainer's request to delete their account, which support confirms or refuses."""

    REQUESTED = "requested", _("Waiting for support")
    CONFIRMED = "confirmed", _("Confirmed: being erased")
    REFUSED = "refused", _("Refused")
    ERASED = "erased", _("Erased")


ERASURE_OPEN = (ErasureState.REQUESTED, ErasureState.CONFIRMED)

_E = ErasureState
ERASURE_TRANSITIONS: dict[str, set[str]] = {
    _E.REQUESTED: {_E.CONFIRMED, _E.REFUSED},
    _E.CONFIRMED: {_E.ERASED},
    _E.REFUSED: set(),
    _E.ERASED: set(),
}
