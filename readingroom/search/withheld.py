"""Where the withheld passages are: the counts behind the /withheld/ page, from the search engine's facets.

The index holds public records only (the indexer decides that through records.visibility), so a draft, an
embargoed or a withdrawn record never counts here. One search asks for the records with a withheld passage
(`withheld=any`) and counts them by kind of passage, collection, decade, year and type of document.
"""

from __future__ import annotations

from dataclasses import dataclass

from readingroom.records.vocabulary import WITHHELD_ANY

from .backends.base import SearchBackend
from .facets import value_label
from .params import SearchRequest

# What the page counts by, in the order it shows them.
FACETS = ("withheld", "collection", "decade", "year", "type")


@dataclass(frozen=True)
class Count:
    facet: str  # the search facet, so that a count links to the search it stands for
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class Overview:
    records: int  # public records with at least one withheld passage
    searched: int  # public records in the index
    by: dict[str, list[Count]]  # facet -> its values, most records first (the kinds: without "any")


def overview(backend: SearchBackend) -> Overview:
    """The counts of the /withheld/ page (two searches: every public record, and those with a withheld
    passage)."""
    everything = backend.search(SearchRequest(page_size=1, facets=(), snippets=False))
    req = SearchRequest(filters=(("withheld", (WITHHELD_ANY,)),), page_size=1, facets=FACETS, snippets=False)
    result = backend.search(req)
    by = {
        facet: [
            Count(facet, value, value_label(facet, value), n)
            for value, n in result.facets.get(facet, [])
            if n and value != WITHHELD_ANY
        ]
        for facet in FACETS
    }
    return Overview(records=result.total, searched=everything.total, by=by)
