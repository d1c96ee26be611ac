"""People, their MCP IDs and certifications, memberships, applications, evidence, payments."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from verification.models import private_storage

from .enums import (
    APPLICATION_OPEN,
    DATA_EXPORT_OPEN,
    ERASURE_OPEN,
    MEMBERSHIP_OPEN,
    PAYMENT_LIVE,
    ApplicationPath,
    ApplicationStatus,
    AreaOfExpertise,
    Currency,
    DataExportState,
    EmployerType,
    ErasureState,
    EvidenceKind,
    MembershipStatus,
    PaymentDocumentKind,
    PaymentStatus,
    Program,
    TermsDocument,
    TrainingAudience,
)


def new_verification_code() -> str:
    return secrets.token_urlsafe(16)


class Trainer(models.Model):
    """One per user: the registration data of the MCP ID document's registration dialog."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trainer"
    )
    first_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    company = models.CharField(max_length=200, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=100, blank=True)
    address_1 = models.CharField("Address 1", max_length=200, blank=True)
    address_2 = models.CharField("Address 2", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state_province = models.CharField("State/Province", max_length=100, blank=True)
    postal_code = models.CharField("ZIP/Postal code", max_length=20, blank=True)
    nda_accepted_at = models.DateTimeField("NDA accepted", null=True, blank=True)
    nda_version = models.ForeignKey(
        "TermsVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consent_program_contact = models.BooleanField(
        "Microsoft may contact me about security, product and event information", default=False
    )
    consent_partner_contact = models.BooleanField(
        "Microsoft Partners may contact me about security, product and event information",
        default=False,
    )
    # When each consent was last given or withdrawn, and the wording shown at that moment.
    consent_program_contact_at = models.DateTimeField(null=True, blank=True)
    consent_program_contact_version = models.ForeignKey(
        "TermsVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    consent_partner_contact_at = models.DateTimeField(null=True, blank=True)
    consent_partner_contact_version = models.ForeignKey(
        "TermsVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    area_of_expertise = models.CharField(max_length=32, choices=AreaOfExpertise.choices, blank=True)
    mtm_id = models.CharField("MTM ID", max_length=100, blank=True, db_index=True)
    # The language the trainer chose for pages, emails and PDFs; blank: the browser's.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, blank=True, default="")
    # The unguessable code of the public verification page /verify/<code>/.
    verification_code = models.CharField(
        max_length=32, unique=True, default=new_verification_code, editable=False
    )
    # When support's confirmed erasure removed the personal data (docs/personal-data.md).
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    REGISTRATION_FIELDS = [
        "first_name",
        "middle_name",
        "last_name",
        "email",
        "phone",
        "company",
        "job_title",
        "country",
        "address_1",
        "address_2",
        "city",
        "state_province",
        "postal_code",
    ]

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(Lower("email"), name="trainer_email_lower_idx"),
            models.Index(Lower("last_name"), Lower("first_name"), name="trainer_name_lower_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)


class McpId(models.Model):
    """A Microsoft person ID; a trainer can hold several and one is primary."""

    value = models.CharField("MCP ID", max_length=20, unique=True)
    trainer = models.ForeignKey(
        Trainer, on_delete=models.SET_NULL, null=True, blank=True, related_name="mcp_ids"
    )
    is_primary = models.BooleanField(default=False)
    # The claim secret, kept only as a keyed hash (enrollment/rules/access_codes.py).
    access_code_hash = models.CharField(max_length=64, blank=True, editable=False)
    access_code_issued_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Wrong access codes since the code was issued; at the limit the ID is locked until
    # support issues a new code (services/access_codes.py).
    claim_failures = models.PositiveSmallIntegerField(default=0, db_default=0, editable=False)
    claim_locked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The MOS rule: an ID generated by support is only for a candidate who intends to become
    # an MCT; who confirmed it, and when.
    mct_intent_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    mct_intent_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "MCP ID"
        verbose_name_plural = "MCP IDs"
        ordering = ["-is_primary", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["trainer"], condition=Q(is_primary=True), name="one_primary_mcp_id"
            ),
            models.CheckConstraint(
                condition=Q(is_primary=False) | Q(trainer__isnull=False),
                name="primary_mcp_id_has_trainer",
            ),
        ]

    def __str__(self) -> str:
        return self.value


class ExamResult(models.Model):
    """A passed exam, identified by the reference number printed on the score report."""

    reference_number = models.CharField(max_length=40, unique=True)
    exam_code = models.CharField(max_length=20)
    exam_name = models.CharField(max_length=200, blank=True)
    candidate_first_name = models.CharField(max_length=100, blank=True)
    candidate_last_name = models.CharField(max_length=100, blank=True)
    candidate_email = models.EmailField(blank=True)
    passed_on = models.DateField()
    mcp_id = models.ForeignKey(
        McpId, on_delete=models.SET_NULL, null=True, blank=True, related_name="exam_results"
    )

    class Meta:
        ordering = ["-passed_on"]
        # The admin's order (passed_on, then id, both descending).
        indexes = [models.Index(fields=["passed_on", "id"], name="exam_result_passed_idx")]

    def __str__(self) -> str:
        return f"{self.exam_code} ({self.reference_number})"


class McpIdClaimAttempt(models.Model):
    """One try of a trainer to link an MCP ID with its access code (issue 9).

    Wrong tries count against the trainer (a daily limit) whether or not the ID exists, so
    the limit cannot be dodged by guessing IDs; the ID's own counter lives on McpId.
    """

    trainer = models.ForeignKey(Trainer, on_delete=models.CASCADE, related_name="claim_attempts")
    value = models.CharField("MCP ID entered", max_length=20)
    succeeded = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["trainer", "succeeded", "created_at"], name="claim_attempt_idx"),
            models.Index(fields=["value"], name="claim_attempt_value_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.value} by {self.trainer_id} ({'ok' if self.succeeded else 'wrong'})"


class DuplicateClaimFlag(models.Model):
    """A trainer proved they hold the access code of an MCP ID linked to another record:
    possibly one person with two accounts. Support checks and merges, or dismisses."""

    mcp_id = models.ForeignKey(McpId, on_delete=models.CASCADE, related_name="duplicate_flags")
    claimant = models.ForeignKey(Trainer, on_delete=models.CASCADE, related_name="+")
    holder = models.ForeignKey(
        Trainer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mcp_id", "claimant"],
                condition=Q(handled_at__isnull=True),
                name="one_open_duplicate_flag",
            )
        ]

    def __str__(self) -> str:
        return f"MCP ID {self.mcp_id} claimed by #{self.claimant_id}"


class Feedback(models.Model):
    """A message left on the help page, signed in or not; support marks it handled."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    topic = models.CharField(max_length=32, blank=True)
    message = models.TextField()
    page = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name_plural = "feedback"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["handled_at", "created_at"], name="feedback_open_idx")]

    def __str__(self) -> str:
        return f"Feedback #{self.pk} ({self.created_at:%Y-%m-%d})"


class Certification(models.Model):
    """Catalog: a certification, and whether it qualifies a trainer for the MCT program."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    # Technical, role-based, Associate or Expert level certifications qualify.
    qualifies_for_mct = models.BooleanField(default=False)
    level = models.CharField(max_length=20, blank=True)
    retired = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EarnedCertification(models.Model):
    mcp_id = models.ForeignKey(McpId, on_delete=models.CASCADE, related_name="certifications")
    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="+")
    earned_on = models.DateField()

    class Meta:
        ordering = ["-earned_on"]
        indexes = [models.Index(fields=["earned_on", "id"], name="earned_cert_date_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["mcp_id", "certification"], name="unique_earned_certification"
            )
        ]

    def __str__(self) -> str:
        return f"{self.certification} ({self.mcp_id})"


class CredentialType(models.Model):
    """Catalog: instructional-skills credentials accepted as proof."""

    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerOrganization(models.Model):
    """Directory of Microsoft partners; their employees prove affiliation by email domain."""

    partner_id = models.CharField("Partner ID", max_length=20, unique=True)
    name = models.CharField(max_length=200)
    email_domains = models.JSONField(
        default=list, help_text='Registered email domains, e.g. ["contoso.com"]'
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.partner_id})"


class ImagineAcademyMember(models.Model):
    membership_id = models.CharField("Membership ID", max_length=20, unique=True)
    institution = models.CharField(max_length=200)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["institution"]

    def __str__(self) -> str:
        return f"{self.institution} ({self.membership_id})"


class MtmTrainingRecord(models.Model):
    """A course delivery imported from a Metrics That Matter export."""

    mtm_id = models.CharField("MTM ID", max_length=100)
    course_name = models.CharField(max_length=200)
    course_id = models.CharField(max_length=50, blank=True)
    delivered_on = models.DateField()
    number_of_students = models.PositiveIntegerField(default=0)
    # Not every MTM export carries the survey score; without one the delivery still counts.
    average_score = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["-delivered_on"]
        indexes = [
            models.Index(fields=["mtm_id", "delivered_on"], name="mtm_delivery_idx"),
            models.Index(fields=["delivered_on", "id"], name="mtm_delivered_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["mtm_id", "course_id", "delivered_on"], name="unique_mtm_delivery"
            ),
            models.CheckConstraint(
                condition=Q(average_score__gte=0) & Q(average_score__lte=10),
                name="mtm_score_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course_name} on {self.delivered_on}"


class Membership(models.Model):
    """One membership year in a program; renewals add a row, so history is kept."""

    trainer = models.ForeignKey(Trainer, on_delete=models.CASCADE, related_name="memberships")
    program = models.CharField(max_length=8, choices=Program.choices)
    status = models.CharField(
        max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )
    starts_on = models.DateField()
    anniversary_on = models.DateField()
    application = models.ForeignKey(
        "Application", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Reminder days already sent for this year (e.g. [90, 60]): each is sent once.
    reminders_sent = models.JSONField(default=list, blank=True)
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        indexes = [
            models.Index(fields=["status", "anniversary_on"], name="membership_due_idx"),
            # The admin's order, unfiltered and filtered by status; its anniversary filter.
            models.Index(fields=["starts_on", "id"], name="membership_start_idx"),
            models.Index(fields=["status", "starts_on", "id"], name="membership_status_start_idx"),
            models.Index(fields=["anniversary_on"], name="membership_anniversary_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["trainer", "program"],
                condition=Q(status__in=MEMBERSHIP_OPEN),
                name="one_open_membership_per_program",
            ),
            models.CheckConstraint(
                condition=Q(anniversary_on__gt=models.F("starts_on")),
                name="membership_anniversary_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_program_display()} {self.starts_on}–{self.anniversary_on}"


class TermsVersion(models.Model):
    """A published version of a program agreement; acceptance records which one."""

    document = models.CharField(max_length=32, choices=TermsDocument.choices)
    version = models.CharField(max_length=20)
    text = models.TextField()
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["document", "-published_at"]
        constraints = [
            models.UniqueConstraint(fields=["document", "version"], name="unique_terms_version")
        ]

    def __str__(self) -> str:
        return f"{self.get_document_display()} v{self.version}"


class Application(models.Model):
    """A trainer's application on one path, from draft to approval."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    trainer = models.ForeignKey(Trainer, on_delete=models.CASCADE, related_name="applications")
    path = models.CharField(max_length=16, choices=ApplicationPath.choices)
    status = models.CharField(
        max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    employer_type = models.CharField(max_length=20, choices=EmployerType.choices, blank=True)
    institution_name = models.CharField(max_length=200, blank=True)
    department_name = models.CharField(max_length=200, blank=True)
    imagine_academy = models.ForeignKey(
        ImagineAcademyMember, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    partner = models.ForeignKey(
        PartnerOrganization, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    microsoft_alias = models.CharField(max_length=100, blank=True)
    # The address proven with a passcode (alias@domain, or a partner address).
    verified_email = models.EmailField(blank=True)
    is_microsoft_employee = models.BooleanField(null=True, blank=True)
    area_of_expertise = models.CharField(max_length=32, choices=AreaOfExpertise.choices, blank=True)
    primary_audience = models.CharField(max_length=20, choices=TrainingAudience.choices, blank=True)
    mtm_id = models.CharField("MTM ID", max_length=100, blank=True)
    accepted_terms = models.ManyToManyField(TermsVersion, blank=True, related_name="+")
    terms_accepted_at = models.DateTimeField(null=True, blank=True)
    # Raw form data of the wizard steps, so a draft survives sign-out and another device.
    draft_data = models.JSONField(default=dict, blank=True)
    current_step = models.CharField(max_length=20, blank=True)
    last_activity_at = models.DateTimeField(auto_now_add=True)
    idle_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "last_activity_at"], name="application_idle_idx"),
            # The admin's order, unfiltered and filtered by status or path.
            models.Index(fields=["created_at", "id"], name="application_created_idx"),
            models.Index(fields=["status", "created_at", "id"], name="application_status_idx"),
            models.Index(fields=["path", "created_at", "id"], name="application_path_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["trainer", "path"],
                condition=Q(status__in=APPLICATION_OPEN),
                name="one_open_application_per_path",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_path_display()} — {self.trainer}"


class Evidence(models.Model):
    """What a trainer uploads or declares for an application's requirements."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=32, choices=EvidenceKind.choices)
    # The uploaded file and its review; empty for a declared training waiver.
    document = models.OneToOneField(
        "verification.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
    )
    credential_type = models.ForeignKey(
        CredentialType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    certified_on = models.DateField("Date of certification", null=True, blank=True)
    courses_taught = models.PositiveSmallIntegerField(null=True, blank=True)
    course_name = models.CharField(max_length=200, blank=True)
    taught_on = models.DateField("Date taught", null=True, blank=True)
    number_of_students = models.PositiveIntegerField(null=True, blank=True)
    organization = models.CharField("Company or academic institution", max_length=200, blank=True)
    manager_name = models.CharField(max_length=200, blank=True)
    manager_email = models.EmailField(blank=True)
    # Replaced evidence stays for the record; only the current one counts.
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "evidence"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kind"],
                condition=Q(is_current=True),
                name="one_current_evidence_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.application}"


class Fee(models.Model):
    program = models.CharField(max_length=8, choices=Program.choices)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["program", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["program", "currency"], name="unique_fee"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="fee_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.program} {self.amount} {self.currency}"


class DiscountCode(models.Model):
    code = models.CharField(max_length=40, unique=True)
    percent_off = models.PositiveSmallIntegerField()
    program = models.CharField(max_length=8, choices=Program.choices, blank=True)
    active = models.BooleanField(default=True)
    valid_until = models.DateField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    times_used = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_off__gte=1) & Q(percent_off__lte=100),
                name="discount_percent_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.percent_off}% off)"


class Payment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    status = models.CharField(
        max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    provider = models.CharField(max_length=32)
    reference = models.CharField(max_length=100, blank=True)
    discount_code = models.ForeignKey(
        DiscountCode, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    # Sent as the idempotency key of every request to the provider for this attempt.
    attempt_key = models.UUIDField(default=uuid.uuid4, editable=False)
    # Who the invoice is made out to: entered on the payment page, kept with the payment.
    billing_name = models.CharField(max_length=200, blank=True)
    billing_address = models.TextField(blank=True)
    billing_vat_id = models.CharField("Billing VAT ID", max_length=40, blank=True)
    # The provider's id of the money movement (a Stripe PaymentIntent), for refunds.
    provider_payment_id = models.CharField(max_length=100, blank=True, db_index=True)
    # Where the trainer pays (a hosted checkout page); empty for providers without one.
    redirect_url = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["provider", "reference"], name="payment_reference_idx"),
            # The admin: its order (also filtered by status) and its reference search.
            models.Index(fields=["created_at", "id"], name="payment_created_idx"),
            models.Index(fields=["status", "created_at", "id"], name="payment_status_idx"),
            models.Index(fields=["reference"], name="payment_ref_search_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status__in=PAYMENT_LIVE),
                name="one_live_payment_per_application",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.status})"


class MembershipCredential(models.Model):
    """The Open Badges 3.0 credential of one membership year, kept as it was signed.

    Its place in the status lists follows from its id (enrollment/credentials/bitstring.py),
    so issuing needs no counter and two credentials never share a bit.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    membership = models.OneToOneField(
        Membership, on_delete=models.CASCADE, related_name="credential"
    )
    key_id = models.CharField("signing key", max_length=64)
    token = models.TextField("signed credential (VC-JWT)")
    issued_at = models.DateTimeField()

    class Meta:
        verbose_name = "membership credential"

    def __str__(self) -> str:
        return f"Credential {self.public_id} for {self.membership}"


class DocumentCounter(models.Model):
    """The last number given in a series of documents in one year; locked while a
    number is taken, in the transaction that issues the document, so numbers have no gaps."""

    series = models.CharField(max_length=16)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="one_counter_per_series_year")
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last_number}"


class PaymentDocument(models.Model):
    """An invoice (a receipt once paid) or a credit note of a payment. What it says is
    frozen in `content` when it is issued; the PDF is drawn from it on request."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=16, choices=PaymentDocumentKind.choices)
    number = models.CharField(max_length=32, unique=True)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    issued_on = models.DateField()
    content = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["payment", "kind"], name="one_document_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


def data_export_upload_to(instance: "DataExport", filename: str) -> str:
    return f"exports/{uuid.uuid4().hex}.zip"


class DataExport(models.Model):
    """A zip of everything the portal holds about a trainer (docs/personal-data.md), built by
    a worker, offered until `expires_at`, then deleted."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    trainer = models.ForeignKey(Trainer, on_delete=models.CASCADE, related_name="data_exports")
    state = models.CharField(
        max_length=16, choices=DataExportState.choices, default=DataExportState.REQUESTED
    )
    file = models.FileField(
        storage=private_storage, upload_to=data_export_upload_to, max_length=255, blank=True
    )
    size = models.PositiveBigIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "updated_at"], name="data_export_state_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["trainer"],
                condition=Q(state__in=DATA_EXPORT_OPEN),
                name="one_open_data_export",
            )
        ]

    def __str__(self) -> str:
        return f"Data export {self.public_id} ({self.state})"


class ErasureRequest(models.Model):
    """A trainer asked to delete their account; support confirms (then the personal data is
    erased, docs/personal-data.md) or refuses with a reason."""

    trainer = models.ForeignKey(Trainer, on_delete=models.CASCADE, related_name="erasure_requests")
    state = models.CharField(
        max_length=16, choices=ErasureState.choices, default=ErasureState.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["state", "updated_at"], name="erasure_state_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["trainer"],
                condition=Q(state__in=ERASURE_OPEN),
                name="one_open_erasure_request",
            )
        ]

    def __str__(self) -> str:
        return f"Erasure request #{self.pk} ({self.state})"
