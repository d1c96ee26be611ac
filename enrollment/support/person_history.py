"""A person's history for the support console, as sentences a person can read.

The audit trail stores field dumps ("membership.renewed", "amount: 400.00 → 400.00"); support
needs "Ravi renewed MCT until 10 Dec 2027 — paid USD 400 by card". Each event is phrased
from its action, its before/after and the rows it names (memberships, applications,
payments, documents), which are read in a fixed number of queries per page of history.
Events no phrase knows keep a generic sentence and their raw data in a collapsed block.
"""

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.paginator import Page, Paginator
from django.utils.formats import date_format

from verification.enums import DocumentKind, DocumentState
from verification.models import AuditEvent, Document

from ..enums import ApplicationPath, ApplicationStatus, EvidenceKind, PaymentStatus, Program
from ..models import Payment, Trainer

HISTORY_PAGE_SIZE = 20
VIEW_ACTION = "support.view_person"

PAYMENT_METHODS = {"test_card": "by card", "stripe": "by card", "card": "by card"}
FIELD_LABELS = {
    "first_name": "first name",
    "middle_name": "middle name",
    "last_name": "last name",
    "postal_code": "postal code",
    "mtm_id": "MTM ID",
    "email": "email address",
}


@dataclass
class HistoryLine:
    at: datetime.datetime
    sentence: str
    note: str = ""
    details: str = ""  # raw data, only for events without a phrase


def person_history(*, trainer: Trainer, page_number=1, memberships=(), applications=()) -> Page:
    """One page of the person's history, newest first, each event as a HistoryLine.

    `memberships` and `applications` (with their evidence and payments prefetched, as
    support.selectors.person_record reads them) name what the events point at; with the
    person's documents that is a fixed number of queries whatever the page holds.
    """
    events = (
        AuditEvent.objects.filter(subject_user_id=trainer.user_id)
        .exclude(action=VIEW_ACTION)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
    page = Paginator(events, HISTORY_PAGE_SIZE).get_page(page_number)
    ctx = _context(trainer, memberships, applications)
    page.object_list = [_line(event, trainer, ctx) for event in page.object_list]
    return page


def _context(trainer: Trainer, memberships, applications) -> dict:
    """The rows events name, by kind and id."""
    payments, evidence, paid = {}, {}, {}
    for application in applications:
        for payment in application.payments.all():
            payments[payment.pk] = payment
            if payment.status == PaymentStatus.PAID:
                paid[application.pk] = payment
        for item in application.evidence.all():
            item.application = application
            evidence[item.pk] = item
    documents = Document.objects.filter(owner_id=trainer.user_id).only(
        "id", "kind", "original_name"
    )
    return {
        "membership": {m.pk: m for m in memberships},
        "application": {a.pk: a for a in applications},
        "payment": payments,
        "evidence": evidence,
        "document": {d.pk: d for d in documents},
        "paid_for_application": paid,
    }


def _day(value) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return date_format(value, "j M Y")


def _money(amount, currency: str) -> str:
    try:
        number = Decimal(str(amount))
    except (InvalidOperation, TypeError):
        return f"{currency} {amount}"
    text = f"{number:,.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    return f"{currency} {text}"


def _paid_sentence(payment: Payment | None) -> str:
    if payment is None:
        return ""
    method = PAYMENT_METHODS.get(payment.provider, f"by {payment.provider.replace('_', ' ')}")
    if payment.provider == "invoice":
        method = "by invoice"
    return f" — paid {_money(payment.amount, payment.currency)} {method}"


def _who(event: AuditEvent, trainer: Trainer) -> str:
    actor = event.actor
    if actor is None:
        return "The portal"
    if actor.pk == trainer.user_id:
        return trainer.first_name or trainer.full_name or "The trainer"
    name = actor.get_full_name() or actor.email
    return f"{name} (staff)" if actor.is_staff or actor.is_superuser else f"{name} (support)"


def _program(value) -> str:
    try:
        return "MCT" if value == Program.MCT else Program(value).label
    except ValueError:
        return str(value)


def _path(value) -> str:
    try:
        return ApplicationPath(value).label
    except ValueError:
        return str(value or "an application")


def _status(value) -> str:
    try:
        return ApplicationStatus(value).label.lower()
    except ValueError:
        return str(value)


def _kind(value) -> str:
    for enum in (EvidenceKind, DocumentKind):
        try:
            return enum(value).label.lower()
        except ValueError:
            continue
    return str(value or "a file")


def _line(event: AuditEvent, trainer: Trainer, ctx: dict) -> HistoryLine:
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    who = _who(event, trainer)
    sentence = _phrase(event.action, who, before, after, event, trainer, ctx)
    if sentence is None:
        return HistoryLine(
            at=event.created_at,
            sentence=f"{who}: {event.action.replace('.', ' — ').replace('_', ' ')}.",
            note=event.note,
            details=json.dumps({"before": before, "after": after}, indent=2, ensure_ascii=False)
            if before or after
            else "",
        )
    return HistoryLine(at=event.created_at, sentence=sentence, note=event.note)


def _obj(ctx: dict, key: str, event: AuditEvent):
    try:
        return ctx[key].get(int(event.object_id))
    except (TypeError, ValueError):
        return None


def _phrase(action, who, before, after, event, trainer, ctx) -> str | None:
    entity, _, verb = action.partition(".")
    if action == "trainer.created":
        return f"{who} created this record."
    if action == "trainer.registration_updated":
        changes = [
            f"{FIELD_LABELS.get(k, k.replace('_', ' '))} from “{before.get(k) or '—'}” to "
            f"“{after.get(k) or '—'}”"
            for k in dict.fromkeys([*before, *after])
        ]
        return f"{who} changed the registration data: " + "; ".join(changes) + "."
    if action == "trainer.merged":
        return f"{who} merged another record into this one."
    if entity == "mcp_id":
        value = after.get("value") or before.get("value") or ""
        words = {
            "linked": "linked MCP ID",
            "made_primary": "made primary MCP ID",
            "generated": "generated MCP ID",
        }
        if verb in words:
            return f"{who} {words[verb]} {value}".rstrip() + "."
        return None
    if action == "passcode.resent_by_support":
        return f"{who} sent a new passcode{_to(after)}."
    if entity == "membership":
        membership = _obj(ctx, "membership", event)
        program = _program(after.get("program") or before.get("program"))
        if verb == "renewed":
            paid = _paid_sentence(
                ctx["paid_for_application"].get(membership.application_id) if membership else None
            )
            return f"{who} renewed {program} until {_day(after.get('anniversary_on'))}{paid}."
        if verb == "started":
            paid = _paid_sentence(
                ctx["paid_for_application"].get(membership.application_id) if membership else None
            )
            return (
                f"{who} started {program} membership from {_day(after.get('starts_on'))} "
                f"until {_day(after.get('anniversary_on'))}{paid}."
            )
        if verb == "ended":
            span = f"{_day(after.get('starts_on'))} – {_day(after.get('anniversary_on'))}"
            why = (event.note or "ended").rstrip(".")
            return f"{program} year {span} closed: {why}."
        if verb == "lapsed":
            return (
                f"{program} membership lapsed on {_day(after.get('anniversary_on'))}: not renewed."
            )
        if verb == "revoked":
            return f"{who} revoked {program} membership" + (
                f": {event.note}" if event.note else "."
            )
        return None
    if entity == "application":
        application = _obj(ctx, "application", event)
        path = _path(after.get("path") or (application.path if application else ""))
        if verb == "started":
            return f"{who} started an application: {path}."
        if verb == "profile_saved":
            return f"{who} saved the Profile step of {path}."
        if verb == "mtm_id_saved":
            return f"{who} saved MTM ID {after.get('mtm_id', '')}".rstrip() + f" on {path}."
        if verb == "terms_accepted":
            return f"{who} accepted the program terms on {path}."
        if "status" in after:
            return (
                f"{who} moved {path} from {_status(before.get('status'))} "
                f"to {_status(after['status'])}."
            )
        return None
    if entity == "evidence":
        evidence = _obj(ctx, "evidence", event)
        kind = _kind(after.get("kind") or (evidence.kind if evidence else ""))
        on = f" for {_path(evidence.application.path)}" if evidence else ""
        if verb == "uploaded":
            return f"{who} sent {kind}{on}."
        if verb == "replaced":
            return f"{who} replaced {kind}{on}; the earlier one no longer counts."
        if verb == "waiver_declared":
            return f"{who} declared a course on the training waiver form{on}."
        if verb == "carried_over":
            return f"{kind.capitalize()} carried over from an earlier application{on}."
        return None
    if entity == "document":
        document = _obj(ctx, "document", event)
        name = f"“{document.original_name}”" if document else "a file"
        kind = _kind(document.kind) if document else "file"
        reason = after.get("reason") or event.note
        if verb == "received":
            return f"{who} sent {name} ({kind})."
        if verb == "queued":
            due = after.get("due_on")
            return f"{name} passed the file checks and waits for review" + (
                f", due by {_day(due)}." if due else "."
            )
        if verb == "scan_deferred":
            return f"The virus check of {name} did not answer; it will be tried again."
        if verb == "refused":
            return f"The file checks refused {name}" + (f": {reason}" if reason else ".")
        if verb in (DocumentState.APPROVED, DocumentState.REJECTED):
            because = f": {reason}" if reason and verb == DocumentState.REJECTED else "."
            return f"{who} {verb} {name}{because}"
        if verb == "file_deleted":
            return f"{name} was deleted after the decision; the decision is kept."
        if verb == "downloaded":
            return f"{who} downloaded {name}."
        return None
    if entity == "payment":
        amount = _money(after.get("amount", ""), after.get("currency", ""))
        provider = after.get("provider", "")
        method = "by invoice" if provider == "invoice" else PAYMENT_METHODS.get(provider, "")
        words = {
            "started": f"{who} started a payment of {amount} {method}",
            "paid": f"{who} paid {amount} {method}",
            "cancelled": f"{who} cancelled the payment of {amount}",
            "refunded": f"{who} refunded {amount}",
            "replaced": f"The payment of {amount} {method} was replaced",
        }
        if verb in words:
            text = " ".join(words[verb].split())
            return text + (f": {event.note}" if event.note and verb != "replaced" else ".")
        return None
    return None


def _to(after: dict) -> str:
    address = after.get("address") or after.get("to")
    return f" to {address}" if address else ""
