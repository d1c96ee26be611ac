"""The support console: find a person, read and fix their record, untangle MCP IDs.

Only the Support group gets in (everyone else: 403). Searches and record views are
written to the audit trail. Search terms travel in POST bodies and the session, never
in URLs (where access logs and browser history would keep them).
"""

import re
import secrets

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from verification.models import OutboundEmail

from ..enums import APPLICATION_OPEN
from ..models import McpId, Trainer
from ..permissions import support_required
from .forms import (
    ExamReferenceForm,
    McpIdLinkForm,
    MergeConfirmForm,
    MergeTargetForm,
    PersonSearchForm,
    RegistrationForm,
)
from .person_history import person_history
from .person_page import explain_applications, memberships_now
from .selectors import person_record, search_rows, trainer_search
from .services import (
    SupportError,
    mcp_id_generate_from_exam,
    mcp_id_link,
    mcp_id_make_primary,
    passcode_resend_for_email,
    support_person_viewed,
    support_search_audit,
    trainer_merge,
    trainer_merge_preview,
    trainer_update_registration,
)

PAGE_SIZE = 25
SEARCH_SESSION_KEY = "support_searches"
SEARCHES_KEPT = 20
RECORD_NUMBER = re.compile(r"[0-9]{1,18}")


def search_rate(group, request) -> str:
    return getattr(settings, "SUPPORT_SEARCH_RATE_LIMIT", "60/m")


def _too_many_searches(request: HttpRequest) -> HttpResponse:
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response


def _remember_search(request: HttpRequest, query: str) -> str:
    """Keeps the query in the session under a random token; the URL carries the token."""
    searches = dict(request.session.get(SEARCH_SESSION_KEY, {}))
    token = secrets.token_urlsafe(8)
    searches[token] = query
    request.session[SEARCH_SESSION_KEY] = dict(list(searches.items())[-SEARCHES_KEPT:])
    return token


def _person_url(trainer_id: int) -> str:
    # No #section: the message saying what happened is at the top of the page.
    return reverse("support:person", args=[trainer_id])


def _first_error(form) -> str:
    for errors in form.errors.values():
        return errors[0]
    return "Check what you entered."


@support_required
@ratelimit(key="user", rate=search_rate, method="POST", block=False)
def search(request: HttpRequest) -> HttpResponse:
    if getattr(request, "limited", False):
        return _too_many_searches(request)
    if request.method == "POST" or "q" in request.GET:
        form = PersonSearchForm(request.POST if request.method == "POST" else request.GET)
        if form.is_valid():
            token = _remember_search(request, form.cleaned_data["q"])
            return redirect(f"{reverse('support:search')}?s={token}")
        return render(request, "support/search.html", {"form": form})

    token = request.GET.get("s", "")
    query = request.session.get(SEARCH_SESSION_KEY, {}).get(token) if token else None
    if query is None:
        if token:
            messages.info(request, "That search has expired. Search again.")
        return render(request, "support/search.html", {"form": PersonSearchForm()})

    outcome = trainer_search(query=query)
    page = Paginator(outcome.hits, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = search_rows(hits=list(page.object_list))
    support_search_audit(
        by=request.user,
        query=query,
        trainer_ids=[row.trainer.pk for row in rows],
        result_count=page.paginator.count,
        page=page.number,
    )
    return render(
        request,
        "support/search.html",
        {
            "form": PersonSearchForm(initial={"q": query}),
            "query": query,
            "token": token,
            "outcome": outcome,
            "page": page,
            "rows": rows,
            "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        },
    )


@support_required
def person(request: HttpRequest, trainer_id: int) -> HttpResponse:
    trainer = get_object_or_404(Trainer.objects.select_related("user"), pk=trainer_id)
    support_person_viewed(by=request.user, trainer=trainer)
    record = person_record(trainer=trainer)
    explain_applications(record.applications)
    return render(
        request,
        "support/person.html",
        {
            "trainer": trainer,
            "record": record,
            "history": person_history(
                trainer=trainer,
                page_number=request.GET.get("history"),
                memberships=record.memberships,
                applications=record.applications,
            ),
            "memberships_now": memberships_now(record.memberships),
            "open_applications": [a for a in record.applications if a.status in APPLICATION_OPEN],
            "closed_applications": [
                a for a in record.applications if a.status not in APPLICATION_OPEN
            ],
            "qualifying_count": sum(
                1
                for earned in record.certifications
                if earned.certification.qualifies_for_mct and not earned.certification.retired
            ),
            "registration": [
                (capfirst(Trainer._meta.get_field(name).verbose_name), getattr(trainer, name))
                for name in Trainer.REGISTRATION_FIELDS
            ],
            "link_form": McpIdLinkForm(),
            "exam_form": ExamReferenceForm(),
            "merge_form": MergeTargetForm(),
        },
    )


@support_required
def registration_edit(request: HttpRequest, trainer_id: int) -> HttpResponse:
    trainer = get_object_or_404(Trainer.objects.select_related("user"), pk=trainer_id)
    form = RegistrationForm(request.POST if request.method == "POST" else None, instance=trainer)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in Trainer.REGISTRATION_FIELDS}
        before = trainer.updated_at
        saved = trainer_update_registration(trainer=trainer, data=data, by=request.user)
        if saved.updated_at != before:
            messages.success(request, "Registration data saved. The change is in the history.")
        else:
            messages.info(request, "Nothing changed.")
        return redirect(_person_url(trainer.pk))
    return render(request, "support/registration_form.html", {"trainer": trainer, "form": form})


@support_required
@require_POST
def mcp_id_link_view(request: HttpRequest, trainer_id: int) -> HttpResponse:
    trainer = get_object_or_404(Trainer, pk=trainer_id)
    form = McpIdLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    else:
        try:
            mcp_id = mcp_id_link(trainer=trainer, value=form.cleaned_data["value"], by=request.user)
        except SupportError as error:
            messages.error(request, error.message)
        else:
            primary = " It is their primary MCP ID." if mcp_id.is_primary else ""
            messages.success(request, f"MCP ID {mcp_id.value} is now linked.{primary}")
    return redirect(_person_url(trainer.pk))


@support_required
@require_POST
def mcp_id_make_primary_view(request: HttpRequest, trainer_id: int, mcp_id: int) -> HttpResponse:
    # The trainer first: a pk lookup turns an out-of-range id into a 404, a foreign key
    # lookup (trainer_id=...) does not on SQLite.
    trainer = get_object_or_404(Trainer, pk=trainer_id)
    held = get_object_or_404(McpId, pk=mcp_id, trainer=trainer)
    try:
        mcp_id_make_primary(mcp_id=held, by=request.user)
    except SupportError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"MCP ID {held.value} is now the primary MCP ID.")
    return redirect(_person_url(trainer_id))


@support_required
@require_POST
def mcp_id_generate_view(request: HttpRequest, trainer_id: int) -> HttpResponse:
    trainer = get_object_or_404(Trainer, pk=trainer_id)
    form = ExamReferenceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
    else:
        try:
            mcp_id = mcp_id_generate_from_exam(
                exam_reference=form.cleaned_data["exam_reference"],
                trainer=trainer,
                by=request.user,
                mct_intent_confirmed=form.cleaned_data["mct_intent_confirmed"],
            )
        except SupportError as error:
            messages.error(request, error.message)
        else:
            primary = (
                " It is their primary MCP ID and shows on their profile."
                if mcp_id.is_primary
                else ""
            )
            messages.success(
                request,
                f"MCP ID {mcp_id.value} was generated and linked.{primary} Its access code "
                "is on its way to the candidate by email.",
            )
    return redirect(_person_url(trainer.pk))


def _record_number(text: str) -> int | None:
    # ASCII digits only: str.isdigit() also accepts "²" and "١٢", which int() or the
    # database refuse; more than 18 digits cannot be a record number.
    return int(text) if RECORD_NUMBER.fullmatch(text) else None


def _resolve_other_record(keep: Trainer, other: str) -> Trainer | None:
    """A record number (#1234 or 1234) or one of the record's MCP IDs."""
    if other.startswith("#"):
        number = _record_number(other[1:])
        return Trainer.objects.filter(pk=number).first() if number is not None else None
    held = McpId.objects.filter(value=other, trainer__isnull=False).first()
    if held is not None:
        return held.trainer
    number = _record_number(other)
    return Trainer.objects.filter(pk=number).first() if number is not None else None


@support_required
@require_POST
def merge_start(request: HttpRequest, trainer_id: int) -> HttpResponse:
    keep = get_object_or_404(Trainer, pk=trainer_id)
    form = MergeTargetForm(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(_person_url(keep.pk))
    absorb = _resolve_other_record(keep, form.cleaned_data["other"])
    if absorb is None:
        messages.error(request, "No record has that record number or MCP ID.")
        return redirect(_person_url(keep.pk))
    if absorb.pk == keep.pk:
        messages.error(request, "That is this record. Enter the other record of this person.")
        return redirect(_person_url(keep.pk))
    return redirect("support:merge", trainer_id=keep.pk, absorb_id=absorb.pk)


@support_required
def merge(request: HttpRequest, trainer_id: int, absorb_id: int) -> HttpResponse:
    trainers = Trainer.objects.select_related("user")
    keep = get_object_or_404(trainers, pk=trainer_id)
    absorb = get_object_or_404(trainers, pk=absorb_id)
    if keep.pk == absorb.pk:
        messages.error(request, "A record cannot be merged into itself.")
        return redirect(_person_url(keep.pk))
    form = MergeConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            trainer_merge(keep=keep, absorb=absorb, by=request.user)
        except SupportError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"Record #{absorb_id} was merged into this record (#{keep.pk})."
            )
            return redirect(_person_url(keep.pk))
    preview = trainer_merge_preview(keep=keep, absorb=absorb)
    return render(
        request, "support/merge_preview.html", {"preview": preview, "form": form, "keep": keep}
    )


@support_required
@require_POST
def resend_passcode(request: HttpRequest, trainer_id: int, email_id: int) -> HttpResponse:
    trainer = get_object_or_404(Trainer, pk=trainer_id)
    email = get_object_or_404(OutboundEmail, pk=email_id, user_id=trainer.user_id)
    try:
        passcode_resend_for_email(email=email, by=request.user)
    except SupportError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"A new passcode is on its way to {email.to}.")
    return redirect(_person_url(trainer.pk))
