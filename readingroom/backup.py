"""Backing up a running archive, and restoring it into an empty one (docs/operations.md).

A backup is a folder:

    manifest.json        what it holds: every file with its SHA-256 and size, the database engine, counts
    database.sqlite3     SQLite: a consistent copy made with SQLite's online backup API, while others write
    database.pgdump      PostgreSQL: `pg_dump --format=custom` (a snapshot of one transaction)
    media/...            the media folder
    iiif/...             the IIIF tiles made from the scans

The search index is not in it: it is derived from the store, and `restore` rebuilds it. The database is copied
first, then the files, so every file a record of the copy names is there (media are written before the record
that names them). A backup is written under DEST.partial and renamed to DEST when complete: a DEST folder is
always a whole backup.

`restore` reads every file first and compares its checksum with the manifest: a damaged backup is refused,
naming the file, before anything is written. It restores only into an empty archive (an empty or missing home
folder, and with PostgreSQL an empty database): it never mixes two archives.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from django.db import DatabaseError, connection

from readingroom.progress import Progress

if TYPE_CHECKING:
    from readingroom.archive import Archive

FORMAT = "readingroom-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
FOLDERS = ("media", "iiif")  # copied whole, besides the database
CHUNK = 1 << 20


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass
class BackupReport:
    path: Path
    database: str
    files: int = 0
    bytes: int = 0
    records: int = 0
    authorities: int = 0

    def line(self) -> str:
        return (
            f"backup: {self.records:,} records, {self.authorities:,} authorities and {self.files - 1:,} media "
            f"and tile files ({self.bytes / 2**20:,.1f} MiB, {self.database}) in {self.path}"
        )


@dataclass
class RestoreReport:
    home: Path
    database: str
    files: int = 0
    records: int = 0
    indexed: int = 0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"restore: {self.records:,} records and {self.files - 1:,} media and tile files into {self.home} "
            f"({self.database}); search index rebuilt with {self.indexed:,} public records"
        )


# -- backing up --------------------------------------------------------------------------------------------------


def backup(
    archive: Archive, dest: Path, *, progress: bool = True, stream: TextIO | None = None
) -> BackupReport:
    """Copy the archive (database, media, IIIF tiles) into the new folder `dest`, with a manifest of checksums."""
    from readingroom.records.models import Authority, Record

    dest = Path(dest).expanduser().resolve()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(
            f"{dest} already exists and is not an empty folder: name a new folder for the backup"
        )
    home = archive.home.resolve()
    if dest == home or home in dest.parents:
        raise BackupError(f"{dest} is inside the archive folder {home}: put the backup somewhere else")
    partial = dest.with_name(dest.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)  # an earlier backup that did not finish
    partial.mkdir(parents=True)
    vendor = connection.vendor
    report = BackupReport(dest, vendor)
    files: dict[str, dict[str, Any]] = {}
    try:
        db_file = partial / (SQLITE_FILE if vendor == "sqlite" else PG_FILE)
        if vendor == "sqlite":
            _sqlite_backup(Path(connection.settings_dict["NAME"]), db_file)
        elif vendor == "postgresql":
            _pg_dump(db_file)
        else:
            raise BackupError(
                f"cannot back up a {vendor} database: Readingroom supports SQLite and PostgreSQL"
            )
        # Counted after the copy: the copy holds at least these (writes may go on meanwhile).
        report.records, report.authorities = Record.objects.count(), Authority.objects.count()
        files[db_file.name] = _entry(db_file)
        sources = [(name, archive.home / name) for name in FOLDERS]
        todo = [(name, path) for name, root in sources for path in _files_under(root)]
        line = Progress("backup:", len(todo), unit="files", enabled=progress, stream=stream)
        for name, path in todo:
            rel = f"{name}/{path.relative_to(archive.home / name).as_posix()}"
            try:
                files[rel] = _copy_hashing(path, partial / rel)
            except FileNotFoundError:  # removed since it was listed (a tile remade, a file replaced): skip it
                continue
            line.advance()
        line.finish()
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "database": vendor,
            "migrations": _applied_migrations(),
            "records": report.records,
            "authorities": report.authorities,
            "files": dict(sorted(files.items())),
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        _fsync_tree(partial)
        if dest.exists():
            dest.rmdir()  # empty, checked above
        partial.rename(dest)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    report.files = len(files)
    report.bytes = sum(f["size"] for f in files.values())
    return report


def _sqlite_backup(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy of the whole database while other processes write (in one
    step, so that a write meanwhile cannot make it start over)."""
    src = sqlite3.connect(str(source), timeout=60)
    try:
        dst = sqlite3.connect(str(target))
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            dst.close()
    finally:
        src.close()


def _pg_environment() -> dict[str, str]:
    """The connection of Django's database as libpq's environment variables, for pg_dump and pg_restore."""
    s = connection.settings_dict
    env = dict(os.environ)
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if s.get(key):
            env[var] = str(s[key])
    env["PGDATABASE"] = str(s["NAME"])
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install PostgreSQL's client programs (Debian: "
            f"`apt-get install postgresql-client`), of a version at least the server's"
        )
    return path


def _pg_dump(target: Path) -> None:
    result = subprocess.run(
        [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)],
        env=_pg_environment(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")


def _files_under(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                yield path


def _copy_hashing(source: Path, target: Path) -> dict[str, Any]:
    """Copy a file and hash it in one reading."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with open(source, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
    shutil.copystat(source, target)
    return {"sha256": digest.hexdigest(), "size": size}


def _entry(path: Path) -> dict[str, Any]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _fsync_tree(root: Path) -> None:
    for path in [*_files_under(root), root]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _applied_migrations() -> list[str]:
    from django.db.migrations.recorder import MigrationRecorder

    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


# -- checking --------------------------------------------------------------------------------------------------


def verify(src: Path, *, progress: bool = True, stream: TextIO | None = None) -> dict[str, Any]:
    """Read the backup's manifest and every file it lists; raise BackupError naming the first file that is
    missing or fails its checksum. Returns the manifest."""
    src = Path(src).expanduser().resolve()
    path = src / MANIFEST
    if not path.is_file():
        raise BackupError(f"{src} is not a Readingroom backup: it has no {MANIFEST}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise BackupError(
            f"{path} is damaged (not readable JSON: {e}): this backup cannot be restored"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not the manifest of a Readingroom backup")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"this backup is of format version {manifest.get('version')!r}; this Readingroom reads version "
            f"{VERSION}: restore it with the release that made it"
        )
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise BackupError(f"{path} lists no files: this backup is damaged")
    line = Progress("verify:", len(files), unit="files", enabled=progress, stream=stream)
    for rel, expected in files.items():
        target = (src / rel).resolve()
        if src not in target.parents:
            raise BackupError(f"{path} names {rel!r}, outside the backup folder: this backup is damaged")
        if not target.is_file():
            raise BackupError(f"{rel} is missing from the backup {src}: it cannot be restored")
        found = _entry(target)
        if found != {"sha256": expected.get("sha256"), "size": expected.get("size")}:
            raise BackupError(
                f"{rel} fails its checksum (SHA-256 {found['sha256']}, {found['size']:,} bytes; the manifest "
                f"says {expected.get('sha256')}, {expected.get('size')} bytes): the backup {src} is damaged, "
                "nothing was restored"
            )
        line.advance()
    line.finish()
    return manifest


# -- restoring -------------------------------------------------------------------------------------------------


def restore(
    archive: Archive, src: Path, *, progress: bool = True, stream: TextIO | None = None
) -> RestoreReport:
    """Restore the backup `src` into this archive, which must be empty; then rebuild the search index."""
    src = Path(src).expanduser().resolve()
    home = archive.home.resolve()
    vendor = connection.vendor
    _refuse_unless_empty(home, vendor)
    manifest = verify(src, progress=progress, stream=stream)
    if manifest.get("database") != vendor:
        raise BackupError(
            f"this backup holds a {manifest.get('database')} database and this archive uses {vendor}: restore "
            "it with the same engine (READINGROOM_DATABASE_URL), then move the records with `readingroom "
            "export` and `readingroom import`"
        )
    unknown = sorted(set(manifest.get("migrations") or []) - _known_migrations())
    if unknown:
        raise BackupError(
            f"this backup was made by a newer release of Readingroom (its database has the migrations "
            f"{', '.join(unknown[:3])}): upgrade Readingroom, then restore"
        )
    report = RestoreReport(home, vendor)
    home.mkdir(parents=True, exist_ok=True)
    files = manifest["files"]
    if vendor == "sqlite":
        target = Path(connection.settings_dict["NAME"])
        connection.close()
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".partial")
        shutil.copyfile(src / SQLITE_FILE, part)
        part.rename(target)
    else:
        _pg_restore(src / PG_FILE)
    others = [rel for rel in files if rel.split("/", 1)[0] in FOLDERS]
    line = Progress("restore:", len(others), unit="files", enabled=progress, stream=stream)
    for rel in others:
        target = home / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src / rel, target)
        line.advance()
    line.finish()
    report.files = len(files)
    archive.close()
    archive.init()  # the schema brought up to date (a backup of an earlier release), WAL mode on SQLite
    from readingroom.records.models import Record

    report.records = Record.objects.count()
    report.indexed = archive.indexer.reindex(progress=progress)
    return report


def _refuse_unless_empty(home: Path, vendor: str) -> None:
    if home.exists() and (not home.is_dir() or any(home.iterdir())):
        raise BackupError(
            f"the archive folder {home} is not empty: restore only into a new, empty archive (name another "
            "folder with --home, or move this one away)"
        )
    if vendor == "sqlite":
        target = Path(connection.settings_dict["NAME"])
        if target.exists() and target.stat().st_size > 0:
            raise BackupError(
                f"the database {target} already exists: restore only into a new archive (remove it, or set "
                "another READINGROOM_DATABASE_URL)"
            )
    else:
        try:
            tables = connection.introspection.table_names()
        except DatabaseError as e:
            raise BackupError(
                f"cannot open the database {connection.settings_dict['NAME']!r} ({str(e).strip()}): create an "
                "empty one first (`createdb NAME`) and point READINGROOM_DATABASE_URL at it"
            ) from None
        if tables:
            raise BackupError(
                f"the database {connection.settings_dict['NAME']!r} already holds {len(tables)} tables: restore "
                "only into an empty database (`createdb NEW`, then READINGROOM_DATABASE_URL=.../NEW)"
            )


def _pg_restore(dump: Path) -> None:
    connection.close()
    result = subprocess.run(
        [
            _pg_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--dbname",
            str(connection.settings_dict["NAME"]),
            str(dump),
        ],
        env=_pg_environment(),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")


def _known_migrations() -> set[str]:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}
