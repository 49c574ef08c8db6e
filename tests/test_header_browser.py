"""The site's header as Chromium shows it: brand, navigation and the search box on one line at a desktop width,
and at a phone width the links wrapping onto lines of their own with the search box on a full-width line below,
never wider than the screen. Screenshots go to tests/screenshots/ (ignored by git) for review."""

from __future__ import annotations

import pytest

from .conftest import ROOT

SHOTS = ROOT / "tests" / "screenshots"


@pytest.mark.parametrize("width", [390, 1280])
def test_the_header_fits(live_server_url, browser, width):
    context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(live_server_url + "/records/")
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"header-{width}.png"))
        links = page.locator("header.site nav a")
        assert links.count() >= 9  # the whole navigation, "Withheld" included
        tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
        search = page.locator("header.site .site-search input").bounding_box()
        brand = page.locator("header.site .brand").bounding_box()
        assert search and brand
        if width >= 1280:
            assert len(tops) == 1, f"the navigation wraps onto {len(tops)} lines"
            # The search box on the links' line (their tops within a few pixels: the box is a little taller).
            link = links.first.bounding_box()
            assert abs((search["y"] + search["height"] / 2) - (link["y"] + link["height"] / 2)) < 4
            assert abs(brand["y"] - link["y"]) < 4
        else:
            # A phone: the search box on a line of its own below the links, across the screen.
            assert search["y"] > max(tops)
            assert search["width"] >= width * 0.6
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
