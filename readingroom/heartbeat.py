"""The background worker's heartbeat: a small JSON file in the archive home with the worker's process id and the
time of its last loop. The worker writes it (readingroom/worker.py); `serve`'s supervisor reads it
(readingroom/supervisor.py) without Django, so this module imports nothing of the project."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

HEARTBEAT = "worker.heartbeat"


def heartbeat_path(home: Path) -> Path:
    return home / HEARTBEAT


def read_heartbeat(home: Path) -> dict | None:
    """The active worker's last heartbeat ({"pid", "time", "unix", "loops"}), None when there is none."""
    try:
        beat = json.loads(heartbeat_path(home).read_text())
    except (OSError, ValueError):
        return None
    return beat if isinstance(beat, dict) else None


def write_heartbeat(home: Path, loops: int) -> None:
    """A new file put in place, so a reader never sees half of one."""
    path = heartbeat_path(home)
    now = time.time()
    beat = {
        "pid": os.getpid(),
        "time": dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds"),
        "unix": now,
        "loops": loops,
    }
    tmp = path.with_name(f"{path.name}.{os.getpid()}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_text(json.dumps(beat) + "\n")
    tmp.replace(path)


def remove_heartbeat(home: Path) -> None:
    try:
        heartbeat_path(home).unlink()
    except OSError:
        pass
