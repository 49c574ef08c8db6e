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
        shoot(page, f"a11y-{name}-{width}")
        violations = axe_violations(page)
        if violations:
            found[width] = violations
    assert found == {}, "\n".join(f"{w}: {v}" for w, vs in found.items() for v in vs)
