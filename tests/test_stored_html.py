"""Stored HTML is cleaned again when a record page shows it: a row changed behind the importer's back (by hand, by
a restore, by a bug) cannot put script on a page. The importer's own cleaning is tested in test_texts.py."""

from __future__ import annotations

import copy
import re

from django.db import connection

from readingroom.records.models import Record
from readingroom.records.texts import sanitize

from .conftest import SEED

# Each would run script (or set window.__xss) if the page trusted the row.
TAMPERED_TEXT = (
    "<p>A legitimate paragraph, kept.</p>"
    "<script>window.__xss = 1; document.title = 'pwned'; alert('script')</script>"
    "<p><img src=x onerror=\"window.__xss = 2; alert('img')\"></p>"
    "<p><a id=jslink href=\"javascript:window.__xss = 3; alert('link')\">A link that would run script</a></p>"
    '<p><a id=jslink2 href="  JaVa&#x09;ScRiPt:window.__xss = 3">Another</a></p>'
    '<iframe src="javascript:parent.__xss = 4" srcdoc="<script>parent.__xss = 4</script>"></iframe>'
    "<svg onload=\"window.__xss = 5; alert('svg')\"><circle r=1 /></svg>"
    '<p onclick="window.__xss = 6" style="background:url(javascript:alert(1))">A second paragraph, kept.</p>'
    '<noscript><p title="</noscript><img src=x onerror=window.__xss=7>"></p></noscript>'
    '<object data="javascript:window.__xss = 8"></object><embed src="javascript:window.__xss = 8">'
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=9></style></mglyph></table></mtext></math>"
    '<p><a href="https://history.state.gov/">A real link, kept</a></p>'
)
TAMPERED_NOTE = (
    "<strong>A note, kept.</strong><script>window.__xss = 10</script><img src=x onerror=window.__xss=11>"
)
GONE = (
    "<script",
    "onerror",
    "javascript:",
    "<iframe",
    "srcdoc",
    "<svg",
    "onload",
    "onclick",
    "<object",
    "<embed",
    "<math",
    "<style",
    "style=",
    "__xss",
    "pwned",
    "<img",
)
# The page's own script elements: its JSON-LD, data in which "<" cannot occur (escaped), and citations.js.
# tests/test_citations.py tests both.
OWN_SCRIPTS = re.compile(
    r'<script type="application/ld\+json">[^<]*</script>'
    r'|<script src="/static/readingroom/(?:citations|apparatus)\.js" defer></script>'
)
KEPT = (
    "A legitimate paragraph, kept.",
    "A second paragraph, kept.",
    "A note, kept.",
    '<a href="https://history.state.gov/">A real link, kept</a>',
)


def tamper(record: Record) -> dict:
    """Write the payload straight into the row, past the importer and RecordWriter."""
    doc = copy.deepcopy(record.document)
    doc["texts"][0]["html"] += TAMPERED_TEXT
    doc["notes"] = [
        *(doc.get("notes") or []),
        {"id": "n-tampered", "n": "99", "type": None, "html": TAMPERED_NOTE},
    ]
    assert Record.objects.filter(pk=record.pk).update(document=doc) == 1
    return doc


def test_tampered_texts_and_notes_render_without_script(client, seed_record):
    original = seed_record.document["texts"][0]["html"]
    tamper(seed_record)
    with connection.cursor() as cursor:  # the row itself holds the payload: nothing cleaned it on the way in
        cursor.execute("SELECT document FROM records_record WHERE id = %s", [seed_record.pk])
        assert "<script>window.__xss = 1" in str(cursor.fetchone()[0])
    page = client.get(seed_record.get_absolute_url()).content.decode()
    found = [s for s in GONE if s in OWN_SCRIPTS.sub("", page).lower()]
    assert not found, found
    for text in KEPT:
        assert text in page
    # What the importer stored is shown exactly as stored: cleaning again changes nothing.
    assert original == sanitize(original) and original in page


def test_the_filter_is_the_importers_cleaner():
    from readingroom.web.templatetags.readingroom import sanitized

    assert sanitized(TAMPERED_TEXT) == sanitize(TAMPERED_TEXT)
    assert sanitized(None) == "" and sanitized("") == ""
    assert '<a id="jslink">A link that would run script</a>' in sanitized(TAMPERED_TEXT)


def test_tampered_row_runs_no_script_in_chromium(live_server_url, import_files, page):
    report = import_files(SEED)
    assert report.ok, report.files[0].error
    record = Record.objects.get()
    tamper(record)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    response = page.goto(live_server_url + record.get_absolute_url())
    assert response is not None and response.status == 200
    page.wait_for_load_state("load")
    # The legitimate text, the seed's own and the payload's, is there; nothing the payload carried ran.
    body = page.locator(".text .body").first.inner_text()
    assert "A legitimate paragraph, kept." in body and "A second paragraph, kept." in body
    assert "probes" in body and "[Tran Buu] Kiem" in body
    assert page.locator(".notes li#n-tampered").inner_text().endswith("A note, kept.")
    # Links that would have run script are left without a destination; clicking them does nothing.
    assert page.locator("#jslink").get_attribute("href") is None
    assert page.locator("#jslink2").get_attribute("href") is None
    page.locator("#jslink").click()
    page.locator("#jslink2").click()
    assert (
        page.locator("a", has_text="A real link, kept").get_attribute("href") == "https://history.state.gov/"
    )
    assert page.locator("main script, main iframe, main svg, main img, main object, main embed").count() == 0
    assert page.evaluate("window.__xss") is None
    assert page.title() == f"{record.title} — Readingroom"
    assert dialogs == []


def test_stored_urls_that_would_run_script_are_not_links(client, writer):
    """Media and rights URLs are attributes, not text the cleaner sees: input refuses any but http(s) and relative
    ones (records/schema.py check_url), and output still links only what the cleaner's URL rule keeps."""
    import pytest

    from readingroom.records.schema import RecordError
    from readingroom.web.templatetags.readingroom import link_url

    bad = [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>x</script>",
        "vbscript:msgbox(1)",
    ]
    good = [
        "https://history.state.gov/a?b=1&c=2",
        "http://x.org/",
        "mailto:a@b.org",
        "/media/scan.pdf",
        "scan.pdf",
    ]
    assert [u for u in bad if link_url(u)] == []
    assert [link_url(u) for u in good] == good
    for url in bad:
        with pytest.raises(RecordError, match=r"media\[0\]\.url.*URLs are not accepted"):
            writer.save({"id": "t/urls", "title": "URLs", "media": [{"url": url, "label": "scan"}]})
        with pytest.raises(RecordError, match=r"rights\.uri.*give an http\(s\) URL"):
            writer.save({"id": "t/urls", "title": "URLs", "rights": {"statement": "Reuse.", "uri": url}})
    writer.save(
        {
            "id": "t/urls",
            "title": "URLs",
            "media": [{"url": "https://example.org/scan.pdf"}, {"url": "/media/other.pdf", "label": "other"}],
            "rights": {
                "statement": "Reuse welcome.",
                "uri": "https://rightsstatements.org/vocab/NoC-US/1.0/",
            },
        }
    )
    page = client.get("/records/t/urls/").content.decode()
    assert 'href="javascript' not in page.lower()
    assert '<a href="https://example.org/scan.pdf">https://example.org/scan.pdf</a>' in page
    assert '<a href="/media/other.pdf">other</a>' in page
    assert '<a href="https://rightsstatements.org/vocab/NoC-US/1.0/">' in page
