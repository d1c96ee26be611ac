"""The S3 storage backend against a real S3-compatible server (moto's, started locally on a
free port), with the options the settings give it when AWS_STORAGE_BUCKET_NAME is set."""

import importlib
import urllib.error
import urllib.request
import uuid
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.verification import corpus
from tests.verification import test_services as _services
from verification.models import Document
from verification.services import document_decide, document_purge_file

# The upload fixtures of the service tests, shared.
committed = _services.committed
owner = _services.owner
receive = _services.receive

pytestmark = [pytest.mark.django_db, pytest.mark.s3]
KEYS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def _production_storage_options(monkeypatch, bucket: str, endpoint: str) -> dict:
    """PRIVATE_STORAGE as mct_portal.settings builds it for this environment."""
    import mct_portal.settings as portal_settings

    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", bucket)
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("AWS_S3_REGION_NAME", "us-east-1")
    try:
        storage = importlib.reload(portal_settings).PRIVATE_STORAGE
    finally:
        monkeypatch.delenv("AWS_STORAGE_BUCKET_NAME")
        monkeypatch.delenv("AWS_S3_ENDPOINT_URL")
        monkeypatch.delenv("AWS_S3_REGION_NAME")
        importlib.reload(portal_settings)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    return storage["OPTIONS"]


@pytest.fixture
def s3(real_s3, monkeypatch):
    from storages.backends.s3 import S3Storage

    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    bucket = f"mct-{uuid.uuid4().hex[:16]}"
    client = boto3.client("s3", endpoint_url=real_s3.url, region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    options = _production_storage_options(monkeypatch, bucket, real_s3.url)
    storage = S3Storage(**options)
    storage.test_client = client
    storage.test_options = options
    return storage


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _keys(storage) -> list[str]:
    listed = storage.test_client.list_objects_v2(Bucket=storage.bucket_name)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def test_objects_are_private_and_reached_only_by_a_signed_url(s3):
    name = s3.save("documents/cert.pdf", ContentFile(b"%PDF-1.4 private"))
    signed = s3.url(name)
    unsigned = signed.split("?", 1)[0]

    assert _get(unsigned) == 403
    assert _get(signed) == 200
    grants = s3.test_client.get_object_acl(Bucket=s3.bucket_name, Key=f"private/{name}")["Grants"]
    assert not [g for g in grants if "AllUsers" in str(g.get("Grantee", {}))]


def test_a_second_file_of_the_same_name_never_overwrites_the_first(s3):
    first = s3.save("documents/cert.pdf", ContentFile(b"first"))
    second = s3.save("documents/cert.pdf", ContentFile(b"second"))

    assert first != second
    assert s3.open(first).read() == b"first"
    assert s3.open(second).read() == b"second"


def test_signed_urls_expire_after_five_minutes(s3):
    """The URL carries a SigV4 lifetime of 300 s. moto serves a presigned URL but does not
    enforce its expiry (AWS does), so the lifetime is checked on the URL itself."""
    assert s3.test_options["querystring_expire"] == 300
    url = s3.url(s3.save("documents/a.pdf", ContentFile(b"x")))
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["300"]
    assert _get(url) == 200


def test_files_are_deleted_from_the_bucket_on_retention(
    s3,
    monkeypatch,
    receive,
    committed,
    reviewer,
):
    for field in ("file", "preview"):
        monkeypatch.setattr(Document._meta.get_field(field), "storage", s3)
    document = receive(SimpleUploadedFile("cert.pdf", corpus.pdf_bytes()))
    assert len(_keys(s3)) == 2  # the upload and its preview, in the bucket

    committed(document_decide, document=document, by=reviewer, approve=True)
    document_purge_file(document_id=document.pk)

    assert _keys(s3) == []
    document.refresh_from_db()
    assert document.file_deleted_at is not None
