"""Serving the archive with gunicorn, a production WSGI server.

Each worker writes one JSON access-log line a request itself (web/access.py), so gunicorn's own access log is
off, and gunicorn's other lines are JSON too (READINGROOM_LOG_FORMAT=json). The workers share their metrics
through files in one folder (readingroom/metrics.py), emptied here at each start. Beside gunicorn, a supervisor
process keeps the background worker (readingroom/supervisor.py).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from readingroom import config, logs, supervisor

# prometheus_client's multiprocess mode: set before the library is first imported in a worker.
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


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


class JsonLogger(Logger):
    """gunicorn's own lines (a worker booted, stopped, timed out) as JSON, like the application's."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(logs.JsonFormatter())


def metrics_dir(home: Path) -> Path:
    """Where the server's workers keep their metrics: READINGROOM_METRICS_DIR, else a folder of this archive's
    in memory (/dev/shm), else in the temporary folder. Never on the archive's disk: prometheus_client maps its
    files into memory, and writing to such a file on a disk that has filled up kills the worker (SIGBUS)."""
    chosen = config.get("READINGROOM_METRICS_DIR")
    if chosen:
        return Path(chosen).expanduser().resolve()
    memory = Path("/dev/shm")
    base = memory if memory.is_dir() and os.access(memory, os.W_OK) else Path(tempfile.gettempdir())
    tag = hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:12]
    return base / f"readingroom-metrics-{os.getuid()}-{tag}"


def start_metrics(path: Path) -> None:
    """An empty metrics folder (counts of an earlier run, or of workers killed without a word, would add to this
    run's), named in the environment the workers inherit. prometheus_client chooses its multiprocess mode when
    it is imported: this process must not have imported it, and its workers import it after they fork."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError(
            "start_metrics() must run before prometheus_client is imported in the server process"
        )
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    os.environ[MULTIPROCESS_ENV] = str(path)


def clear_page_cache() -> None:
    """The workers' shared page cache (archive.SharedMemo) starts empty: its keys name the latest audit event,
    and a database restored or replaced under the same folder could repeat an id the kept pages were made
    under."""
    settings = config.ArchiveSettings.from_environment()
    if settings.page_cache_mb and settings.page_cache_path.is_dir():
        import diskcache

        with diskcache.Cache(str(settings.page_cache_path)) as cache:
            cache.clear()


def serve(
    host: str, port: int, workers: int = 2, metrics: Path | None = None, worker: WorkerSettings | None = None
) -> None:
    """Serve until stopped. `metrics`: the workers' metrics folder, emptied first (start_metrics). `worker`:
    start the background worker's supervisor (readingroom/supervisor.py) before the server opens its socket,
    and stop it, worker and all, when the server stops."""
    if metrics is not None:
        start_metrics(metrics)
    clear_page_cache()
    print(f"serving the archive at http://{host}:{port}/ (Ctrl-C stops)", flush=True)
    options = {"bind": f"{host}:{port}", "workers": workers, "timeout": 60, "preload_app": False}
    if config.get("READINGROOM_LOG_FORMAT").strip().lower() == "json":
        options["logger_class"] = JsonLogger
    keeper = supervisor.start(worker.home, stall_seconds=worker.stall_seconds) if worker else None
    try:
        _Server(options).run()
    finally:
        if keeper is not None:
            supervisor.stop(keeper)
