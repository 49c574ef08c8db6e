"""Hostile and broken input to `readingroom import`: every file of tests/hostile/ gets its expected message.

tests/hostile/expected.tsv lists one file a line: `filename<TAB>expected message fragment[<TAB>records kept]`.
For each: the exit status is non-zero, the message names the file and says what is wrong, and nothing is written
(or only the stated number of good records, for per-record faults such as a duplicate id whose first copy is
fine). Importers' authors append their own rows; this test runs them all.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from readingroom.cli import main
from readingroom.records.models import Authority, Record

HOSTILE = Path(__file__).resolve().parent / "hostile"
TABLE = HOSTILE / "expected.tsv"
NOT_INPUT = {"expected.tsv", "README.md"}

pytestmark = pytest.mark.django_db(transaction=True)


def table() -> list[tuple[str, str, int]]:
    rows = []
    for n, line in enumerate(TABLE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        assert len(parts) in (2, 3) and parts[1], (
            f"expected.tsv line {n}: want filename<TAB>fragment[<TAB>kept]"
        )
        rows.append((parts[0], parts[1], int(parts[2]) if len(parts) == 3 else 0))
    return rows


def run_import(capsys, *paths) -> tuple[int, str]:
    status = main(["import", "--quiet", *map(str, paths)])
    captured = capsys.readouterr()
    return status, captured.err + captured.out


def test_table_and_folder_agree():
    rows = table()
    names = [r[0] for r in rows]
    assert len(names) == len(set(names)), "a file is listed twice in expected.tsv"
    files = {p.name for p in HOSTILE.iterdir() if p.is_file() and p.name not in NOT_INPUT}
    assert files - set(names) == set(), "files in tests/hostile/ without an expected message"
    assert set(names) - files == set(), "expected.tsv names files that are not there"
    assert len(rows) >= 30


@pytest.mark.parametrize("name,fragment,kept", table(), ids=[r[0] for r in table()])
def test_hostile_file(capsys, name, fragment, kept):
    path = HOSTILE / name
    records_before, authorities_before = Record.objects.count(), Authority.objects.count()
    status, out = run_import(capsys, path)
    assert status != 0, out
    # The message is on a line that names the file, so a folder of many files still says which one is bad.
    assert any(line.startswith(f"{path}: ") and fragment in line for line in out.splitlines()), out
    assert "Traceback" not in out
    assert Record.objects.count() == records_before + kept
    if kept == 0:
        assert Authority.objects.count() == authorities_before


def test_folder_with_nothing_importable(capsys, tmp_path):
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4\n")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "records.jsonl").write_text('{"id": "h/1", "title": "Hidden"}\n')
    status, out = run_import(capsys, tmp_path)
    assert status == 1
    assert f"{tmp_path}: error: folder has nothing importable" in out
    assert Record.objects.count() == 0


def test_two_gigabyte_file_streams_in_bounded_memory(capsys, tmp_path):
    """A 2 GiB JSON Lines file (sparse: nothing on disk) whose first line is a good record and whose rest is one
    endless line: streamed, stopped at the over-long line without reading it whole, the file rolled back."""
    big = tmp_path / "huge.jsonl"
    with open(big, "wb") as f:
        f.write(b'{"id": "big/1", "title": "A good first record"}\n' + b" " * 9000)
        f.truncate(2 * 1024**3)
    tracemalloc.start()
    start = time.monotonic()
    try:
        status, out = run_import(capsys, big)
        elapsed = time.monotonic() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert status == 1
    assert f"{big}: error: line 2 is longer than 16 MiB" in out
    assert elapsed < 10, elapsed
    assert peak < 128 * 2**20, peak  # one bounded line, never the file
    assert Record.objects.count() == 0


def test_whole_file_formats_refuse_huge_files(capsys, tmp_path):
    """Formats read whole (a record page) refuse a file over their limit before reading it."""
    big = tmp_path / "page.txt"
    with open(big, "wb") as f:
        f.write(b"October 15, 1968\nA title\nSome text.\n" + b" " * 9000)
        f.truncate(2 * 1024**3)
    status, out = run_import(capsys, big)
    assert status == 1
    assert f"{big}: error: file is 2,048 MiB; the page format is read whole, up to 256 MiB" in out
    assert Record.objects.count() == 0


def test_hostile_folder_at_once(capsys):
    """The whole corpus in one command: each bad file reported by name, the run goes on to the end."""
    status, out = run_import(capsys, HOSTILE)
    assert status == 1
    rows = table()
    for name, _fragment, _kept in rows:
        if Path(name).suffix.lower() in (
            ".jsonl",
            ".csv",
            ".json",
            ".xml",
            ".txt",
            ".html",
            ".htm",
            ".ndjson",
        ):
            assert f"{HOSTILE / name}: " in out, name
    assert Record.objects.count() == sum(kept for *_x, kept in rows)
