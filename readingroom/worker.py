"""The background worker: the archive's writes that no one asked for, so that readers only read.

Three chores, each on its own interval, in one loop:
- the outbox: rows a writer left behind (killed between its commit and its index update, or a change made while
  another process held the indexer lock) are applied, a bounded batch at a time, never waiting for an import
  that holds the indexer lock (the import applies its own rows);
- ended embargoes: public records whose `embargo_until` has passed but which the index lacks are indexed (no
  write to the store: records.visibility already counts them public);
- `publish-due`: published records whose embargo date has come get their 'published-due' revision
  (records/store.py), and the outbox takes them into the index.

One worker per archive: a lock (a file lock in the archive home with SQLite, a PostgreSQL advisory lock with
PostgreSQL, which covers several hosts). A second worker says who runs and exits, or with `standby` waits to
take over. The worker writes a heartbeat (READINGROOM_HOME/worker.heartbeat: its process id and the time of its
last loop) that `serve` reads to restart a stalled worker (readingroom/supervisor.py). SIGTERM (or SIGINT) ends
the loop after the chore at hand: nothing is lost, since every chore can be done again.

    worker = Worker(archive)
    worker.run_once()          # every chore, now (tests, `readingroom worker --once`)
    worker.run(stop_event)     # the loop, until stop_event is set
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import DatabaseError, connection
from django.utils import timezone

from readingroom import logs
from readingroom.archive import Archive
from readingroom.heartbeat import read_heartbeat, remove_heartbeat, write_heartbeat
from readingroom.locks import advisory_lock, file_lock
from readingroom.records.models import IndexOutbox

OUTBOX_EVERY = 1.0  # seconds between two looks at the outbox
EMBARGOES_EVERY = 300.0  # seconds between two looks for ended embargoes (and at the day's change)
PUBLISH_DUE_EVERY = 300.0  # seconds between two publish-due runs (and at the day's change)
OUTBOX_BATCH = 2000  # records applied between two heartbeats
STANDBY_EVERY = 5.0  # seconds between a standby worker's tries for the lock
_ADVISORY_KEY = 0x52525752  # "RRWR"; the indexer's is "RRIX"


@dataclass
class Pass:
    """What one loop did."""

    applied: int = 0  # outbox records applied
    released: int = 0  # records indexed because their embargo ended
    published: list[str] = field(default_factory=list)  # records publish-due made public
    busy: bool = False  # another process held the indexer lock: the outbox waits for the next look

    def line(self) -> str:
        parts = []
        if self.applied:
            parts.append(f"applied {self.applied} index updates")
        if self.released:
            parts.append(f"indexed {self.released} records whose embargo ended")
        if self.published:
            parts.append(f"published {len(self.published)} records whose embargo date came")
        return "; ".join(parts)


class Worker:
    def __init__(
        self,
        archive: Archive,
        *,
        outbox_every: float = OUTBOX_EVERY,
        embargoes_every: float = EMBARGOES_EVERY,
        publish_due_every: float = PUBLISH_DUE_EVERY,
        say: Callable[[str], None] | None = None,
    ):
        self.archive = archive
        self.outbox_every = outbox_every
        self.embargoes_every = embargoes_every
        self.publish_due_every = publish_due_every
        self.say = say or _say
        self.passes = 0
        self._last: dict[str, float] = {}
        self._day: dt.date | None = None

    # -- the chores --------------------------------------------------------------------------------------------
    def apply_outbox(self) -> int:
        """Apply every pending outbox row, a batch at a time (a heartbeat between batches). -1: another
        process holds the indexer lock."""
        done = 0
        while IndexOutbox.objects.exists():  # one cheap query a second when there is nothing to do
            # Patient: while a cluster elects a leader the batch waits for it (the heartbeat can wait as long).
            with self.archive.search.patient():
                n = self.archive.indexer.process_outbox(wait=False, limit=OUTBOX_BATCH)
            if n < 0:
                return -1 if not done else done
            done += n
            if n < OUTBOX_BATCH:
                break
            self.beat()
        return done

    def release_embargoes(self) -> int:
        n = self.archive.indexer.release_embargoes(wait=False)
        return max(n, 0)

    def publish_due(self) -> list[str]:
        return self.archive.store.publish_due()

    def _outbox(self, result: Pass) -> None:
        applied = self.apply_outbox()
        result.busy = applied < 0
        result.applied += max(applied, 0)

    def run_once(self, *, force: bool = True) -> Pass:
        """One loop: each chore whose interval has passed (every chore when `force`)."""
        now = time.monotonic()
        today = timezone.localdate()
        new_day = today != self._day
        self._day = today
        result = Pass()

        def due(name: str, every: float) -> bool:
            if force or new_day or now - self._last.get(name, -1e18) >= every:
                self._last[name] = now
                return True
            return False

        if due("outbox", self.outbox_every):
            self._outbox(result)
        if due("publish_due", self.publish_due_every):
            result.published = self.publish_due()
            if result.published:
                self._outbox(result)  # the store's own sync has applied them, unless an import held the lock
        if due("embargoes", self.embargoes_every):
            result.released = self.release_embargoes()
        self.passes += 1
        self.beat()
        return result

    # -- the loop ----------------------------------------------------------------------------------------------
    def run(
        self,
        stop: threading.Event,
        *,
        standby: bool = False,
        parent: int | None = None,
    ) -> int:
        """The loop, until `stop` is set (or `parent`, the process that started this one, is gone). Returns the
        exit status: 0 after a stop, 1 when another worker runs and not `standby`."""
        with self.lock(stop, standby=standby, parent=parent) as got:
            if not got:
                return 0 if stop.is_set() or _orphaned(parent) else 1
            self.say(f"worker {os.getpid()} runs the archive in {self.archive.home}")
            try:
                while not stop.is_set() and not _orphaned(parent):
                    try:
                        line = self.run_once(force=False).line()
                        if line:
                            self.say(line)
                    except Exception as e:  # the database or the engine failed: say so, try again
                        if not _connection_usable():
                            # With PostgreSQL the worker lock went with the connection: end, and be restarted
                            # (by serve or the service manager) rather than run beside a worker that took over.
                            self.say(f"lost the database connection ({type(e).__name__}: {e}); exiting")
                            return 1
                        self.say(f"a loop failed ({type(e).__name__}: {e}); trying again")
                        stop.wait(min(30.0, self.outbox_every * 5))
                        continue
                    stop.wait(self.outbox_every)
            finally:
                remove_heartbeat(self.archive.home)
            self.say(f"worker {os.getpid()} stopped after {self.passes} loops")
            return 0

    @contextlib.contextmanager
    def lock(self, stop: threading.Event, *, standby: bool, parent: int | None) -> Iterator[bool]:
        """The archive's one worker lock. Not standby: one try. Standby: tries until got or stopped."""
        told = False
        while True:
            with self._try_lock() as got:
                if got:
                    if told:
                        self.say(f"worker {os.getpid()}: the other worker is gone; taking over")
                    yield True
                    return
            if not told:
                beat = read_heartbeat(self.archive.home)
                who = f" (process {beat['pid']})" if beat and beat.get("pid") else ""
                self.say(
                    f"another worker{who} runs this archive"
                    + (
                        "; waiting to take over when it stops"
                        if standby
                        else ": only one may; this one exits"
                    )
                )
                told = True
            if not standby or stop.wait(STANDBY_EVERY) or _orphaned(parent):
                yield False
                return

    @contextlib.contextmanager
    def _try_lock(self) -> Iterator[bool]:
        if connection.vendor == "postgresql":
            held = advisory_lock(connection, _ADVISORY_KEY, wait=False)
        else:
            held = file_lock(self.archive.home / "worker.lock", wait=False)
        finished = False
        try:
            with held as got:
                yield got
                finished = True
        except DatabaseError:
            if not finished:
                raise
            # Unlocking failed: the connection is gone, and PostgreSQL released the lock with it.

    def beat(self) -> None:
        write_heartbeat(self.archive.home, self.passes)


def _connection_usable() -> bool:
    return connection.connection is None or connection.is_usable()


def _orphaned(parent: int | None) -> bool:
    """The process that started this worker is gone (serve killed with -9): the worker ends too."""
    return parent is not None and os.getppid() != parent


def _say(message: str) -> None:
    print(logs.process_line("readingroom worker", message), file=sys.stderr, flush=True)
