"""Shared test fixtures. Tests run on real SQLite by default and on PostgreSQL when READINGROOM_DATABASE_URL
points at a server (`make test` runs the suite both ways)."""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The project's shared corpora: READINGROOM_SHARED, else the folder shared beside the checkout (as CI lays it).
SHARED = Path(os.environ.get("READINGROOM_SHARED") or ROOT.parent / "shared").resolve()
CORPUS = SHARED / "corpus"
SEED = SHARED / "seeds" / "000_352873f1f0834b10.txt"


def missing_shared_message(shared: Path) -> str:
    """Said once when the corpora are not there; scripts/shared.sh says the same (tests/test_shared.py)."""
    return (
        f"the tests need the project's shared corpora (corpus/ and seeds/) in {shared}, and they are not "
        "there: put the shared folder beside the checkout, or set READINGROOM_SHARED to the folder that "
        "holds them"
    )


# Settings read the home when Django starts, which pytest-django does right after loading this file:
# give the whole run a private archive folder, never ./archive.
if os.environ.get("READINGROOM_TEST_KEEP_HOME") != "1":
    os.environ["READINGROOM_HOME"] = tempfile.mkdtemp(prefix="readingroom-test-")
os.environ.setdefault("READINGROOM_SECRET_KEY", "test-secret-key")
# The suite makes many requests from one address: rate limits are off, and tests/test_security.py turns them on.
os.environ.setdefault("READINGROOM_RATE_LIMITS", "0")
os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
Path(os.environ["READINGROOM_HOME"]).mkdir(parents=True, exist_ok=True)
(Path(os.environ["READINGROOM_HOME"]) / "static").mkdir(exist_ok=True)

import django  # noqa: E402

django.setup()


@pytest.fixture(autouse=True)
def _fresh_kept_pages():
    """The process-wide archive (served to tests that do not install their own) keeps pages and counts under the
    latest audit event id: the test database is rolled back after each test and its ids come again, so what a
    test kept must not reach the next."""
    from django.apps import apps

    served = apps.get_app_config("web")._archive
    if served is not None:
        served.memo.clear()
        if served.shared is not None and served.shared._cache is not None:
            served.shared.clear()
    yield


@contextlib.contextmanager
def served(home: Path, **settings):
    """An archive in `home` (its own folder and search index; the database is the test database), with these
    settings, served by the web app inside the block."""
    from django.apps import apps

    from readingroom.archive import Archive
    from readingroom.config import ArchiveSettings

    own = Archive(ArchiveSettings.from_environment(home=home, **settings))
    web = apps.get_app_config("web")
    previous = web.install(own)
    try:
        yield own
    finally:
        web.install(previous)
        own.close()


@pytest.fixture
def archive(tmp_path):
    """The test's own archive, served by the web app while the test runs."""
    with served(tmp_path / "archive") as own:
        yield own


def imported(archive, *paths, **kwargs):
    """Import paths into the archive the way `readingroom import` does (without its progress line); returns the
    ImportReport."""
    kwargs.setdefault("show_progress", False)
    return archive.import_paths([str(p) for p in paths], **kwargs)


@contextlib.contextmanager
def committed_archive(django_db_blocker, home: Path, build, **settings):
    """An archive served by the web app, with the corpus `build(archive)` writes committed to the test database:
    for a module-scoped fixture whose tests each run in a transaction of their own over it (pytest-django's
    `db`), rolled back after the test. The database is emptied when the block ends. Its tests may write (their
    writes go with their transaction, and the index only follows a commit), but must not index or commit;
    live-server tests, whose database is emptied after each test, build their own corpus."""
    from django.core.management import call_command

    with served(home, **settings) as own:
        try:
            with django_db_blocker.unblock():
                build(own)
            yield own
        finally:
            with django_db_blocker.unblock():
                call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def writer(db, archive):
    """A bulk writer of the test's archive (records.store.RecordWriter): writes inside the test's transaction
    and leaves indexing to the test."""
    return archive.store.writer()


@pytest.fixture
def import_files(db, archive):
    """Import paths the way `readingroom import` does, into the test's archive; returns the ImportReport."""

    return functools.partial(imported, archive)


@pytest.fixture
def seed_record(import_files):
    from readingroom.records.models import Record

    report = import_files(SEED)
    assert report.files[0].error is None, report.files[0].error
    return Record.objects.get()


# --- The shared corpora's sizes --------------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusCounts:
    """How much the shared corpora hold, read from the files themselves (not through the importers), so that a
    corpus that grows or shrinks changes one place, and an importer that drops or invents entries still fails."""

    frus_documents: int  # <div type="document"> of the FRUS excerpt: one record each
    frus_persons: int  # persons with an xml:id in the excerpt's persons list: one authority each
    frus_chapters: int  # <div type="chapter">: one collection each, under the volume's
    frus_history: int  # frus-history/documents/*.xml: one record each
    people: int  # lines of hsg/people.jsonl: one person each
    taxonomy: int  # <category> and <tag> of hsg/taxonomy.xml: one authority each
    taxonomy_places: int  # those under the top-level "places" category (places; the others are subjects)


@pytest.fixture(scope="session")
def corpus_counts() -> CorpusCounts:
    from lxml import etree

    tei = {"t": "http://www.tei-c.org/ns/1.0"}
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    frus = etree.parse(str(CORPUS / "frus" / "frus1964-68v07-excerpt.xml"), parser)
    taxonomy = etree.parse(str(CORPUS / "hsg" / "taxonomy.xml"), parser)
    with open(CORPUS / "hsg" / "people.jsonl", encoding="utf-8") as f:
        people = sum(1 for line in f if line.strip())
    return CorpusCounts(
        frus_documents=len(frus.xpath("//t:div[@type='document']", namespaces=tei)),
        frus_persons=len(frus.xpath("//t:div[@xml:id='persons']//t:persName[@xml:id]", namespaces=tei)),
        frus_chapters=len(frus.xpath("//t:div[@type='chapter']", namespaces=tei)),
        frus_history=len(list((CORPUS / "frus-history" / "documents").glob("*.xml"))),
        people=people,
        taxonomy=len(taxonomy.xpath("//category | //tag")),
        taxonomy_places=len(
            taxonomy.xpath(
                "/taxonomy/category[id='places']/descendant-or-self::*[self::category or self::tag]"
            )
        ),
    )


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
    # Before collection: one message, not an error for each test that reads a corpus.
    if not (CORPUS.is_dir() and SEED.parent.is_dir()):
        raise pytest.UsageError(missing_shared_message(SHARED))
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


def scratch_database(url: str, *, create: bool = True) -> None:
    """Drop the PostgreSQL database at url if it exists, then (by default) create it empty.

    DROP ... WITH (FORCE) ends the other sessions on the database, but a role that is not a superuser (the
    test role is not) may not end an autovacuum worker, which has no role: PostgreSQL answers "must be a
    member of the role whose process is being terminated". After heavy writes such a worker is done in a
    moment, so the drop is tried again until it has gone.
    """
    import time

    import psycopg

    base, name = url.rsplit("/", 1)
    for attempt in range(60):
        try:
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            break
        except psycopg.errors.InsufficientPrivilege:
            if attempt == 59:
                raise
            time.sleep(0.5)
    if create:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')


def cli_runner(tmp_path: Path, database_url: str | None = None):
    """A function that runs the `readingroom` command in a subprocess on an archive home:
    rr(home, *args, url=...) -> CompletedProcess (text, captured). The database is the home's SQLite unless a
    PostgreSQL URL is given (here or per call)."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "READINGROOM_DATABASE_URL"}
    env["READINGROOM_HOME"] = str(tmp_path / "unused")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")

    def rr(home: Path, *args: str, url: str | None = database_url) -> subprocess.CompletedProcess:
        run_env = dict(env, READINGROOM_DATABASE_URL=url) if url else env
        return subprocess.run(
            [sys.executable, "-m", "readingroom.cli", "--home", str(home), *args],
            env=run_env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    return rr


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
    """Debian's Chromium driven by Playwright (pip's playwright ships the driver, never a browser). On the SQLite
    run only: what the browser sees does not depend on the database, and the PostgreSQL run checks the same
    pages, their queries and their writes through Django's client (it took CI over 45 minutes to do both twice)."""
    if DB_VENDOR == "postgresql":
        pytest.skip("one database is enough for the browser: the SQLite run drives Chromium")
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
