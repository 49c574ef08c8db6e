"""The search backend interface. Both engines implement it; the page, the indexer and the CLI use only this.

A backend stores index documents (search/documents.py), answers a SearchRequest (search/params.py) with a
SearchResult, and can list its ids so that `readingroom check` can compare them with the store.
Writes are `index()` and `delete()` followed by `commit()`, which makes them durable and visible to readers
(within a second, in every process).
"""

from __future__ import annotations

import contextlib
import functools
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from readingroom.config import ArchiveSettings

from ..params import SearchRequest


@dataclass
class Hit:
    id: str
    title: str
    date_text: str
    type: str
    collection: str
    snippet_html: str  # escaped text with <mark> around the matched words; safe to render as is ("" when the
    # request asked for no snippets)
    summary: str = ""


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    understood: str = ""
    notes: tuple[str, ...] = ()
    engine_ms: float = 0.0


class SearchUnavailable(RuntimeError):
    """The search engine did not take a write in the time it was given (a lost server, a cluster without a
    leader). Nothing is lost by it: the records are in the store and their outbox rows stay until the index has
    them, so the worker (or the next write, or `readingroom reindex`) brings the index up to date."""


SearchObserver = Callable[[str, float], None]
"""Told (engine name, seconds) after each search a backend answers (the web's metrics time searches so)."""


def _observed(search: Callable[..., SearchResult]) -> Callable[..., SearchResult]:
    @functools.wraps(search)
    def timed(self: SearchBackend, request: SearchRequest) -> SearchResult:
        if not self.search_observers:
            return search(self, request)
        started = time.perf_counter()
        result = search(self, request)
        seconds = time.perf_counter() - started
        for observe in self.search_observers:
            observe(self.name, seconds)
        return result

    timed.observed = True  # type: ignore[attr-defined]
    return timed


class SearchBackend(ABC):
    name: str = ""
    # Whoever wants to time searches (the archive hands its list to the backend it opens); see _observed.
    search_observers: Sequence[SearchObserver] = ()
    # True when writes stay invisible until commit() and close() can drop them (tantivy): an import can then
    # index its records before its database transaction commits, and roll both back together. False when
    # index() is visible at once (Typesense): records are indexed only after the database commit.
    transactional: bool = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Every engine's search() is timed for the observers, without each engine having to remember to.
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("search")
        if own is not None and not getattr(own, "observed", False):
            cls.search = _observed(own)  # type: ignore[method-assign]

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: ArchiveSettings) -> SearchBackend:
        """The backend an archive with these settings uses."""

    @classmethod
    def outdated(cls, settings: ArchiveSettings) -> bool:
        """Whether the archive's index was built by an earlier version with another schema (it cannot be opened
        then: discard() and a rebuild make it anew)."""
        return False

    @classmethod
    def discard(cls, settings: ArchiveSettings) -> None:  # noqa: B027 - nothing to remove for most engines
        """Remove an outdated index so that a new one can be built in its place."""
        return None

    @contextlib.contextmanager
    def patient(self) -> Iterator[None]:
        """Writes inside wait for an engine that cannot take them now (a cluster electing a leader) rather than
        raise SearchUnavailable at once: for commands and the worker, never for a reader's request. An engine
        that is a folder (tantivy) has nothing to wait for."""
        yield

    def begin_rebuild(self) -> None:  # noqa: B027 - most engines replace documents one by one
        """A rebuild starts: every document will be indexed again, then finish_rebuild() is called. An engine
        whose commit is atomic removes everything here, in the same commit as the new documents."""

    def finish_rebuild(self, kept: set[str]) -> None:
        """A rebuild indexed the documents `kept`; anything else in the index goes (before the commit)."""
        stale = self.ids() - kept
        if stale:
            self.delete(sorted(stale))

    @abstractmethod
    def index(self, docs: Iterable[dict[str, Any]]) -> int:
        """Add or replace documents (by id). Returns how many were written. Visible after commit()."""

    @abstractmethod
    def delete(self, ids: Iterable[str]) -> None:
        """Remove documents by id; ids not in the index are ignored."""

    @abstractmethod
    def commit(self) -> None:
        """Make the writes so far durable and visible to every reader."""

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResult: ...

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def ids(self) -> set[str]:
        """Every id in the index (for drift checks)."""

    @abstractmethod
    def contains(self, ids: Iterable[str]) -> set[str]:
        """Which of these ids are in the index."""

    @abstractmethod
    def clear(self) -> None:
        """Remove every document (committed)."""

    def close(self) -> None:  # noqa: B027 - most backends hold nothing to release
        """Release writers, locks and connections; uncommitted writes of a transactional backend are dropped."""
