"""The apparatus of a document in a published series (FRUS): where it sits (series › volume › chapter) and the
documents before and after it in its volume. Public records only (records/visibility.py)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, Subquery
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


def neighbours(record: Record, volume: Authority) -> tuple[Record | None, Record | None]:
    """The public documents just before and after `record` in `volume` (directly linked to it), in date order
    (a FRUS volume prints its documents by date; ties by id). One query each, over the link index
    (authority, role) and the volume's records."""
    in_volume = Record.objects.public().filter(links__authority=volume, links__role="collection")
    key, pk = record.date_earliest, record.pk
    before = (
        in_volume.filter(Q(date_earliest__lt=key) | Q(date_earliest=key, id__lt=pk))
        .order_by("-date_earliest", "-id")
        .values("pk")[:1]
    )
    after = (
        in_volume.filter(Q(date_earliest__gt=key) | Q(date_earliest=key, id__gt=pk))
        .order_by("date_earliest", "id")
        .values("pk")[:1]
    )
    found = [
        # The number alone is read from the one document found (as a subquery: the same single query), not
        # the whole document, nor the number of every document of the volume.
        Record.objects.filter(pk=Subquery(side))
        .annotate(number=KT("document__number"))
        .only("id", "title", "date_text", "date_edtf")
        .first()
        for side in (before, after)
    ]
    for neighbour in found:
        if neighbour is not None and neighbour.number == "null":  # SQLite's text for a JSON null
            neighbour.number = ""
    return found[0], found[1]


def apparatus(record: Record, collections: list[Authority]) -> Apparatus | None:
    """The record's place in its series and volume; None when it belongs to no collection."""
    trail = collection_trail(collections)
    if not trail:
        return None
    # The outermost collection the record is itself filed in: a FRUS document's volume.
    linked = {a.pk for a in collections}
    volume = next(a for a in trail if a.pk in linked)
    previous, following = neighbours(record, volume)
    return Apparatus(trail, volume, previous, following)
