"""The public verification page: an employer checks that a trainer's membership is current.

It shows the name, program, status and valid-through date, and nothing else personal.
The code in the URL is unguessable; the page is rate-limited per IP against enumeration.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_ratelimit.decorators import ratelimit

from ..credentials.services import credential_is_revoked
from ..enums import MEMBERSHIP_OPEN, MembershipStatus
from ..models import MembershipCredential, Trainer
from ..rules.memberships import lapse_due
from ..selectors.memberships import verification_membership
from ..selectors.personal_data import erased_trainer_years

MAX_CODE_LENGTH = 64


def verify_rate(group, request) -> str:
    return getattr(settings, "VERIFY_RATE_LIMIT", "30/m")


def too_many_requests(request: HttpRequest) -> HttpResponse:
    response = render(request, "429.html", status=429)
    response["Retry-After"] = "60"
    return response


def _public_facts(trainer: Trainer) -> dict:
    """Everything the page may show, and only that (no email, MCP ID, country or address)."""
    membership = verification_membership(trainer=trainer)
    facts = {"name": trainer.full_name, "membership": None}
    if membership is None:
        return facts
    changed_on = (
        timezone.localdate(membership.status_changed_at) if membership.status_changed_at else None
    )
    today = timezone.localdate()
    status = membership.status
    if status in MEMBERSHIP_OPEN and lapse_due(membership.anniversary_on, today):
        # Past its anniversary and about to be lapsed by the periodic task: never current.
        status = MembershipStatus.LAPSED
    facts["membership"] = {
        "program": membership.get_program_display(),
        "status": status,
        "status_label": MembershipStatus(status).label,
        "is_current": status in MEMBERSHIP_OPEN,
        "valid_through": membership.anniversary_on,
        "lapsed_on": membership.anniversary_on if status == MembershipStatus.LAPSED else None,
        "revoked_on": changed_on if status == MembershipStatus.REVOKED else None,
        "ended_on": (changed_on or membership.anniversary_on)
        if status == MembershipStatus.ENDED
        else None,
    }
    credential = MembershipCredential.objects.filter(membership=membership).first()
    if credential is not None:
        facts["credential"] = {
            "id": credential.public_id,
            "revoked": credential_is_revoked(credential),
        }
    return facts


@require_safe
@never_cache
@ratelimit(key="ip", rate=verify_rate, block=False)
def verify_page(request: HttpRequest, code: str) -> HttpResponse:
    if getattr(request, "limited", False):
        return too_many_requests(request)
    trainer = None
    if len(code) <= MAX_CODE_LENGTH and "\x00" not in code:
        trainer = Trainer.objects.filter(verification_code=code).first()
    if trainer is None:
        response = render(request, "enrollment/verify_unknown.html", {"code": code}, status=404)
    elif trainer.erased_at is not None:
        # The person's data was erased (docs/personal-data.md): only the kept years, no name.
        response = render(
            request,
            "enrollment/verify_erased.html",
            {"years": erased_trainer_years(trainer=trainer)},
        )
    else:
        response = render(request, "enrollment/verify.html", _public_facts(trainer))
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
