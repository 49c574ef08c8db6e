"""Serving the archive with gunicorn, a production WSGI server."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gunicorn.app.base import BaseApplication

from readingroom import supervisor


@dataclass(frozen=True)
class WorkerSettings:
    """What `serve` needs to keep a background worker: the archive home and the stall limit."""

    home: Path
    stall_seconds: float


class _Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from readingroom.wsgi import application

        return application


def serve(host: str, port: int, workers: int = 2, worker: WorkerSettings | None = None) -> None:
    """Serve until stopped. `worker`: start the background worker's supervisor (readingroom/supervisor.py)
    before the server opens its socket, and stop it, worker and all, when the server stops."""
    print(f"serving the archive at http://{host}:{port}/ (Ctrl-C stops)", flush=True)
    keeper = supervisor.start(worker.home, stall_seconds=worker.stall_seconds) if worker else None
    try:
        _Server(
            {
                "bind": f"{host}:{port}",
                "workers": workers,
                "accesslog": "-",
                "timeout": 60,
                "preload_app": False,
            }
        ).run()
    finally:
        if keeper is not None:
            supervisor.stop(keeper)
