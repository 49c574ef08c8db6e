from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from readingroom.archive import Archive
    from readingroom.metrics import Metrics


class WebConfig(AppConfig):
    """The web app serves one archive: the one installed here (a test installs its own), else one built from the
    environment when the first request comes."""

    name = "readingroom.web"
    label = "web"
    verbose_name = "Reading room"

    _archive: Archive | None = None
    _metrics: Metrics | None = None
    _lock = threading.Lock()

    @property
    def archive(self) -> Archive:
        with self._lock:
            if self._archive is None:
                from readingroom.archive import Archive

                self._archive = self._watched(Archive.from_environment())
            return self._archive

    @property
    def metrics(self) -> Metrics:
        """This process's metrics (readingroom/metrics.py), made when first needed: prometheus_client is imported
        then, in a server worker, after `serve` chose the multiprocess folder."""
        with self._lock:
            if self._metrics is None:
                from readingroom.metrics import Metrics

                self._metrics = Metrics()
            return self._metrics

    def _watched(self, archive: Archive) -> Archive:
        """The archive, its searches timed by the metrics."""
        observe = self.metrics_observe_search
        if observe not in archive.search_observers:
            archive.search_observers.append(observe)
        return archive

    def metrics_observe_search(self, engine: str, seconds: float) -> None:
        self.metrics.observe_search(engine, seconds)

    def install(self, archive: Archive | None) -> Archive | None:
        """Serve `archive` from now on (None: build one from the environment when next needed). Returns the one
        served before, which the caller may close or install again."""
        if archive is not None:
            self._watched(archive)
        with self._lock:
            previous, self._archive = self._archive, archive
            return previous
