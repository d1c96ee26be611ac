"""Settings read from the environment.

With nothing set, the portal runs on its embedded default: SQLite, Celery tasks run
eagerly, emails go to the console (and the outbound-email table), files on local disk.
Setting DATABASE_URL, REDIS_URL, EMAIL_HOST or AWS_STORAGE_BUCKET_NAME switches on the
real stack piece by piece. DEBUG is off unless DJANGO_DEBUG asks for it.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MCT_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With DEBUG off the portal needs a secret key: "
            "set DJANGO_SECRET_KEY to a long random string (or DJANGO_DEBUG=1 for local work)."
        )
    SECRET_KEY = "dev-only-insecure-key-never-used-with-debug-off"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS is not set. With DEBUG off the portal needs the host names "
            "it answers to, comma-separated (for example: portal.example.org)."
        )
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# The portal's own origin (https://mct.example.org), for links in emails, which have no request.
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "").rstrip("/")

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
]

MICROSOFT_CLIENT_ID = os.environ.get("MICROSOFT_CLIENT_ID", "")
MICROSOFT_CLIENT_SECRET = os.environ.get("MICROSOFT_CLIENT_SECRET", "")
SOCIALACCOUNT_PROVIDERS = {}
if MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET:
    INSTALLED_APPS.append("allauth.socialaccount.providers.microsoft")
    SOCIALACCOUNT_PROVIDERS["microsoft"] = {
        "APPS": [
            {
                "client_id": MICROSOFT_CLIENT_ID,
                "secret": MICROSOFT_CLIENT_SECRET,
                "settings": {"tenant": os.environ.get("MICROSOFT_TENANT", "common")},
            }
        ]
    }

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
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
DATABASE_URL = os.environ.get("DATABASE_URL", "")
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery ---------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mct",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Rate limits need a shared cache in production; the embedded default has one process.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
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
CELERY_BROKER_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT}
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-documents": {
        "task": "verification.tasks.sweep_stuck_documents",
        "schedule": timedelta(minutes=5),
    },
    "sweep-outbound-email": {
        "task": "verification.tasks.sweep_outbound_email",
        "schedule": timedelta(minutes=5),
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
        "schedule": timedelta(hours=24),
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
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/profile/"

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_USERNAME_FORM_FIELD = "login"
PROXY_COUNT = env_int("PROXY_COUNT", 0)  # trusted reverse proxies in front of the portal
AXES_IPWARE_PROXY_COUNT = PROXY_COUNT
RATELIMIT_IP_META_KEY = "mct_portal.middleware.client_ip"
SUPPORT_SEARCH_RATE_LIMIT = os.environ.get("SUPPORT_SEARCH_RATE_LIMIT", "60/m")
VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30/m")

# --- Sessions and security ------------------------------------------------------------------
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 2 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # makes the cookie age an idle timeout
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
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
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
MEDIA_URL = "/private-files-are-not-served-by-url/"
WIZARD_TEMP_ROOT = PRIVATE_MEDIA_ROOT / "wizard-tmp"
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    PRIVATE_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": 300,
            "location": "private",
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
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
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
    EMAIL_TIMEOUT = 30
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "MCT Portal <no-reply@mct.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Program rules (the admin-managed catalogs hold fees and terms) --------------------------
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 40_000_000)
VIRUS_SCANNER_URL = os.environ.get("VIRUS_SCANNER_URL", "")  # e.g. tcp://127.0.0.1:3310
REVIEW_DUE_BUSINESS_DAYS = env_int("REVIEW_DUE_BUSINESS_DAYS", 4)
REVIEW_HOLIDAYS = env_list("REVIEW_HOLIDAYS")  # ISO dates skipped when counting business days
PROOF_RETENTION_DAYS = env_int("PROOF_RETENTION_DAYS", 0)
# Documents one trainer may have waiting for review at once (0: no cap).
REVIEW_MAX_WAITING_PER_TRAINER = env_int("REVIEW_MAX_WAITING_PER_TRAINER", 10)
# What the worker draws for reviewers: pages of a PDF at most, pixels of one page at RENDER_DPI,
# seconds for the whole document, and the longest side of a page image.
RENDER_MAX_PAGES = env_int("RENDER_MAX_PAGES", 30)
RENDER_MAX_PIXELS = env_int("RENDER_MAX_PIXELS", 40_000_000)
RENDER_SECONDS = env_int("RENDER_SECONDS", 60)
RENDER_DPI = env_int("RENDER_DPI", 110)
RENDER_MAX_SIDE = env_int("RENDER_MAX_SIDE", 2000)

# Ed25519 private keys (PEM files outside the web root) that sign membership credentials,
# newest first: the first signs, all are published (docs/credentials.md).
CREDENTIAL_SIGNING_KEYS = env_list("CREDENTIAL_SIGNING_KEYS")
PASSCODE_VALID_DAYS = env_int("PASSCODE_VALID_DAYS", 120)
PASSCODE_MAX_ATTEMPTS = env_int("PASSCODE_MAX_ATTEMPTS", 5)
PASSCODE_RESEND_COOLDOWN_SECONDS = env_int("PASSCODE_RESEND_COOLDOWN_SECONDS", 60)
PASSCODE_DAILY_LIMIT = env_int("PASSCODE_DAILY_LIMIT", 5)
RENEWAL_WINDOW_DAYS = env_int("RENEWAL_WINDOW_DAYS", 90)
RENEWAL_REMINDER_DAYS = [int(d) for d in env_list("RENEWAL_REMINDER_DAYS") or [90, 60, 30, 15]]
MTM_MIN_AVERAGE_SCORE = float(os.environ.get("MTM_MIN_AVERAGE_SCORE", "7"))
PROOF_MAX_AGE_YEARS = 3
REJOIN_PROOF_AFTER_YEARS = 3
DRAFT_IDLE_REMINDER_DAYS = env_int("DRAFT_IDLE_REMINDER_DAYS", 7)
DRAFT_EXPIRY_DAYS = env_int("DRAFT_EXPIRY_DAYS", 180)
# --- Payments (docs/payments.md) ------------------------------------------------------------
# The demo card ("test_card") takes no money: it is on by default only with DEBUG on, and
# `check --deploy` reports an error whenever it is enabled.
PAYMENT_PROVIDERS = env_list("PAYMENT_PROVIDERS") or (
    ["test_card", "invoice"] if DEBUG else ["invoice"]
)
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
PAYMENT_INVOICE_INSTRUCTIONS = os.environ.get("PAYMENT_INVOICE_INSTRUCTIONS", "")
# Who the invoices come from; the address is one line per "|".
INVOICE_SELLER_NAME = os.environ.get("INVOICE_SELLER_NAME", "MCT Program")
INVOICE_SELLER_ADDRESS = os.environ.get("INVOICE_SELLER_ADDRESS", "")
INVOICE_SELLER_TAX_ID = os.environ.get("INVOICE_SELLER_TAX_ID", "")
INVOICE_SELLER_EMAIL = os.environ.get("INVOICE_SELLER_EMAIL", "")
# Fees are tax-inclusive; the invoice shows the tax contained in them at this rate.
INVOICE_TAX_RATE = os.environ.get("INVOICE_TAX_RATE", "0")
INVOICE_TAX_LABEL = os.environ.get("INVOICE_TAX_LABEL", "VAT")
INVOICE_TAX_NOTE = os.environ.get("INVOICE_TAX_NOTE", "")

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Help, support contact and MCP ID claims (issue 9) -----------------------------------------
# Shown on /help/ (and in emails) only when set.
SUPPORT_EMAIL = os.environ.get("SUPPORT_EMAIL", "")
SUPPORT_PHONE = os.environ.get("SUPPORT_PHONE", "")
PROGRAM_HOME_URL = os.environ.get(
    "PROGRAM_HOME_URL", "https://learn.microsoft.com/training/educator-center/programs/mct/"
)
PROGRAM_GUIDE_URL = os.environ.get(
    "PROGRAM_GUIDE_URL",
    "https://learn.microsoft.com/training/educator-center/programs/mct/mct-program-guide",
)
ACCESS_CODE_MAX_ATTEMPTS = env_int("ACCESS_CODE_MAX_ATTEMPTS", 5)  # per MCP ID, then locked
MCP_CLAIM_DAILY_LIMIT = env_int("MCP_CLAIM_DAILY_LIMIT", 10)  # wrong tries per trainer a day
FEEDBACK_RATE_LIMIT = os.environ.get("FEEDBACK_RATE_LIMIT", "5/h")
