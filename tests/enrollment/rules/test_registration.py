from enrollment.rules.registration import (
    REQUIRED_REGISTRATION_FIELDS,
    details_complete,
    missing_registration_fields,
    nda_needs_acceptance,
)

FULL = {
    "first_name": "Benjamin",
    "last_name": "Cheever",
    "email": "ben@example.org",
    "country": "United States",
    "address_1": "159 S. 2530 W.",
    "city": "Provo",
    "state_province": "Utah",
    "postal_code": "84601",
}


def test_the_dialogs_starred_fields_are_required():
    assert set(REQUIRED_REGISTRATION_FIELDS) == set(FULL)
    assert missing_registration_fields(FULL) == []
    assert missing_registration_fields({**FULL, "city": "   ", "postal_code": None}) == [
        "city",
        "postal_code",
    ]
    assert missing_registration_fields({}) == list(REQUIRED_REGISTRATION_FIELDS)


def test_the_nda_in_force_must_be_the_one_accepted():
    assert nda_needs_acceptance(accepted_version_id=None, current_version_id=None) is False
    assert nda_needs_acceptance(accepted_version_id=None, current_version_id=3) is True
    assert nda_needs_acceptance(accepted_version_id=2, current_version_id=3) is True
    assert nda_needs_acceptance(accepted_version_id=3, current_version_id=3) is False


def test_details_complete_needs_both():
    assert details_complete(FULL, accepted_nda_version_id=1, current_nda_version_id=1)
    assert not details_complete(FULL, accepted_nda_version_id=None, current_nda_version_id=1)
    assert not details_complete(
        {**FULL, "country": ""}, accepted_nda_version_id=1, current_nda_version_id=1
    )
