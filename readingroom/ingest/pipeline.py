"""Reading a large file in a second process while this one writes to the store.

Parsing (lxml, HTML rendering) and storing (validation, SQL) each take about half the time of an import; on a
machine with two or more cores, doing them at once nearly doubles the rate. The child process only reads the
file, validates records (RecordWriter.prepare) and sends entries back in batches; every write still happens here, in the file's one transaction, so
atomicity and error handling are unchanged. Errors raised while reading are sent back and raised here.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from .base import Entry, Importer, IngestError, RecordEntry, Source

PARALLEL_MIN_BYTES = 2 << 20  # below this, starting a process costs more than it saves
BATCH = 200
QUEUE_BATCHES = 16  # bounded, so a fast reader cannot fill memory ahead of the writer


def _reader(importer: Importer, source: Source, queue, prepare: Callable[[dict], Any] | None) -> None:
    from django.db import connections

    # The parent's database connections belong to the parent: never use or close them here.
    for conn in connections.all(initialized_only=True):
        conn.connection = None
    try:
        batch: list[Entry] = []
        for entry in importer.read(source):
            if prepare is not None and isinstance(entry, RecordEntry):
                # Validation and serialization happen here too, so the writer only writes.
                entry = RecordEntry({"id": entry.document.get("id")}, prepare(entry.document))
            batch.append(entry)
            if len(batch) >= BATCH:
                queue.put(("entries", batch, source.consumed))
                batch = []
        queue.put(("entries", batch, source.consumed))
        queue.put(("done", None, source.consumed))
    except BaseException as e:  # sent back whole: the parent decides what it means
        try:
            queue.put(("error", e, source.consumed))
        except Exception:
            queue.put(("error", IngestError(f"reading failed: {type(e).__name__}: {e}"), source.consumed))
        if not isinstance(e, IngestError | UnicodeDecodeError | ValueError):
            traceback.print_exc()
    finally:
        queue.close()
        queue.join_thread()


def use_parallel(source: Source) -> bool:
    return source.size >= PARALLEL_MIN_BYTES and (os.cpu_count() or 1) > 1 and "fork" in mp.get_all_start_methods()


class ParallelRead:
    """Iterate over an importer's entries read in a child process. `consumed` follows the child's progress."""

    def __init__(self, importer: Importer, source: Source, prepare: Callable[[dict], Any] | None = None):
        self.importer, self.source, self.prepare = importer, source, prepare
        self.consumed = 0

    def __iter__(self) -> Iterator[Entry]:
        ctx = mp.get_context("fork")
        queue = ctx.Queue(maxsize=QUEUE_BATCHES)
        process = ctx.Process(target=_reader, args=(self.importer, self.source, queue, self.prepare), daemon=True)
        process.start()
        try:
            while True:
                kind, payload, self.consumed = queue.get()
                if kind == "entries":
                    yield from payload
                elif kind == "done":
                    return
                else:
                    raise payload
        finally:
            if process.is_alive():
                process.terminate()
            process.join(timeout=10)
