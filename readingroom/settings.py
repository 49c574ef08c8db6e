"""Django settings, derived from readingroom.config (the environment)."""

from __future__ import annotations

import secrets
from importlib.util import find_spec
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from readingroom import config, logs

HOME = config.home()
BASE_DIR = Path(__file__).resolve().parent


def _secret_key() -> str:
    key = config.get("READINGROOM_SECRET_KEY")
    if key:
        return key
    path = HOME / "secret_key"
    if path.exists():
        return path.read_text().strip()
    if HOME.exists():
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key
    return "readingroom-uninitialized-" + secrets.token_urlsafe(20)


SECRET_KEY = _secret_key()
DEBUG = config.get("READINGROOM_DEBUG") == "1"
PRODUCTION = config.get("READINGROOM_PRODUCTION") == "1"
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured(
        "READINGROOM_DEBUG=1 shows debug pages to anyone: unset it when READINGROOM_PRODUCTION=1"
    )
ALLOWED_HOSTS = [h.strip() for h in config.get("READINGROOM_ALLOWED_HOSTS").split(",") if h.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "readingroom.records",
    "readingroom.search",
    "readingroom.web",
    "readingroom.web.searchpage",
    "readingroom.accounts",  # after records: its post_migrate makes the roles' groups from their permissions
]

MIDDLEWARE = [
    "readingroom.web.access.RequestMiddleware",  # first: the request id, the access log and the metrics
    "django.middleware.security.SecurityMiddleware",
    "readingroom.accounts.middleware.ContentSecurityPolicyMiddleware",
    "readingroom.accounts.middleware.RateLimitMiddleware",
    "readingroom.api.http.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files, gzipped once by collectstatic (staticfiles.py)
    # Pages, API answers, OAI-PMH lists and exports compressed for clients that accept it (a record page of
    # 300 KB goes as about 80 KB). Below WhiteNoise, which answers static files with their gzipped copies.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "readingroom.web.middleware.ArchiveMiddleware",
    "readingroom.web.errors.ErrorMiddleware",
]

ROOT_URLCONF = "readingroom.urls"
WSGI_APPLICATION = "readingroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "readingroom.web.context_processors.site",
            ],
        },
    },
]

_db_url = config.get("READINGROOM_DATABASE_URL")
if _db_url:
    DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=60)}
    # The PostgreSQL client is an extra: `pip install readingroom` alone is the SQLite archive.
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not (
        find_spec("psycopg") or find_spec("psycopg2")
    ):
        raise ImproperlyConfigured(
            "READINGROOM_DATABASE_URL=postgresql://... needs the PostgreSQL client: "
            "pip install 'readingroom[postgresql]'"
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(HOME / "readingroom.sqlite3"),
            "OPTIONS": {
                # WAL lets readers (web workers) run while one writer (an import) commits. Pages of 8 KiB (taken
                # by a new archive only) hold a record of a few KB with fewer overflow pages: inserts cost a third
                # less than with 4 KiB (measured by bench/ingest.py's store, 10 KB records).
                "init_command": "PRAGMA page_size=8192; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA busy_timeout=10000;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = str(HOME / "static")
WHITENOISE_USE_FINDERS = True
# Hashed names and gzip once collected (readingroom/web/staticfiles.py); WhiteNoise then gives them a year's
# cache lifetime, as their names change with their content.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "readingroom.web.staticfiles.ArchiveStaticStorage"},
}
MEDIA_ROOT = str(HOME / "media")

# Security (docs/security.md). Content-Security-Policy: readingroom/accounts/middleware.py.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"


def _flag(name: str, default: bool = False) -> bool:
    value = config.get(name).strip()
    return default if value == "" else value == "1"


def _int(name: str, default: int = 0) -> int:
    value = config.get(name).strip()
    if value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: give a whole number") from None


READINGROOM_BEHIND_PROXY = _flag("READINGROOM_BEHIND_PROXY")
if READINGROOM_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _flag("READINGROOM_SECURE_COOKIES", PRODUCTION)
SECURE_SSL_REDIRECT = _flag("READINGROOM_SSL_REDIRECT", PRODUCTION)
# Probes and scrapes on the server's own address speak plain HTTP (docs/operations.md).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = _int("READINGROOM_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _flag("READINGROOM_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = _flag("READINGROOM_HSTS_PRELOAD")
SILENCED_SYSTEM_CHECKS = [
    # includeSubDomains and preload commit every subdomain, and browsers' preload lists, to HTTPS for good:
    # the archive's operator chooses them (READINGROOM_HSTS_INCLUDE_SUBDOMAINS, READINGROOM_HSTS_PRELOAD).
    "security.W005",
    "security.W021",
]
if config.get("READINGROOM_BASE_URL").startswith("https://"):
    CSRF_TRUSTED_ORIGINS = ["/".join(config.get("READINGROOM_BASE_URL").split("/")[:3])]

try:
    SESSION_COOKIE_AGE = int(float(config.get("READINGROOM_SESSION_HOURS") or 8) * 3600)
except ValueError:
    raise ImproperlyConfigured(
        f"READINGROOM_SESSION_HOURS={config.get('READINGROOM_SESSION_HOURS')!r}: give a number of hours, such as 8"
    ) from None
SESSION_EXPIRE_AT_BROWSER_CLOSE = _flag("READINGROOM_SESSION_EXPIRE_AT_BROWSER_CLOSE")
SESSION_COOKIE_HTTPONLY = True
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/admin/"
LOGOUT_REDIRECT_URL = None

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # Kept to read (and upgrade on login) passwords hashed before argon2 was the default.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling and rate limits (readingroom/accounts/throttle.py) count in the cache `throttle`, a folder every worker
# shares (a per-process memory cache would let each worker count on its own).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache"
    },  # per process: rendered citations
    "throttle": {
        "BACKEND": "readingroom.accounts.cache.ThrottleCache",
        "LOCATION": str(HOME / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 20000},
    },
}
READINGROOM_LOGIN_FAILURES = _int("READINGROOM_LOGIN_FAILURES", 5)
READINGROOM_LOGIN_LOCKOUT = _int("READINGROOM_LOGIN_LOCKOUT_MINUTES", 15) * 60
READINGROOM_RATE_LIMITS_ON = _flag("READINGROOM_RATE_LIMITS", True)
READINGROOM_RATE_LIMITS = {
    scope: _int(f"READINGROOM_RATE_LIMIT_{scope.upper()}") for scope in ("search", "api", "oai", "export")
}

try:
    LOGGING = logs.logging_config(config.get("READINGROOM_LOG_FORMAT").strip().lower())
except ValueError as e:
    raise ImproperlyConfigured(str(e)) from None
READINGROOM_METRICS_TOKEN = config.get("READINGROOM_METRICS_TOKEN").strip()
