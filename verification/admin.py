"""The review queue (Reviewers group) and the read-only records of verification."""

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponseRedirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timesince import timesince

from core.admin_lists import LargeTableAdmin, found_rows, indexed_values_filter

from .enums import DOCUMENT_DECIDED, REVIEWABLE_STATES, DocumentState, EmailState
from .mail import EmailNotRetryable, outbound_email_retry, outbound_emails_retry_failed
from .models import AuditEvent, Document, OutboundEmail, Passcode, ReviewQueueDay
from .review_context import review_context
from .services import DecisionReasonRequired, DomainError, document_decide, read_rendered_text

# Served by the partial index doc_waiting_order_idx (waiting documents) and doc_order_idx.
QUEUE_ORDER = ("due_on", "created_at", "pk")
QUEUED_STATE = str(DocumentState.QUEUED)
# How many people a search may name (their documents, emails, audit rows are listed).
PERSON_SEARCH_LIMIT = 200


def start_of_today():
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


def review_dashboard() -> dict:
    """Pending, overdue and decided-today counts, without reading the document table.

    On PostgreSQL the first two add up the kept per-day counts (ReviewQueueDay, a trigger
    keeps them: a few dozen rows); elsewhere they count the waiting documents through the
    partial index over them. The third reads a range of the partial index over decision
    times: today's decisions only.
    """
    today = timezone.localdate()
    if connection.vendor == "postgresql":
        counts = ReviewQueueDay.objects.aggregate(
            pending=Sum("waiting", default=0),
            overdue=Sum("waiting", filter=Q(due_on__lt=today), default=0),
        )
    else:
        counts = Document.objects.filter(state=DocumentState.QUEUED).aggregate(
            pending=Count("*"), overdue=Count("due_on", filter=Q(due_on__lt=today))
        )
    counts["decided_today"] = Document.objects.filter(
        decided_at__isnull=False, decided_at__gte=start_of_today()
    ).count()
    return counts


def users_by_email(term: str) -> list[int]:
    """Accounts whose sign-in address starts with the term (the lower(email) prefix index)."""
    return list(
        get_user_model()
        .objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__startswith=term.lower())
        .order_by("email_lower")
        .values_list("pk", flat=True)[:PERSON_SEARCH_LIMIT]
    )


# Who a search box term names, as user ids. Verification knows accounts only; enrollment
# registers the support console's search (names with typos, emails, MCP IDs) in its admin
# module, in place of this one.
_person_search: list[Callable[[str], Iterable[int]]] = [users_by_email]


def register_person_search(search: Callable[[str], Iterable[int]]) -> None:
    _person_search[:] = [search]


def searched_people(term: str) -> list[int]:
    return list(_person_search[0](term))[:PERSON_SEARCH_LIMIT]


def next_in_queue(*, after: Document | None = None) -> Document | None:
    queue = Document.objects.filter(state=DocumentState.QUEUED)
    if after is not None:
        queue = queue.exclude(pk=after.pk)
    return queue.order_by(*QUEUE_ORDER).first()


def earlier_decisions(document: Document, *, limit: int = 10) -> list[Document]:
    """The trainer's other documents that were decided or refused, newest first."""
    return list(
        Document.objects.filter(
            owner_id=document.owner_id,
            state__in=[*DOCUMENT_DECIDED, DocumentState.REFUSED],
        )
        .exclude(pk=document.pk)
        .select_related("reviewer")
        .order_by("-decided_at", "-created_at")[:limit]
    )


class ReviewDecisionForm(forms.Form):
    reason = forms.CharField(
        label="Reason for rejecting",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Needed to reject. The trainer reads it in an email: say what to upload instead.",
    )


class RejectSelectedForm(forms.Form):
    reason = forms.CharField(
        label="Reason for rejecting",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Every trainer concerned reads it in an email: say what to upload instead.",
        error_messages={"required": "Give a reason: each trainer reads it in an email."},
    )


class QueueStateFilter(admin.SimpleListFilter):
    """The queue opens on the documents waiting for review; "All" shows every state."""

    title = "state"
    parameter_name = "state"
    ALL = "all"

    def lookups(self, request, model_admin):
        states = model_admin.visible_states(request)
        return [(state, DocumentState(state).label) for state in states] + [(self.ALL, "All")]

    def current(self) -> str:
        return self.value() or DocumentState.QUEUED

    def queryset(self, request, queryset):
        if self.current() == self.ALL:
            return queryset
        return queryset.filter(state=self.current())

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.current() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue"), ("no", "Not overdue")]

    def queryset(self, request, queryset):
        overdue = Q(state=DocumentState.QUEUED, due_on__lt=timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


@admin.register(Document)
class DocumentAdmin(LargeTableAdmin):
    list_display = ["file_name", "trainer", "path", "kind", "age", "due", "state"]
    list_display_links = ["file_name"]
    list_filter = [QueueStateFilter, "kind", OverdueFilter]
    list_select_related = ["owner"]
    search_fields = ["owner"]
    ordering = QUEUE_ORDER
    sortable_by = ["due"]
    actions = ["approve_selected", "reject_selected"]
    review_template = "admin/verification/document/review.html"
    reject_selected_template = "admin/verification/document/reject_selected.html"

    class Media:
        css = {"all": ["verification/admin/review.css"]}
        js = ["verification/admin/review.js"]

    # --- What reviewers may do: read, and decide through the service ------------------------

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Files go through retention; rows are the record of the decision.
        return False

    def visible_states(self, request) -> tuple[str, ...]:
        if request.user.is_superuser:
            return tuple(DocumentState.values)
        return REVIEWABLE_STATES

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        states = self.visible_states(request)
        if set(states) == set(DocumentState.values):  # no filter: "All" is then estimated
            return queryset
        return queryset.filter(state__in=states)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return found_rows(queryset, Q(owner_id__in=searched_people(term))), False

    # --- The queue ----------------------------------------------------------------------------

    @admin.display(description="File", ordering="original_name")
    def file_name(self, document: Document) -> str:
        return document.original_name

    @admin.display(description="Trainer", ordering="owner__last_name")
    def trainer(self, document: Document) -> str:
        return document.owner.get_full_name() or f"Trainer #{document.owner_id}"

    @admin.display(description="Due", ordering="due_on")
    def due(self, document: Document):
        if document.due_on is None:
            return "—"
        label = date_format(document.due_on, "j M Y")
        if document.state == DocumentState.QUEUED and document.due_on < timezone.localdate():
            return format_html('{} <strong class="review-overdue">overdue</strong>', label)
        return label

    @admin.display(description="Path")
    def path(self, document: Document) -> str:
        # Enrollment writes the application's path into the declared details on upload.
        return (document.details or {}).get("Application") or "—"

    @admin.display(description="Waiting", ordering="created_at")
    def age(self, document: Document) -> str:
        return timesince(document.created_at, timezone.now(), depth=1)

    def changelist_view(self, request, extra_context=None):
        dashboard = review_dashboard()
        request.review_dashboard = dashboard
        extra_context = {**(extra_context or {}), "dashboard": dashboard, "title": "Review queue"}
        return super().changelist_view(request, extra_context=extra_context)

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        paginator = super().get_paginator(
            request, queryset, per_page, orphans, allow_empty_first_page
        )
        # The queue as it opens lists exactly the waiting documents, which the dashboard
        # has just counted: its pages need no count of their own.
        dashboard = getattr(request, "review_dashboard", None)
        unfiltered = set(request.GET) <= {"state", "p"}
        if dashboard and unfiltered and request.GET.get("state", QUEUED_STATE) == QUEUED_STATE:
            paginator.count = dashboard["pending"]
        return paginator

    # --- Review: one document, approve / reject, then optionally the next one -----------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        document = self.get_object(request, unquote(object_id))
        if document is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, document):
            raise PermissionDenied
        may_decide = (
            self.has_change_permission(request, document) and document.state == DocumentState.QUEUED
        )
        form = ReviewDecisionForm(request.POST or None)
        if request.method == "POST":
            if not self.has_change_permission(request, document):
                raise PermissionDenied
            decision = request.POST.get("decision", "")
            if decision in {"approve", "approve-next", "reject", "reject-next"} and form.is_valid():
                try:
                    decided = document_decide(
                        document=document,
                        by=request.user,
                        approve=decision.startswith("approve"),
                        reason=form.cleaned_data["reason"],
                    )
                except DecisionReasonRequired as error:
                    form.add_error("reason", error.message)
                except DomainError as error:
                    # Decided meanwhile (another reviewer, another tab): say so on a fresh page.
                    messages.error(request, error.message)
                    return HttpResponseRedirect(request.path)
                else:
                    self.log_change(request, decided, f"{decided.get_state_display()}.")
                    messages.success(
                        request,
                        f"{decided.get_state_display()}: “{decided.original_name}”. "
                        "The trainer has been emailed.",
                    )
                    return self._after_decision(request, decided, go_next=decision.endswith("next"))
        sections, covered = review_context(document)
        following = next_in_queue(after=document)
        context = {
            **self.admin_site.each_context(request),
            **(extra_context or {}),
            "title": f"Review {document.original_name}",
            "sections": sections,
            "earlier_decisions": earlier_decisions(document),
            "pages": list(document.pages.order_by("number")),
            "text_blocks": read_rendered_text(document),
            "next_document": following,
            "subtitle": None,
            "opts": self.opts,
            "app_label": self.opts.app_label,
            "original": document,
            "document": document,
            "details": [
                (label, value)
                for label, value in (document.details or {}).items()
                if label not in covered
            ],
            "form": form,
            "may_decide": may_decide,
            # The download view serves only files the check passed; superusers see the rest too.
            "may_download": bool(document.file) and document.state in REVIEWABLE_STATES,
            "is_overdue": document.state == DocumentState.QUEUED
            and document.due_on is not None
            and document.due_on < timezone.localdate(),
            "has_next": following is not None,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.review_template, context)

    def _after_decision(self, request: HttpRequest, document: Document, *, go_next: bool):
        if go_next:
            following = next_in_queue(after=document)
            if following is not None:
                return HttpResponseRedirect(
                    reverse("admin:verification_document_change", args=[following.pk])
                )
            messages.info(request, "The queue is empty: every document has been reviewed.")
        return HttpResponseRedirect(reverse("admin:verification_document_changelist"))

    # --- Bulk decisions -------------------------------------------------------------------------

    def _decide_many(self, request, queryset, *, approve: bool, reason: str = "") -> None:
        decided, skipped = 0, 0
        for document in queryset.order_by(*QUEUE_ORDER):
            try:
                document_decide(document=document, by=request.user, approve=approve, reason=reason)
            except DomainError:
                skipped += 1
            else:
                decided += 1
        verb = "Approved" if approve else "Rejected"
        if decided:
            noun = "document" if decided == 1 else "documents"
            self.message_user(
                request,
                f"{verb} {decided} {noun}; the trainers have been emailed.",
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                f"Skipped {skipped}: no longer waiting for review.",
                messages.WARNING,
            )

    @admin.action(description="Approve selected documents", permissions=["change"])
    def approve_selected(self, request, queryset):
        self._decide_many(request, queryset, approve=True)

    @admin.action(
        description="Reject selected documents (asks for a reason)", permissions=["change"]
    )
    def reject_selected(self, request, queryset):
        form = RejectSelectedForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._decide_many(request, queryset, approve=False, reason=form.cleaned_data["reason"])
            return None
        documents = list(queryset.select_related("owner").order_by(*QUEUE_ORDER))
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject the selected documents",
            "opts": self.opts,
            "explanation": "Each trainer below gets an email with your reason. Only documents "
            "still waiting for review are rejected.",
            "items_title": "Documents",
            "objects": documents,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": "reject_selected",
            "button": f"Reject {len(documents)} document{pluralize(len(documents))}",
            "back_label": "Back to the queue",
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.reject_selected_template, context)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(LargeTableAdmin):
    list_display = [
        "to",
        "role",
        "subject",
        "language",
        "state",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = [
        "state",
        indexed_values_filter("role"),
        ("created_at", admin.DateFieldListFilter),
    ]
    ordering = ["-created_at", "-pk"]
    sortable_by = ["created_at"]
    search_fields = ["to"]
    readonly_fields = [
        "role",
        "user",
        "to",
        "subject",
        "language",
        "body_text",
        "body_html",
        "state",
        "attempts",
        "last_error",
        "message_id",
        "next_attempt_at",
        "retry_until",
        "lease_until",
        "created_at",
        "updated_at",
        "sent_at",
    ]
    list_select_related = ["user"]
    actions = ["retry_selected"]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        # The address or its start (email_to_prefix_idx), or the person's account.
        addressed = Q(to_lower__startswith=term.lower()) | Q(user_id__in=searched_people(term))
        return found_rows(queryset.annotate(to_lower=Lower("to")), addressed), False

    def get_urls(self):
        own = [
            path(
                "retry-failed/",
                self.admin_site.admin_view(self.retry_failed_view),
                name="verification_outboundemail_retry_failed",
            )
        ]
        return own + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        failed = OutboundEmail.objects.filter(state=EmailState.FAILED).count()
        if failed and request.method == "GET":
            # The alert: failed emails are not sent again unless someone says so.
            self.message_user(
                request,
                f"{failed} email{pluralize(failed)} could not be delivered. Check the mail "
                "server, then use “Retry all failed”.",
                messages.ERROR,
            )
        extra_context = {
            **(extra_context or {}),
            "failed_email_count": failed,
            "has_change_permission": self.has_change_permission(request),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def retry_failed_view(self, request):
        if request.method != "POST" or not self.has_change_permission(request):
            raise PermissionDenied
        retried, skipped = outbound_emails_retry_failed()
        self.message_user(request, f"Queued {retried} failed email(s) again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} failed email(s) carried a passcode, which is never kept: those "
                "trainers have to ask for a new code.",
                messages.WARNING,
            )
        return HttpResponseRedirect(reverse("admin:verification_outboundemail_changelist"))

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Send the selected failed emails again", permissions=["change"])
    def retry_selected(self, request, queryset):
        retried, refused = 0, []
        for email in queryset.filter(state=EmailState.FAILED):
            try:
                outbound_email_retry(email=email)
            except EmailNotRetryable as error:
                refused.append(f"{email.to}: {error.message}")
            else:
                retried += 1
        if retried:
            self.message_user(request, f"Queued {retried} email(s) again.", messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)
        if not retried and not refused:
            self.message_user(request, "Only failed emails can be sent again.", messages.WARNING)


@admin.register(Passcode)
class PasscodeAdmin(ReadOnlyAdmin, LargeTableAdmin):
    list_display = ["address", "user", "purpose", "created_at", "expires_at", "used_at"]
    list_filter = ["purpose"]
    ordering = ["-pk"]
    sortable_by = []
    search_fields = ["address"]
    list_select_related = ["user"]
    # The hash is never shown: it is of no use to a person and of some use to an attacker.
    fields = [
        "user",
        "address",
        "purpose",
        "failed_attempts",
        "created_at",
        "expires_at",
        "used_at",
        "revoked_at",
    ]
    readonly_fields = fields

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(address__in={term, term.lower()}), False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin, LargeTableAdmin):
    list_display = ["created_at", "action", "actor", "object_type", "object_id", "subject_user"]
    list_filter = [
        indexed_values_filter("action"),
        indexed_values_filter("object_type", "object type"),
        ("created_at", admin.DateFieldListFilter),
    ]
    sortable_by = ["created_at"]
    search_fields = ["object_id"]
    list_select_related = ["actor", "subject_user"]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        matches = Q(object_id=term) | Q(action=term) | Q(subject_user_id__in=searched_people(term))
        return found_rows(queryset, matches), False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request):
        return self.has_view_permission(request)
