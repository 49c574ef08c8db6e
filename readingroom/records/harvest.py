"""Read-only queries for harvesting (OAI-PMH, readingroom/oai): records in (updated, id) order from a cursor, and
the collections they belong to.

Which records take part is decided in visibility.py (`public_or_withdrawn_q`): public records, and withdrawn
ones that were public once. Pages are keyset pages: "the records after (updated, id)", a range scan of the
(updated, id) index, so the 10,000th page costs what the first costs. Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection
from django.db.models import BooleanField, Exists, Expression, F, OuterRef, Q, QuerySet

from .models import Authority, DeletedRecord, Record, RecordLink
from .store import descendant_ids
from .visibility import public_authorities_q, public_or_withdrawn_q

HEADER_FIELDS = ("id", "updated", "status")
UPDATED_ID_INDEX = "record_updated_id"  # models.Record.Meta.indexes
COLLECTION_ROLE = "collection"  # the role store.py gives the links of a record's `collections`


class After(Expression):
    """`(updated, id) > (%s, %s)`: a row-value comparison, which SQLite (3.15+) and PostgreSQL both answer with a
    range scan of the (updated, id) index. (Django's tuple lookups write `updated > x OR (updated = x AND
    id > y)` on SQLite, which the index cannot seek: every page would scan from the start of the list.)"""

    conditional = True
    output_field = BooleanField()

    def __init__(self, updated: dt.datetime, record_id: str):
        super().__init__()
        self.updated, self.record_id = updated, record_id
        self.columns: list = []

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        resolved = self.copy()
        resolved.columns = [
            F(name).resolve_expression(query, allow_joins, reuse, summarize) for name in ("updated", "id")
        ]
        return resolved

    def as_sql(self, compiler, connection):
        updated, id_ = (compiler.compile(column)[0] for column in self.columns)
        return (
            f"({updated}, {id_}) > (%s, %s)",
            [connection.ops.adapt_datetimefield_value(self.updated), self.record_id],
        )


def candidates() -> QuerySet:
    """Every record a harvester may hear of: public ones, and withdrawn ones (as deleted)."""
    return Record.objects.filter(public_or_withdrawn_q())


def page_query(
    *,
    after: tuple[dt.datetime, str] | None = None,
    since: dt.datetime | None = None,
    before: dt.datetime | None = None,
    collections: list[int] | None = None,
    with_documents: bool = False,
) -> QuerySet:
    """The harvestable records after the cursor `after` (updated, id), in (updated, id) order: updated at or
    after `since`, before `before` (exclusive), linked to one of the `collections` (authority pks) when given.
    Slice it for a page."""
    qs = candidates()
    if since is not None:
        qs = qs.filter(updated__gte=since)
    if before is not None:
        qs = qs.filter(updated__lt=before)
    if collections is not None:
        # EXISTS, probed for each record the index scan reaches: `pk IN (subquery)` would gather every record
        # of the set for each page.
        qs = qs.filter(
            Exists(
                RecordLink.objects.filter(
                    record_id=OuterRef("pk"), role=COLLECTION_ROLE, authority_id__in=collections
                )
            )
        )
    if after is not None:
        qs = qs.filter(After(*after))
    fields = HEADER_FIELDS + (("document", "created") if with_documents else ())
    return qs.order_by("updated", "id").only(*fields)


def page(limit: int, **query) -> list[Record]:
    """The first `limit` records of page_query(**query)."""
    return run(page_query(**query)[:limit])


def run(qs: QuerySet) -> list[Record]:
    """Run a slice of page_query() in (updated, id) index order. SQLite's planner would rather take the status
    index for the visibility condition and then sort every matching record for each page: told to use the
    (updated, id) index, it reads the page's rows and stops."""
    if connection.vendor != "sqlite":
        return list(qs)
    sql, params = qs.query.sql_with_params()
    table = connection.ops.quote_name(Record._meta.db_table)
    head = f"FROM {table} WHERE "
    if head not in sql:  # not a query of this module's shape: run it as Django writes it
        return list(qs)
    return list(
        Record.objects.raw(sql.replace(head, f"FROM {table} INDEXED BY {UPDATED_ID_INDEX} WHERE ", 1), params)
    )


def deleted_page(
    limit: int,
    *,
    after: tuple[dt.datetime, str] | None = None,
    since: dt.datetime | None = None,
    before: dt.datetime | None = None,
    collections: list[int] | None = None,
) -> list[DeletedRecord]:
    """Records that were public once and are gone (deleted or merged away), in (deleted, id) order after the
    cursor, as page_query() selects records: their datestamp is when they went."""
    qs = DeletedRecord.objects.all()
    if since is not None:
        qs = qs.filter(deleted__gte=since)
    if before is not None:
        qs = qs.filter(deleted__lt=before)
    if collections is not None:
        keys = list(Authority.objects.filter(pk__in=collections).values_list("key", flat=True))
        if not keys:
            return []
        anywhere = Q()
        for key in keys:
            anywhere |= Q(collections__contains=f"|{key}|")
        qs = qs.filter(anywhere)
    if after is not None:
        qs = qs.filter(Q(deleted__gt=after[0]) | Q(deleted=after[0], record_id__gt=after[1]))
    return list(qs.order_by("deleted", "record_id")[:limit])


def deleted_record(record_id: str) -> DeletedRecord | None:
    return DeletedRecord.objects.filter(pk=record_id).first()


def record(record_id: str) -> Record | None:
    """One harvestable record (public or withdrawn), with its document."""
    return candidates().filter(pk=record_id).only(*HEADER_FIELDS, "document", "created").first()


def earliest_updated() -> dt.datetime | None:
    """The datestamp of the first harvestable record (the first of the (updated, id) order, not a MIN() over
    every record)."""
    first = page(1)
    gone = deleted_page(1)
    stamps = [first[0].updated] if first else []
    stamps += [gone[0].deleted] if gone else []
    return min(stamps, default=None)


# -- collections ----------------------------------------------------------------------------------------------


def public_collections() -> QuerySet:
    """The collections the public may see (visibility.public_authorities_q): the only ones that are sets, and
    the only ones a record's header names, so a collection that only a withdrawn record carried is not heard of.
    A public collection's ancestors are public too, so the chains above a record are whole."""
    return Authority.objects.filter(public_authorities_q(kind="collection"), kind="collection")


def collections_exist() -> bool:
    return public_collections().exists()


def collections(*, after_key: str | None = None, limit: int | None = None) -> list[Authority]:
    """Public collections in key order, after `after_key`."""
    qs = public_collections().order_by("key").only("pk", "key", "name", "parent_id", "data")
    if after_key is not None:
        qs = qs.filter(key__gt=after_key)
    return list(qs[:limit] if limit is not None else qs)


def collection(key: str) -> Authority | None:
    return public_collections().filter(key=key).first()


def collection_tree() -> dict[int, tuple[str, str, int | None]]:
    """Every public collection: pk -> (key, name, parent pk)."""
    return {
        pk: (key, name, parent)
        for pk, key, name, parent in public_collections().values_list("pk", "key", "name", "parent_id")
    }


def collection_and_below(pk: int) -> list[int]:
    """A collection's pk and the pks of every collection below it."""
    return descendant_ids([pk])


def collection_links(record_ids: Iterable[str]) -> dict[str, list[int]]:
    """record id -> pks of the collections it is linked to, in document order."""
    links: dict[str, list[int]] = {}
    for record_id, authority_id in (
        RecordLink.objects.filter(record_id__in=list(record_ids), role=COLLECTION_ROLE)
        .order_by("record_id", "position")
        .values_list("record_id", "authority_id")
    ):
        links.setdefault(record_id, []).append(authority_id)
    return links
