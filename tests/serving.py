"""A real `readingroom serve` for the tests that need one: started on a free port, waited for, stopped afterwards.

One copy of "start the server and wait until /healthz answers" for test_ops, test_storage, test_worker and
test_killed_request, which each had their own.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 10, headers: dict | None = None) -> tuple[int, dict, str]:
    """(status, headers, body) of a GET; an HTTP error status is an answer, not an exception."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def subprocess_env(**extra: str) -> dict:
    """This process's environment for a `readingroom` subprocess that imports this checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMETHEUS")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


@dataclass
class Server:
    base: str
    port: int
    process: subprocess.Popen
    log: Path

    def said(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def wait_until_answers(server: Server, timeout: float = 90, path: str = "/healthz") -> None:
    """Until a worker of `server` answers `path` with 200; fails with the server's log if it exits or times out."""
    deadline = time.monotonic() + timeout
    while True:
        assert server.process.poll() is None, f"serve stopped: {server.said()[-3000:]}"
        try:
            if http_get(server.base + path, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, (
            f"serve did not answer {path} in {timeout:.0f} s: {server.said()[-3000:]}"
        )
        time.sleep(0.2)


@contextlib.contextmanager
def serving(
    home: Path | None,
    env: dict,
    log: Path,
    *options: str,
    timeout: float = 90,
    wait: bool = True,
    new_session: bool = False,
    stdout: bool = True,
    ready: str = "/healthz",
) -> Iterator[Server]:
    """`readingroom [--home HOME] serve --port P OPTIONS...`, its stderr (and stdout unless `stdout` is False) in
    `log`; stopped (TERM, then KILL) afterwards."""
    port = free_port()
    command = [sys.executable, "-m", "readingroom.cli"]
    if home is not None:
        command += ["--home", str(home)]
    command += ["serve", "--port", str(port), *options]
    with open(log, "w") as out:
        process = subprocess.Popen(
            command,
            env=env,
            stdout=out if stdout else subprocess.DEVNULL,
            stderr=out,
            start_new_session=new_session,
        )
    server = Server(f"http://127.0.0.1:{port}", port, process, log)
    try:
        if wait:
            wait_until_answers(server, timeout, ready)
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen, grace: float = 30) -> None:
    """TERM, and KILL (its whole session when it has one of its own) if it has not ended within `grace` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.getpgid(process.pid) == process.pid:
                os.killpg(process.pid, signal.SIGKILL)
        process.kill()
        process.wait()
