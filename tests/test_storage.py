"""A full disk and read-only storage during an import: a clear message and a non-zero exit, nothing half-written,
and the server goes on serving reads.

The archive lives on a small file system the test mounts (tmpfs, size-limited): that needs root, as CI runs.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT, SEED, cli_runner
from .serving import http_get, serving, subprocess_env

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.geteuid() != 0 or shutil.which("mount") is None,
    reason="mounts a size-limited file system: needs Linux and root (CI runs as root)",
)


@pytest.fixture
def small_disk(tmp_path):
    """A 6 MiB file system of its own, unmounted afterwards."""
    where = tmp_path / "disk"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(where)], capture_output=True, text=True
    )
    if mounted.returncode != 0:  # a container without the right to mount
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _records(path: Path, prefix: str, n: int, words: int = 120) -> Path:
    """n records of `words` made-up words each: words that do not repeat, so that neither the database nor the
    index can compress them to nothing."""
    rng = random.Random(n)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            text = " ".join(f"{rng.getrandbits(40):x}" for _ in range(words))
            doc = {"id": f"{prefix}/{i}", "title": f"Telegram {i}", "date": "1968-10-01", "text": text}
            f.write(json.dumps(doc) + "\n")
    return path


def _get(url: str) -> int:
    return http_get(url)[0]


@pytest.fixture
def served(tmp_path):
    """serve(home) -> base URL of `readingroom serve` on that archive, stopped afterwards."""
    with contextlib.ExitStack() as stack:
        numbers = itertools.count()

        def serve(home: Path, url: str | None = None) -> str:
            env = subprocess_env()
            env.pop("READINGROOM_DATABASE_URL", None)
            if url:
                env["READINGROOM_DATABASE_URL"] = url
            log = tmp_path / f"serve-{next(numbers)}.log"
            return stack.enter_context(serving(home, env, log, timeout=60, ready="/")).base

        yield serve


def _export(rr, home: Path, out: Path, url: str | None) -> str:
    result = rr(home, "export", "--quiet", "-o", str(out), url=url)
    assert result.returncode == 0, result.stderr
    return out.read_text(encoding="utf-8")


def test_a_full_disk_stops_the_import_keeps_nothing_of_the_file_and_the_server_reads_on(
    tmp_path, small_disk, served, db_vendor
):
    url = os.environ.get("READINGROOM_DATABASE_URL") if db_vendor == "postgresql" else None
    if url:  # a database of its own: the other tests' records are not this archive's
        from .conftest import scratch_database

        url = f"{url.rsplit('/', 1)[0]}/rr_storage_{os.getpid()}"
        scratch_database(url)
    try:
        rr = cli_runner(tmp_path, url)
        home = small_disk / "archive"
        result = rr(
            home, "import", "--quiet", str(SEED), str(_records(tmp_path / "small.jsonl", "small", 20))
        )
        assert result.returncode == 0, result.stderr
        base = served(home, url)
        before = _export(rr, home, tmp_path / "before.jsonl", url)

        # 12 MB of records into 6 MiB (SQLite), or into what the index has left of it (PostgreSQL).
        big = _records(tmp_path / "big.jsonl", "big", 12000)
        after_it = _records(tmp_path / "after.jsonl", "after", 5)
        started = time.monotonic()
        result = rr(home, "import", "--quiet", str(big), str(after_it))
        assert result.returncode == 1
        assert "Traceback" not in result.stderr, result.stderr
        assert f"{big}: error: the disk that holds the archive is full" in result.stderr, result.stderr
        assert "free space on that disk (or move the archive: READINGROOM_HOME)" in result.stderr
        assert f"{after_it}: error: not tried: the disk that holds the archive is full" in result.stderr
        assert "0 of 2 files imported, 0 new" in result.stderr
        assert time.monotonic() - started < 120

        # The server read on, through the same archive.
        assert _get(base + "/search/?q=telegram") == 200
        assert _get(base + "/records/") == 200

        # The file's transaction rolled back whole: the archive is as it was. (With PostgreSQL the database has
        # room; the index on the small disk fills, before the database commits.)
        assert "nothing from this file was kept" in result.stderr
        assert _export(rr, home, tmp_path / "after.jsonl", url) == before
        check = rr(home, "check")
        assert check.returncode == 0 and check.stdout.strip().endswith("ok"), check.stdout + check.stderr
    finally:
        if url:
            from .conftest import scratch_database

            scratch_database(url, create=False)


@pytest.mark.sqlite_only
def test_read_only_storage_refuses_the_import_with_a_message_and_the_server_reads_on(
    tmp_path, small_disk, served
):
    rr = cli_runner(tmp_path)
    home = small_disk / "archive"
    assert rr(home, "import", "--quiet", str(SEED)).returncode == 0
    base = served(home)
    before = _export(rr, home, tmp_path / "before.jsonl", None)

    # The importing process sees the archive through a read-only mount of its own (a private mount namespace):
    # the server, which has the archive open for writing, keeps its own view.
    env = {k: v for k, v in os.environ.items() if k != "READINGROOM_DATABASE_URL"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    small = _records(tmp_path / "small.jsonl", "small", 5)
    script = (
        f"mount --bind {small_disk} {small_disk} && mount -o remount,bind,ro {small_disk} && "
        f"exec {sys.executable} -m readingroom.cli --home {home} import --quiet {small}"
    )
    result = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if "unshare failed" in result.stderr or "mount:" in result.stderr:
        pytest.skip(f"cannot make a private read-only mount here: {result.stderr.strip()}")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr
    assert "error: the archive's storage is read-only" in result.stderr  # at its first write
    assert (
        "make the archive's folder (READINGROOM_HOME) writable, then run the command again" in result.stderr
    )

    assert _get(base + "/search/?q=politburo") == 200
    assert _export(rr, home, tmp_path / "after.jsonl", None) == before
