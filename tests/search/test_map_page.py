"""/search/map/ on both engines over the real corpus: the places and counts the sidebar's "Place" filter shows,
every reflected value escaped, and a 503 page when the engine is down (docs/maps.md)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from .conftest import CAPITALS

XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def sidebar_places(html: str) -> dict[str, int]:
    block = html.split('id="facet-place"', 1)[1].split("</section>", 1)[0]
    return {
        unescape(re.sub(r"<[^>]+>", "", name)).strip(" ✓"): int(n)
        for name, n in re.findall(r'<a [^>]*>(.*?)</a> <span class="count">(\d+)</span>', block)
    }


def map_places(html: str) -> dict[str, int]:
    block = html.split('id="map-places-heading"', 1)[1]
    return {
        unescape(name): int(n)
        for name, n in re.findall(r'<a href="[^"]*">([^<]*)</a> <span class="count">(\d+) documents?', block)
    }


@pytest.mark.parametrize("query", ["q=vietnam", "", "subject=Vietnam+War", "q=paris&from=1968&to=1968"])
def test_the_map_shows_the_places_the_sidebar_counts(indexed, client, query):
    results = client.get(f"/search/?{query}").content.decode()
    expected = sidebar_places(results)
    assert expected, "the corpus's results name places"
    page = client.get(f"/search/map/?{query}")
    assert page.status_code == 200
    html = page.content.decode()
    assert map_places(html) == expected
    assert re.search(r'<svg class="place-map-drawing"[^>]*role="img"', html)
    assert 'href="/search/map/' in results.replace("&amp;", "&")


def test_reflected_input_is_escaped_on_the_map(indexed, client):
    html = client.get("/search/map/", {"q": XSS, "place": XSS}).content.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html


def test_a_failing_engine_gives_a_503_map(indexed, archive, monkeypatch, client):
    def down(request):
        raise ConnectionError("connection refused")

    monkeypatch.setattr(archive.search, "search", down)
    response = client.get("/search/map/", {"q": "war"})
    assert response.status_code == 503 and b"Search is unavailable" in response.content


def test_the_map_shows_every_place_of_the_results_not_only_the_sidebars_ten(many_places, client):
    expected = {"Washington": 2, "Paris": 1, "Saigon": 1, "Sài Gòn": 1}
    for place in CAPITALS:
        expected[place] = expected.get(place, 0) + 1
    sidebar = sidebar_places(client.get("/search/").content.decode())
    assert len(sidebar) == 10  # the sidebar shows a facet's top ten ...
    html = client.get("/search/map/").content.decode()
    assert map_places(html) == expected  # ... the map every place of the results
    narrowed = map_places(client.get("/search/map/", {"q": 'title:"cable from"'}).content.decode())
    assert narrowed == {p: n for p, n in expected.items() if p in CAPITALS}
