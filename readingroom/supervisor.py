"""`serve`'s keeper of the background worker (readingroom/worker.py).

`serve` starts this module as a small process of its own (`python -m readingroom.supervisor`), before gunicorn
opens its socket, and stops it with SIGTERM when the server stops. The supervisor starts `readingroom worker`
as its child, restarts it when it dies or its heartbeat (readingroom/heartbeat.py) stalls, after a pause that
grows while restarts keep failing, and says so on each restart; on SIGTERM it stops the worker (SIGTERM, then
SIGKILL after STOP_GRACE seconds) and ends.

Why a process and not a thread of the server: gunicorn's main process forks its web workers at any moment, and
a fork that catches a thread in the middle of starting a child copies that child's half-made pipes (the thread
then waits forever). A process of its own has no such neighbour, and holds none of the server's sockets.

The worker is started in standby (when a worker of the deployment's own already runs, it waits to take over
instead of exiting over and over), and each process is told its parent's id: if the server is killed with -9,
the supervisor and then the worker notice within a second and end, so nothing is left to stop the next start.
It imports nothing that needs Django: it is a few megabytes, not a second copy of the application.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from readingroom import logs
from readingroom.heartbeat import read_heartbeat

HEALTHY_AFTER = 60.0  # seconds a worker must run before the pause between restarts starts again from 1 s
MAX_PAUSE = 60.0  # the longest pause between two restarts
STOP_GRACE = 15.0  # seconds a worker gets to finish its chore after SIGTERM, before SIGKILL
LOOK_EVERY = 1.0  # seconds between two looks at the worker


class Supervisor:
    def __init__(
        self,
        home: Path,
        *,
        stall_seconds: float = 300.0,
        parent: int | None = None,
        say: Callable[[str], None] | None = None,
    ):
        self.home = home
        self.stall_seconds = stall_seconds
        self.parent = parent
        self.say = say or _say
        self.command = [
            sys.executable,
            "-m",
            "readingroom.cli",
            "--home",
            str(home),
            "worker",
            "--standby",
            "--parent",
            str(os.getpid()),
        ]
        self.restarts = 0
        self.child: subprocess.Popen | None = None
        self.stop = threading.Event()

    def run(self) -> int:
        pause = 1.0
        while not self._stopping():
            started = time.monotonic()
            try:
                # Its own session: a Ctrl-C meant for the server does not reach it; the server stops it.
                self.child = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, start_new_session=True)
            except OSError as e:
                reason = f"could not start the worker ({e})"
            else:
                reason = self._watch(self.child)
            if self._stopping():
                break
            if time.monotonic() - started >= HEALTHY_AFTER:
                pause = 1.0
            self.say(f"{reason}: restarting it in {pause:g} s")
            self.restarts += 1
            if self.stop.wait(pause):
                break
            pause = min(pause * 2, MAX_PAUSE)
        self._end_child()
        return 0

    def _stopping(self) -> bool:
        return self.stop.is_set() or (self.parent is not None and os.getppid() != self.parent)

    def _watch(self, child: subprocess.Popen) -> str:
        """Wait until the worker ends or stalls (then end it); say why, or "" when asked to stop."""
        while not self.stop.wait(LOOK_EVERY) and not self._stopping():
            status = child.poll()
            if status is not None:
                return f"the worker (process {child.pid}) {_ended(status)}"
            beat = read_heartbeat(self.home)
            if beat and beat.get("pid") == child.pid:
                age = time.time() - float(beat.get("unix") or 0)
                if age > self.stall_seconds:
                    self._end_child()
                    return (
                        f"the worker (process {child.pid}) has not finished a loop for {age:.0f} s "
                        f"(READINGROOM_WORKER_STALL_SECONDS is {self.stall_seconds:g})"
                    )
        return ""

    def _end_child(self) -> None:
        child = self.child
        if child is None or child.poll() is not None:
            return
        child.send_signal(signal.SIGTERM)
        child.send_signal(signal.SIGCONT)  # a stopped process (SIGSTOP) would keep the SIGTERM pending
        try:
            child.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _ended(status: int) -> str:
    if status < 0:
        try:
            return f"was killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"was killed by signal {-status}"
    return f"ended (exit status {status})"


def _say(message: str) -> None:
    print(logs.process_line("readingroom serve", message), file=sys.stderr, flush=True)


# -- for `serve` -------------------------------------------------------------------------------------------------
def start(home: Path, *, stall_seconds: float) -> subprocess.Popen:
    """Start the supervisor process (call before the server opens its socket)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "readingroom.supervisor",
            "--home",
            str(home),
            "--stall-seconds",
            str(stall_seconds),
            "--parent",
            str(os.getpid()),
        ],
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    """Stop the supervisor, and with it the worker."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_GRACE + 5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m readingroom.supervisor", description=__doc__)
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--stall-seconds", type=float, default=300.0)
    parser.add_argument("--parent", type=int)
    args = parser.parse_args(argv)
    supervisor = Supervisor(args.home, stall_seconds=args.stall_seconds, parent=args.parent)

    def on_signal(signum: int, frame: object) -> None:
        supervisor.stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
