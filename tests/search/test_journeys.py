"""Journeys through the search page as a reader makes them in Chromium, with the keyboard alone and with the mouse,
on a phone (390 px) and a wide screen (1280 px). Screenshots of each step go to tests/screenshots/.

- The results come before the facets in the document: from the search box, the first result is a few Tab stops
  away (51 when the facets came first), and focus never jumps down the page and back on the way.
- Search, first result, record, by keyboard only.
- A date range, a facet, a bar of the date histogram, then paging to the last page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).parent.parent / "screenshots"
WIDTHS = {"phone": (390, 844), "wide": (1280, 900)}
MAX_TAB_STOPS = 12  # search button, from, to, undated, a chip or two, the sort links: then the first result


@pytest.fixture
def site(indexed, backend, live_server_url):
    if backend.name != "tantivy":
        pytest.skip("one engine is enough for the browser")
    return live_server_url


def at(page, width: str) -> None:
    w, h = WIDTHS[width]
    page.set_viewport_size({"width": w, "height": h})


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


FOCUSED = """() => { const e = document.activeElement;
  const r = e.getBoundingClientRect();
  return {tag: e.tagName, id: e.id, text: (e.innerText || e.value || '').trim().slice(0, 60),
          href: e.getAttribute('href'), top: r.top + window.scrollY,
          first: e === document.querySelector('.hit h3 a')}; }"""


def tab_to_first_result(page) -> list[dict]:
    """Press Tab from where focus is until the first result's link has it; the stops passed on the way."""
    stops = []
    for _ in range(100):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUSED)
        stops.append(stop)
        if stop["first"]:
            return stops
    raise AssertionError(f"100 Tab stops without reaching the first result: {stops[:60]}")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_first_result_is_a_few_tab_stops_from_the_search_box(site, page, width):
    at(page, width)
    page.goto(site + "/search/?q=telegram&subject=Vietnam+War")
    assert page.evaluate("document.activeElement.id") == "q"  # the box has focus as the page opens
    stops = tab_to_first_result(page)
    assert len(stops) <= MAX_TAB_STOPS, [s["text"] or s["id"] for s in stops]
    # focus moves down the page, never to the facets below the results and back
    tops = [s["top"] for s in stops]
    assert tops == sorted(tops), stops
    # the facets are after the results: reached by going on past the last result
    facet_index = page.evaluate(
        "() => [...document.querySelectorAll('a, button, input, select, summary')].indexOf("
        "document.querySelector('.facet a, .filters summary'))"
    )
    last_hit_index = page.evaluate(
        "() => [...document.querySelectorAll('a, button, input, select, summary')].indexOf("
        "[...document.querySelectorAll('.hit h3 a')].pop())"
    )
    assert facet_index > last_hit_index


@pytest.mark.parametrize("width", WIDTHS)
def test_keyboard_journey_search_first_result_record(site, page, width):
    at(page, width)
    page.goto(site + "/")
    shoot(page, f"journey-keyboard-1-home-{width}")
    # The home page's search box is reached by Tab, after the skip link, the brand and the site's links.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "home-q":
            break
    else:
        raise AssertionError("Tab never reached the home page's search box")
    page.keyboard.type("four-party conference")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=four-party+conference")
    assert page.evaluate("document.activeElement.id") == "q"
    assert page.input_value("#q") == "four-party conference"
    shoot(page, f"journey-keyboard-2-search-{width}")
    stops = tab_to_first_result(page)
    assert len(stops) <= MAX_TAB_STOPS
    title = stops[-1]["text"]
    shoot(page, f"journey-keyboard-3-first-result-focused-{width}")
    page.keyboard.press("Enter")
    page.wait_for_url("**/records/**")
    assert page.locator("h1").first.inner_text().strip() == title
    shoot(page, f"journey-keyboard-4-record-{width}")
    # every page but the search page and the home page has a search box in its header
    page.fill("#site-q", "Zorin")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=Zorin")
    assert page.locator(".hit").count() > 0


def _total(page) -> tuple[int, int, int]:
    m = re.search(r"(\d+)–(\d+) of (\d+) document", page.locator(".total").inner_text())
    assert m, page.locator(".total").inner_text()
    return int(m[1]), int(m[2]), int(m[3])


@pytest.mark.parametrize("width", WIDTHS)
def test_journey_dates_facet_histogram_and_paging_to_the_last_page(site, page, width):
    at(page, width)
    page.goto(site + "/search/")
    page.fill("#from", "1958")
    page.fill("#to", "1990")
    page.press("#to", "Enter")
    page.wait_for_url("**to=1990**")
    _, _, dated = _total(page)
    chips = [" ".join(t.split()) for t in page.locator(".chip").all_inner_texts()]
    assert len(chips) == 2 and "From: 1958" in chips[0] and "To: 1990" in chips[1], chips
    shoot(page, f"journey-facets-1-dates-{width}")

    # On a phone the facets are behind the Filters button (a <details>, no script); on a wide screen beside.
    # Two document types: "any of" widens.
    for n, kind in enumerate(("Minutes of Meeting", "Memorandum")):
        facet = page.locator(".facet a", has_text=re.compile(f"^{kind}$"))
        if width == "phone":
            assert not facet.is_visible()
            page.locator(".filters summary").click()
        assert facet.is_visible()
        if n == 0:
            shoot(page, f"journey-facets-2-filters-open-{width}")
        facet.click()
        page.wait_for_url(f"**type={kind.replace(' ', '+')}**")
    _, _, minutes = _total(page)
    assert 20 < minutes < dated

    # A bar of the histogram narrows to its period, and finds as many documents as it said.
    bar = page.locator(".histogram a").first
    label = bar.get_attribute("aria-label")
    period, count = re.match(r"(\d+s?): (\d+) documents?", label).groups()
    bar.click()
    page.wait_for_url(f"**={period}**")
    assert _total(page)[2] == int(count)
    chips = [" ".join(t.split()) for t in page.locator(".chip").all_inner_texts()]
    assert any(period in c for c in chips) and any("Minutes of Meeting" in c for c in chips)
    shoot(page, f"journey-facets-3-histogram-bar-{width}")

    # Removing the period's chip gives back the facet's results; then page through them to the end.
    page.locator(".chip", has_text=period).click()
    page.wait_for_url(re.compile(r"^(?!.*(decade|year)=)"))
    assert _total(page)[2] == minutes
    pages = 1
    while page.locator(".pager a[rel=next]").count():
        page.locator(".pager a[rel=next]").click()
        page.wait_for_load_state()
        pages += 1
        assert pages < 20
    first, last, total = _total(page)
    assert total == minutes and last == total and first == (pages - 1) * 20 + 1 and pages > 1
    assert page.locator(".hit").count() == last - first + 1
    shoot(page, f"journey-facets-4-last-page-{width}")
