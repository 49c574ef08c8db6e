"""/api/v1/search: the parameters, facets, sorting and paging of /search/ (one parser: search/params.py), hits
with absolute links, facet counts, totals, paging links in the body and the Link header; 400 for what cannot be
used."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from readingroom.search.params import request_from_params

from .conftest import MARKER


def search(client, params):
    return client.get("/api/v1/search?" + urlencode(params, doseq=True))


@pytest.mark.parametrize(
    "params",
    [
        {"q": "conference"},
        {"q": '"four-party conference"', "sort": "-date"},
        {"q": "bombing OR negotiations", "from": "1968-10", "to": "1968-12"},
        {"subject": ["Vietnam War, 1961-1975"]},
        {"q": "committee", "type": ["Minutes of Meeting", "Memorandum"], "sort": "title"},
        {"decade": ["1960s"], "sort": "date"},
        {"from": "1957", "to": "1962", "undated": "include"},
    ],
)
def test_the_api_answers_what_the_search_page_asks_the_engine(api_corpus, client, params):
    body = search(client, params).json()
    expected = api_corpus.search.search(
        request_from_params({k: v if isinstance(v, list) else [v] for k, v in params.items()})
    )
    assert body["total"] == expected.total
    assert [h["id"] for h in body["hits"]] == [h.id for h in expected.hits]
    for name, counted in expected.facets.items():
        assert [(v["value"], v["count"]) for v in body["facets"][name]["values"]] == counted
    assert body["query"]["understood"] == (expected.understood or None)


def test_hits_facets_and_links(api_corpus, client):
    r = search(client, {"q": "Paris", "type": "Telegram"})
    body = r.json()
    hit = body["hits"][0]
    assert hit["url"] == f"http://testserver/api/v1/records/{hit['id']}"
    assert hit["html_url"] == f"http://testserver/records/{hit['id']}/"
    assert "<mark>" in (hit["snippet_html"] or "")
    types = body["facets"]["type"]
    assert types["label"] == "Document type" and types["mode"] == "or"
    telegrams = next(v for v in types["values"] if v["value"] == "Telegram")
    assert telegrams["selected"] and telegrams["count"] == body["total"] > 0
    assert "year" not in body["facets"]  # years once a decade is chosen, as on the page
    assert set(body["facets"]) >= {"subject", "place", "person", "collection", "lang", "decade"}
    lang = body["facets"]["lang"]["values"]
    assert {"value": "eng", "label": "English"} == {k: lang[0][k] for k in ("value", "label")}


def test_paging_links_in_the_body_and_the_link_header(api_corpus, client):
    first = search(client, {"q": "committee", "sort": "date"})
    body = first.json()
    assert body["total"] > 20 and body["pages"] == -(-body["total"] // 20) and body["page_size"] == 20
    links = body["links"]
    assert links["self"] == links["first"] == "http://testserver/api/v1/search?q=committee&sort=date"
    assert links["next"] == "http://testserver/api/v1/search?q=committee&sort=date&page=2"
    assert links["last"] == f"http://testserver/api/v1/search?q=committee&sort=date&page={body['pages']}"
    assert "prev" not in links
    assert first["Link"] == (
        f'<{links["first"]}>; rel="first", <{links["last"]}>; rel="last", <{links["next"]}>; rel="next"'
    )
    second = client.get(links["next"]).json()
    assert second["page"] == 2 and second["links"]["prev"] == links["first"]
    ids = [h["id"] for h in body["hits"]] + [h["id"] for h in second["hits"]]
    assert len(set(ids)) == len(ids)


def test_links_follow_the_configured_base_url(api_corpus, client, monkeypatch):
    from dataclasses import replace

    monkeypatch.setattr(
        api_corpus, "settings", replace(api_corpus.settings, base_url="https://archive.example.org/")
    )
    body = search(client, {"q": "conference"}).json()
    assert body["links"]["self"] == "https://archive.example.org/api/v1/search?q=conference"
    assert body["hits"][0]["url"].startswith("https://archive.example.org/api/v1/records/")


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        (
            {"from": "1968-13"},
            "“1968-13” is not a date: write a year (1968), a month (1968-10) or a day (1968-10-15); "
            "the “from” limit was ignored",
        ),
        ({"sort": "newest"}, "unknown sort “newest”: use relevance, date, -date or title"),
        ({"page": "two"}, "page= takes a whole number from 1, not “two”"),
        ({"page": "0"}, "page= takes a whole number from 1, not “0”"),
        ({"page": "501"}, "only the first 10,000 results can be paged through: narrow the search"),
        ({"undated": "maybe"}, "undated= takes include or exclude"),
        ({"subjects": "Vietnam"}, "unknown parameter subjects: this address takes "),
    ],
)
def test_bad_parameters_are_400_with_what_is_wrong(api_corpus, client, params, detail):
    r = search(client, params)
    assert r.status_code == 400
    error = r.json()["error"]
    assert (error["status"], error["title"]) == (400, "Bad request")
    assert error["detail"].startswith(detail)


def test_dates_the_wrong_way_round_are_swapped_as_on_the_page(api_corpus, client):
    body = search(client, {"from": "1970", "to": "1960"}).json()
    assert body["query"]["notes"] == ["the dates were the wrong way round and were swapped"]
    assert body["total"] == search(client, {"from": "1960", "to": "1970"}).json()["total"] > 0


def test_broken_query_syntax_is_not_an_error(api_corpus, client):
    body = search(client, {"q": '"unclosed quote'}).json()
    assert body["query"]["notes"] and body["total"] >= 0


def test_hidden_records_never_found_nor_counted(api_corpus, client):
    assert search(client, {"q": MARKER})["Content-Type"] == "application/json"
    assert search(client, {"q": MARKER}).json()["total"] == 0
    body = search(client, {"q": '"four-party conference"'}).json()
    assert all(not h["id"].startswith("hidden/") for h in body["hits"])
    everything = search(client, {"from": "1968-10-20", "to": "1968-10-20"}).json()
    assert everything["total"] == 0  # only hidden records are dated that day
    text = search(client, {}).content.decode()
    for word in (
        "only subject",
        "Only Fund",
        "only collection",
        "Only Archive",
        "only place",
        "Only, Person",
        "only type",
        '"kor"',
        MARKER,
    ):
        assert word not in text, word
    subject = search(client, {"subject": "Vietnam War, 1961-1975"}).json()
    assert subject["total"] == 1 and subject["hits"][0]["id"] == "114010"
