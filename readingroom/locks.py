"""Locks between processes: one file-lock helper (the embedded archive), one advisory-lock helper (PostgreSQL).

Both are context managers that yield True when the lock is held and False when `wait` is off and another
process holds it. The operating system releases a file lock when its process dies, and PostgreSQL releases an
advisory lock with its session, so a killed import leaves no lock behind.

A flock belongs to the open file, not to the process: a child forked while the lock is held (an import's
reading process, ingest/pipeline.py) would hold it too, and keep it after its parent was killed. So a forked
child closes its copies of the held locks' descriptors at once (closing a copy does not unlock the parent's).
A holder writes its process id into the lock file; a process that waits says after WAIT_NOTICE seconds who
holds the lock, instead of hanging silently.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

WAIT_NOTICE = 5.0  # seconds of waiting for a file lock before saying who holds it

_held_fds: set[int] = set()  # descriptors of the file locks this process holds
_holders: weakref.WeakSet[HeldFileLock] = weakref.WeakSet()  # the HeldFileLocks among them


def _close_in_child() -> None:
    for fd in _held_fds:
        try:
            os.close(fd)
        except OSError:
            pass
    _held_fds.clear()
    for lock in list(_holders):  # the child holds none of them: release() must not touch a closed descriptor
        lock._fd = None
    _holders.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_in_child)


def _say_waiting(message: str) -> None:
    print(f"readingroom: {message}", file=sys.stderr, flush=True)


def lock_holders(path: Path) -> list[tuple[int, str]]:
    """(pid, command line) of the processes that have `path` open, on Linux; [] elsewhere or if unreadable."""
    target = str(path.resolve())
    found = []
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if any(os.readlink(fd) == target for fd in (entry / "fd").iterdir()):
                cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                found.append((int(entry.name), cmd))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found


def describe_holder(path: Path) -> str:
    """Who holds the lock on `path`, as a sentence with the way out."""
    holders = lock_holders(path)
    if not holders:
        try:
            pid = path.read_text().strip()
        except OSError:
            pid = ""
        return f"{path} is locked by another process{f' (process {pid} took it)' if pid else ''}"
    listed = "; ".join(f"process {pid}: {cmd[:120]}" for pid, cmd in holders)
    pids = " ".join(str(pid) for pid, _ in holders)
    return (
        f"waiting for the lock {path}, held by {listed}. If no import, reindex or server of this archive "
        f"should be running, stop it (`kill {pids}`)"
    )


@contextlib.contextmanager
def file_lock(path: Path, *, wait: bool = True, timeout: float | None = None) -> Iterator[bool]:
    """An exclusive lock on `path` (created when missing). wait=False: try once. timeout: give up after that
    many seconds (yields False)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        got = _flock(fd, path, wait=wait, timeout=timeout)
        try:
            yield got
        finally:
            if got:
                _held_fds.discard(fd)
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
        if not _flock(fd, self.path, wait=wait, timeout=timeout):
            os.close(fd)
            return False
        self._fd = fd
        _holders.add(self)
        return True

    def release(self) -> None:
        if self._fd is not None:
            _holders.discard(self)
            _held_fds.discard(self._fd)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _flock(
    fd: int,
    path: Path,
    *,
    wait: bool,
    timeout: float | None,
    on_wait: Callable[[str], None] = _say_waiting,
) -> bool:
    """Take the lock, polling, and say once who holds it after WAIT_NOTICE seconds of waiting."""
    start = time.monotonic()
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            waited = time.monotonic() - start
            if not wait or (timeout is not None and waited >= timeout):
                return False
            if not told and waited >= WAIT_NOTICE:
                on_wait(describe_holder(path))
                told = True
            time.sleep(0.05 if waited < 1 else 0.2)
    _held_fds.add(fd)
    try:  # who holds it, for the message of the next one that waits
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError:
        pass
    return True


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
