"""Creates many realistic trainers quickly, for benchmarks of the support search, the admin
lists and (with --documents-waiting / --documents-decided) the review queue.

Rows are generated in chunks (memory stays bounded whatever --trainers is) with primary
keys reserved up front, so a chunk's users, trainers, MCP IDs, exam results, earned
certifications, memberships and applications are linked before anything is written.
PostgreSQL gets each chunk through COPY; other databases through bulk_create.
The same --seed on an empty database gives the same data.
"""

import array
import datetime
import io
import json
import random
import time
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone

from enrollment.enums import (
    ApplicationPath,
    ApplicationStatus,
    EmployerType,
    MembershipStatus,
    Program,
    TrainingAudience,
)
from enrollment.models import (
    Application,
    Certification,
    EarnedCertification,
    ExamResult,
    McpId,
    Membership,
    PartnerOrganization,
    Payment,
    Trainer,
)
from verification.enums import DocumentKind, DocumentState
from verification.models import AuditEvent, Document, OutboundEmail

# An unusable password hash ("!" prefix): scale accounts can never sign in.
UNUSABLE_PASSWORD = "!seed-scale"  # noqa: S105


def _words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = _words(
    """
Aaliyah Aaron Abdul Abigail Adam Adebayo Aditi Adrian Ahmed Aiko Aisha Akira Alejandro Aleksandr
Alessandro Alex Alexander Alice Alina Amanda Amara Amelia Amir Ana Anders Andrea Andrew Ang
Angela Anika Anna Antoine Anton Arjun Astrid Ayumi Babajide Beatriz Ben Benjamin Bianca Björn
Bogdan Brandon Brian Bruno Camila Carlos Carmen Caroline Catherine Chen Chiara Chidi Chloe
Christian Christopher Claire Daniel Daniela David Deepak Diego Dmitri Elena Elif Elizabeth
Emeka Emily Emma Eric Erik Fatima Felipe Fernanda Francesca Francisco Freya Gabriel Gabriela
George Giulia Grace Hannah Hans Haruto Hassan Helen Hiroshi Hugo Ibrahim Ines Ingrid Isabel
Isabella Ivan Jack Jacob James Jan Javier Jennifer Jessica Jin Joao Johan John Jonas Jorge
Jose Joseph Joshua Juan Julia Julian Kaito Karen Karim Katarzyna Kenji Kevin Kofi Laura Lars
Leila Leon Li Liam Lina Lucas Lucia Luis Maria Mariam Mark Marta Martin Mateo Matthew Mei
Michael Miguel Mohammed Nadia Naomi Nathan Nicolas Nikhil Nina Noah Nour Olga Oliver Olivia
Omar Oscar Pablo Patricia Paul Pedro Peter Pierre Priya Rafael Rahul Raj Rebecca Ricardo
Robert Rohan Rosa Ryan Sakura Samuel Sara Sarah Sebastian Sergei Shreya Sofia Sophie Stefan
Sven Takumi Tanvir Thomas Tiago Timothy Tomasz Valentina Victor Wei William Yara Yasmin Yuki
Yusuf Zainab Zara Zoe
"""
)

LAST_NAMES = _words(
    """
Abbott Abe Adeyemi Agarwal Ahmed Akhtar Alvarez Andersen Anderson Andersson Aoki Araújo
Bailey Baker Banerjee Barbieri Barnes Bauer Becker Bennett Bernard Bianchi Bose Brown Bruno
Carter Castillo Chatterjee Chen Cheever Chowdhury Clark Colombo Cooper Costa Cruz Dang Das
Davies Davis Dubois Dumont Eriksson Esposito Evans Fernandes Fernandez Ferrari Fischer Fontaine
Ford Fujita Garcia Gomez Gonzalez Graham Gray Green Gupta Hall Hansen Harris Hayashi Hernandez
Hill Hoffmann Hughes Ibrahim Inoue Ito Jackson Jansen Jensen Johansson Johnson Jones Joshi
Kang Kapoor Kato Keller Khan Kim Kimura King Klein Kobayashi Koch Kowalski Kumar Lambert
Larsen Laurent Lee Lehmann Lewis Li Lim Lindqvist Liu Lopez Martin Martinez Mehta Meyer Miller
Mishra Mitchell Moreau Mori Morris Müller Murphy Nakamura Nair Nguyen Nielsen Nilsson Novak
Nowak Okafor Okonkwo Oliveira Olsen Ortiz Park Patel Pereira Perez Petersen Petrov Phillips
Popescu Ramirez Rao Reddy Reyes Ricci Richter Rivera Roberts Robinson Rodrigues Rodriguez
Romano Rossi Russo Saito Sanchez Santos Sato Schmidt Schneider Schulz Scott Shah Sharma Silva
Singh Smith Sokolov Sousa Suzuki Svensson Takahashi Tanaka Taylor Thomas Thompson Torres Tran
Turner Vandenberg Vargas Verma Wagner Walker Wang Watanabe Weber White Williams Wilson Wong
Wright Wu Yamada Yamamoto Yang Yilmaz Young Zhang Zhao Zimmermann
"""
)

PLACES = [
    # (country, city, state/province, postal code prefix)
    ("United States", "Seattle", "Washington", "981"),
    ("United States", "Provo", "Utah", "846"),
    ("United States", "Austin", "Texas", "787"),
    ("Canada", "Toronto", "Ontario", "M5V"),
    ("United Kingdom", "London", "Greater London", "EC1"),
    ("Germany", "München", "Bayern", "803"),
    ("France", "Lyon", "Auvergne-Rhône-Alpes", "690"),
    ("Spain", "Madrid", "Madrid", "280"),
    ("Italy", "Milano", "Lombardia", "201"),
    ("Netherlands", "Utrecht", "Utrecht", "351"),
    ("Sweden", "Göteborg", "Västra Götaland", "411"),
    ("Poland", "Kraków", "Małopolskie", "300"),
    ("India", "Bengaluru", "Karnataka", "560"),
    ("India", "Pune", "Maharashtra", "411"),
    ("Japan", "Tokyo", "Tokyo", "100"),
    ("Australia", "Sydney", "New South Wales", "200"),
    ("Brazil", "São Paulo", "São Paulo", "010"),
    ("Nigeria", "Lagos", "Lagos", "100"),
    ("South Africa", "Cape Town", "Western Cape", "800"),
    ("Singapore", "Singapore", "", "018"),
]

COMPANIES = [
    "",
    "Contoso Learning",
    "Fabrikam Training",
    "Northwind Academy",
    "Adventure Works",
    "Woodgrove Bank",
    "Tailspin Toys",
    "Litware Inc.",
    "Proseware",
    "Lucerne Publishing",
    "Wingtip Toys",
    "Trey Research",
]
JOB_TITLES = ["", "Trainer", "Technical Trainer", "Consultant", "Instructor", "Cloud Architect"]
EMAIL_DOMAINS = ["example.com", "example.org", "example.net", "mail.example", "corp.example"]
STREETS = ["Main St", "Oak Ave", "Station Rd", "High St", "Lake Dr", "Park Ln", "Elm St"]

SCALE_CERTIFICATIONS = [
    ("AZ-104", "Microsoft Certified: Azure Administrator Associate", True),
    ("AZ-204", "Microsoft Certified: Azure Developer Associate", True),
    ("AZ-305", "Microsoft Certified: Azure Solutions Architect Expert", True),
    ("AZ-500", "Microsoft Certified: Azure Security Engineer Associate", True),
    ("AZ-400", "Microsoft Certified: DevOps Engineer Expert", True),
    ("AI-102", "Microsoft Certified: Azure AI Engineer Associate", True),
    ("DP-203", "Microsoft Certified: Azure Data Engineer Associate", True),
    ("MS-102", "Microsoft 365 Certified: Administrator Expert", True),
    ("PL-200", "Microsoft Certified: Power Platform Functional Consultant Associate", True),
    ("SC-300", "Microsoft Certified: Identity and Access Administrator Associate", True),
    ("AZ-900", "Microsoft Certified: Azure Fundamentals", False),
    ("MO-101", "Microsoft Office Specialist: Word Expert (Office 2019)", False),
]

OPEN_RENEWAL_STATUSES = [
    ApplicationStatus.DRAFT,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.READY,
]
EMPLOYER_TYPES = list(EmployerType.values)
AUDIENCES = list(TrainingAudience.values)
PARTNER_COUNT = 200
REJECTION_REASON = "The scan is unreadable: upload it again."
# Numbers drawn so that each seed owns its own ranges of identifiers.
MCP_ID_BASE = 700_000_000_000
IDS_PER_SEED = 10_000_000


class Chunk:
    """The rows of one chunk, per model, as attribute-name dictionaries, in insertion order."""

    def __init__(self, ids: "IdPool"):
        self.ids = ids
        self.rows: dict[type[models.Model], list[dict]] = {}

    def add(self, model: type[models.Model], row: dict, *, numbered: bool = False) -> dict:
        if numbered:
            row["id"] = self.ids.take(model)
        self.rows.setdefault(model, []).append(row)
        return row


class Command(BaseCommand):
    help = (
        "Creates N realistic trainers (users, MCP IDs, exam results, certifications, "
        "memberships, applications) for benchmarks. DEBUG only; deterministic with --seed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--trainers", type=int, default=0, help="how many trainers")
        parser.add_argument("--seed", type=int, default=1, help="random seed (0-99)")
        parser.add_argument("--chunk-size", type=int, default=5000)
        parser.add_argument(
            "--documents-waiting",
            type=int,
            default=0,
            help="documents waiting for review (rows only: their files are placeholders)",
        )
        parser.add_argument(
            "--documents-decided", type=int, default=0, help="approved or rejected documents"
        )
        parser.add_argument("--audit-events", type=int, default=0, help="audit trail rows")
        parser.add_argument("--outbound-emails", type=int, default=0, help="sent emails")
        parser.add_argument("--payments", type=int, default=0, help="payments of applications")

    def handle(self, *args, trainers: int, seed: int, chunk_size: int, **options):
        waiting, decided = options["documents_waiting"], options["documents_decided"]
        records = {
            AuditEvent: options["audit_events"],
            OutboundEmail: options["outbound_emails"],
            Payment: options["payments"],
        }
        if min(waiting, decided, *records.values()) < 0:
            raise CommandError("Counts cannot be negative.")
        if not trainers and not (waiting or decided or any(records.values())):
            raise CommandError(
                "Give --trainers, --documents-waiting, --documents-decided, --audit-events, "
                "--outbound-emails or --payments."
            )
        if trainers:
            self.create_trainers(trainers=trainers, seed=seed, chunk_size=chunk_size, **options)
        if waiting or decided:
            self.create_documents(
                waiting=waiting, decided=decided, seed=seed, chunk_size=chunk_size, **options
            )
        for model, count in records.items():
            if count:
                self.create_records(model=model, count=count, seed=seed, chunk_size=chunk_size)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Fresh statistics, and the visibility map that index-only scans need
                # (VACUUM cannot run inside a transaction: a test's seeding only analyses).
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")

    def create_documents(
        self, *, waiting: int, decided: int, seed: int, chunk_size: int, **options
    ):
        if not settings.DEBUG:
            raise CommandError("seed_scale refuses to run with DEBUG off.")
        started = time.monotonic()
        owners = array.array(
            "q", get_user_model().objects.order_by("pk").values_list("pk", flat=True).iterator()
        )
        if not owners:
            raise CommandError("Documents need owners: create trainers first (--trainers).")
        generator = DocumentGenerator(seed=seed, owners=owners)
        writer = CopyWriter() if connection.vendor == "postgresql" else BulkWriter()
        ids = IdPool(block=chunk_size, postgres=connection.vendor == "postgresql")
        # Numbered after the documents already there: a second run adds, never collides.
        first = Document.objects.count()
        done, total = 0, waiting + decided
        while done < total:
            size = min(chunk_size, total - done)
            with transaction.atomic():
                chunk = generator.chunk(
                    start=first + done, size=size, waiting=first + waiting, ids=ids
                )
                writer.write(chunk)
            done += size
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {waiting:,} waiting and {decided:,} decided documents in {elapsed:.1f} s."
            )
        )

    def create_records(self, *, model, count: int, seed: int, chunk_size: int) -> None:
        """Rows of the admin's other growing lists (audit events, outbound emails, payments)
        for the people and applications already there."""
        if not settings.DEBUG:
            raise CommandError("seed_scale refuses to run with DEBUG off.")
        started = time.monotonic()
        if model is Payment:
            owners = Application.objects.filter(status=ApplicationStatus.APPROVED)
        else:
            owners = get_user_model().objects.all()
        owner_ids = array.array("q", owners.order_by("pk").values_list("pk", flat=True).iterator())
        if not owner_ids:
            raise CommandError("These rows need people: create trainers first (--trainers).")
        generator = RecordGenerator(seed=seed, owners=owner_ids)
        writer = CopyWriter() if connection.vendor == "postgresql" else BulkWriter()
        ids = IdPool(block=chunk_size, postgres=connection.vendor == "postgresql")
        first = model.objects.count()
        done = 0
        while done < count:
            size = min(chunk_size, count - done)
            with transaction.atomic():
                writer.write(generator.chunk(model=model, start=first + done, size=size, ids=ids))
            done += size
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {count:,} {model._meta.verbose_name_plural} in {elapsed:.1f} s."
            )
        )

    def create_trainers(self, *, trainers: int, seed: int, chunk_size: int, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_scale refuses to run with DEBUG off: it fills the database with "
                "made-up people. Use it on a benchmark database with DJANGO_DEBUG=1."
            )
        if not 0 <= seed < 100:
            raise CommandError("--seed must be between 0 and 99.")
        if not 0 < trainers <= IDS_PER_SEED // 2:
            raise CommandError(f"--trainers must be between 1 and {IDS_PER_SEED // 2}.")
        prefix = f"scale-{seed}-"
        if get_user_model().objects.filter(username__startswith=prefix).exists():
            raise CommandError(
                f"Trainers from seed {seed} already exist; use another --seed or a fresh database."
            )
        verbosity = options.get("verbosity", 1)
        started = time.monotonic()
        generator = ScaleGenerator(seed=seed)
        postgres = connection.vendor == "postgresql"
        writer = CopyWriter() if postgres else BulkWriter()
        ids = IdPool(block=chunk_size, postgres=postgres)
        with transaction.atomic():
            generator.prepare_catalogs()
        done = 0
        while done < trainers:
            size = min(chunk_size, trainers - done)
            with transaction.atomic():
                chunk = generator.chunk(start=done, size=size, ids=ids)
                writer.write(chunk)
            done += size
            if verbosity >= 2 or (verbosity >= 1 and done % (chunk_size * 20) == 0):
                rate = done / max(time.monotonic() - started, 1e-6)
                self.stdout.write(f"  {done:,} trainers ({rate:,.0f}/s)")
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"Created {trainers:,} trainers (seed {seed}) in {elapsed:.1f} s.")
        )


class ScaleGenerator:
    def __init__(self, *, seed: int):
        self.seed = seed
        self.today = datetime.date(2026, 6, 1)
        self.epoch = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
        self.certification_ids: list[int] = []
        self.partner_ids: list[int] = []

    def prepare_catalogs(self) -> None:
        for code, name, qualifies in SCALE_CERTIFICATIONS:
            certification, _ = Certification.objects.get_or_create(
                code=code, defaults={"name": name, "qualifies_for_mct": qualifies}
            )
            self.certification_ids.append(certification.pk)
        for number in range(PARTNER_COUNT):
            partner, _ = PartnerOrganization.objects.get_or_create(
                partner_id=f"P{self.seed:02d}{number:05d}",
                defaults={
                    "name": f"{COMPANIES[1 + number % (len(COMPANIES) - 1)]} {number}",
                    "email_domains": [f"partner{self.seed}-{number}.example"],
                },
            )
            self.partner_ids.append(partner.pk)

    def chunk(self, *, start: int, size: int, ids: "IdPool") -> Chunk:
        # One generator per chunk, seeded from (seed, start): same input, same rows.
        rng = random.Random(self.seed * 1_000_003 + start)
        chunk = Chunk(ids)
        User = get_user_model()
        previous = None
        for number in range(start, start + size):
            planted_duplicate = previous is not None and rng.random() < 0.005
            if planted_duplicate:
                first, last = previous["first_name"], previous["last_name"]
            else:
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            local = f"{first}.{last}".lower().replace(" ", "")
            email = f"{local}{number}.{self.seed}@{rng.choice(EMAIL_DOMAINS)}"
            joined = self.epoch - datetime.timedelta(minutes=rng.randrange(8 * 365 * 24 * 60))
            user = chunk.add(
                User,
                {
                    "username": f"scale-{self.seed}-{number}",
                    "email": email,
                    "first_name": first,
                    "last_name": last,
                    "password": UNUSABLE_PASSWORD,
                    "date_joined": joined,
                },
                numbered=True,
            )
            country, city, state, postal_prefix = rng.choice(PLACES)
            trainer = chunk.add(
                Trainer,
                {
                    "user_id": user["id"],
                    "first_name": first,
                    "middle_name": rng.choice(["", "", "", "J", "M", "A"]),
                    "last_name": last,
                    "email": email,
                    "phone": f"+1 555 {rng.randrange(10_000_000):07d}",
                    "company": rng.choice(COMPANIES),
                    "job_title": rng.choice(JOB_TITLES),
                    "country": country,
                    "address_1": f"{rng.randrange(1, 999)} {rng.choice(STREETS)}",
                    "city": city,
                    "state_province": state,
                    "postal_code": f"{postal_prefix}{rng.randrange(100):02d}",
                    "nda_accepted_at": joined,
                    "consent_program_contact": rng.random() < 0.5,
                    "consent_partner_contact": rng.random() < 0.3,
                    "mtm_id": f"MTM-{self.seed}-{number}" if rng.random() < 0.4 else "",
                    "verification_code": f"{rng.getrandbits(128):032x}",
                },
                numbered=True,
            )
            if planted_duplicate:
                # The same person signed up twice: same name, phone and address.
                for name in ("phone", "address_1", "city", "postal_code", "country"):
                    trainer[name] = previous[name]
            previous = trainer
            self._mcp_ids_and_certifications(chunk, rng, trainer, number)
            self._memberships_and_applications(chunk, rng, trainer, joined.date())
        return chunk

    def _mcp_ids_and_certifications(self, chunk, rng, trainer, number) -> None:
        values = [MCP_ID_BASE + self.seed * IDS_PER_SEED + 2 * number]
        if rng.random() < 0.03:  # one person, two MCP IDs
            values.append(values[0] + 1)
        for index, value in enumerate(values):
            mcp_id = chunk.add(
                McpId,
                {"value": str(value), "trainer_id": trainer["id"], "is_primary": index == 0},
                numbered=True,
            )
            for certification_id in rng.sample(self.certification_ids, rng.randint(1, 3)):
                chunk.add(
                    EarnedCertification,
                    {
                        "mcp_id_id": mcp_id["id"],
                        "certification_id": certification_id,
                        "earned_on": self.today - datetime.timedelta(days=rng.randrange(30, 3000)),
                    },
                )
            if rng.random() < 0.5:
                chunk.add(
                    ExamResult,
                    {
                        "reference_number": f"ER-{self.seed:02d}-{value - MCP_ID_BASE:011d}",
                        "exam_code": "AZ-104",
                        "exam_name": "Microsoft Azure Administrator",
                        "candidate_first_name": trainer["first_name"],
                        "candidate_last_name": trainer["last_name"],
                        "candidate_email": trainer["email"],
                        "passed_on": self.today - datetime.timedelta(days=rng.randrange(30, 3000)),
                        "mcp_id_id": mcp_id["id"],
                    },
                )

    def _memberships_and_applications(self, chunk, rng, trainer, joined) -> None:
        roll = rng.random()
        if roll < 0.35:
            return
        starts_on = max(joined, self.today - datetime.timedelta(days=rng.randrange(30, 2000)))
        anniversary_on = starts_on + datetime.timedelta(days=365)
        program = Program.ALUMNI if roll > 0.9 else Program.MCT
        status = MembershipStatus.ACTIVE if anniversary_on > self.today else MembershipStatus.LAPSED
        employer_type = rng.choice(EMPLOYER_TYPES)
        decided_at = self.epoch - (self.today - starts_on)
        approved = chunk.add(
            Application,
            {
                "trainer_id": trainer["id"],
                "path": ApplicationPath.ALUMNI
                if program == Program.ALUMNI
                else ApplicationPath.NEW,
                "status": ApplicationStatus.APPROVED,
                "employer_type": employer_type,
                "partner_id": (
                    rng.choice(self.partner_ids) if employer_type == EmployerType.PARTNER else None
                ),
                "primary_audience": rng.choice(AUDIENCES),
                "mtm_id": trainer["mtm_id"],
                "public_id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "submitted_at": decided_at,
                "decided_at": decided_at,
            },
            numbered=True,
        )
        chunk.add(
            Membership,
            {
                "trainer_id": trainer["id"],
                "program": program,
                "status": status,
                "starts_on": starts_on,
                "anniversary_on": anniversary_on,
                "application_id": approved["id"],
            },
        )
        if status == MembershipStatus.ACTIVE and program == Program.MCT and rng.random() < 0.3:
            chunk.add(
                Application,
                {
                    "trainer_id": trainer["id"],
                    "path": ApplicationPath.RENEW,
                    "status": rng.choice(
                        [
                            ApplicationStatus.DRAFT,
                            ApplicationStatus.IN_REVIEW,
                            ApplicationStatus.READY,
                        ]
                    ),
                    "employer_type": employer_type,
                    "primary_audience": approved["primary_audience"],
                    "public_id": uuid.UUID(int=rng.getrandbits(128), version=4),
                    "current_step": "requirements",
                },
                numbered=True,
            )


class DocumentGenerator:
    """Uploaded documents as rows only (their files are a placeholder path): the waiting
    ones uploaded over the last 30 days, due within ±15 days of today (some overdue), the
    decided ones over three years, 85 % approved."""

    def __init__(self, *, seed: int, owners: array.array):
        self.seed = seed
        self.owners = owners
        self.now = timezone.now()
        self.kinds = list(DocumentKind.values)

    def chunk(self, *, start: int, size: int, waiting: int, ids: "IdPool") -> Chunk:
        rng = random.Random(self.seed * 2_000_003 + start)
        chunk = Chunk(ids)
        today = timezone.localdate()
        for number in range(start, start + size):
            is_waiting = number < waiting
            if is_waiting:
                created = self.now - datetime.timedelta(minutes=rng.randrange(30 * 24 * 60))
                due_on = today + datetime.timedelta(days=rng.randrange(-15, 16))
            else:
                created = self.now - datetime.timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
                due_on = created.date() + datetime.timedelta(days=7)
            row = {
                "public_id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "owner_id": self.owners[rng.randrange(len(self.owners))],
                "kind": rng.choice(self.kinds),
                "state": DocumentState.QUEUED,
                "original_name": f"evidence-{self.seed}-{number}.pdf",
                "file": "scale/placeholder.pdf",
                "content_type": "application/pdf",
                "size": rng.randrange(50_000, 5_000_000),
                "sha256": f"{rng.getrandbits(256):064x}",
                "details": {"Application": "Become an MCT"},
                "scan_verdict": "clean",
                "check_attempts": 1,
                "due_on": due_on,
                "created_at": created,
                "updated_at": created,
            }
            if not is_waiting:
                decided_at = min(
                    self.now, created + datetime.timedelta(minutes=rng.randrange(10 * 24 * 60))
                )
                approved = rng.random() < 0.85
                row |= {
                    "state": DocumentState.APPROVED if approved else DocumentState.REJECTED,
                    "decided_at": decided_at,
                    "decision_reason": "" if approved else REJECTION_REASON,
                    "updated_at": decided_at,
                }
            chunk.add(Document, row, numbered=True)
        return chunk


AUDIT_ACTIONS = [
    ("application.submitted", "application"),
    ("application.approved", "application"),
    ("document.approved", "document"),
    ("document.downloaded", "document"),
    ("membership.started", "membership"),
    ("membership.extended", "membership"),
    ("support.search", "trainer"),
    ("support.person_viewed", "trainer"),
    ("trainer.updated", "trainer"),
]
EMAIL_ROLES = [
    "document_approved",
    "document_rejected",
    "application_approved",
    "membership_renewal_reminder",
    "membership_lapsed",
    "passcode",
]


class RecordGenerator:
    """Audit events, sent emails and payments over the last three years, for random
    existing people (users) or approved applications (payments)."""

    def __init__(self, *, seed: int, owners: array.array):
        self.seed = seed
        self.owners = owners
        self.now = timezone.now()

    def chunk(self, *, model, start: int, size: int, ids: "IdPool") -> Chunk:
        kind = [AuditEvent, OutboundEmail, Payment].index(model)
        rng = random.Random((self.seed * 3 + kind) * 3_000_017 + start)
        chunk = Chunk(ids)
        make = {AuditEvent: self._audit, OutboundEmail: self._email, Payment: self._payment}
        for number in range(start, start + size):
            at = self.now - datetime.timedelta(minutes=rng.randrange(3 * 365 * 24 * 60))
            if model is Payment:  # one live payment per application: each in turn
                owner = self.owners[number % len(self.owners)]
            else:
                owner = self.owners[rng.randrange(len(self.owners))]
            row = make[model](rng, number, owner, at)
            if model is Payment and number >= len(self.owners):
                row["status"] = "cancelled"  # a second round: earlier attempts, not live
            chunk.add(model, row, numbered=True)
        return chunk

    def _audit(self, rng, number, owner, at) -> dict:
        action, object_type = rng.choice(AUDIT_ACTIONS)
        return {
            "actor_id": owner if rng.random() < 0.7 else None,
            "action": action,
            "object_type": object_type,
            "object_id": str(rng.randrange(1, 2_000_000)),
            "subject_user_id": owner,
            "created_at": at,
        }

    def _email(self, rng, number, owner, at) -> dict:
        role = rng.choice(EMAIL_ROLES)
        return {
            "role": role,
            "user_id": owner,
            "to": f"person{owner}.{self.seed}@example.org",
            "subject": role.replace("_", " ").capitalize(),
            "body_text": "Hello,\n\nThis is a message from the MCT Portal.\n",
            "state": "sent",
            "attempts": 1,
            "message_id": f"<{number}.{self.seed}@scale.example>",
            "created_at": at,
            "updated_at": at,
            "sent_at": at,
        }

    def _payment(self, rng, number, owner, at) -> dict:
        card = rng.random() < 0.7
        return {
            "application_id": owner,
            "amount": "400.00",
            "currency": "USD",
            "status": rng.choice(["paid"] * 8 + ["cancelled", "refunded"]),
            "provider": "stripe" if card else "invoice",
            "reference": f"{'PAY' if card else 'INV'}-S{self.seed}-{number:08d}",
            "billing_name": f"Scale payer {owner}",
            "created_at": at,
            "updated_at": at,
            "paid_at": at,
        }


# --- Primary keys and writers ---------------------------------------------------------------


class IdPool:
    """Hands out primary keys reserved in blocks, so rows can refer to each other unsaved."""

    def __init__(self, *, block: int, postgres: bool):
        self.block = block
        self.postgres = postgres
        self.free: dict[type[models.Model], list[int]] = {}
        self.next_after_max: dict[type[models.Model], int] = {}

    def take(self, model: type[models.Model]) -> int:
        free = self.free.setdefault(model, [])
        if not free:
            free.extend(reversed(self._reserve(model)))
        return free.pop()

    def _reserve(self, model) -> list[int]:
        if self.postgres:
            # nextval() is safe against other writers; the numbers left unused are a gap.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [model._meta.db_table, self.block],
                )
                return [row[0] for row in cursor.fetchall()]
        if model not in self.next_after_max:
            highest = model.objects.aggregate(highest=models.Max("pk"))["highest"] or 0
            self.next_after_max[model] = highest + 1
        first = self.next_after_max[model]
        self.next_after_max[model] = first + self.block
        return list(range(first, first + self.block))


class BulkWriter:
    """Any database: rows through bulk_create."""

    def write(self, chunk: Chunk) -> None:
        for model, rows in chunk.rows.items():
            model.objects.bulk_create([model(**row) for row in rows], batch_size=1000)


class CopyWriter:
    """PostgreSQL: rows through COPY, formatted without building model instances."""

    def write(self, chunk: Chunk) -> None:
        now = timezone.now()
        with connection.cursor() as cursor:
            for model, rows in chunk.rows.items():
                fields = [
                    f for f in model._meta.concrete_fields if not f.primary_key or "id" in rows[0]
                ]
                defaults = [_field_default(f, now) for f in fields]
                attnames = [f.attname for f in fields]
                buffer = io.StringIO()
                for row in rows:
                    values = (
                        row[name] if name in row else default()
                        for name, default in zip(attnames, defaults, strict=True)
                    )
                    buffer.write("\t".join(map(_copy_text, values)))
                    buffer.write("\n")
                buffer.seek(0)
                columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
                table = connection.ops.quote_name(model._meta.db_table)
                cursor.cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", buffer)


def _field_default(model_field, now):
    """What an INSERT would store in a column the row does not set."""
    if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
        return lambda: now
    if model_field.has_default():
        return model_field.get_default
    if model_field.null:
        return lambda: None
    return lambda: model_field.get_default()


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, dict | list):
        return json.dumps(value).translate(_COPY_ESCAPES)
    if isinstance(value, datetime.date):  # dates and datetimes
        return value.isoformat()
    return str(value)
