"""Search backends by name. The archive object (readingroom/archive.py) creates the one its settings name and
owns it: there is no process-wide cache here."""

from __future__ import annotations

from importlib import import_module

from readingroom.config import ArchiveSettings

from .base import Hit, SearchBackend, SearchResult, SearchUnavailable

# name -> "module:class"; a backend module is imported only when it is used (the Typesense client is optional).
BACKEND_CLASSES = {
    "tantivy": "readingroom.search.backends.tantivy:TantivyBackend",
    "typesense": "readingroom.search.backends.typesense:TypesenseBackend",
}
BACKENDS = tuple(BACKEND_CLASSES)


def backend_class(name: str) -> type[SearchBackend]:
    try:
        target = BACKEND_CLASSES[name]
    except KeyError:
        raise ValueError(
            f"unknown search backend {name!r}: set READINGROOM_SEARCH_BACKEND to one of {', '.join(BACKENDS)}"
        ) from None
    module, cls = target.split(":")
    return getattr(import_module(module), cls)


def create(settings: ArchiveSettings, name: str | None = None) -> SearchBackend:
    """A new backend for these settings (the engine they name, or `name`)."""
    return backend_class(name or settings.search_backend).from_settings(settings)


__all__ = ["BACKENDS", "Hit", "SearchBackend", "SearchResult", "SearchUnavailable", "backend_class", "create"]
