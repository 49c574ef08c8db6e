"""When the archive's storage, not the input, is at fault: a full disk or a read-only one.

An import stops at the first such error (the files after it would fail the same way) and the command line says
what happened and what to do, in place of a traceback. Both use `storage_problem()`.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

STORAGE_FULL = "the disk that holds the archive is full"
STORAGE_READ_ONLY = "the archive's storage is read-only"

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_FULL_WORDS = ("database or disk is full", "no space left on device", "disk quota exceeded")
_READ_ONLY_WORDS = ("readonly database", "read-only file system", "read-only transaction")


def storage_problem(error: BaseException, home: Path | None = None) -> str | None:
    """STORAGE_FULL or STORAGE_READ_ONLY when `error` says the archive's disk is full or read-only: SQLite's
    SQLITE_FULL and SQLITE_READONLY, PostgreSQL's disk_full (53100) and read_only_sql_transaction (25006),
    tantivy's and the file system's ENOSPC, EDQUOT and EROFS. With `home`, an error SQLite gives for a database
    it cannot open ("unable to open database file") counts as read-only when that folder is. None otherwise."""
    for e in (error, error.__cause__, error.__context__):
        if isinstance(e, OSError) and e.errno is not None:
            if e.errno in _FULL_ERRNOS:
                return STORAGE_FULL
            if e.errno == errno.EROFS:
                return STORAGE_READ_ONLY
        sqlstate = getattr(e, "sqlstate", None)
        if sqlstate == "53100":
            return STORAGE_FULL
        if sqlstate == "25006":
            return STORAGE_READ_ONLY
    text = str(error).lower()
    if any(words in text for words in _FULL_WORDS):
        return STORAGE_FULL
    if any(words in text for words in _READ_ONLY_WORDS):
        return STORAGE_READ_ONLY
    if home is not None and home.is_dir():
        if "unable to open database file" in text and read_only(home):
            return STORAGE_READ_ONLY
        # tantivy's writer threads report a failed write as "An index writer was killed ... (io::Error most
        # likely)", without its errno: the free space left says whether the disk filled.
        if ("io::error" in text or "ioerror" in text) and nearly_full(home):
            return STORAGE_FULL
    return None


NEARLY_FULL = 16 * 2**20  # bytes free: less than one index segment merge needs


def nearly_full(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free < NEARLY_FULL
    except OSError:
        return False


def read_only(folder: Path) -> bool:
    """Whether files cannot be written in `folder` because its file system is mounted read-only (root too)."""
    try:
        return os.statvfs(folder).f_flag & os.ST_RDONLY != 0
    except OSError:
        return False


def advice(problem: str) -> str:
    """What to do about it."""
    if problem == STORAGE_FULL:
        return "free space on that disk (or move the archive: READINGROOM_HOME), then run the command again"
    return "make the archive's folder (READINGROOM_HOME) writable, then run the command again"
