"""Settings for the Town backend.

Everything that differs between a laptop and production comes from the environment, with embedded
defaults: SQLite under var/, the in-memory channel layer, database search, mail to the console.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "development-only-secret-key-never-use-in-production-0123456789abcdef"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The Town's own web apps: they may call the API from the browser with credentials, and open the
# GraphQL WebSocket. Native apps send no Origin header and are not concerned.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "user-agent",
    "x-csrftoken",
    "x-requested-with",
    "x-session-token",
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "channels",
    "allauth",
    "allauth.account",
    "allauth.headless",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.idp.oidc",
    "strawberry_django",
    # Before django_tasks_db: its db_worker also recovers work a killed worker left unfinished.
    "backend.worker",
    "django_tasks",
    "django_tasks_db",
    "backend.accounts",
    "backend.audit",
    "backend.records",
    "backend.search",
    "backend.notifications",
    "backend.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "backend.common.middleware.PrefetchReleaseMiddleware",
]

ROOT_URLCONF = "backend.urls"
ASGI_APPLICATION = "backend.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "backend" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: a SQLite file under var/ unless DATABASE_URL says otherwise.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A pool of open connections per process: opening one costs more than most queries. Under
    # ASGI this replaces persistent connections, which Django does not support there.
    DATABASE_POOL_MAX_SIZE = int(os.environ.get("DATABASE_POOL_MAX_SIZE", "10"))
    if DATABASE_POOL_MAX_SIZE > 0:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": DATABASE_POOL_MAX_SIZE,
            "timeout": 10,
        }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the server read while the worker writes; IMMEDIATE transactions avoid the
    # upgrade deadlock that otherwise surfaces as "database is locked".
    # Django's backend, keeping closed connections for reuse (see backend/common/sqlite).
    DATABASES["default"]["ENGINE"] = "backend.common.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Real time: Redis when REDIS_URL is set, otherwise the in-memory layer (one process only).
REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_PREFIX = os.environ.get("REDIS_PREFIX", "town")
# Connections one process may open to Redis: many sockets join, leave and get rung at once.
REDIS_MAX_CONNECTIONS = int(os.environ.get("REDIS_MAX_CONNECTIONS", "1000"))
# "pubsub" (default): a group send is one PUBLISH that Redis pushes at once to each process with a
# member; nothing waits in Redis for a process that is not listening, which suits these messages:
# they only say "read again" (the inbox and the meeting hold the state). "queues": channels_redis's
# original layer, which keeps messages for a minute; it takes several round trips per message on
# both sides, about three times slower to fan out (bench/notifications_fanout.py).
REDIS_CHANNEL_LAYER = os.environ.get("REDIS_CHANNEL_LAYER", "pubsub")
_REDIS_HOST = {
    "address": REDIS_URL,
    # Longer than a blocking read of the queues layer (5 s): redis-py 8's default of 5 s would end
    # that read, and a socket with it, whenever a process is idle.
    "socket_timeout": 30,
    "max_connections": REDIS_MAX_CONNECTIONS,
}
if REDIS_URL and REDIS_CHANNEL_LAYER == "queues":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [_REDIS_HOST],
                "prefix": REDIS_PREFIX,
                # All the sockets of a server process share one queue in Redis; a fan-out rings
                # each of them at once, so it must hold at least that many messages.
                "capacity": int(os.environ.get("CHANNEL_LAYER_CAPACITY", "20000")),
            },
        }
    }
elif REDIS_URL:
    # Pub/Sub channels belong to the whole Redis server, not to one of its databases: the
    # database number goes into their names, so deployments on two databases never hear each
    # other (as with keys).
    _redis_url = urlsplit(REDIS_URL)
    _redis_database = parse_qs(_redis_url.query).get("db", [_redis_url.path.strip("/") or "0"])[0]
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [_REDIS_HOST], "prefix": f"{REDIS_PREFIX}.{_redis_database}."},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Background work: task rows are written in the same transaction as the write that needs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Search: the application database (SQLite FTS5 or PostgreSQL full text) unless
# ELASTICSEARCH_URL names a cluster; the index is an alias over versioned indexes named after
# SEARCH_INDEX_PREFIX.
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
SEARCH = {
    "BACKEND": "elasticsearch" if ELASTICSEARCH_URL else "database",
    "INDEX_PREFIX": os.environ.get("SEARCH_INDEX_PREFIX", "town-search"),
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "backend.accounts.backends.StaffMfaModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Accounts: email is the identity; verification is mandatory and done by a code, so the same
# flow works in a phone app and a browser.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_ADAPTER = "backend.accounts.adapter.AccountAdapter"
ACCOUNT_RATE_LIMITS_ENABLED = True
HEADLESS_CLIENTS = ("browser", "app")
HEADLESS_SERVE_SPECIFICATION = True
HEADLESS_FRONTEND_URLS = {
    "account_confirm_email": os.environ.get("FRONTEND_URL", "http://localhost:3000").rstrip("/")
    + "/account/verify-email/{key}",
    "account_reset_password_from_key": os.environ.get(
        "FRONTEND_URL", "http://localhost:3000"
    ).rstrip("/")
    + "/account/password/reset/key/{key}",
    "account_signup": os.environ.get("FRONTEND_URL", "http://localhost:3000").rstrip("/")
    + "/account/signup",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = os.environ.get("MFA_TOTP_ISSUER", "Town services")
LOGIN_REDIRECT_URL = "/admin/"

# OpenID Connect provider for third-party civic apps acting for a resident. ID tokens are signed
# with this RSA key (PEM; "\n" escapes are accepted for one-line environments). With DEBUG and no
# key, one is generated once under var/; without DEBUG a system check refuses to run without it.
IDP_OIDC_PRIVATE_KEY = os.environ.get("IDP_OIDC_PRIVATE_KEY", "").replace("\\n", "\n").strip()
if not IDP_OIDC_PRIVATE_KEY and DEBUG:
    from backend.accounts.signing_keys import development_private_key

    IDP_OIDC_PRIVATE_KEY = development_private_key(VAR_DIR / "oidc-private-key.pem")
IDP_OIDC_ADAPTER = "backend.accounts.oidc.OIDCAdapter"
IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN = int(os.environ.get("IDP_OIDC_ACCESS_TOKEN_EXPIRES_IN", "3600"))

# Django's cache holds rate limits and the provider's short-lived authorization codes: with more
# than one server process it must be shared (CACHE_URL=redis://...), else it is per process.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }

# Mail: to the console unless configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Town services <no-reply@town.example>")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
TIME_ZONE = os.environ.get("TOWN_TIME_ZONE", "America/Toronto")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
RECORDS_DOCUMENT_MAX_BYTES = int(
    os.environ.get("RECORDS_DOCUMENT_MAX_BYTES", str(50 * 1024 * 1024))
)
RECORDS_DOCUMENT_MAX_PAGES = int(os.environ.get("RECORDS_DOCUMENT_MAX_PAGES", "2000"))

# GraphQL protection.
GRAPHQL_MAX_DEPTH = int(os.environ.get("GRAPHQL_MAX_DEPTH", "10"))
GRAPHQL_MAX_ALIASES = int(os.environ.get("GRAPHQL_MAX_ALIASES", "15"))
GRAPHQL_MAX_TOKENS = int(os.environ.get("GRAPHQL_MAX_TOKENS", "2000"))
GRAPHQL_MAX_SUBSCRIPTIONS_PER_SOCKET = int(os.environ.get("GRAPHQL_MAX_SUBSCRIPTIONS", "10"))
# Across all of a signed-in user's sockets and server processes (shared through Redis).
GRAPHQL_MAX_SUBSCRIPTIONS_PER_USER = int(os.environ.get("GRAPHQL_MAX_SUBSCRIPTIONS_PER_USER", "20"))

# Notifications: caps per user.
NOTIFICATIONS_MAX_FOLLOWS = int(os.environ.get("NOTIFICATIONS_MAX_FOLLOWS", "500"))
NOTIFICATIONS_MAX_SAVED_SEARCHES = int(os.environ.get("NOTIFICATIONS_MAX_SAVED_SEARCHES", "20"))
# A fan-out still unfinished this long after it started (or failed) is queued again.
NOTIFICATIONS_FAN_OUT_RETRY_SECONDS = int(
    os.environ.get("NOTIFICATIONS_FAN_OUT_RETRY_SECONDS", "60")
)

# Links in notification emails: to the record in the Town's web app, and to this server's
# one-click unsubscribe page (signed links, valid this many days).
FRONTEND_URL = os.environ.get("FRONTEND_URL", "http://localhost:3000").rstrip("/")
PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
NOTIFICATIONS_UNSUBSCRIBE_LINK_DAYS = int(
    os.environ.get("NOTIFICATIONS_UNSUBSCRIBE_LINK_DAYS", "365")
)

# Security: production defaults, relaxed only by DEBUG or explicit environment.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Masked GraphQL errors are still logged here, with their traceback, for the operators.
        "strawberry.execution": {"level": "ERROR"},
    },
}
