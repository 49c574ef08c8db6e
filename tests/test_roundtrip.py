"""export -> import into an empty archive -> export gives identical output."""

import io
import json

import pytest

from readingroom.exports import jsonl
from readingroom.records.models import Authority, Record

from .conftest import SEED

pytestmark = pytest.mark.django_db

RICH = {
    "id": "test/rich-1",
    "status": "in-review",
    "embargo_until": "2030-01-01",
    "title": "Memorandum of Conversation, “Hà Nội” talks",
    "number": "12",
    "summary": "A record using every field.",
    "document_types": ["Memorandum of Conversation"],
    "classification": ["Top Secret", "Eyes Only"],
    "date": "1968-10~",
    "date_text": "ca. October 1968",
    "dateline_place": "Paris",
    "languages": ["vie", "eng"],
    "texts": [
        {"kind": "original", "language": "vie", "body": "Nguyễn Văn Thiệu [ký tên]"},
        {
            "kind": "translation",
            "language": "eng",
            "html": '<p>Nguyen Van Thieu <span class="editorial">[signed]</span><sup class="fn"><a class="note-ref" href="#n1">1</a></sup></p>',
            "translator": {"name": "Merle Pribbenow"},
            "rights": "Translation © the translator",
        },
    ],
    "notes": [{"id": "n1", "n": "1", "html": "<p>A footnote.</p>"}],
    "signature": "Thieu",
    "media": [
        {
            "url": "https://example.org/scan.pdf",
            "label": "Scan",
            "mime_type": "application/pdf",
            "sha256": "a" * 64,
            "size": 1234,
        }
    ],
    "creators": [{"name": "Nguyễn Văn Thiệu", "kind": "person", "role": "author"}],
    "recipients": [{"name": "Embassy in Saigon", "kind": "organization"}],
    "contributors": [{"name": "Jane Editor", "role": "editor"}],
    "persons": ["Tran Buu Kiem"],
    "places": [{"name": "Hà Nội", "parent": "vietnam", "coordinates": [21.0285, 105.8542]}],
    "subjects": [
        "China--Foreign relations--Soviet Union",
        {"name": "Vietnam War, 1961-1975", "id": "vietnam-war"},
    ],
    "collections": [{"id": "test", "name": "Test Collection"}],
    "repository": {"name": "National Archives"},
    "archival_reference": {"fond": "5", "file": "123", "box": "7", "call_number": "RG 59"},
    "source_description": "National Archives, RG 59.",
    "funders": ["Henry Luce Foundation"],
    "rights": {"statement": "Public domain", "uri": "http://rightsstatements.org/vocab/NoC-US/1.0/"},
    "publisher": "Readingroom",
    "relations": [{"type": "cites", "target": "test/rich-2", "label": "Document 2"}],
    "original_uploaded": "2011-11-01",
    "source": {"format": "jsonl"},
    "extra": {"anything": {"nested": [1, 2]}},
}


def export_text() -> str:
    out = io.StringIO()
    jsonl.write(out)
    return out.getvalue()


def empty_archive():
    Record.objects.all().delete()
    Authority.objects.all().delete()


def test_round_trip_is_identical(import_files, tmp_path):
    src = tmp_path / "rich.jsonl"
    src.write_text(
        json.dumps(RICH, ensure_ascii=False) + "\n" + json.dumps({"id": "test/rich-2", "title": "Two"}) + "\n"
    )
    report = import_files(SEED, src)
    assert all(f.error is None and not f.problems for f in report.files)
    first = export_text()
    assert first.count("\n") == 3
    dump = tmp_path / "export.jsonl"
    dump.write_text(first)
    empty_archive()
    report = import_files(dump)
    assert report.files[0].created == 3 and not report.files[0].problems
    second = export_text()
    assert second == first
    rec = json.loads(second.splitlines()[1])
    assert rec["id"] == "test/rich-1" and rec["date_certainty"] == "approximate"
    assert rec["date_earliest"] == "1968-10-01" and rec["date_latest"] == "1968-10-31"
    assert rec["embargo_until"] == "2030-01-01" and rec["status"] == "in-review"
    assert rec["places"][0]["coordinates"] == [21.0285, 105.8542]


def test_export_every_field_present(import_files):
    import_files(SEED)
    rec = json.loads(export_text())
    for key in (
        "id",
        "title",
        "status",
        "date",
        "date_earliest",
        "date_latest",
        "date_text",
        "created",
        "updated",
        "first_published",
        "texts",
        "funders",
        "repository",
        "rights",
    ):
        assert key in rec
    assert (rec["date"], rec["date_earliest"], rec["date_latest"], rec["date_text"]) == (
        "1968-10-15",
        "1968-10-15",
        "1968-10-15",
        "October 15, 1968",
    )


def authority_export() -> str:
    return "".join(jsonl.authority_lines())


@pytest.mark.parametrize("corpus", ["hsg/taxonomy.xml", "hsg/people.jsonl"])
def test_authority_corpora_round_trip(import_files, tmp_path, corpus):
    from .conftest import CORPUS

    source = CORPUS / corpus
    if corpus.endswith("people.jsonl"):  # its first 3,000 persons keep the suite quick; every line is alike
        source = tmp_path / "people.jsonl"
        with open(CORPUS / corpus, encoding="utf-8") as f:
            source.write_text(
                "".join(line for _, line in zip(range(3000), f, strict=False)), encoding="utf-8"
            )
    assert import_files(source).files[0].error is None
    first = authority_export()
    assert first.count("\n") == Authority.objects.count() > 500
    dump = tmp_path / "authorities.jsonl"
    dump.write_text(first)
    empty_archive()
    report = import_files(dump)
    assert report.files[0].importer == "authorities" and report.ok
    assert authority_export() == first


def test_canonical_json_is_compact_sorted_and_total():
    """orjson writes the canonical text; what it refuses (integers beyond 64 bits, lone surrogates) the json
    module writes in the same compact, sorted form, so every document can be hashed and stored."""
    import hashlib
    import json

    from readingroom.records.schema import canonical_bytes, canonical_json, content_hash, from_canonical_json

    doc = {
        "title": "Cable",
        "id": "x/1",
        "extra": {"b": [1, 2.5, None], "a": "Hà Nội"},
        "created": "2026-01-01",
    }
    assert canonical_json(doc) == '{"extra":{"a":"Hà Nội","b":[1,2.5,null]},"id":"x/1","title":"Cable"}'
    big = {**doc, "extra": {"n": 2**70, "s": "\ud800"}}
    text = canonical_json(big)
    assert text == json.dumps(
        {k: v for k, v in big.items() if k != "created"}, sort_keys=True, separators=(",", ":")
    )
    assert from_canonical_json(text)["extra"] == {"n": 2**70, "s": "\ud800"}
    assert len(content_hash(big)) == 64 and content_hash(doc) == content_hash(
        {**doc, "created": "2027-01-01"}
    )
    # The hash is the SHA-256 of the text's UTF-8, whether it is given the text, its bytes, or neither.
    for d in (doc, big):
        expected = hashlib.sha256(canonical_json(d).encode()).hexdigest()
        assert (
            content_hash(d)
            == content_hash(d, canonical_json(d))
            == content_hash(d, canonical_bytes(d))
            == expected
        )


def test_json_lines_accept_what_the_json_module_accepts(import_files, tmp_path):
    """JSON Lines are read by the json module, exactly: an integer beyond 64 bits stays that integer (orjson,
    which writes the canonical text, would read it as a float), and an error names its column."""
    from readingroom.records.models import Record

    path = tmp_path / "records.jsonl"
    path.write_text(
        '{"id": "x/1", "title": "Big", "extra": {"n": 123456789012345678901234567890}}\n'
        '{"id": "x/2", "title": "Broken", \n',
        encoding="utf-8",
    )
    f = import_files(path).files[0]
    assert f.created == 1 and [p.message for p in f.problems] == [
        "line 2 is not valid JSON: Expecting property name enclosed in double quotes at column 34"
    ]
    assert Record.objects.get(pk="x/1").document["extra"] == {"n": 123456789012345678901234567890}
