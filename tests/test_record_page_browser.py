"""The record page as Chromium shows it, without JavaScript: footnotes and their back-links, one number per note,
an original beside its translation on a wide screen and above it on a phone, the scans beside the text.
Screenshots go to tests/screenshots/ (ignored by git) for review."""

from __future__ import annotations

import pytest

from .conftest import CORPUS, ROOT

FRUS = CORPUS / "frus" / "frus1964-68v07-excerpt.xml"
SHOTS = ROOT / "tests" / "screenshots"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"record-{name}.png"), full_page=True)


@pytest.fixture
def no_script_page(browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def test_footnotes_work_without_javascript(live_server_url, import_files, no_script_page):
    assert import_files(FRUS).ok
    page = no_script_page
    page.goto(live_server_url + "/records/frus1964-68v07/d74/")
    shoot(page, "frus-1280")
    # One number per note: the list prints none of its own beside the note's mark.
    assert page.locator("ol.footnotes").evaluate("e => getComputedStyle(e).listStyleType") == "none"
    first = page.locator("ol.footnotes li").first.inner_text()
    assert first.startswith("1 Source:")  # the mark once: not "1. 1 Source"
    # Reference -> note -> back to the reference, by plain anchors.
    page.locator("a.note-ref", has_text="2").click()
    assert page.url.endswith("#d74fn2")
    assert page.locator("#d74fn2").evaluate("e => e.matches(':target')")
    page.locator("#d74fn2 a.fn-back").click()
    assert page.url.endswith("#d74fn2-ref")
    # The source note hangs on the title, and leads back to it.
    page.locator("h1.record-title a.note-ref").click()
    assert page.url.endswith("#d74fn1")
    page.locator("#d74fn1 a.fn-back").click()
    assert page.url.endswith("#d74fn1-ref")
    # The volume's next document, a click away.
    page.locator(".neighbours-bottom a[rel=next]").click()
    page.wait_for_url("**/d75/")
    assert "Previous: Document 74" in page.locator(".neighbours-bottom").inner_text()
    assert page.locator(".designation .doc-number").inner_text() == "Document 75"


@pytest.mark.parametrize("width", [390, 1280])
def test_original_beside_its_translation_on_wide_screens(live_server_url, import_files, browser, width):
    assert import_files(ROOT / "tests" / "data" / "da" / "page-999001.json").ok
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto(live_server_url + "/records/999001/")
        shoot(page, f"parallel-{width}")
        english, russian = (
            page.locator(f"section.text[lang={lang}]").bounding_box() for lang in ("en", "ru")
        )
        files = page.locator("aside.files").bounding_box()
        assert english and russian and files
        if width >= 1024:
            assert russian["x"] > english["x"] + english["width"] - 1  # side by side
            assert abs(russian["y"] - english["y"]) < 2
            assert files["x"] >= russian["x"] + russian["width"]  # the files beside the texts
        else:
            assert russian["y"] >= english["y"] + english["height"]  # stacked
            assert files["y"] + files["height"] <= english["y"]  # the files above the text
        # No horizontal scrolling at any width.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()
