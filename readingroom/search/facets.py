"""The facets a search counts: the fields marked as facets in fields.py, in the order the page shows them. The
page, both backends and the URL parameters read them from here.

A facet's `mode` says how several selected values of it combine: "and" narrows, "or" widens. Counts of an "or"
facet with a selection are taken without that facet's own filter, so the other values stay selectable with
honest numbers.
"""

from __future__ import annotations

from . import fields

Facet = fields.Field
FACETS: tuple[Facet, ...] = fields.FACETS
BY_NAME = {f.name: f for f in FACETS}


def value_label(facet: str, value: str) -> str:
    if facet == "withheld":
        from readingroom.records.vocabulary import WITHHELD_ANY, WITHHELD_KIND

        if value == WITHHELD_ANY:
            return "Any withheld passage"
        kind = WITHHELD_KIND.get(value)
        return kind.label_plural.capitalize() if kind else value
    if facet == "lang":
        from readingroom.records.languages import language_name

        return language_name(value) or value
    return value


FETCH_EXTRA = 50  # values asked of an engine beyond those shown, so that ties at the cut break the same way


def top(values: list[tuple[str, int]], size: int) -> list[tuple[str, int]]:
    """The values shown: most documents first, then alphabetical (engines break ties each their own way)."""
    return sorted(values, key=lambda vc: (-vc[1], vc[0]))[:size]


def ranked(counts: dict[str, int]) -> list[str]:
    """Every value, most documents first (the order `top` shows them in)."""
    return [v for v, _n in top(list(counts.items()), len(counts))]


def subtract(
    base: dict[str, int], order: list[str], rest: dict[str, int], candidates: int, size: int
) -> list[tuple[str, int]] | None:
    """The values shown for a search, from exact counts over a set that holds all its matches (`base`, its values
    in `ranked` order) minus exact counts over the part of that set the search does not match (`rest`, known for
    the first `candidates` values of `order`).

    A search matching most of the index is counted this way over the few documents it does not match. A value
    can never count more in the search than in `base`, so values beyond the candidates cannot belong among the
    shown ones when the last shown count is above their best `base` count. Returns None when that is not
    proven (the caller then counts the search itself): the counts returned are always exact.
    """
    counts = [(v, base[v] - rest.get(v, 0)) for v in order[:candidates]]
    shown = top([vc for vc in counts if vc[1] > 0], size)
    bound = base[order[candidates]] if candidates < len(order) else 0
    if bound == 0 or (len(shown) == size and shown[-1][1] > bound):
        return shown
    return None
