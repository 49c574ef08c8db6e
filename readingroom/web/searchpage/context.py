"""What the search page shows, built from a SearchRequest and a SearchResult: facet links that add or remove
one value, sort links, pages, and the filters in force. Links keep every other parameter, so a search is a
bookmarkable URL and the page works without JavaScript."""

from __future__ import annotations

import math
from urllib.parse import urlencode

from readingroom.search import facets as facet_defs
from readingroom.search.backends.base import SearchResult
from readingroom.search.histogram import Histogram
from readingroom.search.params import MAX_RESULTS, SORTS, SearchRequest

SORT_LABELS = {"relevance": "Relevance", "date": "Oldest first", "-date": "Newest first", "title": "Title"}


def _url(pairs: list[tuple[str, str]]) -> str:
    pairs = [(k, v) for k, v in pairs if v != ""]
    return "?" + urlencode(pairs) if pairs else "?"


def _pairs(get) -> list[tuple[str, str]]:
    return [(k, v) for k in get for v in get.getlist(k) if k != "page"]


def _replace(pairs: list[tuple[str, str]], name: str, value: str | None) -> list[tuple[str, str]]:
    out = [(k, v) for k, v in pairs if k != name]
    return out + [(name, value)] if value else out


def _toggle(pairs: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    if (name, value) in pairs:
        return [p for p in pairs if p != (name, value)]
    return pairs + [(name, value)]


HISTOGRAM_HEIGHT = 60  # the bars' drawing height (SVG units); the tallest bar fills it
HISTOGRAM_COLUMN = 10  # one period's width (SVG units)
HISTOGRAM_PIXELS = 28  # one period's widest on screen: a few bars stay bars, not a block


def histogram_context(
    pairs: list[tuple[str, str]], req: SearchRequest, histogram: Histogram | None
) -> dict | None:
    """The date histogram as the template draws it: one column per period, a bar and a link for each period
    with results. A decade's link chooses that decade (and drops a chosen year); a year's chooses that year."""
    if histogram is None or not histogram.bars:
        return None
    peak = histogram.peak or 1
    noun = "year" if histogram.unit == "year" else "decade"
    columns = []
    for i, bar in enumerate(histogram.bars):
        height = max(2, round(bar.count / peak * (HISTOGRAM_HEIGHT - 4))) if bar.count else 0
        if bar.facet == "decade":
            narrowed = _replace(_replace(pairs, "year", None), "decade", bar.value)
        else:
            narrowed = _replace(pairs, "year", bar.value)
        columns.append(
            {
                "label": f"{bar.value}: {bar.count} document{'' if bar.count == 1 else 's'}",
                "count": bar.count,
                "x": i * HISTOGRAM_COLUMN,
                "bar_x": i * HISTOGRAM_COLUMN + 1,
                "y": HISTOGRAM_HEIGHT - height,
                "height": height,
                "selected": bar.value in req.selected(bar.facet),
                "url": _url(narrowed),
            }
        )
    return {
        "unit": noun,
        "first": histogram.bars[0].value,
        "last": histogram.bars[-1].value,
        "columns": columns,
        "width": len(columns) * HISTOGRAM_COLUMN,
        # on screen at most HISTOGRAM_PIXELS a column (the stylesheet narrows it to the sidebar's width)
        "display_width": len(columns) * HISTOGRAM_PIXELS,
        "height": HISTOGRAM_HEIGHT,
        "column_width": HISTOGRAM_COLUMN,
        "bar_width": HISTOGRAM_COLUMN - 2,
        "peak": histogram.peak,
    }


def search_context(get, req: SearchRequest, result: SearchResult, histogram: Histogram | None = None) -> dict:
    pairs = _pairs(get)
    facet_blocks = []
    decade_chosen = bool(req.selected("decade") or req.selected("year"))
    for f in facet_defs.FACETS:
        if f.name == "year" and not decade_chosen:
            continue  # decades first; years once a decade is chosen
        counts = dict(result.facets.get(f.name, []))
        selected = req.selected(f.name)
        values = [
            {
                "value": v,
                "label": facet_defs.value_label(f.name, v),
                "count": n,
                "selected": v in selected,
                "url": _url(_toggle(pairs, f.name, v)),
            }
            for v, n in result.facets.get(f.name, [])
        ]
        if f.name in ("decade", "year"):
            values.sort(key=lambda item: str(item["value"]))
        for v in selected:
            if v not in counts:
                values.insert(
                    0,
                    {
                        "value": v,
                        "label": facet_defs.value_label(f.name, v),
                        "count": 0,
                        "selected": True,
                        "url": _url(_toggle(pairs, f.name, v)),
                    },
                )
        if values:
            facet_blocks.append({"name": f.name, "label": f.label, "mode": f.mode, "values": values})
    active = [
        {
            "label": f"{facet_defs.BY_NAME[name].label}: {facet_defs.value_label(name, v)}",
            "url": _url(_toggle(pairs, name, v)),
        }
        for name, values in req.filters
        for v in values
    ]
    for name, label in (("from", "From"), ("to", "To")):
        if get.get(name):
            active.append({"label": f"{label}: {get.get(name)}", "url": _url(_replace(pairs, name, None))})
    reachable = min(result.total, MAX_RESULTS)
    pages = max(1, math.ceil(reachable / req.page_size))
    page_links = [
        {"number": n, "url": _url(pairs + [("page", str(n))]), "current": n == req.page}
        for n in range(max(1, req.page - 3), min(pages, req.page + 3) + 1)
    ]
    has_query = not req.query.is_empty
    # A page past the last (an old bookmark, a hand-made URL) says so and links to the last one, rather than
    # counting "9981–9980 of 8".
    past_end = bool(result.total) and not result.hits and req.page > pages
    return {
        "result": result,
        "request": req,
        "q": get.get("q", ""),
        "date_from": get.get("from", ""),
        "date_to": get.get("to", ""),
        "undated": req.undated,
        "sort": req.sort,
        # Only a sort the reader chose goes on with the next query: the empty page's default (oldest first)
        # would otherwise sort a new query by date instead of relevance.
        "chosen_sort": req.sort if get.get("sort") == req.sort else None,
        "past_end": past_end,
        "last_page_url": _url(pairs + [("page", str(pages))]),
        "sorts": [
            {
                "value": s,
                "label": SORT_LABELS[s],
                "current": s == req.sort,
                "url": _url(_replace(pairs, "sort", s)),
            }
            for s in SORTS
            if has_query or s != "relevance"
        ],
        "facets": facet_blocks,
        "histogram": histogram_context(pairs, req, histogram),
        "active": active,
        "clear_url": _url([("q", get.get("q", ""))]),
        "first_number": req.offset + 1,
        "last_number": req.offset + len(result.hits),
        "page": req.page,
        "pages": pages,
        "page_links": page_links,
        "prev_url": _url(pairs + [("page", str(req.page - 1))]) if req.page > 1 else None,
        "next_url": _url(pairs + [("page", str(req.page + 1))]) if req.page < pages else None,
        "capped": result.total > MAX_RESULTS,
        "max_results": MAX_RESULTS,
        "searched": bool(get),
    }
