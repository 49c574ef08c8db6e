"""Which records an export writes: the whole archive (or its public part), or the records a search found.

    Selection.everything(public=True)                       every public record, in id order
    Selection.of_search(archive.search, request, limit=...)  the records a search finds, in its order

Records are read in chunks, so an export holds a chunk at a time whatever the archive's size. A search's ids
come from the search engine (which holds public records only), and every chunk of them is read back through
`Record.objects.public()`, so a record withdrawn since it was indexed is left out all the same.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from readingroom.records.models import Record
from readingroom.records.visibility import public_document, public_targets, referenced_ids

CHUNK = 500  # records read at a time
SEARCH_PAGE = 250  # hits asked of the search engine at a time (Typesense answers at most 250)


@dataclass(frozen=True)
class Selection:
    public: bool
    ids: Sequence[str] | None = None  # None: every record (every public one when `public`)
    found: int | None = None  # how many records the search found, when it found more than `ids`

    @classmethod
    def everything(cls, *, public: bool) -> Selection:
        return cls(public=public)

    @classmethod
    def of_search(cls, backend: Any, request: Any, *, limit: int) -> Selection:
        """The public records a search finds, at most `limit` of them (the deepest a search can page), in the
        search's order. `backend` is a search backend and `request` a SearchRequest (readingroom/search/): taken
        as they come, so that exports stay below search (tests/test_layers.py). A request that narrows nothing
        (no query, dates or filters) selects every public record, without a limit."""
        if narrows_nothing(request):
            return cls.everything(public=True)
        ids: list[str] = []
        found = 0
        page = 1
        while len(ids) < limit:
            result = backend.search(
                dataclasses.replace(request, page=page, page_size=SEARCH_PAGE, facets=(), notes=())
            )
            found = result.total
            ids.extend(hit.id for hit in result.hits)
            if len(result.hits) < SEARCH_PAGE or len(ids) >= found:
                break
            page += 1
        ids = list(dict.fromkeys(ids))[:limit]  # an index changing while it is paged may repeat a hit
        return cls(public=True, ids=ids, found=found if found > len(ids) else None)

    @property
    def truncated(self) -> bool:
        return self.found is not None

    def queryset(self):
        return Record.objects.public() if self.public else Record.objects.all()

    def count(self) -> int:
        return len(self.ids) if self.ids is not None else self.queryset().count()

    def values(self, field: str) -> Iterator[Any]:
        """One field of every selected record ("document__extra": a key of the document), read in chunks."""
        if self.ids is None:
            yield from self.queryset().values_list(field, flat=True).iterator(chunk_size=CHUNK)
            return
        for start in range(0, len(self.ids), CHUNK):
            yield from (
                self.queryset().filter(pk__in=self.ids[start : start + CHUNK]).values_list(field, flat=True)
            )

    def records(self) -> Iterator[Record]:
        """The selected records, a chunk at a time. A public selection's documents are as the public may have
        them (records.visibility.public_document): no relation to a record that is not public."""
        for chunk in self._chunks():
            if self.public:
                targets = public_targets(i for r in chunk for i in referenced_ids(r.document))
                for r in chunk:
                    r.document = public_document(r.document, targets)
            yield from chunk

    def _chunks(self) -> Iterator[list[Record]]:
        if self.ids is None:
            chunk: list[Record] = []
            for record in self.queryset().order_by("id").iterator(chunk_size=CHUNK):
                chunk.append(record)
                if len(chunk) >= CHUNK:
                    yield chunk
                    chunk = []
            if chunk:
                yield chunk
            return
        for start in range(0, len(self.ids), CHUNK):
            ids = self.ids[start : start + CHUNK]
            by_id = {r.pk: r for r in self.queryset().filter(pk__in=ids)}
            yield [by_id[i] for i in ids if i in by_id]


def narrows_nothing(request: Any) -> bool:
    """Whether a SearchRequest matches every public record."""
    return (
        request.query.is_empty
        and not request.filters
        and request.date_from is None
        and request.date_to is None
        and request.undated == "include"
    )
