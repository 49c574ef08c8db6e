"""/withheld/: which collections, years and kinds of document carry the most passages withheld at
declassification (docs/withheld.md). The counts are the search engine's (search/withheld.py): public records
only."""

from __future__ import annotations

import logging

from django.shortcuts import render

from readingroom.search.withheld import overview

from .errors import error_response

log = logging.getLogger(__name__)

HEADINGS = {  # facet -> (section heading, its table's first column)
    "withheld": ("Kinds of passage withheld", "Kind of passage"),
    "collection": ("Collections", "Collection"),
    "decade": ("Decades", "Decade"),
    "year": ("Years", "Year"),
    "type": ("Kinds of document", "Kind of document"),
}


def page(request):
    try:
        counts = overview(request.archive.search)
    except Exception:
        log.exception("withheld overview: search failed")
        return error_response(
            request,
            503,
            "Search is unavailable",
            "The search engine did not answer. Please try again in a moment.",
        )
    sections = [
        {
            "facet": facet,
            "heading": HEADINGS[facet][0],
            "column": HEADINGS[facet][1],
            # A bar's length in tenths of the section's largest count (classes w0 to w10 in withheld.css:
            # the Content-Security-Policy allows no inline styles).
            "counts": [(c, round(10 * c.count / values[0].count)) for c in values],
        }
        for facet, values in counts.by.items()
        if values
    ]
    return render(request, "readingroom/withheld.html", {"overview": counts, "sections": sections})
