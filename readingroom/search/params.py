"""From the search page's GET parameters to a SearchRequest: a pipeline of small interpreters, one per concern
(query, dates, undated, facet selections, sort, page). Each reads the parameters and never raises: a value it
cannot use becomes a note that the page shows.

    q=...                       the query (query.py)
    from=1968 | 1968-10 | 1968-10-15, to=...   date range; a record matches when its date range overlaps
    undated=include|exclude     default: include without a date range, exclude with one
    subject=..&subject=..       facet selections (fields.py: AND or OR within a facet)
    sort=relevance|date|-date|title
    page=N
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from . import facets as facet_defs
from . import query as query_mod

PAGE_SIZE = 20
MAX_RESULTS = (
    10_000  # the deepest result reachable by paging: every page then costs about what the first does
)
SORTS = {"relevance": "relevance", "date": "date ascending", "-date": "date descending", "title": "title"}
MAX_VALUES_PER_FACET = 20
MAX_FACET_VALUES = 500  # the most values of one facet a request may ask for (SearchRequest.facet_sizes)


@dataclass(frozen=True)
class SearchRequest:
    query: query_mod.ParsedQuery = field(default_factory=query_mod.ParsedQuery)
    date_from: int | None = None  # YYYYMMDD, inclusive
    date_to: int | None = None
    undated: str = "include"
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (facet name, selected values), table order
    sort: str = "relevance"
    page: int = 1
    page_size: int = PAGE_SIZE
    facets: tuple[str, ...] = tuple(f.name for f in facet_defs.FACETS)
    notes: tuple[str, ...] = ()
    # False: the hits come without snippets (Hit.snippet_html is ""), for a caller that shows none (related
    # documents): making them is most of a search's time when the texts are long.
    snippets: bool = True
    # (facet name, how many of its values to give back) for a caller that needs more (or fewer) than the facet's
    # own `size` (fields.py): the search map asks for every place. Bounded by MAX_FACET_VALUES.
    facet_sizes: tuple[tuple[str, int], ...] = ()

    def facet_size(self, name: str) -> int:
        """How many values of this facet the search gives back (the most frequent first)."""
        asked = dict(self.facet_sizes).get(name)
        size = facet_defs.BY_NAME[name].size if asked is None else asked
        return max(1, min(size, MAX_FACET_VALUES))

    def counted_facets(self) -> list[facet_defs.Facet]:
        """The facets to count, in `facets` order, each with the `size` this request asks of it: what the engines
        count (each asks its engine for FETCH_EXTRA values more, so that ties at the cut break the same way)."""
        return [replace(facet_defs.BY_NAME[n], size=self.facet_size(n)) for n in self.facets]

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def selected(self, facet: str) -> tuple[str, ...]:
        return dict(self.filters).get(facet, ())

    def without_filter(self, facet: str) -> SearchRequest:
        return replace(self, filters=tuple((n, v) for n, v in self.filters if n != facet))

    def cache_key(self) -> tuple:
        """What decides the matching set and the facets counted over it (not the sort or the page): facet counts
        are cached on it."""
        sizes = tuple(self.facet_size(n) for n in self.facets)
        return (
            self.query.clauses,
            self.date_from,
            self.date_to,
            self.undated,
            self.filters,
            self.facets,
            sizes,
        )


Params = Mapping[str, list[str]]


def _getlist(params, name: str) -> list[str]:
    if hasattr(params, "getlist"):
        return [v for v in params.getlist(name)]
    value = params.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _first(params, name: str) -> str:
    values = _getlist(params, name)
    return values[0].strip() if values else ""


_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def date_bounds(value: str) -> tuple[int, int] | None:
    """'1968' -> (19680101, 19681231); '1968-10' -> (19681001, 19681031); '1968-10-15' -> that day."""
    m = _DATE.match(value.strip())
    if not m:
        return None
    y = int(m[1])
    if m[2] is None:
        return y * 10000 + 101, y * 10000 + 1231
    mo = int(m[2])
    if not 1 <= mo <= 12:
        return None
    last = calendar.monthrange(y, mo)[1]
    if m[3] is None:
        return y * 10000 + mo * 100 + 1, y * 10000 + mo * 100 + last
    d = int(m[3])
    if not 1 <= d <= last:
        return None
    day = y * 10000 + mo * 100 + d
    return day, day


def read_dates(params, notes: list[str]) -> tuple[int | None, int | None]:
    parsed: dict[str, tuple[int, int] | None] = {}
    for name in ("from", "to"):
        raw = _first(params, name)
        parsed[name] = date_bounds(raw) if raw else None
        if raw and parsed[name] is None:
            notes.append(
                f"“{raw[:40]}” is not a date: write a year (1968), a month (1968-10) or a day "
                f"(1968-10-15); the “{name}” limit was ignored"
            )
    start, end = parsed["from"], parsed["to"]
    if start and end and start[0] > end[1]:
        notes.append("the dates were the wrong way round and were swapped")
        start, end = end, start
    return (start[0] if start else None), (end[1] if end else None)


def read_undated(params, has_dates: bool, notes: list[str]) -> str:
    raw = _first(params, "undated")
    if raw in ("include", "exclude"):
        return raw
    if raw:
        notes.append("undated= takes include or exclude")
    return "exclude" if has_dates else "include"


def read_filters(params, notes: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out = []
    for facet in facet_defs.FACETS:
        values = [v.strip() for v in _getlist(params, facet.name) if v and v.strip()]
        values = list(dict.fromkeys(v[:500] for v in values))
        if len(values) > MAX_VALUES_PER_FACET:
            notes.append(f"only the first {MAX_VALUES_PER_FACET} {facet.label.lower()} selections were used")
            values = values[:MAX_VALUES_PER_FACET]
        if values:
            out.append((facet.name, tuple(values)))
    return tuple(out)


def facets_to_count(filters: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[str, ...]:
    """Every facet, except years until a decade (or a year) is chosen: decades first, then their years.
    Counting costs time in proportion to the matches, so a facet the page will not show is not counted."""
    chosen = {name for name, _values in filters}
    return tuple(f.name for f in facet_defs.FACETS if f.name != "year" or chosen & {"decade", "year"})


def read_sort(params, has_query: bool, notes: list[str]) -> str:
    raw = _first(params, "sort")
    if raw in SORTS:
        return raw
    if raw:
        notes.append(f"unknown sort “{raw[:30]}”: use relevance, date, -date or title")
    return "relevance" if has_query else "date"


def read_page(params, page_size: int, notes: list[str]) -> int:
    raw = _first(params, "page")
    try:
        page = int(raw) if raw else 1
    except ValueError:
        notes.append("page= takes a number")
        page = 1
    last = MAX_RESULTS // page_size
    if page > last:
        notes.append(f"only the first {MAX_RESULTS:,} results can be paged through: narrow the search")
        page = last
    return max(page, 1)


def request_from_params(params: Params) -> SearchRequest:
    notes: list[str] = []
    q = query_mod.parse(_first(params, "q"))
    date_from, date_to = read_dates(params, notes)
    undated = read_undated(params, date_from is not None or date_to is not None, notes)
    filters = read_filters(params, notes)
    return SearchRequest(
        query=q,
        date_from=date_from,
        date_to=date_to,
        undated=undated,
        filters=filters,
        sort=read_sort(params, not q.is_empty, notes),
        page=read_page(params, PAGE_SIZE, notes),
        facets=facets_to_count(filters),
        notes=tuple(notes),
    )
