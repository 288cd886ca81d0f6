"""Settings for Partner Center.

Every knob comes from an environment variable with a safe default. With nothing set,
the portal runs embedded: SQLite, Celery tasks in-process, emails written to var/mail.
Set DATABASE_URL and REDIS_URL and the same code runs on PostgreSQL and a real broker.
"""

import os
import re
import tempfile
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE as CSP_NONCE
from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from partner_center.environment import (
    db_pool_options,
    env_bool,
    env_list,
    init_sentry,
    logging_config,
    s3_origins,
    s3_storages,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


DEBUG = env_bool("DEBUG", True)

# The development key only works with DEBUG on; production must set its own.
_DEV_SECRET_KEY = "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")

# Old keys still verify sessions, password-reset links and derived app-secret keys while a new
# SECRET_KEY takes over (Django's SECRET_KEY_FALLBACKS), comma-separated.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", "")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,.localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# SPEC §1.3: requests on these hosts belong to the US Partner Center; all others to Global.
US_HOSTS = env_list("US_HOSTS", "us.localhost")
# Where the Global center's login is linked from the US one ("" = the US host without "us.").
GLOBAL_HOST = os.environ.get("GLOBAL_HOST", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "phonenumber_field",
    "csp",
    "accounts",
    "categories",
    "teams",
    "reviews",
    "notifications",
    "onboarding",
    "compliance",
    "apps_services",
    "open_api",
    "console",
    "referrals",
    "sellers",
    "demo",
]

MIDDLEWARE = [
    # First, so every response (error pages, refusals, redirects) carries X-Request-ID and
    # every log line below it knows the request's id.
    "partner_center.requestid.request_id_middleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "partner_center.middleware.bad_input_middleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.center_middleware",
    "accounts.middleware.blacklist_middleware",
    "teams.middleware.two_factor_middleware",  # SPEC §8.4: 2FA for staff in /admin/, teams
]

ROOT_URLCONF = "partner_center.urls"
WSGI_APPLICATION = "partner_center.wsgi.application"
ASGI_APPLICATION = "partner_center.asgi.application"

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
                "django.template.context_processors.i18n",
                "accounts.context_processors.portal",
                "onboarding.context_processors.partner_shell",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}


DB_POOL = db_pool_options(os.environ.get("DB_POOL", ""))
# Behind PgBouncer in transaction pooling mode, a server connection serves other clients
# between transactions: nothing may rest on the session (server-side cursors, SET, startup
# options). See README "Database connections".
DB_PGBOUNCER = env_bool("DB_PGBOUNCER", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DB_POOL:
        raise RuntimeError("DB_POOL needs PostgreSQL (DATABASE_URL=postgres://...).")
    # Row locks do not exist on SQLite; IMMEDIATE transactions serialise writers instead.
    # Write-ahead log: readers never wait for the writer, and a commit appends to the log
    # instead of rewriting pages with several fsyncs. synchronous=NORMAL syncs at
    # checkpoints: a crash of the portal loses nothing committed; a power cut may lose the
    # last moments (SQLite's recommended pairing with WAL).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file too, one per process: threads then wait for the write lock as in
    # production, where an in-memory shared-cache database fails them with "table is locked".
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"partner-center-test-{os.getpid()}.sqlite3")
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    options = DATABASES["default"].setdefault("OPTIONS", {})
    if DB_POOL:
        # Django's psycopg pool (psycopg[pool]) keeps MIN..MAX connections per process and
        # hands one to each request; Django refuses a pool with persistent connections.
        options["pool"] = DB_POOL
        DATABASES["default"]["CONN_MAX_AGE"] = 0
    if DB_PGBOUNCER:
        # A server-side cursor (QuerySet.iterator()) is a session object: another client's
        # transaction may land on the connection before the next fetch.
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    # A query that runs longer than this is cancelled, so a stuck query cannot hold a web
    # worker. Web processes get 30 s (partner_center/wsgi.py and asgi.py set the default);
    # workers, migrations and management commands run without a limit unless this is set,
    # since a backfill or a migration on a big table may rightly take longer.
    DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS") or "0")
    if DB_STATEMENT_TIMEOUT_MS > 0 and not DB_PGBOUNCER:
        # Sent as a startup option. PgBouncer refuses startup options ("unsupported startup
        # parameter: options"): behind it the limit is set on the database role instead
        # (README "Database connections").
        options["options"] = f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Cache and background work -------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Seconds the shell's unread count and roles may be read from the shared cache (dropped on
# every change): 0 = the database every time, the only safe choice with a per-process cache.
_SHELL_CACHE = "60" if REDIS_URL else "0"
NOTIFICATION_UNREAD_CACHE_SECONDS = int(
    os.environ.get("NOTIFICATION_UNREAD_CACHE_SECONDS", _SHELL_CACHE)
)
PARTNER_ROLES_CACHE_SECONDS = int(os.environ.get("PARTNER_ROLES_CACHE_SECONDS", _SHELL_CACHE))
# Every Redis client (cache, referral clicks, broker, results) gives up this fast, so a Redis
# that is down or unreachable costs a request well under a second, never a hang.
REDIS_CONNECT_TIMEOUT = float(os.environ.get("REDIS_CONNECT_TIMEOUT") or "0.5")
REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT") or "1")
# After a failure, Redis (cache) and the broker are not asked again for this many seconds:
# requests go straight to their fallback (database, outbox sweep).
REDIS_RETRY_AFTER_SECONDS = float(os.environ.get("REDIS_RETRY_AFTER_SECONDS") or "5")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis unreachable = cache miss (logged): see partner_center/cache.py.
            "BACKEND": "partner_center.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
                "RETRY_AFTER": REDIS_RETRY_AFTER_SECONDS,
            },
        }
    }
    # Sessions are read from the shared cache and written through to the database, so any
    # node serves any visitor, and a Redis outage costs a database read, not a sign-out
    # (partner_center/sessions.py: a write Redis missed is repaired when it is back).
    SESSION_ENGINE = "partner_center.sessions"
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    # One beat at a time however many nodes run one: RedBeat keeps the schedule and a lock
    # in Redis. A second beat waits for the lock and takes over at most REDBEAT_LOCK_TIMEOUT
    # (plus one loop interval) after the holder died; a beat stopped cleanly hands over at
    # once. No schedule file on the node's disk.
    CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
    CELERY_REDBEAT_REDIS_URL = REDIS_URL
    CELERY_REDBEAT_KEY_PREFIX = os.environ.get("REDBEAT_KEY_PREFIX") or "partner-center:beat"
    REDBEAT_LOCK_TIMEOUT = int(os.environ.get("REDBEAT_LOCK_TIMEOUT") or "60")
    if REDBEAT_LOCK_TIMEOUT < 2:
        raise RuntimeError("REDBEAT_LOCK_TIMEOUT must be at least 2 seconds.")
    CELERY_REDBEAT_LOCK_TIMEOUT = REDBEAT_LOCK_TIMEOUT
    # The holder wakes (and extends its lock) at least 5 times per lock timeout; a waiting
    # beat asks for the lock as often.
    CELERY_BEAT_MAX_LOOP_INTERVAL = max(1, REDBEAT_LOCK_TIMEOUT // 5)
    CELERY_REDBEAT_REDIS_OPTIONS = {
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
        "socket_timeout": REDIS_SOCKET_TIMEOUT,
        # A Redis blip is retried this many seconds before beat gives up (and exits: the
        # process manager restarts it, and it queues for the lock again).
        "retry_period": REDBEAT_LOCK_TIMEOUT // 2,
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Embedded default: tasks run in-process, so nothing but Python is needed.
    CELERY_BROKER_URL = "memory://localhost/"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A request queues work through partner_center.celery.publish: one try, no retry loop. Every
# queued task has an outbox row and a sweep behind it, so a failed publish costs a delay, not
# the work; retrying inside the request only made a decision wait ~19 s on a dead broker.
CELERY_TASK_PUBLISH_RETRY = False
# Nobody waits for results but `check_worker` (its task asks for one): without this, every
# publish also subscribed to the result backend, retrying for ~19 s when Redis was down.
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
# Workers keep reconnecting to a broker that went away (the default, said out loud).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# An unacknowledged message is handed to another worker after this long. No task waits in
# the broker longer than a few minutes (retries that are further away live in the database,
# picked up by the sweeps), so copies do not pile up.
BROKER_VISIBILITY_TIMEOUT = int(os.environ.get("BROKER_VISIBILITY_TIMEOUT") or "3600")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 0,
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_CONNECT_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_SOCKET_TIMEOUT
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"max_retries": 1}}
CELERY_TIMEZONE = "UTC"
# Webhook posts wait on developers' servers (up to WEBHOOK_TIMEOUT_SECONDS each, and a sweep
# queues up to 200 at once), so they have a queue of their own, read by a worker of their own
# (docker-compose.yml: `worker -Q celery` and `webhook-worker -Q webhooks`). In one queue, an
# endpoint that hangs held every email behind its posts: a decision's email took 15 s behind
# 10 of them instead of ~50 ms (bench/notify_bench.py). A worker started without -Q reads
# both queues, so nothing is stranded where only one worker runs.
CELERY_TASK_QUEUES = (
    Queue("celery", routing_key="celery"),
    Queue("webhooks", routing_key="webhooks"),
)
CELERY_TASK_ROUTES = {"apps_services.deliver_webhook": {"queue": "webhooks"}}
CELERY_BEAT_SCHEDULE: dict = {
    # SPEC §3.13: email whatever the on-commit task did not (broker down, worker died).
    "notifications-sweep": {
        "task": "notifications.sweep_notifications",
        "schedule": float(os.environ.get("NOTIFICATION_SWEEP_SECONDS", "60")),
    },
    # SPEC §5.6: referral clicks counted in Redis reach the database (idempotent flush).
    "referrals-flush-clicks": {
        "task": "referrals.flush_clicks",
        "schedule": float(os.environ.get("REFERRAL_CLICK_FLUSH_SECONDS", "10")),
    },
    # SPEC §4.9: webhook attempts that are due (retries, broker outage, worker restart).
    "apps_services-sweep-webhooks": {
        "task": "apps_services.sweep_webhooks",
        "schedule": float(os.environ.get("WEBHOOK_SWEEP_SECONDS", "60")),
    },
    # Documents chosen in an application form that was never saved (onboarding/pending.py).
    "onboarding-purge-pending-uploads": {
        "task": "onboarding.purge_pending_uploads",
        "schedule": crontab(hour=4, minute=0),
    },
    # SPEC §4.9: type 7 webhooks, daily, for authorizations ending within 30 days.
    "apps_services-notify-expiring-authorizations": {
        "task": "apps_services.notify_expiring_authorizations",
        "schedule": crontab(hour=3, minute=0),
    },
}
# A notification claimed longer ago than this, and still not sent, was held by a worker that
# died mid-send: the sweep takes it over.
NOTIFICATION_CLAIM_STALE_SECONDS = int(os.environ.get("NOTIFICATION_CLAIM_STALE_SECONDS", "600"))

# --- Email -----------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# An SMTP server that accepts the connection and never answers fails the send after this many
# seconds (the outbox row is then retried), instead of holding a request or a worker forever.
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT") or "10")
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Partner Center <no-reply@partner-center.local>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The portal's public address (scheme and host, no trailing slash): every link in every email
# starts with it (partner_center/links.py). Workers have no request to take a host from;
# `check --deploy` warns when it is unset with DEBUG off.
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "").strip().rstrip("/")

# SPEC §1.5: SMS is pluggable; the default writes each message to the log.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "accounts.sms.LogSMSBackend")

# --- Accounts (django-allauth) --------------------------------------------------------
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
# A taken email at sign-up gets the same page as a new one; its owner is emailed instead.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = _("[Partner Center] ")
ACCOUNT_RATE_LIMITS = {
    # SPEC §1.2: failed logins are limited by partner_center.throttle (see LOGIN_FAILURES_*),
    # the same rule as the admin and Seller Center logins. allauth's own per-IP login limits
    # are off: they lock out everyone behind a shared NAT, right password or not.
    "login_failed": None,
    "login": None,
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}

# --- Rate limits (partner_center.throttle, on django-ratelimit) --------------------------
# Rates are "<count>/<period>", period s, m, h or d, optionally with a multiplier ("5/5m").
# Wrong passwords at the partner, admin and Seller Center logins: past the per-account budget
# the account is locked (Seller Center: the login from that IP); past the per-IP budget only a
# right password gets in; past the per-IP ceiling nothing from that IP is checked.
LOGIN_FAILURES_PER_ACCOUNT = os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "5/5m")
LOGIN_FAILURES_PER_IP = os.environ.get("LOGIN_FAILURES_PER_IP", "10/m")
LOGIN_FAILURES_PER_IP_MAX = os.environ.get("LOGIN_FAILURES_PER_IP_MAX", "100/h")
# The number of reverse proxies in front of the portal that append to X-Forwarded-For: the
# per-IP limits then see the client's address, not the proxy's (0: REMOTE_ADDR is the client).
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# Wrong Seller Center passwords when a partner verifies a seller account (SPEC §4.6).
SELLER_VERIFICATION_FAILURES = os.environ.get("SELLER_VERIFICATION_FAILURES", "5/15m")
# A token refresh (PostgreSQL) commits without waiting for its WAL flush: one disk flush
# (milliseconds) per refresh would cap the endpoint far below the API's other calls. The
# price: a PostgreSQL crash can forget the refreshes of its last fraction of a second (those
# integrations must have the seller authorize again); revocations always wait for the disk.
# On (1): every refresh waits for the disk too.
OPEN_API_REFRESH_SYNCHRONOUS_COMMIT = env_bool("OPEN_API_REFRESH_SYNCHRONOUS_COMMIT", False)
for _rate_setting in (
    "LOGIN_FAILURES_PER_ACCOUNT",
    "LOGIN_FAILURES_PER_IP",
    "LOGIN_FAILURES_PER_IP_MAX",
    "SELLER_VERIFICATION_FAILURES",
):
    if not re.fullmatch(r"[1-9]\d*/\d*[smhd]", globals()[_rate_setting]):
        raise RuntimeError(f"{_rate_setting} must read like 50/s or 5/15m.")

# SPEC §8.4: an authenticator app and recovery codes (WebAuthn's pages run inline scripts).
MFA_SUPPORTED_TYPES, MFA_TOTP_ISSUER = ["totp", "recovery_codes"], "Partner Center"
REQUIRE_STAFF_MFA = env_bool("REQUIRE_STAFF_MFA", not DEBUG)  # /admin/ needs 2FA (README)
ACCOUNT_RATE_LIMITS["login_failed"] = f"{LOGIN_FAILURES_PER_ACCOUNT}/key"  # wrong 2FA codes
LOGIN_REDIRECT_URL, LOGIN_URL = "accounts:dashboard", "account_login"

# SPEC §1.5: verification codes for changing email, phone or password.
VERIFICATION_CODE_TTL_SECONDS, VERIFICATION_CODE_MAX_ATTEMPTS = 10 * 60, 5
VERIFICATION_CODES_PER_HOUR = 5
PHONENUMBER_DB_FORMAT = PHONENUMBER_DEFAULT_FORMAT = "E164"

# SPEC §6: the Seller Center implementation; production can name an HTTP client here.
SELLER_DIRECTORY = os.environ.get("SELLER_DIRECTORY", "sellers.directory.LocalSellerDirectory")

# --- Apps and services (SPEC §4) -------------------------------------------------------
# Fernet key(s) that encrypt app secrets at rest, comma-separated: the first encrypts, all
# decrypt. Empty: a key derived from SECRET_KEY (fine for development; set your own in
# production so the secrets survive a SECRET_KEY change and leak with it less).
APP_SECRET_ENCRYPTION_KEY = os.environ.get("APP_SECRET_ENCRYPTION_KEY", "")
# After "Rotate secret", the old secret keeps verifying this long.
APP_SECRET_ROTATION_GRACE_HOURS = int(os.environ.get("APP_SECRET_ROTATION_GRACE_HOURS", "24"))
# Redirect and webhook URLs must be https; http://localhost and http://127.0.0.1 are also
# accepted with DEBUG on, or when this is on (a local demo served with DEBUG off).
ALLOW_HTTP_LOCALHOST_REDIRECTS = env_bool("ALLOW_HTTP_LOCALHOST_REDIRECTS", False)
# SPEC §4.9: webhook URLs that resolve to private, loopback or link-local addresses are refused
# (no server-side request forgery) unless DEBUG is on or this is set (tests, local demos).
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)
# A delivery succeeds on HTTP 200 within this many seconds.
WEBHOOK_TIMEOUT_SECONDS = 3
# After a failed attempt, the next one comes this many seconds later: 2 min, 30 min, 3 h, 12 h;
# then the delivery is given up (the developer can still redeliver it).
WEBHOOK_RETRY_DELAYS = [120, 1800, 3 * 3600, 12 * 3600]
# A delivery claimed longer ago than this, with no attempt logged, was held by a worker that
# died mid-send: the sweep takes it over.
WEBHOOK_CLAIM_STALE_SECONDS = int(os.environ.get("WEBHOOK_CLAIM_STALE_SECONDS", "120"))
# The developer console: days the API call log keeps, test shops per developer account.
API_CALL_LOG_DAYS = int(os.environ.get("API_CALL_LOG_DAYS", "7"))
TEST_SHOPS_PER_DEVELOPER = 5

# --- Shop registration referrals (SPEC §5) ----------------------------------------------
# "redis": a click is counted in Redis and flushed to the database by Celery beat, so the
# public redirect writes nothing to the database; "database": one atomic UPDATE per click.
REFERRAL_CLICK_COUNTER = os.environ.get("REFERRAL_CLICK_COUNTER") or (
    "redis" if REDIS_URL else "database"
)
if REFERRAL_CLICK_COUNTER not in {"redis", "database"}:
    raise RuntimeError("REFERRAL_CLICK_COUNTER must be 'redis' or 'database'.")
REFERRAL_CLICKS_REDIS_URL = os.environ.get("REFERRAL_CLICKS_REDIS_URL") or REDIS_URL
if REFERRAL_CLICK_COUNTER == "redis" and not REFERRAL_CLICKS_REDIS_URL:
    raise RuntimeError("REFERRAL_CLICK_COUNTER=redis needs REDIS_URL or REFERRAL_CLICKS_REDIS_URL.")
# How long the public redirect trusts its cached token -> (link, on/off) answer. Publish and
# deactivate overwrite the entry at once; this only bounds an edit made behind their back.
REFERRAL_LINK_CACHE_SECONDS = int(os.environ.get("REFERRAL_LINK_CACHE_SECONDS", "300"))
# Where the referral URLs handed to sellers point, e.g. https://pc.example.com (no trailing
# slash); empty: the host the partner's page was served on.
REFERRAL_LINK_BASE_URL = os.environ.get("REFERRAL_LINK_BASE_URL", "").rstrip("/")

# --- Internationalisation ------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["partner_center.formats"]

# --- Static and media files ------------------------------------------------------------
STATIC_URL = "static/"
# Collected static files belong to the code (the image build collects them), not to the
# node's data: they are NOT under VAR_DIR, which a deployment points at a volume.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
# A file missing from the manifest is served under its plain name (a 404 for that asset)
# instead of failing every page that links it with a server error.
WHITENOISE_MANIFEST_STRICT = False
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# SPEC §3.5: partner documents live here, never under MEDIA_URL; a view checks who reads them.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
ONBOARDING_MAX_UPLOAD_BYTES = int(os.environ.get("ONBOARDING_MAX_UPLOAD_BYTES", 5 * 1024 * 1024))
ONBOARDING_MAX_IMAGE_PIXELS = int(os.environ.get("ONBOARDING_MAX_IMAGE_PIXELS", 40_000_000))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Partner documents and their thumbnails (onboarding.uploads.DocumentField).
    "documents": {"BACKEND": "onboarding.uploads.PrivateStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Object storage (S3, MinIO, Cloudflare R2): with a bucket named, documents and media go to it
# instead of the local disk, so every node reads what any node wrote. The bucket stays
# private: documents are handed out as short-lived signed URLs after the permission check.
# Credentials come from boto's own environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL", "")
AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME", "")
AWS_S3_ADDRESSING_STYLE = os.environ.get("AWS_S3_ADDRESSING_STYLE", "")
AWS_LOCATION = os.environ.get("AWS_LOCATION", "").strip("/")
# Signature Version 4: the one R2 and MinIO accept, and boto's legacy default is not it.
AWS_S3_SIGNATURE_VERSION = os.environ.get("AWS_S3_SIGNATURE_VERSION") or "s3v4"
# Seconds a signed document URL stays valid: long enough to load, too short to pass around.
AWS_QUERYSTRING_EXPIRE = int(os.environ.get("AWS_QUERYSTRING_EXPIRE") or 120)


if AWS_STORAGE_BUCKET_NAME:
    STORAGES.update(
        s3_storages(
            bucket=AWS_STORAGE_BUCKET_NAME,
            location=AWS_LOCATION,
            endpoint_url=AWS_S3_ENDPOINT_URL or None,
            region_name=AWS_S3_REGION_NAME or None,
            addressing_style=AWS_S3_ADDRESSING_STYLE or None,
            signature_version=AWS_S3_SIGNATURE_VERSION,
            querystring_expire=AWS_QUERYSTRING_EXPIRE,
        )
    )

# --- Security ---------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
CSRF_FAILURE_VIEW = "partner_center.views.csrf_failure"  # the portal's page, never Django's
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Probes speak plain HTTP to the node itself.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
LANGUAGE_COOKIE_SECURE = env_bool("LANGUAGE_COOKIE_SECURE", not DEBUG)
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy (django-csp): nothing inline runs. Scripts and styles come from the
# portal's own static files; a page that truly needs an inline script gives it
# `nonce="{{ request.csp_nonce }}"`. No form-action: the consent page's POST ends in a redirect
# to the app's own Redirect URL, which the browser would block.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF, CSP_NONCE],
        "style-src": [CSP_SELF],
        # A document's URL answers with a redirect to its signed URL in the bucket.
        "img-src": [
            CSP_SELF,
            "data:",
            *(
                s3_origins(
                    bucket=AWS_STORAGE_BUCKET_NAME,
                    endpoint_url=AWS_S3_ENDPOINT_URL,
                    region_name=AWS_S3_REGION_NAME,
                    addressing_style=AWS_S3_ADDRESSING_STYLE,
                )
                if AWS_STORAGE_BUCKET_NAME
                else []
            ),
        ],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
    }
}

# --- Logs and errors ----------------------------------------------------------------------
# "json": one JSON object per line (python-json-logger), for a log collector; "plain": text.
LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("plain" if DEBUG else "json")
if LOG_FORMAT not in {"json", "plain"}:
    raise RuntimeError("LOG_FORMAT must be 'json' or 'plain'.")
LOGGING = logging_config(LOG_FORMAT, os.environ.get("LOG_LEVEL", "INFO"))

# Errors go to Sentry when SENTRY_DSN is set: no personal data, credentials masked
# (partner_center/errors.py), each event tagged with its request id.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    init_sentry(
        SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT") or ("development" if DEBUG else None),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE") or "0"),
    )
