"""The index follows the store: the outbox, visibility changes, embargoes ending, drift, reindex, crashes."""

from __future__ import annotations

import datetime as dt

from readingroom.records.models import IndexOutbox, Record
from readingroom.search import indexing
from readingroom.search.params import request_from_params

from .conftest import SEED_ID

D74 = "frus1964-68v07/d74"


def found(backend, q: str = "", **params) -> set[str]:
    return {h.id for h in backend.search(request_from_params({"q": [q], **params})).hits}


def subjects(backend) -> dict[str, int]:
    return dict(backend.search(request_from_params({})).facets["subject"])


def test_visibility_changes_propagate_through_the_outbox(indexed, backend, writer):
    assert D74 in found(backend, "Thuy")
    assert subjects(backend)["Paris Peace Talks"] == 4
    doc = Record.objects.get(pk=D74).document
    for status in ("withdrawn", "draft", "in-review"):
        writer.save({**doc, "status": status})
        assert IndexOutbox.objects.filter(record_id=D74).exists()
        assert indexing.process_outbox(backend) == 1
        assert not IndexOutbox.objects.exists()
        assert D74 not in found(backend, "Thuy"), status
        assert subjects(backend)["Paris Peace Talks"] == 3, status
    writer.save({**doc, "status": "published", "embargo_until": (dt.date.today() + dt.timedelta(days=3)).isoformat()})
    indexing.process_outbox(backend)
    assert D74 not in found(backend, "Thuy")
    writer.save({**doc, "status": "published", "embargo_until": None, "title": "Telegram about Thuy"})
    indexing.process_outbox(backend)
    assert D74 in found(backend, "title:thuy")
    assert indexing.check_drift(backend) == []


def test_an_ended_embargo_is_indexed_without_any_write(indexed, backend):
    assert "test/embargoed" not in found(backend, "four-party conference")
    # Time passes: nothing writes to the record or the outbox.
    Record.objects.filter(pk="test/embargoed").update(embargo_until=dt.date.today() - dt.timedelta(days=1))
    assert indexing.check_drift(backend) == [
        "search index: 1 public records are not in the index (e.g. test/embargoed): run `readingroom reindex`"]
    assert indexing.process_outbox(backend) == 1
    assert found(backend, "four-party conference") == {SEED_ID, "test/embargoed"}
    assert subjects(backend)["Embargo only"] == 1
    assert indexing.check_drift(backend) == []


def test_reprocessing_after_a_crash_is_harmless(indexed, backend, writer):
    doc = Record.objects.get(pk=D74).document
    writer.save({**doc, "status": "withdrawn"})
    rows = list(IndexOutbox.objects.values_list("id", flat=True))
    # The indexer died after the index commit, before deleting its outbox rows: the rows are applied again.
    indexing._apply(backend, [D74])
    backend.commit()
    assert IndexOutbox.objects.filter(id__in=rows).count() == len(rows)
    assert indexing.process_outbox(backend) == 1
    assert indexing.process_outbox(backend) == 0
    assert D74 not in found(backend, "Thuy") and backend.count() == indexed["public"] - 1
    assert indexing.check_drift(backend) == []


def test_drift_is_reported_and_reindex_repairs_it(indexed, backend, capsys):
    assert indexing.check_drift(backend) == []
    backend.delete([SEED_ID])
    from readingroom.search.documents import documents_for

    backend.index(documents_for(Record.objects.filter(pk="test/draft")))
    backend.commit()
    problems = indexing.check_drift(backend)
    assert problems == [
        f"search index: 1 public records are not in the index (e.g. {SEED_ID}): run `readingroom reindex`",
        "search index: 1 records in the index are not public (e.g. test/draft): run `readingroom reindex`"]
    public = indexed["public"]
    assert indexing.reindex(backend, progress=True) == public
    err = capsys.readouterr().err
    assert f"reindex: {public}/{public} records" in err and "/s, ETA" in err and f"reindex: {public} records in" in err
    assert indexing.check_drift(backend) == []
    assert backend.count() == public and SEED_ID in found(backend, "four-party conference")


def test_check_command_reports_drift(indexed, backend, monkeypatch):
    from readingroom import archive
    from readingroom.search import backends

    monkeypatch.setattr(backends, "get_backend", lambda name=None: backend)
    monkeypatch.setattr(indexing, "get_backend", lambda name=None: backend)
    assert archive.check().ok
    backend.delete(["test/accented"])
    backend.commit()
    report = archive.check()
    assert not report.ok
    assert "PROBLEM: search index: 1 public records are not in the index (e.g. test/accented)" in "\n".join(report.lines)


def test_catch_up_is_throttled_and_bounded(indexed, backend, writer, monkeypatch):
    doc = Record.objects.get(pk=D74).document
    writer.save({**doc, "status": "withdrawn"})
    monkeypatch.setattr(indexing, "_last_check", 0.0)
    assert indexing.catch_up(backend) == 1
    assert D74 not in found(backend, "Thuy")
    writer.save({**doc, "status": "published"})
    assert indexing.catch_up(backend) == 0, "a second look within the second does nothing"
    monkeypatch.setattr(indexing, "_last_check", 0.0)
    monkeypatch.setattr(indexing, "CATCH_UP_MAX", 1)
    assert indexing.catch_up(backend) == 1
    assert D74 in found(backend, "Thuy")


def test_tantivy_one_writer_and_readers_that_see_commits(indexed, tmp_path, request):
    """Two backend objects on one folder stand for two processes (a web worker and an import)."""
    from readingroom.search.backends.tantivy import TantivyBackend

    writer_side = TantivyBackend(tmp_path / "shared")
    indexing.reindex(writer_side, progress=False)
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


def test_importer_updates_the_default_index(import_files, tmp_path, monkeypatch):
    """`readingroom import` leaves the archive's own index up to date (ingest/run.py calls process_outbox)."""
    from readingroom.search import backends
    from readingroom.search.backends.tantivy import TantivyBackend

    own = TantivyBackend(tmp_path / "default")
    monkeypatch.setattr(indexing, "get_backend", lambda name=None: own)
    monkeypatch.setattr(backends, "get_backend", lambda name=None: own)
    from tests.conftest import SEED

    import_files(SEED)
    assert found(own, '"Tran Buu Kiem"') == {SEED_ID}
    assert not IndexOutbox.objects.exists()


def test_catch_up_never_waits_for_another_indexer(indexed, backend, writer, monkeypatch):
    """A search request while an import is indexing: it answers from the index as it is, at once."""
    import threading

    doc = Record.objects.get(pk=D74).document
    writer.save({**doc, "status": "withdrawn"})
    holding, release = threading.Event(), threading.Event()

    def importer() -> None:
        with indexing.indexer_lock():
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=importer)
    thread.start()
    holding.wait(5)
    try:
        monkeypatch.setattr(indexing, "_last_check", 0.0)
        monkeypatch.setattr(indexing, "_embargo_day", None)
        asked = []  # the `wait` of each indexer_lock() catch_up asks for
        real_lock = indexing.indexer_lock
        monkeypatch.setattr(indexing, "indexer_lock", lambda wait=True: asked.append(wait) or real_lock(wait))
        assert indexing.catch_up(backend) == 0
        assert asked == [False, False], "one try for the outbox, one for ended embargoes; never a wait"
        with real_lock(wait=False) as got:
            assert got is False, "the import still holds the lock: catch_up returned without taking it"
        assert D74 in found(backend, "Thuy"), "not applied yet: the other indexer will"
    finally:
        release.set()
        thread.join()
    assert indexing.process_outbox(backend) == 1
    assert D74 not in found(backend, "Thuy")
