"""The index follows the store: the outbox, visibility changes, embargoes ending, drift, reindex, crashes."""

from __future__ import annotations

import datetime as dt
import time

from readingroom.records.models import IndexOutbox, Record
from readingroom.search.params import request_from_params

from .conftest import SEED_ID

D74 = "frus1964-68v07/d74"


def found(backend, q: str = "", **params) -> set[str]:
    return {h.id for h in backend.search(request_from_params({"q": [q], **params})).hits}


def subjects(backend) -> dict[str, int]:
    return dict(backend.search(request_from_params({})).facets["subject"])


def test_visibility_changes_propagate_through_the_outbox(indexed, backend, writer, archive):
    assert D74 in found(backend, "Thuy")
    assert subjects(backend)["Paris Peace Talks"] == 4
    doc = Record.objects.get(pk=D74).document
    for status in ("withdrawn", "draft", "in-review"):
        writer.save({**doc, "status": status})
        assert IndexOutbox.objects.filter(record_id=D74).exists()
        assert archive.indexer.process_outbox() == 1
        assert not IndexOutbox.objects.exists()
        assert D74 not in found(backend, "Thuy"), status
        assert subjects(backend)["Paris Peace Talks"] == 3, status
    writer.save(
        {**doc, "status": "published", "embargo_until": (dt.date.today() + dt.timedelta(days=3)).isoformat()}
    )
    archive.indexer.process_outbox()
    assert D74 not in found(backend, "Thuy")
    writer.save({**doc, "status": "published", "embargo_until": None, "title": "Telegram about Thuy"})
    archive.indexer.process_outbox()
    assert D74 in found(backend, "title:thuy")
    assert archive.indexer.check_drift() == []


def test_an_ended_embargo_is_indexed_without_any_write(indexed, backend, archive):
    assert "test/embargoed" not in found(backend, "four-party conference")
    # Time passes: nothing writes to the record or the outbox.
    Record.objects.filter(pk="test/embargoed").update(embargo_until=dt.date.today() - dt.timedelta(days=1))
    assert archive.indexer.check_drift() == [
        "search index: 1 public records are not in the index (e.g. test/embargoed): run `readingroom reindex`"
    ]
    assert archive.indexer.process_outbox() == 1
    assert found(backend, "four-party conference") == {SEED_ID, "test/embargoed"}
    assert subjects(backend)["Embargo only"] == 1
    assert archive.indexer.check_drift() == []


def test_the_worker_indexes_an_ended_embargo_without_any_write(indexed, backend, archive):
    from django.db import connection

    from readingroom.worker import Worker

    assert "test/embargoed" not in found(backend, "four-party conference")
    Record.objects.filter(pk="test/embargoed").update(embargo_until=dt.date.today() - dt.timedelta(days=1))
    writes: list[str] = []

    def spy(execute, sql, params, many, context):
        if sql.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(sql)
        return execute(sql, params, many, context)

    worker = Worker(archive, publish_due_every=1e9, say=lambda line: None)
    worker._day = dt.date.today()  # not a new day: only the chores whose interval has passed run
    worker._last["publish_due"] = time.monotonic()
    with connection.execute_wrapper(spy):
        done = worker.run_once(force=False)
    assert done.released == 1 and done.published == []
    assert writes == [], "an ended embargo needs no write"
    assert found(backend, "four-party conference") == {SEED_ID, "test/embargoed"}
    assert archive.indexer.check_drift() == []


def test_reprocessing_after_a_crash_is_harmless(indexed, backend, writer, archive):
    doc = Record.objects.get(pk=D74).document
    writer.save({**doc, "status": "withdrawn"})
    rows = list(IndexOutbox.objects.values_list("id", flat=True))
    # The indexer died after the index commit, before deleting its outbox rows: the rows are applied again.
    archive.indexer.apply([D74])
    backend.commit()
    assert IndexOutbox.objects.filter(id__in=rows).count() == len(rows)
    assert archive.indexer.process_outbox() == 1
    assert archive.indexer.process_outbox() == 0
    assert D74 not in found(backend, "Thuy") and backend.count() == indexed["public"] - 1
    assert archive.indexer.check_drift() == []


def test_drift_is_reported_and_reindex_repairs_it(indexed, backend, capsys, archive):
    assert archive.indexer.check_drift() == []
    backend.delete([SEED_ID])
    from readingroom.search.documents import documents_for

    backend.index(documents_for(Record.objects.filter(pk="test/draft")))
    backend.commit()
    problems = archive.indexer.check_drift()
    assert problems == [
        f"search index: 1 public records are not in the index (e.g. {SEED_ID}): run `readingroom reindex`",
        "search index: 1 records in the index are not public (e.g. test/draft): run `readingroom reindex`",
    ]
    public = indexed["public"]
    assert archive.indexer.reindex(progress=True) == public
    err = capsys.readouterr().err
    assert f"reindex: {public} records in" in err and "/s" in err  # a short job: the final line only
    assert archive.indexer.check_drift() == []
    assert backend.count() == public and SEED_ID in found(backend, "four-party conference")


def test_check_command_reports_drift(indexed, backend, archive):
    assert archive.check().ok
    backend.delete(["test/accented"])
    backend.commit()
    report = archive.check()
    assert not report.ok
    assert "PROBLEM: search index: 1 public records are not in the index (e.g. test/accented)" in "\n".join(
        report.lines
    )


def test_the_worker_applies_what_writers_left_in_the_outbox(indexed, backend, writer, archive, monkeypatch):
    """Rows no indexer applied (a writer killed after its commit): the worker's loop applies them, a bounded
    batch at a time, and beats its heartbeat."""
    from readingroom import worker as worker_module
    from readingroom.heartbeat import read_heartbeat
    from readingroom.worker import Worker

    doc = Record.objects.get(pk=D74).document
    writer.save({**doc, "status": "withdrawn"})
    writer.save(Record.objects.get(pk=SEED_ID).document | {"status": "draft"})
    assert IndexOutbox.objects.count() == 2
    monkeypatch.setattr(worker_module, "OUTBOX_BATCH", 1)
    done = Worker(archive, say=lambda line: None).run_once()
    assert done.applied == 2 and not done.busy
    assert not IndexOutbox.objects.exists()
    assert D74 not in found(backend, "Thuy")
    assert SEED_ID not in found(backend, "four-party conference")
    assert read_heartbeat(archive.home)["loops"] == 1


def test_tantivy_one_writer_and_readers_that_see_commits(indexed, tmp_path, request, archive):
    """Two backend objects on one folder stand for two processes (a web worker and an import)."""
    from readingroom.archive import Archive
    from readingroom.search.backends.tantivy import TantivyBackend

    writer_side = TantivyBackend(tmp_path / "shared")
    Archive(archive.settings, search=writer_side).indexer.reindex(progress=False)
    reader_side = TantivyBackend(tmp_path / "shared")
    assert reader_side.count() == indexed["public"]
    writer_side.delete([SEED_ID])
    other = TantivyBackend(tmp_path / "shared")
    assert other.acquire(timeout=0) is False, "the writer lock is held until commit"
    writer_side.commit()
    assert other.acquire(timeout=0) is True
    other.close()
    assert SEED_ID not in found(reader_side, "four-party conference"), "the reader reloads on the next search"
    assert reader_side.count() == indexed["public"] - 1


def test_importer_updates_the_archive_index(import_files, archive):
    """`readingroom import` leaves the archive's own index up to date (ingest/run.py calls process_outbox)."""
    from tests.conftest import SEED

    import_files(SEED)
    assert found(archive.search, '"Tran Buu Kiem"') == {SEED_ID}
    assert not IndexOutbox.objects.exists()


def test_the_worker_never_waits_for_another_indexer(indexed, backend, writer, archive):
    """While an import holds the indexer lock, the worker's loop goes on (its heartbeat too); the rows wait."""
    import threading

    from readingroom.worker import Worker

    doc = Record.objects.get(pk=D74).document
    writer.save({**doc, "status": "withdrawn"})
    holding, release = threading.Event(), threading.Event()

    def importer() -> None:
        from django.db import connection

        try:
            with archive.indexer.lock():
                holding.set()
                release.wait(10)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=importer)
    thread.start()
    holding.wait(5)
    worker = Worker(archive, say=lambda line: None)
    try:
        start = time.monotonic()
        done = worker.run_once()
        assert time.monotonic() - start < 2, "the worker waited for the import"
        assert done.busy and done.applied == 0
        assert D74 in found(backend, "Thuy"), "not applied yet: the import holds the lock"
    finally:
        release.set()
        thread.join()
    assert worker.run_once().applied == 1
    assert D74 not in found(backend, "Thuy")


def test_a_typesense_collection_of_an_earlier_schema_is_rebuilt_by_init(db, request, tmp_path, capsys):
    """A collection an earlier version made lacks fields that searches now name (`translator:`); `outdated`
    sees it and `readingroom init` drops it and indexes the store anew, as it does for tantivy."""

    from django.apps import apps

    from readingroom.archive import Archive
    from readingroom.config import ArchiveSettings
    from readingroom.search.backends import typesense as engine

    from .conftest import _typesense_backend

    backend = _typesense_backend(request)
    url, key = request.getfixturevalue("typesense_url")
    settings = ArchiveSettings.from_environment(
        home=tmp_path / "archive",
        search_backend="typesense",
        typesense_url=url,
        typesense_api_key=key,
        typesense_collection=backend.collection,
    )
    old = engine.schema(backend.collection)
    old["fields"] = [f for f in old["fields"] if f["name"] not in ("names_s", "source_s", "translator_t")]
    backend.client.collections.create(old)
    archive = Archive(settings, search=engine.TypesenseBackend.from_settings(settings))
    web = apps.get_app_config("web")
    previous = web.install(archive)
    try:
        archive.store.save(
            {
                "id": "t/1",
                "title": "A cable",
                "texts": [{"body": "text", "translator": {"name": "Pribbenow, Merle"}}],
            }
        )
        assert engine.TypesenseBackend.outdated(settings)
        archive.init()
        assert "built by an earlier version of Readingroom: rebuilding it" in capsys.readouterr().err
        assert not engine.TypesenseBackend.outdated(settings)
        result = archive.search.search(request_from_params({"q": ["translator:pribbenow"]}))
        assert [hit.id for hit in result.hits] == ["t/1"]
    finally:
        web.install(previous)
        archive.close()
        backend.drop()


def test_readers_only_read(indexed, backend, writer, archive, client):
    """GETs of the main pages, an export and the APIs, while an import holds the indexer lock and while no one
    does: each answers at once from the index as it is, runs no write query, and leaves the pending outbox row
    to the worker."""
    import threading

    from django.db import connection

    doc = Record.objects.get(pk=D74).document
    writer.save({**doc, "status": "withdrawn"})
    writes: list[str] = []

    def spy(execute, sql, params, many, context):
        if sql.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE", "REPLACE"):
            writes.append(sql)
        return execute(sql, params, many, context)

    def read_everything() -> None:
        with connection.execute_wrapper(spy):
            for url in (
                "/",
                "/search/?q=Thuy",
                f"/records/{SEED_ID}/",
                "/export/?format=csv&q=Thuy",
                "/api/v1/search?q=Thuy",
                "/srv/record.json?q=Thuy",
            ):
                start = time.monotonic()
                response = client.get(url)
                b"".join(response.streaming_content) if response.streaming else response.content
                assert response.status_code == 200, url
                assert time.monotonic() - start < 5, f"{url} waited for the indexer lock"
        assert writes == [], writes
        assert D74 in found(backend, "Thuy"), "a reader applied the outbox"
        assert IndexOutbox.objects.filter(record_id=D74).exists()

    holding, release = threading.Event(), threading.Event()

    def importer() -> None:
        from django.db import connection

        try:
            with archive.indexer.lock():
                holding.set()
                release.wait(30)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=importer)
    thread.start()
    assert holding.wait(5)
    try:
        read_everything()
    finally:
        release.set()
        thread.join()
    read_everything()  # the lock free: still no reader takes it
