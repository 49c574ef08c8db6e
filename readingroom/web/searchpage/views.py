"""The search page: GET in (bookmarkable), HTML out. The work is in search/params.py, the backend and context.py."""

from __future__ import annotations

import logging

from django.shortcuts import render

from readingroom.search.histogram import histogram
from readingroom.search.params import request_from_params

from .context import search_context
from .maps import map_page_context, map_request, map_url

log = logging.getLogger(__name__)


def _unavailable(request):
    return render(
        request,
        "readingroom/error.html",
        {
            "status": 503,
            "title": "Search is unavailable",
            "detail": "The search engine did not answer. Please try again in a moment.",
        },
        status=503,
    )


def search(request):
    req = request_from_params(request.GET)
    backend = request.archive.search
    try:
        result = backend.search(req)
    except Exception:
        log.exception("search failed")
        return _unavailable(request)
    try:
        bars = histogram(backend, req, result)
    except Exception:  # the results matter more than their dates: the page goes without the histogram
        log.exception("date histogram failed")
        bars = None
    context = search_context(request.GET, req, result, bars)
    context["map_url"] = map_url(request.GET) if result.facets.get("place") else None
    return render(request, "readingroom/search.html", context)


def search_map(request):
    """The places of a search's results on a map (docs/maps.md)."""
    req = request_from_params(request.GET)
    try:
        result = request.archive.search.search(map_request(req))
    except Exception:
        log.exception("search failed")
        return _unavailable(request)
    return render(request, "readingroom/search_map.html", map_page_context(request.GET, req, result))
