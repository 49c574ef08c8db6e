"""OAI-PMH on an archive of its own per test, beside tests/test_oai.py, whose corpus is written once for the
module: harvests by third-party harvesters over a live server (whose database is emptied after each test), and
an archive without collections."""

from __future__ import annotations

import pytest

from .test_oai import (
    NEVER,
    OAI,
    PAGE_SIZE,
    RICH,
    build_corpus,
    echoed,
    error,
    headers,
    ident,
    oai,
    public_ids,
    record_id,
    validated,
)
from .test_oai import archive as archive  # noqa: F401 - the fixture: test_oai's archive, small OAI pages


@pytest.fixture
def corpus_each(archive, db):
    """test_oai's corpus, written for this test alone."""
    build_corpus(archive)
    return archive


def test_no_collections_no_set_hierarchy(client, archive, db):
    archive.store.save({"id": "lonely", "title": "A record in no collection"})
    assert error(oai(client, {"verb": "ListSets"})) == "noSetHierarchy"
    doc = oai(client, {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "anything"})
    assert error(doc) == "noSetHierarchy"
    assert echoed(doc) == {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "anything"}
    assert [
        record_id(h) for h in headers([oai(client, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})])
    ] == ["lonely"]


# -- third-party harvesters over a live server ------------------------------------------------------------------


def validating_hook(response, *args, **kwargs):
    """requests' response hook: every response Sickle receives is checked against the schemas."""
    validated(response.content)


def sickle(live_server_url, **kwargs):
    from sickle import Sickle

    return Sickle(live_server_url + "/oai", hooks={"response": validating_hook}, timeout=30, **kwargs)


@pytest.mark.parametrize("http_method", ["GET", "POST"])
def test_sickle_harvests_the_public_records(live_server_url, corpus_each, http_method):
    harvester = sickle(live_server_url, http_method=http_method)
    assert harvester.Identify().baseURL == live_server_url + "/oai"
    records = list(harvester.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
    by_id = {record_id(r.header.xml, live_server_url): r for r in records}
    assert len(by_id) == len(records)
    assert {i for i, r in by_id.items() if not r.deleted} == public_ids()
    assert {i for i, r in by_id.items() if r.deleted} == {"oai/withdrawn"}
    from readingroom.records.models import Record

    titles = dict(Record.objects.public().values_list("id", "title"))
    assert {i: r.metadata["title"][0] for i, r in by_id.items() if not r.deleted} == titles
    sets = {s.setSpec for s in harvester.ListSets()}
    assert {"letters", "frus1964-68v07", "frus1964-68v07~ch1"} <= sets
    chapter = [
        record_id(h.xml, live_server_url)
        for h in harvester.ListIdentifiers(metadataPrefix="mods", set="frus1964-68v07~ch1")
    ]
    assert chapter and all(i.startswith("frus1964-68v07/") for i in chapter)
    got = harvester.GetRecord(identifier=ident("oai/rich", live_server_url), metadataPrefix="oai_dc")
    assert got.metadata["title"] == [RICH["title"]]


def test_scythe_harvests_the_public_records(live_server_url, corpus_each):
    from oaipmh_scythe import Scythe

    def validating(response):  # httpx's response hook: every response scythe receives is checked too
        response.read()
        validated(response.content)

    with Scythe(live_server_url + "/oai") as scythe:
        scythe.client.event_hooks["response"].append(validating)
        assert scythe.identify().baseURL == live_server_url + "/oai"
        records = list(scythe.list_records(metadata_prefix="mods"))
        ids = {record_id(r.header.xml, live_server_url): r.deleted for r in records}
        assert len(ids) == len(records)
        assert {i for i, deleted in ids.items() if not deleted} == public_ids()
        assert {i for i, deleted in ids.items() if deleted} == {"oai/withdrawn"}
        formats = [f.metadataPrefix for f in scythe.list_metadata_formats()]
        assert formats == ["oai_dc", "mods"]
        headers_ = list(
            scythe.list_identifiers(metadata_prefix="oai_dc", from_="2001-01-01", until="2001-12-31")
        )
        assert [record_id(h.xml, live_server_url) for h in headers_] == [
            "oai/old-1",
            "oai/embargo-over",
            "oai/tie-a",
            "oai/tie-b",
        ]
        record = scythe.get_record(
            identifier=ident("frus1964-68v07/d1", live_server_url), metadata_prefix="oai_dc"
        )
        assert record.metadata["identifier"] == [ident("frus1964-68v07/d1", live_server_url)]


def test_a_harvest_during_which_records_are_added_and_withdrawn(live_server_url, corpus_each):
    """A harvest completes while records are added, changed and withdrawn between its pages (no
    badResumptionToken); it sees every record at least once; a later incremental harvest (from=) reports the
    withdrawn ones as deleted. Hidden records never appear."""
    store = corpus_each.store
    harvester = sickle(live_server_url)
    at_start = public_ids()
    listing = harvester.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False)
    seen: dict[str, list[bool]] = {}
    started = None
    for n, header in enumerate(listing):
        if started is None:
            started = listing.oai_response.xml.findtext(f"{{{OAI}}}responseDate")
        seen.setdefault(record_id(header.xml, live_server_url), []).append(header.deleted)
        if n == 1:
            store.save({"id": "oai/added-1", "title": "Added during the harvest"})
        elif n == 3:
            store.set_status("oai/old-1", "withdrawn", reason="a test")  # seen already
            store.set_status(
                "frus1964-68v07/d75", "withdrawn", reason="a test"
            )  # one of the last: not seen yet
        elif n == 5:
            store.save(
                {
                    "id": "oai/added-2",
                    "title": "Added later in the harvest",
                    "collections": [{"id": "letters", "name": "Letters"}],
                }
            )
            store.save({"id": "oai/draft", "title": "Still a draft, edited", "status": "draft"})
    assert n > 2 * PAGE_SIZE
    assert at_start | {"oai/added-1", "oai/added-2"} <= set(seen)
    assert not NEVER & set(seen)
    assert seen["oai/old-1"] == [False, True] and seen["frus1964-68v07/d75"] == [True]
    later = {
        record_id(h.xml, live_server_url): h.deleted
        for h in harvester.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False, **{"from": started})
    }
    changed = {"oai/added-1": False, "oai/added-2": False, "oai/old-1": True, "frus1964-68v07/d75": True}
    assert {i: later.get(i) for i in changed} == changed
    assert not NEVER & set(later)  # (records imported in the second the harvest started may be there too)
