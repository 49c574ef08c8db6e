"""Maps drawn on the server as inline SVG: the places of a record, or of a search's results, as dots on the land
(web/basemap.py), each dot a link. No tiles, no script, no network (docs/maps.md).

The projection is equirectangular: x grows with longitude, y with latitude. A world view is plate carrée; a view
fitted to close points shrinks longitudes by the cosine of its middle latitude, so that a region keeps its shape.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from readingroom.records import geography

from . import basemap

WIDTH = 960  # SVG units across; the page scales the drawing to its column
WORLD = (-180.0, 180.0, -58.0, 84.0)  # west, east, south, north: the inhabited world, Antarctica left out
SPREAD_LON = 150.0  # points spread wider than this (degrees) are shown on the world view
SPREAD_LAT = 80.0
MIN_LON_SPAN = 36.0  # the narrowest view: one point still shows its region
MIN_LAT_SPAN = 18.0
PADDING = 0.2  # of the points' span, on each side
ASPECT = (0.45, 0.75)  # height / width the fitted view is kept between
RADIUS = (6.0, 22.0)  # a dot's radius (SVG units) for the fewest and the most documents
PLACE_RADIUS = 9.0  # a dot's radius on a record's map, where no dot counts documents
CLOSE_VIEW = 60.0  # views narrower than this (degrees of longitude) are drawn from the finer shorelines


@dataclass(frozen=True)
class View:
    west: float
    east: float
    south: float
    north: float
    kx: float = 1.0  # how much a degree of longitude is worth against one of latitude

    @property
    def scale(self) -> float:
        return WIDTH / ((self.east - self.west) * self.kx)

    @property
    def width(self) -> int:
        return WIDTH

    @property
    def height(self) -> int:
        return round((self.north - self.south) * self.scale)

    @property
    def is_world(self) -> bool:
        return (self.west, self.east, self.south, self.north) == WORLD

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        s = self.scale
        return (lon - self.west) * self.kx * s, (self.north - lat) * s


def world() -> View:
    return View(*WORLD)


def fit(points: Sequence[tuple[float, float]]) -> View:
    """The view that shows every (lon, lat) point with room around it: the world when they are spread over it."""
    if not points:
        return world()
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    if east - west > SPREAD_LON or north - south > SPREAD_LAT:
        return world()
    lon_span = max((east - west) * (1 + 2 * PADDING), MIN_LON_SPAN)
    lat_span = max((north - south) * (1 + 2 * PADDING), MIN_LAT_SPAN)
    mid_lat = (north + south) / 2
    kx = math.cos(math.radians(mid_lat))
    # Keep the drawing's proportions between ASPECT's bounds: widen the narrow side.
    ratio = lat_span / (lon_span * kx)
    if ratio > ASPECT[1]:
        lon_span = lat_span / ASPECT[1] / kx
    elif ratio < ASPECT[0]:
        lat_span = lon_span * kx * ASPECT[0]
    lon_span = min(lon_span, 360.0)
    mid_lon = (east + west) / 2
    w, e = mid_lon - lon_span / 2, mid_lon + lon_span / 2
    if w < -180:
        w, e = -180.0, -180 + lon_span
    if e > 180:
        w, e = 180 - lon_span, 180.0
    s, n = mid_lat - lat_span / 2, mid_lat + lat_span / 2
    if s < -85:
        s, n = -85.0, -85 + lat_span
    if n > 85:
        s, n = 85 - lat_span, 85.0
    return View(round(w, 4), round(e, 4), round(s, 4), round(n, 4), round(kx, 6))


# -- the drawing of the land ------------------------------------------------------------------------------------


def _clip(
    points: list[tuple[float, float]], box: tuple[float, float, float, float]
) -> list[tuple[float, float]]:
    """A polygon clipped to a rectangle (Sutherland-Hodgman): what lies outside the drawing is not sent."""
    x0, y0, x1, y1 = box
    edges = (
        (lambda p: p[0] >= x0, lambda a, b: (x0, a[1] + (b[1] - a[1]) * (x0 - a[0]) / (b[0] - a[0]))),
        (lambda p: p[0] <= x1, lambda a, b: (x1, a[1] + (b[1] - a[1]) * (x1 - a[0]) / (b[0] - a[0]))),
        (lambda p: p[1] >= y0, lambda a, b: (a[0] + (b[0] - a[0]) * (y0 - a[1]) / (b[1] - a[1]), y0)),
        (lambda p: p[1] <= y1, lambda a, b: (a[0] + (b[0] - a[0]) * (y1 - a[1]) / (b[1] - a[1]), y1)),
    )
    out = points
    for inside, cross in edges:
        if not out:
            break
        src, out = out, []
        prev = src[-1]
        for cur in src:
            if inside(cur):
                if not inside(prev):
                    out.append(cross(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cross(prev, cur))
            prev = cur
    return out


STEP = 2  # SVG units: a point closer than this to the last one drawn is left out (a unit is about a pixel)
SPECK = 3  # SVG units: a shape smaller than this across is left out


def _path(points: Iterable[tuple[float, float]], closed: bool) -> str:
    """SVG path data in whole units, leaving out points within STEP of the last one drawn and shapes smaller
    than SPECK: the world's land, lakes and borders then weigh a few tens of kilobytes."""
    kept: list[tuple[int, int]] = []
    for x, y in points:
        p = (round(x), round(y))
        if not kept or abs(p[0] - kept[-1][0]) + abs(p[1] - kept[-1][1]) >= STEP:
            kept.append(p)
    if len(kept) < (3 if closed else 2):
        return ""
    xs, ys = [p[0] for p in kept], [p[1] for p in kept]
    if max(xs) - min(xs) < SPECK and max(ys) - min(ys) < SPECK:
        return ""
    return "M" + "L".join(f"{x} {y}" for x, y in kept) + ("Z" if closed else "")


@dataclass(frozen=True)
class Basemap:
    land: str
    lakes: str
    borders: str


def warm() -> None:
    """Read the gazetteer and the shapes now: `serve` calls this before gunicorn forks, so that every worker
    shares them (copy-on-write) and no reader's first map waits 1-2 s for them."""
    geography.gazetteer()
    for resolution in ("c", "l"):
        basemap.shorelines(resolution)
        basemap.borders(resolution)


def _in_view(shape, view: View) -> bool:
    """Whether the shape's bounding box meets the view's (shapes wholly outside are not drawn)."""
    return not (
        shape.east < view.west
        or shape.west > view.east
        or shape.north < view.south
        or shape.south > view.north
    )


@functools.lru_cache(maxsize=64)
def draw_basemap(view: View) -> Basemap:
    """The land, lakes and borders of a view as SVG path data (kept: most maps share a few views)."""
    resolution = "l" if view.east - view.west < CLOSE_VIEW else "c"
    margin = 4
    box = (-margin, -margin, view.width + margin, view.height + margin)
    land: list[str] = []
    lakes: list[str] = []
    for shape in basemap.shorelines(resolution):
        if not _in_view(shape, view):
            continue
        clipped = _clip([view.project(lon, lat) for lon, lat in shape.points], box)
        d = _path(clipped, closed=True)
        if d:
            (lakes if shape.level in basemap.LAKE_LEVELS else land).append(d)
    lines: list[str] = []
    for shape in basemap.borders(resolution):
        if not _in_view(shape, view):
            continue
        run: list[tuple[float, float]] = []
        for lon, lat in shape.points:
            x, y = view.project(lon, lat)
            if box[0] <= x <= box[2] and box[1] <= y <= box[3]:
                run.append((x, y))
            else:
                lines.append(_path(run, closed=False))
                run = []
        lines.append(_path(run, closed=False))
    return Basemap("".join(land), "".join(lakes), "".join(d for d in lines if d))


# -- places on the map ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapPlace:
    """One place of a map's list: drawn as a dot when located."""

    name: str
    url: str
    count: int | None  # documents (a search's map); None on a record's map
    location: geography.Location | None


@dataclass(frozen=True)
class Dot:
    name: str
    url: str
    label: str
    x: float
    y: float
    r: float


def dot_radius(count: int | None, most: int) -> float:
    """Radius by area: a dot's area grows with its documents."""
    if count is None:
        return PLACE_RADIUS
    if count <= 1 or most <= 1:
        return RADIUS[0]
    return round(RADIUS[0] + (RADIUS[1] - RADIUS[0]) * math.sqrt((count - 1) / (most - 1)), 1)


def describe(place: MapPlace) -> str:
    if place.count is None:
        return place.name
    return f"{place.name}: {place.count} document{'' if place.count == 1 else 's'}"


def map_context(places: Sequence[MapPlace], subject: str) -> dict | None:
    """What templates/readingroom/_map.html draws: the view, its land, a dot per located place (biggest first,
    so that small dots stay on top and clickable) and the places that are not on the map. None when no place
    is located (a page then shows its list of places alone)."""
    located = [p for p in places if p.location is not None]
    if not located:
        return None
    view = fit([(p.location.lon, p.location.lat) for p in located])  # type: ignore[union-attr]
    most = max((p.count or 0) for p in located)
    dots = []
    for p in sorted(located, key=lambda p: (-(p.count or 0), p.name)):
        x, y = view.project(p.location.lon, p.location.lat)  # type: ignore[union-attr]
        dots.append(Dot(p.name, p.url, describe(p), round(x, 1), round(y, 1), dot_radius(p.count, most)))
    # One label for the dots at one spot ("Saigon, Sài Gòn"): names drawn over each other are unreadable. The
    # dots come biggest first, so a spot's label sits beside its biggest dot.
    spots: dict[tuple[int, int], tuple[Dot, list[str]]] = {}
    for d in dots:
        spots.setdefault((round(d.x / 4), round(d.y / 4)), (d, []))[1].append(d.name)
    n = len(located)
    return {
        "labels": [
            # beside the dot, on its left in the drawing's right third (where a name would run off the edge)
            {
                "text": ", ".join(names),
                "x": d.x,
                "y": d.y,
                "dx": -d.r if d.x > view.width * 2 / 3 else d.r,
                "dy": -d.r,
                "end": d.x > view.width * 2 / 3,
            }
            for d, names in spots.values()
        ],
        "view": view,
        "basemap": draw_basemap(view),
        "dots": dots,
        "label": f"Map of {subject}: {n} place{'' if n == 1 else 's'}, "
        + ", ".join(describe(p) for p in located[:12])
        + (", …" if n > 12 else ""),
        "located": [{"place": p, "label": describe(p)} for p in located],
        "unplaced": [{"place": p, "label": describe(p)} for p in places if p.location is None],
    }


def record_map(places: Sequence) -> dict | None:
    """A record's places (authorities, in the record's order), each dot a link to the place's page."""
    return map_context(
        [MapPlace(a.name, a.get_absolute_url(), None, geography.locate(a)) for a in places],
        "the places of this document",
    )


def search_map(values: Sequence[tuple[str, int, str]]) -> tuple[dict | None, list[MapPlace]]:
    """A search's places from its place facet: (name, documents, the URL of the search narrowed to it). Returns
    the map (None when no place is located) and every place, located or not."""
    authorities = geography.places_named(name for name, _n, _u in values)
    places = [
        MapPlace(
            name,
            url,
            count,
            geography.locate(authorities[name]) if name in authorities else geography.locate_name(name),
        )
        for name, count, url in values
    ]
    return map_context(places, "the places of these results"), places
