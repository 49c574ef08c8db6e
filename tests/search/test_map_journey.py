"""A reader opens a map in Chromium, on a phone (390 px) and a wide screen (1280 px): from the results to the map
of their places, a dot to the results in that place, one of them to its record and the record's own map.
Screenshots of each step go to tests/screenshots/ (docs/maps.md)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from .test_journeys import WIDTHS, at, shoot


@pytest.fixture
def site(indexed, backend, live_server_url):
    if backend.name != "tantivy":
        pytest.skip("one engine is enough for the browser")
    return live_server_url


@pytest.mark.parametrize("width", WIDTHS)
def test_open_a_map(site, page, width):
    at(page, width)
    page.goto(site + "/search/?q=vietnam")
    page.get_by_role("link", name="Map of these results’ places").click()
    page.wait_for_url("**/search/map/?q=vietnam")
    drawing = page.locator("svg.place-map-drawing")
    assert drawing.is_visible()
    assert drawing.get_attribute("role") == "img"
    label = drawing.get_attribute("aria-label") or ""
    assert label.startswith("Map of the places of these results")
    # the drawing fits the page: no sideways scrolling on a phone
    box = drawing.bounding_box()
    assert box is not None and box["width"] <= WIDTHS[width][0]
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width][0]
    dots = page.locator("svg.place-map-links a")
    assert dots.count() >= 2
    listed = page.locator(".map-places .map-place-list:not(.unplaced) a")
    assert listed.count() == dots.count()  # every dot is in the list, for the keyboard and screen readers
    shoot(page, f"map-search-{width}")

    # a dot is a link to the results in that place
    name = dots.first.locator("title").text_content().split(":")[0]
    dots.first.click()
    page.wait_for_url("**/search/?*")
    query = parse_qs(urlsplit(page.url).query)
    assert query["q"] == ["vietnam"] and query["place"] == [name]

    # a result's record page shows its places on a map, each dot a link to the place
    page.locator(".hit h3 a").first.click()
    page.wait_for_url("**/records/**")
    record_map = page.locator(".places svg.place-map-drawing")
    assert record_map.is_visible()
    assert name in (record_map.get_attribute("aria-label") or "")
    href = page.locator(".places svg.place-map-links a").first.get_attribute("href") or ""
    assert href.startswith("/places/")
    shoot(page, f"map-record-{width}")
    page.emulate_media(color_scheme="dark")
    shoot(page, f"map-record-{width}-dark")
