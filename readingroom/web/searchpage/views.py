"""The search page: GET in (bookmarkable), HTML out. The work is in search/params.py, the backend and context.py."""

from __future__ import annotations

import logging

from django.shortcuts import render

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
    return render(request, "readingroom/search.html", search_context(request.GET, req, result))
