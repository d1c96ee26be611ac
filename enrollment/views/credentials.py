"""Credentials: the public documents a verifier needs (issuer profile, key set, status
lists, a credential by its unguessable id) and the holder's own printable proofs."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from mct_portal.links import portal_url

from ..credentials import documents
from ..credentials.claims import achievement_name
from ..credentials.keys import public_key_set
from ..credentials.services import (
    ACHIEVEMENTS_BY_SLUG,
    credential_proof_facts,
    issuer_document,
    status_list_token,
)
from ..models import MembershipCredential

JSON_LD = "application/ld+json"


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
@cache_control(public=True, max_age=300)
def issuer(request: HttpRequest) -> JsonResponse:
    return JsonResponse(issuer_document(), content_type=JSON_LD)


@require_safe
@cache_control(public=True, max_age=300)
def key_set(request: HttpRequest) -> JsonResponse:
    return JsonResponse(public_key_set(), content_type="application/jwk-set+json")


@require_safe
@cache_control(public=True, max_age=86400)
def achievement(request: HttpRequest, program: str) -> JsonResponse:
    found = ACHIEVEMENTS_BY_SLUG.get(program)
    if found is None:
        raise Http404("No such achievement.")
    return JsonResponse({**found, "id": portal_url(request.path)}, content_type=JSON_LD)


@require_safe
@cache_control(public=True, max_age=60)
def status_list(request: HttpRequest, number: int) -> HttpResponse:
    token = status_list_token(number) if 1 <= number <= 1_000_000 else None
    if token is None:
        raise Http404("No such status list.")
    return HttpResponse(token, content_type="application/vc+jwt")


def _public_credential(public_id) -> MembershipCredential:
    return get_object_or_404(
        MembershipCredential.objects.select_related("membership__trainer"), public_id=public_id
    )


@require_safe
@never_cache
def credential_file(request: HttpRequest, public_id) -> HttpResponse:
    """The signed credential, for anyone holding its unguessable link (the holder shares it)."""
    credential = _public_credential(public_id)
    if not credential.token:  # its holder's data was erased, and with it the signed name
        raise Http404("No such credential.")
    year = credential.membership.starts_on.year
    name = achievement_name(credential.membership.program).lower().replace(" ", "-")
    response = _attachment(credential.token.encode(), "application/vc+jwt", f"{name}-{year}.jwt")
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_safe
@never_cache
def credential_qr(request: HttpRequest, public_id) -> HttpResponse:
    credential = _public_credential(public_id)
    facts = credential_proof_facts(credential)
    return HttpResponse(documents.qr_png(facts.credential_url), content_type="image/png")


def _own_credential(request: HttpRequest, public_id) -> MembershipCredential:
    # Someone else's credential is "not found", never "forbidden": ids are not confirmed.
    return get_object_or_404(
        MembershipCredential.objects.select_related("membership__trainer"),
        public_id=public_id,
        membership__trainer__user=request.user,
    )


@login_required
@require_safe
@never_cache
def certificate(request: HttpRequest, public_id, paper: str) -> HttpResponse:
    if paper not in documents.PAGE_SIZES:
        raise Http404("No such paper size.")
    credential = _own_credential(request, public_id)
    facts = credential_proof_facts(credential)
    pdf = documents.certificate_pdf(facts.proof, paper=paper)
    year = credential.membership.starts_on.year
    return _attachment(pdf, "application/pdf", f"mct-certificate-{year}-{paper}.pdf")


@login_required
@require_safe
@never_cache
def membership_card(request: HttpRequest, public_id) -> HttpResponse:
    credential = _own_credential(request, public_id)
    png = documents.membership_card_png(credential_proof_facts(credential).proof)
    year = credential.membership.starts_on.year
    return _attachment(png, "image/png", f"mct-membership-card-{year}.png")
