"""Bad input to `readingroom import`: a message naming the file and the fault, exit status 1, nothing written."""

import pytest

from readingroom.cli import main
from readingroom.records.models import Authority, Record

from .conftest import SEED

pytestmark = pytest.mark.django_db(transaction=True)


def run_import(capsys, *paths):
    status = main(["import", "--quiet", *map(str, paths)])
    err = capsys.readouterr().err
    return status, err


def assert_nothing_written():
    assert Record.objects.count() == 0
    assert Authority.objects.count() == 0


def test_missing_file(capsys, tmp_path):
    missing = tmp_path / "nope.txt"
    status, err = run_import(capsys, missing)
    assert status == 1
    assert f"{missing}: error: no such file or folder" in err
    assert_nothing_written()


def test_folder_with_nothing_importable(capsys, tmp_path):
    (tmp_path / "notes.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    status, err = run_import(capsys, tmp_path)
    assert status == 1
    assert f"{tmp_path}: error: folder has nothing importable" in err
    assert_nothing_written()


def test_empty_file(capsys, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    status, err = run_import(capsys, empty)
    assert status == 1 and f"{empty}: error: file is empty" in err
    assert_nothing_written()


def test_binary_file(capsys, tmp_path):
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"%PDF-1.4\n\x00\x01\x02binary")
    status, err = run_import(capsys, binary)
    assert status == 1 and f"{binary}: error: is a binary file, not text" in err
    assert_nothing_written()


def test_undecodable_text(capsys, tmp_path):
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes(
        SEED.read_text()
        .replace("Tran Buu", "Trần Bửu")
        .encode("cp1258", errors="replace")
        .replace(b"Tr", b"Tr\xe9", 1)
    )
    status, err = run_import(capsys, latin1)
    assert status == 1
    assert f"{latin1}: error: is not UTF-8 text" in err and "save it as UTF-8" in err
    assert_nothing_written()


@pytest.mark.parametrize(
    "content,fragment",
    [
        ("Just some notes\nabout nothing in particular\n", "no date found near the top"),
        ("October 15, 1968\n", "no title after the date"),
        ("October 15, 1968\nA title\nAssociated Places\nHanoi\n", "no document text"),
        ("February 30, 1968\nA title\nSome text.\n", "February 1968 has 29 days"),
    ],
)
def test_page_that_is_not_a_record(capsys, tmp_path, content, fragment):
    page = tmp_path / "page.txt"
    page.write_text(content)
    status, err = run_import(capsys, page)
    assert status == 1 and str(page) in err and fragment in err
    assert_nothing_written()


def test_good_file_beside_bad_one_is_kept(capsys, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    status, err = run_import(capsys, SEED, empty)
    assert status == 1
    assert Record.objects.count() == 1
    assert "1 of 2 files imported" in err


def test_failed_file_leaves_nothing_behind(tmp_path, archive):
    """An importer that fails after yielding records and authorities: the runner rolls the whole file back."""
    from readingroom.ingest.base import AuthorityEntry, Importer, IngestError, RecordEntry
    from readingroom.ingest.run import import_file

    class Breaks(Importer):
        name = "breaks"

        def detect(self, path, head):
            return True

        def read(self, source):
            yield AuthorityEntry("subject", "cold-war", "Cold War")
            yield RecordEntry(
                {"id": "b/1", "title": "Kept only if the file succeeds", "subjects": ["Cold War"]}
            )
            raise IngestError("the file ends in the middle of a record")

    path = tmp_path / "broken.dat"
    path.write_text("anything")
    archive.importers.register(Breaks())
    report = import_file(archive, path, archive.store.writer(), importer_name="breaks")
    assert report.error == "the file ends in the middle of a record"
    assert_nothing_written()


def test_bad_record_is_reported_and_others_kept(capsys, tmp_path):
    bad = tmp_path / "records.jsonl"
    bad.write_text(
        '{"id": "a/1", "title": "First", "subjects": ["Cold War"]}\n'
        '{"id": "a/2", "title": "Second", "date": "1968-02-30"}\n'
    )
    status, err = run_import(capsys, bad)
    assert status == 1
    assert "record 'a/2', field 'date': impossible date '1968-02-30'" in err
    # Per-record problems do not roll back the good records of the file...
    assert list(Record.objects.values_list("id", flat=True)) == ["a/1"]


def test_dry_run_writes_nothing(capsys):
    status = main(["import", "--quiet", "--dry-run", str(SEED)])
    assert status == 0
    assert "would import 1 records" in capsys.readouterr().out
    assert_nothing_written()


def test_many_problems_are_counted_and_a_few_shown(capsys, tmp_path, monkeypatch):
    """A report keeps the first KEPT_MESSAGES problems and counts the rest: memory stays bounded on a file where
    every record is wrong, and the terminal is not flooded."""
    import json

    from readingroom.ingest import run

    monkeypatch.setattr(run, "KEPT_MESSAGES", 5)
    lines = [json.dumps({"id": f"bad/{i}", "title": "Bad date", "date": "1968-02-30"}) for i in range(12)]
    lines.append(json.dumps({"id": "good/1", "title": "Good"}))
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(lines) + "\n")
    status, err = run_import(capsys, path)
    assert status == 1
    shown = [line for line in err.splitlines() if ": problem: " in line]
    assert len(shown) == 5 and "record 'bad/0'" in shown[0] and "February 1968 has 29 days" in shown[0]
    assert f"{path}: ... and 7 more problems, not shown" in err
    assert "12 record problems" in err
    assert Record.objects.count() == 1
