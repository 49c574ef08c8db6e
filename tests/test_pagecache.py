"""Record pages kept per process (web/pagecache.py): a page read again costs a lookup, and is never older than the
store, the day or the request it answers."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from readingroom.archive import Memo

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_records(archive):
    archive.store.save({"id": "p/a", "title": "Alpha", "persons": ["Rusk, Dean"]})
    archive.store.save({"id": "p/b", "title": "Beta", "persons": ["Rusk, Dean"]})
    archive.indexer.process_outbox()
    return archive


def test_a_page_read_again_is_the_same_page_for_two_queries(two_records, client):
    first = client.get("/records/p/a/")
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/records/p/a/")
    assert again.status_code == 200 and again.content == first.content
    assert again["Link"] == first["Link"] and again["Content-Type"] == first["Content-Type"]
    assert len(queries.captured_queries) == 2, [q["sql"] for q in queries.captured_queries]


def test_a_change_anywhere_in_the_store_makes_a_new_page(two_records, client):
    assert 'href="/records/p/b/">Beta</a>' in client.get("/records/p/a/").content.decode()
    two_records.store.set_status(
        "p/b", "withdrawn", reason="duplicate"
    )  # another record: p/a's revision stays
    page = client.get("/records/p/a/").content.decode()
    assert "Beta" not in page
    doc = two_records.store.document("p/a")
    two_records.store.save({**doc, "title": "Alpha, corrected"})
    assert "Alpha, corrected" in client.get("/records/p/a/").content.decode()


def test_another_host_is_another_page(two_records, client, settings):
    settings.ALLOWED_HOSTS = ["archive.example.org", "testserver"]
    a = client.get("/records/p/a/").content.decode()
    b = client.get("/records/p/a/", HTTP_HOST="archive.example.org").content.decode()
    assert "http://archive.example.org/records/p/a/" in b and "http://archive.example.org/" not in a


def test_a_signed_in_reader_gets_a_page_made_for_them(two_records, client, django_user_model):
    from readingroom.web import pagecache

    user = django_user_model.objects.create_user("editor", password="a long passphrase 1")
    client.force_login(user)
    response = client.get("/records/p/a/")
    assert response.status_code == 200
    from readingroom.records.models import Record

    assert pagecache.page_key(response.wsgi_request, Record.objects.get(pk="p/a")) is None
    assert not any(key[0] == "record-page" for key in two_records.memo._values)


def test_the_memo_drops_the_least_recently_used_beyond_its_bounds():
    memo = Memo(size=3, max_bytes=100)
    for k in "abc":
        memo.set((k,), k.upper(), nbytes=10)
    assert memo.get(("a",)) == "A"  # a is now the most recent
    memo.set(("d",), "D", nbytes=10)
    assert memo.get(("b",)) is None and memo.get(("a",)) == "A"
    memo.set(("big",), "X", nbytes=95)  # over the byte budget: everything older goes
    assert memo.get(("big",)) == "X" and memo.get(("a",)) is None and memo.get(("d",)) is None
