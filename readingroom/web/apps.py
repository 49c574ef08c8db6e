from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from readingroom.archive import Archive


class WebConfig(AppConfig):
    """The web app serves one archive: the one installed here (a test installs its own), else one built from the
    environment when the first request comes."""

    name = "readingroom.web"
    label = "web"
    verbose_name = "Reading room"

    _archive: Archive | None = None
    _lock = threading.Lock()

    @property
    def archive(self) -> Archive:
        with self._lock:
            if self._archive is None:
                from readingroom.archive import Archive

                self._archive = Archive.from_environment()
            return self._archive

    def install(self, archive: Archive | None) -> Archive | None:
        """Serve `archive` from now on (None: build one from the environment when next needed). Returns the one
        served before, which the caller may close or install again."""
        with self._lock:
            previous, self._archive = self._archive, archive
            return previous
