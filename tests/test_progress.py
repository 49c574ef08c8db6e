"""Progress lines of import, export and reindex (readingroom/progress.py): counts, rate and ETA; a line redrawn on
a terminal, lines in a log; a final line; nothing with --quiet."""

from __future__ import annotations

import io
import json
import re

import pytest

from readingroom.cli import main
from readingroom.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_lines_in_a_log_say_counts_and_end_with_a_final_line():
    out = io.StringIO()
    progress = Progress("reindex:", total=3, stream=out, interval=0)
    for _ in range(3):
        progress.advance()
    progress.finish()
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert [line.split(",")[0] for line in lines[:-1]] == [f"reindex: {n}/3 records" for n in range(4)]
    assert all(re.search(r", [\d,]+/s, ETA (\d+ s|\?)$", line) for line in lines[:-1]), lines
    assert re.fullmatch(r"reindex: 3 records in [\d.]+ s, [\d,]+/s", lines[-1])


def test_a_log_gets_no_line_before_the_interval():
    out = io.StringIO()
    progress = Progress("exported", total=1000, stream=out, interval=3600)
    progress.advance(999)
    progress.advance()
    progress.finish()
    assert out.getvalue().startswith("exported 1,000 records in ") and out.getvalue().count("\n") == 1


def test_a_terminal_line_is_redrawn_then_replaced_by_the_final_line():
    out = Terminal()
    progress = Progress("exported", total=2, unit="authorities", stream=out, interval=0)
    progress.advance()
    progress.advance()
    progress.finish()
    text = out.getvalue()
    assert "\rexported 1/2 authorities, " in text and "\rexported 2/2 authorities, " in text
    assert text.count("\n") == 1 and re.search(r"\rexported 2 authorities in [\d.]+ s, [\d,]+/s\n$", text)


def test_bytes_give_the_share_done_and_the_eta():
    out = io.StringIO()
    counts = {"records": 0}
    progress = Progress(
        "imported",
        total_bytes=4_000_000,
        describe=lambda: f"{counts['records']:,} records, 1 thing",
        stream=out,
        interval=0,
    )
    counts["records"] = 1200
    progress.set(1200, done_bytes=1_000_000)
    progress.finish()
    assert re.search(
        r"^imported 1,200 records, 1 thing, [\d,]+/s, 25.0% of 4.0 MB, ETA \d+ s$", out.getvalue(), re.M
    )
    assert out.getvalue().splitlines()[-1].startswith("imported 1,200 records, 1 thing in ")


def test_disabled_writes_nothing():
    out = Terminal()
    progress = Progress("reindex:", total=5, stream=out, enabled=False, interval=0)
    progress.advance(5)
    progress.finish()
    assert out.getvalue() == "" and progress.count == 5


def test_import_ends_with_a_final_line(import_files, tmp_path):
    path = tmp_path / "three.jsonl"
    path.write_text("".join(json.dumps({"id": f"p/{n}", "title": f"Record {n}"}) + "\n" for n in range(3)))
    out = io.StringIO()
    report = import_files(path, show_progress=True, progress_stream=out)
    assert report.ok
    assert re.fullmatch(r"imported 3 records in [\d.]+ s, [\d,]+/s\n", out.getvalue())


@pytest.mark.django_db
@pytest.mark.parametrize("quiet", [False, True])
def test_export_ends_with_a_final_line(import_files, tmp_path, capsys, quiet):
    path = tmp_path / "two.jsonl"
    path.write_text("".join(json.dumps({"id": f"p/{n}", "title": f"Record {n}"}) + "\n" for n in range(2)))
    assert import_files(path).ok
    assert main(["export", "-o", str(tmp_path / "out.jsonl"), *(["--quiet"] if quiet else [])]) == 0
    err = capsys.readouterr().err
    if quiet:
        assert err == "exported 2 records\n"
    else:
        assert re.fullmatch(r"exported 2 records in [\d.]+ s, [\d,]+/s\n", err)
