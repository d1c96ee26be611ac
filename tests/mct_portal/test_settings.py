"""Settings come from the environment; each case imports them in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

from enrollment.credentials.keys import generate_private_key_pem

ROOT = Path(__file__).resolve().parents[2]
REAL_STACK_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_HOST",
    "AWS_STORAGE_BUCKET_NAME",
    "MICROSOFT_CLIENT_ID",
    "MICROSOFT_CLIENT_SECRET",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "CELERY_TASK_ALWAYS_EAGER",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)

PROBE = """
import json
from django.conf import settings
print(json.dumps({
    "debug": settings.DEBUG,
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "cache": settings.CACHES["default"]["BACKEND"],
    "broker": settings.CELERY_BROKER_URL,
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "email": settings.EMAIL_BACKEND,
    "storage": settings.STORAGES["private"]["BACKEND"],
    "storage_options": settings.STORAGES["private"].get("OPTIONS", {}),
    "apps": settings.INSTALLED_APPS,
    "media_root": str(settings.MEDIA_ROOT),
}))
"""


def load_settings(**env):
    clean = {k: v for k, v in os.environ.items() if k not in REAL_STACK_VARS}
    clean.update(env, DJANGO_SETTINGS_MODULE="mct_portal.settings")
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    return result


def settings_for(**env) -> dict:
    result = load_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default_needs_nothing_installed(tmp_path):
    found = settings_for(DJANGO_DEBUG="1", MCT_VAR_DIR=str(tmp_path))
    assert found["debug"] is True
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["db_name"].startswith(str(tmp_path))
    assert found["cache"].endswith("LocMemCache")
    assert found["eager"] is True
    assert found["email"].endswith("console.EmailBackend")
    assert found["storage"].endswith("FileSystemStorage")
    assert "/static" not in found["media_root"]


def test_debug_is_off_unless_asked_for(tmp_path):
    found = settings_for(
        DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="portal.example", MCT_VAR_DIR=str(tmp_path)
    )
    assert found["debug"] is False


def test_missing_secret_key_with_debug_off_stops_startup_with_a_clear_message():
    result = load_settings(DJANGO_ALLOWED_HOSTS="portal.example")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_missing_allowed_hosts_with_debug_off_stops_startup_with_a_clear_message():
    result = load_settings(DJANGO_SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS is not set" in result.stderr


def test_real_stack_from_environment_variables():
    found = settings_for(
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://portal:secret@db.internal:5432/portal",
        REDIS_URL="redis://cache.internal:6379/0",
        EMAIL_HOST="smtp.internal",
    )
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["db_name"] == "portal"
    assert found["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert found["broker"] == "redis://cache.internal:6379/0"
    assert found["eager"] is False
    assert found["email"] == "django.core.mail.backends.smtp.EmailBackend"


def test_s3_storage_is_private_never_overwrites_and_signs_short_urls():
    found = settings_for(DJANGO_DEBUG="1", AWS_STORAGE_BUCKET_NAME="mct-proofs")
    assert found["storage"] == "storages.backends.s3.S3Storage"
    options = found["storage_options"]
    assert options["bucket_name"] == "mct-proofs"
    assert options["default_acl"] is None
    assert options["file_overwrite"] is False
    assert options["querystring_auth"] is True
    assert options["querystring_expire"] <= 600


def test_microsoft_sign_in_is_switched_on_only_with_credentials():
    without = settings_for(DJANGO_DEBUG="1")
    assert "allauth.socialaccount.providers.microsoft" not in without["apps"]
    with_credentials = settings_for(
        DJANGO_DEBUG="1", MICROSOFT_CLIENT_ID="client", MICROSOFT_CLIENT_SECRET="secret"
    )
    assert "allauth.socialaccount.providers.microsoft" in with_credentials["apps"]


def test_deploy_check_passes_with_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in REAL_STACK_VARS}
    env.update(
        DJANGO_SETTINGS_MODULE="mct_portal.settings",
        DJANGO_SECRET_KEY="a-long-random-production-secret-" + "k3y" * 12,
        DJANGO_ALLOWED_HOSTS="portal.example",
        MCT_VAR_DIR=str(tmp_path),
        REDIS_URL="redis://127.0.0.1:6379/0",
        # Invoices name their seller (enrollment.W011 otherwise).
        INVOICE_SELLER_ADDRESS="1 Microsoft Way|Redmond, WA 98052",
        INVOICE_SELLER_TAX_ID="91-1144442",
        CREDENTIAL_SIGNING_KEYS=str(credential_key(tmp_path)),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


ENVIRON_PROBE = """
import json
from django.conf import settings
print(json.dumps({
    "hosts": settings.ALLOWED_HOSTS,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "reminders": settings.RENEWAL_REMINDER_DAYS,
    "window": settings.RENEWAL_WINDOW_DAYS,
}))
"""


def test_settings_are_read_with_django_environ_and_an_empty_variable_means_unset(tmp_path):
    clean = {k: v for k, v in os.environ.items() if k not in REAL_STACK_VARS}
    clean.update(
        DJANGO_SETTINGS_MODULE="mct_portal.settings",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_ALLOWED_HOSTS="portal.example, www.portal.example",
        DJANGO_SSL_REDIRECT="",
        RENEWAL_REMINDER_DAYS="30, 7",
        RENEWAL_WINDOW_DAYS="",
        MCT_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "-c", ENVIRON_PROBE], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found == {
        "hosts": ["portal.example", "www.portal.example"],
        "ssl_redirect": True,
        "reminders": [30, 7],
        "window": 90,
    }
    source = (ROOT / "mct_portal" / "settings.py").read_text()
    assert "import environ" in source
    assert "def env_bool" not in source and "def env_int" not in source


def credential_key(folder):
    path = folder / "credential-key.pem"
    path.write_bytes(generate_private_key_pem())
    return path


def test_deploy_check_warns_when_no_credential_key_is_configured(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in REAL_STACK_VARS}
    env.update(
        DJANGO_SETTINGS_MODULE="mct_portal.settings",
        DJANGO_SECRET_KEY="a-long-random-production-secret-" + "k3y" * 12,
        DJANGO_ALLOWED_HOSTS="portal.example",
        MCT_VAR_DIR=str(tmp_path),
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "credentials.W001" in result.stdout + result.stderr
