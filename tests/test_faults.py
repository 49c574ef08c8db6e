"""Faults a tester found (issue #14), each reproduced with a file the test makes, then held fixed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from readingroom import locks

from .conftest import SEED, scratch_database

ROOT = Path(__file__).resolve().parent.parent


def _env(tmp_path: Path) -> dict[str, str]:
    # A subprocess archive of its own, always the embedded store: these tests are about processes and files.
    env = {k: v for k, v in os.environ.items() if k != "READINGROOM_DATABASE_URL"}
    env["READINGROOM_HOME"] = str(tmp_path / "unused")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _rr(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "readingroom.cli", "--home", str(home), *args]


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _open_files() -> set[str]:
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            found.add(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:  # the listing's own descriptor, closed since
            pass
    return found


def _records_file(path: Path, n: int, pad: int = 100) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            doc = {"id": f"fault/{i}", "title": f"Telegram {i}", "date": "1968-10-01", "text": "Para " * pad}
            f.write(json.dumps(doc) + "\n")
    return path


# --- 1. a killed import's reading process died with it, and left no lock -----------------------------------


@pytest.fixture
def subprocess_env(tmp_path, db_vendor):
    """The environment of a subprocess archive: SQLite in its home on the SQLite run; on the PostgreSQL run, a
    database of its own on the same server (a forked reader also holds its parent's PostgreSQL connection)."""
    env = _env(tmp_path)
    if db_vendor != "postgresql":
        yield env
        return
    base = os.environ["READINGROOM_DATABASE_URL"].rsplit("/", 1)[0]
    name = f"rr_faults_{os.getpid()}"
    scratch_database(f"{base}/{name}")
    env["READINGROOM_DATABASE_URL"] = f"{base}/{name}"
    yield env
    scratch_database(f"{base}/{name}", create=False)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc to find the reading process")
def test_killed_import_leaves_no_reader_and_no_lock(tmp_path, subprocess_env):
    big = _records_file(tmp_path / "big.jsonl", 20000)  # 11 MB: read in a child process (pipeline.py)
    home = tmp_path / "archive"
    env = subprocess_env
    assert subprocess.run(_rr(home, "init"), env=env, capture_output=True, timeout=120).returncode == 0
    first = subprocess.Popen(
        _rr(home, "import", "--quiet", str(big)), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        readers: list[int] = []
        while not readers and time.monotonic() < deadline and first.poll() is None:
            readers = _children(first.pid)
            time.sleep(0.05)
        assert readers, "the import finished or failed before its reading process started"
        time.sleep(0.5)  # the reader is reading, its queue filling
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    deadline = time.monotonic() + 10
    while any(_alive(r) for r in readers) and time.monotonic() < deadline:
        time.sleep(0.1)
    orphans = [r for r in readers if _alive(r)]
    for r in orphans:
        os.kill(r, signal.SIGKILL)  # ours: started by the import this test started
    assert not orphans, "the reading process outlived the killed import"

    started = time.monotonic()
    second = subprocess.run(
        _rr(home, "import", "--quiet", str(big)), env=env, capture_output=True, text=True, timeout=180
    )
    assert second.returncode == 0, second.stderr
    assert "imported 20000 records" in second.stdout
    assert time.monotonic() - started < 150
    reindex = subprocess.run(
        _rr(home, "reindex", "--quiet"), env=env, capture_output=True, text=True, timeout=120
    )
    assert reindex.returncode == 0 and "reindexed 20000 public records" in reindex.stdout, reindex.stderr


def test_two_imports_into_one_archive_at_once_both_complete(tmp_path, subprocess_env):
    """The second waits for the first (saying for whom, when the wait is long), then both finish: every record of
    both files is there once, and the index agrees with the store."""
    env = subprocess_env
    home = tmp_path / "archive"
    assert subprocess.run(_rr(home, "init"), env=env, capture_output=True, timeout=120).returncode == 0
    files = []
    for name in ("a", "b"):
        path = _records_file(tmp_path / f"{name}.jsonl", 15000)
        path.write_text(path.read_text().replace('"fault/', f'"{name}/'))
        files.append(path)
    first = subprocess.Popen(
        _rr(home, "import", "--quiet", str(files[0])),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)  # the first is writing
    second = subprocess.run(
        _rr(home, "import", "--quiet", str(files[1])), env=env, capture_output=True, text=True, timeout=300
    )
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert second.returncode == 0, second.stderr
    assert "imported 15000 records (15000 new" in out and "imported 15000 records (15000 new" in second.stdout
    if "waiting for the lock" in second.stderr:
        assert f"held by process {first.pid}" in second.stderr
    check = subprocess.run(_rr(home, "check"), env=env, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0 and "records: 30,000" in check.stdout.replace("30000", "30,000"), (
        check.stdout
    )


def test_a_forked_child_does_not_keep_a_held_lock(tmp_path):
    path = tmp_path / "indexer.lock"
    with locks.file_lock(path) as got:
        assert got
        pid = os.fork()
        if pid == 0:  # the child: does it still have the lock file open?
            code = 2
            try:
                code = 3 if str(path) in _open_files() else 0
            finally:
                os._exit(code)
        _pid, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        # ... and the parent still holds it: the child closed its copy, it did not unlock.
        with locks.file_lock(path, wait=False) as other:
            assert other is False  # a second open file description conflicts, even in this process
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                "import fcntl,os,sys; fd=os.open(sys.argv[1], os.O_RDWR)\n"
                "try:\n fcntl.flock(fd, fcntl.LOCK_EX|fcntl.LOCK_NB); print('free')\n"
                "except BlockingIOError: print('held')",
                str(path),
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert probe.stdout.strip() == "held"


def test_waiting_for_a_lock_says_who_holds_it(tmp_path, monkeypatch):
    path = tmp_path / "indexer.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl,os,sys,time; fd=os.open(sys.argv[1], os.O_RDWR|os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX); print('got', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "got"
        said: list[str] = []
        monkeypatch.setattr(locks, "WAIT_NOTICE", 0.2)
        monkeypatch.setattr(locks, "_say_waiting", said.append)
        fd = os.open(path, os.O_RDWR)
        try:
            assert not locks._flock(fd, path, wait=True, timeout=1.0, on_wait=said.append)
        finally:
            os.close(fd)
        assert len(said) == 1
        assert f"process {holder.pid}" in said[0] and f"kill {holder.pid}" in said[0]
    finally:
        holder.kill()
        holder.wait()


# --- 2. wrong types, deep nesting, a file gone before its turn: a message each, and the rest goes on ---------


def _jsonl(path: Path, *objs) -> Path:
    path.write_text(
        "".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objs), encoding="utf-8"
    )
    return path


GOOD = {"id": "fault/ok", "title": "A telegram", "text": "Hello."}


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("date", 1968, "field 'date': must be text, not int: write it in quotes"),
        ("date_earliest", [1968], "field 'date_earliest': must be text, not list"),
        ("status", ["published"], "field 'status': must be text, not list"),
        ("title", ["a", "b"], "field 'title': must be text, not list"),
        ("relations", {"target": "x"}, "field 'relations': must be a list ([...]), not dict"),
        ("media", 5, "field 'media': must be a list ([...]), not int"),
        ("texts", "plain", "field 'texts': must be a list ([...]), not str"),
        (
            "places",
            [{"name": "Hanoi", "parent": {"id": "vn"}}],
            "field 'places[0].parent': must be text, not dict",
        ),
        (
            "persons",
            [{"name": "Rusk", "id": "rusk\ndean"}],
            "field 'persons[0].id': 'rusk\\ndean' contains a line",
        ),
        ("date", "0000-05-01", "impossible year 0"),
        ("notes", [{"html": 5}], "field 'notes[0].html': must be text, not int"),
    ],
)
def test_a_wrong_field_is_that_records_problem(import_files, tmp_path, field, value, message):
    from readingroom.records.models import Record

    path = _jsonl(tmp_path / "mixed.jsonl", {"id": "fault/bad", "title": "T", field: value}, GOOD)
    report = import_files(path)
    (file_report,) = report.files
    assert file_report.error is None
    assert [str(p) for p in file_report.problems] == [
        str(p) for p in file_report.problems if "'fault/bad'" in str(p)
    ]
    assert len(file_report.problems) == 1 and message in str(file_report.problems[0]), file_report.problems
    assert list(Record.objects.values_list("id", flat=True)) == ["fault/ok"]
    assert not report.ok


def test_an_authority_of_the_wrong_shape_is_refused_the_others_kept(import_files, tmp_path):
    from readingroom.records.models import Authority

    path = _jsonl(
        tmp_path / "authorities.jsonl",
        {"kind": "place", "key": "asia", "name": "Asia"},
        {"kind": "place", "key": "hanoi", "name": "Hanoi", "parent": {"key": "asia"}},
        {"kind": "place", "key": "hue", "name": "Hue", "parent": ["asia"]},
        {"kind": "person", "key": "rusk\ndean", "name": "Dean Rusk"},
        {"kind": "place", "key": "saigon", "name": "Saigon", "parent": "asia"},
    )
    (file_report,) = import_files(path).files
    messages = [str(p) for p in file_report.problems]
    assert len(messages) == 3, messages
    assert (
        "authority 'hanoi' (place): the authority's parent must be the key of another place (text), not dict"
        in messages
    )
    assert "not list" in messages[1]
    assert "contains a line break" in messages[2]
    assert sorted(Authority.objects.values_list("key", flat=True)) == ["asia", "saigon"]


def test_json_nested_a_thousand_deep(import_files, tmp_path):
    from readingroom.records.models import Record

    deep = '{"id": "fault/deep", "title": "T", "extra": {"x": ' + "[" * 1000 + "]" * 1000 + "}}"
    lines = _jsonl(tmp_path / "deep.jsonl", deep, GOOD)
    whole = tmp_path / "deep.json"
    whole.write_text("[" * 1000 + "]" * 1000, encoding="utf-8")
    report = import_files(lines, whole)
    by_name = {f.path.name: f for f in report.files}
    assert by_name["deep.jsonl"].error is None
    assert "line 1 is nested too deeply" in str(by_name["deep.jsonl"].problems[0])
    assert "is nested more than" in (by_name["deep.json"].error or "")
    assert list(Record.objects.values_list("id", flat=True)) == ["fault/ok"]


def test_a_file_deleted_before_its_turn(archive, db, tmp_path):
    from readingroom.records.models import Record

    first = _jsonl(tmp_path / "a.jsonl", {"id": "fault/a", "title": "A"})
    gone = _jsonl(tmp_path / "b.jsonl", {"id": "fault/b", "title": "B"})
    last = _jsonl(tmp_path / "c.jsonl", GOOD)

    def remove_b(file_report) -> None:
        if file_report.path == first:
            gone.unlink()

    report = archive.import_paths([first, gone, last], show_progress=False, on_file=remove_b)
    errors = {f.path.name: f.error for f in report.files}
    assert errors["a.jsonl"] is None and errors["c.jsonl"] is None
    assert "removed or renamed before its turn" in (errors["b.jsonl"] or "")
    assert sorted(Record.objects.values_list("id", flat=True)) == ["fault/a", "fault/ok"]
    assert not report.ok


def test_the_command_goes_on_and_exits_1(tmp_path):
    bad = _jsonl(tmp_path / "bad.jsonl", {"id": "fault/date", "title": "T", "date": 1968}, GOOD)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    ok = _jsonl(tmp_path / "ok.jsonl", {"id": "fault/last", "title": "Last"})
    env = _env(tmp_path)
    result = subprocess.run(
        _rr(tmp_path / "archive", "import", "--quiet", str(bad), str(deep), str(ok)),
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "field 'date': must be text, not int" in result.stderr
    assert "deep.json: error: is nested more than" in result.stderr
    assert "ok.jsonl: imported 1 records" in result.stdout


# --- 3. the translator-credit pattern takes linear time ------------------------------------------------------


def test_a_300_kb_page_of_translator_credits_imports_in_seconds(import_files, tmp_path):
    from readingroom.ingest.da_page import TRANSLATOR
    from readingroom.records.models import Record

    hostile = "Translated for x " * 20000  # 340 KB of credits that never say "by": 137 s before
    text = SEED.read_text(encoding="utf-8").replace(
        "Archive of the Party Central Committee, Hanoi.",
        f"Archive of the Party Central Committee, Hanoi. {hostile}",
    )
    assert len(text.encode()) > 300_000
    page = tmp_path / "credits.txt"
    page.write_text(text, encoding="utf-8")
    started = time.monotonic()
    assert TRANSLATOR.search(hostile) is None
    report = import_files(page)
    elapsed = time.monotonic() - started
    assert report.files[0].error is None, report.files[0].error
    record = Record.objects.get()
    assert any(c.get("name") == "Merle Pribbenow" for c in record.document["contributors"])
    assert elapsed < 15, f"{elapsed:.1f} s"
    spaces = "Translated for a" + " " * 300_000 + "x"
    started = time.monotonic()
    assert TRANSLATOR.search(spaces) is None
    assert time.monotonic() - started < 5


# --- 4. a record with 100,000 references is refused at once, with the limit --------------------------------


@pytest.mark.parametrize("field", ["persons", "relations"])
def test_a_hundred_thousand_references(import_files, tmp_path, field):
    from readingroom.records.models import Record
    from readingroom.records.schema import MAX_REFERENCES

    many = [{"name": f"Person {i}"} if field == "persons" else {"target": f"t/{i}"} for i in range(100_000)]
    path = _jsonl(tmp_path / "many.jsonl", {"id": "fault/many", "title": "Many", field: many}, GOOD)
    started = time.monotonic()
    (file_report,) = import_files(path).files
    assert time.monotonic() - started < 20
    (problem,) = file_report.problems
    assert f"links to 100,000 authorities and records; at most {MAX_REFERENCES:,}" in str(problem)
    assert list(Record.objects.values_list("id", flat=True)) == ["fault/ok"]
    at_limit = [{"target": f"t/{i}"} for i in range(MAX_REFERENCES)]
    path = _jsonl(
        tmp_path / "limit.jsonl", {"id": "fault/limit", "title": "At the limit", "relations": at_limit}
    )
    (file_report,) = import_files(path).files
    assert file_report.ok and file_report.created == 1


# --- 6. a line break in an authority id, year 0: refused at input, and no page answers 500 ------------------


def test_year_zero_and_line_breaks_never_reach_a_page(import_files, tmp_path, client):
    path = _jsonl(
        tmp_path / "dates.jsonl",
        {"id": "fault/y0", "title": "Year 0", "date": "0000", "status": "published"},
        {"id": "fault/y1", "title": "Year 1", "date": "0001-03-01", "status": "published"},
        {
            "id": "fault/nl",
            "title": "A line break",
            "status": "published",
            "persons": [{"id": "rusk\ndean", "name": "Dean Rusk"}],
        },
        {
            "id": "fault/nl2",
            "title": "Another",
            "status": "published",
            "places": [{"name": "Hue", "parent": "a\rb"}],
        },
    )
    (file_report,) = import_files(path).files
    messages = sorted(str(p) for p in file_report.problems)
    assert len(messages) == 3, messages
    assert "record 'fault/y0', field 'date': impossible year 0" in messages[2]
    assert "field 'persons[0].id': 'rusk\\ndean' contains a line break" in messages[0]
    assert "field 'places[0].parent': 'a\\rb' contains a line break" in messages[1]
    client.raise_request_exception = False
    assert client.get("/years/1/").status_code == 200
    assert "Year 1" in client.get("/years/1/").content.decode()
    for url in ("/years/0/", "/years/00000/", "/years/10000/"):
        assert client.get(url).status_code == 404, url


# --- 5. a .json file is read one record at a time, not whole -----------------------------------------------


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
def test_json_array_items_agree_with_json_loads(monkeypatch, chunk):
    import io

    from readingroom.ingest import json_stream

    monkeypatch.setattr(json_stream, "CHUNK", chunk)
    value = [
        {
            "id": "1",
            "n": 12345678901234567890,
            "f": -1.5e-7,
            "s": 'a "quoted" ] , [ {',
            "t": [True, False, None],
        },
        [],
        {},
        "\u00e9t\u00e9 \U0001f600",
        1234567,
        [[1, [2, [3]]], {"a": {"b": "c"}}],
        0,
    ]
    for text in (json.dumps(value), json.dumps(value, indent=3), "\ufeff" + json.dumps(value)):
        got = list(json_stream.array_items(io.BytesIO(text.encode("utf-8"))))
        assert got == value


@pytest.mark.parametrize(
    "text, message",
    [
        (
            '[{"id": "1"},\n {"id": "2", }]',
            "is not valid JSON: Expecting property name enclosed in double quotes at line 2, column 14",
        ),
        ('[{"id": "1"}, {"id": "2"', "is not valid JSON: Expecting ',' delimiter at line 1, column 25"),
        ('[{"id": "1"} {"id": "2"}]', "is not valid JSON: expected ',' or ']' at line 1, column 14"),
        ('[{"id": "1"},', "is not valid JSON"),
        ('[{"id": "1"}] trailing', "text after the closing ']' at line 1, column 15"),
        ("[1, 2", "the list is not closed with ']'"),
    ],
)
def test_json_array_items_name_where_the_file_is_broken(monkeypatch, text, message):
    import io

    from readingroom.ingest import json_stream
    from readingroom.ingest.base import IngestError

    monkeypatch.setattr(json_stream, "CHUNK", 5)
    with pytest.raises(IngestError) as caught:
        list(json_stream.array_items(io.BytesIO(text.encode())))
    assert message in str(caught.value)


def _many_small_values(path: Path, records: int) -> Path:
    """Digital Archive records with a thousand small subjects each: the shape that cost most memory per byte."""
    base = json.loads((ROOT / "tests" / "data" / "da" / "114010.json").read_text(encoding="utf-8"))
    with open(path, "w", encoding="utf-8") as f:
        f.write("[")
        for i in range(records):
            doc = dict(base, id=str(500000 + i), uri=f"/srv/record/{500000 + i}.json", slug=f"doc-{i}")
            doc["subjects"] = [{"id": str(j), "name": f"Subject {j % 50}"} for j in range(1000)]
            f.write(("," if i else "") + json.dumps(doc, separators=(",", ":")))
        f.write("]")
    return path


def test_reading_a_json_file_holds_one_record_not_the_file(tmp_path):
    import tracemalloc

    from readingroom.ingest.base import RecordEntry, Source
    from readingroom.ingest.da_json import DigitalArchiveJsonImporter

    path = _many_small_values(tmp_path / "dump.json", 150)  # 5 MB; parsed whole it took 11 times that
    size = path.stat().st_size
    tracemalloc.start()
    try:
        records = sum(
            isinstance(e, RecordEntry) for e in DigitalArchiveJsonImporter().read(Source(path, size))
        )
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert records == 150
    assert peak < size, f"reading took {peak / size:.1f} times the file's size"


def test_a_json_list_imports_as_before(import_files, tmp_path):
    from readingroom.records.models import Record

    path = _many_small_values(tmp_path / "dump.json", 3)
    report = import_files(path)
    assert report.files[0].error is None and report.files[0].created == 3
    doc = Record.objects.get(id="500001").document
    assert len(doc["subjects"]) == 50 and doc["title"] == "Secret North Vietnam Politburo Cable No. 323"


def test_heavy_records_go_to_the_store_in_smaller_batches(import_files, tmp_path, monkeypatch):
    from readingroom.ingest import run
    from readingroom.records.store import RecordWriter

    sizes: list[int] = []
    original = RecordWriter.save_many

    def counting(self, records):
        sizes.append(len(records))
        return original(self, records)

    monkeypatch.setattr(RecordWriter, "save_many", counting)
    path = _many_small_values(tmp_path / "dump.json", 45)  # 1,000 subjects each: 20 a batch, not 500
    report = import_files(path)
    assert report.files[0].created == 45
    per_batch = run.BATCH_WEIGHT // 1000
    assert sizes == [per_batch, per_batch, 45 - 2 * per_batch]


def test_a_name_longer_than_the_database_takes_is_that_records_problem(import_files, tmp_path):
    from readingroom.records.models import Record

    path = _jsonl(
        tmp_path / "long.jsonl", {"id": "fault/long", "title": "T", "persons": [{"name": "R" * 1001}]}, GOOD
    )
    (file_report,) = import_files(path).files
    assert file_report.error is None
    assert "field 'persons[0].name': is 1001 characters long; at most 1000 fit" in str(
        file_report.problems[0]
    )
    assert list(Record.objects.values_list("id", flat=True)) == ["fault/ok"]


@pytest.mark.postgresql_only
def test_a_value_the_database_refuses_fails_that_file_only(import_files, tmp_path):
    from readingroom.records.models import Record

    refused = _jsonl(
        tmp_path / "role.jsonl",
        # A file's type longer than its column (100): the schema does not bound it, PostgreSQL refuses it.
        {
            "id": "fault/role",
            "title": "T",
            "media": [{"path": "fault/a.pdf", "mime_type": "application/" + "x" * 120}],
        },
    )
    fine = _jsonl(tmp_path / "fine.jsonl", GOOD)
    report = import_files(refused, fine)
    errors = {f.path.name: f.error for f in report.files}
    assert "the database refused it (DataError" in (errors["role.jsonl"] or "")
    assert "nothing from it was kept" in (errors["role.jsonl"] or "")
    assert errors["fine.jsonl"] is None
    assert list(Record.objects.values_list("id", flat=True)) == ["fault/ok"]


def test_check_names_what_input_refuses_now_but_an_older_archive_may_hold(archive, db):
    from readingroom.records.models import Authority

    Authority.objects.create(kind="person", key="rusk\ndean", name="Dean Rusk")
    Authority.objects.create(kind="person", key="rusk-dean", name="Dean Rusk")
    report = archive.check()
    assert not report.ok
    assert any(
        "line break or control character in their key (e.g. person 'rusk\\ndean')" in p
        for p in report.problems
    )
    Authority.objects.filter(key="rusk\ndean").delete()
    assert not any("control character" in p for p in archive.check().problems)


def test_a_forked_child_neither_holds_nor_releases_a_held_writer_lock(tmp_path):
    lock = locks.HeldFileLock(tmp_path / "writer.lock")
    assert lock.acquire()
    try:
        pid = os.fork()
        if pid == 0:
            code = 2
            try:
                lock.release()  # in the child: nothing to release, and the parent's lock stays
                code = 0 if not lock.held and str(lock.path) not in _open_files() else 3
            finally:
                os._exit(code)
        _pid, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert lock.held
        other = locks.HeldFileLock(lock.path)
        assert not other.acquire(wait=False)  # still the parent's
    finally:
        lock.release()
    assert other.acquire(wait=False)
    other.release()
