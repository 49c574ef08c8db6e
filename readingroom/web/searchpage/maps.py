"""The map of a search's results (/search/map/?...): the places its place facet counts, over the same public
index and with the same parameters as the results page. web/maps.py draws it."""

from __future__ import annotations

from dataclasses import replace

from django.urls import reverse

from readingroom.search.backends.base import SearchResult
from readingroom.search.params import MAX_FACET_VALUES, SearchRequest
from readingroom.web import maps

from .context import _pairs, _url

FACET = "place"
PLACES = MAX_FACET_VALUES  # the places a map shows: every place of the results, up to this many (the most
# documents first); the sidebar shows a facet's top ten


def map_request(req: SearchRequest) -> SearchRequest:
    """The search counting only places, all of them: one hit, no snippets (the map needs the counts, not the
    results)."""
    return replace(req, facets=(FACET,), facet_sizes=((FACET, PLACES),), page=1, page_size=1, snippets=False)


def map_url(get) -> str:
    """The map of the search these GET parameters make (linked from the results page)."""
    return reverse("search-map") + _url(_pairs(get))


def map_page_context(get, req: SearchRequest, result: SearchResult) -> dict:
    pairs = _pairs(get)
    results = reverse("search")

    def narrowed(name: str) -> str:
        # the results of this search in that place (the place's facet link, never a link that removes it)
        return results + _url(pairs if (FACET, name) in pairs else pairs + [(FACET, name)])

    values = [(name, count, narrowed(name)) for name, count in result.facets.get(FACET, [])]
    drawn, places = maps.search_map(values)
    return {
        "result": result,
        "request": req,
        "q": get.get("q", ""),
        "map": drawn,
        "places": [
            {"place": p, "label": maps.describe(p), "located": p.location is not None} for p in places
        ],
        "results_url": results + _url(pairs),
        "searched": bool(get),
    }
