"""An import indexes its records while it runs (search/indexing.py, AlongsideImport), and the index follows the
file's transaction: committed after the database, rolled back with it."""

import json

import pytest

from readingroom.ingest import pipeline, run
from readingroom.records.models import IndexOutbox, Record
from readingroom.search import indexing
from readingroom.search.documents import documents_for
from readingroom.search.params import request_from_params

from .conftest import CORPUS, SEED

pytestmark = pytest.mark.django_db(transaction=True)
VOLUME = CORPUS / "frus" / "frus1964-68v07-excerpt.xml"
IDS = {f"frus1964-68v07/d{n}" for n in (1, 2, 3, 74, 75)}


@pytest.fixture
def backend(archive, monkeypatch):
    """The archive's own index (the one `readingroom import` writes); small batches and the parallel reader
    even for small files, so that indexing happens between batches."""
    backend = archive.search
    monkeypatch.setattr(run, "BATCH", 2)
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 1)
    return backend


def found(backend, q: str) -> set[str]:
    return {h.id for h in backend.search(request_from_params({"q": [q]})).hits}


def test_records_are_indexed_during_the_import_and_committed_after_it(backend, import_files, monkeypatch):
    seen_during_import = []
    original = indexing.AlongsideImport.apply

    def apply(self, known=None):
        original(self, known)
        seen_during_import.append((len(known or {}), backend.count()))

    monkeypatch.setattr(indexing.AlongsideImport, "apply", apply)
    report = import_files(VOLUME)
    assert report.files[0].error is None and report.files[0].created == 5
    # Indexed batch by batch from the records the parsing process prepared, invisible until the commit.
    assert sum(n for n, _ in seen_during_import) == 5 and max(n for n, _ in seen_during_import) == 2
    assert {count for _, count in seen_during_import} == {0}
    assert backend.ids() == IDS and not IndexOutbox.objects.exists()
    assert found(backend, '"Embassy in France"') >= {"frus1964-68v07/d74"}
    # The documents built from the prepared records are the ones the store's records give.
    from_store = {d["id"]: d for d in documents_for(Record.objects.all())}
    indexed = {h.id for h in backend.search(request_from_params({"q": ["Rusk"]})).hits}
    assert indexed == {
        i for i, d in from_store.items() if "Rusk" in d["text"] or "Rusk" in " ".join(d["person"])
    }


def test_a_failed_file_leaves_nothing_in_the_index(backend, import_files, tmp_path, archive):
    # 300 good records, then a byte that is not UTF-8: the file fails after batches were indexed.
    bad = tmp_path / "bad.jsonl"
    lines = [
        json.dumps(
            {
                "id": f"test/{i}",
                "title": f"Telegram {i}",
                "date": "1968-10-15",
                "text": "The four-party conference. " * 40,
            }
        )
        for i in range(300)
    ]
    bad.write_bytes("\n".join(lines).encode() + b'\n{"id": "test/x", "title": "\xff"}\n')
    applied = []
    original = indexing.AlongsideImport.apply

    def apply(self, known=None):
        original(self, known)
        applied.append(self.applied)

    with pytest.MonkeyPatch.context() as m:
        m.setattr(indexing.AlongsideImport, "apply", apply)
        report = import_files(bad)
    assert "is not UTF-8 text" in report.files[0].error and max(applied) > 0
    assert Record.objects.count() == 0 and backend.count() == 0 and not IndexOutbox.objects.exists()
    # The writer and its lock were released, its documents dropped: the next import commits only its own.
    report = import_files(SEED)
    assert report.files[0].created == 1 and backend.ids() == set(Record.objects.values_list("pk", flat=True))
    assert backend.count() == 1 and archive.indexer.check_drift() == []


def test_a_dry_run_indexes_nothing(backend, import_files):
    report = import_files(VOLUME, dry_run=True)
    assert report.files[0].created == 5
    assert Record.objects.count() == 0 and backend.count() == 0


def test_unpublished_records_of_an_import_stay_out_of_the_index(backend, import_files, archive):
    report = import_files(VOLUME, status="draft")
    assert report.files[0].created == 5 and Record.objects.filter(status="draft").count() == 5
    assert backend.count() == 0 and not IndexOutbox.objects.exists()
    assert archive.indexer.check_drift() == []


def test_an_index_of_an_earlier_version_is_rebuilt_by_init(backend, archive, import_files, capsys):
    """An index whose schema an earlier version wrote cannot be opened; `readingroom init` (which every command
    that writes runs first) rebuilds it from the store, with progress."""
    from readingroom.search.backends import tantivy as engine

    import_files(VOLUME)
    path = backend.path
    archive.close()
    (path / "readingroom-schema").write_text("1")
    with pytest.raises(RuntimeError, match="built by another version of Readingroom: run `readingroom init`"):
        engine.TantivyBackend(path)
    archive.init()
    assert (
        "the search index was built by an earlier version of Readingroom: rebuilding it"
        in capsys.readouterr().err
    )
    assert (path / "readingroom-schema").read_text() == engine.SCHEMA_VERSION
    assert found(archive.search, "Rusk") >= {"frus1964-68v07/d74"} and archive.search.count() == len(IDS)
