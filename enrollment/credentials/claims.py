"""What a membership year's credential and a status list say. Pure: facts in, JSON out."""

import datetime
from dataclasses import dataclass

from .bitstring import list_position

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ISSUER_NAME = "Microsoft Certified Trainer program"

# Keyed by the Program values (enrollment.enums.Program).
ACHIEVEMENTS = {
    "MCT": (
        "Microsoft Certified Trainer",
        "Member of the Microsoft Certified Trainer (MCT) program: a technical trainer "
        "who holds a qualifying Microsoft certification and has proven instructional skills.",
    ),
    "ALUMNI": (
        "MCT Alumni",
        "Member of MCT Alumni: a former Microsoft Certified Trainer who stays connected "
        "with the program's community.",
    ),
}


@dataclass(frozen=True)
class CredentialFacts:
    credential_id: str  # the credential's public UUID
    sequence_number: int  # its row id: where its status bit is
    program: str
    holder_name: str
    valid_from: datetime.date
    valid_until: datetime.date
    issued_at: datetime.datetime


@dataclass(frozen=True)
class IssuerUrls:
    issuer: str
    achievement: str  # with "{program}" in it
    status_list: str  # with "{list}" in it
    verify_page: str


def _instant(day: datetime.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _epoch(day: datetime.date) -> int:
    return int(datetime.datetime.combine(day, datetime.time(), datetime.UTC).timestamp())


def achievement_name(program: str) -> str:
    return ACHIEVEMENTS[program][0]


def credential_claims(facts: CredentialFacts, urls: IssuerUrls) -> dict:
    """The VC-JWT payload: the credential itself (VC Data Model 2.0 with JOSE), plus the
    registered JWT claims a JWT library checks (iss, sub, jti, nbf, exp, iat)."""
    name, description = ACHIEVEMENTS[facts.program]
    status_list, status_index = list_position(facts.sequence_number)
    status_list_url = urls.status_list.format(list=status_list)
    urn = f"urn:uuid:{facts.credential_id}"
    year = f"{facts.valid_from.year}–{facts.valid_until.year}"
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": urn,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{name} {year}",
        "issuer": {"id": urls.issuer, "type": ["Profile"], "name": ISSUER_NAME},
        "validFrom": _instant(facts.valid_from),
        "validUntil": _instant(facts.valid_until),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": facts.holder_name,
                }
            ],
            "achievement": {
                "id": urls.achievement.format(program=facts.program.lower()),
                "type": ["Achievement"],
                "achievementType": "Membership",
                "name": name,
                "description": description,
                "criteria": {"narrative": description},
            },
        },
        "evidence": [{"id": urls.verify_page, "type": ["Evidence"], "name": "Verification page"}],
        "credentialStatus": {
            "id": f"{status_list_url}#{status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_index),
            "statusListCredential": status_list_url,
        },
        "iss": urls.issuer,
        "sub": urls.verify_page,
        "jti": urn,
        "nbf": _epoch(facts.valid_from),
        "exp": _epoch(facts.valid_until),
        "iat": int(facts.issued_at.timestamp()),
    }


def status_list_claims(
    *, list_number: int, encoded_list: str, urls: IssuerUrls, now: datetime.datetime
) -> dict:
    url = urls.status_list.format(list=list_number)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": urls.issuer,
        "validFrom": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list,
        },
        "iss": urls.issuer,
        "jti": url,
        "iat": int(now.timestamp()),
    }


def issuer_profile(urls: IssuerUrls, key_set_url: str) -> dict:
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": urls.issuer,
        "type": ["Profile"],
        "name": ISSUER_NAME,
        "description": "Issues the Open Badges credentials of MCT and MCT Alumni membership years.",
        "publicKeys": key_set_url,
    }
