"""The search fields are declared once (readingroom/search/fields.py): the index document, both engines' schemas,
the facets, the query's field names, the URL parameters and docs/search.md all say the same."""

from __future__ import annotations

import json
import re

import pytest

from readingroom.records.schema import normalize_record
from readingroom.records.vocabulary import AUTHORITY_KIND
from readingroom.search import facets, fields, query
from readingroom.search.backends import tantivy as tantivy_backend
from readingroom.search.backends import typesense as typesense_backend
from readingroom.search.documents import index_document
from readingroom.search.params import request_from_params

from ..conftest import ROOT

DOC = ROOT / "docs" / "search.md"
NAMES = [f.name for f in fields.FIELDS]
FACET_NAMES = [f.name for f in fields.FACETS]


def a_document() -> dict:
    """An index document with every field given a value."""
    rec = normalize_record(
        {
            "id": "test/fields",
            "title": "The Fields",
            "summary": "A summary",
            "date": "1968-10-15",
            "text": "A text.",
            "languages": ["vie"],
            "document_types": ["Telegram"],
            "classification": ["Secret"],
            "subjects": ["War"],
            "places": ["Hanoi"],
            "persons": ["Rusk, Dean"],
            "collections": ["FRUS"],
            "repository": "An archive",
            "funders": ["A funder"],
            "texts": [
                {
                    "kind": "translation",
                    "language": "eng",
                    "body": "Text by [Name not declassified].",
                    "translator": "A translator",
                }
            ],
        }
    )
    return index_document(rec)


def expected_rows() -> list[str]:
    """docs/search.md's field table, as fields.py says it."""

    def cells(f: fields.Field) -> list[str]:
        return [
            f"`{f.name}`",
            f.label,
            f.kind,
            f"{f.weight:g}" if f.weight else "",
            f.mode or "",
            str(f.size) if f.is_facet else "",
            " ".join(f"`{n}:`" for n in f.query_names),
            "yes" if f.stored else "",
            "yes" if f.sort else "",
        ]

    return ["| " + " | ".join(cells(f)) + " |" for f in fields.FIELDS]


def documented_rows() -> list[str]:
    section = re.split(r"^## ", DOC.read_text(encoding="utf-8"), flags=re.M)
    fields_section = next(s for s in section if s.startswith("Fields\n"))
    return [line.strip() for line in fields_section.splitlines() if line.startswith("| `")]


def test_docs_list_every_field():
    documented, expected = documented_rows(), expected_rows()
    assert documented, "docs/search.md has no '## Fields' table"
    assert documented == expected, (
        "docs/search.md's field table differs from readingroom/search/fields.py; "
        "its rows should read:\n" + "\n".join(expected)
    )


def test_index_documents_have_exactly_the_fields():
    doc = a_document()
    assert set(doc) == set(NAMES)
    assert all(doc[f.name] for f in fields.FACETS), "every facet should have a value in this document"


def test_tantivy_schema_and_documents_come_from_the_fields(tmp_path):
    assert tantivy_backend.TEXT_FIELDS == tuple((f.name, f.weight) for f in fields.TEXT_FIELDS)
    assert tantivy_backend.NAME_FIELDS == tuple(f.name for f in fields.WORD_FIELDS)
    doc = tantivy_backend.to_tantivy(a_document())
    twins = {f"{f.name}_s" for f in fields.TEXT_FIELDS} | {f"{f.name}_t" for f in fields.WORD_FIELDS}
    assert set(doc) == set(NAMES) - {f.name for f in fields.TEXT_FIELDS if not f.exact} | twins
    tantivy_backend.TantivyBackend(tmp_path)
    schema = json.loads((tmp_path / "meta.json").read_text())["schema"]
    assert {f["name"] for f in schema} == set(doc)
    assert {f["name"] for f in schema if f["options"].get("fast") and f["type"] == "text"} == {
        "id",
        *FACET_NAMES,
        *(f.name for f in fields.FIELDS if f.sort and f.kind == "keyword"),
    }


def test_typesense_schema_and_documents_come_from_the_fields():
    schema = typesense_backend.schema("x")
    declared = {f["name"]: f for f in schema["fields"]}
    assert [f["name"] for f in schema["fields"] if f.get("facet")] == FACET_NAMES
    assert set(typesense_backend.to_typesense(a_document())) == set(declared) | {"id"}
    assert typesense_backend.TEXT_FIELDS == tuple((f.name, int(f.weight)) for f in fields.TEXT_FIELDS)
    assert typesense_backend.STORED_FIELDS == tuple(f.name for f in fields.STORED_FIELDS if f.name != "id")
    assert schema["default_sorting_field"] in {f.name for f in fields.FIELDS if f.sort}


def test_facets_are_the_fields_marked_so():
    assert facets.FACETS == tuple(f for f in fields.FIELDS if f.mode)
    assert [f.name for f in facets.FACETS] == FACET_NAMES
    assert request_from_params({}).facets == tuple(n for n in FACET_NAMES if n != "year")
    selected = request_from_params({name: ["x"] for name in FACET_NAMES})
    assert [name for name, _values in selected.filters] == FACET_NAMES


@pytest.mark.parametrize("name", list(fields.QUERY_NAMES))
def test_a_query_can_name_every_query_field(name):
    (clause,) = query.parse(f"{name}:rusk").clauses
    assert clause.field == fields.QUERY_NAMES[name]


def test_query_fields_and_authorities():
    assert {f.name for f in fields.FIELDS if f.query} == set(fields.QUERY_NAMES.values())
    assert query.parse("summary:rusk").clauses[0].field is None  # not a field a query can name
    assert all(f.authority is None or f.authority in AUTHORITY_KIND for f in fields.FIELDS)
    assert fields.BY_NAME["subject"].label == AUTHORITY_KIND["subject"].label  # a facet's label is its kind's
