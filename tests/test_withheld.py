"""Passages withheld at declassification as data (records/withheld.py, docs/withheld.md): the recognizer on every
marker form of the corpora and on FRUS's other forms, the field `withheld` kept by the store through imports and
later edits, the record page, the JSON API, the JSON Lines and CSV exports, and the /withheld/ page."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter

import lxml.html
import pytest
from lxml import etree

from readingroom.exports import csv_records
from readingroom.records import withheld
from readingroom.records.models import Record
from readingroom.records.schema import normalize_record
from readingroom.records.texts import html_to_plain, sanitize
from readingroom.records.vocabulary import WITHHELD_KIND, WITHHELD_KINDS

from .conftest import CORPUS

TEI = {"t": "http://www.tei-c.org/ns/1.0"}
FRUS_HISTORY = CORPUS / "frus-history" / "documents"
SEPT_25 = (
    FRUS_HISTORY / "1979-09-25-ho-meeting-with-cia.xml"
)  # names, texts, paragraphs; a period after </hi>
SEPT_25_ID = "frus-history/1979-09-25-ho-meeting-with-cia"
JUNE_91 = FRUS_HISTORY / "1991-06-18-hac-meeting-minutes.xml"  # "Remainder of paragraph not declassified."
NOV_80 = (
    FRUS_HISTORY / "1980-11-13-hac-meeting-minutes.xml"
)  # prose only: "parts of documents, that were not..."


# -- an oracle that does not share the recognizer's code ----------------------------------------------------------


def tei_plain(path) -> str:
    """The text of a TEI file's <text> as a reader sees it, whitespace collapsed."""
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    return " ".join(" ".join(tree.getroot().find("t:text", TEI).itertext()).split())


def bracketed_markers(plain: str) -> list[str]:
    """Each "not declassified" whose nearest bracket before it opens one that closes after it: the content of
    that bracket. (The recognizer works the other way round, with one pattern.)"""
    out = []
    for m in re.finditer(r"not\s+declassified", plain, re.I):
        before, after = plain[: m.start()], plain[m.end() :]
        opened, closed = before.rfind("["), before.rfind("]")
        end = after.find("]")
        if opened > closed and end != -1 and "[" not in after[:end]:
            out.append(" ".join((before[opened + 1 :] + m.group(0) + after[:end]).split()).replace(" .", "."))
    return out


def corpus_files():
    return sorted([*FRUS_HISTORY.glob("*.xml"), *(CORPUS / "frus-history" / "articles").glob("*.xml")])


# -- the recognizer ---------------------------------------------------------------------------------------------

# Every form the corpora print (grep -rhoi "[^>]\{0,40\}not declassified" /work/shared/corpus), as a reader sees it.
CORPUS_FORMS = [
    ("Name not declassified", "name", None),
    ("name not declassified", "name", None),
    ("text not declassified", "text", None),
    ("Text not declassified.", "text", None),
    ("text not declassified.", "text", None),
    ("Paragraph not declassified.", "paragraph", None),
    ("Remainder of paragraph not declassified.", "paragraph", None),
    ("4 names not declassified", "name", 4),
]
# The forms FRUS volumes print besides.
FRUS_FORMS = [
    ("1 paragraph not declassified", "paragraph", 1),
    ("1 paragraph (3 lines) not declassified", "paragraph", 1),
    ("2 paragraphs (14½ lines) not declassified", "paragraph", 2),
    ("1½ lines not declassified", "line", 1.5),
    ("2 lines not declassified", "line", 2),
    ("1 line of source text not declassified", "line", 1),
    ("3 pages not declassified", "page", 3),
    ("7 pages of source text not declassified", "page", 7),
    ("Document not declassified.", "document", None),
    ("place not declassified", "place", None),
    ("title not declassified", "title", None),
    ("Name and title not declassified", "name", None),
    ("number not declassified", "number", None),
    ("dollar amount not declassified", "amount", None),
    ("cryptonym not declassified", "cryptonym", None),
    ("Footnote text not declassified", "footnote", None),
    ("Attachment not declassified", "attachment", None),
    ("Tab A not declassified", "attachment", None),
    ("two names not declassified", "name", 2),
    ("an individual not declassified", "name", 1),
    ("something odd not declassified", "other", None),
]


@pytest.mark.parametrize(
    "marker,kind,count", CORPUS_FORMS + FRUS_FORMS, ids=[f[0] for f in CORPUS_FORMS + FRUS_FORMS]
)
def test_each_form_is_recognized(marker, kind, count):
    for text in (f"Before [{marker}] after.", f"[{marker}]", f"x [ {marker} ] y"):
        (entry,) = withheld.find(text)
        assert entry["marker"] == marker and entry["kind"] == kind and entry["kind"] in WITHHELD_KIND
        assert entry.get("count") == count


def test_amounts_and_bounds():
    assert withheld.parse("less than 1 line not declassified") == {
        "marker": "less than 1 line not declassified",
        "kind": "line",
        "less_than": 1,
    }
    assert withheld.parse("2 ½ lines not declassified")["count"] == 2.5
    assert withheld.parse("½ line not declassified")["count"] == 0.5
    assert "count" not in withheld.parse("1968 not declassified")  # a number alone is what is withheld
    assert withheld.parse("Attachment not declassified")["kind"] == "attachment"  # "A" is not "a" (one)


def test_the_period_inside_or_after_the_italics_and_line_breaks():
    # As TEI prints them: [<hi>text not declassified</hi>.] and a marker broken over two lines.
    assert withheld.find("the contingency [text not declassified.] He said") == [
        {"marker": "text not declassified.", "kind": "text"}
    ]
    assert withheld.find("[Name not\n        declassified] said")[0]["marker"] == "Name not declassified"
    markup = '<p>[<em>text not declassified</em>.] and [<span class="italic">4 names not\n declassified</span>]</p>'
    assert [(e["marker"], e.get("count")) for e in withheld.in_html(markup)] == [
        ("text not declassified.", None),
        ("4 names not declassified", 4),
    ]


PROSE = [
    "Mr. Franklin pointed out that if the omitted documents were not declassified for Foreign Relations, ...",
    "documents, or parts of documents, that were not declassified. CDC and some Bureaus were opposed",
    "When material is not declassified, has the Historical Office already done its job",
    "Allen's signature was present, but not declassified for release.",
    "[Omitted here is discussion of documents that were not declassified",  # a bracket that never closes
    "[Allen said] the rest was not declassified]",  # the bracket closed before the words
    "[not declassified]",  # says nothing of what is missing... still a marker: see below
]


@pytest.mark.parametrize("text", PROSE[:-1])
def test_prose_about_declassification_is_not_a_marker(text):
    assert withheld.find(text) == []


def test_a_bare_marker_is_other():
    assert withheld.find(PROSE[-1]) == [{"marker": "not declassified", "kind": "other"}]


def test_other_brackets_and_long_brackets_are_not_markers():
    assert withheld.find("[Tran Buu] Kiem [sic] [illegible] [1 line illegible]") == []
    assert withheld.find("[" + "x" * 200 + " not declassified]") == []
    assert withheld.find("[[Name not declassified]]") == [{"marker": "Name not declassified", "kind": "name"}]


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_every_marker_of_the_corpora_is_found_and_no_prose(path):
    plain = tei_plain(path)
    expected = bracketed_markers(plain)
    found = [e["marker"] for e in withheld.find(plain)]
    assert found == expected
    for marker in found:
        assert withheld.parse(marker)["kind"] != "other", marker


def test_the_corpora_hold_markers_and_prose_alike():
    """The oracle above is not vacuous: the corpora have both."""
    files = corpus_files()
    assert sum(len(bracketed_markers(tei_plain(p))) for p in files) > 80
    assert "not declassified" in tei_plain(NOV_80) and not bracketed_markers(tei_plain(NOV_80))


def test_summary_and_counts():
    entries = withheld.find("[Name not declassified] [name not declassified] [1 paragraph not declassified]")
    assert withheld.counts(entries) == [("name", 2), ("paragraph", 1)]
    assert withheld.summary(entries) == "3 withheld passages: 2 names, 1 paragraph"
    assert withheld.summary(entries[2:]) == "1 withheld passage: 1 paragraph"
    assert withheld.summary([]) == ""
    assert withheld.kinds(entries) == ["name", "paragraph"]
    assert list(WITHHELD_KINDS)[-1] == "other"


# -- marking the rendered text ------------------------------------------------------------------------------------


def test_mark_wraps_each_marker_and_changes_nothing_else():
    markup = sanitize(
        "<p>[<em>Name not declassified</em>] said; [<em>text not declassified</em>.] Our "
        "<em>[odd</em> not declassified] [Tran Buu] Kiem [1½ lines not declassified]</p>"
    )
    marked = withheld.mark(markup)
    spans = lxml.html.fromstring(marked).xpath("//span[contains(@class, 'withheld')]")
    assert [s.text_content() for s in spans] == [
        "[Name not declassified]",
        "[text not declassified.]",
        "[1½ lines not declassified]",
    ]
    assert [s.get("class") for s in spans] == [
        "withheld withheld-name",
        "withheld withheld-text",
        "withheld withheld-line",
    ]
    assert all(s.get("title").startswith("Withheld at declassification") for s in spans)
    # Unwrapping gives back the text as stored; the bracket opened in one element and closed in another is kept.
    assert re.sub(r'<span class="withheld[^"]*" title="[^"]*">|</span>', "", marked) == re.sub(
        r"</?span[^>]*>", "", markup
    )
    assert "<em>[odd</em> not declassified]" in marked
    assert withheld.mark("<p>No markers.</p>") == "<p>No markers.</p>"
    assert html_to_plain(marked) == html_to_plain(markup)


def test_record_page_filter_escapes_what_is_not_safe():
    from readingroom.web.templatetags.withheld import withheld_marks

    out = withheld_marks("<script>x</script> [Name not declassified]")
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert '<span class="withheld withheld-name"' in out


# -- the store ------------------------------------------------------------------------------------------------------


def test_normalize_derives_withheld_and_ignores_what_was_given():
    doc = normalize_record(
        {
            "id": "w/1",
            "title": "Memo",
            "texts": [{"body": "Met [Name not declassified] and [1 paragraph (3 lines) not declassified]"}],
            "notes": ["Source: [4 names not declassified] memorandum."],
            "withheld": [{"marker": "made up", "kind": "page"}],
        }
    )
    assert doc["withheld"] == [
        {"marker": "Name not declassified", "kind": "name"},
        {"marker": "1 paragraph (3 lines) not declassified", "kind": "paragraph", "count": 1},
        {"marker": "4 names not declassified", "kind": "name", "count": 4},
    ]
    assert normalize_record(doc) == doc  # the canonical form is a fixed point
    assert "Met [Name not declassified]" in html_to_plain(
        doc["texts"][0]["html"]
    )  # the text keeps it verbatim


@pytest.mark.django_db
def test_an_edit_updates_withheld(archive):
    store = archive.store
    store.save({"id": "w/edit", "title": "Memo", "text": "Present: [Name not declassified]."})
    assert [e["kind"] for e in Record.objects.get(pk="w/edit").document["withheld"]] == ["name"]
    doc = store.document("w/edit")
    doc["texts"][0]["html"] += "<p>[Paragraph not declassified.]</p><p>[2 pages not declassified]</p>"
    store.save(doc, actor=None, note="markers restored from the printed volume")
    saved = Record.objects.get(pk="w/edit").document["withheld"]
    assert [(e["kind"], e.get("count")) for e in saved] == [("name", None), ("paragraph", None), ("page", 2)]
    doc = store.document("w/edit")
    doc["texts"][0]["html"] = "<p>Present: Mr. Smith.</p>"  # the name was declassified later
    store.save(doc)
    assert Record.objects.get(pk="w/edit").document["withheld"] == []


@pytest.mark.django_db
def test_a_document_stored_before_the_field_still_has_its_markers(archive):
    archive.store.save({"id": "w/old", "title": "Old", "text": "[Text not declassified.]"})
    rec = Record.objects.get(pk="w/old")
    old = {k: v for k, v in rec.document.items() if k != "withheld"}
    Record.objects.filter(pk="w/old").update(document=old)  # as an earlier release stored it
    assert withheld.of_document(Record.objects.get(pk="w/old").document) == [
        {"marker": "Text not declassified.", "kind": "text"}
    ]


@pytest.mark.django_db
def test_tei_import_keeps_the_markers_of_the_source(import_files):
    assert import_files(SEPT_25, JUNE_91, NOV_80).ok
    for path in (SEPT_25, JUNE_91, NOV_80):
        rec = Record.objects.get(pk=f"frus-history/{path.stem}")
        assert [e["marker"] for e in rec.document["withheld"]] == bracketed_markers(tei_plain(path))
        plain = "\n".join(html_to_plain(t["html"]) for t in rec.document["texts"])
        for e in rec.document["withheld"]:
            assert f"[{e['marker']}]" in " ".join(plain.split())  # verbatim in the text
    kinds = Counter(e["kind"] for e in Record.objects.get(pk=SEPT_25_ID).document["withheld"])
    assert set(kinds) == {"name", "text", "paragraph"} and kinds["paragraph"] == 2


# -- the record page, the API, the exports ------------------------------------------------------------------------


@pytest.fixture
def sept_25(import_files):
    assert import_files(SEPT_25).ok
    return Record.objects.get(pk=SEPT_25_ID)


@pytest.mark.django_db
def test_record_page_marks_and_counts(sept_25, client):
    response = client.get(f"/records/{SEPT_25_ID}/")
    assert response.status_code == 200
    tree = lxml.html.fromstring(response.content)
    entries = sept_25.document["withheld"]
    in_text = tree.xpath("//div[@class='body']//span[contains(concat(' ', @class, ' '), ' withheld ')]")
    in_notes = tree.xpath("//ol[@class='footnotes']//span[contains(concat(' ', @class, ' '), ' withheld ')]")
    assert len(in_text) + len(in_notes) == len(entries)
    assert [" ".join(s.text_content()[1:-1].split()) for s in in_text + in_notes] == [
        e["marker"] for e in entries
    ]
    (summary,) = tree.xpath("//dd[@class='withheld-summary']")
    n = Counter(e["kind"] for e in entries)
    text = " ".join(summary.text_content().split())
    assert text.startswith(
        f"{len(entries)} withheld passages: {n['name']} names, {n['text']} passages of text, 2 paragraphs"
    )
    links = {a.text_content(): a.get("href") for a in summary.xpath(".//a")}
    assert links[f"{len(entries)} withheld passages"] == "/search/?withheld=any"
    assert links[f"{n['name']} names"] == "/search/?withheld=name"
    assert any(h == "/withheld/" for h in links.values())
    assert tree.xpath("//link[@rel='stylesheet'][contains(@href, 'withheld')]")


@pytest.mark.django_db
def test_a_record_without_markers_shows_no_count(import_files, client):
    assert import_files(NOV_80).ok
    response = client.get(f"/records/frus-history/{NOV_80.stem}/")
    assert response.status_code == 200 and b"withheld-summary" not in response.content
    assert b'class="withheld' not in response.content


@pytest.mark.django_db
def test_api_record_and_exports_carry_withheld(sept_25, client, archive):
    entries = sept_25.document["withheld"]
    body = client.get(f"/api/v1/records/{SEPT_25_ID}").json()
    assert body["withheld"] == entries and len(entries) > 10
    # JSON Lines
    from readingroom.exports import jsonl

    (line,) = [json.loads(x) for x in jsonl.lines(Record.objects.filter(pk=SEPT_25_ID))]
    assert line["withheld"] == entries
    # CSV: the markers, ";"-separated, and an import reads the column without complaint and derives it again.
    out = "".join(
        [csv_records.header(list(csv_records.COLUMNS)), csv_records.row(line, list(csv_records.COLUMNS))]
    )
    (row,) = csv.DictReader(io.StringIO(out.lstrip("\ufeff")))
    assert row["withheld"].split("; ") == [e["marker"] for e in entries]
    from readingroom.ingest.csv_records import row_to_document

    raw = row_to_document({**row, "id": "w/csv", "withheld": "1 page not declassified"})
    assert "withheld" not in raw
    archive.store.save(raw)
    again = Record.objects.get(pk="w/csv").document["withheld"]
    assert [e["marker"] for e in again] == [e["marker"] for e in entries]


@pytest.mark.django_db
def test_openapi_describes_withheld(client):
    doc = client.get("/api/v1/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert schemas["Record"]["properties"]["withheld"]["items"] == {"$ref": "#/components/schemas/Withheld"}
    assert schemas["Withheld"]["properties"]["kind"]["enum"] == list(WITHHELD_KINDS)
    params = {p["name"] for op in doc["paths"]["/api/v1/search"].values() for p in op.get("parameters", [])}
    assert "withheld" in params


def test_mark_leaves_attribute_values_alone():
    """A popover's or a title's copy of a marker is not text: wrapping it would break the tag."""
    markup = (
        '<p title="a &gt; b [Name not declassified]">x [Name not declassified]</p>'
        '<a href="#n1" aria-label="[4 names not declassified]">y</a>'
    )
    marked = withheld.mark(markup)
    tree = lxml.html.fromstring(f"<div>{marked}</div>")
    assert tree.xpath("//p/@title") == ["a > b [Name not declassified]"]
    assert tree.xpath("//a/@aria-label") == ["[4 names not declassified]"]
    assert [s.text_content() for s in tree.xpath("//span[@class='withheld withheld-name']")] == [
        "[Name not declassified]"
    ]


# -- a record with an original and its translation -----------------------------------------------------------------

BOTH_TEXTS = {
    "id": "w/both",
    "title": "Cable with its translation",
    "status": "published",
    "texts": [
        {
            "kind": "original",
            "language": "rus",
            "body": "Встреча с [Name not declassified] и [1 line not declassified].",
        },
        {
            "kind": "translation",
            "language": "eng",
            "body": "Met [Name not declassified] and [1 line not declassified].",
        },
    ],
    "notes": ["Source: [Name not declassified] files."],
}


def test_an_original_and_its_translation_count_each_passage_once():
    doc = normalize_record(BOTH_TEXTS)
    assert [e["kind"] for e in doc["withheld"]] == ["name", "line", "name"]  # the texts' two, then the note's
    # The version that holds the most markers counts, whichever comes first.
    fuller = {
        **BOTH_TEXTS,
        "texts": [*BOTH_TEXTS["texts"][:1], {**BOTH_TEXTS["texts"][1], "body": "Met Smith."}],
    }
    assert [e["kind"] for e in normalize_record(fuller)["withheld"]] == ["name", "line", "name"]
    # A translation in two parts: its parts count together.
    parts = {
        **BOTH_TEXTS,
        "texts": [
            BOTH_TEXTS["texts"][0],
            {"kind": "translation", "body": "Met [Name not declassified]"},
            {"kind": "translation", "body": "and [1 line not declassified]; [Paragraph not declassified.]"},
        ],
    }
    assert [e["kind"] for e in normalize_record(parts)["withheld"]] == ["name", "line", "paragraph", "name"]


@pytest.mark.django_db
def test_record_page_counts_a_translated_passage_once(archive, client):
    archive.store.save(BOTH_TEXTS)
    response = client.get("/records/w/both/")
    assert response.status_code == 200
    tree = lxml.html.fromstring(response.content)
    # Both texts keep their markers, marked ...
    assert (
        len(tree.xpath("//div[@class='body']//span[contains(concat(' ', @class, ' '), ' withheld ')]")) == 4
    )
    # ... and the record counts each passage once.
    (summary,) = tree.xpath("//dd[@class='withheld-summary']")
    assert " ".join(summary.text_content().split()).startswith("3 withheld passages: 2 names, 1 line")
