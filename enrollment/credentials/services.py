"""Issuing credentials and publishing their status (the only writes are in credential_issue)."""

import datetime
import logging
import warnings
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from joserfc import jwt

from mct_portal.links import portal_url
from verification.audit import audit

from ..enums import MEMBERSHIP_OPEN, MembershipStatus
from ..models import Membership, MembershipCredential
from .bitstring import LIST_SIZE, bit_is_set, decode_bitstring, encode_bitstring, list_position
from .claims import (
    ACHIEVEMENTS,
    OB_CONTEXT,
    VC_CONTEXT,
    CredentialFacts,
    IssuerUrls,
    achievement_name,
    credential_claims,
    issuer_profile,
    status_list_claims,
)
from .documents import ProofFacts
from .keys import SigningKey, current_key
from .linkedin import linkedin_add_url

logger = logging.getLogger(__name__)

# A year in one of these states no longer verifies: its bit in the status list is set.
REVOKING_STATES = (MembershipStatus.REVOKED, MembershipStatus.LAPSED)
_PLACEHOLDER = 987654321


def issuer_urls(verify_page: str = "") -> IssuerUrls:
    def template(name: str, placeholder, field: str) -> str:
        return portal_url(reverse(name, args=[placeholder])).replace(
            str(placeholder), "{" + field + "}"
        )

    return IssuerUrls(
        issuer=portal_url(reverse("credentials:issuer")),
        achievement=template("credentials:achievement", "program-slug", "program"),
        status_list=template("credentials:status_list", _PLACEHOLDER, "list"),
        verify_page=verify_page,
    )


def verify_page_url(trainer) -> str:
    return portal_url(reverse("verify", args=[trainer.verification_code]))


def _sign(claims: dict, key: SigningKey, typ: str) -> str:
    header = {"alg": "EdDSA", "kid": key.kid, "typ": typ}
    with warnings.catch_warnings():
        # RFC 9864 names the algorithm "Ed25519"; verifiers (PyJWT among them) and Open
        # Badges tooling still expect "EdDSA", which signs exactly the same way.
        warnings.filterwarnings("ignore", message="EdDSA is deprecated")
        return jwt.encode(header, claims, key.key, algorithms=["EdDSA"])


@transaction.atomic
def credential_issue(*, membership: Membership) -> MembershipCredential | None:
    """Signs the credential of a membership year; a year that has one keeps it. Without a
    signing key nothing is issued (logged): `issue_credentials` issues them later."""
    key = current_key()
    if key is None:
        logger.warning(
            "No credential signing key: membership %s has no credential yet.", membership.pk
        )
        return None
    existing = MembershipCredential.objects.filter(membership=membership).first()
    if existing is not None:
        return existing
    trainer = membership.trainer
    credential = MembershipCredential.objects.create(
        membership=membership, key_id=key.kid, token="", issued_at=timezone.now()
    )
    facts = CredentialFacts(
        credential_id=str(credential.public_id),
        sequence_number=credential.pk,
        program=membership.program,
        holder_name=trainer.full_name,
        valid_from=membership.starts_on,
        valid_until=membership.anniversary_on,
        issued_at=credential.issued_at,
    )
    urls = issuer_urls(verify_page=verify_page_url(trainer))
    credential.token = _sign(credential_claims(facts, urls), key, "vc+jwt")
    credential.save(update_fields=["token"])
    audit(
        actor=None,
        action="credential.issued",
        target=credential,
        subject_user=trainer.user,
        after={"membership": membership.pk, "key": key.kid},
    )
    return credential


def credentials_issue_missing() -> int:
    """Issues the credentials that open membership years lack (after keys are configured,
    or for years started before credentials existed). Safe to run again."""
    issued = 0
    missing = Membership.objects.filter(status__in=MEMBERSHIP_OPEN, credential__isnull=True)
    for membership in missing.select_related("trainer").order_by("pk").iterator():
        if credential_issue(membership=membership) is not None:
            issued += 1
    return issued


# --- Status -----------------------------------------------------------------------------


def status_list_bits(list_number: int) -> str:
    """The encoded bitstring of one status list, read from the memberships' states now."""
    first = (list_number - 1) * LIST_SIZE + 1
    revoked = MembershipCredential.objects.filter(
        pk__range=(first, first + LIST_SIZE - 1), membership__status__in=REVOKING_STATES
    ).values_list("pk", flat=True)
    return encode_bitstring(pk - first for pk in revoked)


def status_list_token(list_number: int) -> str | None:
    key = current_key()
    if key is None:
        return None
    claims = status_list_claims(
        list_number=list_number,
        encoded_list=status_list_bits(list_number),
        urls=issuer_urls(),
        now=timezone.now().replace(microsecond=0),
    )
    return _sign(claims, key, "vc+jwt")


def credential_is_revoked(credential: MembershipCredential) -> bool:
    """What a verifier reads: the credential's bit in its published status list."""
    list_number, index = list_position(credential.pk)
    return bit_is_set(decode_bitstring(status_list_bits(list_number)), index)


def issuer_document() -> dict:
    return issuer_profile(issuer_urls(), portal_url(reverse("credentials:keys")))


def credential_validity(credential: MembershipCredential) -> tuple[datetime.date, datetime.date]:
    return credential.membership.starts_on, credential.membership.anniversary_on


# --- What pages show ----------------------------------------------------------------------

ACHIEVEMENTS_BY_SLUG = {
    program.lower(): {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": "",  # filled per request below
        "type": ["Achievement"],
        "achievementType": "Membership",
        "name": name,
        "description": description,
        "criteria": {"narrative": description},
    }
    for program, (name, description) in ACHIEVEMENTS.items()
}


@dataclass(frozen=True)
class CredentialLinks:
    credential: MembershipCredential
    proof: ProofFacts
    credential_url: str
    linkedin_url: str
    revoked: bool


def credential_proof_facts(credential: MembershipCredential) -> CredentialLinks:
    membership = credential.membership
    trainer = membership.trainer
    name = achievement_name(membership.program)
    credential_url = portal_url(reverse("credentials:file", args=[credential.public_id]))
    proof = ProofFacts(
        holder_name=trainer.full_name,
        program_name=name,
        valid_from=membership.starts_on,
        valid_until=membership.anniversary_on,
        credential_id=str(credential.public_id),
        verify_url=verify_page_url(trainer),
    )
    return CredentialLinks(
        credential=credential,
        proof=proof,
        credential_url=credential_url,
        linkedin_url=linkedin_add_url(
            name=name,
            organization="Microsoft",
            issued_on=membership.starts_on,
            expires_on=membership.anniversary_on,
            credential_id=str(credential.public_id),
            credential_url=proof.verify_url,
        ),
        revoked=membership.status in REVOKING_STATES,
    )


def trainer_credentials(*, trainer) -> list[CredentialLinks]:
    """The credentials of the trainer's current years, for the profile page."""
    credentials = MembershipCredential.objects.select_related("membership__trainer").filter(
        membership__trainer=trainer, membership__status__in=MEMBERSHIP_OPEN
    )
    return [credential_proof_facts(c) for c in credentials.order_by("membership__program")]
