"""What a browser sees: the archive served over HTTP and rendered by Chromium, the seed on the home page."""

from .conftest import SEED

TITLE = "Secret North Vietnam Politburo Cable No. 323"


def test_home_page_renders_in_chromium(live_server_url, import_files, page):
    report = import_files(SEED)
    assert report.ok, report.files[0].error

    response = page.goto(live_server_url + "/")
    assert response is not None and response.status == 200
    assert page.title() == "Readingroom"
    assert page.locator("main h1").inner_text() == "Readingroom"
    assert page.locator("main p.lead").inner_text() == "1 published document."

    # Follow the link as a reader would: the record page opens with its title and the date as written.
    page.get_by_role("link", name=TITLE).click()
    page.wait_for_url("**/records/**")
    assert page.locator("h1.record-title").inner_text() == TITLE
    assert "October 15, 1968" in page.locator("main").inner_text()

    # The stylesheet really loaded: editorial brackets are set apart from the text around them.
    bracket = page.locator(".editorial", has_text="[private]").first
    paragraph_color = bracket.evaluate("e => getComputedStyle(e.closest('p')).color")
    assert bracket.evaluate("e => getComputedStyle(e).color") != paragraph_color
