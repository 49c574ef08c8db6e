"""The FRUS apparatus as Chromium shows it on d74 of the real FRUS 1964-68 v07 excerpt: a footnote's text and a
person's identification appear while the reference is hovered or focused (without JavaScript too), fit a 390 px
screen, close with Escape, and leave axe nothing to report. Screenshots go to tests/screenshots/ (not committed)."""

from __future__ import annotations

import pytest

from .conftest import CORPUS, ROOT
from .test_a11y import axe_violations

FRUS = CORPUS / "frus" / "frus1964-68v07-excerpt.xml"
SHOTS = ROOT / "tests" / "screenshots"
D74 = "/records/frus1964-68v07/d74/"
WIDTHS = {"phone": (390, 844), "wide": (1280, 900)}


def tip_of(page, reference):
    return page.locator(f"#{reference.get_attribute('aria-describedby')}")


def fits(page, box) -> bool:
    width = page.viewport_size["width"]
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width and box["width"] > 100


@pytest.mark.parametrize("width", WIDTHS)
def test_hover_and_focus_show_the_note_and_the_person(live_server_url, import_files, browser, width):
    assert import_files(FRUS).ok
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_server_url + D74)
        ref = page.locator("#d74fn3-ref")
        tip = tip_of(page, ref)
        assert tip.is_hidden()
        ref.hover()
        assert tip.is_visible() and tip.inner_text().startswith("3 In a situation report, October 15")
        assert fits(page, tip.bounding_box()), tip.bounding_box()
        page.screenshot(path=str(_shot(f"apparatus-footnote-{width}")))
        assert axe_violations(page) == []

        page.mouse.move(0, 0)
        assert tip.is_hidden()
        ref.focus()  # a link: Tab reaches it
        assert tip.is_visible()
        page.keyboard.press("Escape")
        assert tip.is_hidden()
        page.locator("#d74fn2-ref").focus()  # the focus moves on: the next one shows
        assert tip_of(page, page.locator("#d74fn2-ref")).is_visible()

        name = page.locator(".texts a.person", has_text="Rusk").first
        gloss = tip_of(page, name)
        assert gloss.is_hidden()
        name.hover()
        assert gloss.inner_text() == "Rusk, Dean, Secretary of State"
        assert fits(page, gloss.bounding_box()), gloss.bounding_box()
        page.screenshot(path=str(_shot(f"apparatus-person-{width}")))
        assert axe_violations(page) == []
        name.click()
        assert page.url.endswith("/persons/frus1964-68v07/p_RD1/")
    finally:
        context.close()


def test_popovers_work_without_javascript(live_server_url, import_files, browser):
    assert import_files(FRUS).ok
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_server_url + D74)
        title_ref = page.locator("h1 a.note-ref")
        title_ref.focus()
        source = tip_of(page, title_ref)
        assert source.is_visible() and source.inner_text().startswith("1 Source: National Archives")
        assert fits(page, source.bounding_box())
        name = page.locator(".footnotes a.person").first
        name.focus()
        assert tip_of(page, name).is_visible()
        # The plain link stays the way to the note.
        page.locator("#d74fn2-ref").click()
        assert page.url.endswith("#d74fn2")
    finally:
        context.close()


def _shot(name: str):
    SHOTS.mkdir(exist_ok=True)
    return SHOTS / f"{name}.png"
