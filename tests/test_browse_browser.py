"""The timeline and the year pages in Chromium, at phone (360, 390 px) and desk (1280 px) widths: every year on the
axis, bars as tall as their counts, empty years not links, nothing wider than the screen, the table's targets big
enough to tap. Screenshots go to tests/screenshots/ (ignored by git) for review."""

from pathlib import Path

import pytest

SHOTS = Path(__file__).resolve().parent / "screenshots"
YEARS = {1790: 1, 1791: 2, 1850: 1, 1933: 4, 1968: 8, 2026: 1}  # 1792-1849 and others empty


@pytest.fixture
def dated(live_server_url):
    from readingroom.records.store import RecordWriter

    w = RecordWriter()
    for year, n in YEARS.items():
        for i in range(n):
            w.save({"id": f"t/{year}/{i}", "title": f"Document {i} of {year}", "date": f"{year}-03-0{i + 1}"})
    w.save({"id": "t/draft", "title": "Draft of 1900", "status": "draft", "date": "1900-01-01"})
    w.authority(
        "person",
        "hsg-rusk",
        "Rusk, David Dean",
        data={"birth_year": "1909", "death_year": "1994", "remarks": ["Secretary of State, 1961–1969"]},
    )
    w.authority(
        "person",
        "v/p_RD1",
        "Rusk, Dean",
        parent_key="hsg-rusk",
        data={"description": "Secretary of State", "volume": "v"},
    )
    w.save(
        {
            "id": "t/rusk",
            "title": "Telegram",
            "date": "1933-10-15",
            "persons": [{"id": "v/p_RD1", "name": "x"}],
        }
    )
    return live_server_url


@pytest.mark.parametrize("width", [360, 390, 1280])
def test_the_timeline_in_a_browser(dated, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(dated + "/years/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    bars = page.locator(".timeline .bar")
    assert bars.count() == 2026 - 1790 + 1
    height = {year: bars.nth(year - 1790).bounding_box()["height"] for year in (1790, 1791, 1900, 1968)}
    assert height[1900] == 0  # a draft is no document: the year is empty
    assert height[1968] == pytest.approx(8 * height[1790], rel=0.1)
    assert height[1791] == pytest.approx(2 * height[1790], rel=0.1)
    # Decades labelled under the axis: the centuries always.
    labels = page.locator(".timeline .tick .label:visible").all_inner_texts()
    assert {"1800", "1900", "2000"} <= set(labels)
    # The table: every year, the empty ones not links, each link a target of 24 px at least.
    table = page.get_by_role("table", name="Documents per year, by decade")
    assert table.get_by_role("link").count() == len(YEARS)
    assert table.get_by_role("row").count() == 1 + len(range(1790, 2030, 10))
    for link in table.get_by_role("link").all():
        box = link.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"browse-years-{width}.png"), full_page=True)
    # A reader follows the table to 1933, then to the nearest later year with documents.
    table.get_by_role("link", name="1933").click()
    page.wait_for_url("**/years/1933/")
    assert page.locator("main h1").inner_text() == "1933"
    page.get_by_role("link", name="1968 → nearest later year with documents").click()
    page.wait_for_url("**/years/1968/")
    page.goto(dated + "/years/1900/")
    assert "No published document is dated in 1900" in page.locator("main").inner_text()
    page.screenshot(path=str(SHOTS / f"browse-empty-year-{width}.png"), full_page=True)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_browse_pages_have_no_accessibility_violations(dated, page, width):
    """axe-core (WCAG 2.2 AA and best practices) on the timeline, a year, an empty year, on this day and a
    person's page."""
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
    page.set_viewport_size({"width": width, "height": 900})
    rules = {"runOnly": ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa", "best-practice"]}
    pages = ["/years/", "/years/1968/", "/years/1900/", "/on-this-day/?date=03-05", "/persons/v/p_RD1/"]
    for url in pages:
        page.goto(dated + url)
        violations = axe.run(page, options=rules).response["violations"]
        assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == [], url
        if url.startswith("/persons/"):
            assert "Secretary of State, 1961–1969" in page.locator("section.positions").inner_text()
