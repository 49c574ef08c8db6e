"""Search fixtures: a real corpus in the store (the seed page and the frus-history TEI documents through their
importers, FRUS volume VII documents read from the TEI excerpt at test time and saved through RecordWriter,
with variants that are undated, year-only, draft, embargoed, withdrawn), and a fresh index per test on each
backend."""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid

import pytest
from lxml import etree

from tests.conftest import CORPUS, SEED, imported

TEI = {"t": "http://www.tei-c.org/ns/1.0"}
FRUS = CORPUS / "frus" / "frus1964-68v07-excerpt.xml"
FRUS_HISTORY = CORPUS / "frus-history" / "documents"
PEOPLE = CORPUS / "hsg" / "people.jsonl"
SEED_ID = "1968-10-15-secret-north-vietnam-politburo-cable-no-323"
BACKENDS = ["tantivy", "typesense"]


def _text(el) -> str:
    """The element's text without its footnotes."""
    return " ".join("".join(el.xpath(".//text()[not(ancestor::t:note)]", namespaces=TEI)).split())


def frus_documents() -> dict[str, dict]:
    """The excerpt's documents: number -> {title, when, place, paragraphs} (footnotes left out)."""
    tree = etree.parse(str(FRUS), etree.XMLParser(resolve_entities=False, no_network=True))
    out = {}
    for div in tree.iterfind(".//t:div[@type='document']", TEI):
        title = _text(div.find("t:head", TEI))
        title = title.split(". ", 1)[1] if ". " in title[:5] else title
        date = div.find(".//t:dateline//t:date", TEI)
        place = div.find(".//t:dateline/t:placeName", TEI)
        out[div.get("n")] = {
            "title": title,
            "when": date.get("when") if date is not None else None,
            "place": _text(place) if place is not None else None,
            "paragraphs": [_text(p) for p in div.iterfind("t:p", TEI)],
        }
    return out


def _person(name_fragment: str) -> dict:
    with open(PEOPLE, encoding="utf-8") as f:
        for line in f:
            if name_fragment in line:
                return json.loads(line)
    raise AssertionError(f"{name_fragment!r} is not in {PEOPLE}")


@pytest.fixture
def corpus(import_files, writer, corpus_counts):
    """The store holds the real corpus; returns facts the tests check against."""
    return build_corpus(import_files, writer, corpus_counts)


def build_corpus(import_files, writer, corpus_counts) -> dict:
    report = import_files(SEED, FRUS_HISTORY)
    assert all(f.error is None for f in report.files), [f.error for f in report.files if f.error]
    docs = frus_documents()
    writer.authority("collection", "frus", "Foreign Relations of the United States")
    vol = {
        "kind": "collection",
        "id": "frus1964-68v07",
        "name": "FRUS 1964–1968, Volume VII, Vietnam",
        "parent": "frus",
    }
    subjects = {
        "1": ["Vietnam War", "Elections"],
        "2": ["Vietnam War", "Soviet Union"],
        "3": ["Vietnam War", "Paris Peace Talks"],
        "74": ["Vietnam War", "Paris Peace Talks"],
        "75": ["Vietnam War", "Paris Peace Talks", "Security breach"],
    }
    types = {
        "1": "Telephone conversation",
        "2": "Telegram",
        "3": "Meeting notes",
        "74": "Telegram",
        "75": "Telegram",
    }
    for n, d in docs.items():
        writer.save(
            {
                "id": f"frus1964-68v07/d{n}",
                "title": d["title"],
                "date": d["when"],
                "text": "\n\n".join(d["paragraphs"]),
                # The excerpt tags "September" as the placeName of document 1's dateline: not a place.
                "places": [d["place"]] if d["place"] and d["place"] != "September" else [],
                "subjects": subjects[n],
                "collections": [vol],
                "document_types": [types[n]],
                "languages": ["eng"],
                "classification": ["Secret"] if n in ("2", "75") else [],
            }
        )
    minh = _person("Dương, Văn Minh")
    seed_text = SEED.read_text(encoding="utf-8")
    four_party = next(line for line in seed_text.splitlines() if "four-party conference" in line)
    later = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    variants = [
        # A person with diacritics, from the HistoryAtState people file, and what it says of him.
        {
            "id": "test/accented",
            "title": f"Remarks on {minh['name']}",
            "date": "1955-05",
            "text": " ".join(minh["remarks"]),
            "persons": [minh["name"]],
            "places": ["Sài Gòn"],
            "subjects": ["Vietnam War"],
            "document_types": ["Biographical note"],
            "languages": ["vie"],
        },
        {
            "id": "test/undated",
            "title": "Undated notes on the talks",
            "text": "\n\n".join(docs["3"]["paragraphs"][:2]),
            "subjects": ["Paris Peace Talks"],
            "document_types": ["Telegram"],
            "languages": ["eng"],
        },
        {
            "id": "test/year-only",
            "title": "Notes from 1968",
            "date": "1968",
            "text": docs["2"]["paragraphs"][2],
            "subjects": ["Soviet Union"],
            "document_types": ["Memorandum"],
            "languages": ["fre"],
        },
        # Never public: each shares words and subjects with public records, so a leak would show.
        {
            "id": "test/draft",
            "status": "draft",
            "title": "Draft: four-party conference",
            "date": "1968-10-20",
            "text": four_party,
            "subjects": ["Vietnam War", "Draft only"],
            "document_types": ["Telegram"],
        },
        {
            "id": "test/embargoed",
            "title": "Embargoed: four-party conference",
            "date": "1968-10-21",
            "embargo_until": later,
            "text": four_party,
            "subjects": ["Vietnam War", "Embargo only"],
            "document_types": ["Telegram"],
        },
        {
            "id": "test/withdrawn",
            "status": "withdrawn",
            "title": "Withdrawn: four-party conference",
            "date": "1968-10-22",
            "text": four_party,
            "subjects": ["Vietnam War", "Withdrawn only"],
            "document_types": ["Telegram"],
        },
    ]
    for v in variants:
        writer.save(v)
    public_variants = [
        v for v in variants if v["id"] not in ("test/draft", "test/embargoed", "test/withdrawn")
    ]
    # The seed page is one record, each frus-history file one, each FRUS document one.
    public = 1 + corpus_counts.frus_history + corpus_counts.frus_documents + len(public_variants)
    return {"frus": docs, "minh": minh, "four_party": four_party, "public": public}


def _typesense_backend(request):
    """A fresh collection on the test Typesense server (tests/conftest.py's typesense_url: skipped when no
    server is configured, a failure under CI)."""
    from readingroom.search.backends.typesense import TypesenseBackend

    url, key = request.getfixturevalue("typesense_url")
    return TypesenseBackend(url, key, f"test_{uuid.uuid4().hex[:12]}")


def make_backend(name: str, request, tmp_path):
    if name == "tantivy":
        from readingroom.search.backends.tantivy import TantivyBackend

        return TantivyBackend(tmp_path / f"index-{uuid.uuid4().hex[:6]}")
    return _typesense_backend(request)


def discard(backend) -> None:
    """Close a test's backend and drop what it made on the shared Typesense server."""
    backend.close()
    if backend.name == "typesense":
        backend.drop()


def engine_archive(backend, home):
    """An archive in `home` searching with `backend`."""
    from readingroom.archive import Archive
    from readingroom.config import ArchiveSettings

    return Archive(ArchiveSettings.from_environment(home=home, search_backend=backend.name), search=backend)


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    b = make_backend(request.param, request, tmp_path)
    yield b
    discard(b)


@pytest.fixture
def archive(backend, tmp_path):
    """The test's archive searching with `backend` (both engines, by the fixture's parameters)."""
    from django.apps import apps

    own = engine_archive(backend, tmp_path / "archive")
    web = apps.get_app_config("web")
    previous = web.install(own)
    yield own
    web.install(previous)


@pytest.fixture(scope="module", params=BACKENDS)
def indexed_once(request, tmp_path_factory, django_db_setup, django_db_blocker, corpus_counts):
    """(backend, facts) for questions that only ask the engine: the corpus indexed once per engine and module,
    through the importers and `reindex` as `indexed` does, and the database rolled back at once (such questions
    never read it). A question that writes, or reads the store, takes `indexed` instead."""
    from django.db import transaction

    folder = tmp_path_factory.mktemp("indexed-once")
    backend = make_backend(request.param, request, folder)
    own = engine_archive(backend, folder / "archive")
    with django_db_blocker.unblock(), transaction.atomic():
        facts = build_corpus(functools.partial(imported, own), own.store.writer(), corpus_counts)
        own.indexer.reindex(progress=False)
        transaction.set_rollback(True)
    yield backend, facts
    discard(backend)


@pytest.fixture
def indexed(archive, corpus):
    """The corpus, indexed into the backend through `reindex` (the same path as the command)."""
    archive.indexer.reindex(progress=False)
    return corpus


# A capital per record, fifteen places in all (more than a facet's 10 shown values): Hanoi in three records,
# Moscow in two, the others in one each.
CAPITALS = ["Hanoi", "Hanoi", "Hanoi", "Moscow", "Moscow", "Beijing", "London", "Bonn", "Rome", "Madrid"]
CAPITALS += ["Ottawa", "Canberra", "Tokyo", "Delhi", "Cairo", "Lima", "Oslo", "Bern"]


@pytest.fixture
def many_places(archive, corpus, writer):
    for i, place in enumerate(CAPITALS):
        writer.save(
            {"id": f"test/capital-{i}", "title": f"Cable from {place}", "date": "1969", "places": [place]}
        )
    archive.indexer.reindex(progress=False)
    return corpus
