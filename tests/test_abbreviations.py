"""FRUS abbreviations spelled out on hover: a <gloss> of the volume's list of abbreviations and terms becomes
<abbr title="..."> on the record page (web/textmarks.py), the expansion as the volume's list gives it. Read from
the TEI source with the test's own parsing, never from the importer's."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from lxml import etree

from readingroom.web.recordpage import record_page
from readingroom.web.textmarks import TextMarks

from .conftest import CORPUS

FRUS = CORPUS / "frus" / "frus1964-68v07-excerpt.xml"
V = "frus1964-68v07"
TEI = "{http://www.tei-c.org/ns/1.0}"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


def volume_terms() -> dict[str, tuple[str, str]]:
    """xml:id -> (abbreviation, expansion) from the volume's list of terms: <item><hi><term>DMZ</term>,</hi>
    Demilitarized Zone</item>."""
    tree = etree.parse(str(FRUS))
    out = {}
    for term in tree.iter(f"{TEI}term"):
        item = next(a for a in term.iterancestors(f"{TEI}item"))
        whole = " ".join("".join(item.itertext()).split())
        name = "".join(term.itertext()).strip()
        out[term.get(XML_ID)] = (name, whole[len(name) :].lstrip(" ,"))
    return out


def glossed_in(doc_id: str) -> dict[str, str]:
    """The abbreviations a document's <gloss> elements name, spelled out."""
    terms = volume_terms()
    div = next(d for d in etree.parse(str(FRUS)).iter(f"{TEI}div") if d.get(XML_ID) == doc_id)
    return dict(terms[g.get("target").lstrip("#")] for g in div.iter(f"{TEI}gloss") if g.get("target"))


class _Abbrs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._title: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "abbr":
            self._title, self._text = dict(attrs).get("title"), []

    def handle_endtag(self, tag):
        if tag == "abbr" and self._title is not None:
            self.found.append(("".join(self._text), self._title))
            self._title = None

    def handle_data(self, data):
        if self._title is not None:
            self._text.append(data)


@pytest.mark.django_db
@pytest.mark.parametrize("doc", ["d3", "d74"])
def test_abbreviations_are_spelled_out_on_hover(import_files, client, doc):
    assert import_files(FRUS).ok
    expected = glossed_in(doc)
    assert "DMZ" in expected and expected["DMZ"] == "Demilitarized Zone"
    body = client.get(f"/records/{V}/{doc}/").content.decode()
    main = body.split('<div class="texts">', 1)[1].split("</ol></section>", 1)[0]  # the texts and the notes
    parser = _Abbrs()
    parser.feed(main)
    found = dict(parser.found)
    # Every abbreviation the document glosses, spelled out as its volume does, and nothing else.
    assert found == expected
    # Each occurrence as a word of the text (not inside another word) is set; none is left bare.
    plain = re.sub(r"<abbr [^>]*>.*?</abbr>", "", main)
    plain = re.sub(r"<[^>]+>", " ", plain)
    for term in expected:
        assert not re.search(rf"(?<!\w){re.escape(term)}(?!\w)", plain), term


def test_only_whole_words_between_tags_are_set():
    marks = TextMarks([], None, {"US": "United States", "R&D": "research & development", "DMZ": 'the "zone"'})
    out = marks.apply(
        '<p title="US">USG and US, <a href="/US/">US</a> R&amp;D; <abbr title="x">US</abbr> DMZ-line</p>'
    )
    assert out == (
        '<p title="US">USG and <abbr title="United States">US</abbr>, <a href="/US/">'
        '<abbr title="United States">US</abbr></a> <abbr title="research &amp; development">R&amp;D</abbr>; '
        '<abbr title="x">US</abbr> <abbr title="the &quot;zone&quot;">DMZ</abbr>-line</p>'
    )
    # A record without a list of terms: nothing changes.
    assert TextMarks([], None, record_page({"texts": []}).terms).apply("<p>US</p>") == "<p>US</p>"
    assert record_page({"extra": {"terms": {"DMZ": "Demilitarized Zone", "": "x", "X": 3}}}).terms == {
        "DMZ": "Demilitarized Zone"
    }
