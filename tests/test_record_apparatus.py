"""The FRUS apparatus inside a record's text, on the real FRUS 1964-68 v07 excerpt: footnote popovers, the persons
glossary (persName/@corresp kept at import, glossed from the volume's persons list) and cross-references linked
only while their target is public. The browser half is in test_record_apparatus_browser.py."""

from __future__ import annotations

import json
from collections import Counter
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from readingroom.records import references
from readingroom.records.models import Authority, Record
from readingroom.records.texts import html_to_plain, linked_record_ids
from readingroom.web.recordpage import Note
from readingroom.web.textmarks import TextMarks, phrasing

from .conftest import CORPUS

pytestmark = pytest.mark.django_db

FRUS = CORPUS / "frus" / "frus1964-68v07-excerpt.xml"
V = "frus1964-68v07"


class _Tree(HTMLParser):
    """Each element's attributes and the text inside it, by id; and every id of the page."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}

    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.elements: list[tuple[str, dict, list[str]]] = []
        self._open: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        if tag in self.VOID:
            self.elements.append((tag, a, []))
            return
        text: list[str] = []
        self.elements.append((tag, a, text))
        self._open.append(text)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self._open:
            self._open.pop()

    def handle_data(self, data):
        for text in self._open:
            text.append(data)

    def by_id(self, ident: str) -> tuple[str, dict, str]:
        tag, a, text = next(e for e in self.elements if e[1].get("id") == ident)
        return tag, a, " ".join("".join(text).split())

    def with_class(self, tag: str, css: str) -> list[tuple[dict, str]]:
        return [
            (a, " ".join("".join(t).split()))
            for name, a, t in self.elements
            if name == tag and css in (a.get("class") or "").split()
        ]


def page_of(client, record_id: str) -> _Tree:
    response = client.get(f"/records/{record_id}/")
    assert response.status_code == 200
    tree = _Tree()
    tree.feed(response.content.decode())
    return tree


@pytest.fixture
def frus(import_files):
    report = import_files(FRUS)
    assert report.ok, report.files[0].error


@pytest.fixture
def linked_frus(import_files, tmp_path):
    """The volume imported after two documents it cites (d65 of the volume, d293 of volume XIV), so that its
    cross-references to them are links."""
    earlier = tmp_path / "earlier.jsonl"
    earlier.write_text(
        "".join(
            json.dumps({"id": rid, "title": title}) + "\n"
            for rid, title in (
                (f"{V}/d65", "Telegram 65"),
                ("frus1964-68v14/d293", "Memorandum of Conversation"),
            )
        )
    )
    assert import_files(earlier).ok
    assert import_files(FRUS).ok


def test_ids_stay_unique_and_every_popover_is_named(client, frus):
    for rid in (f"{V}/d1", f"{V}/d74"):
        tree = page_of(client, rid)
        repeated = [i for i, n in Counter(tree.ids).items() if n > 1]
        assert not repeated, repeated
        described = [a for a, _ in tree.with_class("a", "note-ref") + tree.with_class("a", "person")]
        assert len(described) > 3 and all(a.get("aria-describedby") for a in described)
        for a in described:
            tag, tip, text = tree.by_id(a["aria-describedby"])
            assert tip.get("role") == "tooltip" and text


def test_footnote_reference_carries_its_note(client, frus):
    doc = Record.objects.get(pk=f"{V}/d74").document
    tree = page_of(client, f"{V}/d74")
    refs = {a["href"]: a for a, _ in tree.with_class("a", "note-ref")}
    for note in doc["notes"]:
        ref = refs[f"#{note['id']}"]  # the source note's hangs on the title, the others in the text
        _, tip, text = tree.by_id(ref["aria-describedby"])
        assert "fn-tip" in tip["class"]
        assert text == " ".join(f"{note['n']} {html_to_plain(note['html'])}".split())
    # The fallback without CSS or script: the reference is still the plain link to the note, and back.
    assert refs["#d74fn2"]["id"] == "d74fn2-ref"


def test_popover_holds_phrasing_only():
    # A note of paragraphs and a link, as a popover inside a paragraph may hold it: no block, no link, no id.
    markup = phrasing('<p id="x">One <a href="/records/a/d1/">Document 1</a>.</p><ul><li>Two</li></ul>')
    assert (
        markup
        == '<span class="fn-block">One Document 1.</span><span class="fn-block"><span class="fn-block">Two</span></span>'
    )


def test_names_glossed_from_the_persons_list(client, frus):
    tree = page_of(client, f"{V}/d74")
    names = tree.with_class("a", "person")
    assert names
    read = next(a for a, text in names if text == "Read")
    assert read["href"] == f"/persons/{V}/p_RBH1/"
    assert (
        tree.by_id(read["aria-describedby"])[2]
        == "Read, Benjamin H., Executive Secretary, Department of State"
    )
    # Every marked name of the text and its notes is glossed from its own authority.
    for a, _text in names:
        key = a["href"].removeprefix("/persons/").rstrip("/")
        person = Authority.objects.get(kind="person", key=key)
        assert tree.by_id(a["aria-describedby"])[2].startswith(person.name)
    # The follow-up page exists.
    assert client.get(read["href"]).status_code == 200


def test_gloss_and_link_are_escaped():
    gloss = references.Gloss("v/p_X1", "X <b>", '"><img src=x onerror=alert(1)>', "/persons/v/p_X1/")
    refs = references.References({"v/p_X1": gloss}, frozenset())
    marks = TextMarks([Note("n1", "1", None, "<script>alert(1)</script>Note", None)], refs)
    out = marks.apply(
        '<p><span class="person" data-person="v/p_X1">X</span>'
        '<sup class="fn"><a class="note-ref" href="#n1">1</a></sup></p>'
    )
    assert "<img" not in out and "<b>" not in out and "<script" not in out
    assert "X &lt;b&gt;, &quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in out
    assert (
        '<span class="fn-tip" role="tooltip" id="fn-tip-2"><span class="fn-tip-n">1</span> Note</span>' in out
    )


def test_unknown_person_stays_text():
    out = TextMarks([], references.References()).apply(
        '<p><span class="person" data-person="v/p_Gone">Gone</span></p>'
    )
    assert out == '<p><span class="person" data-person="v/p_Gone">Gone</span></p>'


def test_cross_references_link_public_documents_only(client, linked_frus, archive):
    tree = page_of(client, f"{V}/d74")
    assert (
        {"class": "xref", "href": f"/records/{V}/d65/#d65fn4"},
        "Document 65 and footnote 4",
    ) in tree.with_class("a", "xref")
    assert client.get(f"/records/{V}/d65/").status_code == 200  # the link leads somewhere
    d1 = page_of(client, f"{V}/d1")
    assert any(a["href"] == "/records/frus1964-68v14/d293/" for a, _ in d1.with_class("a", "xref"))

    # Withdrawn: its words stay, unlinked, and nothing on the page names it.
    archive.store.set_status(f"{V}/d65", "withdrawn", reason="test")
    response = client.get(f"/records/{V}/d74/")
    assert f"{V}/d65" not in response.content.decode()
    tree = _Tree()
    tree.feed(response.content.decode())
    assert not tree.with_class("a", "xref")
    assert tree.by_id("d74fn2")[2] == "2 See Document 65 and footnote 4 thereto. ↩"  # its words, as a note


def test_references_cost_one_query_each(linked_frus):
    doc = Record.objects.get(pk=f"{V}/d1").document
    stored = [t["html"] for t in doc["texts"]] + [n["html"] for n in doc["notes"]]
    persons = {k for m in stored for k in references.person_keys(m)}
    linked = {r for m in stored for r in linked_record_ids(m)}
    assert len(persons) > 5 and linked == {"frus1964-68v14/d293"}
    with CaptureQueriesContext(connection) as queries:
        found = references.of_document(doc)
    assert len(queries) == 2
    assert set(found.persons) == persons and found.records == linked
    # On the page, the persons are the record's own authorities, read already: one query, for the records.
    own = [link.authority for link in Record.objects.get(pk=f"{V}/d1").links.select_related("authority")]
    with CaptureQueriesContext(connection) as queries:
        assert references.of_document(doc, own) == found
    assert len(queries) == 1


def test_a_person_no_public_record_names_is_not_glossed(import_files, tmp_path, archive):
    records = tmp_path / "records.jsonl"
    records.write_text(
        json.dumps(
            {"id": "t/hidden", "title": "Hidden", "persons": [{"id": "p-secret", "name": "Secret, Person"}]}
        )
        + "\n"
        + json.dumps(
            {
                "id": "t/public",
                "title": "Public",
                "persons": [{"id": "p-known", "name": "Known, Person"}],
                "texts": [
                    {
                        "html": '<p><span class="person" data-person="p-secret">Secret</span> and '
                        '<span class="person" data-person="p-known">Known</span></p>'
                    }
                ],
            }
        )
        + "\n"
    )
    assert import_files(records).ok
    archive.store.set_status("t/hidden", "draft", reason="test")
    doc = Record.objects.get(pk="t/public").document
    assert set(references.of_document(doc).persons) == {"p-known"}
    archive.store.set_status("t/hidden", "published", reason="test")
    assert set(references.of_document(doc).persons) == {"p-known", "p-secret"}


def test_nothing_to_resolve_costs_no_query(db):
    with CaptureQueriesContext(connection) as queries:
        found = references.resolve(['<p>No marks <a href="https://example.org/">here</a>.</p>'])
    assert not queries and found == references.References()


def test_person_marks_read_in_any_attribute_order():
    markup = (
        '<span data-person="v/p_A1" class="person">A</span> <span class="pb" data-page="3">[Page 3]</span>'
    )
    assert references.person_keys(markup) == ["v/p_A1"]
    gloss = references.Gloss("v/p_A1", "A, B.", None, "/persons/v/p_A1/")
    out = TextMarks([], references.References({"v/p_A1": gloss})).apply(markup)
    assert out.startswith(
        '<span class="gloss"><a class="person" href="/persons/v/p_A1/" aria-describedby="gloss-1">A</a>'
    )
    assert out.endswith('<span class="pb" data-page="3">[Page 3]</span>')
