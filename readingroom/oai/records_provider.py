"""The provider over Readingroom's records: records/harvest.py's queries, in the protocol's terms.

Items are the records visibility.py lets OAI-PMH show (`public_or_withdrawn_q`): public records, and withdrawn
ones as deleted; and records that were public once and were deleted or merged away (DeletedRecord), as deleted. Datestamps are the records' `updated` times; sets are collections (setspecs.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from readingroom.records import harvest, visibility
from readingroom.records.store import format_ts
from readingroom.records.vocabulary import WITHDRAWN

from . import setspecs
from .provider import CollectionRef, Item, Provider, Selection, SetInfo
from .tokens import Position


class RecordsProvider(Provider):
    """One per request: it keeps the collection tree it read for the request's pages."""

    def __init__(self, kept: Callable[[tuple, Callable[[], Any]], Any] | None = None) -> None:
        """`kept(name, compute)`: where the web keeps archive-wide values per change of the store and per day
        (web/pagecache.py): the collection tree costs a recursive query over every link (most of a page's time
        at 100,000 records)."""
        self._tree: dict[int, tuple[str, str, int | None]] | None = None
        self._kept = kept

    # -- sets ---------------------------------------------------------------------------------------------------
    def has_sets(self) -> bool:
        return harvest.collections_exist()

    def sets(self, after: str | None, limit: int) -> list[SetInfo]:
        rows = harvest.collections(after_key=after, limit=limit)
        tree = self.tree()
        out = []
        for row in rows:
            parent = tree.get(row.parent_id) if row.parent_id else None
            description = row.data.get("description") if isinstance(row.data, dict) else None
            out.append(
                SetInfo(
                    spec=setspecs.from_key(row.key),
                    name=row.name,
                    key=row.key,
                    description=description if isinstance(description, str) else None,
                    parent=CollectionRef(parent[0], parent[1], setspecs.from_key(parent[0]))
                    if parent
                    else None,
                )
            )
        return out

    def tree(self) -> dict[int, tuple[str, str, int | None]]:
        if self._tree is None:
            if self._kept is None:
                self._tree = harvest.collection_tree()
            else:
                self._tree = self._kept(("oai-collection-tree",), harvest.collection_tree)
        return self._tree

    def _set_pks(self, spec: str) -> list[int] | None:
        key = setspecs.to_key(spec)
        # The tree holds every public collection: a set is one of them (harvest.collection's answer, kept).
        found = next((pk for pk, (k, _name, _parent) in self.tree().items() if k == key), None)
        return harvest.collection_and_below(found) if found is not None else None

    # -- items --------------------------------------------------------------------------------------------------
    def earliest_datestamp(self) -> dt.datetime | None:
        return harvest.earliest_updated()

    def items(
        self, selection: Selection, after: Position | None, limit: int, *, metadata: bool
    ) -> list[Item]:
        collections = None
        if selection.set_spec is not None:
            collections = self._set_pks(selection.set_spec)
            if collections is None:
                return []
        cursor = (after.datestamp, after.record_id) if after else None
        records = harvest.page(
            limit,
            after=cursor,
            since=selection.since,
            before=selection.before,
            collections=collections,
            with_documents=metadata,
        )
        gone = harvest.deleted_page(
            limit, after=cursor, since=selection.since, before=selection.before, collections=collections
        )
        items = self._items(records, metadata=metadata) + [self._gone(row) for row in gone]
        # Two ordered lists, one page: the first `limit` of both in (datestamp, id) order.
        return sorted(items, key=lambda item: (item.datestamp, item.record_id))[:limit]

    def item(self, record_id: str) -> Item | None:
        record = harvest.record(record_id)
        if record is not None:
            return self._items([record], metadata=True)[0]
        row = harvest.deleted_record(record_id)
        return self._gone(row) if row is not None else None

    def _gone(self, row) -> Item:
        """A deleted header for a record that was public once and is gone, in the sets that are still sets."""
        public = {key for key, _name, _parent in self.tree().values()}
        keys = [key for key in row.collections.split("|") if key and key in public]
        return Item(row.record_id, row.deleted, True, tuple(setspecs.from_key(k) for k in keys), None, ())

    def _items(self, records, *, metadata: bool) -> list[Item]:
        links = harvest.collection_links(r.id for r in records) if records else {}
        tree = self.tree() if links else {}
        # Relations to records the public may not see are left out of the metadata (records/visibility.py).
        targets = (
            visibility.public_targets(i for r in records for i in visibility.referenced_ids(r.document or {}))
            if metadata
            else {}
        )
        items = []
        for record in records:
            deleted = record.status == WITHDRAWN
            chains = self._chains(links.get(record.id, []), tree)
            specs = tuple(dict.fromkeys(ref.spec for chain in chains for ref in chain))
            document = None
            if metadata and not deleted:
                document = {
                    **visibility.public_document(record.document, targets),
                    "created": format_ts(record.created),
                    "updated": format_ts(record.updated),
                }
            items.append(Item(record.id, record.updated, deleted, specs, document, chains))
        return items

    @staticmethod
    def _chains(pks: list[int], tree) -> tuple[tuple[CollectionRef, ...], ...]:
        def ancestors(pk: int) -> list[int]:
            path, seen = [], set()
            while pk in tree and pk not in seen:
                seen.add(pk)
                path.append(pk)
                pk = tree[pk][2]
            return path

        paths = [ancestors(pk) for pk in pks if pk in tree]
        above = {pk for path in paths for pk in path[1:]}
        return tuple(
            tuple(CollectionRef(tree[pk][0], tree[pk][1], setspecs.from_key(tree[pk][0])) for pk in path)
            for path in paths
            if path[0] not in above
        )
