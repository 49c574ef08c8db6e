"""An archive made by an earlier release opens in this one: the migrations apply with the data intact, and the
search index of the old schema is rebuilt.

The fixture (tests/data/upgrade/, its README says how it was made) is the archive release 82a5c36 made of our own
test files: a published record, a draft, an embargoed one and a withdrawn one, with their authorities, as a
SQLite dump and a PostgreSQL dump of the same archive, and that release's tantivy index (schema version 4).
"""

from __future__ import annotations

import json
import sqlite3
import tarfile
import uuid
from pathlib import Path

import pytest

from .conftest import cli_runner, scratch_database

FIXTURE = Path(__file__).resolve().parent / "data" / "upgrade"
RELEASE = "release-82a5c36"
PUBLIC = {"114010", "csv/politburo-323"}  # published, no embargo
STATUSES = {
    "114010": "published",
    "csv/politburo-323": "published",
    "csv/draft-1": "draft",
    "999001": "published",  # embargoed until 2099
    "csv/frus1964-68v07-d74": "withdrawn",
}


def _records(query) -> dict[str, tuple[str, dict]]:
    return {
        rid: (status, json.loads(doc))
        for rid, status, doc in query("SELECT id, status, document FROM records_record")
    }


def _old_index(home: Path) -> None:
    with tarfile.open(FIXTURE / f"{RELEASE}.index.tar.gz") as tar:
        tar.extractall(home, filter="data")
    assert (home / "index" / "readingroom-schema").read_text() == "4"


def _upgrade_and_check(rr, home: Path, tmp_path: Path, before: dict, query, url: str | None = None) -> None:
    assert {rid: status for rid, (status, _doc) in before.items()} == STATUSES

    # Any command but init (and the commands that run it) says what to do, and touches nothing.
    result = rr(home, "check", url=url)
    assert result.returncode == 1
    assert (
        "was made by an earlier version of Readingroom: run `readingroom init` to upgrade it" in result.stderr
    )
    assert _records(query) == before

    result = rr(home, "init", url=url)
    assert result.returncode == 0, result.stderr
    assert "Applying records.0008_revisions... OK" in result.stdout
    assert "the search index was built by an earlier version of Readingroom: rebuilding it" in result.stderr
    assert (home / "index" / "readingroom-schema").read_text() != "4"

    # The data are intact: every record's status and document as the old release stored them.
    assert _records(query) == before
    revisions = query("SELECT record_id, number, action, note FROM records_revision ORDER BY record_id")
    assert [(r[0], r[1], r[2]) for r in revisions] == [(rid, 1, "created") for rid in sorted(STATUSES)]
    assert {r[3] for r in revisions} == {"stored before revisions were kept"}
    roles = {name for (name,) in query("SELECT name FROM auth_group")}
    assert {"contributor", "editor", "administrator"} <= roles

    # The store and the rebuilt index agree (check compares the index with the public records), and the public
    # sees what it saw before: the published records, not the draft, the embargoed or the withdrawn one.
    result = rr(home, "check", url=url)
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stdout + result.stderr
    for how in (["--public"], ["--query", "q=politburo"]):  # the store's view, and the rebuilt index's
        out = tmp_path / "public.jsonl"
        result = rr(home, "export", "--quiet", *how, "-o", str(out), url=url)
        assert result.returncode == 0, result.stderr
        exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert {d["id"] for d in exported} == PUBLIC, how
        for d in exported:
            assert d["title"] == before[d["id"]][1]["title"]

    # Run again, nothing to do.
    result = rr(home, "init", url=url)
    assert result.returncode == 0 and "rebuilding" not in result.stderr


@pytest.mark.sqlite_only
def test_an_archive_of_an_earlier_release_upgrades_on_sqlite(tmp_path):
    home = tmp_path / "archive"
    home.mkdir()
    db = home / "readingroom.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.executescript((FIXTURE / f"{RELEASE}.sqlite.sql").read_text(encoding="utf-8"))
    conn.close()
    _old_index(home)

    def query(sql: str) -> list[tuple]:
        conn = sqlite3.connect(db)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()

    _upgrade_and_check(cli_runner(tmp_path), home, tmp_path, _records(query), query)


@pytest.mark.postgresql_only
def test_an_archive_of_an_earlier_release_upgrades_on_postgresql(tmp_path, pg_url):
    import psycopg

    url = f"{pg_url.rsplit('/', 1)[0]}/rr_upgrade_{uuid.uuid4().hex[:8]}"
    scratch_database(url)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute((FIXTURE / f"{RELEASE}.postgresql.sql").read_text(encoding="utf-8"))
        home = tmp_path / "archive"
        home.mkdir()
        _old_index(home)

        def query(sql: str) -> list[tuple]:
            with psycopg.connect(url) as conn:
                return conn.execute(sql).fetchall()

        # PostgreSQL hands the JSON column back parsed; the comparison wants the text as SQLite gives it.
        def query_text(sql: str) -> list[tuple]:
            return query(sql.replace("document FROM", "document::text FROM"))

        _upgrade_and_check(cli_runner(tmp_path), home, tmp_path, _records(query_text), query_text, url=url)
    finally:
        scratch_database(url, create=False)
