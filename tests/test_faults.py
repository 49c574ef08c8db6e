"""Faults a tester found (issue #14), each reproduced with a file the test makes, then held fixed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from readingroom import locks

ROOT = Path(__file__).resolve().parent.parent


def _env(tmp_path: Path) -> dict[str, str]:
    # A subprocess archive of its own, always the embedded store: these tests are about processes and files.
    env = {k: v for k, v in os.environ.items() if k != "READINGROOM_DATABASE_URL"}
    env["READINGROOM_HOME"] = str(tmp_path / "unused")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _rr(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "readingroom.cli", "--home", str(home), *args]


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _open_files() -> set[str]:
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            found.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:  # the listing's own descriptor, closed since
            pass
    return found


def _records_file(path: Path, n: int, pad: int = 100) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            doc = {"id": f"fault/{i}", "title": f"Telegram {i}", "date": "1968-10-01", "text": "Para " * pad}
            f.write(json.dumps(doc) + "\n")
    return path


# --- 1. a killed import's reading process died with it, and left no lock -----------------------------------


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc to find the reading process")
def test_killed_import_leaves_no_reader_and_no_lock(tmp_path):
    big = _records_file(tmp_path / "big.jsonl", 20000)  # 11 MB: read in a child process (pipeline.py)
    home = tmp_path / "archive"
    env = _env(tmp_path)
    assert subprocess.run(_rr(home, "init"), env=env, capture_output=True, timeout=120).returncode == 0
    first = subprocess.Popen(
        _rr(home, "import", "--quiet", str(big)), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        readers: list[int] = []
        while not readers and time.monotonic() < deadline and first.poll() is None:
            readers = _children(first.pid)
            time.sleep(0.05)
        assert readers, "the import finished or failed before its reading process started"
        time.sleep(0.5)  # the reader is reading, its queue filling
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    deadline = time.monotonic() + 10
    while any(_alive(r) for r in readers) and time.monotonic() < deadline:
        time.sleep(0.1)
    orphans = [r for r in readers if _alive(r)]
    for r in orphans:
        os.kill(r, signal.SIGKILL)  # ours: started by the import this test started
    assert not orphans, "the reading process outlived the killed import"

    started = time.monotonic()
    second = subprocess.run(
        _rr(home, "import", "--quiet", str(big)), env=env, capture_output=True, text=True, timeout=180
    )
    assert second.returncode == 0, second.stderr
    assert "imported 20000 records" in second.stdout
    assert time.monotonic() - started < 150
    reindex = subprocess.run(
        _rr(home, "reindex", "--quiet"), env=env, capture_output=True, text=True, timeout=120
    )
    assert reindex.returncode == 0 and "reindexed 20000 public records" in reindex.stdout, reindex.stderr


def test_a_forked_child_does_not_keep_a_held_lock(tmp_path):
    path = tmp_path / "indexer.lock"
    with locks.file_lock(path) as got:
        assert got
        pid = os.fork()
        if pid == 0:  # the child: does it still have the lock file open?
            code = 2
            try:
                code = 3 if str(path) in _open_files() else 0
            finally:
                os._exit(code)
        _pid, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        # ... and the parent still holds it: the child closed its copy, it did not unlock.
        with locks.file_lock(path, wait=False) as other:
            assert other is False  # a second open file description conflicts, even in this process
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                "import fcntl,os,sys; fd=os.open(sys.argv[1], os.O_RDWR)\n"
                "try:\n fcntl.flock(fd, fcntl.LOCK_EX|fcntl.LOCK_NB); print('free')\n"
                "except BlockingIOError: print('held')",
                str(path),
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert probe.stdout.strip() == "held"


def test_waiting_for_a_lock_says_who_holds_it(tmp_path, monkeypatch):
    path = tmp_path / "indexer.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl,os,sys,time; fd=os.open(sys.argv[1], os.O_RDWR|os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX); print('got', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "got"
        said: list[str] = []
        monkeypatch.setattr(locks, "WAIT_NOTICE", 0.2)
        monkeypatch.setattr(locks, "_say_waiting", said.append)
        fd = os.open(path, os.O_RDWR)
        try:
            assert not locks._flock(fd, path, wait=True, timeout=1.0, on_wait=said.append)
        finally:
            os.close(fd)
        assert len(said) == 1
        assert f"process {holder.pid}" in said[0] and f"kill {holder.pid}" in said[0]
    finally:
        holder.kill()
        holder.wait()
