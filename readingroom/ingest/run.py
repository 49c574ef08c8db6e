"""Running imports: files and folders in, records and authorities stored, one transaction per file."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from django.db import DatabaseError, transaction
from django.utils import timezone

from readingroom.progress import Progress as ProgressLine
from readingroom.records.schema import AUTHORITY_NAME_MAX, RecordError, wrong_key_reason
from readingroom.records.store import Prepared, RecordWriter, Store
from readingroom.records.vocabulary import AUTHORITY_KINDS
from readingroom.storage import advice, storage_problem

from .base import AuthorityEntry, Importer, IngestError, Notice, Problem, RecordEntry, Source
from .gc_tuning import bulk_collection
from .pipeline import ParallelRead, entry_weight, use_parallel
from .registry import ImporterRegistry

if TYPE_CHECKING:
    from contextlib import AbstractContextManager


# What becomes of records the search engine did not take after their commit (said by import and publish-due).
WAITING = (
    "wait in the index queue and become searchable when the worker applies them (`readingroom worker`, which "
    "`serve` starts); `readingroom check` shows how many wait"
)


class ImportIndex(Protocol):
    """What an import needs of the search index, for one file (search.indexing.AlongsideImport)."""

    @property
    def indexes_alongside(self) -> bool: ...

    def plain_text(self, doc: dict) -> str: ...

    def apply(self, known: dict[str, Any] | None = None) -> None: ...

    def commit(self) -> str | None:
        """After the database commit. None, or why the records wait for the index (the worker applies them)."""
        ...

    def rollback(self) -> None: ...


class Indexer(Protocol):
    def alongside_import(self, *, enabled: bool = True) -> AbstractContextManager[ImportIndex]: ...

    def catch_up(self) -> str | None: ...


class Target(Protocol):
    """The archive an import writes into (readingroom.archive.Archive): its folder, importers, store and indexer."""

    @property
    def home(self) -> Path: ...

    @property
    def importers(self) -> ImporterRegistry: ...

    @property
    def store(self) -> Store: ...

    @property
    def indexer(self) -> Indexer: ...


HEAD_BYTES = 65536
MAX_DEPTH = 900  # about where Python's parsers give up (RecursionError): a file nested deeper is refused
BATCH = 500  # records saved per round trip to the store
BATCH_WEIGHT = 20_000  # ... or fewer, once they hold this many list items (pipeline.entry_weight)
# Problems and notices a file's report keeps (the others are counted): a file of 100,000 records that each link to
# a document not in the archive must not hold 100,000 messages in memory, nor print them all.
KEPT_MESSAGES = 1000


@dataclass
class FileReport:
    path: Path
    importer: str | None = None
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    authorities: int = 0
    problems: list[Problem] = field(default_factory=list)  # the first KEPT_MESSAGES of them
    notices: list[Notice] = field(default_factory=list)  # likewise
    error: str | None = None
    problem_count: int = 0  # all of them
    notice_count: int = 0
    storage: str | None = None  # STORAGE_FULL or STORAGE_READ_ONLY: the import stops here

    @property
    def ok(self) -> bool:
        return self.error is None and not self.problem_count

    def problem(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < KEPT_MESSAGES:
            self.problems.append(problem)

    def notice(self, notice: Notice) -> None:
        self.notice_count += 1
        if len(self.notices) < KEPT_MESSAGES:
            self.notices.append(notice)

    @property
    def records(self) -> int:
        return self.created + self.updated + self.unchanged

    def audit_counts(self) -> dict[str, Any]:
        """What the audit log keeps of the file (one event a file, records/audit.py)."""
        return {
            "importer": self.importer,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "authorities": self.authorities,
            "problems": self.problem_count,
        }


@dataclass
class ImportReport:
    files: list[FileReport] = field(default_factory=list)
    dry_run: bool = False
    # Why the last catch-up left records out of the search index (the engine did not take them), or None. They
    # wait in the outbox for the worker: the import itself stands.
    index_waiting: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.files) and all(f.ok for f in self.files)

    def total(self, attr: str) -> int:
        """A count over the files that were kept (a failed file's records were rolled back)."""
        return sum(getattr(f, attr) for f in self.files if f.error is None)


class Progress:
    """The import's progress line (readingroom.progress): records and authorities counted, the share of the bytes
    read, and an ETA from it. Callers add to `records`, `authorities` and `done_bytes` (files finished), then
    call update() with the file being read."""

    def __init__(self, total_bytes: int, stream: TextIO | None = None, enabled: bool = True):
        self.done_bytes = 0
        self.records = 0
        self.authorities = 0
        self.line = ProgressLine(
            "imported",
            total_bytes=max(total_bytes, 1),
            describe=self._describe,
            stream=stream,
            enabled=enabled,
        )

    def _describe(self) -> str:
        return f"{self.records:,} records" + (
            f", {self.authorities:,} authorities" if self.authorities else ""
        )

    def update(self, source: Source | ParallelRead | None, force: bool = False) -> None:
        self.line.set(
            self.records + self.authorities,
            done_bytes=self.done_bytes + (source.consumed if source else 0),
            force=force,
        )

    def finish(self) -> None:
        self.update(None)
        self.line.finish()


def collect_files(
    paths: Iterable[str | Path], importers: ImporterRegistry
) -> tuple[list[Path], list[FileReport]]:
    """Expand folders; missing paths and folders with nothing importable become failed reports."""
    files: list[Path] = []
    failures: list[FileReport] = []
    exts = tuple(importers.extensions())
    for p in map(Path, paths):
        if not p.exists():
            failures.append(FileReport(p, error="no such file or folder"))
        elif p.is_dir():
            found = sorted(
                f
                for f in p.rglob("*")
                if f.is_file()
                and f.suffix.lower() in exts
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
            if not found:
                failures.append(
                    FileReport(p, error=f"folder has nothing importable (looked for {', '.join(exts)} files)")
                )
            files.extend(found)
        elif not p.is_file():
            failures.append(FileReport(p, error="is not a regular file"))
        else:
            files.append(p)
    return files, failures


def _check_file(path: Path) -> bytes:
    size = path.stat().st_size
    if size == 0:
        raise IngestError("file is empty")
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
    if b"\x00" in head[:8192]:
        raise IngestError("is a binary file, not text: import XML, JSON, JSON Lines, CSV, HTML or text files")
    return head


class _FileRun:
    """One file's entries into the store, in batches, each indexed as soon as it is written (inside the file's
    transaction, which the caller holds)."""

    def __init__(
        self, report: FileReport, writer: RecordWriter, index: ImportIndex, progress: Progress | None
    ):
        self.report, self.writer, self.index, self.progress = report, writer, index, progress
        self.prepare = _preparer(writer, index)
        self.batch: list[tuple[Any, dict | Prepared | RecordError]] = []  # (id as read, record)
        self.tracker: Source | ParallelRead | None = None  # who knows the bytes read
        self.weight = 0  # of the batch

    def run(self, importer: Importer, source: Source) -> None:
        entries = (
            ParallelRead(importer, source, self.prepare) if use_parallel(source) else importer.read(source)
        )
        self.tracker = entries if isinstance(entries, ParallelRead) else source
        report, progress = self.report, self.progress
        for entry in entries:
            if isinstance(entry, RecordEntry):
                # Validated by a reading process already, or raw: then validated here, in flush().
                record = entry.document if entry.prepared is None else entry.prepared
                self.batch.append((entry.document.get("id"), record))
                self.weight += entry_weight(entry)
                if len(self.batch) >= BATCH or self.weight >= BATCH_WEIGHT:
                    self.flush()
            elif isinstance(entry, Notice):
                report.notice(entry)
            elif isinstance(entry, Problem):
                report.problem(entry)
            elif isinstance(entry, AuthorityEntry):
                self.flush()
                wrong = authority_problem(entry)
                if wrong:
                    key = entry.key if isinstance(entry.key, str) else None
                    report.problem(Problem(f"authority {key!r} ({entry.kind}): {wrong}" if key else wrong))
                    continue
                self.writer.authority(
                    entry.kind,
                    entry.key,
                    entry.name,
                    parent_key=entry.parent,
                    position=entry.position,
                    data=entry.data,
                    replace=entry.replace,
                )
                report.authorities += 1
                if progress:
                    progress.authorities += 1
                    progress.update(self.tracker)
        self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        report = self.report
        records = [self.prepare(r) if isinstance(r, dict) else r for _id, r in self.batch]
        written: dict[str, Prepared] = {}
        results = self.writer.save_many(records)
        for (read_id, _raw), record, result in zip(self.batch, records, results, strict=True):
            if isinstance(result, RecordError):
                report.problem(Problem(result.message, result.record_id or str(read_id), result.field))
            else:
                setattr(report, result.action, getattr(report, result.action) + 1)
                if result.action != "unchanged" and isinstance(record, Prepared):
                    written[result.record_id] = record
        self.index.apply(written)  # while the reading process reads on
        if self.progress:
            self.progress.records += len(self.batch)
            self.progress.update(self.tracker)
        self.batch.clear()
        self.weight = 0


def import_file(
    archive: Target,
    path: Path,
    writer: RecordWriter,
    *,
    importer_name: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> FileReport:
    report = FileReport(path)
    importers = archive.importers
    counted = (progress.records, progress.authorities) if progress else (0, 0)
    stage = "database"
    try:
        head = _check_file(path)
        importer = importers.get(importer_name) if importer_name else importers.detect(path, head)
        if importer is None:
            raise IngestError(
                f"unknown format: no importer reads this file (known: {', '.join(importers.extensions())})"
            )
        report.importer = importer.name
        source = Source(path, path.stat().st_size)
        if importer.max_bytes is not None and source.size > importer.max_bytes:
            raise IngestError(
                f"file is {source.size / 2**20:,.0f} MiB; the {importer.name} format is read whole, up to "
                f"{importer.max_bytes >> 20} MiB: split it into smaller files"
            )
        started = timezone.now()
        with archive.indexer.alongside_import(enabled=not dry_run) as index:
            with transaction.atomic():
                writer.change = replace(writer.change, note=f"imported from {path.name}")
                _FileRun(report, writer, index, progress).run(importer, source)
                if report.records == 0 and report.authorities == 0:
                    detail = f" ({report.problem_count} problems)" if report.problem_count else ""
                    raise IngestError(f"no record could be imported from this file{detail}")
                archive.store.log_import(str(path), report.audit_counts())
                if not dry_run:
                    archive.store.stamp_at_commit(started)  # OAI-PMH datestamps: when harvesters can see them
                if dry_run:
                    transaction.set_rollback(True)
            # The index commits after the database, inside the indexer lock: see AlongsideImport.
            stage = "index"
            if dry_run:
                index.rollback()
            else:
                waiting = index.commit()
                if waiting:
                    report.notice(
                        Notice(
                            f"its records are stored, but the search engine did not take them ({waiting}); "
                            f"they {WAITING}"
                        )
                    )
        if progress:
            progress.done_bytes += source.size
    except Exception as e:
        storage = storage_problem(e, archive.home)
        if storage is None:
            _file_error(report, e)
        else:
            report.storage = storage
            report.error = f"{storage} ({str(e).strip() or type(e).__name__}): " + (
                "nothing from this file was kept"
                if stage == "database"
                else "its records are stored, but the search index could not be written; "
                "`readingroom check` shows what it lacks and `readingroom reindex` repairs it"
            )
            report.error += f", and the files after it were not tried: {advice(storage)}"
    if report.error and progress:  # what this file added to the progress line was not kept
        progress.records, progress.authorities = counted
    if report.error or dry_run:
        writer.forget_cache()
    return report


def _file_error(report: FileReport, e: Exception) -> None:
    """The message of an error that is this file's own: the other files go on."""
    try:
        raise e
    except IngestError as e:
        report.error = str(e)
    except UnicodeDecodeError as e:
        report.error = (
            f"is not UTF-8 text (byte 0x{e.object[e.start]:02x} at offset {e.start} of a block): "
            "save it as UTF-8 and import again"
        )
    except (RecordError, ValueError) as e:
        report.error = str(e)
    except FileNotFoundError:
        report.error = "the file was removed or renamed before its turn came: nothing was read from it"
    except (IsADirectoryError, PermissionError) as e:
        report.error = f"cannot be read ({e.strerror}): check the file's permissions"
    except RecursionError:
        report.error = (
            f"is nested more than {MAX_DEPTH} levels deep (objects or lists within each other): "
            "no record is shaped like that; check that the file is what it should be"
        )
    except MemoryError:
        report.error = "does not fit in memory: split it into smaller files"
    except DatabaseError as e:  # a value the database refuses that no check above foresaw: this file only
        report.error = (
            f"the database refused it ({type(e).__name__}: {str(e).strip()}); nothing from it was kept"
        )


def import_paths(
    archive: Target,
    paths: Iterable[str | Path],
    *,
    status: str | None = None,
    dry_run: bool = False,
    importer_name: str | None = None,
    progress_stream: TextIO | None = None,
    show_progress: bool = True,
    on_file: Callable[[FileReport], None] | None = None,
) -> ImportReport:
    """Import files and folders. Each file is one transaction: a file that fails leaves nothing behind."""
    files, failures = collect_files(paths, archive.importers)
    report = ImportReport(files=list(failures), dry_run=dry_run)
    for failure in failures:
        if on_file:
            on_file(failure)
    writer = archive.store.writer(status_override=status)
    progress = Progress(sum(f.stat().st_size for f in files), progress_stream, enabled=show_progress)
    stopped: str | None = None
    with bulk_collection():
        for path in files:
            if stopped:
                file_report = FileReport(path, error=f"not tried: {stopped}")
            else:
                file_report = import_file(
                    archive, path, writer, importer_name=importer_name, dry_run=dry_run, progress=progress
                )
                stopped = file_report.storage
            report.files.append(file_report)
            if on_file:
                on_file(file_report)
    progress.finish()
    if (
        not dry_run and not stopped
    ):  # with the storage full or read-only these would fail too: the next import runs them
        for importer in archive.importers.importers():
            importer.after_import(report.files, archive.store)
        # What the hooks changed, and any row an earlier crash left.
        report.index_waiting = archive.indexer.catch_up()
    return report


def _preparer(writer: RecordWriter, index: ImportIndex) -> Callable[[dict], Prepared | RecordError]:
    """What the parsing process does to each record: validate it, and compute its searchable text when the
    index is built alongside the import, so that the writer only writes. A record that fails in a way the
    validator did not foresee is that record's problem, named with its id: the file goes on."""
    alongside = index.indexes_alongside

    def prepare(raw: dict) -> Prepared | RecordError:
        try:
            prepared = writer.prepare(raw)
            if alongside and isinstance(prepared, Prepared):
                prepared.plain = index.plain_text(prepared.doc)
        except RecursionError:
            return RecordError(
                "(record)", f"is nested more than {MAX_DEPTH} levels deep: flatten it", _read_id(raw)
            )
        except (TypeError, AttributeError, ValueError, KeyError) as e:
            return RecordError(
                "(record)",
                f"could not be read ({type(e).__name__}: {e}); check the types of its fields "
                "against docs/record-schema.md",
                _read_id(raw),
            )
        return prepared

    return prepare


def _read_id(raw: Any) -> str | None:
    rid = raw.get("id") if isinstance(raw, dict) else None
    return rid if isinstance(rid, str) else None


def authority_problem(entry: AuthorityEntry) -> str | None:
    """What is wrong with an authority an importer read, as a sentence; None when nothing is. Keys become URLs
    (/persons/KEY/): a control character in one would break every page that links to it."""
    if entry.kind not in AUTHORITY_KINDS:
        return f"unknown authority kind {entry.kind!r}: use one of {', '.join(AUTHORITY_KINDS)}"
    for label, value in (("key", entry.key), ("name", entry.name)):
        if not isinstance(value, str) or not value.strip():
            return f"the authority's {label} must be non-empty text, not {type(value).__name__}"
    if entry.parent is not None and not isinstance(entry.parent, str):
        return f"the authority's parent must be the key of another {entry.kind} (text), not {type(entry.parent).__name__}"
    for label, text in (("key", entry.key), ("parent", entry.parent)):
        bad = wrong_key_reason(text) if text else None
        if bad:
            return f"the authority's {label} {text!r} {bad}"
    if len(entry.name) > AUTHORITY_NAME_MAX:
        return f"the authority's name is longer than {AUTHORITY_NAME_MAX} characters"
    if not isinstance(entry.data, dict):
        return f"the authority's data must be an object, not {type(entry.data).__name__}"
    if entry.position is not None and not isinstance(entry.position, int):
        return f"the authority's position must be a whole number, not {type(entry.position).__name__}"
    return None
