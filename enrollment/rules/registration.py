"""The registration data of the MCP ID document's dialog: what a trainer must fill in.

Pure: no database. The dialog marks first name, last name, country, address 1, city,
state/province and postal code as required (`*`); the portal also needs an email address
to reach the trainer, and the program's current NDA accepted. Support may still save a
record with gaps (they correct what they know); only the trainer's own form enforces this.
"""

REQUIRED_REGISTRATION_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "country",
    "address_1",
    "city",
    "state_province",
    "postal_code",
)


def missing_registration_fields(values: dict) -> list[str]:
    """The required fields that are empty (blank or only spaces), in dialog order."""
    return [
        name for name in REQUIRED_REGISTRATION_FIELDS if not str(values.get(name) or "").strip()
    ]


def nda_needs_acceptance(
    *, accepted_version_id: int | None, current_version_id: int | None
) -> bool:
    """True when the trainer has not accepted the NDA version now in force.

    With no NDA published there is nothing to accept; a newer version than the one the
    trainer accepted has to be accepted again.
    """
    if current_version_id is None:
        return False
    return accepted_version_id != current_version_id


def details_complete(
    values: dict, *, accepted_nda_version_id: int | None, current_nda_version_id: int | None
) -> bool:
    """May this trainer start an application as far as their own details go?"""
    return not missing_registration_fields(values) and not nda_needs_acceptance(
        accepted_version_id=accepted_nda_version_id, current_version_id=current_nda_version_id
    )
