"""The background worker (readingroom/worker.py) and serve's keeping of it (readingroom/supervisor.py), as
processes: an outbox left by a killed writer drains, a worker killed with -9 is restarted by serve and the
outbox still drains, a stalled one is replaced, SIGTERM stops cleanly, and one worker runs per archive."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import scratch_database
from .serving import serving

ROOT = Path(__file__).resolve().parent.parent

# A writer that commits its changes and is killed before it brings the index up to date.
KILLED_WRITER = """
import os, signal, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readingroom.settings")
django.setup()
from django.db import transaction
from readingroom.archive import Archive
from readingroom.records.models import Record
archive = Archive.from_environment()
with transaction.atomic():
    writer = archive.store.writer()
    for rid in sys.argv[1:]:
        writer.save({**Record.objects.get(pk=rid).document, "status": "withdrawn"})
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.fixture
def env(tmp_path, db_vendor):
    """A subprocess archive: SQLite in its home, or on the PostgreSQL run a database of its own."""
    env = {k: v for k, v in os.environ.items() if k != "READINGROOM_DATABASE_URL"}
    env["READINGROOM_HOME"] = str(tmp_path / "archive")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["READINGROOM_RATE_LIMITS"] = "0"
    if db_vendor != "postgresql":
        yield env
        return
    base = os.environ["READINGROOM_DATABASE_URL"].rsplit("/", 1)[0]
    url = f"{base}/rr_worker_{os.getpid()}"
    scratch_database(url)
    env["READINGROOM_DATABASE_URL"] = url
    yield env
    scratch_database(url, create=False)


def rr(*args: str) -> list[str]:
    return [sys.executable, "-m", "readingroom.cli", *args]


def run(env, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(rr(*args), env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def home(env, tmp_path) -> Path:
    """An archive of three public records, indexed."""
    path = tmp_path / "records.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for i in range(3):
            doc = {"id": f"w/{i}", "title": f"Telegram {i} about Paris", "date": "1968-10-01", "text": "Para"}
            f.write(json.dumps(doc) + "\n")
    result = run(env, "import", "--quiet", "--status", "published", str(path))
    assert result.returncode == 0, result.stderr
    return Path(env["READINGROOM_HOME"])


def kill_a_writer(env, *ids: str) -> None:
    writer = subprocess.run(
        [sys.executable, "-c", KILLED_WRITER, *ids], env=env, capture_output=True, text=True, timeout=120
    )
    assert writer.returncode == -signal.SIGKILL, writer.stderr


def pending(env) -> int:
    check = run(env, "check")
    line = next(x for x in check.stdout.splitlines() if x.startswith("search index updates pending:"))
    return int(line.rsplit(":", 1)[1])


def beat(home: Path) -> dict | None:
    try:
        return json.loads((home / "worker.heartbeat").read_text())
    except (OSError, ValueError):
        return None


def wait_for(what, timeout: float = 60, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = what()
        if got:
            return got
        time.sleep(every)
    return None


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()  # ours: started by this test
        process.wait(10)


def test_the_worker_applies_an_outbox_left_by_a_killed_writer(env, home):
    kill_a_writer(env, "w/0", "w/1")
    assert pending(env) == 2, "the killed writer left its rows"
    once = run(env, "worker", "--once")
    assert once.returncode == 0, once.stderr
    assert "applied 2 index updates" in once.stdout
    assert pending(env) == 0
    check = run(env, "check")
    assert check.returncode == 0 and check.stdout.rstrip().endswith("ok"), check.stdout
    again = run(env, "worker", "--once")
    assert "nothing to do" in again.stdout


def test_sigterm_stops_the_worker_and_a_second_one_says_so(env, home):
    first = subprocess.Popen(rr("worker"), env=env, stderr=subprocess.PIPE, text=True)
    try:
        got = wait_for(lambda: (beat(home) or {}).get("pid") == first.pid)
        assert got, "the worker never beat"
        second = run(env, "worker")
        assert second.returncode == 1
        assert f"another worker (process {first.pid}) runs this archive" in second.stderr
        kill_a_writer(env, "w/2")
        assert wait_for(lambda: pending(env) == 0, timeout=60), "the running worker did not drain the outbox"
        first.send_signal(signal.SIGTERM)
        assert first.wait(20) == 0
        err = first.stderr.read()
        assert "stopped after" in err, err
        assert beat(home) is None, "a stopped worker leaves no heartbeat"
        assert run(env, "worker", "--once").returncode == 0, "the lock went with the worker"
    finally:
        stop(first)


def search_ids(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/search?q=Paris", timeout=10) as r:
        return r.read().decode()


def test_serve_restarts_a_killed_or_stalled_worker_and_the_outbox_drains(env, home, tmp_path):
    serve_env = {**env, "READINGROOM_WORKER_STALL_SECONDS": "4"}
    with serving(None, serve_env, tmp_path / "serve.log", "--workers", "1", wait=False) as server:
        port = server.port
        first = wait_for(lambda: (beat(home) or {}).get("pid"), timeout=90)
        assert first, "serve started no worker"
        assert wait_for(lambda: _answers(port), timeout=60), "the server did not answer"
        assert "w/0" in search_ids(port)

        os.kill(first, signal.SIGKILL)  # ours: serve started it for this test
        second = wait_for(lambda: (beat(home) or {}).get("pid") not in (None, first) and beat(home)["pid"])
        assert second, "serve did not restart the killed worker"
        kill_a_writer(env, "w/0")
        assert wait_for(lambda: "w/0" not in search_ids(port), timeout=60), "the outbox did not drain"
        assert pending(env) == 0

        os.kill(second, signal.SIGSTOP)  # stalled: alive, but no loop ends
        third = wait_for(lambda: (beat(home) or {}).get("pid") not in (None, second) and beat(home)["pid"])
        assert third, "serve did not replace the stalled worker"
        assert wait_for(lambda: not alive(second), timeout=30), "the stalled worker was not stopped"

        server.process.send_signal(signal.SIGTERM)
        server.process.wait(60)
        assert wait_for(lambda: not alive(third), timeout=30), "serve left its worker running"
        assert beat(home) is None
        said = server.said()
        assert f"the worker (process {first}) " in said and "restarting it" in said, said
        assert f"the worker (process {second}) has not finished a loop" in said, said
    # stopped by `serving` if an assertion ended it early: its worker, if any, sees its parent gone and ends (below)


def _answers(port: int) -> bool:
    try:
        search_ids(port)
        return True
    except OSError:
        return False


MIDDLE = (
    "import os, subprocess, sys, time; "
    "p = subprocess.Popen(sys.argv[1:] + ['--parent', str(os.getpid())]); print(p.pid, flush=True); time.sleep(120)"
)


def test_a_worker_whose_server_was_killed_ends(env, home):
    """serve killed with -9: its worker notices and ends, so no worker is left behind holding the lock."""
    server = subprocess.Popen(
        [sys.executable, "-c", MIDDLE, *rr("worker", "--standby")], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        worker = int(server.stdout.readline())
        assert wait_for(lambda: (beat(home) or {}).get("pid") == worker, timeout=60), "the worker never beat"
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
        assert wait_for(lambda: not alive(worker), timeout=20), "the worker outlived its server"
        assert beat(home) is None
        assert run(env, "worker", "--once").returncode == 0, "the lock went with the worker"
    finally:
        stop(server)
