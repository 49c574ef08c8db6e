"""What the protocol needs of an archive: the provider interface, storage-neutral.

The builders (responses.py) speak only to a `Provider`; they never query a database. `RecordsProvider`
(records_provider.py) is the one over Readingroom's records; a test or another store can supply its own. Items
are in datestamp order with their record id as the tie-break, and a page is "the items after a Position": that is
all a resumption token needs (tokens.py).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Protocol

from .tokens import Position


@dataclass(frozen=True)
class CollectionRef:
    key: str
    name: str
    spec: str


@dataclass(frozen=True)
class SetInfo:
    spec: str
    name: str
    key: str  # the provider's position of the set in ListSets order
    description: str | None = None
    parent: CollectionRef | None = None


@dataclass(frozen=True)
class Item:
    """One record as the protocol sees it: a header, and for a record that is not deleted (and when asked for)
    its canonical document (records/schema.py) with the store's timestamps."""

    record_id: str
    datestamp: dt.datetime  # full precision: the cursor needs it; responses show it to the second
    deleted: bool
    set_specs: tuple[str, ...] = ()
    document: dict | None = None
    # The record's collections, each as the chain from the collection it is linked to up to the top one; a
    # collection that is an ancestor of another of the record's collections has no chain of its own.
    collections: tuple[tuple[CollectionRef, ...], ...] = field(default=())

    @property
    def position(self) -> Position:
        return Position(self.datestamp, self.record_id)


@dataclass(frozen=True)
class Selection:
    """What a ListIdentifiers or ListRecords request selects: datestamps in [since, before), and a set."""

    since: dt.datetime | None = None
    before: dt.datetime | None = None
    set_spec: str | None = None


class Provider(ABC):
    @abstractmethod
    def earliest_datestamp(self) -> dt.datetime | None:
        """The datestamp of the oldest item (None when there is none)."""

    @abstractmethod
    def has_sets(self) -> bool:
        """Whether the repository has a set hierarchy at all (noSetHierarchy when not)."""

    @abstractmethod
    def sets(self, after: str | None, limit: int) -> list[SetInfo]:
        """Sets in a stable order, after the one whose `key` is `after`."""

    @abstractmethod
    def items(
        self, selection: Selection, after: Position | None, limit: int, *, metadata: bool
    ) -> list[Item]:
        """Up to `limit` items of the selection after `after`, in (datestamp, record id) order; with their
        documents when `metadata` (deleted items never have one). An unknown set selects nothing."""

    @abstractmethod
    def item(self, record_id: str) -> Item | None:
        """One item with its document (None if the repository has no such item, not even deleted)."""


class Links(Protocol):
    """Absolute URLs, from the web layer (web/links.py): the repository's base URL, record URLs (which are the
    items' OAI identifiers) and authority pages."""

    endpoint: str

    def record(self, record_id: str) -> str: ...

    def record_id(self, identifier: str) -> str | None: ...

    def authority(self, kind: str, key: str) -> str: ...
