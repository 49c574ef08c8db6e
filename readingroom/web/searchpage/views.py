"""The search page: GET in (bookmarkable), HTML out. The work is in search/params.py, the backend and context.py."""

from __future__ import annotations

import logging

from django.shortcuts import render

from readingroom.search.histogram import histogram
from readingroom.search.params import request_from_params

from .context import search_context

log = logging.getLogger(__name__)


def search(request):
    req = request_from_params(request.GET)
    backend = request.archive.search
    try:
        result = backend.search(req)
    except Exception:
        log.exception("search failed")
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
    try:
        bars = histogram(backend, req, result)
    except Exception:  # the results matter more than their dates: the page goes without the histogram
        log.exception("date histogram failed")
        bars = None
    return render(request, "readingroom/search.html", search_context(request.GET, req, result, bars))
