"""The dates of a search's results, as bars: documents per decade, or per year when the results (or the dates
asked for) span a few decades at most. The counts are the engine's own facet counts on `decade` and `year`
(documents by the year their date starts in), so they count exactly what the index holds: published records
only, and the same on every engine.

A bar's count is the number of results its period's facet selection gives (`decade=1960s`, `year=1968`):
clicking it never shows another number.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from . import facets
from .backends.base import SearchBackend, SearchResult
from .params import SearchRequest

# A span of fewer years than the year facet counts values is shown year by year (every year is then counted).
YEARS_UP_TO = facets.BY_NAME["year"].size


@dataclass(frozen=True)
class Bar:
    facet: str  # "decade" or "year": the selection that narrows the search to this bar
    value: str  # the facet value ("1960s", "1968")
    start: int  # the first year of the period
    count: int


@dataclass(frozen=True)
class Histogram:
    unit: str  # "decade" or "year"
    bars: tuple[Bar, ...]  # every period from the first with results to the last, empty ones included

    @property
    def peak(self) -> int:
        return max((b.count for b in self.bars), default=0)

    @property
    def total(self) -> int:
        return sum(b.count for b in self.bars)


def _years(values: list[tuple[str, int]]) -> dict[int, int]:
    return {int(v): n for v, n in values if v.isdigit() and n > 0}


def _decades(values: list[tuple[str, int]]) -> dict[int, int]:
    return {int(v[:-1]): n for v, n in values if v.endswith("s") and v[:-1].isdigit() and n > 0}


def _bars(unit: str, counts: dict[int, int]) -> Histogram | None:
    if not counts:
        return None
    step = 10 if unit == "decade" else 1
    first, last = min(counts), max(counts)
    return Histogram(
        unit,
        tuple(
            Bar(unit, f"{start}s" if unit == "decade" else str(start), start, counts.get(start, 0))
            for start in range(first, last + step, step)
        ),
    )


def wants_years(req: SearchRequest, decades: dict[int, int]) -> bool:
    """Years when a decade or a year is chosen, when the dates asked for span few years, or when the results
    fall within a few decades; decades otherwise."""
    if req.selected("decade") or req.selected("year"):
        return True
    if req.date_from is not None and req.date_to is not None:
        if req.date_to // 10000 - req.date_from // 10000 < YEARS_UP_TO:
            return True
    return bool(decades) and max(decades) - min(decades) < YEARS_UP_TO


def histogram(backend: SearchBackend, req: SearchRequest, result: SearchResult) -> Histogram | None:
    """The bars for a search already answered (`result`). When it needs years the search did not count, the
    engine is asked once more for the year facet alone (one short search: no hits are read)."""
    decades = _decades(result.facets.get("decade", []))
    if not wants_years(req, decades):
        return _bars("decade", decades)
    years = result.facets.get("year")
    if years is None:
        years = backend.search(replace(req, facets=("year",), page=1, page_size=1)).facets.get("year", [])
    counted = _years(years)
    if counted and max(counted) - min(counted) >= YEARS_UP_TO:
        return _bars("decade", decades) or _bars("year", counted)
    return _bars("year", counted)
