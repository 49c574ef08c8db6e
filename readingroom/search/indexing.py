"""Keeping the search index in step with the store.

Every record change writes an IndexOutbox row in the same transaction (records/services.py). The indexer applies
rows in id order: it reads each record's *current* state, indexes it when public (records.visibility) and
deletes it from the index otherwise, commits the index, and only then deletes the rows it applied. A crash
between the index commit and the row delete means the same rows are applied again, which changes nothing.

Who runs it:
- the importer, after each import (ingest/run.py);
- every web worker, from the search page: `catch_up()` looks at the outbox at most once a second and applies a
  bounded batch, so after a crash (or a change made by another process) the index catches up by itself;
- embargoes end without any write: once a day per process, and on every `process_outbox()` call from the
  importer or the CLI, public records with an `embargo_until` date that are missing from the index are indexed;
- `readingroom reindex` rebuilds everything; `readingroom check` reports drift (check_drift()).

One indexer at a time per archive: a lock (a file lock in the archive home with SQLite; a PostgreSQL advisory
lock with PostgreSQL, which also covers several hosts), taken before the outbox is read so that an older state
can never overwrite a newer one.
"""

from __future__ import annotations

import array
import contextlib
import fcntl
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

from django.db import connection

from readingroom import config
from readingroom.records.models import IndexOutbox, Record
from readingroom.records.visibility import document_is_public, today

from .backends import SearchBackend, get_backend
from .documents import documents_for, index_documents

BATCH = 500
COMMIT_EVERY = 5000  # records between index commits in a long run (each commit makes a segment)
CATCH_UP_INTERVAL = 1.0  # seconds between two outbox checks in one web worker
CATCH_UP_MAX = 2000  # records a web request applies at most; the rest waits for the next request
_ADVISORY_KEY = 0x52524958  # "RRIX"

_state = threading.local()
_last_check = 0.0
_embargo_day: object = None
_catch_up_lock = threading.Lock()


@contextlib.contextmanager
def indexer_lock(wait: bool = True) -> Iterator[bool]:
    """Yields True when this process is now the archive's only indexer; False when busy and wait=False."""
    if getattr(_state, "held", False):
        yield True
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s)" if wait else "SELECT pg_try_advisory_lock(%s)",
                        [_ADVISORY_KEY])
            got = cur.fetchone()[0] is not False
        release = lambda: connection.cursor().execute("SELECT pg_advisory_unlock(%s)", [_ADVISORY_KEY])  # noqa: E731
    else:
        home = config.home()
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(home / "indexer.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            got = True
        except BlockingIOError:
            got = False

        def release() -> None:
            fcntl.flock(fd, fcntl.LOCK_UN)

    try:
        if not got:
            yield False
            return
        _state.held = True
        try:
            yield True
        finally:
            _state.held = False
            release()
    finally:
        if connection.vendor != "postgresql":
            os.close(fd)


def _apply(backend: SearchBackend, record_ids: list[str], known: dict[str, Any] | None = None) -> int:
    """Index the public ones among these records, delete the others from the index. Not committed.
    `known`: records whose current document the caller holds (an import's prepared records, with their plain
    text), by id; the others are read from the store."""
    ids = list(dict.fromkeys(record_ids))
    known = known or {}
    # Records the caller holds are judged by their documents (they are what the store now holds), the others
    # are read from the store: both by records.visibility.
    held = [known[i] for i in ids if i in known and document_is_public(known[i].doc)]
    # A record sent from a parsing process lacks its HTML (Prepared.light): its plain text came with it.
    docs = index_documents([p.doc if p.plain is not None else p.full_doc() for p in held],
                           {p.doc["id"]: p.plain for p in held if p.plain is not None}) if held else []
    others = [i for i in ids if i not in known]
    if others:
        docs += documents_for(Record.objects.public().filter(pk__in=others).only("id", "document"))
    backend.index(docs)
    public = {d["id"] for d in docs}
    gone = [i for i in ids if i not in public]
    if gone:
        backend.delete(gone)
    return len(ids)


def process_outbox(backend: SearchBackend | None = None, *, wait: bool = True, limit: int | None = None,
                   batch_size: int = BATCH) -> int:
    """Apply pending outbox rows (all, or about `limit` records). Returns how many records were applied;
    -1 when wait=False and another process is indexing."""
    backend = backend or get_backend()
    with indexer_lock(wait) as got:
        if not got:
            return -1
        applied, uncommitted, last_id = 0, [], 0
        while limit is None or applied < limit:
            rows = list(IndexOutbox.objects.filter(id__gt=last_id).order_by("id")
                        .values_list("id", "record_id")[:batch_size])
            if not rows:
                break
            applied += _apply(backend, [r for _i, r in rows])
            uncommitted.extend(i for i, _r in rows)
            last_id = rows[-1][0]
            if len(uncommitted) >= COMMIT_EVERY:
                _commit(backend, uncommitted)
                uncommitted = []
        _commit(backend, uncommitted)
        if limit is None:
            applied += release_embargoes(backend)
        return applied


def _commit(backend: SearchBackend, row_ids: list[int]) -> None:
    backend.commit()
    for i in range(0, len(row_ids), 900):
        IndexOutbox.objects.filter(id__in=row_ids[i:i + 900]).delete()


class AlongsideImport:
    """Indexing an import's records batch by batch, while the import runs (ingest/run.py).

    `apply()` is called inside the import's database transaction, after each batch is written: it applies the
    outbox rows written so far, reading the records as the transaction sees them, so parsing (in the pipeline's
    child process) and indexing overlap. Nothing is visible in the index until `commit()`, which the importer
    calls after its database commit; the outbox rows are deleted only then. If the import fails, the index
    writer is rolled back with the transaction. A crash between the two commits leaves the outbox rows in
    place, and the next indexer applies them again (idempotent). With a backend whose writes are visible at
    once (Typesense), nothing is indexed before the database commit: `commit()` applies the rows then.
    """

    def __init__(self, backend: SearchBackend | None):
        self.backend = backend  # None: a dry run, nothing is indexed
        self.row_ids = array.array("q")  # every outbox row applied, to delete after the commit: 8 bytes each
        self.last_id = 0
        self.applied = 0

    @property
    def indexes_alongside(self) -> bool:
        return self.backend is not None and self.backend.transactional

    def apply(self, known: dict[str, Any] | None = None) -> None:
        """Index the outbox rows written so far. `known`: the batch just written (RecordWriter.prepare's
        results by id), so that its records are not read back from the store."""
        if not self.indexes_alongside:
            return
        while True:
            rows = list(IndexOutbox.objects.filter(id__gt=self.last_id).order_by("id")
                        .values_list("id", "record_id")[:BATCH])
            if not rows:
                return
            self.applied += _apply(self.backend, [r for _i, r in rows], known)
            self.row_ids.extend(i for i, _r in rows)
            self.last_id = rows[-1][0]

    def commit(self) -> None:
        if self.backend is None:
            return
        if not self.backend.transactional:
            process_outbox(self.backend)
            return
        self.apply()  # rows written after the last batch (e.g. by after-import hooks)
        _commit(self.backend, list(self.row_ids))
        self.row_ids = array.array("q")

    def rollback(self) -> None:
        if self.backend is not None and self.backend.transactional:
            self.backend.close()
        self.row_ids, self.last_id = array.array("q"), 0


@contextlib.contextmanager
def alongside_import(backend: SearchBackend | None = None, *, enabled: bool = True) -> Iterator[AlongsideImport]:
    """Hold the indexer lock for one imported file; roll the index back if the file fails. The caller calls
    commit() after its transaction has committed, or rollback(). Not enabled (a dry run): does nothing."""
    if not enabled:
        yield AlongsideImport(None)
        return
    with indexer_lock(wait=True):
        session = AlongsideImport(backend or get_backend())
        try:
            yield session
        except BaseException:
            session.rollback()
            raise


def release_embargoes(backend: SearchBackend | None = None, *, wait: bool = True) -> int:
    """Index public records whose embargo has ended but which the index does not hold yet.
    (One query over the records that ever had an embargo: run daily, not per request.)"""
    global _embargo_day
    backend = backend or get_backend()
    with indexer_lock(wait) as got:
        if not got:
            return 0  # another process is indexing; the next look will do it
        ids = list(Record.objects.public().filter(embargo_until__isnull=False).values_list("pk", flat=True))
        missing = sorted(set(ids) - backend.contains(ids)) if ids else []
        for i in range(0, len(missing), BATCH):
            _apply(backend, missing[i:i + BATCH])
        if missing:
            backend.commit()
    _embargo_day = today()
    return len(missing)


def catch_up(backend: SearchBackend | None = None) -> int:
    """Cheap enough for every search request: at most one outbox look per second per process, a bounded
    batch, and never a wait for another indexer."""
    global _last_check
    now = time.monotonic()
    if now - _last_check < CATCH_UP_INTERVAL or not _catch_up_lock.acquire(blocking=False):
        return 0
    try:
        _last_check = now
        done = 0
        if IndexOutbox.objects.exists():
            done = max(process_outbox(backend, wait=False, limit=CATCH_UP_MAX), 0)
        if _embargo_day != today():
            done += release_embargoes(backend, wait=False)
        return done
    finally:
        _catch_up_lock.release()


def check_drift(backend: SearchBackend | None = None) -> list[str]:
    """Problems, as sentences, when the index and the public records disagree (pending outbox rows aside)."""
    try:
        backend = backend or get_backend()
        index_ids = backend.ids()
    except Exception as e:  # an unreachable server or a broken index folder is itself the problem to report
        return [f"search index: cannot be read ({type(e).__name__}: {e}); check the search settings, then "
                f"run `readingroom reindex`"]
    public = set(Record.objects.public().values_list("pk", flat=True))
    pending = set(IndexOutbox.objects.values_list("record_id", flat=True))
    problems = []
    missing = sorted(public - index_ids - pending)
    extra = sorted(index_ids - public - pending)
    if missing:
        problems.append(f"search index: {len(missing)} public records are not in the index (e.g. "
                        f"{', '.join(missing[:3])}): run `readingroom reindex`")
    if extra:
        problems.append(f"search index: {len(extra)} records in the index are not public (e.g. "
                        f"{', '.join(extra[:3])}): run `readingroom reindex`")
    return problems


def discard_outdated() -> bool:
    """Remove the archive's tantivy index when an earlier version of Readingroom built it with another schema;
    True when it did (the caller rebuilds it: reindex())."""
    from .backends import reset
    from .backends import tantivy as engine

    if config.get("READINGROOM_SEARCH_BACKEND") != "tantivy":
        return False
    path = config.home() / "index"
    if not path.is_dir() or not engine.outdated(path):
        return False
    with indexer_lock():
        reset()  # this process's open index, if any, is of the old schema
        engine.discard(path)
    return True


def upgrade(progress: bool = True) -> int | None:
    """An index built by an earlier version is rebuilt from the store (archive.init calls this after migrating
    the database). Returns the records indexed, None when the index was up to date."""
    if not discard_outdated():
        return None
    if progress:
        print("the search index was built by an earlier version of Readingroom: rebuilding it", file=sys.stderr)
    return reindex(progress=progress)


def reindex(backend: SearchBackend | None = None, *, progress: bool = True, batch_size: int = 1000) -> int:
    """Rebuild the index from the store: every public record written again, every other id removed.
    Searches keep working meanwhile (tantivy swaps in one commit; Typesense upserts, then deletes)."""
    backend = backend or get_backend()
    with indexer_lock():
        high_water = IndexOutbox.objects.order_by("-id").values_list("id", flat=True).first() or 0
        total = Record.objects.public().count()
        start, shown, done = time.monotonic(), 0.0, 0
        public_ids: set[str] = set()
        if backend.name == "tantivy":
            backend._w().delete_all_documents()  # same commit as the new documents: readers never see a gap
        batch: list[Record] = []

        def flush() -> None:
            nonlocal done, shown
            docs = documents_for(batch)
            backend.index(docs)
            public_ids.update(d["id"] for d in docs)
            done += len(batch)
            batch.clear()
            now = time.monotonic()
            if progress and (now - shown > 2 or done == total):
                shown = now
                rate = done / max(now - start, 1e-6)
                eta = (total - done) / rate if rate else 0
                print(f"\rreindex: {done:,}/{total:,} records, {rate:,.0f}/s, ETA {eta:,.0f} s ",
                      end="", file=sys.stderr, flush=True)

        for rec in Record.objects.public().only("id", "document").order_by().iterator(chunk_size=2000):
            batch.append(rec)
            if len(batch) >= batch_size:
                flush()
        if batch:
            flush()
        if backend.name != "tantivy":
            stale = backend.ids() - public_ids
            if stale:
                backend.delete(sorted(stale))
        backend.commit()
        IndexOutbox.objects.filter(id__lte=high_water).delete()
        if progress:
            print(f"\rreindex: {done:,} records in {time.monotonic() - start:,.1f} s" + " " * 20, file=sys.stderr)
        return done
