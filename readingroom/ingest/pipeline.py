"""Reading a large file in other processes while this one writes to the store.

Parsing (lxml, HTML rendering, JSON) and validating records (RecordWriter.prepare: normalizing, sanitizing,
serializing, and the plain text for the index) take more than half the time of an import; on a machine with two
or more cores, doing them in child processes while this process writes and indexes nearly doubles the rate.
Validating goes where there is time for it: a child validates the records it reads while the writer is behind
(BEHIND chunks wait in its queue), and sends them raw for the writer to validate while the writer keeps up.
Every write still happens here, in the file's one transaction, so atomicity and error handling are unchanged.
Errors raised while reading are sent back and raised here, after the entries that came before them.

Importers whose reading is cheap next to validating (JSON Lines: `Importer.readers = 2`) are read by two
children. Each reads the whole file, in the same order, cut into chunks of CHUNK entries; child k validates and
sends only the chunks numbered k, k+n, k+2n... and this process takes the chunks in turn, so entries arrive in
file order whatever the number of children, and duplicate checks in `read()` still see every line.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from .base import Entry, Importer, IngestError, RecordEntry, Source

PARALLEL_MIN_BYTES = 2 << 20  # below this, starting a process costs more than it saves
CHUNK = 50  # entries per message: with queues of QUEUE_CHUNKS, what a child holds ahead of the writer
QUEUE_CHUNKS = 16  # per child: bounded, so a fast reader cannot fill memory ahead of the writer
BEHIND = 8  # chunks waiting for the writer, from which a child validates records itself
# Reading processes yield the CPU to the importing process and its search indexing threads. Otherwise three
# processes outrun one indexing thread, whose queue (tantivy's, 10,000 documents) fills: with 39 KB records that
# held 400 MB more, and the page faults cost time (measured, 10,000 such records: 533 records/s and 1,088 MiB
# at the same priority, 664/s and 698 MiB at niceness 10; TEI, read by one process, unchanged).
READER_NICENESS = 10


def _reader(importer: Importer, source: Source, queue, prepare: Callable[[dict], Any] | None, shard: int,
            shards: int) -> None:
    from django.db import connections

    # The parent's database connections belong to the parent: never use or close them here.
    for conn in connections.all(initialized_only=True):
        conn.connection = None
    os.nice(READER_NICENESS)
    chunk, position = [], 0  # position: entries read so far, in every chunk
    try:
        for entry in importer.read(source):
            mine = (position // CHUNK) % shards == shard
            position += 1
            if not mine:
                continue
            if prepare is not None and isinstance(entry, RecordEntry) and queue.qsize() >= BEHIND:
                # The writer is behind: validate and serialize here too, so that it only writes. When it
                # keeps up, records go raw and the writer validates them: both processes stay busy.
                entry = RecordEntry({"id": entry.document.get("id")}, prepare(entry.document))
            chunk.append(entry)
            if position % CHUNK == 0:
                queue.put(("entries", chunk, source.consumed))
                chunk = []
        if (position // CHUNK) % shards == shard:
            queue.put(("end", chunk, source.consumed))  # the file's last chunk, short or empty, is ours
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


def use_parallel(source: Source) -> bool:
    return source.size >= PARALLEL_MIN_BYTES and (os.cpu_count() or 1) > 1 and "fork" in mp.get_all_start_methods()


class ParallelRead:
    """Iterate over an importer's entries read in child processes. `consumed` follows the children's progress."""

    def __init__(self, importer: Importer, source: Source, prepare: Callable[[dict], Any] | None = None):
        self.importer, self.source, self.prepare = importer, source, prepare
        self.readers = max(1, min(importer.readers, (os.cpu_count() or 1)))
        self.consumed = 0

    def __iter__(self) -> Iterator[Entry]:
        ctx = mp.get_context("fork")
        queues = [ctx.Queue(maxsize=QUEUE_CHUNKS) for _ in range(self.readers)]
        processes = [ctx.Process(target=_reader, daemon=True,
                                 args=(self.importer, self.source, q, self.prepare, k, self.readers))
                     for k, q in enumerate(queues)]
        for p in processes:
            p.start()
        try:
            turn = 0
            while True:
                kind, payload, consumed = queues[turn].get()
                self.consumed = max(self.consumed, consumed)
                if kind == "entries":
                    yield from payload
                    turn = (turn + 1) % self.readers
                elif kind == "end":
                    yield from payload
                    return
                else:
                    entries, error = payload
                    yield from entries
                    raise error
        finally:
            for p in processes:
                if p.is_alive():
                    p.terminate()
                p.join(timeout=10)
