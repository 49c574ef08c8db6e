"""Search backends by name. READINGROOM_SEARCH_BACKEND picks the one the archive uses."""

from __future__ import annotations

import threading

from readingroom import config

from .base import Hit, SearchBackend, SearchResult

BACKENDS = ("tantivy", "typesense")
_cache: dict[tuple, SearchBackend] = {}
_lock = threading.Lock()


def create(name: str, **options) -> SearchBackend:
    """A new backend object. tantivy: path=; typesense: url=, api_key=, collection=."""
    if name == "tantivy":
        from .tantivy import TantivyBackend

        return TantivyBackend(options.get("path") or config.home() / "index")
    if name == "typesense":
        from .typesense import TypesenseBackend

        return TypesenseBackend(url=options.get("url") or config.get("READINGROOM_TYPESENSE_URL"),
                                api_key=options.get("api_key") or config.get("READINGROOM_TYPESENSE_API_KEY"),
                                collection=options.get("collection") or config.get("READINGROOM_TYPESENSE_COLLECTION"))
    raise ValueError(f"unknown search backend {name!r}: set READINGROOM_SEARCH_BACKEND to one of {', '.join(BACKENDS)}")


def get_backend(name: str | None = None) -> SearchBackend:
    """The process-wide backend of the archive (one open index, shared by the requests of a worker)."""
    name = name or config.get("READINGROOM_SEARCH_BACKEND")
    key = (name, str(config.home()), config.get("READINGROOM_TYPESENSE_URL"),
           config.get("READINGROOM_TYPESENSE_COLLECTION"))
    with _lock:
        backend = _cache.get(key)
        if backend is None:
            backend = _cache[key] = create(name)
        return backend


def reset() -> None:
    """Forget the open backends (tests switch archive homes and backends)."""
    with _lock:
        for backend in _cache.values():
            backend.close()
        _cache.clear()


__all__ = ["BACKENDS", "Hit", "SearchBackend", "SearchResult", "create", "get_backend", "reset"]
