"""`serve`'s keeper of the background worker (readingroom/worker.py): a thread of the server's main process that
starts `readingroom worker` as a child process, restarts it when it dies or its heartbeat stalls (after a
growing pause, so a worker that cannot start does not spin), and stops it when the server stops.

The child is started in standby (when a worker of the deployment's own already runs, it waits to take over
instead of exiting over and over) and with the server's process id: if the server is killed with -9, the child
notices within a second and ends, so nothing is left behind to stop the next start.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from readingroom.worker import read_heartbeat

HEALTHY_AFTER = 60.0  # seconds a child must run before the pause between restarts starts again from 1 s
MAX_PAUSE = 60.0  # the longest pause between two restarts
STOP_GRACE = 15.0  # seconds a child gets to finish its chore after SIGTERM, before SIGKILL
LOOK_EVERY = 1.0  # seconds between two looks at the child


class Supervisor:
    def __init__(
        self,
        home: Path,
        *,
        stall_seconds: float = 300.0,
        say: Callable[[str], None] | None = None,
        command: list[str] | None = None,
    ):
        self.home = home
        self.stall_seconds = stall_seconds
        self.say = say or _say
        self.command = command or [
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
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._keep, name="readingroom-worker-supervisor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the child (SIGTERM, then SIGKILL after STOP_GRACE seconds) and the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(STOP_GRACE + 5)
        self._end_child()

    # -- the loop ----------------------------------------------------------------------------------------------
    def _keep(self) -> None:
        pause = 1.0
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                # Its own session: a Ctrl-C meant for the server reaches the server, which then stops the child.
                self.child = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, start_new_session=True)
            except OSError as e:
                self.say(f"could not start the worker ({e}); trying again in {pause:.0f} s")
                reason = ""
            else:
                reason = self._watch(self.child)
            if self._stop.is_set():
                break
            if time.monotonic() - started >= HEALTHY_AFTER:
                pause = 1.0
            if reason:
                self.say(f"{reason}: restarting it in {pause:.0f} s")
            self.restarts += 1
            if self._stop.wait(pause):
                break
            pause = min(pause * 2, MAX_PAUSE)
        self._end_child()

    def _watch(self, child: subprocess.Popen) -> str:
        """Wait until the child ends or stalls (then end it); say why, or "" when asked to stop."""
        while not self._stop.wait(LOOK_EVERY):
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
                        f"(READINGROOM_WORKER_STALL_SECONDS is {self.stall_seconds:g}): stopped it"
                    )
        return ""

    def _end_child(self) -> None:
        child = self.child
        if child is None or child.poll() is not None:
            return
        child.send_signal(signal.SIGTERM)
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
    # A gunicorn server reaps every child of its own: the status is then lost, and reads as 0.
    return f"ended (exit status {status})" if status else "ended"


def _say(message: str) -> None:
    import datetime as dt

    stamp = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    print(f"{stamp} readingroom serve: {message}", file=sys.stderr, flush=True)
