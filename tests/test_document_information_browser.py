"""A record page's "Document Information" as Chromium shows it: label beside value on a desktop, label above value
on a phone so that long values (a FRUS source note, an archival reference) get the width of the screen.
Screenshots go to tests/screenshots/ (ignored by git) for review."""

from __future__ import annotations

import pytest

from .conftest import CORPUS, ROOT

FRUS = CORPUS / "frus" / "frus1964-68v07-excerpt.xml"
SHOTS = ROOT / "tests" / "screenshots"


@pytest.mark.parametrize("width", [390, 1280])
def test_document_information_is_readable(live_server_url, import_files, browser, width):
    assert import_files(FRUS).ok
    context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(live_server_url + "/records/frus1964-68v07/d74/")
        info = page.locator("section.document-information")
        info.scroll_into_view_if_needed()
        SHOTS.mkdir(exist_ok=True)
        info.screenshot(path=str(SHOTS / f"document-information-{width}.png"))
        label = info.locator("dt", has_text="Date (normalized)").bounding_box()
        value = info.locator("dd.date-normalized").bounding_box()
        main = page.locator("main").bounding_box()
        assert label and value and main
        if width < 600:
            assert value["width"] >= 0.6 * width, f"the value is {value['width']} px wide of {width}"
            assert value["y"] >= label["y"] + label["height"] - 1  # the label above its value
        else:
            assert abs(value["y"] - label["y"]) < 4  # beside it
            assert value["x"] > label["x"] + label["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
