"""Record pages kept for every worker (web/pagecache.py): a page read again costs a lookup, and is never older than the
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


def _kept_page_read(client, path: str) -> bool:
    """Whether `path` is answered from the kept pages: two queries (the session's user, the latest list change),
    no rendering."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries.captured_queries) <= 2


def test_a_draft_saved_or_a_text_corrected_keeps_the_other_pages(two_records, client):
    store = two_records.store
    store.save({"id": "p/draft", "title": "Unfinished", "status": "draft", "persons": ["Rusk, Dean"]})
    for path in ("/", "/records/p/a/", "/years/"):
        client.get(path)
    # A draft saved again, a published record's summary and text corrected: only that record's own page changes.
    store.save({**store.document("p/draft"), "title": "Unfinished, retitled"})
    doc = store.document("p/b")
    store.save(
        {**doc, "summary": "A corrected summary.", "texts": [{"body": "The corrected text."}]}, note="typo"
    )
    for path in ("/", "/records/p/a/", "/years/"):
        assert _kept_page_read(client, path), path
    own = client.get("/records/p/b/").content.decode()
    assert "A corrected summary." in own and "The corrected text." in own
    # A sign-in changes nothing readers see either.
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("reader", password="a long passphrase 1")
    assert client.login(username="reader", password="a long passphrase 1")
    client.logout()
    assert _kept_page_read(client, "/records/p/a/")


def test_what_other_pages_show_of_a_record_makes_new_pages_when_it_changes(two_records, client):
    store = two_records.store
    assert 'href="/records/p/b/">Beta</a>' in client.get("/records/p/a/").content.decode()
    store.save({**store.document("p/b"), "date": "1968-10-15"}, note="dated")  # a date: the years and lists
    assert not _kept_page_read(client, "/records/p/a/")
    assert "1968" in client.get("/years/").content.decode()
    store.save({"id": "p/c", "title": "Gamma", "status": "draft", "persons": ["Rusk, Dean"]})
    client.get("/records/p/a/")
    store.set_status("p/c", "published")  # a draft published: it joins the lists
    assert 'href="/records/p/c/">Gamma</a>' in client.get("/records/p/a/").content.decode()


def test_the_audit_log_says_which_changes_other_pages_may_show(archive):
    from readingroom.records import audit
    from readingroom.records.models import AuditEvent

    def flagged() -> bool:
        return AuditEvent.objects.order_by("-id").values_list("changes_lists", flat=True).first()

    archive.store.save({"id": "f/1", "title": "One", "status": "draft"})
    assert not flagged()  # a new draft
    archive.store.set_status("f/1", "published")
    assert flagged()
    seen = audit.latest_list_change()
    archive.store.save({**archive.store.document("f/1"), "summary": "Said better."}, note="summary")
    assert not flagged() and audit.latest_list_change() == seen
    archive.store.save({**archive.store.document("f/1"), "subjects": ["Diplomacy"]}, note="a subject")
    assert flagged() and audit.latest_list_change() > seen
    archive.store.set_status("f/1", "withdrawn", reason="a duplicate")
    assert flagged()
    audit.log_event("login.failed", actor_name="someone")
    assert not flagged()


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
    assert pagecache.page_key(response.wsgi_request, ("record", "p/a")) is None
    client.get("/records/p/a/")
    client.logout()
    # Nothing the editor was shown was kept as a page: the first anonymous visit makes its own.
    with CaptureQueriesContext(connection) as queries:
        anonymous = client.get("/records/p/a/")
    assert anonymous.status_code == 200 and len(queries.captured_queries) > 2


def test_the_memo_drops_the_least_recently_used_beyond_its_bounds():
    memo = Memo(size=3, max_bytes=100)
    for k in "abc":
        memo.set((k,), k.upper(), nbytes=10)
    assert memo.get(("a",)) == "A"  # a is now the most recent
    memo.set(("d",), "D", nbytes=10)
    assert memo.get(("b",)) is None and memo.get(("a",)) == "A"
    memo.set(("big",), "X", nbytes=95)  # over the byte budget: everything older goes
    assert memo.get(("big",)) == "X" and memo.get(("a",)) is None and memo.get(("d",)) is None


# -- Pages and counts every worker shares (archive.SharedMemo) ----------------------------------------------------


def _second_worker(archive):
    """Another server process on the same archive: its own Archive object (its own memo), the same folders."""
    from readingroom.archive import Archive

    return Archive(archive.settings)


def test_a_page_one_worker_made_is_read_by_the_other(two_records, client):
    from django.apps import apps

    first = client.get("/records/p/a/")
    other = _second_worker(two_records)
    web = apps.get_app_config("web")
    previous = web.install(other)
    try:
        with CaptureQueriesContext(connection) as queries:
            again = client.get("/records/p/a/")
    finally:
        web.install(previous)
        other.close()
    assert again.content == first.content
    assert len(queries.captured_queries) == 2, [q["sql"] for q in queries.captured_queries]


def test_the_home_page_counts_follow_a_withdrawal_and_a_publication(archive, client):
    archive.store.save({"id": "c/1", "title": "One", "collections": ["Papers"]})
    archive.store.save({"id": "c/2", "title": "Two", "collections": ["Papers"]})
    archive.store.save({"id": "c/3", "title": "Three", "status": "draft", "collections": ["Papers"]})
    page = client.get("/").content.decode()
    assert "2 published documents." in page and "Three" not in page
    assert client.get("/").content.decode() == page  # kept
    archive.store.set_status("c/2", "withdrawn", reason="a duplicate")
    page = client.get("/").content.decode()
    assert "1 published document." in page and "Two" not in page
    assert '<span class="count">1</span>' in page
    archive.store.set_status("c/3", "published")
    page = client.get("/").content.decode()
    assert "2 published documents." in page and "Three" in page
    assert '<span class="count">2</span>' in page


def test_an_embargo_ending_at_midnight_shows_without_a_write(archive, client, monkeypatch):
    import datetime as dt

    from django.utils import timezone

    today = timezone.now().date()
    archive.store.save({"id": "e/1", "title": "Open", "date": "1968-01-01"})
    archive.store.save(
        {"id": "e/2", "title": "Sealed", "date": "1968-02-01", "embargo_until": str(today + dt.timedelta(1))}
    )
    for path in ("/", "/years/", "/years/1968/"):
        assert "Sealed" not in client.get(path).content.decode()
    assert "1 published document dated in 1968." in client.get("/years/1968/").content.decode()
    tomorrow = timezone.now() + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    assert "2 published documents." in client.get("/").content.decode()
    assert "2 published documents dated in 1968." in client.get("/years/1968/").content.decode()
    assert "2 dated documents" in client.get("/years/").content.decode()


def test_a_year_page_follows_an_edit(archive, client):
    archive.store.save({"id": "y/1", "title": "Memorandum", "date": "1968-03-01"})
    assert "Memorandum" in client.get("/years/1968/").content.decode()
    doc = archive.store.document("y/1")
    archive.store.save({**doc, "title": "Memorandum, revised"})
    assert "Memorandum, revised" in client.get("/years/1968/").content.decode()
    archive.store.set_status("y/1", "withdrawn", reason="mistaken date")
    page = client.get("/years/1968/").content.decode()
    assert "Memorandum" not in page and "No published document is dated in 1968" in page


def test_a_signed_in_reader_never_gets_nor_leaves_a_kept_home_page(archive, client, django_user_model):
    from readingroom.web import pagecache

    def kept_pages():
        return [key for key in archive.memo._values if key[0] == "page"]

    archive.store.save({"id": "h/1", "title": "One"})
    user = django_user_model.objects.create_user("reader", password="a long passphrase 1")
    client.force_login(user)
    signed_in = client.get("/")
    assert signed_in.status_code == 200 and "One" in signed_in.content.decode()
    assert pagecache.page_key(signed_in.wsgi_request, ("home",)) is None  # never looked up for them
    assert kept_pages() == []  # nor kept from them
    client.logout()
    client.get("/")
    assert len(kept_pages()) == 1


def test_oai_sets_follow_the_collections_public_records(archive, client):
    archive.store.save({"id": "o/1", "title": "One", "collections": ["Papers"]})
    archive.store.save({"id": "o/2", "title": "Two", "collections": ["Letters"]})
    listed = client.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc&set=letters").content.decode()
    assert "o/2" in listed and "<setSpec>letters</setSpec>" in listed
    archive.store.set_status("o/2", "withdrawn", reason="a duplicate")
    listed = client.get("/oai?verb=ListIdentifiers&metadataPrefix=oai_dc&set=letters").content.decode()
    assert "o/2" not in listed and "<setSpec>letters</setSpec>" not in listed
    everything = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc").content.decode()
    assert "<setSpec>papers</setSpec>" in everything and "<setSpec>letters</setSpec>" not in everything


def test_a_cache_folder_that_cannot_be_written_costs_speed_not_pages(archive, client, tmp_path, caplog):
    from readingroom.archive import SharedMemo

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    archive.shared = SharedMemo(blocked, 1024 * 1024)
    archive.store.save({"id": "f/1", "title": "Still served"})
    response = client.get("/records/f/1/")
    assert response.status_code == 200 and "Still served" in response.content.decode()
    assert "shared cache" in caplog.text


def test_the_shared_cache_stays_within_its_size(tmp_path):
    from readingroom.archive import SharedMemo

    shared = SharedMemo(tmp_path / "pages", 2 * 1024 * 1024)
    try:
        for n in range(40):
            shared.set(("page", n), (b"x" * 200_000, []))
        assert shared._open().volume() <= 3 * 1024 * 1024
        assert shared.get(("page", 39)) is not None and shared.get(("page", 0)) is None
    finally:
        shared.close()


def test_the_page_cache_size_must_be_a_whole_number(monkeypatch):
    from readingroom.config import ArchiveSettings, SettingError

    monkeypatch.setenv("READINGROOM_PAGE_CACHE_MB", "lots")
    with pytest.raises(SettingError, match="READINGROOM_PAGE_CACHE_MB is 'lots': set it to a whole number"):
        ArchiveSettings.from_environment()
    monkeypatch.setenv("READINGROOM_PAGE_CACHE_MB", "0")
    assert ArchiveSettings.from_environment().page_cache_mb == 0


def test_a_kept_page_is_sent_compressed_as_it_was_compressed_once(two_records, client):
    import gzip

    plain = client.get("/records/p/a/")
    assert "Content-Encoding" not in plain and "Accept-Encoding" in plain["Vary"]
    sizes = set()
    for _ in range(6):
        packed = client.get("/records/p/a/", HTTP_ACCEPT_ENCODING="gzip, br")
        assert packed["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed["Vary"]
        assert int(packed["Content-Length"]) == len(packed.content) < len(plain.content)
        assert gzip.decompress(packed.content) == plain.content
        sizes.add(len(packed.content))
    assert len(sizes) > 1  # a random name in each gzip header, as GZipMiddleware writes (BREACH)


def test_serve_starts_with_an_empty_page_cache(archive, monkeypatch):
    from readingroom import server

    archive.shared.set(("page", "before the restart"), (b"<html>", [], None))
    assert archive.shared.get(("page", "before the restart")) is not None
    monkeypatch.setenv("READINGROOM_HOME", str(archive.home))
    server.clear_page_cache()
    assert archive.shared.get(("page", "before the restart")) is None
