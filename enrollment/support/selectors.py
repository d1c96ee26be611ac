"""The support console's reads: the person search, possible duplicates, a person's page.

One box finds trainers by name (typo-tolerant), email (exact or prefix), MCP ID, exam
reference number, MTM ID and partner ID. Every lookup is an indexed query: identifiers
through unique or btree indexes, emails through lower(email) prefix indexes, names through
btree name indexes (exact spellings), a trigram-indexed vocabulary of distinct names (one
misspelt word) and a pg_trgm GIN index on the full name (several words), all from
migration 0002_support_search. Other databases get a prefix-and-rescore fallback.
See benchmarks/README.md for the figures on a million trainers.
"""

import difflib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Prefetch, Q
from django.db.models.functions import Lower

from verification.models import AuditEvent, OutboundEmail, Passcode

from ..models import (
    Application,
    EarnedCertification,
    Evidence,
    ExamResult,
    McpId,
    Membership,
    PartnerOrganization,
    Trainer,
)

MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 100
# Support refines a search rather than paging through thousands of namesakes.
MAX_RESULTS = 200
# pg_trgm strict word similarity each typed word must reach: "chever" → "cheever" is 0.67,
# "jonson" → "johnson" 0.5, while "chever" → "chen" is 0.36.
NAME_SIMILARITY_THRESHOLD = 0.4
MAX_NAME_WORDS = 4
# pg_trgm similarity a spelling in the name vocabulary must reach for a one-word query:
# "smyth" → "smith" is 0.33, "fujta" → "fujita" 0.44, "caretr" → "carter" 0.27.
NAME_WORD_SIMILARITY = 0.25
VOCABULARY_CANDIDATES = 20
# Edit similarity (difflib ratio) a spelling must reach: "caretr" → "carter" is 0.67.
MIN_SPELLING_SCORE = 0.6
# Trainers checked for look-alikes per query; a result page is one batch.
DUPLICATE_BATCH = 25
# Distinct lower-cased first and last names, kept by a trigger (migration 0002).
NAME_WORD_TABLE = "enrollment_search_name_word"
# The indexed expression of migration 0002_support_search; the two must stay identical.
SEARCH_NAME_SQL = "lower(first_name || ' ' || last_name)"
# How many name candidates the fallback rescores in Python.
FALLBACK_CANDIDATES = 2000

MATCHED_ON_MCP_ID = "MCP ID"
MATCHED_ON_EXAM = "Exam reference"
MATCHED_ON_MTM = "MTM ID"
MATCHED_ON_PARTNER = "Partner ID"
MATCHED_ON_EMAIL = "Email"
MATCHED_ON_NAME = "Name"

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class SearchHit:
    trainer_id: int
    score: float
    matched_on: str


@dataclass
class SearchOutcome:
    query: str
    hits: list[SearchHit]
    # Passed exams found by reference number that no MCP ID is linked to yet.
    unlinked_exam_results: list[ExamResult] = field(default_factory=list)

    @property
    def truncated(self) -> bool:
        return len(self.hits) >= MAX_RESULTS


@dataclass
class SearchRow:
    """What a result line shows: the minimum needed to tell people apart."""

    trainer: Trainer
    matched_on: str
    score: float
    primary_mcp_id: str
    mcp_id_count: int
    duplicate_ids: list[int]

    @property
    def masked_email(self) -> str:
        return mask_email(self.trainer.email)

    @property
    def has_several_mcp_ids(self) -> bool:
        return self.mcp_id_count > 1

    @property
    def possible_duplicate(self) -> bool:
        return bool(self.duplicate_ids) or self.has_several_mcp_ids


KIND_IDENTIFIER = "identifier"
KIND_EMAIL = "email"
KIND_NAME = "name"
# Letters, with the apostrophes, hyphens and dots that names hold: O'Brien, Jean-Luc.
_NAME_WORD = re.compile(r"^[^\W\d_]+(?:['’.-][^\W\d_]+)*\.?$")
_EMAIL_LOCAL_PART = re.compile(r"^[\w.+-]+$")


def query_kinds(query: str) -> set[str]:
    """Which lookups a query deserves; each one costs a query, so only the plausible ones.

    "a@b" is an email; one word of letters is a name (and maybe an identifier); one token
    with digits is an identifier; one token like "first.last" is the start of an email;
    several words are a name.
    """
    if "@" in query:
        return {KIND_EMAIL}
    words = query.split()
    if len(words) > 1:
        return {KIND_NAME}
    if _NAME_WORD.match(query) and "." not in query:
        return {KIND_NAME, KIND_IDENTIFIER}
    kinds = {KIND_IDENTIFIER}
    if any(ch in query for ch in "._+") and _EMAIL_LOCAL_PART.match(query):
        kinds.add(KIND_EMAIL)
    return kinds


def normalise_query(query: str) -> str:
    return _SPACES.sub(" ", query or "").strip()[:MAX_QUERY_LENGTH]


def mask_email(email: str) -> str:
    local, at, domain = (email or "").partition("@")
    if not at:
        return email
    return f"{local[:1]}{'•' * min(max(len(local) - 1, 1), 6)}@{domain}"


def trainer_search(*, query: str, limit: int = MAX_RESULTS) -> SearchOutcome:
    """Ranked hits for one search box: best match first, each trainer once."""
    query = normalise_query(query)
    outcome = SearchOutcome(query=query, hits=[])
    if len(query) < MIN_QUERY_LENGTH:
        return outcome
    kinds = query_kinds(query)
    hits: list[SearchHit] = []
    if KIND_IDENTIFIER in kinds:
        hits += _by_mcp_id(query)
        exam_hits, outcome.unlinked_exam_results = _by_exam_reference(query)
        hits += exam_hits
        hits += _by_mtm_id(query, limit)
        hits += _by_partner_id(query, limit)
    if KIND_EMAIL in kinds:
        hits += _by_email(query, limit)
    if KIND_NAME in kinds:
        hits += _by_name(query, limit)
    best: dict[int, SearchHit] = {}
    for hit in hits:  # already in rank order within each key; the best score wins
        if hit.trainer_id not in best or hit.score > best[hit.trainer_id].score:
            best[hit.trainer_id] = hit
    outcome.hits = sorted(best.values(), key=lambda h: -h.score)[:limit]
    return outcome


# --- One lookup per key ----------------------------------------------------------------------


def _by_mcp_id(query: str) -> list[SearchHit]:
    trainer_ids = McpId.objects.filter(value=query, trainer__isnull=False).values_list(
        "trainer_id", flat=True
    )
    return [SearchHit(pk, 1.0, MATCHED_ON_MCP_ID) for pk in trainer_ids]


def _by_exam_reference(query: str) -> tuple[list[SearchHit], list[ExamResult]]:
    reference = query.upper()
    results = list(
        ExamResult.objects.filter(reference_number=reference).select_related("mcp_id")[:5]
    )
    hits = [
        SearchHit(r.mcp_id.trainer_id, 1.0, MATCHED_ON_EXAM)
        for r in results
        if r.mcp_id is not None and r.mcp_id.trainer_id is not None
    ]
    unlinked = [r for r in results if r.mcp_id is None]
    return hits, unlinked


def _by_mtm_id(query: str, limit: int) -> list[SearchHit]:
    variants = {query, query.upper(), query.lower()}
    trainer_ids = Trainer.objects.filter(mtm_id__in=variants).values_list("pk", flat=True)
    return [SearchHit(pk, 1.0, MATCHED_ON_MTM) for pk in trainer_ids[:limit]]


def _by_partner_id(query: str, limit: int) -> list[SearchHit]:
    # Two steps: joined, the planner cannot tell a partner ID that exists from one that
    # does not and scans every application.
    partner_pks = list(
        PartnerOrganization.objects.filter(partner_id__in={query, query.upper()}).values_list(
            "pk", flat=True
        )
    )
    if not partner_pks:
        return []
    trainer_ids = (
        Application.objects.filter(partner_id__in=partner_pks)
        .order_by("trainer_id")
        .values_list("trainer_id", flat=True)
        .distinct()
    )
    return [SearchHit(pk, 0.95, MATCHED_ON_PARTNER) for pk in trainer_ids[:limit]]


def _by_email(query: str, limit: int) -> list[SearchHit]:
    """Exact address first, then addresses that start with what was typed.

    Both the registration email and the sign-in address count; each is a prefix range
    scan on a lower(email) index.
    """
    needle = query.lower()
    found: dict[int, str] = {}
    registration = (
        Trainer.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__startswith=needle)
        .order_by("email_lower")
        .values_list("pk", "email_lower")[:limit]
    )
    found.update(registration)
    sign_in = (
        get_user_model()
        .objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__startswith=needle, trainer__isnull=False)
        .order_by("email_lower")
        .values_list("trainer__id", "email_lower")[:limit]
    )
    for trainer_id, email in sign_in:
        found.setdefault(trainer_id, email)
    ranked = sorted(found.items(), key=lambda item: (item[1] != needle, item[1]))
    return [
        SearchHit(pk, 1.0 if email == needle else 0.9, MATCHED_ON_EMAIL)
        for pk, email in ranked[:limit]
    ]


def _by_name(query: str, limit: int) -> list[SearchHit]:
    """Exact spellings first (btree), then misspellings; each step only if still short."""
    words = query.lower().split()
    found = _by_exact_name(words, limit)
    if len(found) >= limit:  # nothing fuzzy can outrank a full page of exact matches
        return found
    if connection.vendor != "postgresql":
        return found + _by_name_fallback(words, limit)
    with transaction.atomic(), connection.cursor() as cursor:
        # Thresholds of pg_trgm's operators are settings; scoped to this transaction.
        cursor.execute(
            "SELECT set_config('pg_trgm.similarity_threshold', %s, true), "
            "set_config('pg_trgm.strict_word_similarity_threshold', %s, true)",
            [str(NAME_WORD_SIMILARITY), str(NAME_SIMILARITY_THRESHOLD)],
        )
        if len(words) == 1:
            similar = _by_name_vocabulary(cursor, words[0], limit - len(found))
            if similar:  # the full-name index would mostly find the same people, slower
                return found + similar
        found += _by_name_trigram(cursor, words, limit)
    return found


def _by_exact_name(words: list[str], limit: int) -> list[SearchHit]:
    """Names spelt exactly as typed, read in index order: cheap even for the commonest."""
    if len(words) == 1:
        hits = _trainers_named(last=words[0], limit=limit)
        if len(hits) < limit:
            hits += _trainers_named(first=words[0], limit=limit - len(hits))
        return hits
    condition = (
        Q(first_lower=words[0], last_lower=" ".join(words[1:]))
        | Q(first_lower=words[-1], last_lower=" ".join(words[:-1]))
        | Q(first_lower=words[0], last_lower=words[-1])
    )
    trainer_ids = (
        Trainer.objects.annotate(last_lower=Lower("last_name"), first_lower=Lower("first_name"))
        .filter(condition)
        .order_by("last_lower", "first_lower", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return [SearchHit(pk, 1.0, MATCHED_ON_NAME) for pk in trainer_ids]


def _trainers_named(
    *, first: str = "", last: str = "", limit: int, score: float = 1.0
) -> list[SearchHit]:
    """One name lookup, ordered like its index (lower(last), lower(first) or the reverse)
    so that LIMIT stops the scan instead of reading every holder of a common name."""
    trainers = Trainer.objects.annotate(
        last_lower=Lower("last_name"), first_lower=Lower("first_name")
    )
    if last:
        trainers = trainers.filter(last_lower=last).order_by("last_lower", "first_lower")
    else:
        trainers = trainers.filter(first_lower=first).order_by("first_lower", "last_lower")
    return [
        SearchHit(pk, score, MATCHED_ON_NAME)
        for pk in trainers.values_list("pk", flat=True)[:limit]
    ]


def _by_name_vocabulary(cursor, word: str, limit: int) -> list[SearchHit]:
    """A misspelt single name: the closest spellings among the distinct names on record
    (a small table with its own trigram index), re-ranked by edit similarity (trigrams
    rank "caretr" as close to "carlos" as to "carter"), then their holders through btree
    indexes, best spelling first."""
    cursor.execute(
        f"SELECT word FROM {NAME_WORD_TABLE} WHERE word %% %s "  # noqa: S608
        "ORDER BY similarity(word, %s) DESC, word LIMIT %s",
        [word, word, VOCABULARY_CANDIDATES],
    )
    spellings = [
        (score, spelling)
        for (spelling,) in cursor.fetchall()
        if spelling != word  # the exact spelling was looked up already
        and (score := _spelling_score(word, spelling)) >= MIN_SPELLING_SCORE
    ]
    hits: list[SearchHit] = []
    for score, spelling in sorted(spellings, key=lambda item: (-item[0], item[1])):
        for part in ("last", "first"):
            hits += _trainers_named(**{part: spelling}, limit=limit - len(hits), score=score)
            if len(hits) >= limit:
                return hits
    return hits


def _spelling_score(typed: str, spelling: str) -> float:
    return difflib.SequenceMatcher(None, typed, spelling).ratio()


def _by_name_trigram(cursor, words: list[str], limit: int) -> list[SearchHit]:
    """Misspelt names through the GIN trigram index on the full name.

    Every typed word (initials aside) must resemble a word of the name
    (strict_word_similarity, operator `<<%`); the index intersects the words' candidates
    before any row is read, so "benjamn cheevr" reads a few rows, not every Cheever.
    """
    needle = " ".join(words)
    words = [word for word in words if len(word) >= 2][:MAX_NAME_WORDS] or [needle]
    conditions = " AND ".join(f"%s <<%% {SEARCH_NAME_SQL}" for _ in words)
    cursor.execute(
        f"""
        SELECT id, strict_word_similarity(%s, {SEARCH_NAME_SQL}) AS score
        FROM {Trainer._meta.db_table}
        WHERE {conditions}
        ORDER BY score DESC, similarity(%s, {SEARCH_NAME_SQL}) DESC, id
        LIMIT %s
        """,  # noqa: S608 — only constants are formatted in; what was typed is a parameter
        [needle, *words, needle, limit],
    )
    return [SearchHit(pk, float(score), MATCHED_ON_NAME) for pk, score in cursor.fetchall()]


def _by_name_fallback(words: list[str], limit: int) -> list[SearchHit]:
    """Without pg_trgm: names sharing a two-letter prefix with a typed word, rescored."""
    prefixes = Q()
    for word in words:
        prefixes |= Q(first_name__istartswith=word[:2]) | Q(last_name__istartswith=word[:2])
    candidates = Trainer.objects.filter(prefixes).values_list("pk", "first_name", "last_name")
    scored = []
    for pk, first_name, last_name in candidates[:FALLBACK_CANDIDATES]:
        score = _fallback_score(words, f"{first_name} {last_name}".lower().split())
        if score >= MIN_SPELLING_SCORE:
            scored.append(SearchHit(pk, score, MATCHED_ON_NAME))
    scored.sort(key=lambda hit: (-hit.score, hit.trainer_id))
    return scored[:limit]


def _fallback_score(typed: list[str], name_words: list[str]) -> float:
    """Mean over typed words of the best similarity to any word of the name."""
    if not name_words:
        return 0.0
    best = [max(_spelling_score(word, candidate) for candidate in name_words) for word in typed]
    return sum(best) / len(best)


# --- Result rows and duplicates --------------------------------------------------------------


def search_rows(*, hits: list[SearchHit]) -> list[SearchRow]:
    """The result lines of one page: three queries, whatever the page holds."""
    ids = [hit.trainer_id for hit in hits]
    trainers = Trainer.objects.only(
        "id",
        "first_name",
        "middle_name",
        "last_name",
        "email",
        "country",
        "city",
        "phone",
        "postal_code",
        "mtm_id",
    ).in_bulk(ids)
    primary: dict[int, str] = {}
    counts: dict[int, int] = defaultdict(int)
    for trainer_id, value, is_primary in McpId.objects.filter(trainer_id__in=ids).values_list(
        "trainer_id", "value", "is_primary"
    ):
        counts[trainer_id] += 1
        if is_primary:
            primary[trainer_id] = value
    duplicates = possible_duplicates(trainers=list(trainers.values()))
    return [
        SearchRow(
            trainer=trainers[hit.trainer_id],
            matched_on=hit.matched_on,
            score=hit.score,
            primary_mcp_id=primary.get(hit.trainer_id, ""),
            mcp_id_count=counts[hit.trainer_id],
            duplicate_ids=duplicates.get(hit.trainer_id, []),
        )
        for hit in hits
        if hit.trainer_id in trainers
    ]


def possible_duplicates(*, trainers: list[Trainer]) -> dict[int, list[int]]:
    """Other records that look like the same person, per trainer id.

    Looks alike: the same email address, the same MTM ID, or the same first and last
    name together with the same phone number or the same postal code and country.
    A shared name alone is not enough: a million trainers hold many namesakes.
    One query per DUPLICATE_BATCH trainers (a result page is one batch).
    """
    found: dict[int, list[int]] = {}
    for start in range(0, len(trainers), DUPLICATE_BATCH):
        batch = trainers[start : start + DUPLICATE_BATCH]
        others = _lookalike_candidates(batch)
        for trainer in batch:
            matches = [
                other[0]
                for other in others
                if other[0] != trainer.pk and _looks_alike(trainer, other)
            ]
            if matches:
                found[trainer.pk] = sorted(matches)
    return found


def _lookalike_candidates(trainers: list[Trainer]) -> list[tuple]:
    condition = Q()
    for trainer in trainers:
        if trainer.email:  # records without an address are not alike through it
            condition |= Q(email_lower=trainer.email.lower())
        if trainer.mtm_id:
            condition |= Q(mtm_id=trainer.mtm_id)
        same_place = Q()
        if trainer.phone:
            same_place |= Q(phone=trainer.phone)
        if trainer.postal_code:
            same_place |= Q(postal_code=trainer.postal_code, country=trainer.country)
        if same_place:
            condition |= (
                Q(first_lower=trainer.first_name.lower(), last_lower=trainer.last_name.lower())
                & same_place
            )
    if not condition:
        return []
    return list(
        Trainer.objects.annotate(
            email_lower=Lower("email"),
            first_lower=Lower("first_name"),
            last_lower=Lower("last_name"),
        )
        .filter(condition)
        .order_by()
        .values_list(
            "pk",
            "email_lower",
            "mtm_id",
            "first_lower",
            "last_lower",
            "phone",
            "postal_code",
            "country",
        )[: DUPLICATE_BATCH * 20]
    )


def _looks_alike(trainer: Trainer, other: tuple) -> bool:
    _pk, email, mtm_id, first, last, phone, postal_code, country = other
    if trainer.email and email == trainer.email.lower():
        return True
    if trainer.mtm_id and mtm_id == trainer.mtm_id:
        return True
    if (first, last) != (trainer.first_name.lower(), trainer.last_name.lower()):
        return False
    same_phone = bool(trainer.phone) and phone == trainer.phone
    same_place = bool(trainer.postal_code) and (postal_code, country) == (
        trainer.postal_code,
        trainer.country,
    )
    return same_phone or same_place


# --- A person's page -------------------------------------------------------------------------

HISTORY_SHOWN = 100
EMAILS_SHOWN = 50
VIEW_ACTION = "support.view_person"


@dataclass
class PersonRecord:
    """Everything the person page shows, read in a fixed number of queries."""

    mcp_ids: list[McpId]
    certifications: list[EarnedCertification]
    memberships: list[Membership]
    applications: list[Application]
    emails: list[OutboundEmail]
    # The purpose of the latest passcode per address, which a resend repeats.
    passcode_purposes: dict[str, str]
    history: list[AuditEvent]
    support_views: int
    duplicates: list[Trainer]

    @property
    def has_primary_mcp_id(self) -> bool:
        return any(m.is_primary for m in self.mcp_ids)


def person_record(*, trainer: Trainer) -> PersonRecord:
    user_id = trainer.user_id
    mcp_ids = list(
        McpId.objects.filter(trainer=trainer).prefetch_related(
            Prefetch(
                "certifications",
                queryset=EarnedCertification.objects.select_related("certification"),
            ),
            "exam_results",
        )
    )
    certifications = sorted(
        (earned for mcp_id in mcp_ids for earned in mcp_id.certifications.all()),
        key=lambda earned: earned.earned_on,
        reverse=True,
    )
    applications = list(
        Application.objects.filter(trainer=trainer)
        .select_related("partner", "imagine_academy")
        .prefetch_related(
            Prefetch(
                "evidence",
                queryset=Evidence.objects.select_related("document", "credential_type"),
            ),
            "payments",
        )
    )
    emails = list(
        OutboundEmail.objects.filter(user_id=user_id)
        .only("role", "to", "subject", "state", "attempts", "created_at", "sent_at", "user_id")
        .order_by("-created_at", "-id")[:EMAILS_SHOWN]
    )
    passcode_purposes: dict[str, str] = {}
    for address, purpose in (
        Passcode.objects.filter(user_id=user_id)
        .order_by("-created_at")
        .values_list("address", "purpose")[:200]
    ):
        passcode_purposes.setdefault(address, purpose)
    for email in emails:
        email.resend_purpose = (
            passcode_purposes.get(email.to.lower()) if email.role == "passcode" else None
        )
    history = list(
        AuditEvent.objects.filter(subject_user_id=user_id)
        .exclude(action=VIEW_ACTION)
        .select_related("actor")
        .order_by("-created_at", "-id")[:HISTORY_SHOWN]
    )
    for event in history:
        event.changes, event.details = _describe_change(event.before, event.after)
    support_views = AuditEvent.objects.filter(subject_user_id=user_id, action=VIEW_ACTION).count()
    duplicate_ids = possible_duplicates(trainers=[trainer]).get(trainer.pk, [])
    duplicates = list(Trainer.objects.filter(pk__in=duplicate_ids)) if duplicate_ids else []
    return PersonRecord(
        mcp_ids=mcp_ids,
        certifications=certifications,
        memberships=list(Membership.objects.filter(trainer=trainer)),
        applications=applications,
        emails=emails,
        passcode_purposes=passcode_purposes,
        history=history,
        support_views=support_views,
        duplicates=duplicates,
    )


def _describe_change(before, after) -> tuple[list[tuple[str, object, object]], str]:
    """Flat before/after dictionaries as (field, old, new) rows; anything else as JSON."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    values = [*before.values(), *after.values()]
    if any(isinstance(value, dict | list) for value in values):
        return [], json.dumps({"before": before, "after": after}, indent=2, ensure_ascii=False)
    keys = list(dict.fromkeys([*before, *after]))
    return [(key, before.get(key), after.get(key)) for key in keys], ""
