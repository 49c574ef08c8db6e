"""Serving the archive with gunicorn, a production WSGI server."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gunicorn.app.base import BaseApplication

if TYPE_CHECKING:
    from readingroom.supervisor import Supervisor


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


def serve(host: str, port: int, workers: int = 2, supervisor: Supervisor | None = None) -> None:
    """Serve until stopped. `supervisor`: the background worker's keeper (readingroom/supervisor.py), started
    before the server and stopped with it, worker and all."""
    print(f"serving the archive at http://{host}:{port}/ (Ctrl-C stops)", flush=True)
    if supervisor is not None:
        supervisor.start()
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
        if supervisor is not None:
            supervisor.stop()
