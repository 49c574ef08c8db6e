"""Shared test fixtures. Tests run on real SQLite by default and on PostgreSQL when READINGROOM_DATABASE_URL
points at a server (`make test` runs the suite both ways)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
SEED = SHARED / "seeds" / "000_352873f1f0834b10.txt"


# Settings read the home when Django starts, which pytest-django does right after loading this file:
# give the whole run a private archive folder, never ./archive.
if os.environ.get("READINGROOM_TEST_KEEP_HOME") != "1":
    os.environ["READINGROOM_HOME"] = tempfile.mkdtemp(prefix="readingroom-test-")
os.environ.setdefault("READINGROOM_SECRET_KEY", "test-secret-key")
os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
Path(os.environ["READINGROOM_HOME"]).mkdir(parents=True, exist_ok=True)
(Path(os.environ["READINGROOM_HOME"]) / "static").mkdir(exist_ok=True)

import django  # noqa: E402

django.setup()


@pytest.fixture
def archive(tmp_path):
    """The test's own archive (its own folder and search index; the database is the test database), served
    by the web app while the test runs."""
    from django.apps import apps

    from readingroom.archive import Archive
    from readingroom.config import ArchiveSettings

    own = Archive(ArchiveSettings.from_environment(home=tmp_path / "archive"))
    web = apps.get_app_config("web")
    previous = web.install(own)
    yield own
    web.install(previous)
    own.close()


@pytest.fixture
def writer(db, archive):
    """A bulk writer of the test's archive (records.store.RecordWriter): writes inside the test's transaction
    and leaves indexing to the test."""
    return archive.store.writer()


@pytest.fixture
def import_files(db, archive):
    """Import paths the way `readingroom import` does, into the test's archive; returns the ImportReport."""

    def run(*paths, **kwargs):
        kwargs.setdefault("show_progress", False)
        return archive.import_paths([str(p) for p in paths], **kwargs)

    return run


@pytest.fixture
def seed_record(import_files):
    from readingroom.records.models import Record

    report = import_files(SEED)
    assert report.files[0].error is None, report.files[0].error
    return Record.objects.get()


# --- Which database this run uses ------------------------------------------------------------------------
# `make test` runs the suite twice: SQLite, then PostgreSQL (READINGROOM_DATABASE_URL). Tests that only make
# sense on one of them carry @pytest.mark.sqlite_only or @pytest.mark.postgresql_only.

from django.db import connection  # noqa: E402

DB_VENDOR = connection.vendor  # "sqlite" or "postgresql"; read from settings, no connection is opened

if DB_VENDOR == "postgresql":
    # A test database per process, so two suites on one server (two checkouts, CI and a developer) never
    # drop each other's database halfway through.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = (
        f"test_{connection.settings_dict['NAME']}_{os.getpid()}"
    )


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str):
    """A service a test needs is missing: CI must have it (fail); a developer's machine may not (skip)."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: every service must be available; `make services` starts them)")
    pytest.skip(f"{reason}; `make services` starts it")


def pytest_report_header(config) -> str:
    return f"readingroom: database {DB_VENDOR}, CI={in_ci()}"


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "sqlite_only: run only when the suite runs on SQLite")
    config.addinivalue_line("markers", "postgresql_only: run only when the suite runs on PostgreSQL")


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        for vendor in ("sqlite", "postgresql"):
            if item.get_closest_marker(f"{vendor}_only") and DB_VENDOR != vendor:
                item.add_marker(pytest.mark.skip(reason=f"{vendor} only; this run is on {DB_VENDOR}"))


@pytest.fixture(scope="session")
def db_vendor() -> str:
    return DB_VENDOR


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The PostgreSQL URL this run uses; skips on the SQLite run (the PostgreSQL run covers it)."""
    if DB_VENDOR != "postgresql":
        pytest.skip("needs PostgreSQL: this run is on SQLite")
    return os.environ["READINGROOM_DATABASE_URL"]


# --- Typesense --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def typesense_url() -> tuple[str, str]:
    """(url, api_key) of the Typesense server scripts/services.sh started."""
    import urllib.request

    url = os.environ.get("READINGROOM_TEST_TYPESENSE_URL", "").rstrip("/")
    key = os.environ.get("READINGROOM_TEST_TYPESENSE_API_KEY", "")
    if not url or not key:
        unavailable(
            "no Typesense: READINGROOM_TEST_TYPESENSE_URL and READINGROOM_TEST_TYPESENSE_API_KEY are unset"
        )
    try:
        with urllib.request.urlopen(url + "/health", timeout=5) as response:
            health = response.read().decode()
    except OSError as e:
        health = str(e)
    if '"ok":true' not in health.replace(" ", ""):
        unavailable(f"Typesense at {url} is not healthy: /health gave {health!r}")
    return url, key


# --- Browser ----------------------------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Containers often give /dev/shm 64 MB, too little for Chromium's shared memory.
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (pip's playwright ships the driver, never a browser)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        unavailable(f"no {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API keeps an asyncio loop running in this thread; Django would then refuse ORM calls
    # from tests as "async context", although every call here is plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception as e:
        playwright.stop()
        unavailable(f"Chromium did not start: {e}")
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page(browser):
    """A fresh browser tab (own cookies and storage) per test."""
    context = browser.new_context()
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture
def live_server_url(live_server, transactional_db) -> str:
    """Base URL of the archive served in a thread (pytest-django's live_server) for browser tests.
    transactional_db: rows a test writes are committed, so the server's thread sees them."""
    return live_server.url
