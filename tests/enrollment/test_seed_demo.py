import datetime
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from enrollment.enums import MembershipStatus, Program
from enrollment.models import (
    Certification,
    CredentialType,
    EarnedCertification,
    Fee,
    ImagineAcademyMember,
    Membership,
    MtmTrainingRecord,
    PartnerOrganization,
    TermsVersion,
)

pytestmark = pytest.mark.django_db

DEMO_EMAILS = [
    "new@demo.mct",
    "renew@demo.mct",
    "renew-upload@demo.mct",
    "fte@demo.mct",
    "lapsed@demo.mct",
    "alumni@demo.mct",
    "alumni-renew@demo.mct",
    "partner@demo.mct",
    "nocert@demo.mct",
    "reviewer@demo.mct",
    "support@demo.mct",
    "admin@demo.mct",
    "fresh@demo.mct",
]


@pytest.fixture
def seeded(settings):
    settings.DEBUG = True
    call_command("seed_demo")


def counts():
    from django.apps import apps

    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"enrollment", "auth", "account"}
    }


def membership(email, program=Program.MCT):
    return Membership.objects.filter(trainer__user__email=email, program=program).latest(
        "anniversary_on"
    )


def test_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_demo")
    assert get_user_model().objects.count() == 0


def test_creates_the_thirteen_demo_accounts_verified_with_the_demo_password(seeded):
    from allauth.account.models import EmailAddress

    users = get_user_model().objects.filter(email__in=DEMO_EMAILS)
    assert users.count() == 13
    for user in users:
        assert user.check_password("demo-pass-123")
        assert EmailAddress.objects.get(user=user).verified


def test_loads_the_catalogs(seeded):
    assert Certification.objects.filter(qualifies_for_mct=True).count() >= 8
    assert Certification.objects.filter(qualifies_for_mct=False).exists()
    assert CredentialType.objects.filter(name="CompTIA CTT+").exists()
    assert PartnerOrganization.objects.filter(active=True).count() >= 3
    assert ImagineAcademyMember.objects.exists()
    assert set(Fee.objects.values_list("currency", flat=True)) == {
        "USD",
        "EUR",
        "GBP",
        "AUD",
        "JPY",
    }
    # The three application documents, the NDA and the two consent texts.
    assert TermsVersion.objects.count() == 6


def test_running_twice_changes_nothing(seeded):
    before = counts()
    call_command("seed_demo")
    assert counts() == before


def test_accounts_start_in_their_documented_states(seeded):
    today = timezone.localdate()
    in_days = lambda n: today + datetime.timedelta(days=n)  # noqa: E731

    assert not Membership.objects.filter(trainer__user__email="new@demo.mct").exists()
    renew = membership("renew@demo.mct")
    assert (renew.status, renew.anniversary_on) == (MembershipStatus.ACTIVE, in_days(10))
    assert MtmTrainingRecord.objects.filter(
        mtm_id=renew.trainer.mtm_id, delivered_on__gte=in_days(-365)
    ).exists()
    upload = membership("renew-upload@demo.mct")
    assert upload.anniversary_on == in_days(20)
    assert not MtmTrainingRecord.objects.filter(mtm_id=upload.trainer.mtm_id or "-").exists()
    fte = membership("fte@demo.mct")
    assert fte.anniversary_on == in_days(30)
    assert fte.application.employer_type == "fte"
    lapsed = membership("lapsed@demo.mct")
    assert (lapsed.status, lapsed.anniversary_on) == (MembershipStatus.LAPSED, in_days(-60))
    assert membership("alumni@demo.mct", Program.ALUMNI).status == MembershipStatus.ACTIVE
    assert membership("alumni-renew@demo.mct", Program.ALUMNI).anniversary_on == in_days(15)
    partner = get_user_model().objects.get(email="partner@demo.mct").trainer
    assert PartnerOrganization.objects.filter(name=partner.company, active=True).exists()
    nocert = get_user_model().objects.get(email="nocert@demo.mct").trainer
    nocert_certifications = EarnedCertification.objects.filter(mcp_id__trainer=nocert)
    assert nocert_certifications.exists()
    assert not nocert_certifications.filter(certification__qualifies_for_mct=True).exists()
    new = get_user_model().objects.get(email="new@demo.mct").trainer
    new_certifications = EarnedCertification.objects.filter(mcp_id__trainer=new)
    assert new_certifications.filter(certification__qualifies_for_mct=True).count() == 1
    assert (
        get_user_model()
        .objects.get(email="reviewer@demo.mct")
        .groups.filter(name="Reviewers")
        .exists()
    )
    assert (
        get_user_model()
        .objects.get(email="support@demo.mct")
        .groups.filter(name="Support")
        .exists()
    )
    assert get_user_model().objects.get(email="admin@demo.mct").is_superuser


STAFF_EMAILS = ("reviewer@demo.mct", "support@demo.mct", "admin@demo.mct")


@pytest.mark.parametrize("email", DEMO_EMAILS)
def test_every_demo_account_signs_in(seeded, client, email):
    """Staff accounts then give the code of the documented demo TOTP secret (README)."""
    import pyotp
    from django.core.cache import cache

    from enrollment.demo import DEMO_STAFF_TOTP_SECRET

    response = client.post("/accounts/login/", {"login": email, "password": "demo-pass-123"})
    assert response.status_code == 302, response.content[:500]
    if email in STAFF_EMAILS:
        assert response["Location"].startswith("/accounts/2fa/authenticate/")
        assert not client.session.get("_auth_user_id")
        cache.clear()  # allauth remembers used codes; user ids repeat between tests
        code = pyotp.TOTP(DEMO_STAFF_TOTP_SECRET).now()
        response = client.post("/accounts/2fa/authenticate/", {"code": code})
        assert response.status_code == 302, response.content[:500]
    assert client.session.get("_auth_user_id")


def test_fresh_account_and_an_unclaimed_mcp_id_with_the_documented_code(seeded):
    from enrollment.demo import UNCLAIMED_ACCESS_CODE, UNCLAIMED_MCP_ID
    from enrollment.models import McpId, Trainer
    from enrollment.rules.access_codes import access_code_matches

    fresh = get_user_model().objects.get(email="fresh@demo.mct")
    assert fresh.check_password("demo-pass-123")
    assert not Trainer.objects.filter(user=fresh).exists()  # no details yet
    mcp_id = McpId.objects.get(value=UNCLAIMED_MCP_ID)
    assert mcp_id.trainer is None
    assert access_code_matches(UNCLAIMED_ACCESS_CODE, mcp_id.access_code_hash)
    assert mcp_id.certifications.filter(certification__qualifies_for_mct=True).exists()
    assert mcp_id.exam_results.exists()
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "fresh@demo.mct" in readme
    assert UNCLAIMED_MCP_ID in readme and UNCLAIMED_ACCESS_CODE in readme
