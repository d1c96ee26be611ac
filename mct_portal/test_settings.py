"""Settings for the test suite: the real settings, with a throwaway key and fast hashing."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-only-for-the-test-suite-0123456789")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("MCT_VAR_DIR", tempfile.mkdtemp(prefix="mct-test-var-"))

from .settings import *  # noqa: F403
from .settings import STORAGES, env_bool

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# A real worker started by a test sets CELERY_TASK_ALWAYS_EAGER=0 in its environment.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if not env_bool("TEST_SMTP"):
    # A worker started by the chaos tests sets TEST_SMTP=1 and EMAIL_HOST: a real SMTP server.
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
AXES_ENABLED = False
# Static files come straight from the finders: no collectstatic before a test run.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
