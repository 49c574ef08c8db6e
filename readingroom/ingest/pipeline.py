"""Reading a large file in another process while this one writes to the store.

Parsing (lxml, HTML rendering, JSON) and validating records (RecordWriter.prepare: normalizing, sanitizing,
serializing, and the plain text for the index) take about half the time of an import; on a machine with two or
more cores, doing them in a child process while this process writes and indexes nearly doubles the rate.
Validating goes where there is time for it: the child validates the records it reads while the writer is behind
(BEHIND chunks wait in its queue), and sends them raw for the writer to validate while the writer keeps up.
Every write still happens here, in the file's one transaction, so atomicity and error handling are unchanged.
Errors raised while reading are sent back and raised here, after the entries that came before them.

One reading process, for every format. Two, each reading the whole file and validating every other chunk, used
to pay for JSON Lines; since validating got cheaper they only parsed every line twice (measured, 100,000 records
of 10 KB: 1,954 records/s and 412 MiB with two, 2,094/s and 304 MiB with one).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from .base import Entry, Importer, IngestError, RecordEntry, Source

PARALLEL_MIN_BYTES = 2 << 20  # below this, starting a process costs more than it saves
CHUNK = 50  # entries per message: with a queue of QUEUE_CHUNKS, what the child holds ahead of the writer
# ... or fewer, when they are heavy: a record with a thousand subjects is a thousand small objects, and 800 such
# records in flight held hundreds of MB. A chunk is sent once its entries hold this many list items.
CHUNK_WEIGHT = 5000
QUEUE_CHUNKS = 16  # bounded, so a fast reader cannot fill memory ahead of the writer
BEHIND = 8  # chunks waiting for the writer, from which a child validates records itself
# The reading process yields the CPU to the importing process and its search indexing threads. Otherwise they
# outrun the indexing threads, whose queue (tantivy's, 10,000 documents) fills: with 39 KB records that
# held 200 MB more, and the page faults cost time (measured, 10,000 such records, two runs each: 649 and 660
# records/s, 821 and 827 MiB at the same priority; 768 and 722/s, 633 and 660 MiB at niceness 10).
READER_NICENESS = 10


def die_with_parent(parent_pid: int) -> None:
    """End this (forked) process when its parent dies, even by `kill -9`: an orphan reader would block on its
    full queue forever, holding whatever its parent held at the fork. Linux: the kernel sends SIGKILL
    (PR_SET_PDEATHSIG); elsewhere a thread looks at the parent's pid every second."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            if libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent_pid:  # the parent died before the request was made
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="readingroom-parent-watch", daemon=True).start()


def _reader(
    importer: Importer, source: Source, queue, prepare: Callable[[dict], Any] | None, parent_pid: int
) -> None:
    die_with_parent(parent_pid)
    from django.db import connections

    # The parent's database connections belong to the parent: never use or close them here.
    for conn in connections.all(initialized_only=True):
        conn.connection = None
    os.nice(READER_NICENESS)
    chunk: list[Entry] = []
    weight = 0
    try:
        for entry in importer.read(source):
            if prepare is not None and isinstance(entry, RecordEntry) and queue.qsize() >= BEHIND:
                # The writer is behind: validate and serialize here too, so that it only writes. When it
                # keeps up, records go raw and the writer validates them: both processes stay busy.
                entry = RecordEntry({"id": entry.document.get("id")}, prepare(entry.document))
            chunk.append(entry)
            weight += entry_weight(entry)
            if len(chunk) == CHUNK or weight >= CHUNK_WEIGHT:
                queue.put(("entries", chunk, source.consumed))
                chunk, weight = [], 0
        queue.put(("end", chunk, source.consumed))
    except BaseException as e:  # sent back whole, after the entries read before it: the parent decides
        try:
            pickle.dumps(e)  # queue.put pickles in a background thread, where a failure would go unseen
            error = e
        except Exception:
            error = IngestError(f"reading failed: {type(e).__name__}: {e}")
        queue.put(("error", (chunk, error), source.consumed))
        if not isinstance(e, IngestError | UnicodeDecodeError | ValueError):
            traceback.print_exc()
    finally:
        queue.close()
        queue.join_thread()


def entry_weight(entry: Any) -> int:
    """About how many objects an entry holds beyond its own: the items of a record's lists (references, texts).
    1 for anything else. Cheap: the lengths of the top-level lists only."""
    if not isinstance(entry, RecordEntry):
        return 1
    doc = entry.document if entry.prepared is None else getattr(entry.prepared, "doc", entry.document)
    if not isinstance(doc, dict):
        return 1
    return 1 + sum(len(v) for v in doc.values() if isinstance(v, list))


def use_parallel(source: Source) -> bool:
    return (
        source.size >= PARALLEL_MIN_BYTES
        and (os.cpu_count() or 1) > 1
        and "fork" in mp.get_all_start_methods()
    )


class ParallelRead:
    """Iterate over an importer's entries read in a child process. `consumed` follows the child's progress."""

    def __init__(self, importer: Importer, source: Source, prepare: Callable[[dict], Any] | None = None):
        self.importer, self.source, self.prepare = importer, source, prepare
        self.consumed = 0

    def __iter__(self) -> Iterator[Entry]:
        ctx = mp.get_context("fork")
        queue = ctx.Queue(maxsize=QUEUE_CHUNKS)
        process = ctx.Process(
            target=_reader, daemon=True, args=(self.importer, self.source, queue, self.prepare, os.getpid())
        )
        process.start()
        try:
            while True:
                kind, payload, consumed = queue.get()
                self.consumed = max(self.consumed, consumed)
                if kind == "entries":
                    yield from payload
                elif kind == "end":
                    yield from payload
                    return
                else:
                    entries, error = payload
                    yield from entries
                    raise error
        finally:
            if process.is_alive():
                process.terminate()
            process.join(timeout=10)
