"""The scan viewer as Chromium shows it, with JavaScript off, on a phone (390 px) and a wide screen (1280 px): from
the record page's page list to a page, large enough to read, to the next page, zoomed in, and back to the page's
anchor in the text; and no WCAG 2.2 AA violation (axe-core, which needs JavaScript, in a tab that has it). Screenshots go to tests/screenshots/ (ignored by git)."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from .conftest import ROOT
from .test_a11y import axe_violations

SHOTS = ROOT / "tests" / "screenshots"
BOOK = "/records/sv/minutes/"


def typed_page(path, number: int) -> None:
    """A page of typescript: a running head with its number and lines of text, so a screenshot shows a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("L", (1700, 2200), 245)
    draw = ImageDraw.Draw(image)
    draw.text((800, 120), f"- {number} -", fill=20)
    for row in range(34):
        draw.text((200, 260 + row * 55), f"Line {row + 1} of page {number}. " * 4, fill=30)
    image.save(path, "JPEG")


@pytest.fixture
def minutes(live_server_url, archive, settings):
    from readingroom.iiif.images import TileStore

    media = archive.settings.media_path
    settings.MEDIA_ROOT = str(media)
    for n in (1, 2, 3):
        typed_page(media / "sv" / f"minutes-{n}.jpg", 40 + n)
    archive.store.save(
        {
            "id": "sv/minutes",
            "title": "Minutes of the Advisory Committee",
            "date": "1968-10-15",
            "texts": [
                {
                    "kind": "original",
                    "language": "eng",
                    "html": "<p>The Committee met at 10 a.m.</p>"
                    '<p><span class="pb" data-page="42">[Page 42]</span> It heard the Historian.</p>'
                    '<p><span class="pb" data-page="43">[Page 43]</span> It adjourned at noon.</p>',
                }
            ],
            "media": [{"path": f"sv/minutes-{n}.jpg", "label": f"Page {40 + n}"} for n in (1, 2, 3)],
        }
    )
    assert TileStore.of(archive.settings).for_records(["sv/minutes"]).made == 3
    return live_server_url


def shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"scan-viewer-{name}.png"), full_page=True)


@pytest.mark.parametrize("width", [390, 1280])
def test_reading_the_scans_without_javascript(minutes, browser, width):
    context = browser.new_context(java_script_enabled=False, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(minutes + BOOK)
        shoot(page, f"record-{width}")
        # The page list leads to each scan's anchor.
        page.locator("nav.scan-index a", has_text="2").click()
        assert page.url.endswith("#page-2")
        assert page.locator("#page-2").evaluate("e => e.matches(':target')")
        # From the thumbnail's caption to the viewer.
        page.locator("#page-2 figcaption a", has_text="Page 42").click()
        page.wait_for_url("**/@scans/2/")
        assert page.locator("h1").inner_text().startswith("Page 42")
        image = page.locator(".scan-large img")
        assert image.evaluate("i => i.complete && i.naturalWidth > 0")
        box = image.bounding_box()
        assert box and box["width"] <= width and box["width"] >= min(width - 60, 900)  # fitted, readable
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
        current = page.locator(".scan-pages [aria-current=page]")
        assert current.count() == 1 and " ".join(current.text_content().split()) == "Page 2"
        shoot(page, f"page-{width}")
        # The next page, the last: no next link there.
        page.locator(".scan-pager a[rel=next]").click()
        page.wait_for_url("**/@scans/3/")
        assert page.locator(".scan-pager a[rel=next]").count() == 0
        assert "Last page" in page.locator(".scan-pager").inner_text()
        # Zoomed in: a listed size at its own pixels, in a frame that scrolls, never the whole page.
        page.locator(".scan-zoom .zoom-in").click()
        page.wait_for_url("**/@scans/3/?size=*")
        frame = page.locator(".scan-frame")
        assert page.locator(".scan-large img").evaluate("i => i.complete && i.naturalWidth > 0")
        shown = int(page.locator(".scan-large img").get_attribute("width") or 0)
        assert frame.evaluate("f => f.scrollWidth") >= min(shown, 1) and shown > 0
        if shown > width:
            assert frame.evaluate("f => f.scrollWidth > f.clientWidth")
            frame.focus()  # a reader moves around it with the keys
            page.keyboard.press("ArrowRight")
            page.keyboard.press("ArrowDown")
            for _ in range(50):  # the keys scroll smoothly: give it a moment
                if frame.evaluate("f => f.scrollLeft + f.scrollTop") > 0:
                    break
                page.wait_for_timeout(100)
            assert frame.evaluate("f => f.scrollLeft + f.scrollTop") > 0
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shoot(page, f"zoomed-{width}")
        # Back to the page in the text.
        page.locator(".scan-back a", has_text="Back to the text").click()
        page.wait_for_url("**" + BOOK + "#page-3")
        assert page.locator("#page-3").evaluate("e => e.matches(':target')")
        target = page.locator("#page-3").bounding_box()  # scrolled to, also inside the scans' own column
        assert target and -2 <= target["y"] < 900 - 40
        # The text's page break leads to its scan.
        page.locator(".text .pb a", has_text="[Page 43]").click()
        page.wait_for_url("**/@scans/3/")
    finally:
        context.close()


def test_no_wcag_violations_on_the_record_page_and_the_viewer(minutes, page):
    """axe-core needs JavaScript to run: this tab has it (the pages are the same without it)."""
    found = {}
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for path in (BOOK, f"{BOOK}@scans/2/", f"{BOOK}@scans/1/?size=850", f"{BOOK}@scans/3/?size=1700"):
            response = page.goto(minutes + path)
            assert response is not None and response.status == 200, path
            found[(width, path)] = axe_violations(page)
    assert found == {key: [] for key in found}, "\n".join(f"{k}: {v}" for k, v in found.items() if v)
