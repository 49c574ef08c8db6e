"""Locks between processes: one file-lock helper (the embedded archive), one advisory-lock helper (PostgreSQL).

Both are context managers that yield True when the lock is held and False when `wait` is off and another
process holds it. The operating system releases a file lock when its process dies, and PostgreSQL releases an
advisory lock with its session, so a killed import leaves no lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def file_lock(path: Path, *, wait: bool = True, timeout: float | None = None) -> Iterator[bool]:
    """An exclusive lock on `path` (created when missing). wait=False: try once. timeout: give up after that
    many seconds (yields False)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        got = _flock(fd, wait=wait, timeout=timeout)
        try:
            yield got
        finally:
            if got:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class HeldFileLock:
    """A file lock taken now and released later by another method (a search index writer holds one from its
    first write to its commit)."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, *, wait: bool = True, timeout: float | None = None) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if not _flock(fd, wait=wait, timeout=timeout):
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _flock(fd: int, *, wait: bool, timeout: float | None) -> bool:
    if wait and timeout is None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return True
    deadline = time.monotonic() + (timeout or 0)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if not wait or time.monotonic() >= deadline:
                return False
            time.sleep(0.05)


@contextlib.contextmanager
def advisory_lock(connection, key: int, *, wait: bool = True) -> Iterator[bool]:
    """A PostgreSQL session advisory lock: one holder across every host that shares the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)" if wait else "SELECT pg_try_advisory_lock(%s)", [key])
        got = cursor.fetchone()[0] is not False
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
