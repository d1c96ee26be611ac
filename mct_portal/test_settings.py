"""Settings for the test suite: the real settings, with a throwaway key and fast hashing."""

import os
import tempfile

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-only-for-the-test-suite-0123456789")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("MCT_VAR_DIR", tempfile.mkdtemp(prefix="mct-test-var-"))

from .settings import *  # noqa: F403
from .settings import STORAGES, VAR_DIR, env

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# A real worker started by a test sets CELERY_TASK_ALWAYS_EAGER=0 in its environment.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
# A test's worker consumes a queue of its own; what it enqueues itself goes there too.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_ENABLED = False
# Named explicitly, as a deployment that wants the demo card would (the tests pay with it).
PAYMENT_PROVIDERS = ["test_card", "invoice"]
STRIPE_SECRET_KEY = "sk_test_suite"  # noqa: S105
STRIPE_WEBHOOK_SECRET = "whsec_test_suite"  # noqa: S105
# Static files come straight from the finders: no collectstatic before a test run.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# One signing key for the whole run (a worker started by a test shares MCT_VAR_DIR).
_CREDENTIAL_KEY = VAR_DIR / "credential-key.pem"
if not _CREDENTIAL_KEY.exists():
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _CREDENTIAL_KEY.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
CREDENTIAL_SIGNING_KEYS = [str(_CREDENTIAL_KEY)]
