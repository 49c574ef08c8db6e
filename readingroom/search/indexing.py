"""Keeping the search index in step with the store: one `Indexer` per archive (readingroom/archive.py).

Every record change writes an IndexOutbox row in the same transaction (records/store.py). The indexer applies
rows in id order: it reads each record's *current* state, indexes it when public (records.visibility) and
deletes it from the index otherwise, commits the index, and only then deletes the rows it applied. A crash
between the index commit and the row delete means the same rows are applied again, which changes nothing.

Who runs it (never a reader: a search, an export or an API request only reads the index as it is):
- the store, right after each write's database commit (`process_outbox(wait=False)`, the archive wires it; when
  another process holds the lock, the rows wait for the worker);
- an import, batch by batch inside its transaction (`alongside_import()`, ingest/run.py), then once at the end;
- the background worker (readingroom/worker.py: `readingroom worker`, which `serve` starts and restarts): it
  applies the outbox every second, so after a crash (or a change made while another process indexed) the index
  catches up by itself, and every few minutes it indexes the public records whose embargo has ended, which
  needs no write (`release_embargoes()`; every unbounded `process_outbox()` call does it too);
- `readingroom reindex` rebuilds everything; `readingroom check` reports drift (check_drift()).

One indexer at a time per archive: a lock (a file lock in the archive home with SQLite; a PostgreSQL advisory
lock with PostgreSQL, which also covers several hosts), taken before the outbox is read so that an older state
can never overwrite a newer one.
"""

from __future__ import annotations

import array
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection

from readingroom.config import ArchiveSettings
from readingroom.locks import advisory_lock, file_lock
from readingroom.progress import Progress
from readingroom.records.models import IndexOutbox, Record
from readingroom.records.visibility import document_is_public

from .backends import SearchBackend, SearchUnavailable
from .documents import documents_for, index_documents, plain_text

BATCH = 500
COMMIT_EVERY = 5000  # records between index commits in a long run (each commit makes a segment)
_ADVISORY_KEY = 0x52524958  # "RRIX"
AWAY_SECONDS = 60  # after a catch-up found the engine away, the next ones in this time leave the rows waiting


class Indexer:
    """The archive's index keeper. `backend` gives the archive's search backend (made when first needed)."""

    def __init__(self, settings: ArchiveSettings, backend: Callable[[], SearchBackend]):
        self.settings = settings
        self._backend = backend
        self._held = threading.local()  # this thread holds the lock: nested calls do not take it again
        self._away: tuple[float, str] | None = None  # when and why catch_up() last found the engine away

    @property
    def backend(self) -> SearchBackend:
        return self._backend()

    # -- the lock ----------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, wait: bool = True) -> Iterator[bool]:
        """Yields True when this process is now the archive's only indexer; False when busy and wait=False."""
        if getattr(self._held, "held", False):
            yield True
            return
        if connection.vendor == "postgresql":
            held = advisory_lock(connection, _ADVISORY_KEY, wait=wait)
        else:
            held = file_lock(self.settings.home / "indexer.lock", wait=wait)
        with held as got:
            if not got:
                yield False
                return
            self._held.held = True
            try:
                yield True
            finally:
                self._held.held = False

    # -- applying the outbox -----------------------------------------------------------------------------------
    def apply(self, record_ids: list[str], known: dict[str, Any] | None = None) -> int:
        """Index the public ones among these records, delete the others from the index. Not committed.
        `known`: records whose current document the caller holds (an import's prepared records, with their
        plain text), by id; the others are read from the store."""
        backend = self.backend
        ids = list(dict.fromkeys(record_ids))
        known = known or {}
        # Records the caller holds are judged by their documents (they are what the store now holds), the
        # others are read from the store: both by records.visibility.
        held = [known[i] for i in ids if i in known and document_is_public(known[i].doc)]
        # A record sent from a parsing process lacks its HTML (Prepared.light): its plain text came with it.
        docs = (
            index_documents(
                [p.doc if p.plain is not None else p.full_doc() for p in held],
                {p.doc["id"]: p.plain for p in held if p.plain is not None},
            )
            if held
            else []
        )
        others = [i for i in ids if i not in known]
        if others:
            docs += documents_for(Record.objects.public().filter(pk__in=others).only("id", "document"))
        backend.index(docs)
        public = {d["id"] for d in docs}
        gone = [i for i in ids if i not in public]
        if gone:
            backend.delete(gone)
        return len(ids)

    def process_outbox(self, *, wait: bool = True, limit: int | None = None, batch_size: int = BATCH) -> int:
        """Apply pending outbox rows (all, or about `limit` records). Returns how many records were applied;
        -1 when wait=False and another process is indexing."""
        with self.lock(wait) as got:
            if not got:
                return -1
            applied, last_id = 0, 0
            uncommitted: list[int] = []
            while limit is None or applied < limit:
                rows = list(
                    IndexOutbox.objects.filter(id__gt=last_id)
                    .order_by("id")
                    .values_list("id", "record_id")[:batch_size]
                )
                if not rows:
                    break
                applied += self.apply([r for _i, r in rows])
                uncommitted.extend(i for i, _r in rows)
                last_id = rows[-1][0]
                if len(uncommitted) >= COMMIT_EVERY:
                    self.commit_applied(uncommitted)
                    uncommitted = []
            self.commit_applied(uncommitted)
            if limit is None:
                applied += self.release_embargoes()
            return applied

    def catch_up(self) -> str | None:
        """A command's catch-up: every pending row, waiting for an engine that cannot take writes now (a cluster
        electing a leader). None when the index is up to date, else why the rows still wait (the worker applies
        them when the engine answers)."""
        if self._away is not None and time.monotonic() - self._away[0] < AWAY_SECONDS:
            # It has just waited its patience out: the next files of an import do not wait as long again.
            return self._away[1] + " (not asked again: it did not answer a moment ago)"
        try:
            with self.backend.patient():
                self.process_outbox()
        except SearchUnavailable as e:
            self._away = (time.monotonic(), str(e))
            return str(e)
        self._away = None
        return None

    def sync(self) -> int:
        """After a write committed: bring the index up to date now (the store calls this)."""
        return self.process_outbox()

    def commit_applied(self, row_ids: list[int] | array.array) -> None:
        self.backend.commit()
        row_ids = list(row_ids)
        for i in range(0, len(row_ids), 900):
            IndexOutbox.objects.filter(id__in=row_ids[i : i + 900]).delete()

    @contextlib.contextmanager
    def alongside_import(self, *, enabled: bool = True) -> Iterator[AlongsideImport]:
        """Hold the indexer lock for one imported file; roll the index back if the file fails. The caller calls
        commit() after its transaction has committed, or rollback(). Not enabled (a dry run): does nothing."""
        if not enabled:
            yield AlongsideImport(self, None)
            return
        with self.lock(wait=True):
            session = AlongsideImport(self, self.backend)
            try:
                yield session
            except BaseException:
                session.rollback()
                raise

    # -- embargoes ------------------------------------------------------------------------------
    def release_embargoes(self, *, wait: bool = True) -> int:
        """Index public records whose embargo has ended but which the index does not hold yet.
        (One query over the records that ever had an embargo: the background worker runs it every few minutes.)
        No write to the store: records.visibility already counts these records public."""
        with self.lock(wait) as got:
            if not got:
                return 0  # another process is indexing; the next look will do it
            backend = self.backend
            ids = list(
                Record.objects.public().filter(embargo_until__isnull=False).values_list("pk", flat=True)
            )
            missing = sorted(set(ids) - backend.contains(ids)) if ids else []
            for i in range(0, len(missing), BATCH):
                self.apply(missing[i : i + BATCH])
            if missing:
                backend.commit()
        return len(missing)

    # -- checking and rebuilding -------------------------------------------------------------------------------
    def check_drift(self) -> list[str]:
        """Problems, as sentences, when the index and the public records disagree (pending outbox rows aside)."""
        try:
            index_ids = self.backend.ids()
        except (
            Exception
        ) as e:  # an unreachable server or a broken index folder is itself the problem to report
            return [
                f"search index: cannot be read ({type(e).__name__}: {e}); check the search settings, then "
                f"run `readingroom reindex`"
            ]
        public = set(Record.objects.public().values_list("pk", flat=True))
        pending = set(IndexOutbox.objects.values_list("record_id", flat=True))
        problems = []
        missing = sorted(public - index_ids - pending)
        extra = sorted(index_ids - public - pending)
        if missing:
            problems.append(
                f"search index: {len(missing)} public records are not in the index (e.g. "
                f"{', '.join(missing[:3])}): run `readingroom reindex`"
            )
        if extra:
            problems.append(
                f"search index: {len(extra)} records in the index are not public (e.g. "
                f"{', '.join(extra[:3])}): run `readingroom reindex`"
            )
        return problems

    def reindex(self, *, progress: bool = True, batch_size: int = 1000) -> int:
        """Rebuild the index from the store: every public record written again, every other id removed.
        Searches keep working meanwhile (the engine swaps in one commit, or upserts and then deletes)."""
        backend = self.backend
        with self.lock(), backend.patient():
            high_water = IndexOutbox.objects.order_by("-id").values_list("id", flat=True).first() or 0
            line = Progress("reindex:", Record.objects.public().count(), enabled=progress)
            public_ids: set[str] = set()
            backend.begin_rebuild()
            batch: list[Record] = []

            def flush() -> None:
                docs = documents_for(batch)
                backend.index(docs)
                public_ids.update(d["id"] for d in docs)
                line.advance(len(batch))
                batch.clear()

            for rec in Record.objects.public().only("id", "document").order_by().iterator(chunk_size=2000):
                batch.append(rec)
                if len(batch) >= batch_size:
                    flush()
            if batch:
                flush()
            backend.finish_rebuild(public_ids)
            backend.commit()
            IndexOutbox.objects.filter(id__lte=high_water).delete()
            line.finish()
            return line.count


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

    def __init__(self, indexer: Indexer, backend: SearchBackend | None):
        self.indexer = indexer
        self.backend = backend  # None: a dry run, nothing is indexed
        self.row_ids = array.array("q")  # every outbox row applied, to delete after the commit: 8 bytes each
        self.last_id = 0
        self.applied = 0

    @property
    def indexes_alongside(self) -> bool:
        return self.backend is not None and self.backend.transactional

    @staticmethod
    def plain_text(doc: dict) -> str:
        """The searchable text of a record document, computed ahead by an import's reading process."""
        return plain_text(doc)

    def apply(self, known: dict[str, Any] | None = None) -> None:
        """Index the outbox rows written so far. `known`: the batch just written (prepared records by id), so
        that its records are not read back from the store."""
        if not self.indexes_alongside:
            return
        while True:
            rows = list(
                IndexOutbox.objects.filter(id__gt=self.last_id)
                .order_by("id")
                .values_list("id", "record_id")[:BATCH]
            )
            if not rows:
                return
            self.applied += self.indexer.apply([r for _i, r in rows], known)
            self.row_ids.extend(i for i, _r in rows)
            self.last_id = rows[-1][0]

    def commit(self) -> str | None:
        """After the database commit: None when the index holds the file's records now, else why they wait in
        the outbox (the engine did not take them: a cluster without a leader), for the worker to apply."""
        if self.backend is None:
            return None
        if not self.backend.transactional:
            return self.indexer.catch_up()
        self.apply()  # rows written after the last batch (e.g. by after-import hooks)
        self.indexer.commit_applied(self.row_ids)
        self.row_ids = array.array("q")
        return None

    def rollback(self) -> None:
        if self.backend is not None and self.backend.transactional:
            self.backend.close()
        self.row_ids, self.last_id = array.array("q"), 0
