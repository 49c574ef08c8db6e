"""`readingroom backup` while the archive is written to, `readingroom restore` into a new archive: the same records
out (export before and after identical), damaged backups and non-empty archives refused. Real subprocesses, each
archive in its own folder (and, on PostgreSQL, its own database)."""

from __future__ import annotations

import json
import shutil
import threading
import uuid
from pathlib import Path

import pytest

from .conftest import SEED, cli_runner, scratch_database


def _batch(path: Path, n: int, size: int = 20) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for i in range(size):
            doc = {"id": f"batch{n}/{i}", "title": f"Batch {n} telegram {i}", "date": "1968-10-15"}
            doc["text"] = f"Paragraph {i} of batch {n}."
            doc["status"] = "published" if i % 2 else "draft"
            f.write(json.dumps(doc) + "\n")
    return path


def _export(rr, home: Path, out: Path, url: str | None = None) -> str:
    result = rr(home, "export", "--quiet", "--format", "jsonl", "-o", str(out), url=url)
    assert result.returncode == 0, result.stderr
    return out.read_text(encoding="utf-8")


def _make_archive(rr, home: Path, tmp_path: Path, url: str | None = None) -> None:
    result = rr(home, "import", "--quiet", str(SEED), str(_batch(tmp_path / "first.jsonl", 0)), url=url)
    assert result.returncode == 0, result.stderr
    scans = home / "media" / "scans"
    scans.mkdir(parents=True, exist_ok=True)
    (scans / "page-1.txt").write_bytes(b"a media file, bytes kept exactly\x00\xff")
    tiles = home / "iiif" / "page-1"
    tiles.mkdir(parents=True, exist_ok=True)
    (tiles / "info.json").write_text('{"width": 1}', encoding="utf-8")


def _round_trip(rr, tmp_path: Path, url_a: str | None = None, url_b: str | None = None) -> None:
    home = tmp_path / "archive"
    _make_archive(rr, home, tmp_path, url_a)

    # A backup while another thread imports file after file (each file one transaction).
    stop = threading.Event()
    imported: list[int] = []
    failures: list[str] = []

    def write() -> None:
        n = 1
        while not stop.is_set() and n < 40:
            result = rr(home, "import", "--quiet", str(_batch(tmp_path / f"batch{n}.jsonl", n)), url=url_a)
            if result.returncode != 0:
                failures.append(result.stderr)
                return
            imported.append(n)
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while not imported and writer.is_alive():
            writer.join(0.05)
        busy = tmp_path / "busy-backup"
        result = rr(home, "backup", str(busy), url=url_a)
    finally:
        stop.set()
        writer.join()
    assert result.returncode == 0, result.stderr
    assert not failures, failures[0]
    assert "backup:" in result.stdout and not (tmp_path / "busy-backup.partial").exists()

    restored = tmp_path / "restored-busy"
    result = rr(restored, "restore", str(busy), url=url_b)
    assert result.returncode == 0, result.stderr
    assert "reindex:" in result.stderr  # the index rebuilt, with progress
    ids = {
        json.loads(line)["id"] for line in _export(rr, restored, tmp_path / "busy.jsonl", url_b).splitlines()
    }
    batches = {i.split("/")[0] for i in ids if i.startswith("batch")}
    # Every file is whole or absent: the copy is of one moment of the database.
    for b in batches:
        assert {f"{b}/{i}" for i in range(20)} <= ids, f"{b} is partly in the backup"
    assert "batch0" in batches and len(batches) >= 1
    check = rr(restored, "check", url=url_b)
    assert check.returncode == 0, check.stdout + check.stderr

    # Quiet now: export, backup, restore into a new archive, export again: identical.
    before = _export(rr, home, tmp_path / "before.jsonl", url_a)
    backup = tmp_path / "backup"
    assert rr(home, "backup", "--quiet", str(backup), url=url_a).returncode == 0
    manifest = json.loads((backup / "manifest.json").read_text())
    assert not any(name.startswith("index") for name in manifest["files"])  # derived: rebuilt on restore
    for rel, entry in manifest["files"].items():
        assert len(entry["sha256"]) == 64 and (backup / rel).stat().st_size == entry["size"]
    if url_b is not None:  # the busy restore filled the second database: empty it for this one
        scratch_database(url_b)
    again = tmp_path / "restored"
    result = rr(again, "restore", "--quiet", str(backup), url=url_b)
    assert result.returncode == 0, result.stderr
    after = _export(rr, again, tmp_path / "after.jsonl", url_b)
    assert after == before and len(before.splitlines()) >= 21
    assert (
        again / "media" / "scans" / "page-1.txt"
    ).read_bytes() == b"a media file, bytes kept exactly\x00\xff"
    assert (again / "iiif" / "page-1" / "info.json").read_text() == '{"width": 1}'
    search = rr(again, "export", "--quiet", "--query", "q=telegram", url=url_b)
    assert search.returncode == 0 and "Batch 0 telegram 1" in search.stdout  # the rebuilt index answers


@pytest.mark.sqlite_only
def test_backup_while_writing_and_restore_on_sqlite(tmp_path):
    _round_trip(cli_runner(tmp_path), tmp_path)


@pytest.mark.sqlite_only
def test_a_damaged_backup_is_refused_naming_the_file(tmp_path):
    rr = cli_runner(tmp_path)
    home = tmp_path / "archive"
    _make_archive(rr, home, tmp_path)
    backup = tmp_path / "backup"
    assert rr(home, "backup", "--quiet", str(backup)).returncode == 0
    for rel in ("media/scans/page-1.txt", "database.sqlite3"):
        damaged = tmp_path / f"damaged-{rel.replace('/', '-')}"
        shutil.copytree(backup, damaged)
        with open(damaged / rel, "r+b") as f:
            f.seek(20)
            byte = f.read(1)
            f.seek(20)
            f.write(bytes([byte[0] ^ 0xFF]))
        target = tmp_path / f"restored-{rel.replace('/', '-')}"
        result = rr(target, "restore", "--quiet", str(damaged))
        assert result.returncode == 1
        assert f"readingroom restore: {rel} fails its checksum" in result.stderr
        assert "nothing was restored" in result.stderr
        assert not target.exists() or not any(target.iterdir())
    missing = tmp_path / "missing"
    shutil.copytree(backup, missing)
    (missing / "iiif" / "page-1" / "info.json").unlink()
    result = rr(tmp_path / "restored-missing", "restore", "--quiet", str(missing))
    assert result.returncode == 1 and "iiif/page-1/info.json is missing from the backup" in result.stderr


@pytest.mark.sqlite_only
def test_restore_refuses_a_non_empty_archive_and_backup_an_existing_folder(tmp_path):
    rr = cli_runner(tmp_path)
    home = tmp_path / "archive"
    _make_archive(rr, home, tmp_path)
    backup = tmp_path / "backup"
    assert rr(home, "backup", "--quiet", str(backup)).returncode == 0
    before = _export(rr, home, tmp_path / "before.jsonl")
    result = rr(home, "restore", "--quiet", str(backup))
    assert result.returncode == 1
    assert f"the archive folder {home} is not empty: restore only into a new, empty archive" in result.stderr
    assert _export(rr, home, tmp_path / "after.jsonl") == before
    result = rr(home, "backup", "--quiet", str(backup))
    assert result.returncode == 1 and "already exists and is not an empty folder" in result.stderr
    result = rr(tmp_path / "new", "restore", "--quiet", str(home))
    assert result.returncode == 1 and "is not a Readingroom backup: it has no manifest.json" in result.stderr


# --- PostgreSQL: pg_dump and pg_restore, into a second database this test makes ---------------------------


@pytest.mark.postgresql_only
def test_backup_while_writing_and_restore_on_postgresql(tmp_path, pg_url):
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (Debian: apt-get install postgresql-client)")
    base = pg_url.rsplit("/", 1)[0]
    suffix = uuid.uuid4().hex[:8]
    url_a, url_b = f"{base}/rr_backup_a_{suffix}", f"{base}/rr_backup_b_{suffix}"
    for url in (url_a, url_b):
        scratch_database(url)
    try:
        _round_trip(cli_runner(tmp_path), tmp_path, url_a, url_b)
        rr = cli_runner(tmp_path)
        result = rr(tmp_path / "other", "restore", "--quiet", str(tmp_path / "backup"), url=url_b)
        assert (
            result.returncode == 1 and "already holds" in result.stderr and "empty database" in result.stderr
        )
    finally:
        for url in (url_a, url_b):
            scratch_database(url, create=False)
