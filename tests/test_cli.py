"""The command line: help everywhere, --home, export to a file, check."""

import json
import os
import subprocess
import sys

import pytest

from readingroom.cli import build_parser, main

from .conftest import SEED


def subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)


@pytest.mark.parametrize("command", subcommands())
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: readingroom {command}")


def test_import_help_documents_the_schema(capsys):
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    out = capsys.readouterr().out
    for word in ("--status", "--dry-run", "date_text", "EDTF", "docs/record-schema.md"):
        assert word in out


def test_separate_home_end_to_end(tmp_path):
    """A real subprocess with its own --home: init, import, export to a file, check."""
    home = tmp_path / "archive"
    # Always the embedded store here: this test is about the data folder, on SQLite.
    env = {k: v for k, v in os.environ.items() if k != "READINGROOM_DATABASE_URL"}
    env["READINGROOM_HOME"] = str(tmp_path / "unused")

    def rr(*args):
        return subprocess.run(
            [sys.executable, "-m", "readingroom.cli", "--home", str(home), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )

    assert rr("init").returncode == 0
    assert (home / "readingroom.sqlite3").exists()
    result = rr("import", "--status", "draft", str(SEED))
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out.jsonl"
    result = rr("export", "--format", "jsonl", "--output", str(out))
    assert result.returncode == 0 and "exported 1 records" in result.stderr
    rec = json.loads(out.read_text())
    assert rec["status"] == "draft" and rec["title"] == "Secret North Vietnam Politburo Cable No. 323"
    public = rr("export", "--public")
    assert public.stdout == "" and "exported 0 records" in public.stderr
    check = rr("check")
    assert check.returncode == 0, check.stdout
    assert "records: 1 (0 public; draft 1" in check.stdout
    assert not (tmp_path / "unused").exists()
    wal = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3,sys; print(sqlite3.connect(sys.argv[1])"
            ".execute('pragma journal_mode').fetchone()[0])",
            str(home / "readingroom.sqlite3"),
        ],
        capture_output=True,
        text=True,
    )
    assert wal.stdout.strip() == "wal"


def test_export_without_archive_says_how_to_fix(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "READINGROOM_DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "readingroom.cli", "--home", str(tmp_path / "none"), "export"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode != 0
    assert "run `readingroom init`" in result.stderr
