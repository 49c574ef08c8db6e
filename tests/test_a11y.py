"""Accessibility as a browser sees it: axe-core (the copy bundled in the PyPI package axe-playwright-python, so
no network is needed) runs in Debian's Chromium on the home, search, record, year and authority pages, on a
phone (390 px) and a wide screen (1280 px), and finds no WCAG 2.2 A or AA violation.

Screenshots of each page at both widths go to tests/screenshots/ (ignored by git) for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.search.conftest import SEED_ID, corpus  # noqa: F401 - the search suite's corpus fixture

SCREENSHOTS = Path(__file__).parent / "screenshots"
WIDTHS = {"phone": (390, 844), "wide": (1280, 900)}
# The rules of WCAG 2.0, 2.1 and 2.2 at levels A and AA (axe's tags), and nothing else.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture
def site(archive, corpus, live_server_url):  # noqa: F811 - the imported fixture, used by name
    archive.indexer.reindex(progress=False)
    return live_server_url


def axe_violations(page) -> list[str]:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        pytest.fail("axe-playwright-python is not installed (pip install -e '.[test]')")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(
            " ".join(n["target"]) + " " + n.get("failureSummary", "").replace("\n", " ")
            for n in v["nodes"][:5]
        )
        for v in results.response["violations"]
    ]


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _authority_url(page, base: str) -> str:
    """The first subject's page, reached as a reader would: from the list of subjects."""
    page.goto(base + "/subjects/")
    return page.locator("main a[href^='/subjects/']").first.get_attribute("href")


PAGES = {
    "home": "/",
    "search": "/search/?q=telegram&subject=Vietnam+War",
    "search-empty": "/search/",
    "record": f"/records/{SEED_ID}/",
    "year": "/years/1968/",
    "authority": None,  # found on the subjects list
    "search-map": "/search/map/?q=vietnam",  # docs/maps.md
    "record-map": "/records/frus1964-68v07/d3/",  # a record whose place is on its map
    "withheld": "/withheld/",
    "record-withheld": "/records/frus-history/1979-09-25-ho-meeting-with-cia/",  # its markers set apart
}


@pytest.mark.parametrize("name", PAGES)
def test_no_wcag_aa_violations(site, page, name):
    found = {}
    for width, (w, h) in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        path = PAGES[name] or _authority_url(page, site)
        response = page.goto(site + path)
        assert response is not None and response.status == 200, path
        if name == "search":  # the page under test really has results, facets and the histogram
            assert page.locator(".hit").count() > 0 and page.locator(".facet").count() > 0
            assert page.locator(".histogram a").count() > 0 and page.locator(".chip").count() == 1
        if name.endswith("-map"):  # the page under test really has a map with dots
            assert page.locator("svg.place-map-links a").count() > 0
        shoot(page, f"a11y-{name}-{width}")
        violations = axe_violations(page)
        if violations:
            found[width] = violations
    assert found == {}, "\n".join(f"{w}: {v}" for w, vs in found.items() for v in vs)


@pytest.mark.parametrize(
    "name", ["home", "search", "record", "year", "search-map", "record-map", "withheld", "record-withheld"]
)
def test_dark_pages_when_the_system_asks_and_still_no_violations(site, page, name):
    """prefers-color-scheme: dark (theme.css): a dark page, every colour still contrasting enough for axe."""
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert page.goto(site + PAGES[name]).status == 200
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(22, 21, 20)", background
    shoot(page, f"dark-{name}")
    assert axe_violations(page) == []


def test_a_printed_record_is_the_document_without_the_site(site, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    assert page.goto(site + PAGES["record"]).status == 200
    page.emulate_media(media="print")
    hidden = page.evaluate(
        """() => ['header.site nav', '.site-search', 'footer.site', '.cite button', '.record-downloads']
              .map(s => [s, [...document.querySelectorAll(s)].every(e => getComputedStyle(e).display === 'none')])"""
    )
    assert all(gone for _selector, gone in hidden), hidden
    assert page.locator("h1.record-title").is_visible() and page.locator(".texts").is_visible()
    permalink = page.evaluate("getComputedStyle(document.querySelector('.permalink a'), '::after').content")
    assert permalink == f'" <{site}/records/{SEED_ID}/>"', permalink  # the address written out after the link
    pdf = page.pdf(format="A4")  # Chromium's own print of the page: it prints, and has pages
    assert pdf.startswith(b"%PDF-")
