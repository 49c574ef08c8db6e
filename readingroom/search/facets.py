"""The facets a search counts, declared once: the page, both backends and the URL parameters read this table.

`mode` says how several selected values of one facet combine: "and" narrows (a document about Vietnam AND
about the Soviet Union, as the Wilson Center Digital Archive does for subjects), "or" widens (letters OR
telegrams). Counts of an "or" facet with a selection are taken without that facet's own filter, so the other
values stay selectable with honest numbers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Facet:
    name: str  # URL parameter and index field
    label: str
    mode: str = "and"
    size: int = 10  # values shown


FACETS: tuple[Facet, ...] = (
    Facet("subject", "Subject"),
    Facet("place", "Place"),
    Facet("person", "Person"),
    Facet("collection", "Collection"),
    Facet("type", "Document type", "or"),
    Facet("lang", "Language", "or"),
    Facet("repository", "Source archive", "or"),
    Facet("funder", "Funder"),
    Facet("translator", "Translator"),
    Facet("classification", "Classification", "or"),
    Facet("decade", "Decade", "or", size=30),
    Facet("year", "Year", "or", size=12),
    Facet("certainty", "Date certainty", "or", size=3),
)
BY_NAME = {f.name: f for f in FACETS}


def value_label(facet: str, value: str) -> str:
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
