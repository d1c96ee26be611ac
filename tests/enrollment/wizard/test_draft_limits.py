"""Back, "Email code" and an invalid step keep what was typed, but only the step's own fields,
each within its form's limits (issue 19: the probe stored 1 MB values and 900 made-up fields)."""

import pytest

from tests.enrollment.wizard.walk import prefix_of, qualified_trainer, start_draft, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_profile(walker, terms):
    trainer = qualified_trainer()
    walker.client.force_login(trainer.user)
    application = start_draft(trainer)
    page = walker.get("/apply/new/profile/")
    return {"prefix": prefix_of(page), "application": application}


def _back_from_profile(walker, on_profile, fields: dict):
    data = {f"{on_profile['prefix']}-current_step": "profile", "wizard_goto_step": "profile"}
    data.update(fields)
    return walker.post("/apply/new/profile/", data)


def test_back_stores_no_made_up_fields(walker, on_profile):
    """Probe: 900 made-up fields (about 1 MB) went into the draft through Back."""
    made_up = {f"profile-made_up_{n}": "x" * 1000 for n in range(900)}
    made_up["profile-institution_name"] = "Contoso University"
    made_up["unprefixed"] = "y" * 1000

    response = _back_from_profile(walker, on_profile, made_up)

    assert response.status_code == 302
    application = on_profile["application"]
    application.refresh_from_db()
    stored = application.draft_data["step_data"]["profile"]
    assert stored == {"profile-institution_name": ["Contoso University"]}


def test_back_caps_a_value_at_its_fields_limit(walker, on_profile):
    """Probe: a 1 MB value for a 200-character field was saved as typed."""
    response = _back_from_profile(
        walker,
        on_profile,
        {"profile-institution_name": "C" * 1_000_000, "profile-employer_type": ["academic"] * 500},
    )

    assert response.status_code == 302
    application = on_profile["application"]
    application.refresh_from_db()
    stored = application.draft_data["step_data"]["profile"]
    assert stored["profile-institution_name"] == ["C" * 200]
    assert stored["profile-employer_type"] == ["academic"]
    assert len(str(application.draft_data)) < 5_000
    # The trainer finds the capped value again, and the form says what is wrong with it.
    page = walker.get("/apply/new/profile/")
    assert "C" * 200 in text_of(page) or "C" * 200 in page.content.decode()


def test_an_invalid_post_and_email_code_store_only_known_fields(walker, on_profile):
    data = {
        f"{on_profile['prefix']}-current_step": "profile",
        "profile-employer_type": "academic",
        "profile-invented": "z" * 100_000,
    }
    walker.post("/apply/new/profile/", data)
    walker.post("/apply/new/profile/", {**data, "action": "send_code"})
    application = on_profile["application"]
    application.refresh_from_db()
    stored = application.draft_data["step_data"]["profile"]
    assert "profile-invented" not in stored
