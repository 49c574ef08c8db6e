"""The API's corpus: the seed page, the FRUS volume VII excerpt and the frus-history documents through their
importers, the two Digital Archive JSON fixtures, and records the public must never see (a draft, one in review,
an embargoed and a withdrawn one), written through the store. Each hidden record shares words, a subject, a
collection and a date with public records, and has a subject, place, person, funder, collection and language
of its own, so that a leak shows in records, hits, totals, facet counts, authority lists and relations alike."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import CORPUS, SEED, committed_archive, imported

DATA = Path(__file__).resolve().parent.parent / "data"
FRUS = CORPUS / "frus" / "frus1964-68v07-excerpt.xml"
FRUS_HISTORY = CORPUS / "frus-history" / "documents"
DA_RECORD = DATA / "da" / "114010.json"
DA_PAGE = DATA / "da" / "page-999001.json"
SEED_ID = "1968-10-15-secret-north-vietnam-politburo-cable-no-323"
MARKER = "quokka"  # a word only the hidden records use
HIDDEN_LANGUAGE = "kor"

LATER = (dt.date.today() + dt.timedelta(days=30)).isoformat()
HIDDEN_STATES = {
    "draft": {"status": "draft"},
    "in-review": {"status": "in-review"},
    "embargoed": {"embargo_until": LATER},
    "withdrawn": {"status": "withdrawn"},
}


def hidden_record(name: str) -> dict:
    label = name.title()
    return {
        "id": f"hidden/{name}",
        "title": f"{label} {MARKER}: the four-party conference",
        "date": "1968-10-20",
        "text": f"The four-party conference will convene in Paris. {MARKER} {name}.",
        **HIDDEN_STATES[name],
        "summary": f"A {name} record about the four-party conference.",
        "subjects": ["Vietnam War, 1961-1975", f"{label} only subject"],
        "places": ["Paris", f"{label} only place"],
        "persons": [f"{label} Only, Person"],
        "creators": [{"kind": "organization", "name": f"{label} Only Office"}],
        "funders": [f"{label} Only Fund"],
        "repository": f"{label} Only Archive",
        "languages": [HIDDEN_LANGUAGE],
        "collections": [
            {"kind": "collection", "id": "vietnam-war", "name": "Vietnam War"},
            {"kind": "collection", "id": f"{name}-only", "name": f"{label} only collection"},
        ],
        "document_types": [f"{label} only type"],
        "classification": ["Top Secret"],
        "texts": [{"kind": "translation", "language": "fre", "body": f"{MARKER} traduction {name}"}],
    }


HIDDEN_IDS = [f"hidden/{name}" for name in HIDDEN_STATES]
RELATED = {
    "id": "test/related",
    "title": "A note that cites hidden and public records",
    "date": "1968-10-25",
    "text": "Notes on the cables.",
    "subjects": ["Paris Peace Talks (1968-1973)"],
    "relations": [{"type": "cites", "target": i, "label": f"See {i}"} for i in HIDDEN_IDS]
    + [
        {"type": "related", "target": "114010", "label": "The Politburo cable"},
        {"type": "attachment", "target": "999001"},
    ],
}


def build_api_corpus(archive) -> None:
    report = imported(archive, SEED, FRUS, FRUS_HISTORY, DA_RECORD, DA_PAGE)
    assert all(f.error is None for f in report.files), [f.error for f in report.files if f.error]
    for name in HIDDEN_STATES:
        archive.store.save(hidden_record(name))
    archive.store.save(RELATED)
    archive.indexer.process_outbox()


@pytest.fixture(scope="module")
def api_archive(django_db_setup, django_db_blocker, tmp_path_factory):
    """The API's corpus, written once per test module and committed (tests/conftest.py's committed_archive)."""
    with committed_archive(
        django_db_blocker, tmp_path_factory.mktemp("api") / "archive", build_api_corpus
    ) as own:
        yield own


@pytest.fixture
def api_corpus(api_archive, db):
    """The module's API corpus (api_archive), for a test in a transaction of its own."""
    return api_archive


@pytest.fixture
def api_corpus_each(archive, db):
    """The API corpus written for this test alone, in its own archive (live-server tests)."""
    build_api_corpus(archive)
    return archive
