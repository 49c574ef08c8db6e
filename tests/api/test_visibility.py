"""Every new address, against the one visibility rule (records/visibility.py): a draft, an in-review, an embargoed
and a withdrawn record never show, not their ids, titles, words, or the authorities only they carry, in records,
hits, totals, facet counts, authority lists and pages, relations, or the Digital Archive endpoints."""

from __future__ import annotations

from .conftest import HIDDEN_IDS, HIDDEN_STATES, MARKER

SURFACES = [
    "/api/v1/",
    "/api/v1/search",
    "/api/v1/search?q=four-party+conference",
    f"/api/v1/search?q={MARKER}",
    "/api/v1/search?q=conference&from=1968-10-20&to=1968-10-20",
    "/api/v1/search?subject=Vietnam+War%2C+1961-1975",
    "/api/v1/search?decade=1960s&year=1968",
    "/api/v1/search?sort=-date",
    *[
        f"/api/v1/{plural}/"
        for plural in (
            "persons",
            "organizations",
            "places",
            "subjects",
            "collections",
            "repositories",
            "funders",
        )
    ],
    "/api/v1/collections/vietnam-war",
    "/api/v1/subjects/vietnam-war-1961-1975",
    "/api/v1/places/paris",
    "/api/v1/records/test/related",
    "/api/v1/records/114010",
    "/srv/record.json",
    "/srv/record.json?q=four-party+conference",
    f"/srv/record.json?q={MARKER}",
    "/srv/record.json?start_date=19681020&end_date=19681020",
    "/srv/record.json?subject[]=vietnam-war-1961-1975",
    "/srv/record.json?translation=fre",
    "/srv/record.json?language=kor",
    "/srv/record/test/related.json",
    "/srv/record/date_range.json",
    "/srv/subject.json",
    "/srv/coverage.json",
    "/srv/collection.json",
    "/srv/contributor.json",
    "/srv/donor.json",
    "/srv/repository.json",
    "/srv/collection/vietnam-war.json",
]
FORBIDDEN = [
    "hidden/",
    MARKER,
    "only subject",
    "Only Fund",
    "only collection",
    "Only Archive",
    "only place",
    "Only, Person",
    "Only Office",
    "only type",
    '"kor"',
    "Korean",
]


def test_no_surface_shows_a_hidden_record(api_corpus, client):
    for url in SURFACES:  # one corpus for all of them: importing it is most of the time
        r = client.get(url)
        assert r.status_code == 200, (url, r.content[:300])
        text = r.content.decode()
        for word in FORBIDDEN:
            if word not in url:  # a query is echoed, and its links keep it
                assert word not in text, (url, word)
    assert client.get("/api/v1/search?lang=kor").json()["total"] == 0


def test_each_hidden_record_and_its_own_authorities_are_404(api_corpus, client):
    for name in HIDDEN_STATES:
        assert_hidden(client, name)


def assert_hidden(client, name: str) -> None:
    record_id = f"hidden/{name}"
    for url in (
        f"/api/v1/records/{record_id}",
        f"/srv/record/{record_id}.json",
        f"/srv/record/{record_id}/@text/1.html",
    ):
        r = client.get(url)
        assert r.status_code == 404 and r["Content-Type"] == "application/json", url
    label = name.title()
    for url in (
        f"/api/v1/subjects/{label.lower()}-only-subject",
        f"/api/v1/funders/{label.lower()}-only-fund",
        f"/api/v1/collections/{name}-only",
        f"/srv/collection/{name}-only.json",
        f"/srv/subject/{label.lower()}-only-subject.json",
    ):
        assert client.get(url).status_code == 404, url


def test_totals_and_counts_count_public_records_only(api_corpus, client):
    for_all = client.get("/api/v1/search").json()
    from readingroom.records.models import Record

    assert for_all["total"] == Record.objects.public().count() == Record.objects.count() - len(HIDDEN_IDS)
    assert client.get("/srv/record.json").json()["pagination"]["totalItems"] == for_all["total"]
    counted = {v["value"]: v["count"] for v in for_all["facets"]["subject"]["values"]}
    assert counted["Vietnam War, 1961-1975"] == 1
    subjects = {s["id"]: s for s in client.get("/srv/subject.json").json()["list"]}
    assert "vietnam-war-1961-1975" in subjects
    collection = client.get("/srv/collection/vietnam-war.json").json()
    assert collection["no_of_documents"] == "1"
