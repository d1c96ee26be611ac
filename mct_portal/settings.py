"""Settings read from the environment.

With nothing set, the portal runs on its embedded default: SQLite, Celery tasks run
eagerly, emails go to the console (and the outbound-email table), files on local disk.
Setting DATABASE_URL, REDIS_URL, EMAIL_HOST or AWS_STORAGE_BUCKET_NAME switches on the
real stack piece by piece. DEBUG is off unless DJANGO_DEBUG asks for it.
"""

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import dj_database_url
import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


class _SetVariables(Mapping):
    """os.environ without the variables set to "": an empty variable means "not set", so
    its default applies (DJANGO_SSL_REDIRECT= keeps the redirect on, as before)."""

    def __getitem__(self, name):
        value = os.environ[name]
        if not value.strip():
            raise KeyError(name)
        return value

    def __iter__(self):
        return (name for name, value in os.environ.items() if value.strip())

    def __len__(self):
        return sum(1 for _ in self)


class PortalEnv(environ.Env):
    """django-environ, with list items stripped of spaces ("a, b" is ["a", "b"])."""

    def list(self, var, cast=None, default=environ.Env.NOTSET):
        return [item.strip() for item in super().list(var, cast, default) if item.strip()]


# Every setting is read with django-environ: env("NAME", default=...), env.bool, env.int, env.list.
env = PortalEnv()
env.ENVIRON = _SetVariables()


VAR_DIR = Path(env("MCT_VAR_DIR", default=BASE_DIR / "var"))


DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With DEBUG off the portal needs a secret key: "
            "set DJANGO_SECRET_KEY to a long random string (or DJANGO_DEBUG=1 for local work)."
        )
    SECRET_KEY = "dev-only-insecure-key-never-used-with-debug-off"  # noqa: S105

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS is not set. With DEBUG off the portal needs the host names "
            "it answers to, comma-separated (for example: portal.example.org)."
        )
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Never reads the request body (a body the CSRF check could not parse is the usual cause).
CSRF_FAILURE_VIEW = "mct_portal.errors.csrf_failure"
# The portal's own origin (https://mct.example.org), for links in emails, which have no request.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "formtools",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "axes",
    "verification",
    "enrollment",
    "alumni",
    "allauth.mfa",
    "mct_portal.apps.PortalConfig",
    "enrollment.imports",
]

MICROSOFT_CLIENT_ID = env("MICROSOFT_CLIENT_ID", default="")
MICROSOFT_CLIENT_SECRET = env("MICROSOFT_CLIENT_SECRET", default="")
SOCIALACCOUNT_PROVIDERS = {}
if MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET:
    INSTALLED_APPS.append("allauth.socialaccount.providers.microsoft")
    SOCIALACCOUNT_PROVIDERS["microsoft"] = {
        "APPS": [
            {
                "client_id": MICROSOFT_CLIENT_ID,
                "secret": MICROSOFT_CLIENT_SECRET,
                "settings": {"tenant": env("MICROSOFT_TENANT", default="common")},
            }
        ]
    }

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the `django_language` cookie (set by the language menu), then the
    # browser's Accept-Language; a signed-in trainer's saved choice comes first (below).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mct_portal.middleware.TrainerLanguageMiddleware",
    "mct_portal.middleware.SessionRefreshMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before anything reads request.POST (the CSRF check does): oversized bodies stay unread.
    "mct_portal.uploads.UploadLimitMiddleware",
    "mct_portal.middleware.RejectNulMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "mct_portal.staff_mfa.StaffSecondFactorMiddleware",
    "mct_portal.middleware.NoStoreForSignedInMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mct_portal.urls"
WSGI_APPLICATION = "mct_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mct_portal.context_processors.portal",
            ],
        },
    },
]

# Django's default form renderer, with the stock widget templates written in Python
# (mct_portal/form_renderer.py; issue 14: a wizard step renders some twenty widgets).
FORM_RENDERER = "mct_portal.form_renderer.FastWidgetRenderer"

# --- Database ---------------------------------------------------------------------------
# The pragmas Django's SQLite notes recommend for a web server (busy_timeout in ms).
SQLITE_INIT_COMMAND = (
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "PRAGMA busy_timeout=20000;"
    "PRAGMA temp_store=MEMORY;"
    "PRAGMA mmap_size=134217728;"
    "PRAGMA journal_size_limit=27103364;"
    "PRAGMA cache_size=2000;"
)
DATABASE_URL = env("DATABASE_URL", default="")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # SQLite serving concurrent requests: every transaction takes the write lock when it
    # begins (IMMEDIATE), so the row locks PostgreSQL gives `select_for_update` become a
    # queue here, and a writer waits for the lock (busy timeout) instead of failing with
    # "database is locked"; WAL lets readers go on while one request writes.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": SQLITE_INIT_COMMAND,
            },
            "TEST": {"NAME": VAR_DIR / "test-db.sqlite3"},
        }
    }
# The hot reads of core.prepared run as server-side prepared statements (planned once per
# connection). Off behind a pooler that moves one client's queries between server sessions
# (PgBouncer in transaction or statement mode).
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery ---------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Fails open: with Redis down, rate limits let requests through (logged).
            "BACKEND": "mct_portal.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mct",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    # Django's RedisCache (supported by django-ratelimit) with fail-open error handling.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Rate limits need a shared cache in production; the embedded default has one process.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis redelivers an unacknowledged task after the visibility timeout; every task must
# finish (or be killed) well before that, or it would run twice while still running.
CELERY_BROKER_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    # How often a worker looks for messages a dead worker held (then older than the VT):
    # a killed worker's tasks run again within VT + this.
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_SECONDS", default=10),
    "unacked_restore_throttle": 1,
}
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=600)
CELERY_TASK_SOFT_TIME_LIMIT = max(CELERY_TASK_TIME_LIMIT - 60, CELERY_TASK_TIME_LIMIT * 9 // 10)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"

# --- Reliability (README: "Reliability") ----------------------------------------------------
# How often the sweepers look for work a lost broker message or a dead worker left behind,
# and how long a row may wait for its message before they enqueue it again.
SWEEP_INTERVAL_SECONDS = env.int("SWEEP_INTERVAL_SECONDS", default=60)
DOCUMENT_RECEIVED_STUCK_SECONDS = env.int("DOCUMENT_RECEIVED_STUCK_SECONDS", default=60)
EMAIL_QUEUED_GRACE_SECONDS = env.int("EMAIL_QUEUED_GRACE_SECONDS", default=60)
# A send holds its row this long; a redelivered task takes over a row whose lease ran out.
# Longer than one SMTP conversation (EMAIL_TIMEOUT per command), shorter than the VT.
EMAIL_SEND_LEASE_SECONDS = env.int("EMAIL_SEND_LEASE_SECONDS", default=300)
# Temporary SMTP failures are retried with backoff (base, doubling, capped) this long.
EMAIL_RETRY_HOURS = env.int("EMAIL_RETRY_HOURS", default=24)
EMAIL_RETRY_BASE_SECONDS = env.int("EMAIL_RETRY_BASE_SECONDS", default=30)
EMAIL_RETRY_MAX_BACKOFF_SECONDS = env.int("EMAIL_RETRY_MAX_BACKOFF_SECONDS", default=3600)
# Files that no row names are deleted once they are this old.
ORPHAN_FILE_GRACE_MINUTES = env.int("ORPHAN_FILE_GRACE_MINUTES", default=15)

CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-documents": {
        "task": "verification.tasks.sweep_stuck_documents",
        "schedule": timedelta(seconds=SWEEP_INTERVAL_SECONDS),
    },
    "sweep-outbound-email": {
        "task": "verification.tasks.sweep_outbound_email",
        "schedule": timedelta(seconds=SWEEP_INTERVAL_SECONDS),
    },
    "sweep-unrendered-documents": {
        "task": "verification.tasks.sweep_unrendered_documents",
        "schedule": timedelta(minutes=5),
    },
    "purge-decided-files": {
        "task": "verification.tasks.purge_decided_files",
        "schedule": timedelta(hours=1),
    },
    "purge-orphaned-files": {
        "task": "verification.tasks.purge_orphaned_files",
        "schedule": timedelta(minutes=ORPHAN_FILE_GRACE_MINUTES),
    },
    "send-renewal-reminders": {
        "task": "enrollment.tasks.send_renewal_reminders",
        "schedule": timedelta(hours=1),
    },
    "lapse-memberships": {
        "task": "enrollment.tasks.lapse_memberships",
        "schedule": timedelta(hours=1),
    },
    "sync-stale-card-payments": {
        "task": "enrollment.tasks.sync_stale_card_payments",
        "schedule": timedelta(minutes=15),
    },
    "remind-idle-drafts": {
        "task": "enrollment.tasks.remind_idle_drafts",
        "schedule": timedelta(hours=6),
    },
    "expire-idle-drafts": {
        "task": "enrollment.tasks.expire_idle_drafts",
        "schedule": timedelta(hours=6),
    },
    "sweep-personal-data": {
        "task": "enrollment.tasks.sweep_personal_data",
        "schedule": timedelta(minutes=15),
    },
    "sweep-stuck-imports": {
        "task": "imports.sweep_stuck_imports",
        "schedule": timedelta(minutes=5),
    },
}

# --- Accounts -----------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[MCT Portal] "
ACCOUNT_ADAPTER = "mct_portal.accounts.PortalAccountAdapter"
# Per address only: a per-account limit would let anyone lock the owner out (axes limits
# each account per client address below; see mct_portal.lockout).
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip"}
# The owner's way in while their password sign-in is throttled: a code sent by email.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "MCT Portal"
MFA_FORMS = {"activate_totp": "mct_portal.mfa_forms.EnrollingTOTPForm"}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/profile/"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_LOCKOUT_BASE_SECONDS = env.int("AXES_LOCKOUT_BASE_SECONDS", default=5 * 60)
AXES_COOLOFF_TIME = "mct_portal.lockout.cool_off"  # doubles with each failure past the limit
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # the pair, never either alone
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "mct_portal.lockout.login_username"
AXES_LOCKOUT_TEMPLATE = "account/locked_out.html"
PROXY_COUNT = env.int("PROXY_COUNT", default=0)  # trusted reverse proxies in front of the portal
AXES_IPWARE_PROXY_COUNT = PROXY_COUNT
RATELIMIT_IP_META_KEY = "mct_portal.middleware.client_ip"
SUPPORT_SEARCH_RATE_LIMIT = env("SUPPORT_SEARCH_RATE_LIMIT", default="60/m")
VERIFY_RATE_LIMIT = env("VERIFY_RATE_LIMIT", default="30/m")

# --- Sessions and security ------------------------------------------------------------------
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=2 * 60 * 60)
# The cookie age is an idle timeout: mct_portal.middleware.SessionRefreshMiddleware saves a
# used session again once this many seconds have passed since its last save (not on every
# request), so a person idle for SESSION_IDLE_SECONDS is signed out within this interval.
SESSION_REFRESH_SECONDS = min(
    env.int("SESSION_REFRESH_SECONDS", default=5 * 60), SESSION_COOKIE_AGE
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SSL_REDIRECT", default=True)
    if PROXY_COUNT > 0:
        # Only a proxy that overwrites X-Forwarded-Proto makes the header worth believing;
        # without one a client could claim HTTPS (check --deploy warns: mct_portal.W001).
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Files ---------------------------------------------------------------------------------
# Private files (uploads, previews, wizard temp files) live outside the web root and are
# only ever served through views that check who is asking.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=VAR_DIR / "private"))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
MEDIA_URL = "/private-files-are-not-served-by-url/"
WIZARD_TEMP_ROOT = PRIVATE_MEDIA_ROOT / "wizard-tmp"
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    PRIVATE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 300,
            "signature_version": "s3v4",  # SigV4 signed URLs (X-Amz-Expires)
            "location": "private",
            "region_name": env("AWS_S3_REGION_NAME", default=None) or None,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None) or None,
        },
    }
else:
    # No location: the storage follows MEDIA_ROOT, which is private (never served by URL).
    PRIVATE_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": PRIVATE_STORAGE,
    "private": PRIVATE_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024  # larger uploads stream to a temp file
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 5
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# --- Email ---------------------------------------------------------------------------------
EMAIL_HOST = env("EMAIL_HOST", default="")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=EMAIL_PORT == 587)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
    EMAIL_TIMEOUT = 30
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="MCT Portal <no-reply@mct.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Program rules (the admin-managed catalogs hold fees and terms) --------------------------
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
UPLOAD_MAX_PIXELS = env.int("UPLOAD_MAX_PIXELS", default=40_000_000)
VIRUS_SCANNER_URL = env("VIRUS_SCANNER_URL", default="")  # e.g. tcp://127.0.0.1:3310
REVIEW_DUE_BUSINESS_DAYS = env.int("REVIEW_DUE_BUSINESS_DAYS", default=4)
REVIEW_HOLIDAYS = env.list(
    "REVIEW_HOLIDAYS", default=[]
)  # ISO dates skipped when counting business days
PROOF_RETENTION_DAYS = env.int("PROOF_RETENTION_DAYS", default=0)
# Documents one trainer may have waiting for review at once (0: no cap).
REVIEW_MAX_WAITING_PER_TRAINER = env.int("REVIEW_MAX_WAITING_PER_TRAINER", default=10)
# What the worker draws for reviewers: pages of a PDF at most, pixels of one page at RENDER_DPI,
# seconds for the whole document, and the longest side of a page image.
RENDER_MAX_PAGES = env.int("RENDER_MAX_PAGES", default=30)
RENDER_MAX_PIXELS = env.int("RENDER_MAX_PIXELS", default=40_000_000)
RENDER_SECONDS = env.int("RENDER_SECONDS", default=60)
RENDER_DPI = env.int("RENDER_DPI", default=110)
RENDER_MAX_SIDE = env.int("RENDER_MAX_SIDE", default=2000)

# Ed25519 private keys (PEM files outside the web root) that sign membership credentials,
# newest first: the first signs, all are published (docs/credentials.md).
CREDENTIAL_SIGNING_KEYS = env.list("CREDENTIAL_SIGNING_KEYS", default=[])
PASSCODE_VALID_DAYS = env.int("PASSCODE_VALID_DAYS", default=120)
PASSCODE_MAX_ATTEMPTS = env.int("PASSCODE_MAX_ATTEMPTS", default=5)
PASSCODE_RESEND_COOLDOWN_SECONDS = env.int("PASSCODE_RESEND_COOLDOWN_SECONDS", default=60)
PASSCODE_DAILY_LIMIT = env.int("PASSCODE_DAILY_LIMIT", default=5)  # per account and address
PASSCODE_DAILY_ADDRESSES = env.int("PASSCODE_DAILY_ADDRESSES", default=3)  # distinct, per account
RENEWAL_WINDOW_DAYS = env.int("RENEWAL_WINDOW_DAYS", default=90)
RENEWAL_REMINDER_DAYS = [
    int(d) for d in env.list("RENEWAL_REMINDER_DAYS", default=[]) or [90, 60, 30, 15]
]
MTM_MIN_AVERAGE_SCORE = float(env("MTM_MIN_AVERAGE_SCORE", default="7"))
PROOF_MAX_AGE_YEARS = 3
REJOIN_PROOF_AFTER_YEARS = 3
DRAFT_IDLE_REMINDER_DAYS = env.int("DRAFT_IDLE_REMINDER_DAYS", default=7)
DRAFT_EXPIRY_DAYS = env.int("DRAFT_EXPIRY_DAYS", default=180)
# --- Personal data (docs/personal-data.md) -------------------------------------------------
# How long a trainer's data export (a zip) may be downloaded before it is deleted.
DATA_EXPORT_DAYS = env.int("DATA_EXPORT_DAYS", default=7)
# After an erasure: invoices and credit notes stay as issued this long after their issue date
# (tax law; 10 years covers Germany's §147 AO, the longest of the program's markets), then
# their buyer fields are cleared; membership years stay (without a name) for the
# verification page this long after the erasure, then they are deleted.
ERASURE_KEEP_INVOICES_YEARS = env.int("ERASURE_KEEP_INVOICES_YEARS", default=10)
ERASURE_KEEP_MEMBERSHIP_YEARS = env.int("ERASURE_KEEP_MEMBERSHIP_YEARS", default=5)
# --- Payments (docs/payments.md) ------------------------------------------------------------
# The demo card ("test_card") takes no money: it is on by default only with DEBUG on, and
# `check --deploy` reports an error whenever it is enabled.
PAYMENT_PROVIDERS = env.list("PAYMENT_PROVIDERS", default=[]) or (
    ["test_card", "invoice"] if DEBUG else ["invoice"]
)
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
PAYMENT_INVOICE_INSTRUCTIONS = env("PAYMENT_INVOICE_INSTRUCTIONS", default="")
# Who the invoices come from; the address is one line per "|".
INVOICE_SELLER_NAME = env("INVOICE_SELLER_NAME", default="MCT Program")
INVOICE_SELLER_ADDRESS = env("INVOICE_SELLER_ADDRESS", default="")
INVOICE_SELLER_TAX_ID = env("INVOICE_SELLER_TAX_ID", default="")
INVOICE_SELLER_EMAIL = env("INVOICE_SELLER_EMAIL", default="")
# Fees are tax-inclusive; the invoice shows the tax contained in them at this rate.
INVOICE_TAX_RATE = env("INVOICE_TAX_RATE", default="0")
INVOICE_TAX_LABEL = env("INVOICE_TAX_LABEL", default="VAT")
INVOICE_TAX_NOTE = env("INVOICE_TAX_NOTE", default="")

# --- Internationalisation --------------------------------------------------------------------
# Trainer pages, emails and PDFs come in these languages (staff pages stay English). Each name
# is written in its own language, as the language menu shows it.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Data imports (enrollment/imports) ---------------------------------------------------------
# The admin refuses larger uploads (use `manage.py import` on the server); no file is read
# past IMPORT_MAX_FILE_BYTES; reports keep the first IMPORT_MAX_REPORTED_ERRORS problems.
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=200 * 1024 * 1024)
IMPORT_MAX_FILE_BYTES = env.int("IMPORT_MAX_FILE_BYTES", default=2 * 1024 * 1024 * 1024)
IMPORT_MAX_REPORTED_ERRORS = env.int("IMPORT_MAX_REPORTED_ERRORS", default=200)

# --- Upload limits (mct_portal.uploads) ---------------------------------------------------------
# A request body over its URL's limit is refused from its Content-Length (a chunked one when
# it passes the limit) before it is read, with the form's own message. Limits per URL name
# (fnmatch patterns); every other URL may carry one document plus the form's other fields.
UPLOAD_FORM_OVERHEAD_BYTES = env.int("UPLOAD_FORM_OVERHEAD_BYTES", default=256 * 1024)
UPLOAD_DEFAULT_LIMIT_BYTES = UPLOAD_MAX_BYTES + UPLOAD_FORM_OVERHEAD_BYTES
UPLOAD_PATH_LIMITS = {
    "admin:imports_importrun_upload": IMPORT_MAX_UPLOAD_BYTES + UPLOAD_FORM_OVERHEAD_BYTES,
}

# --- Help, support contact and MCP ID claims (issue 9) -----------------------------------------
# Shown on /help/ (and in emails) only when set.
SUPPORT_EMAIL = env("SUPPORT_EMAIL", default="")
SUPPORT_PHONE = env("SUPPORT_PHONE", default="")
PROGRAM_HOME_URL = env(
    "PROGRAM_HOME_URL",
    default="https://learn.microsoft.com/training/educator-center/programs/mct/",
)
PROGRAM_GUIDE_URL = env(
    "PROGRAM_GUIDE_URL",
    default="https://learn.microsoft.com/training/educator-center/programs/mct/mct-program-guide",
)
ACCESS_CODE_MAX_ATTEMPTS = env.int("ACCESS_CODE_MAX_ATTEMPTS", default=5)  # per MCP ID, then locked
MCP_CLAIM_DAILY_LIMIT = env.int(
    "MCP_CLAIM_DAILY_LIMIT", default=10
)  # wrong tries per trainer a day
FEEDBACK_RATE_LIMIT = env("FEEDBACK_RATE_LIMIT", default="5/h")
