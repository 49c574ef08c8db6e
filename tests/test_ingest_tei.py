"""TEI importers on the real files: the FRUS 1964-68 v07 excerpt and the frus-history documents.

Hostile TEI inputs are in tests/hostile/ (tei-*.xml, frus-*.xml) and run with the others in test_hostile.py.
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest
from lxml import etree

from readingroom.exports import jsonl
from readingroom.ingest.base import Notice, RecordEntry, Source
from readingroom.ingest.frus import (
    FrusVolumeImporter,
    classification_markings,
    edtf_from_bounds,
    link_persons_to_authorities,
)
from readingroom.ingest.tei import Renderer, document_type, tidy
from readingroom.records.models import Authority, Record, RecordRelation
from readingroom.records.texts import html_to_plain

from .conftest import CORPUS

pytestmark = pytest.mark.django_db

VOLUME = CORPUS / "frus" / "frus1964-68v07-excerpt.xml"
DOCUMENTS = CORPUS / "frus-history" / "documents"
PEOPLE = CORPUS / "hsg" / "people.jsonl"
V = "frus1964-68v07"


def doc(record_id: str) -> dict:
    return Record.objects.get(pk=record_id).document


def html(record_id: str) -> str:
    return doc(record_id)["texts"][0]["html"]


@pytest.fixture
def volume(import_files, corpus_counts):
    report = import_files(VOLUME)
    file = report.files[0]
    assert file.error is None and not file.problems, (file.error, file.problems)
    c = corpus_counts
    # Authorities: the persons, the chapters, the volume and its series.
    assert (file.importer, file.created, file.authorities) == (
        "frus",
        c.frus_documents,
        c.frus_persons + c.frus_chapters + 2,
    )
    return file


# -- FRUS: the documents the issue names ------------------------------------------------------------------------


def test_d74_telegram(volume):
    d = doc(f"{V}/d74")
    assert d["title"] == "Telegram From the Department of State to the Embassy in France"
    assert d["number"] == "74"
    assert d["document_types"] == ["Telegram"]
    assert (d["date"], d["date_precision"]) == ("1968-10-15T10:59:00Z", "minute")
    assert (d["date_earliest"], d["date_latest"]) == ("1968-10-15T10:59:00Z", "1968-10-15T10:59:00Z")
    assert d["date_text"] == "October 15, 1968, 1059Z"
    assert d["dateline_place"] == "Washington"
    assert d["places"] == [{"kind": "place", "id": "washington", "name": "Washington"}]
    assert d["creators"] == [
        {"kind": "organization", "id": "department-of-state", "name": "Department of State", "role": "sender"}
    ]
    assert d["recipients"] == [
        {"kind": "organization", "id": "embassy-in-france", "name": "Embassy in France", "role": "recipient"}
    ]
    persons = {p["id"]: p["name"] for p in d["persons"]}
    assert persons[f"{V}/p_RD1"] == "Rusk, Dean"
    assert persons[f"{V}/p_RBH1"] == "Read, Benjamin H."
    assert d["classification"] == ["Secret", "Immediate", "Nodis", "Harvan", "Double Plus"]
    assert d["archival_reference"]["text"].startswith(
        "National Archives and Records Administration, RG 59, A/IM"
    )
    assert d["signature"] == "Rusk"
    assert d["extra"]["terms"]["RG"] == "Record Group"
    assert d["extra"]["pages"] == "209"
    assert [c["id"] for c in d["collections"]] == [V, f"{V}/copm1", f"{V}/ch2"]
    assert d["collections"][2]["name"] == "October 2-15, 1968: The Breakthrough in Paris"
    assert d["source"]["url"] == "https://history.state.gov/historicaldocuments/frus1964-68v07/d74"


def test_d74_footnotes_kept_and_linked(volume):
    d = doc(f"{V}/d74")
    assert [(n["id"], n["n"], n["type"]) for n in d["notes"]] == [
        ("d74fn1", "1", "source"),
        ("d74fn2", "2", None),
        ("d74fn3", "3", None),
    ]
    assert d["notes"][0]["html"].startswith("Source: National Archives")
    text = html(f"{V}/d74")
    for n in (2, 3):
        assert f'<sup class="fn"><a class="note-ref" href="#d74fn{n}">{n}</a></sup>' in text
    assert "Read noted: “In accordance" in html_to_plain(d["notes"][2]["html"])


def test_d74_names_keep_the_person_they_name(volume):
    # <persName corresp="#p_RBH1">Read</persName> in a note, and names in the text: each stays marked with the
    # volume's person authority, which the record page glosses; the person list of the record is unchanged.
    d = doc(f"{V}/d74")
    assert f'<span class="person" data-person="{V}/p_RBH1">Read</span> noted' in d["notes"][2]["html"]
    marked = set(re.findall(r'data-person="([^"]+)"', html(f"{V}/d74") + d["notes"][2]["html"]))
    assert marked and marked <= {p["id"] for p in d["persons"]}
    assert Authority.objects.filter(kind="person", key__in=marked).count() == len(marked)
    assert (
        Authority.objects.get(kind="person", key=f"{V}/p_RBH1")
        .data["description"]
        .startswith("Executive Secretary")
    )


def test_d74_link_to_a_document_not_in_the_archive(volume):
    d = doc(f"{V}/d74")
    # d65 is not in the excerpt nor in the archive: the words stay, unlinked, and the import says so.
    assert d["notes"][1]["html"] == 'See <span class="unresolved">Document 65 and footnote 4</span> thereto.'
    assert d["relations"] == [{"type": "cites", "target": f"{V}/d65", "label": "Document 65 and footnote 4"}]
    assert d["extra"]["unresolved_links"] == ["#d65fn4"]
    messages = [str(n) for n in volume.notices if n.record == f"{V}/d74"]
    assert messages == [
        f"record '{V}/d74', field 'texts': link target '#d65fn4' ({V}/d65) is neither in this "
        "file nor in the archive: kept as text; import that document, then this file again, to "
        "link it"
    ]
    assert RecordRelation.objects.filter(source_id=f"{V}/d74", target_id=f"{V}/d65", type="cites").exists()


def test_links_resolve_to_documents_already_in_the_archive(import_files, tmp_path):
    earlier = tmp_path / "earlier.jsonl"
    earlier.write_text(
        "\n".join(
            json.dumps({"id": rid, "title": title})
            for rid, title in (
                (f"{V}/d65", "Telegram 65"),
                ("frus1964-68v14/d293", "Memorandum of Conversation"),
            )
        )
        + "\n"
    )
    assert import_files(earlier).ok
    report = import_files(VOLUME)
    assert doc(f"{V}/d74")["notes"][1]["html"] == (
        f'See <a href="/records/{V}/d65/#d65fn4">Document 65 and footnote 4</a> thereto.'
    )
    assert '<a href="/records/frus1964-68v14/d293/">' in doc(f"{V}/d1")["notes"][4]["html"]
    assert {
        "type": "cites",
        "target": "frus1964-68v14/d293",
        "label": "Foreign Relations, 1964-1968, vol. XIV, Document 293",
    } in doc(f"{V}/d1")["relations"]
    unresolved = [n.message for n in report.files[0].notices if "link target" in n.message]
    assert not any("d65" in m or "d293" in m for m in unresolved), unresolved


def test_d1_telephone_conversation_without_place(volume):
    d = doc(f"{V}/d1")
    assert d["title"] == "Telephone Conversation Between President Johnson and Secretary of Defense Clifford"
    assert d["document_types"] == ["Telephone Conversation"]
    assert (d["date"], d["date_precision"]) == ("1968-09-02T10:10:00", "minute")
    # The source marks "September" as the place; a month is part of the date, and the record has no place.
    assert d["date_text"] == "September 2, 1968, 10:10 a.m."
    assert d["dateline_place"] is None and d["places"] == []
    assert [(c["name"], c["role"]) for c in d["creators"]] == [("Johnson, Lyndon B.", "sender")]
    assert [(c["name"], c["role"]) for c in d["recipients"]] == [("Clifford, Clark M.", "recipient")]
    assert d["classification"] == []  # "No classification marking."
    assert d["extra"]["pages"] == "1–6"
    assert [n["id"] for n in d["notes"]] == ["d1fn1", "d1fn2", "d1fn3", "d1fn4", "d1fn5"]
    assert {
        "type": "cites",
        "target": "frus1964-68v14/d293",
        "label": "Foreign Relations, 1964-1968, vol. XIV, Document 293",
    } in d["relations"]


def test_d3_meeting_with_a_time_range(volume):
    d = doc(f"{V}/d3")
    assert d["document_types"] == ["Notes of Meeting"]
    assert (d["date"], d["date_precision"]) == ("1968-09-04T13:23:00/1968-09-04T14:23:00", "range")
    assert d["date_text"] == "September 4, 1968, 1:23-2:23 p.m."
    assert d["classification"] == ["Top Secret"]
    assert d["extra"]["pages"] == "9–10"


def test_page_breaks_keep_words_and_paragraphs(volume):
    text = html(f"{V}/d75")
    assert (
        'the need to <span class="pb" data-page="211">[Page 211]</span> refrain from sending messages. '
        "My main concern"
    ) in text
    plain = html_to_plain(text)
    assert "impress on them the need to [Page 211] refrain from sending messages." in plain
    assert doc(f"{V}/d75")["extra"]["pages"] == "210–211"
    # A break inside a word ("reconnais|sance") moves to the word's end rather than split it.
    p = etree.fromstring(
        '<p xmlns="http://www.tei-c.org/ns/1.0">on reconnais<pb n="12"/>sance you should</p>'
    )
    assert (
        Renderer("x/1").render(p) == '<p>on reconnaissance <span class="pb" data-page="12">[Page 12]</span> '
        "you should</p>"
    )


def test_volume_collections_ordered(volume):
    vol = Authority.objects.get(kind="collection", key=V)
    assert vol.name == (
        "Foreign Relations of the United States, 1964–1968, Volume VII, Vietnam, September 1968–January 1969"
    )
    assert vol.data["source"] == "https://history.state.gov/historicaldocuments/frus1964-68v07"
    [compilation] = vol.children.all()
    assert (compilation.key, compilation.name, compilation.position) == (
        f"{V}/copm1",
        "Vietnam, September 1968-January 1969",
        1,
    )
    chapters = list(compilation.children.order_by("position").values_list("key", "position", "name"))
    assert chapters == [
        (
            f"{V}/ch1",
            1,
            "September 1-October 1, 1968: Efforts To Move the Peace Talks Forward; the Ohio Exercise",
        ),
        (f"{V}/ch2", 2, "October 2-15, 1968: The Breakthrough in Paris"),
        (f"{V}/ch3", 3, "October 16-25, 1968: Negotiating the Understanding"),
    ]
    assert set(Record.objects.filter(links__authority__key=f"{V}/ch1").values_list("pk", flat=True)) == {
        f"{V}/d1",
        f"{V}/d2",
        f"{V}/d3",
    }


def test_volume_persons_are_authorities(volume, corpus_counts):
    persons = Authority.objects.filter(kind="person", key__startswith=f"{V}/")
    assert persons.count() == corpus_counts.frus_persons
    rusk = persons.get(key=f"{V}/p_RD1")
    assert rusk.name == "Rusk, Dean"
    assert rusk.data == {
        "description": "Secretary of State",
        "frus_id": "p_RD1",
        "volume": V,
        "source": "https://history.state.gov/historicaldocuments/frus1964-68v07/persons#p_RD1",
    }
    assert persons.get(key=f"{V}/p_RB1").data["description"] == "friend and adviser of Richard Nixon"
    # Rusk is named in d1, d3, d74 and a footnote of d75; d2 does not name him.
    assert set(Record.objects.filter(links__authority=rusk).values_list("pk", flat=True)) == {
        f"{V}/d1",
        f"{V}/d3",
        f"{V}/d74",
        f"{V}/d75",
    }


def test_persons_link_to_the_person_authority_file(import_files, tmp_path, archive):
    """Matched by the source URL people.jsonl lists: in either order of import."""
    lines = [
        line
        for line in PEOPLE.read_text(encoding="utf-8").splitlines()
        if '"id": "111738"' in line or '"id": "111216"' in line
    ]
    assert len(lines) == 2
    people = tmp_path / "people.jsonl"
    people.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # The volume first, the person file afterwards: the import's after-import hook places them.
    assert import_files(VOLUME).ok
    assert import_files(people).ok
    rusk = Authority.objects.get(kind="person", key=f"{V}/p_RD1")
    assert (rusk.parent.key, rusk.parent.name, rusk.data["hsg_id"]) == (
        "111738",
        "Rusk, David Dean",
        "111738",
    )
    assert link_persons_to_authorities(archive.store) == 0
    # Re-imported with the person file present, the volume links them itself, and keeps its own names.
    report = import_files(VOLUME)
    assert report.ok
    read = Authority.objects.get(kind="person", key=f"{V}/p_RBH1")
    assert (read.name, read.parent.key, read.data["hsg_id"]) == ("Read, Benjamin H.", "111216", "111216")
    assert Authority.objects.get(kind="person", key=f"{V}/p_CCM1").parent is None
    from readingroom.records.services import authority_records

    assert f"{V}/d74" in set(authority_records(rusk.parent).values_list("pk", flat=True))


def test_reimport_changes_nothing(volume, import_files, corpus_counts):
    before = {r.pk: (r.updated, r.content_hash) for r in Record.objects.all()}
    report = import_files(VOLUME)
    assert (report.files[0].created, report.files[0].updated, report.files[0].unchanged) == (
        0,
        0,
        corpus_counts.frus_documents,
    )
    assert {r.pk: (r.updated, r.content_hash) for r in Record.objects.all()} == before


# -- FRUS markup the excerpt does not have: the newer date attributes, editorial notes ----------------------------

SYNTHETIC = """<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0" xmlns:frus="http://history.state.gov/frus/ns/1.0" xml:id="frus1969-76test">
  <teiHeader><fileDesc><titleStmt><title type="complete">A test volume</title></titleStmt>
    <publicationStmt><publisher>Tests</publisher></publicationStmt><sourceDesc><p>Tests</p></sourceDesc>
  </fileDesc></teiHeader>
  <text><body>
    <div type="chapter" xml:id="ch1"><head>One</head>
      <div type="document" xml:id="d1" n="1" frus:doc-dateTime-min="1970-03-02T10:59:00-05:00"
           frus:doc-dateTime-max="1970-03-02T10:59:59-05:00">
        <head>1. Memorandum From <persName type="from">Henry A. Kissinger</persName> to President Nixon</head>
        <p>See <ref target="#d2">Document 2</ref> and <ref target="#d2fn1">its note</ref>.<unknownThing>kept</unknownThing>
           <foo:bar xmlns:foo="http://example.org/x">also kept</foo:bar> <unknownThing>again</unknownThing></p>
      </div>
      <div type="document" xml:id="d2" n="2" subtype="editorial-note">
        <head>2. Editorial Note</head>
        <p>No date at all.<note n="1" xml:id="d2fn1">A note.</note><note n="1">Same number, no id.</note></p>
      </div>
      <div type="document" xml:id="d3" n="3" frus:doc-dateTime-min="1970-03-01T00:00:00Z"
           frus:doc-dateTime-max="1970-03-31T23:59:59Z">
        <head>3. Paper Prepared in the Department of State</head>
        <dateline><date notBefore="1970-03-01" notAfter="1970-03-31">March 1970</date></dateline>
        <p>Text.</p>
      </div>
      <div type="document" xml:id="d4" n="4" frus:doc-dateTime-min="1970-04-01T00:00:00Z"
           frus:doc-dateTime-max="1970-04-30T23:59:59Z">
        <head>4. Letter From the Ambassador</head>
        <p>Text.</p>
      </div>
    </div>
  </body></text>
</TEI>
"""


def test_newer_frus_markup(import_files, tmp_path):
    path = tmp_path / "frus1969-76test.xml"
    path.write_text(SYNTHETIC, encoding="utf-8")
    report = import_files(path).files[0]
    assert report.error is None and report.created == 4
    d1, d2 = doc("frus1969-76test/d1"), doc("frus1969-76test/d2")
    assert (d1["date"], d1["date_precision"]) == ("1970-03-02T10:59:00-05:00", "minute")
    assert d1["creators"] == [
        {"kind": "person", "id": "henry-a-kissinger", "name": "Henry A. Kissinger", "role": "sender"}
    ]
    assert d1["document_types"] == ["Memorandum"]
    assert '<a href="/records/frus1969-76test/d2/">Document 2</a>' in html("frus1969-76test/d1")
    assert '<a href="/records/frus1969-76test/d2/#d2fn1">its note</a>' in html("frus1969-76test/d1")
    assert "kept also kept again" in html_to_plain(html("frus1969-76test/d1"))
    assert (d2["date"], d2["date_precision"], d2["document_types"]) == (None, "undated", ["Editorial Note"])
    assert [n["id"] for n in d2["notes"]] == ["d2fn1", "d2fn1-2"]  # unique per record whatever the source did
    d3 = doc("frus1969-76test/d3")
    assert (d3["date"], d3["date_precision"], d3["date_text"]) == (
        "1970-03-01/1970-03-31",
        "range",
        "March 1970",
    )
    assert (doc("frus1969-76test/d4")["date"], doc("frus1969-76test/d4")["date_precision"]) == (
        "1970-04",
        "month",
    )
    unknown = sorted(n.message for n in report.notices if "unknown TEI element" in n.message)
    assert unknown == [
        "unknown TEI element <unknownThing> (2 times, first on line 11): its text was kept, its markup dropped",
        "unknown TEI element <{http://example.org/x}bar> (once, first on line 12): its text was kept, its markup "
        "dropped",
    ]


def test_a_bad_date_skips_one_document_only(import_files, tmp_path):
    path = tmp_path / "frus1969-76test.xml"
    path.write_text(
        SYNTHETIC.replace("1970-03-02T10:59:00-05:00", "1970-02-30T10:59:00-05:00"), encoding="utf-8"
    )
    report = import_files(path).files[0]
    assert report.error is None and report.created == 3
    [problem] = report.problems
    assert str(problem) == (
        "record 'frus1969-76test/d1', field 'date': impossible date '1970-02-30T10:59:00-05:00': "
        "February 1970 has 28 days (in frus:doc-dateTime-min/max on line 9); the document was "
        "not imported"
    )


def test_volume_streams_in_flat_memory(tmp_path):
    """The reader holds one document at a time: the tree it keeps does not grow with the volume."""
    text = VOLUME.read_text(encoding="utf-8")
    start, end = (
        text.index('<div type="document" xml:id="d74"'),
        text.index("</div>", text.index("Bunker</persName>\n")),
    )
    chunk = text[start : end + 6]
    copies = "\n".join(re.sub(r'xml:id="', f'xml:id="x{i}', chunk) for i in range(300))
    big = tmp_path / "big.xml"
    big.write_text(text[:start] + copies + text[end + 6 :], encoding="utf-8")
    sizes = []
    source = Source(big, big.stat().st_size)
    reader = FrusVolumeImporter()
    count = 0
    for entry in reader.read(source):
        if isinstance(entry, RecordEntry):
            count += 1
            if count % 50 == 0:
                sizes.append(_rss())
    assert count == 603
    # 300 copies of d74 and d75 are ~3 MB of XML; a kept tree would grow by tens of MB. Allow allocator noise.
    assert sizes[-1] - sizes[0] < 8 * 2**20, sizes


def _rss() -> int:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# -- standalone TEI documents (frus-history) ------------------------------------------------------------------------


def test_frus_history_documents(import_files, corpus_counts):
    report = import_files(DOCUMENTS)
    assert report.ok and len(report.files) == corpus_counts.frus_history
    assert Record.objects.filter(pk__startswith="frus-history/").count() == corpus_counts.frus_history
    assert {f.importer for f in report.files} == {"tei"}
    notices = [str(n) for f in report.files for n in f.notices]
    # The source's own slips: a created date contradicting the date as written, the title and the dateline is
    # corrected to the date as written, reported here and said on the record page (extra.date_corrected).
    assert notices == [
        "record 'frus-history/1959-11-06-hac-meeting-minutes', field 'date': the teiHeader's created date "
        "when='1958-11-07' contradicts the date as written ('November 6, 1959'), the title (November 1959) and "
        "the dateline; the date as written was kept",
        "record 'frus-history/1979-09-25-ho-meeting-with-cia', field 'date': the teiHeader's created date "
        "when='1979-08-15' contradicts the date as written ('September 25, 1979'), the title (September 1979) "
        "and the dateline; the date as written was kept",
    ]
    collection = Authority.objects.get(kind="collection", key="frus-history")
    assert collection.name.startswith("Toward “Thorough, Accurate, and Reliable”")


def test_frus_history_month_precision(import_files):
    assert import_files(DOCUMENTS / "1981-06-kogan-fgi-study-rp1261.xml").ok
    d = doc("frus-history/1981-06-kogan-fgi-study-rp1261")
    assert d["title"] == (
        "Office of the Historian Research Project on Department of State Publication of Foreign "
        "Government Documents, June 1981"
    )
    assert (d["date"], d["date_text"], d["date_precision"]) == ("1981-06", "June 1981", "month")
    assert (d["date_earliest"], d["date_latest"]) == ("1981-06-01", "1981-06-30")
    assert d["media"] == [
        {
            "url": "https://static.history.state.gov/frus-history/documents/1981-06-kogan-fgi-study-rp1261.pdf",
            "path": None,
            "label": "Scan of the original (PDF, 3.34 MB, 25pp.)",
            "mime_type": "application/pdf",
            "sha256": None,
            "size": None,
        }
    ]
    assert d["source_description"] == (
        "A scan of the original document is available for download (PDF, 3.34 MB, 25pp.)"
    )
    assert d["archival_reference"]["text"].startswith(
        "Department of State, Bureau of Public Affairs, Office of the "
        "Historian, Research Projects File, 1955-2011 (Lot File 13 D 289)"
    )
    assert d["original_uploaded"] == "2014-01-27"
    assert d["collections"][0]["id"] == "frus-history"
    # The "Cited in" paragraph is the publisher's apparatus: an editorial note, its links made absolute.
    assert d["notes"][0]["type"] == "editorial"
    assert (
        '<a href="https://history.state.gov/historicaldocuments/frus-history/chapter-6#fn22">Footnote 22</a>'
        in d["notes"][0]["html"]
    )
    assert [n["id"] for n in d["notes"][1:4]] == ["fn1", "fn2", "fn3"]
    text = d["texts"][0]["html"]
    assert text.startswith(
        '<h3 class="section-head">Office of the Historian Research Project on Department of State '
        'Publication of Foreign Government Documents</h3>\n<p class="dateline">June 1981</p>'
    )
    assert '<a class="note-ref" href="#fn36">36</a>' in text


def test_frus_history_several_documents_become_sections(import_files):
    assert import_files(DOCUMENTS / "1957-03-21-kennan-to-leopold.xml").ok
    d = doc("frus-history/1957-03-21-kennan-to-leopold")
    assert d["title"] == "Correspondence Between Richard Leopold and George Kennan, February-March 1957"
    assert (d["date"], d["date_precision"]) == ("1957-03-21", "day")
    text = d["texts"][0]["html"]
    sections = re.findall(
        r'<section class="section" id="([^"]+)">\n<h3 class="section-head">([^<]+)</h3>\n'
        r'<p class="dateline">([^<]+)</p>',
        text,
    )
    assert sections == [
        ("leopold-to-kennan", "Richard W. Leopold to George F. Kennan", "3 February 1957"),
        ("woodward-to-kennan", "L.E. Woodward to George F. Kennan", "8 March 1957"),
        ("freund-to-kennan", "Freund to George F. Kennan", "13 March 1957"),
        ("kennan-to-leopold", "George F. Kennan to Richard W. Leopold", "21 March 1957"),
    ]
    assert text.count("</section>") == 4 and d["extra"] == {"sections": 4}


# -- export -> import -> export -------------------------------------------------------------------------------------


def test_export_import_export_identical(import_files, tmp_path, corpus_counts):
    report = import_files(VOLUME, DOCUMENTS)
    assert not any(f.error or f.problems for f in report.files)
    first = io.StringIO()
    jsonl.write(first)
    records = corpus_counts.frus_documents + corpus_counts.frus_history
    assert first.getvalue().count("\n") == records
    Record.objects.all().delete()
    Authority.objects.all().delete()
    exported = tmp_path / "export.jsonl"
    exported.write_text(first.getvalue(), encoding="utf-8")
    report = import_files(exported)
    assert report.ok and report.files[0].created == records
    second = io.StringIO()
    jsonl.write(second)
    assert second.getvalue() == first.getvalue()


# -- pieces ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "note,markings",
    [
        (
            "Source: National Archives, RG 59. Secret; Immediate; Nodis/Harvan/Double Plus. Drafted by Read.",
            ["Secret", "Immediate", "Nodis", "Harvan", "Double Plus"],
        ),
        (
            "Source: Johnson Library. Secret; Immediate; Nodis; HARVAN/Double Plus. Received at 4:57 a.m.",
            ["Secret", "Immediate", "Nodis", "Harvan", "Double Plus"],
        ),
        ("Source: Johnson Library, Meeting Notes File. Top Secret. Drafted by Christian.", ["Top Secret"]),
        ("Source: Johnson Library. No classification marking. This transcript was prepared ...", []),
        (
            "Source: Nixon Library. Top Secret; Sensitive; Eyes Only. Sent for action.",
            ["Top Secret", "Sensitive", "Eyes Only"],
        ),
        (
            "Source: Department of State. Confidential; Priority; Limdis; repeated to Saigon.",
            ["Confidential", "Priority", "Limdis"],
        ),
        ("Source: Ibid. The Secret Service reported it.", []),
    ],
)
def test_classification_markings(note, markings):
    assert classification_markings(note) == markings


@pytest.mark.parametrize(
    "low,high,edtf",
    [
        ("1968-10-15T10:59:00Z", "1968-10-15T10:59:59Z", "1968-10-15T10:59:00Z"),
        ("1968-10-15T00:00:00-04:00", "1968-10-15T23:59:59-04:00", "1968-10-15"),
        ("1968-02-01T00:00:00Z", "1968-02-29T23:59:59Z", "1968-02"),
        ("1968-01-01T00:00:00Z", "1968-12-31T23:59:59Z", "1968"),
        ("1968-10-15T00:00:00Z", "1968-10-20T23:59:59Z", "1968-10-15T00:00:00Z/1968-10-20T23:59:59Z"),
    ],
)
def test_edtf_from_frus_bounds(low, high, edtf):
    assert edtf_from_bounds(low, high) == edtf


@pytest.mark.parametrize(
    "title,kind",
    [
        ("Telegram From the Department of State to the Embassy in France", "Telegram"),
        (
            "Telephone Conversation Between President Johnson and Secretary of Defense Clifford",
            "Telephone Conversation",
        ),
        ("Notes of Meeting", "Notes of Meeting"),
        ("Memorandum of Conversation Among HO and CIA Officials", "Memorandum of Conversation"),
        ("Transcript of 1959 Meeting of the Advisory Committee", "Transcript of Meeting"),
        ("Richard W. Leopold to George F. Kennan", None),
    ],
)
def test_document_types(title, kind):
    assert document_type(title) == kind


def test_notices_are_notices(volume):
    assert all(isinstance(n, Notice) for n in volume.notices)
    assert not any("persName" in n.message for n in volume.notices)  # every corresp of the excerpt resolves


def test_hostile_files_are_listed():
    table = (Path(__file__).parent / "hostile" / "expected.tsv").read_text(encoding="utf-8")
    ours = sorted(
        p.name
        for p in (Path(__file__).parent / "hostile").glob("*.xml")
        if p.name.startswith(("tei-", "frus-"))
    )
    assert len(ours) == 23
    for name in ours:
        assert f"\n{name}\t" in "\n" + table, name


def test_record_page_shows_the_imported_telegram(volume, client):
    body = client.get(f"/records/{V}/d74/").content.decode()
    assert "Telegram From the Department of State to the Embassy in France" in body
    assert (
        '<a class="note-ref" href="#d74fn2" id="d74fn2-ref" aria-describedby="' in body
        and 'id="d74fn2"' in body
    )
    assert "Rusk, Dean" in body


def test_person_file_imported_after_volume_links_persons(import_files):
    from readingroom.records.models import Authority

    from .conftest import CORPUS

    import_files(CORPUS / "frus" / "frus1964-68v07-excerpt.xml")
    rusk = Authority.objects.get(kind="person", key="frus1964-68v07/p_RD1")
    assert rusk.parent_id is None
    import_files(CORPUS / "hsg" / "people.jsonl")
    rusk.refresh_from_db()
    assert rusk.parent is not None and rusk.parent.name == "Rusk, David Dean"


def test_repeated_xml_id_names_both_lines(import_files, tmp_path):
    """libxml2 refuses a repeated xml:id; the message names where the id was first given too."""
    from readingroom.records.models import Record

    volume = (Path(__file__).parent / "hostile" / "frus-duplicate-ids.xml").read_text(encoding="utf-8")
    volume = volume.replace('xml:id="d74" n="75"', 'xml:id="d75" n="75"')
    volume = volume.replace(
        "<p>Text of document 74.</p>", '<p>Text <pb n="1" xml:id="pg_1"/>of document 74.</p>'
    )
    volume = volume.replace(
        "<p>Text of document 75.</p>", '<p>Text <pb n="2" xml:id="pg_1"/>of document 75.</p>'
    )
    lines = volume.splitlines()
    first, second = (next(i for i, line in enumerate(lines, 1) if f"document {n}." in line) for n in (74, 75))
    path = tmp_path / "volume.xml"
    path.write_text(volume, encoding="utf-8")
    report = import_files(path)
    assert report.files[0].error == (
        f"duplicate xml:id 'pg_1' (lines {first} and {second}): every xml:id must be "
        "unique in a file; rename the second one"
    )
    assert Record.objects.count() == 0


@pytest.mark.parametrize(
    "markup, expected",
    [
        ("September  2,   1968", "September 2, 1968"),  # text nodes met with their spaces
        ("a\t \tb", "a b"),
        ("<p> Secret; Immediate </p>", "<p>Secret; Immediate</p>"),
        ('<p class="signature"> Rusk</p>', '<p class="signature">Rusk</p>'),
        ("<li> </li>", "<li></li>"),
        ("<td>  x  </td><th> y</th>", "<td>x</td><th>y</th>"),
        (
            "<span> kept </span> <pre> kept </pre>",
            "<span> kept </span> <pre> kept </pre>",
        ),  # inline: as written
        ("  <h3> Head </h3>  ", "<h3>Head</h3>"),
    ],
)
def test_tidy_collapses_spaces_and_trims_blocks(markup, expected):
    assert tidy(markup) == expected
