"""The apparatus of a document in a published series (FRUS): where it sits (series › volume › chapter) and the
documents before and after it in its volume. Public records only (records/visibility.py)."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models.fields.json import KT

from .models import Authority, Record

_MAX_DEPTH = 20  # a cycle left by a bad authority file must not loop


@dataclass(frozen=True)
class Apparatus:
    trail: list[Authority]  # outermost first: series or volume, then compilations and chapters
    volume: Authority | None
    previous: Record | None
    next: Record | None


def collection_trail(collections: list[Authority]) -> list[Authority]:
    """The deepest of a record's collections with the collections above it, outermost first. Parents the record
    does not list itself are read (one query a level; FRUS records list every level, so none is read)."""
    if not collections:
        return []
    by_pk = {a.pk: a for a in collections}

    def chain(a: Authority) -> list[Authority]:
        out, seen = [a], {a.pk}
        while out[-1].parent_id and out[-1].parent_id not in seen and len(out) < _MAX_DEPTH:
            parent = by_pk.get(out[-1].parent_id)
            if parent is None:
                parent = Authority.objects.filter(pk=out[-1].parent_id).first()
                if parent is None:
                    break
                by_pk[parent.pk] = parent
            seen.add(parent.pk)
            out.append(parent)
        return out[::-1]

    return max((chain(a) for a in collections), key=len)


def volume_order(volume: Authority) -> tuple[str, ...]:
    """The public documents directly in `volume`, in the volume's order (date, then id), each as
    "date_earliest NUL id": one query over the link index (authority, role), sorted here so that the order is the
    same on every database (PostgreSQL sorts text by its collation, SQLite by code point). Callers keep it per
    change of the store (web/pagecache.kept): a volume of 80,000 records takes half a second to read."""
    rows = (
        Record.objects.public()
        .filter(links__authority=volume, links__role="collection")
        .values_list("date_earliest", "id")
    )
    return tuple(sorted(f"{date}\0{pk}" for date, pk in rows))


def neighbours(
    record: Record, volume: Authority, order: Sequence[str] | None = None
) -> tuple[Record | None, Record | None]:
    """The public documents just before and after `record` in `volume` (directly linked to it), in date order
    (a FRUS volume prints its documents by date; ties by id): found in `order` (volume_order's, read now when not
    given), then read in one query. A record outside the order (an editor's preview of a draft) sits where its
    date puts it."""
    if order is None:
        order = volume_order(volume)
    me = f"{record.date_earliest}\0{record.pk}"
    at = bisect.bisect_left(order, me)
    before = order[at - 1].split("\0", 1)[1] if at > 0 else None
    after_at = at + 1 if at < len(order) and order[at] == me else at
    after = order[after_at].split("\0", 1)[1] if after_at < len(order) else None
    wanted = [pk for pk in (before, after) if pk is not None]
    # The number alone is read from the document, not the whole document.
    found = (
        {
            r.pk: r
            for r in Record.objects.filter(pk__in=wanted)
            .annotate(number=KT("document__number"))
            .only("id", "title", "date_text", "date_edtf")
        }
        if wanted
        else {}
    )
    for neighbour in found.values():
        if neighbour.number in (None, "null"):  # SQLite's text for a JSON null
            neighbour.number = ""
    return found.get(before) if before else None, found.get(after) if after else None


def apparatus(
    record: Record,
    collections: list[Authority],
    order_of: Callable[[Authority], Sequence[str]] = volume_order,
) -> Apparatus | None:
    """The record's place in its series and volume; None when it belongs to no collection. `order_of(volume)`:
    volume_order's, or a kept copy of it."""
    trail = collection_trail(collections)
    if not trail:
        return None
    # The outermost collection the record is itself filed in: a FRUS document's volume.
    linked = {a.pk for a in collections}
    volume = next(a for a in trail if a.pk in linked)
    previous, following = neighbours(record, volume, order_of(volume))
    return Apparatus(trail, volume, previous, following)
