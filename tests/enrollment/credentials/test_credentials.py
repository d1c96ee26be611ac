"""Membership credentials, checked the way an outside verifier would: only with what the
portal publishes (the key set, the status list) and libraries that know nothing of it."""

import base64
import datetime
import gzip
import io
import json

import jwt
import pypdfium2
import pytest
import zxingcpp
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from enrollment.credentials.keys import generate_private_key_pem
from enrollment.enums import MembershipStatus, Program
from enrollment.models import MembershipCredential
from enrollment.services.membership_ends import membership_lapse, membership_revoke
from enrollment.services.memberships import membership_extend, membership_start
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainer():
    return factories.TrainerFactory(first_name="Carmen", last_name="Credential")


@pytest.fixture
def credential(trainer):
    membership = membership_start(trainer=trainer, program=Program.MCT)
    return membership.credential


def published_keys(client) -> jwt.PyJWKSet:
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert all("d" not in key for key in response.json()["keys"])  # no private part
    return jwt.PyJWKSet.from_dict(response.json())


def verify(token: str, keys: jwt.PyJWKSet) -> dict:
    """What any verifier does: pick the key by kid, check the signature and the dates."""
    kid = jwt.get_unverified_header(token)["kid"]
    return jwt.decode(token, keys[kid].key, algorithms=["EdDSA"], leeway=86400)


def download(client, credential) -> str:
    response = client.get(f"/credentials/{credential.public_id}.jwt")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vc+jwt"
    assert "attachment" in response["Content-Disposition"]
    return response.content.decode()


def status_bit(client, keys, claims: dict) -> bool:
    """Reads the credential's bit from the signed status list it names."""
    entry = claims["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry"
    path = entry["statusListCredential"].split("://", 1)[1].split("/", 1)[1]
    response = client.get(f"/{path}")
    assert response.status_code == 200
    status_list = verify(response.content.decode(), keys)
    assert "BitstringStatusListCredential" in status_list["type"]
    encoded = status_list["credentialSubject"]["encodedList"]
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= 131_072
    index = int(entry["statusListIndex"])
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_a_new_membership_year_carries_a_credential_that_verifies_with_the_published_keys(
    client, credential, trainer
):
    claims = verify(download(client, credential), published_keys(client))

    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    achievement = claims["credentialSubject"]["achievement"]
    assert achievement["name"] == "Microsoft Certified Trainer"
    assert achievement["type"] == ["Achievement"]
    assert claims["credentialSubject"]["identifier"][0]["identityHash"] == "Carmen Credential"
    membership = credential.membership
    assert claims["validFrom"] == f"{membership.starts_on.isoformat()}T00:00:00Z"
    assert claims["validUntil"] == f"{membership.anniversary_on.isoformat()}T00:00:00Z"
    assert claims["id"] == f"urn:uuid:{credential.public_id}"
    assert claims["sub"].endswith(f"/verify/{trainer.verification_code}/")
    assert not status_bit(client, published_keys(client), claims)


def test_an_alumni_year_names_mct_alumni(client, trainer):
    membership = membership_start(trainer=trainer, program=Program.ALUMNI)
    claims = verify(download(client, membership.credential), published_keys(client))
    assert claims["credentialSubject"]["achievement"]["name"] == "MCT Alumni"


def test_a_renewed_year_gets_its_own_credential(client, trainer, time_machine):
    first = membership_start(trainer=trainer, program=Program.MCT)
    time_machine.move_to(first.anniversary_on - datetime.timedelta(days=20))
    second = membership_extend(trainer=trainer, program=Program.MCT)
    assert second.credential.public_id != first.credential.public_id
    # Issued before its year starts; it verifies from that day on.
    time_machine.move_to(first.anniversary_on + datetime.timedelta(days=2))
    claims = verify(download(client, second.credential), published_keys(client))
    assert claims["validFrom"].startswith(first.anniversary_on.isoformat())


def test_a_tampered_credential_does_not_verify(client, credential):
    header, payload, signature = download(client, credential).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["validUntil"] = "2099-01-01T00:00:00Z"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidSignatureError):
        verify(f"{header}.{forged}.{signature}", published_keys(client))


@pytest.mark.parametrize("end", ["revoke", "lapse"])
def test_revoke_and_lapse_flip_the_status_bit_and_the_verify_page_says_so(
    client, credential, trainer, end, time_machine
):
    keys = published_keys(client)
    claims = verify(download(client, credential), keys)
    membership = credential.membership
    if end == "revoke":
        membership_revoke(membership=membership, by=None, reason="Misconduct at an event.")
    else:
        time_machine.move_to(membership.anniversary_on + datetime.timedelta(days=1))
        membership_lapse(membership=membership)
    membership.refresh_from_db()
    assert membership.status in (MembershipStatus.REVOKED, MembershipStatus.LAPSED)

    assert status_bit(client, keys, claims)
    page = client.get(f"/verify/{trainer.verification_code}/").content.decode()
    assert f"Credential {credential.public_id} is revoked in the program’s status list" in page


def test_key_rotation_keeps_credentials_signed_with_the_previous_key_verifiable(
    client, trainer, tmp_path, settings
):
    old_key, new_key = tmp_path / "old.pem", tmp_path / "new.pem"
    old_key.write_bytes(generate_private_key_pem())
    new_key.write_bytes(generate_private_key_pem())
    with override_settings(CREDENTIAL_SIGNING_KEYS=[str(old_key)]):
        old = membership_start(trainer=trainer, program=Program.MCT).credential
    with override_settings(CREDENTIAL_SIGNING_KEYS=[str(new_key), str(old_key)]):
        new = membership_start(trainer=factories.TrainerFactory(), program=Program.MCT).credential
        keys = published_keys(client)
        assert len(keys.keys) == 2
        assert new.key_id != old.key_id
        assert verify(download(client, old), keys)["id"] == f"urn:uuid:{old.public_id}"
        assert verify(download(client, new), keys)["id"] == f"urn:uuid:{new.public_id}"
    # Once the old key is retired from the set, what it signed no longer verifies.
    with (
        override_settings(CREDENTIAL_SIGNING_KEYS=[str(new_key)]),
        pytest.raises(KeyError),
    ):
        verify(download(client, old), published_keys(client))


def test_the_issuer_profile_points_at_the_key_set(client):
    profile = client.get("/credentials/issuer").json()
    assert profile["type"] == ["Profile"]
    assert profile["publicKeys"].endswith("/credentials/keys")
    assert client.get("/credentials/keys").json() == client.get("/.well-known/jwks.json").json()


def qr_text(image: Image.Image) -> str:
    found = zxingcpp.read_barcodes(image.convert("L"))
    assert found, "no QR code found"
    return found[0].text


@pytest.mark.parametrize(("paper", "size"), [("a4", (842, 595)), ("letter", (792, 612))])
def test_the_certificate_names_the_trainer_program_and_dates_with_a_qr_to_the_verify_page(
    client, credential, trainer, paper, size
):
    client.force_login(trainer.user)
    response = client.get(f"/credentials/{credential.public_id}/certificate-{paper}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == size
    text = page.extract_text()
    membership = credential.membership
    assert "Carmen Credential" in text
    assert "Microsoft Certified Trainer" in text
    assert f"{membership.starts_on:%B %Y}" in text and f"{membership.anniversary_on:%B %Y}" in text
    image = pypdfium2.PdfDocument(response.content)[0].render(scale=3).to_pil()
    assert qr_text(image).endswith(f"/verify/{trainer.verification_code}/")


def test_the_membership_card_carries_name_program_dates_and_a_qr(client, credential, trainer):
    client.force_login(trainer.user)
    response = client.get(f"/credentials/{credential.public_id}/card.png")
    assert response.status_code == 200
    card = Image.open(io.BytesIO(response.content))
    assert card.size == (1011, 638)
    described = card.text["Description"]
    membership = credential.membership
    assert "Carmen Credential" in described and "Microsoft Certified Trainer" in described
    assert f"{membership.anniversary_on:%B %Y}" in described
    assert qr_text(card).endswith(f"/verify/{trainer.verification_code}/")


def test_someone_elses_certificate_and_card_are_not_found(client, credential):
    client.force_login(factories.TrainerFactory().user)
    for url in (
        f"/credentials/{credential.public_id}/certificate-a4.pdf",
        f"/credentials/{credential.public_id}/card.png",
    ):
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(f"/credentials/{credential.public_id}/card.png").status_code == 302


def test_the_profile_offers_the_credential_its_proofs_and_linkedin(client, credential, trainer):
    client.force_login(trainer.user)
    page = client.get("/profile/").content.decode()
    assert "Download your Microsoft Certified Trainer credential (Open Badges 3.0)" in page
    assert f"/credentials/{credential.public_id}/qr.png" in page
    assert f"/credentials/{credential.public_id}/certificate-a4.pdf" in page
    linkedin = next(
        line for line in page.splitlines() if "https://www.linkedin.com/profile/add?" in line
    )
    assert "startTask=CERTIFICATION_NAME" in linkedin
    assert "name=Microsoft+Certified+Trainer" in linkedin
    assert f"certId={credential.public_id}" in linkedin
    qr = client.get(f"/credentials/{credential.public_id}/qr.png")
    assert qr_text(Image.open(io.BytesIO(qr.content))).endswith(
        f"/credentials/{credential.public_id}.jwt"
    )


def test_a_get_of_the_profile_or_the_public_documents_issues_nothing(client, trainer):
    factories.MembershipFactory(trainer=trainer, status=MembershipStatus.ACTIVE)
    client.force_login(trainer.user)
    client.get("/profile/")
    client.get("/credentials/status/1")
    assert not MembershipCredential.objects.exists()


def test_issue_credentials_backfills_current_years_once(trainer):
    factories.MembershipFactory(trainer=trainer, status=MembershipStatus.ACTIVE)
    factories.MembershipFactory(
        trainer=factories.TrainerFactory(),
        status=MembershipStatus.ENDED,
        starts_on=timezone.localdate() - datetime.timedelta(days=800),
        anniversary_on=timezone.localdate() - datetime.timedelta(days=435),
    )
    call_command("issue_credentials")
    call_command("issue_credentials")
    assert MembershipCredential.objects.count() == 1


def test_unknown_status_lists_and_achievements_are_not_found(client):
    assert client.get("/credentials/status/0").status_code == 404
    assert client.get("/credentials/achievements/nope").status_code == 404
    assert client.get("/credentials/achievements/mct").json()["name"] == (
        "Microsoft Certified Trainer"
    )
