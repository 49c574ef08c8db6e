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
    strip = [
        {k: v for k, v in json.loads(line).items() if k not in ("created", "updated", "first_published")}
        for line in export_text().splitlines()
    ]
    assert strip == [
        {k: v for k, v in json.loads(line).items() if k not in ("created", "updated", "first_published")}
        for line in first.splitlines()
    ]


def test_error_in_the_reader_rolls_back_the_file(import_files, monkeypatch, tmp_path):
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 1)
    text = VOLUME.read_text(encoding="utf-8")
    truncated = tmp_path / "truncated.xml"
    truncated.write_text(text[: int(len(text) * 0.9)], encoding="utf-8")
    report = import_files(truncated)
    assert "the XML ends too early" in report.files[0].error and "looks truncated" in report.files[0].error
    assert Record.objects.count() == 0 and Authority.objects.count() == 0


# --- JSON Lines, in chunks of 3 entries ----------------------------------------------------------------------


def _records_file(path, n, *, duplicate_of=None, bad_line_at=None, pad=0):
    lines = []
    for i in range(n):
        if bad_line_at == i:
            lines.append('{"id": "broken", ')
            continue
        rid = f"test/{duplicate_of if i == n - 1 and duplicate_of is not None else i}"
        lines.append(
            json.dumps(
                {
                    "id": rid,
                    "title": f"Telegram {i}",
                    "date": f"1968-10-{1 + i % 28:02d}",
                    "text": f"Paragraph {i} of the four-party conference." + " More." * pad,
                }
            )
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(pipeline, "CHUNK", 3)
    monkeypatch.setattr(pipeline, "BEHIND", 0)  # the children always validate (see the next test otherwise)
    monkeypatch.setattr("os.cpu_count", lambda: 2)


def test_records_arrive_in_file_order(small_chunks, import_files, tmp_path):
    from readingroom.ingest.base import Source
    from readingroom.ingest.jsonl import JsonLinesImporter

    path = _records_file(tmp_path / "many.jsonl", 20, duplicate_of=4, bad_line_at=7)
    entries = list(
        pipeline.ParallelRead(
            JsonLinesImporter(),
            Source(path, path.stat().st_size),
            prepare=lambda raw: ("prepared", raw["id"]),
        )
    )
    # 19 records and one bad line, in file order; the duplicate on the last line is caught although the
    # first one was sent chunks earlier.
    assert [getattr(e, "prepared", None) or e.message for e in entries] == [
        *[("prepared", f"test/{i}") for i in range(7)],
        "line 8 is not valid JSON: Expecting property name enclosed in double quotes at column 18",
        *[("prepared", f"test/{i}") for i in range(8, 19)],
        "line 20: duplicate id in this file; the first one was kept",
    ]
    report = import_files(path)
    assert report.files[0].created == 18 and len(report.files[0].problems) == 2
    assert Record.objects.get(pk="test/4").title == "Telegram 4"


@pytest.mark.parametrize("behind", [0, 10**6])
def test_records_validated_by_either_side_are_the_same(
    small_chunks, import_files, tmp_path, monkeypatch, behind
):
    # behind=0: the child validates every record; 10**6: it never does, the writer validates them all.
    monkeypatch.setattr(pipeline, "BEHIND", behind)
    path = _records_file(tmp_path / "many.jsonl", 20, duplicate_of=4, bad_line_at=7)
    report = import_files(path)
    assert report.files[0].created == 18 and len(report.files[0].problems) == 2
    assert Record.objects.get(pk="test/12").document["date"] == "1968-10-13"
    assert not any(Record.objects.filter(pk=f"test/{i}").exists() for i in (7, 19))


@pytest.mark.parametrize("n", [9, 10, 11, 12])
def test_reading_ends_on_any_chunk_boundary(small_chunks, import_files, tmp_path, n):
    report = import_files(_records_file(tmp_path / f"n{n}.jsonl", n))
    assert report.files[0].created == n and Record.objects.count() == n


@pytest.mark.parametrize("n", [14, 17])
def test_an_error_after_many_chunks_rolls_back_the_file(small_chunks, import_files, tmp_path, n):
    # Records of 12 KB, then a byte that is not UTF-8 on line n + 1, well after the first blocks were decoded:
    # in the 5th chunk or the 6th, after the first chunk's records were written.
    path = _records_file(tmp_path / "bad.jsonl", n, pad=2000)
    path.write_bytes(path.read_bytes() + b'{"id": "test/x", "title": "\xff"}\n')
    seen = []
    original = pipeline.ParallelRead.__iter__

    def counting(self):
        for entry in original(self):
            seen.append(entry)
            yield entry

    with pytest.MonkeyPatch.context() as m:
        m.setattr(pipeline.ParallelRead, "__iter__", counting)
        report = import_files(path)
    assert len(seen) >= 9  # records of earlier chunks came before the error
    assert "is not UTF-8 text" in report.files[0].error
    assert Record.objects.count() == 0


def test_records_sent_by_the_child_update_whole(small_chunks, import_files, tmp_path):
    """A record validated in the reading process travels without its HTML (Prepared.light); an update must still
    store the whole document, and unchanged records stay untouched."""
    first = _records_file(tmp_path / "v1.jsonl", 12)
    import_files(first)
    before = {r.pk: r.updated for r in Record.objects.all()}
    revised = []
    for i, line in enumerate(first.read_text(encoding="utf-8").splitlines()):
        doc = json.loads(line)
        if i % 2 == 0:
            doc["text"] = f"Revised paragraph {i} [of the cable]."
        revised.append(json.dumps(doc))
    second = tmp_path / "v2.jsonl"
    second.write_text("\n".join(revised) + "\n", encoding="utf-8")
    f = import_files(second).files[0]
    assert (f.created, f.updated, f.unchanged, f.problems) == (0, 6, 6, [])
    assert Record.objects.get(pk="test/0").document["texts"][0]["html"] == (
        '<p>Revised paragraph 0 <span class="editorial">[of the cable]</span>.</p>'
    )
    assert Record.objects.get(pk="test/1").document["texts"][0]["html"] == (
        "<p>Paragraph 1 of the four-party conference.</p>"
    )
    assert all(Record.objects.get(pk=f"test/{i}").updated == before[f"test/{i}"] for i in range(1, 12, 2))
    assert all(Record.objects.get(pk=f"test/{i}").updated > before[f"test/{i}"] for i in range(0, 12, 2))
