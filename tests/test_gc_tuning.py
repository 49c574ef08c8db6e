"""Bulk work runs with fewer garbage collections, and leaves the collector as it found it."""

import gc

import pytest

from readingroom.ingest.gc_tuning import BULK_GC_THRESHOLD, bulk_collection

from .conftest import CORPUS


def test_the_collector_is_restored_even_after_an_error():
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), bulk_collection():
        assert gc.get_threshold()[0] == BULK_GC_THRESHOLD
        assert gc.get_freeze_count() > 0  # what was alive before is set aside, not walked again
        raise RuntimeError("boom")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


@pytest.mark.django_db(transaction=True)
def test_an_import_runs_within_it(archive):
    before = gc.get_threshold()
    seen = []
    report = archive.import_paths(
        [CORPUS / "frus" / "frus1964-68v07-excerpt.xml"],
        show_progress=False,
        on_file=lambda _report: seen.append(gc.get_threshold()[0]),
    )
    assert report.ok
    assert seen == [BULK_GC_THRESHOLD]
    assert gc.get_threshold() == before
