"""/api/v1/records/<id>: the full record with links, and how the API answers over HTTP (errors, methods, CORS,
ETag and Last-Modified)."""

from __future__ import annotations

import pytest

from .conftest import HIDDEN_IDS, SEED_ID


def get(client, url, **headers):
    return client.get(url, headers=headers)


def test_record_has_everything_with_absolute_links(api_corpus, client):
    r = get(client, "/api/v1/records/frus1964-68v07/d74")
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    body = r.json()
    assert body["id"] == "frus1964-68v07/d74"
    assert body["url"] == "http://testserver/api/v1/records/frus1964-68v07/d74"
    assert body["permalink"] == "http://testserver/records/frus1964-68v07/d74/"
    assert body["title"] == "Telegram From the Department of State to the Embassy in France"
    assert body["date"] == "1968-10-15T10:59:00Z" and body["date_text"] == "October 15, 1968, 1059Z"
    assert body["classification"][:2] == ["Secret", "Immediate"]
    assert [n["id"] for n in body["notes"]][:1] == ["d74fn1"]
    rusk = next(p for p in body["persons"] if p["name"] == "Rusk, Dean")
    assert rusk["url"] == "http://testserver/api/v1/persons/frus1964-68v07/p_RD1"
    assert rusk["html_url"] == "http://testserver/persons/frus1964-68v07/p_RD1/"
    chapter = body["collections"][-1]
    assert chapter["url"] == "http://testserver/api/v1/collections/frus1964-68v07/ch2"
    assert body["creators"][0]["kind"] == "organization" and body["creators"][0]["role"] == "sender"
    # Its only relation is to a document not in the archive: not shown at all.
    assert body["relations"] == [] and "frus1964-68v07/d65" not in r.content.decode()
    assert "status" not in body and "embargo_until" not in body
    assert body["created"] and body["updated"]


def test_media_links_are_absolute(api_corpus, client, settings, tmp_path):
    body = get(client, "/api/v1/records/frus-history/1958-11-03-noble-to-osborne").json()
    assert body["media"][0]["url"].startswith("https://static.history.state.gov/")
    settings.MEDIA_ROOT = str(tmp_path)
    api_corpus.store.save(
        {"id": "test/scan", "title": "A scan", "media": [{"path": "scans/a.pdf", "label": "Scan"}]}
    )
    media = get(client, "/api/v1/records/test/scan").json()["media"]
    assert media[0]["url"] == "http://testserver/media/scans/a.pdf"


def test_relations_only_to_public_records(api_corpus, client):
    r = get(client, "/api/v1/records/test/related")
    body = r.json()
    assert [(x["type"], x["id"], x["title"]) for x in body["relations"]] == [
        ("related", "114010", "Secret North Vietnam Politburo Cable No. 323"),
        (
            "attachment",
            "999001",
            "Telegram from the Soviet Embassy in Havana to the USSR Ministry of Foreign Affairs",
        ),
    ]
    assert body["relations"][0]["url"] == "http://testserver/api/v1/records/114010"
    text = r.content.decode()
    for hidden in HIDDEN_IDS:
        assert hidden not in text
    assert "quokka" not in text.lower()


@pytest.mark.parametrize("record_id", [*HIDDEN_IDS, "no/such/record"])
def test_hidden_records_are_404_in_one_error_shape(api_corpus, client, record_id):
    r = get(client, f"/api/v1/records/{record_id}")
    assert r.status_code == 404 and r["Content-Type"] == "application/json"
    assert r.json() == {
        "error": {"status": 404, "title": "Not found", "detail": f"no published record {record_id!r}"}
    }
    assert r["Access-Control-Allow-Origin"] == "*"


def test_unknown_address_and_bad_parameter(api_corpus, client):
    r = get(client, "/api/v1/nowhere/at/all")
    assert r.status_code == 404 and r.json()["error"]["title"] == "Not found"
    r = get(client, "/api/v1/records/114010?format=xml")
    assert r.status_code == 400
    assert r.json()["error"]["detail"] == "unknown parameter format: this address takes none"


def test_methods_other_than_get_are_405_json(api_corpus, client):
    for method in ("post", "put", "delete", "patch"):
        r = getattr(client, method)("/api/v1/records/114010")
        assert r.status_code == 405, method
        assert r["Allow"] == "GET, HEAD"
        assert r.json()["error"] == {
            "status": 405,
            "title": "Method not allowed",
            "detail": f"{method.upper()} is not allowed here: use GET or HEAD",
        }
    r = client.head("/api/v1/records/114010")
    assert r.status_code == 200 and r.content == b"" and r["ETag"]


def test_server_errors_are_json_under_api(api_corpus, client, monkeypatch):
    from readingroom.api import serializers

    def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(serializers, "record_json", broken)
    client.raise_request_exception = False
    r = get(client, "/api/v1/records/114010")
    assert r.status_code == 500
    assert r.json() == {
        "error": {"status": 500, "title": "Server error", "detail": "Something went wrong on our side."}
    }


def test_cors_and_preflight(api_corpus, client):
    r = get(client, "/api/v1/records/114010", Origin="https://example.org")
    assert r["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in r["Access-Control-Expose-Headers"] and "Link" in r["Access-Control-Expose-Headers"]
    r = client.options(
        "/api/v1/search",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert r.status_code == 204
    assert r["Access-Control-Allow-Origin"] == "*"
    assert r["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert r["Access-Control-Allow-Headers"] == "if-none-match"
    assert client.options("/api/v1/nowhere").status_code == 404
    assert get(client, "/srv/record/114010.json")["Access-Control-Allow-Origin"] == "*"
    # Pages are not an API: no CORS there.
    assert "Access-Control-Allow-Origin" not in get(client, "/records/114010/")


def test_etag_and_last_modified_answer_conditional_gets(api_corpus, client):
    r = get(client, "/api/v1/records/114010")
    etag, modified = r["ETag"], r["Last-Modified"]
    assert etag.startswith('"') and modified.endswith("GMT")
    assert r["Cache-Control"] == "no-cache"
    again = get(client, "/api/v1/records/114010", **{"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert get(client, "/api/v1/records/114010", **{"If-Modified-Since": modified}).status_code == 304
    assert get(client, "/api/v1/records/114010", **{"If-None-Match": '"other"'}).status_code == 200
    # A change makes a new ETag.
    doc = api_corpus.store.document("114010")
    api_corpus.store.save({**doc, "title": doc["title"] + " (revised)"})
    changed = get(client, "/api/v1/records/114010", **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    # Lists and searches have ETags too.
    search = get(client, "/api/v1/search?q=conference")
    assert get(client, "/api/v1/search?q=conference", **{"If-None-Match": search["ETag"]}).status_code == 304
    subjects = get(client, "/api/v1/subjects/")
    assert get(client, "/api/v1/subjects/", **{"If-None-Match": subjects["ETag"]}).status_code == 304


def test_a_record_withdrawn_after_a_conditional_get_is_gone(api_corpus, client):
    etag = get(client, f"/api/v1/records/{SEED_ID}")["ETag"]
    api_corpus.store.set_status(SEED_ID, "withdrawn", reason="a test")
    assert get(client, f"/api/v1/records/{SEED_ID}", **{"If-None-Match": etag}).status_code == 404


def test_merged_record_redirects_to_its_new_api_address(api_corpus, client):
    api_corpus.store.merge(SEED_ID, "114010")
    r = get(client, f"/api/v1/records/{SEED_ID}")
    assert r.status_code == 301 and r["Location"] == "/api/v1/records/114010"
    r = get(client, f"/srv/record/{SEED_ID}.json")
    assert r.status_code == 301 and r["Location"] == "/srv/record/114010.json"
    assert get(client, f"/records/{SEED_ID}/")["Location"] == "/records/114010/"


def test_nul_characters_are_refused_not_sent_to_the_database(api_corpus, client):
    assert client.get("/api/v1/records/a%00b").status_code == 404
    assert client.get("/srv/subject/a%00b.json").status_code == 404
    r = client.get("/srv/subject.json?term=a%00b")
    assert r.status_code == 400 and r.json()["error"]["detail"] == "parameters cannot contain NUL characters"
    assert client.get("/srv/record.json?subject[]=a%00").status_code == 400
