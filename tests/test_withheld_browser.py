"""A withheld passage as Chromium shows it on a record page: the marker set apart from the document's words (a
muted, dashed box) with its tooltip, at phone and desktop widths, and the count among the details linking to the
search. Screenshots go to tests/screenshots/ (ignored by git) for review."""

from __future__ import annotations

import pytest

from .conftest import CORPUS, ROOT

SEPT_25 = CORPUS / "frus-history" / "documents" / "1979-09-25-ho-meeting-with-cia.xml"
URL = "/records/frus-history/1979-09-25-ho-meeting-with-cia/"
SHOTS = ROOT / "tests" / "screenshots"


@pytest.mark.parametrize("width", [390, 1280])
def test_a_withheld_marker_is_set_apart(live_server_url, import_files, browser, width):
    assert import_files(SEPT_25).ok
    context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(live_server_url + URL)
        marker = page.locator(".texts span.withheld").first
        marker.scroll_into_view_if_needed()
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"withheld-record-{width}.png"))
        assert marker.get_attribute("title").startswith("Withheld at declassification")
        assert marker.inner_text().endswith("not declassified.]") or marker.inner_text().endswith(
            "not declassified]"
        )
        style = marker.evaluate(
            "e => { const s = getComputedStyle(e), p = getComputedStyle(e.closest('p, li'));"
            " return [s.borderTopStyle, s.cursor, s.backgroundColor, p.backgroundColor, s.color, p.color]; }"
        )
        border, cursor, background, around, color, text = style
        assert border == "dashed" and cursor == "help"
        assert background != around and color != text  # a muted box, not the document's own words
        box = marker.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width  # stays on screen on a phone
        summary = page.locator("dd.withheld-summary")
        summary.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"withheld-summary-{width}.png"))
        assert summary.inner_text().startswith(
            f"{page.locator('.texts span.withheld').count()} withheld passages"
        )
        summary.locator("a", has_text="names").click()
        assert "withheld=name" in page.url
        assert page.locator("p.total").inner_text().endswith("of 1 document")
    finally:
        context.close()
