"""Deployment settings: one list of (name, default, help), read from the environment.

Descriptive metadata about the archive lives in the database; this file is only about how it runs.
A test fails if a setting here is not documented in docs/settings.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS = [
    Setting(
        "READINGROOM_HOME", "./archive", "The data folder: SQLite database, search index and media files."
    ),
    Setting(
        "READINGROOM_DATABASE_URL",
        "",
        "A database URL (postgresql://user:pass@host/db). Empty: SQLite in READINGROOM_HOME/readingroom.sqlite3.",
    ),
    Setting(
        "READINGROOM_SEARCH_BACKEND",
        "tantivy",
        "Search engine: 'tantivy' (embedded index in READINGROOM_HOME/index) or 'typesense'.",
    ),
    Setting(
        "READINGROOM_TYPESENSE_URL",
        "http://127.0.0.1:8108",
        "Typesense server URL, for the typesense backend. A cluster: the URLs of its nodes, separated by commas.",
    ),
    Setting(
        "READINGROOM_TYPESENSE_API_KEY",
        "",
        "Typesense API key, required with the typesense backend (there is no default key).",
    ),
    Setting(
        "READINGROOM_TYPESENSE_COLLECTION", "records", "Name of the Typesense collection holding the records."
    ),
    Setting(
        "READINGROOM_SEARCH_FACET_CACHE",
        "512",
        "Facet counts kept per tantivy reader for repeated searches (paging, sorting); 0 turns the cache off.",
    ),
    Setting(
        "READINGROOM_SECRET_KEY",
        "",
        "Django secret key. Empty: one is generated once and kept in READINGROOM_HOME/secret_key.",
    ),
    Setting("READINGROOM_DEBUG", "0", "1 shows Django debug pages. Never in production."),
    Setting(
        "READINGROOM_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver", "Comma-separated host names served."
    ),
    Setting("READINGROOM_SITE_NAME", "Readingroom", "The archive's name, shown in page headers and exports."),
    Setting(
        "READINGROOM_BASE_URL",
        "",
        "The archive's public base URL (https://archive.example.org), used in permalinks, citations, OAI-PMH, "
        "sitemaps and API links. Empty: taken from each request's host and scheme.",
    ),
    Setting(
        "READINGROOM_SHARED",
        "",
        "The project's shared corpora (corpus/, seeds/), read by the tests, the benchmarks and `readingroom "
        "demo`. Empty: the folder shared beside the checkout.",
    ),
    Setting(
        "READINGROOM_ADMIN_EMAIL",
        "",
        "The e-mail address of the archive's administrator, which OAI-PMH's Identify gives to harvesters. "
        "Empty: Identify shows set-READINGROOM_ADMIN_EMAIL@example.invalid.",
    ),
    Setting(
        "READINGROOM_OAI_PAGE_SIZE",
        "100",
        "Records (or sets) in one OAI-PMH response; a resumption token asks for the next ones.",
    ),
    # The background worker (docs/operations.md).
    Setting(
        "READINGROOM_SERVE_WORKER",
        "1",
        "1: `serve` starts the background worker (index catch-up, ended embargoes, publish-due) and restarts it "
        "if it dies or stalls. 0: the deployment runs `readingroom worker` itself (systemd, another host).",
    ),
    Setting(
        "READINGROOM_WORKER_STALL_SECONDS",
        "300",
        "`serve` restarts a worker whose heartbeat (READINGROOM_HOME/worker.heartbeat) is older than this.",
    ),
    # Security (docs/security.md).
    Setting(
        "READINGROOM_PRODUCTION",
        "0",
        "1 for a public server: secure cookies, HTTPS redirect and HSTS by default, debug refused; "
        "`django-admin check --deploy` is clean.",
    ),
    Setting(
        "READINGROOM_BEHIND_PROXY",
        "0",
        "1 when a reverse proxy terminates HTTPS: trust its X-Forwarded-Proto, X-Forwarded-Host and the last "
        "X-Forwarded-For address (the client's address for throttling and the audit log).",
    ),
    Setting(
        "READINGROOM_SECURE_COOKIES",
        "",
        "1: session and CSRF cookies only over HTTPS. Empty: as READINGROOM_PRODUCTION.",
    ),
    Setting(
        "READINGROOM_SSL_REDIRECT",
        "",
        "1: redirect plain HTTP requests to HTTPS. Empty: as READINGROOM_PRODUCTION.",
    ),
    Setting(
        "READINGROOM_HSTS_SECONDS",
        "",
        "Strict-Transport-Security max-age in seconds; 0 sends none. Empty: 31536000 (a year) in production, "
        "else 0.",
    ),
    Setting(
        "READINGROOM_HSTS_INCLUDE_SUBDOMAINS", "0", "1 adds includeSubDomains to Strict-Transport-Security."
    ),
    Setting(
        "READINGROOM_HSTS_PRELOAD",
        "0",
        "1 adds preload to Strict-Transport-Security (ask browsers to ship the domain as HTTPS-only).",
    ),
    Setting("READINGROOM_SESSION_HOURS", "8", "A login lasts this many hours, then the user logs in again."),
    Setting(
        "READINGROOM_SESSION_EXPIRE_AT_BROWSER_CLOSE",
        "0",
        "1: a login also ends when the browser is closed.",
    ),
    Setting(
        "READINGROOM_LOGIN_FAILURES",
        "5",
        "Failed logins, for one username or from one address, that lock logging in; 0 never locks.",
    ),
    Setting(
        "READINGROOM_LOGIN_LOCKOUT_MINUTES",
        "15",
        "The period in which failed logins count, and how long a lock lasts after the last failure.",
    ),
    Setting(
        "READINGROOM_RATE_LIMITS",
        "1",
        "0 turns every rate limit off (benchmarks, load tests); the limits below then do not apply.",
    ),
    Setting(
        "READINGROOM_RATE_LIMIT_SEARCH",
        "300",
        "Requests a minute from one address to the search page (/search/); 0: no limit.",
    ),
    Setting(
        "READINGROOM_RATE_LIMIT_API",
        "600",
        "Requests a minute from one address to the JSON APIs (/api/v1/, /srv/); 0: no limit.",
    ),
    Setting(
        "READINGROOM_RATE_LIMIT_OAI",
        "300",
        "Requests a minute from one address to OAI-PMH (/oai); 0: no limit.",
    ),
    Setting(
        "READINGROOM_RATE_LIMIT_EXPORT",
        "60",
        "Requests a minute from one address to search exports (/export/); 0: no limit.",
    ),
    # Operations (docs/operations.md).
    Setting(
        "READINGROOM_LOG_FORMAT",
        "json",
        "How the server writes its log to standard error: 'json' (one JSON object a line, with the request id) "
        "or 'text' (plain lines).",
    ),
    Setting(
        "READINGROOM_METRICS_TOKEN",
        "",
        "A secret that lets a Prometheus server read /metrics from another machine (Authorization: Bearer "
        "TOKEN). Empty: /metrics answers only requests from the server itself (loopback).",
    ),
    Setting(
        "READINGROOM_METRICS_DIR",
        "",
        "The folder where the server's workers keep their metrics (emptied each time `readingroom serve` "
        "starts). Empty: a folder of this archive's in /dev/shm (memory), else in the system's temporary folder.",
    ),
    Setting(
        "READINGROOM_PAGE_CACHE_MB",
        "256",
        "Megabytes of pages and counts kept on disk for every worker of the server to share (record, home and "
        "year pages for anonymous readers; the home page's counts): least recently stored dropped first. "
        "0 turns the shared cache off (each worker then keeps record pages for itself).",
    ),
    Setting(
        "READINGROOM_PAGE_CACHE_DIR",
        "",
        "The folder of the shared page cache. Empty: READINGROOM_HOME/pagecache. A folder in /dev/shm keeps it "
        "in memory.",
    ),
]


def get(name: str) -> str:
    for s in SETTINGS:
        if s.name == name:
            return os.environ.get(name, s.default)
    raise KeyError(f"unknown setting {name}: add it to readingroom.config.SETTINGS")


class SettingError(ValueError):
    """A setting's value cannot be used: the message names the setting and the values it takes."""


def _flag(name: str) -> bool:
    value = get(name).strip()
    if value not in ("0", "1"):
        raise SettingError(f"{name} is {value!r}: set it to 1 (on) or 0 (off)")
    return value == "1"


def _seconds(name: str) -> float:
    value = get(name).strip()
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise SettingError(f"{name} is {value!r}: set it to a number of seconds greater than 0, e.g. 300")
    return seconds


def _whole_number(name: str) -> int:
    value = get(name).strip()
    if not value.isdigit():
        raise SettingError(f"{name} is {value!r}: set it to a whole number, 0 or more, e.g. 256")
    return int(value)


def home() -> Path:
    return Path(get("READINGROOM_HOME")).expanduser().resolve()


@dataclass(frozen=True)
class ArchiveSettings:
    """What one running archive is configured with: read from the environment once, then passed around (the
    archive object, its search backend and its indexer read this, never the environment)."""

    home: Path
    search_backend: str = "tantivy"
    typesense_url: str = "http://127.0.0.1:8108"
    typesense_api_key: str = ""
    typesense_collection: str = "records"
    facet_cache: int = 512
    site_name: str = "Readingroom"
    base_url: str = ""
    admin_email: str = ""
    oai_page_size: int = 100
    serve_worker: bool = True
    worker_stall_seconds: float = 300.0
    page_cache_mb: int = 256
    page_cache_dir: str = ""

    @classmethod
    def from_environment(cls, **overrides) -> ArchiveSettings:
        values: dict[str, Any] = dict(
            home=home(),
            search_backend=get("READINGROOM_SEARCH_BACKEND"),
            typesense_url=get("READINGROOM_TYPESENSE_URL"),
            typesense_api_key=get("READINGROOM_TYPESENSE_API_KEY"),
            typesense_collection=get("READINGROOM_TYPESENSE_COLLECTION"),
            facet_cache=int(get("READINGROOM_SEARCH_FACET_CACHE") or 0),
            site_name=get("READINGROOM_SITE_NAME"),
            base_url=get("READINGROOM_BASE_URL"),
            admin_email=get("READINGROOM_ADMIN_EMAIL"),
            oai_page_size=int(get("READINGROOM_OAI_PAGE_SIZE") or 100),
            serve_worker=_flag("READINGROOM_SERVE_WORKER"),
            worker_stall_seconds=_seconds("READINGROOM_WORKER_STALL_SECONDS"),
            page_cache_mb=_whole_number("READINGROOM_PAGE_CACHE_MB"),
            page_cache_dir=get("READINGROOM_PAGE_CACHE_DIR").strip(),
        )
        values.update(overrides)
        values["home"] = Path(values["home"]).expanduser().resolve()
        return cls(**values)

    @property
    def page_cache_path(self) -> Path:
        """The shared page cache's folder (archive.SharedMemo)."""
        return Path(self.page_cache_dir).expanduser() if self.page_cache_dir else self.home / "pagecache"

    @property
    def index_path(self) -> Path:
        return self.home / "index"

    @property
    def media_path(self) -> Path:
        return self.home / "media"

    @property
    def iiif_path(self) -> Path:
        """Static IIIF tiles of the scans in media_path (readingroom/iiif/images.py)."""
        return self.home / "iiif"
