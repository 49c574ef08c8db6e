"""Each record vocabulary (statuses, authority kinds, text kinds, relation types, the id syntax, classification
markings) is declared once, in readingroom/records/vocabulary.py: the URLs, the command line, the model, the
pages, the search engines and the docs read it, and no module declares one of them again."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import resolve, reverse

from readingroom.cli import build_parser
from readingroom.records import vocabulary as v
from readingroom.records.models import Authority
from readingroom.search import fields
from readingroom.search.backends import typesense as typesense_backend
from readingroom.web.urls import KindConverter

from .conftest import ROOT

PLURALS = tuple(k.plural for k in v.AUTHORITY_KIND.values())
# Lists a module would spell out if it declared a vocabulary again.
VOCABULARIES = {
    "statuses (STATUSES)": v.STATUSES,
    "authority kinds (AUTHORITY_KINDS)": v.AUTHORITY_KINDS,
    "text kinds (TEXT_KINDS)": v.TEXT_KINDS,
    "relation types (RELATION_TYPES)": v.RELATION_TYPES,
    "classification markings (CLASSIFICATIONS, MARKINGS...)": v.MARKINGS,
}
PLURAL = "authority kinds in the plural (AUTHORITY_KIND[kind].plural)"
ID_SYNTAX = "the id syntax (ID_PATTERN, KEY_PATTERN)"
# Known copies, each in a module that another change is rewriting: remove the entry when it reads vocabulary.py.
KNOWN = {
    "readingroom/ingest/da_page.py": [ID_SYNTAX],  # the value under a page's "Record ID" heading
    "readingroom/ingest/people.py": [ID_SYNTAX],  # a person's id: KEY_PATTERN
    "readingroom/ingest/tei.py": [ID_SYNTAX],  # the characters of a file name kept in an id
    # Not a copy: the characters of a request id a proxy may send (X-Request-ID), which is not a record id.
    "readingroom/logs.py": [ID_SYNTAX],
}


def redeclared(text: str) -> list[str]:
    """The vocabularies `text` spells out: two of a vocabulary's words in a row, as string literals in a list,
    or joined by "|" as in a pattern; a kind mapped to its plural; the characters of the id syntax. (Two plurals
    in a list are record fields, "places", "subjects": not the URL vocabulary.)"""
    found = []
    for name, words in VOCABULARIES.items():
        for a, b in zip(words, words[1:], strict=False):
            quoted = rf"""["']{re.escape(a)}["']\s*,\s*["']{re.escape(b)}["']"""
            if re.search(quoted, text) or f"{a}|{b}" in text:
                found.append(name)
                break
    for kind in v.AUTHORITY_KIND.values():
        if (
            re.search(rf"""["']{kind.name}["']\s*:\s*["']{kind.plural}["']""", text)
            or f"{kind.plural}|" in text
        ):
            found.append(PLURAL)
            break
    if "A-Za-z0-9._:" in text:
        found.append(ID_SYNTAX)
    return found


def sources():
    for path in sorted((ROOT / "readingroom").rglob("*")):
        if (
            path.suffix in (".py", ".html")
            and path.name != "vocabulary.py"
            and "migrations" not in path.parts
        ):
            yield path.relative_to(ROOT).as_posix(), path.read_text(encoding="utf-8")


def test_no_module_declares_a_vocabulary_again():
    found = {name: redeclared(text) for name, text in sources()}
    copies = {name: what for name, what in found.items() if what and what != KNOWN.get(name)}
    assert not copies, f"read these from readingroom/records/vocabulary.py instead: {copies}"
    stale = {name for name, what in KNOWN.items() if found.get(name) != what}
    assert not stale, f"{stale} no longer declare what KNOWN says: update KNOWN in this test"


def test_the_scan_finds_copies():
    # Guards the scan itself: a check that finds nothing would make the test above vacuous.
    assert redeclared('STATUSES = ("draft", "in-review", "published")') == ["statuses (STATUSES)"]
    assert redeclared('regex = "persons|organizations|places"') == [PLURAL]
    assert redeclared('PLURALS = {"person": "persons"}') == [PLURAL]
    assert redeclared("MARKINGS = (\n    'Top Secret',\n    'Secret',\n)") == [
        "classification markings (CLASSIFICATIONS, MARKINGS...)"
    ]
    assert redeclared('re.fullmatch(r"[A-Za-z0-9._:/-]+", b)') == [ID_SYNTAX]
    assert (
        redeclared('kind = "translation"; roles = ("subject", "place"); MULTI = ("places", "subjects")') == []
    )


def test_urls_name_every_kind_by_its_plural():
    assert KindConverter.regex == "|".join(PLURALS)
    for kind in v.AUTHORITY_KIND.values():
        url = reverse("authorities", kwargs={"kind": kind.name})
        assert url == f"/{kind.plural}/"
        assert resolve(url).kwargs == {"kind": kind.name}
        assert resolve(f"{url}some-key/").kwargs == {"kind": kind.name, "key": "some-key"}


@pytest.mark.django_db
def test_authority_pages_use_the_kinds_labels(client):
    for kind in v.AUTHORITY_KIND.values():
        page = client.get(f"/{kind.plural}/").content.decode()
        assert f"<h1>{kind.label_plural}</h1>" in page
        assert 'class="tree"' in page or "None yet" in page


def test_import_may_set_the_import_statuses():
    parser = build_parser()
    importer = next(a for a in parser._actions if a.dest == "command").choices["import"]
    status = next(a for a in importer._actions if a.dest == "status")
    assert tuple(status.choices) == v.IMPORT_STATUSES
    assert set(v.IMPORT_STATUSES) <= set(v.STATUSES) and v.DEFAULT_STATUS in v.IMPORT_STATUSES
    assert "withdrawn" not in v.IMPORT_STATUSES
    assert f"status ({'|'.join(v.STATUSES)})" in importer.epilog


@pytest.mark.django_db
def test_model_choices_are_the_kinds_and_migrations_are_up_to_date():
    assert Authority.KINDS == [(k, k) for k in v.AUTHORITY_KINDS]
    call_command("makemigrations", "records", check=True, dry_run=True, verbosity=0)


def test_search_facets_of_authorities():
    """A facet of an authority kind is named after the kind and labelled by it, in both engines."""
    typesense_facets = [f["name"] for f in typesense_backend.schema("x")["fields"] if f.get("facet")]
    for f in fields.FACETS:
        if f.authority is not None:
            assert f.authority in v.AUTHORITY_KINDS
            assert f.name in typesense_facets
    # Every kind but organizations is a facet: a new kind needs a decision here.
    assert {f.name for f in fields.FACETS if f.authority == f.name} == set(v.AUTHORITY_KINDS) - {
        "organization"
    }


def test_record_schema_doc_lists_the_vocabularies():
    doc = (ROOT / "docs" / "record-schema.md").read_text(encoding="utf-8")

    def listed(words):
        return ", ".join(f"`{w}`" for w in words)

    assert f"| `status` | {listed(v.STATUSES)} | Default `{v.DEFAULT_STATUS}`" in doc
    assert f"`kind` ({listed(v.TEXT_KINDS)}; default `{v.DEFAULT_TEXT_KIND}`)" in doc
    assert f"`type` ({listed(v.RELATION_TYPES)}; default `{v.DEFAULT_RELATION_TYPE}`)" in doc
    assert f"at most {v.ID_MAX_LENGTH} characters" in doc
    for kind in v.AUTHORITY_KINDS:
        assert f"`{kind}`" in doc, f"docs/record-schema.md does not mention the authority kind {kind!r}"


@pytest.mark.parametrize(
    "rid,valid",
    [
        ("frus1964-68v07/d74", True),
        ("a.b_c:d-e", True),
        ("-a", False),
        ("a//b", False),
        ("a/", False),
        ("a b", False),
        ("x" * v.ID_MAX_LENGTH, True),
        ("x" * (v.ID_MAX_LENGTH + 1), False),
    ],
)
def test_the_id_syntax(rid, valid):
    from readingroom.records.schema import RecordError, normalize_record

    if valid:
        assert normalize_record({"id": rid, "title": "t"})["id"] == rid
    else:
        with pytest.raises(RecordError, match=f"is not a valid id: {re.escape(v.ID_RULE)}"):
            normalize_record({"id": rid, "title": "t"})
