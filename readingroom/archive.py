"""The archive object: one running archive, owned by one object (Datasette's `Datasette` class is the model).

An `Archive` holds the settings (config.ArchiveSettings), the store (records.store.Store: the one write path,
over Django's database), the search backend (made when first needed, closed with the archive), the indexer
that keeps the backend in step with the store, and the importer registry. The command line builds one per
command, the web app one per process (web/apps.py), a test one per test: nothing here is module-level state.

    archive = Archive.from_environment()
    archive.init()
    archive.import_paths(["volume.xml"])
    archive.search.search(request)
"""

from __future__ import annotations

import io
import logging
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection

from readingroom.config import ArchiveSettings
from readingroom.ingest.registry import ImporterRegistry
from readingroom.records.store import Store
from readingroom.search.backends import SearchBackend, backend_class, create
from readingroom.search.backends.base import SearchObserver
from readingroom.search.indexing import Indexer

_log = logging.getLogger(__name__)


class Memo:
    """Values computed from the store and kept by this process under a key that names everything they depend on
    (the record page and its related documents: web/pagecache.py, web/contexts.py), the least recently used
    dropped beyond `size` entries or `max_bytes` (as the callers count them). Held by the archive, so a test's
    archive starts with none."""

    def __init__(self, size: int = 4096, max_bytes: int = 64 * 1024 * 1024):
        self.size = size
        self.max_bytes = max_bytes
        self._values: OrderedDict[tuple, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        with self._lock:
            found = self._values.get(key)
            if found is None:
                return None
            self._values.move_to_end(key)
            return found[0]

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._bytes = 0

    def set(self, key: tuple, value: Any, nbytes: int = 0) -> None:
        with self._lock:
            old = self._values.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._values[key] = (value, nbytes)
            self._bytes += nbytes
            while self._values and (len(self._values) > self.size or self._bytes > self.max_bytes):
                _key, (_value, dropped) = self._values.popitem(last=False)
                self._bytes -= dropped


class SharedMemo:
    """Values kept on disk for every process of one server (diskcache: SQLite and files, safe across processes),
    under keys naming everything they depend on, as Memo's are; the least recently stored dropped beyond
    `max_bytes`. A page one gunicorn worker made is then read by the other. Opened on first use (and again in a
    process forked after it was), so a command that never serves a page makes no folder. A value that cannot be
    read or kept (a full disk, a lock held too long) is made again, never an error."""

    def __init__(self, path: Path, max_bytes: int):
        self.path = path
        self.max_bytes = max_bytes
        self._cache: Any = None
        self._pid = 0
        self._lock = threading.Lock()

    def _open(self) -> Any:
        import os

        if self._cache is None or self._pid != os.getpid():
            with self._lock:
                if self._cache is None or self._pid != os.getpid():
                    import diskcache

                    # least-recently-stored: a read is not a write (least-recently-used would make every hit
                    # a write every worker waits on); keys change with every change of the archive anyway.
                    self._cache = diskcache.Cache(
                        str(self.path),
                        size_limit=self.max_bytes,
                        eviction_policy="least-recently-stored",
                        timeout=2,
                    )
                    self._pid = os.getpid()
        return self._cache

    @staticmethod
    def _key(key: tuple) -> str:
        import hashlib

        return hashlib.sha256(repr(key).encode()).hexdigest()

    def get(self, key: tuple) -> Any:
        try:
            return self._open().get(self._key(key))
        except Exception as e:  # a cache that cannot answer is a miss
            _log.warning("shared cache %s: not read: %s", self.path, e)
            return None

    def set(self, key: tuple, value: Any, nbytes: int = 0) -> None:
        try:
            self._open().set(self._key(key), value)
        except Exception as e:
            _log.warning("shared cache %s: not kept: %s", self.path, e)

    def kept(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """The value kept under `key`, or `compute()`'s, kept."""
        found = self.get(key)
        if found is None:
            found = compute()
            self.set(key, found)
        return found

    def clear(self) -> None:
        """Forget every value (`readingroom serve` starts with none: a database restored under the same folder
        could repeat an audit event id the kept pages were made under)."""
        try:
            self._open().clear()
        except Exception as e:
            _log.warning("shared cache %s: not cleared: %s", self.path, e)

    def close(self) -> None:
        with self._lock:
            if self._cache is not None:
                self._cache.close()
                self._cache = None


class Archive:
    def __init__(
        self,
        settings: ArchiveSettings | None = None,
        *,
        search: SearchBackend | None = None,
        importers: ImporterRegistry | None = None,
    ):
        self.settings = settings or ArchiveSettings.from_environment()
        self.importers = importers if importers is not None else ImporterRegistry.default()
        # Told (engine, seconds) after each search: the web app's metrics listen (web/apps.py).
        self.search_observers: list[SearchObserver] = []
        self._search = search
        if search is not None:
            search.search_observers = self.search_observers
        self._search_lock = threading.Lock()
        self.indexer = Indexer(self.settings, lambda: self.search)
        # Every write's unit of work ends by bringing the index up to date, without waiting for another indexer
        # (an import holding it applies the rows itself when it finishes; the background worker catches up too).
        self.store = Store(on_commit=lambda: self.indexer.process_outbox(wait=False))
        self.memo = Memo()
        # Pages and archive-wide counts every worker shares (web/pagecache.py); None when turned off.
        self.shared: SharedMemo | None = (
            SharedMemo(self.settings.page_cache_path, self.settings.page_cache_mb * 1024 * 1024)
            if self.settings.page_cache_mb
            else None
        )

    @classmethod
    def from_environment(cls, **overrides: Any) -> Archive:
        return cls(ArchiveSettings.from_environment(**overrides))

    @property
    def home(self) -> Path:
        return self.settings.home

    @property
    def search(self) -> SearchBackend:
        """The archive's search backend, opened on first use."""
        with self._search_lock:
            if self._search is None:
                self._search = create(self.settings)
                self._search.search_observers = self.search_observers
            return self._search

    def close(self) -> None:
        """Release the search backend (its writer, locks, threads and connections)."""
        with self._search_lock:
            if self._search is not None:
                self._search.close()
                self._search = None
        if self.shared is not None:
            self.shared.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the archive folder ------------------------------------------------------------------------------------
    def init(self, verbose: bool = False) -> Path:
        """Create the data folder and bring the database schema up to date. Safe to run again."""
        path = self.home
        path.mkdir(parents=True, exist_ok=True)
        self.settings.media_path.mkdir(exist_ok=True)
        (path / "static").mkdir(exist_ok=True)  # whitenoise serves from the package; it expects the folder
        out = io.StringIO()
        call_command("migrate", interactive=False, verbosity=1 if verbose else 0, stdout=out)
        if verbose and "No migrations to apply" not in out.getvalue():
            print(out.getvalue().strip())
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode=WAL")
        self.upgrade_index()
        return path

    def collect_static(self) -> int:
        """Copy the static files into the archive folder with hashed names and compressed copies (web/
        staticfiles.py), for the server to send with a long cache lifetime. Returns the files collected."""
        out = io.StringIO()
        call_command("collectstatic", interactive=False, verbosity=1, stdout=out)
        found = re.search(r"(\d+) static files? copied", out.getvalue())
        return int(found.group(1)) if found else 0

    def upgrade_index(self, progress: bool = True) -> int | None:
        """An index built by an earlier version (another schema) is rebuilt from the store. Returns the records
        indexed, None when the index was up to date."""
        engine = backend_class(self.settings.search_backend)
        if not engine.outdated(self.settings):
            return None
        with self.indexer.lock():
            self.close()  # this process's open index, if any, is of the old schema
            engine.discard(self.settings)
        if progress:
            print(
                "the search index was built by an earlier version of Readingroom: rebuilding it",
                file=sys.stderr,
            )
        return self.indexer.reindex(progress=progress)

    def not_ready_reason(self) -> str | None:
        default_file = self.home / "readingroom.sqlite3"
        if (
            connection.vendor == "sqlite"
            and str(connection.settings_dict["NAME"]) == str(default_file)
            and not default_file.exists()
        ):
            # Checked before connecting: connecting would create an empty database file.
            return f"no archive in {self.home}: run `readingroom init` (or pass --home DIR)"
        if "records_record" not in connection.introspection.table_names():
            return f"the archive database in {self.home} is not set up: run `readingroom init`"
        if pending_migrations():
            return (
                f"the archive in {self.home} was made by an earlier version of Readingroom: run `readingroom init` "
                "to upgrade it (`readingroom backup DEST` first keeps a copy of it as it is)"
            )
        return None

    # -- work --------------------------------------------------------------------------------------------------
    def import_paths(self, paths: Iterable[str | Path], **options: Any):
        """Import files and folders (ingest.run.import_paths): one transaction per file, indexed as it goes."""
        from readingroom.ingest.run import import_paths

        return import_paths(self, paths, **options)

    def check(self) -> CheckReport:
        return check(self)


@dataclass
class CheckReport:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(archive: Archive) -> CheckReport:
    """Counts, and integrity: every stored document matches its columns and hash; the index holds exactly the
    public records (pending outbox rows aside)."""
    from readingroom.records.models import Authority, IndexOutbox, Record, RecordLink, RecordRelation
    from readingroom.records.schema import content_hash
    from readingroom.records.vocabulary import AUTHORITY_KINDS, STATUSES

    report = CheckReport()
    report.lines.append(f"archive: {archive.home} ({connection.vendor})")
    total = Record.objects.count()
    public = Record.objects.public().count()
    by_status = {s: Record.objects.filter(status=s).count() for s in STATUSES}
    report.lines.append(
        f"records: {total} ({public} public; " + ", ".join(f"{k} {v}" for k, v in by_status.items()) + ")"
    )
    kinds = {k: Authority.objects.filter(kind=k).count() for k in AUTHORITY_KINDS}
    report.lines.append("authorities: " + ", ".join(f"{k} {v}" for k, v in kinds.items()))
    report.lines.append(f"links: {RecordLink.objects.count()}, relations: {RecordRelation.objects.count()}")
    dangling = RecordRelation.objects.exclude(target_id__in=Record.objects.values("id")).count()
    if dangling:
        report.lines.append(f"relations to records not in the archive: {dangling}")
    bad = 0
    fields = ("id", "document", "content_hash", "title", "status", "embargo_until")
    for rec in Record.objects.only(*fields).iterator(chunk_size=2000):
        doc = rec.document
        embargo = rec.embargo_until.isoformat() if rec.embargo_until else None
        if (
            content_hash(doc) != rec.content_hash
            or doc.get("id") != rec.id
            or doc.get("title") != rec.title
            or doc.get("status") != rec.status
            or doc.get("embargo_until") != embargo
        ):
            bad += 1
            if bad <= 10:
                report.problems.append(f"record {rec.id!r}: stored document and columns disagree")
    # Stored before input refused them: an authority key with a line break cannot be linked (its page and every
    # page naming it failed), a date of year 0 has no page.
    control = "[[:cntrl:]]" if connection.vendor == "postgresql" else r"[\x00-\x1f\x7f]"
    unlinkable = list(Authority.objects.filter(key__regex=control).values_list("kind", "key")[:3])
    if unlinkable:
        report.problems.append(
            f"authorities with a line break or control character in their key (e.g. "
            f"{', '.join(f'{k} {key!r}' for k, key in unlinkable)}): their pages cannot be linked; change the "
            "key in /admin/ or import the authority again with a one-line key"
        )
    year_zero = list(Record.objects.filter(date_earliest__startswith="0000").values_list("pk", flat=True)[:3])
    if year_zero:
        report.problems.append(
            f"records dated in year 0 (e.g. {', '.join(year_zero)}): there is no year 0; correct their dates "
            "and import them again"
        )
    pending = IndexOutbox.objects.count()
    report.lines.append(f"search index updates pending: {pending}")
    report.problems.extend(archive.indexer.check_drift())
    report.lines.extend(f"PROBLEM: {p}" for p in report.problems)
    report.lines.append("ok" if report.ok else f"{len(report.problems)} problems")
    return report


def pending_migrations() -> list[str]:
    """The database migrations not yet applied to this archive ("app.name"): an archive an earlier release made.
    Reading the migration graph takes about 10 ms."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
