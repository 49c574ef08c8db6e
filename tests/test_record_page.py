"""The record page set like a page of FRUS, each bug a tester reported reproduced on real records: notes
numbered once with back-links, the signature and the dateline printed once, the document number with the
classification, the date once, wrong source dates corrected at import and said, the capture's hidden e-mail
said for what it is, the original's language, the summary first, scans beside the text, breadcrumbs and the
volume's previous and next documents."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import CORPUS, ROOT

pytestmark = pytest.mark.django_db

FRUS = CORPUS / "frus" / "frus1964-68v07-excerpt.xml"
HISTORY = CORPUS / "frus-history" / "documents"
DA = ROOT / "tests" / "data" / "da"


@pytest.fixture
def frus(import_files):
    report = import_files(FRUS)
    assert report.ok, report.files[0].error


class _Page(HTMLParser):
    """Ids, links and the visible text of a page."""

    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self._skip = 0
        self._tip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        if tag == "a" and a.get("href"):
            self.hrefs.append((a["href"], a))
        if tag in ("script", "style", "head"):
            self._skip += 1
        if tag == "span" and (self._tip or a.get("role") == "tooltip"):  # a popover: hidden until asked for
            self._tip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head"):
            self._skip -= 1
        if tag == "span" and self._tip:
            self._tip -= 1

    def handle_data(self, data):
        if not self._skip and not self._tip:
            self.text.append(data)


def parse(html: str) -> _Page:
    p = _Page()
    p.feed(html)
    return p


def record_part(html: str) -> str:
    """The record itself: from <main> to the citations (which repeat the date and the title, as they must)."""
    return html[html.index("<main") : html.index('<section class="cite"')]


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", "".join(parse(html).text))


# -- 1. notes: one number each, references and notes linked both ways, the source note on the heading --------


def test_frus_notes_are_numbered_once_and_linked_both_ways(client, frus):
    html = client.get("/records/frus1964-68v07/d74/").content.decode()
    notes = html[html.index('<section class="notes"') :]
    notes = notes[: notes.index("</section>")]
    # One number per note, its own (n): the list itself prints none (a numbered <ol> printed "1. 1 Source").
    assert '<ol class="footnotes">' in notes
    assert re.findall(r'<span class="fn-n">(\d+)</span>', notes) == ["1", "2", "3"]
    assert visible(notes).count("1 Source: National Archives") == 1
    page = parse(html)
    assert len(page.ids) == len(set(page.ids)), "ids must be unique"
    # Every reference leads to its note and every note back to its reference.
    refs = [(h, a) for h, a in page.hrefs if "note-ref" in a.get("class", "")]
    backs = [(h, a) for h, a in page.hrefs if "fn-back" in a.get("class", "")]
    assert [h for h, _ in refs] == ["#d74fn1", "#d74fn2", "#d74fn3"]
    assert [h for h, _ in backs] == ["#d74fn1-ref", "#d74fn2-ref", "#d74fn3-ref"]
    for href, _ in refs + backs:
        assert href[1:] in page.ids, href
    # The source note hangs on the document's heading, as in FRUS.
    title = re.search(r'<h1 class="record-title"[^>]*>.*?</h1>', html, re.S).group(0)
    assert 'id="d74fn1-ref" href="#d74fn1"' in title
    assert "↩" in notes


def test_note_references_in_stored_text_get_ids_without_trusting_it(client, writer):
    """Any importer's footnotes (docs/record-schema.md: `<a class="note-ref" href="#id">`) get the back-links;
    the id added comes from the sanitized href, so markup cannot break out of it."""
    writer.save(
        {
            "id": "t/notes",
            "title": "Notes",
            "texts": [
                {
                    "html": '<p>One<sup class="fn"><a class="note-ref" href="#a&quot;onmouseover=x">1</a></sup>'
                    ' and again<a class="note-ref" href="#n2">2</a><a class="note-ref" href="#n2">2</a></p>'
                }
            ],
            "notes": [
                {"id": 'a"onmouseover=x', "n": "1", "html": "first"},
                {"id": "n2", "n": "2", "html": "x"},
            ],
        }
    )
    html = client.get("/records/t/notes/").content.decode()
    assert "onmouseover=x" not in re.sub(r'"[^"]*"', '""', html)  # only ever inside an attribute's quotes
    page = parse(html)
    assert page.ids.count("n2-ref") == 1  # the first reference of a note carries the id, once
    assert ("#n2-ref", {"class": "fn-back", "href": "#n2-ref"}) in [
        (h, {k: a[k] for k in ("class", "href")}) for h, a in page.hrefs if a.get("class") == "fn-back"
    ]


# -- 2., 3., 4. the signature, the dateline, the number, the date: once each ---------------------------------


def test_signature_dateline_and_date_are_printed_once(client, frus):
    html = client.get("/records/frus1964-68v07/d74/").content.decode()
    record = record_part(html)
    text = visible(record)
    assert record.count('class="signature"') == 1 and text.count("Rusk") == text.count("Rusk") > 0
    assert [visible(p) for p in re.findall(r'<p class="signature">(.*?)</p>', record)] == ["Rusk"]
    assert record.count('class="dateline"') == 1  # the text's own "Washington, October 15, 1968, 1059Z."
    head = record[: record.index("</header>")]
    # The date as written once in the heading (the text's own dateline says it again, as the document does).
    assert visible(head).count("October 15, 1968, 1059Z") == 1
    assert text.count("October 15, 1968, 1059Z") == 2
    # The normalized form is in the <time> element, its title, and the Document Information list only.
    assert (
        '<time datetime="1968-10-15T10:59:00Z" title="Normalized date (EDTF): 1968-10-15T10:59:00Z">'
        in record
    )
    assert "1968-10-15T10:59:00Z" not in visible(head)
    assert re.search(r"<dt>Date \(normalized\)</dt><dd[^>]*><time[^>]*>1968-10-15T10:59:00Z</time>", record)


def test_document_number_with_title_and_classification(client, frus):
    html = client.get("/records/frus1964-68v07/d74/").content.decode()
    designation = re.search(r'<p class="designation">.*?</p>', html, re.S).group(0)
    assert '<span class="doc-number">Document 74</span>' in designation
    assert [m for m in re.findall(r'<span class="marking">([^<]*)</span>', designation)] == [
        "Secret",
        "Immediate",
        "Nodis",
        "Harvan",
        "Double Plus",
    ]
    assert html.index('class="record-title"') < html.index('class="designation"')


# -- 5. dates that contradict the record's own title and dateline ---------------------------------------------

MONTHS = "January February March April May June July August September October November December".split()


def test_frus_history_dates_agree_with_their_titles(import_files):
    """The check that found the two: a record whose title names a month and year must be dated in it."""
    from readingroom.records.models import Record

    report = import_files(HISTORY)
    assert report.ok
    contradictions = []
    for rec in Record.objects.all():
        named = re.search(rf"\b({'|'.join(MONTHS)}) (\d{{4}})\b", rec.title)
        if named and rec.date_earliest:
            month = f"{named.group(2)}-{MONTHS.index(named.group(1)) + 1:02d}"
            if not rec.date_earliest <= month + "-31" or not rec.date_latest >= month + "-01":
                contradictions.append((rec.pk, rec.date_edtf, rec.title))
    assert contradictions == []
    corrected = {
        rec.pk: rec.document["extra"]["date_corrected"]["source_value"]
        for rec in Record.objects.all()
        if "date_corrected" in rec.document["extra"]
    }
    assert corrected == {
        "frus-history/1959-11-06-hac-meeting-minutes": "1958-11-07",
        "frus-history/1979-09-25-ho-meeting-with-cia": "1979-08-15",
    }
    notices = [n.message for f in report.files for n in f.notices if n.field == "date"]
    assert sum("the date as written was kept" in m for m in notices) == 2


def test_corrected_date_files_the_record_under_its_year_and_says_so(client, import_files):
    report = import_files(HISTORY / "1959-11-06-hac-meeting-minutes.xml")
    assert report.ok
    html = client.get("/records/frus-history/1959-11-06-hac-meeting-minutes/").content.decode()
    assert (
        '<time datetime="1959-11-06" title="Normalized date (EDTF): 1959-11-06">November 6, 1959</time>'
        in html
    )
    notice = re.search(r'<p class="notice date-corrected" role="note">.*?</p>', html, re.S).group(0)
    assert "1958-11-07" in notice and "November 6, 1959" in notice
    assert (
        "Transcript of Historical Advisory Committee Meeting" in client.get("/years/1959/").content.decode()
    )
    assert (
        "Transcript of Historical Advisory Committee Meeting"
        not in client.get("/years/1958/").content.decode()
    )


def test_an_ambiguous_source_date_is_kept_and_reported(import_files, tmp_path):
    """When the title does not back the date as written, the importer does not choose: the attribute stays."""
    from readingroom.records.models import Record

    source = (HISTORY / "1979-09-25-ho-meeting-with-cia.xml").read_text()
    changed = re.sub(r"Officials,\s+September 1979", "Officials, 1979", source)
    assert changed != source
    path = tmp_path / "1979-09-25-ho-meeting-with-cia.xml"
    path.write_text(changed)
    report = import_files(path)
    rec = Record.objects.get()
    assert rec.date_edtf == "1979-08-15" and "date_corrected" not in rec.document["extra"]
    assert any("the header's date was kept" in n.message for n in report.files[0].notices)


# -- 6. the capture's "[email protected]" ----------------------------------------------------------------------


def test_hidden_email_is_recognized_at_import(import_files, tmp_path):
    """A saved HTML page as Cloudflare serves it: the address replaced by a link to its decoder script."""
    from readingroom.records.models import Record
    from readingroom.records.texts import HIDDEN_EMAIL

    page = tmp_path / "record.html"
    page.write_text(
        "<!doctype html><html><head><title>x</title></head><body>"
        "<p>October 15, 1968</p><h1>A Cable</h1><p>Write to "
        '<a href="/cdn-cgi/l/email-protection" class="__cf_email__" data-cfemail="d1b0">[email&#160;protected]</a>'
        " about it.</p><p>A summary.</p><h2>Document Information</h2><p>An Archive.</p>"
        "<p>To enquire about this document's rights status contact us at "
        '<a href="/cdn-cgi/l/email-protection#x" class="__cf_email__">[email&#160;protected]</a>.</p>'
        "</body></html>"
    )
    report = import_files(page)
    assert report.files[0].error is None
    doc = Record.objects.get().document
    assert "protected]" not in str(doc)
    assert f'Write to <span class="editorial">{HIDDEN_EMAIL}</span> about it.' in doc["texts"][0]["html"]
    assert doc["rights"]["statement"].endswith(f"contact us at {HIDDEN_EMAIL}.")


def test_hidden_email_is_recognized_on_display(client, writer):
    """A record stored before (or by another route) still never prints the artefact as the document's words."""
    writer.save(
        {
            "id": "t/email",
            "title": "Stored with the artefact",
            "summary": "Ask [email protected] for <b>more</b>.",
            "texts": [{"html": "<p>Mail [email&nbsp;protected] today.</p>"}],
            "rights": {"statement": "Contact [email\u00a0protected]."},
        }
    )
    html = client.get("/records/t/email/").content.decode()
    record = record_part(html)
    assert "protected]" not in visible(record)
    assert record.count('<span class="editorial hidden-email"') == 3
    assert "Ask <span" in record and "for &lt;b&gt;more&lt;/b&gt;." in record  # plain text stays escaped


# -- 7. languages ----------------------------------------------------------------------------------------------


def test_translated_from_the_original_language(client, import_files):
    report = import_files(DA / "114010.json")
    assert report.ok
    html = client.get("/records/114010/").content.decode()
    assert '<p class="translated-from">Translated from Vietnamese into English.</p>' in html
    assert '<dt>Original language</dt><dd class="original-language">Vietnamese</dd>' in html
    assert '<section class="text text-translation" lang="en" data-language="eng">' in html
    assert "Languages" not in record_part(html)


def test_original_and_translation_side_by_side_each_with_its_lang(client, import_files):
    report = import_files(DA / "page-999001.json")
    assert report.ok
    html = client.get("/records/999001/").content.decode()
    assert '<div class="record-body with-files parallel">' in html
    assert re.findall(r'<section class="text text-(\w+)" lang="(\w+)"', html) == [
        ("translation", "en"),
        ("transcription", "ru"),
    ]
    assert '<h2 id="text-1" lang="en">Translation (English)</h2>' in html
    assert '<h2 id="text-2" lang="en">Transcription (Russian)</h2>' in html
    assert '<p class="translated-from">Translated from Russian.</p>' in html


# -- 8. the summary first ----------------------------------------------------------------------------------------


def test_summary_comes_before_the_text(client, seed_record):
    html = client.get(f"/records/{seed_record.pk}/").content.decode()
    assert (
        html.index('<section class="summary"')
        < html.index('<section class="text')
        < html.index("Politburo</p>")
    )


# -- 9. scans beside the text -------------------------------------------------------------------------------------


@pytest.fixture
def scanned(archive, settings):
    from readingroom.iiif.images import TileStore

    from .test_iiif import make_image

    media = archive.settings.media_path
    settings.MEDIA_ROOT = str(media)
    make_image(media / "s" / "page-1.jpg", (1200, 1600))
    archive.store.save(
        {
            "id": "s/letter",
            "title": "A Scanned Letter",
            "texts": [{"body": "Dear Sir."}],
            "media": [{"path": "s/page-1.jpg", "label": "Page 1"}],
        }
    )
    TileStore.of(archive.settings).for_records(["s/letter"])
    return archive


def test_scans_show_a_thumbnail_beside_the_text(client, scanned):
    html = client.get("/records/s/letter/").content.decode()
    aside = re.search(r'<aside class="files".*?</aside>', html, re.S).group(0)
    assert html.index("<aside") < html.index('<section class="text')
    thumb = re.search(r'<img src="([^"]+)" width="(\d+)" height="(\d+)" alt="Page 1"', aside)
    assert thumb, aside
    assert int(thumb.group(2)) >= 240
    response = client.get(thumb.group(1))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert '<a href="/records/s/letter/@manifest.json" type="application/ld+json">IIIF manifest</a>' in aside
    assert '<a href="/media/s/page-1.jpg">' in aside


# -- 10. breadcrumbs and the volume's previous and next documents ------------------------------------------------


def test_breadcrumbs_and_previous_next_in_the_volume(client, frus, archive):
    html = client.get("/records/frus1964-68v07/d74/").content.decode()
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    assert re.findall(r'<a href="([^"]+)">', crumbs) == [
        "/collections/frus1964-68v07/",
        "/collections/frus1964-68v07/copm1/",
        "/collections/frus1964-68v07/ch2/",
    ]
    bottom = re.search(r'<nav class="neighbours neighbours-bottom".*?</nav>', html, re.S).group(0)
    assert 'rel="prev" href="/records/frus1964-68v07/d3/"' in bottom and "Document 3" in bottom
    assert 'rel="next" href="/records/frus1964-68v07/d75/"' in bottom and "Document 75" in bottom
    first = client.get("/records/frus1964-68v07/d1/").content.decode()
    assert 'rel="next" href="/records/frus1964-68v07/d2/"' in first and 'rel="prev"' not in first
    # Only public documents: withdraw d75 and d74 leads past it to nothing.
    archive.store.set_status("frus1964-68v07/d75", "draft")
    html = client.get("/records/frus1964-68v07/d74/").content.decode()
    assert "d75" not in record_part(html) and 'rel="next"' not in html


def test_previous_and_next_cost_one_query_each(frus):
    from readingroom.records.apparatus import neighbours
    from readingroom.records.models import Authority, Record

    record = Record.objects.get(pk="frus1964-68v07/d74")
    volume = Authority.objects.get(kind="collection", key="frus1964-68v07")
    with CaptureQueriesContext(connection) as queries:
        before, after = neighbours(record, volume)
    assert (before.pk, after.pk, before.number, after.number) == (
        "frus1964-68v07/d3",
        "frus1964-68v07/d75",
        "3",
        "75",
    )
    assert len(queries) == 2
    assert all('"document"' not in q["sql"].split("FROM")[0] or "number" in q["sql"] for q in queries)


def test_the_editors_preview_sets_the_page_the_same_way(frus):
    """The preview renders the public template from the document alone (records/preview.py)."""
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from readingroom.records.models import Record
    from readingroom.records.preview import preview_context

    doc = Record.objects.get(pk="frus1964-68v07/d74").document
    html = render_to_string("readingroom/record.html", preview_context(RequestFactory().get("/"), doc))
    assert '<span class="doc-number">Document 74</span>' in html
    assert 'id="d74fn2-ref"' in html and 'href="#d74fn2-ref"' in html
