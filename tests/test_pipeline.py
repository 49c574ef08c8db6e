"""Large files are read in a child process while the parent writes: same result, same atomicity."""

import io
import json

import pytest

from readingroom.exports import jsonl
from readingroom.ingest import pipeline
from readingroom.records.models import Authority, Record

from .conftest import CORPUS

pytestmark = pytest.mark.django_db(transaction=True)
VOLUME = CORPUS / "frus" / "frus1964-68v07-excerpt.xml"


def export_text() -> str:
    out = io.StringIO()
    jsonl.write(out)
    return out.getvalue()


def test_parallel_read_gives_the_same_archive(import_files, monkeypatch):
    sequential = import_files(VOLUME)
    assert sequential.ok or all(f.error is None for f in sequential.files)
    first = export_text()
    Record.objects.all().delete()
    Authority.objects.all().delete()
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 1)
    calls = []
    original = pipeline.ParallelRead.__iter__

    def counting(self):
        calls.append(self.source.path)
        return original(self)

    monkeypatch.setattr(pipeline.ParallelRead, "__iter__", counting)
    parallel = import_files(VOLUME)
    assert calls == [VOLUME]
    assert parallel.files[0].created == sequential.files[0].created == 5
    strip = [{k: v for k, v in json.loads(line).items() if k not in ("created", "updated", "first_published")}
             for line in export_text().splitlines()]
    assert strip == [{k: v for k, v in json.loads(line).items() if k not in ("created", "updated", "first_published")}
                     for line in first.splitlines()]


def test_error_in_the_reader_rolls_back_the_file(import_files, monkeypatch, tmp_path):
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 1)
    text = VOLUME.read_text(encoding="utf-8")
    truncated = tmp_path / "truncated.xml"
    truncated.write_text(text[: int(len(text) * 0.9)], encoding="utf-8")
    report = import_files(truncated)
    assert "the XML ends too early" in report.files[0].error and "looks truncated" in report.files[0].error
    assert Record.objects.count() == 0 and Authority.objects.count() == 0
