"""Django settings, derived from readingroom.config (the environment)."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url

from readingroom import config

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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
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
MEDIA_ROOT = str(HOME / "media")

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
