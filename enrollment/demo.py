"""Demo data for the embedded default (docs/spec.md §10): catalogs and twelve accounts.

Every record is looked up by its natural key before it is created, so loading twice
changes nothing. Dates are relative to the day of the first load.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from .credentials.services import credentials_issue_missing
from .enums import (
    ApplicationPath,
    ApplicationStatus,
    EmployerType,
    MembershipStatus,
    Program,
    TermsDocument,
    TrainingAudience,
)
from .models import (
    Application,
    Certification,
    CredentialType,
    EarnedCertification,
    ExamResult,
    Fee,
    ImagineAcademyMember,
    McpId,
    Membership,
    MtmTrainingRecord,
    PartnerOrganization,
    TermsVersion,
    Trainer,
)
from .roles import REVIEWERS_GROUP, SUPPORT_GROUP
from .rules.access_codes import access_code_hash
from .rules.memberships import add_years

DEMO_PASSWORD = "demo-pass-123"  # noqa: S105  (published in the README; refused with DEBUG off)
# The demo staff accounts' TOTP secret (README): add it to an authenticator app, or run
# `python -c "import pyotp; print(pyotp.TOTP('MCTDEMO2FASTAFFSECRETKEYFORDEMO2').now())"`.
DEMO_STAFF_TOTP_SECRET = "MCTDEMO2FASTAFFSECRETKEYFORDEMO2"  # noqa: S105  (published, demo only)

# (code, name, qualifies for MCT, retired)
CERTIFICATIONS = [
    ("AZ-104", "Microsoft Certified: Azure Administrator Associate", True, False),
    ("AZ-204", "Microsoft Certified: Azure Developer Associate", True, False),
    ("AZ-305", "Microsoft Certified: Azure Solutions Architect Expert", True, False),
    ("AZ-500", "Microsoft Certified: Azure Security Engineer Associate", True, False),
    ("AZ-400", "Microsoft Certified: DevOps Engineer Expert", True, False),
    ("AI-102", "Microsoft Certified: Azure AI Engineer Associate", True, False),
    ("DP-203", "Microsoft Certified: Azure Data Engineer Associate", True, False),
    ("MS-102", "Microsoft 365 Certified: Administrator Expert", True, False),
    ("PL-200", "Microsoft Certified: Power Platform Functional Consultant Associate", True, False),
    (
        "MB-310",
        "Microsoft Certified: Dynamics 365 Finance Functional Consultant Associate",
        True,
        False,
    ),
    ("SC-300", "Microsoft Certified: Identity and Access Administrator Associate", True, False),
    ("AZ-900", "Microsoft Certified: Azure Fundamentals", False, False),
    ("MO-101", "Microsoft Office Specialist: Word Expert (Office 2019)", False, False),
    ("MCSE-CPI", "MCSE: Cloud Platform and Infrastructure", True, True),
]

CREDENTIAL_TYPES = [
    "CompTIA CTT+",
    "CEGOS Group",
    "Microsoft Certified Educator",
    "Certified Technical Trainer (CTT+) equivalent",
    "Teaching degree or national teaching certificate",
]

# (partner ID, name, registered email domains, active)
PARTNERS = [
    ("4100001", "Contoso Learning", ["contoso-learning.example"], True),
    (
        "4100002",
        "Fabrikam Training Services",
        ["fabrikam.example", "fabrikam-training.example"],
        True,
    ),
    ("4100003", "Northwind Academy", ["northwind.example"], True),
    ("4100004", "Tailspin Skills (former partner)", ["tailspin.example"], False),
]

IMAGINE_ACADEMY_MEMBERS = [
    ("MIA-10001", "Tempe Union High School District"),
    ("MIA-10002", "Lakeside Community College"),
    ("MIA-10003", "Riverside Technical Institute"),
]

FEES = {
    Program.MCT: {
        "USD": "400.00",
        "EUR": "370.00",
        "GBP": "320.00",
        "AUD": "600.00",
        "JPY": "60000",
    },
    Program.ALUMNI: {"USD": "50.00", "EUR": "46.00", "GBP": "40.00", "AUD": "75.00", "JPY": "7500"},
}

TERMS = {
    TermsDocument.MCT_PROGRAM_GUIDE: (
        "Your participation in the MCT program is governed by the MCT Program Guide. It "
        "describes the program's requirements: holding a qualifying certification, proving "
        "instructional skills, delivering at least one class each membership year, and "
        "renewing before your anniversary date."
    ),
    TermsDocument.MCT_PROGRAM_AGREEMENT: (
        "By accepting the MCT Program Agreement you agree to abide by its terms and confirm "
        "that you have read and understood it. The proof of instructional skills you provide "
        "is used only to verify your skills and is deleted once the verification is complete."
    ),
    TermsDocument.ALUMNI_PROGRAM_AGREEMENT: (
        "The MCT Alumni Program Agreement lets former and occasional trainers stay connected "
        "to the MCT community. By accepting it you agree to abide by its terms."
    ),
    TermsDocument.NDA: (
        "Information Microsoft shares with you as a member of the program that is marked "
        "confidential, or that a reasonable person would understand to be confidential, stays "
        "confidential: you use it only for your work in the program and do not pass it on. "
        "This obligation continues after your membership ends."
    ),
    TermsDocument.CONSENT_PROGRAM_CONTACT: (
        "Microsoft may use the contact information I have provided to contact me about "
        "important security, product and event information."
    ),
    TermsDocument.CONSENT_PARTNER_CONTACT: (
        "Microsoft Partners may use the contact information I have provided to contact me "
        "about important security, product and event information."
    ),
}

# An MCP ID nobody holds yet, with a published access code: fresh@demo.mct links it.
UNCLAIMED_MCP_ID = "98100001"
UNCLAIMED_ACCESS_CODE = "DEMOC-ODE26"
UNCLAIMED_EXAM = ("ER-2026-000201", "AZ-104", "Microsoft Azure Administrator")


@dataclass(frozen=True)
class DemoAccount:
    email: str
    first_name: str
    last_name: str
    certifications: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    is_staff: bool = False
    is_superuser: bool = False
    # (program, status, anniversary offset in days from today)
    membership: tuple[str, str, int] | None = None
    employer_type: str = ""
    mtm_id: str = ""
    company: str = ""
    extra: dict = field(default_factory=dict)
    # No trainer record: the account of someone who has just signed up (issue 9).
    no_details: bool = False


ACCOUNTS = [
    DemoAccount("new@demo.mct", "Nadia", "Newman", certifications=("AZ-104",)),
    DemoAccount(
        "renew@demo.mct",
        "Ravi",
        "Renner",
        certifications=("AZ-104", "AZ-305"),
        membership=(Program.MCT, MembershipStatus.ACTIVE, 10),
        employer_type=EmployerType.FREELANCER,
        mtm_id="ravi.renner",
    ),
    DemoAccount(
        "renew-upload@demo.mct",
        "Rosa",
        "Uploader",
        certifications=("AZ-204",),
        membership=(Program.MCT, MembershipStatus.ACTIVE, 20),
        employer_type=EmployerType.OTHER,
    ),
    DemoAccount(
        "fte@demo.mct",
        "Felix",
        "Employee",
        certifications=("MS-102",),
        membership=(Program.MCT, MembershipStatus.ACTIVE, 30),
        employer_type=EmployerType.FTE,
        company="Microsoft",
        extra={"microsoft_alias": "felixe", "verified_email": "felixe@microsoft.com"},
    ),
    DemoAccount(
        "lapsed@demo.mct",
        "Lena",
        "Lapsed",
        certifications=("AZ-500",),
        membership=(Program.MCT, MembershipStatus.LAPSED, -60),
        employer_type=EmployerType.ACADEMIC,
        extra={"institution_name": "Tempe Union High School District"},
    ),
    DemoAccount(
        "alumni@demo.mct",
        "Alex",
        "Alumnus",
        certifications=("DP-203",),
        membership=(Program.ALUMNI, MembershipStatus.ACTIVE, 200),
        mtm_id="alex.alumnus",
    ),
    DemoAccount(
        "alumni-renew@demo.mct",
        "Ana",
        "Renewing",
        certifications=("PL-200",),
        membership=(Program.ALUMNI, MembershipStatus.ACTIVE, 15),
    ),
    DemoAccount(
        "partner@demo.mct",
        "Paul",
        "Partner",
        certifications=("AZ-204",),
        company="Contoso Learning",
    ),
    DemoAccount("nocert@demo.mct", "Nico", "Nocert", certifications=("AZ-900", "MO-101")),
    DemoAccount("reviewer@demo.mct", "Rita", "Reviewer", groups=(REVIEWERS_GROUP,), is_staff=True),
    DemoAccount("support@demo.mct", "Sam", "Support", groups=(SUPPORT_GROUP,)),
    DemoAccount("admin@demo.mct", "Ada", "Admin", is_staff=True, is_superuser=True),
    # Signed up and confirmed, nothing else: the portal asks for the details first.
    DemoAccount("fresh@demo.mct", "", "", no_details=True),
]

# Exam results without an MCP ID yet: support generates one from the reference number.
UNLINKED_EXAM_RESULTS = [
    ("ER-2026-000101", "MO-101", "Word Expert (Office 2019)", "Benjamin", "Cheever"),
    ("ER-2026-000102", "AZ-900", "Azure Fundamentals", "Grace", "Hopper"),
]


def load_catalogs(today: datetime.date) -> None:
    for code, name, qualifies, retired in CERTIFICATIONS:
        Certification.objects.get_or_create(
            code=code, defaults={"name": name, "qualifies_for_mct": qualifies, "retired": retired}
        )
    for name in CREDENTIAL_TYPES:
        CredentialType.objects.get_or_create(name=name)
    for partner_id, name, domains, active in PARTNERS:
        PartnerOrganization.objects.get_or_create(
            partner_id=partner_id,
            defaults={"name": name, "email_domains": domains, "active": active},
        )
    for membership_id, institution in IMAGINE_ACADEMY_MEMBERS:
        ImagineAcademyMember.objects.get_or_create(
            membership_id=membership_id, defaults={"institution": institution}
        )
    for program, amounts in FEES.items():
        for currency, amount in amounts.items():
            Fee.objects.get_or_create(
                program=program, currency=currency, defaults={"amount": Decimal(amount)}
            )
    published = timezone.now()
    for document, text in TERMS.items():
        TermsVersion.objects.get_or_create(
            document=document,
            version="2026.1",
            defaults={"text": text, "published_at": published},
        )
    for reference, exam_code, exam_name, first, last in UNLINKED_EXAM_RESULTS:
        ExamResult.objects.get_or_create(
            reference_number=reference,
            defaults={
                "exam_code": exam_code,
                "exam_name": exam_name,
                "candidate_first_name": first,
                "candidate_last_name": last,
                "passed_on": today - datetime.timedelta(days=20),
            },
        )


def _user(account: DemoAccount):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=account.email,
        defaults={
            "email": account.email,
            "first_name": account.first_name,
            "last_name": account.last_name,
            "is_staff": account.is_staff,
            "is_superuser": account.is_superuser,
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=account.email, defaults={"verified": True, "primary": True}
    )
    for name in account.groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    if account.is_staff or account.is_superuser or account.groups:
        _demo_second_factor(user)
    return user


def _demo_second_factor(user) -> None:
    """Staff sign in with a second factor; the demo's share one documented TOTP secret."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_STAFF_TOTP_SECRET)


def _mcp_id_value(index: int) -> str:
    return str(98_000_000 + index)


def _trainer(account: DemoAccount, user, index: int, today: datetime.date) -> Trainer:
    trainer, _ = Trainer.objects.get_or_create(
        user=user,
        defaults={
            "first_name": account.first_name,
            "last_name": account.last_name,
            "email": account.email,
            "company": account.company,
            "country": "United States",
            "city": "Redmond",
            "address_1": "1 Demo Way",
            "state_province": "Washington",
            "postal_code": "98052",
            "mtm_id": account.mtm_id,
            "nda_accepted_at": timezone.now(),
            "nda_version": TermsVersion.objects.filter(document=TermsDocument.NDA)
            .order_by("-published_at")
            .first(),
        },
    )
    if account.certifications:
        mcp_id, _ = McpId.objects.get_or_create(
            value=_mcp_id_value(index), defaults={"trainer": trainer, "is_primary": True}
        )
        for offset, code in enumerate(account.certifications):
            EarnedCertification.objects.get_or_create(
                mcp_id=mcp_id,
                certification=Certification.objects.get(code=code),
                defaults={"earned_on": today - datetime.timedelta(days=400 + 90 * offset)},
            )
    return trainer


def _membership(account: DemoAccount, trainer: Trainer, today: datetime.date) -> None:
    if account.membership is None or trainer.memberships.exists():
        return
    program, status, anniversary_offset = account.membership
    anniversary_on = today + datetime.timedelta(days=anniversary_offset)
    starts_on = add_years(anniversary_on, -1)
    path = ApplicationPath.NEW if program == Program.MCT else ApplicationPath.ALUMNI
    application = Application.objects.create(
        trainer=trainer,
        path=path,
        status=ApplicationStatus.APPROVED,
        employer_type=account.employer_type,
        primary_audience=TrainingAudience.IT_PROFESSIONAL if program == Program.MCT else "",
        mtm_id=account.mtm_id,
        is_microsoft_employee=account.employer_type == EmployerType.FTE,
        submitted_at=timezone.now() - datetime.timedelta(days=365 - anniversary_offset),
        decided_at=timezone.now() - datetime.timedelta(days=365 - anniversary_offset),
        **account.extra,
    )
    Membership.objects.create(
        trainer=trainer,
        program=program,
        status=status,
        starts_on=starts_on,
        anniversary_on=anniversary_on,
        application=application,
        status_changed_at=timezone.now() if status == MembershipStatus.LAPSED else None,
        status_reason="Not renewed by the anniversary date."
        if status == MembershipStatus.LAPSED
        else "",
    )


def _mtm_records(trainer: Trainer, today: datetime.date) -> None:
    if not trainer.mtm_id or trainer.memberships.filter(program=Program.ALUMNI).exists():
        return
    for days_ago, course_id, course_name, students, score in [
        (45, "AZ-104T00", "Microsoft Azure Administrator", 14, "8.60"),
        (160, "AZ-305T00", "Designing Microsoft Azure Infrastructure Solutions", 9, "8.10"),
        (420, "AZ-104T00", "Microsoft Azure Administrator", 11, "7.90"),
    ]:
        MtmTrainingRecord.objects.get_or_create(
            mtm_id=trainer.mtm_id,
            course_id=course_id,
            delivered_on=today - datetime.timedelta(days=days_ago),
            defaults={
                "course_name": course_name,
                "number_of_students": students,
                "average_score": Decimal(score),
            },
        )


@transaction.atomic
def load_demo_data(today: datetime.date | None = None) -> list[str]:
    """Loads catalogs and demo accounts; returns the demo emails."""
    today = today or timezone.localdate()
    load_catalogs(today)
    _unclaimed_mcp_id(today)
    for index, account in enumerate(ACCOUNTS, start=1):
        user = _user(account)
        if account.groups or account.is_superuser or account.no_details:
            continue
        trainer = _trainer(account, user, index, today)
        _membership(account, trainer, today)
        _mtm_records(trainer, today)
    # Demo years are made directly, not through membership_start: sign their credentials.
    credentials_issue_missing()
    return [account.email for account in ACCOUNTS]


def _unclaimed_mcp_id(today: datetime.date) -> None:
    """The MCP ID of the README's demo table, with its exam and certification, held by no
    one. Its access code is set once: a code changed since (by support) stays changed."""
    mcp_id, _ = McpId.objects.get_or_create(
        value=UNCLAIMED_MCP_ID,
        defaults={
            "access_code_hash": access_code_hash(UNCLAIMED_ACCESS_CODE),
            "access_code_issued_at": timezone.now(),
        },
    )
    reference, exam_code, exam_name = UNCLAIMED_EXAM
    ExamResult.objects.get_or_create(
        reference_number=reference,
        defaults={
            "exam_code": exam_code,
            "exam_name": exam_name,
            "passed_on": today - datetime.timedelta(days=45),
            "mcp_id": mcp_id,
        },
    )
    EarnedCertification.objects.get_or_create(
        mcp_id=mcp_id,
        certification=Certification.objects.get(code=exam_code),
        defaults={"earned_on": today - datetime.timedelta(days=45)},
    )
