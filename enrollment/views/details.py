"""The trainer's own details (/profile/details/) and linking an MCP ID with its access code.

Both pages work on the signed-in user's own record only: there is no record id in their
URLs, so no one can reach another trainer's details through them.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..forms.details import DetailsForm, McpIdClaimForm
from ..roles import is_reviewer, is_support
from ..services.access_codes import ClaimError, mcp_id_claim
from ..services.onboarding import (
    CONSENTS,
    DetailsError,
    current_terms,
    trainer_details_status,
    trainer_update_details,
)
from ..services.trainers import trainer_ensure, trainer_for


def _safe_next(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def details_url(next_url: str = "") -> str:
    url = reverse("profile_details")
    return f"{url}?next={next_url}" if next_url else url


def details_gate(request: HttpRequest, trainer, *, next_url: str, staff_exempt: bool = False):
    """A redirect to the details page when required details are missing, else None.

    `staff_exempt`: support, reviewers and admins reach their own pages without filling
    in trainer details; they still need them to apply.
    """
    if staff_exempt and (
        request.user.is_staff or is_support(request.user) or is_reviewer(request.user)
    ):
        return None
    status = trainer_details_status(trainer=trainer)
    if status.complete:
        return None
    if status.missing:
        messages.info(
            request,
            _(
                "Before you apply, fill in your registration details. Fields marked "
                "“required” must be filled in."
            ),
        )
    else:
        messages.info(
            request,
            _("The %(document)s has a new version (%(version)s). Read and accept it to continue.")
            % {"document": status.nda.get_document_display(), "version": status.nda.version},
        )
    return redirect(details_url(next_url))


def _consent_labels() -> dict[str, str]:
    """The consent wording in force, as recorded; it is written in English, so in another
    language the form keeps its translated labels."""
    labels = {}
    if (translation.get_language() or "en").split("-")[0] != "en":
        return labels
    for name, document in CONSENTS.items():
        wording = current_terms(document)
        if wording is not None:
            labels[name] = wording.text
    return labels


@login_required
@require_http_methods(["GET", "POST"])
def details_page(request: HttpRequest) -> HttpResponse:
    # A GET writes nothing: before the first save the form edits an unsaved record made
    # from the account, which `trainer_update_details` creates.
    trainer = trainer_for(request.user)
    status = trainer_details_status(trainer=trainer)
    next_url = _safe_next(request, reverse("profile"))
    form = DetailsForm(
        request.POST if request.method == "POST" else None,
        instance=trainer,
        nda=status.nda,
        nda_needed=status.nda_needed,
        consent_labels=_consent_labels(),
    )
    if request.method == "POST" and form.is_valid():
        before = trainer.updated_at
        try:
            saved = trainer_update_details(
                trainer=trainer,
                data=form.details(),
                accept_nda=form.cleaned_data.get("accept_nda", False),
                by=request.user,
            )
        except DetailsError as error:
            form.add_error(None, error.message)
        else:
            if saved.updated_at != before:
                messages.success(request, _("Your details are saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect(next_url)
    if trainer.pk is not None:
        trainer.refresh_from_db()
    return render(
        request,
        "enrollment/details.html",
        {
            "trainer": trainer,
            "form": form,
            "status": status,
            "next": next_url,
            "first_time": bool(status.missing),
            "language_name": dict(settings.LANGUAGES).get(trainer.language, ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def mcp_id_claim_page(request: HttpRequest) -> HttpResponse:
    form = McpIdClaimForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            mcp_id = mcp_id_claim(
                trainer=trainer_ensure(request.user),
                value=form.cleaned_data["value"],
                access_code=form.cleaned_data["access_code"],
                by=request.user,
            )
        except ClaimError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _(
                    "MCP ID %(value)s is now linked to your account. Its exams and "
                    "certifications are listed below and count for your applications."
                )
                % {"value": mcp_id.value},
            )
            return redirect(f"{reverse('profile')}#mcp-title")
    return render(request, "enrollment/mcp_id_claim.html", {"claim_form": form})
