"""/api/v1/<kind>/ and /api/v1/<kind>/<key>: only authorities that public records carry, with public counts; an
authority's public records, paged."""

from __future__ import annotations

import re

import pytest

from readingroom.records.models import Authority, Record
from readingroom.records.vocabulary import AUTHORITY_KIND

from .conftest import HIDDEN_STATES


@pytest.mark.parametrize("kind", list(AUTHORITY_KIND))
def test_lists_hold_only_authorities_public_records_carry(api_corpus, client, kind):
    plural = AUTHORITY_KIND[kind].plural
    body = client.get(f"/api/v1/{plural}/").json()
    listed = {a["key"]: a["records"] for a in body["authorities"]}
    assert body["kind"] == kind and body["total"] == len(listed) or body["pages"] > 1
    for key, count in listed.items():
        assert count > 0
        page = client.get(f"/api/v1/{plural}/{key}").json()
        assert page["total"] >= count
    hidden_only = {
        a.key
        for a in Authority.objects.filter(kind=kind, name__icontains="only")
        if re.search(r"\bonly\b", a.name, re.I)
    }
    assert hidden_only, "the corpus gives every kind a hidden-only authority"
    assert not hidden_only & set(listed)
    for key in hidden_only:
        r = client.get(f"/api/v1/{plural}/{key}")
        assert r.status_code == 404 and r.json()["error"]["detail"] == f"no {kind} {key!r}"


def test_counts_leave_hidden_records_out(api_corpus, client):
    subjects = {a["name"]: a for a in client.get("/api/v1/subjects/").json()["authorities"]}
    # Every hidden record carries this subject too; only the Digital Archive cable is public.
    assert subjects["Vietnam War, 1961-1975"]["records"] == 1
    page = client.get("/api/v1/subjects/vietnam-war-1961-1975").json()
    assert [r["id"] for r in page["records"]] == ["114010"] and page["total"] == 1
    places = {a["key"]: a["records"] for a in client.get("/api/v1/places/").json()["authorities"]}
    carrying = Record.objects.filter(links__authority__kind="place", links__authority__key="paris").distinct()
    assert places["paris"] == carrying.public().count() == carrying.count() - len(HIDDEN_STATES)


def test_collection_with_its_records_and_children(api_corpus, client):
    volume = client.get("/api/v1/collections/frus1964-68v07").json()
    assert volume["name"].startswith("Foreign Relations of the United States, 1964–1968, Volume VII")
    assert volume["total"] == 5 and [r["id"] for r in volume["records"]][:2] == [
        "frus1964-68v07/d1",
        "frus1964-68v07/d2",
    ]
    record = volume["records"][0]
    assert record["url"] == "http://testserver/api/v1/records/frus1964-68v07/d1"
    assert record["html_url"] == "http://testserver/records/frus1964-68v07/d1/"
    assert volume["data"]["editors"] == ["Kent Sieg", "Edward C. Keefer"]
    chapter = client.get("/api/v1/collections/frus1964-68v07/ch2").json()
    assert chapter["parent"]["key"] == "frus1964-68v07/copm1"
    assert [r["id"] for r in chapter["records"]] == ["frus1964-68v07/d74"]
    assert client.get("/api/v1/collections/vietnam-war").json()["total"] == 1


def test_paging_of_lists_and_records(api_corpus, client):
    persons = client.get("/api/v1/persons/").json()
    assert persons["total"] == sum(1 for _ in persons["authorities"]) or persons["pages"] > 1
    history = client.get("/api/v1/collections/frus-history").json()
    assert history["total"] == 51 and history["pages"] == 2 and len(history["records"]) == 50
    assert history["links"]["next"] == "http://testserver/api/v1/collections/frus-history?page=2"
    last = client.get(history["links"]["last"]).json()
    assert (
        len(last["records"]) == 1
        and last["links"]["prev"] == "http://testserver/api/v1/collections/frus-history"
    )
    r = client.get("/api/v1/collections/frus-history?page=3")
    assert r.status_code == 404 and r.json()["error"]["detail"] == "there are 2 pages here, not 3"
    assert client.get("/api/v1/subjects/?page=x").status_code == 400


def test_hidden_states_are_all_in_the_corpus(api_corpus):
    assert set(Record.objects.filter(pk__startswith="hidden/").values_list("pk", flat=True)) == {
        f"hidden/{name}" for name in HIDDEN_STATES
    }
    assert not Record.objects.public().filter(pk__startswith="hidden/").exists()
