"""OAI-PMH at scale: does page 9,000 cost what page 1 costs, and how fast is a whole harvest?

    python bench/oai.py                       # 1,000,000 records
    python bench/oai.py --records 100000      # smaller
    python bench/oai.py --reuse               # keep the archive built in bench/out/oai-N/
    python bench/oai.py --reuse --pages-only  # single pages only

Builds an archive of N records by a bulk insert into its SQLite store (as bench/search.py's build_store does):
documents made from the same real material as bench/search.py (seed page, FRUS, frus-history, State of the
Union), each normalized by records/schema.py, with one paragraph of text each; 1% withdrawn, 0.5% drafts, 0.5%
under embargo; records stamped in batches of 500 sharing one `updated` time (as an import writes them), so
cursors cross ties; each record linked to its collection (sets). No ANALYZE is run, as on a deployed archive.

Then, through the /oai view in this process (Django's test client, no HTTP server):
- ListRecords (oai_dc, mods) and ListIdentifiers: the first page, and the page after record 900,000 (N * 0.9),
  whose resumption token is made for that position (a token is a cursor: the last datestamp and id);
- for contrast, the same page by OFFSET, as an offset token would fetch it, and the count completeListSize
  would need on every first page;
- a whole harvest (ListRecords oai_dc, following the tokens) against `readingroom export --format jsonl` of
  the same archive: records a second each.
Page size is READINGROOM_OAI_PAGE_SIZE's default, 100. Output and working files go to bench/out/oai-N/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

# Rate limits would throttle the benchmark's own requests: measure the server, not its limits.
os.environ.setdefault("READINGROOM_RATE_LIMITS", "0")

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
OAI = "{http://www.openarchives.org/OAI/2.0/}"
TOKEN = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")
BATCH = 500  # records sharing one `updated` time, as one save_many batch of an import


def bench_search():
    spec = importlib.util.spec_from_file_location("bench_search", ROOT / "bench" / "search.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    import django
    from lxml import etree

    return (
        f"{cpu}, {os.cpu_count()} cores, {mem / 1024 / 1024:.0f} GiB RAM, {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"Django {django.__version__}, lxml {etree.__version__}"
    )


# -- the archive ----------------------------------------------------------------------------------------------


def templates(count: int) -> list[dict]:
    """`count` canonical documents (records/schema.py) from bench/search.py's generator, one paragraph of text
    each: the records are these, repeated under other ids."""
    from readingroom.records.schema import normalize_record

    search = bench_search()
    out = []
    for doc in search.generate(count, search.load_material()):
        doc["texts"][0]["html"] = doc["texts"][0]["html"].split("\n")[0]
        out.append(normalize_record(doc))
    return out


def build(home: Path, n: int) -> None:
    from readingroom.archive import Archive
    from readingroom.records.schema import canonical_json, content_hash

    Archive.from_environment().init()
    docs = templates(2000)
    db = sqlite3.connect(home / "readingroom.sqlite3")
    db.execute("PRAGMA synchronous=OFF")
    for table in ("records_recordlink", "records_record", "records_authority"):
        db.execute(f"DELETE FROM {table}")
    # Collections (the sets), parents first.
    collections: dict[str, int] = {}
    for doc in docs:
        for ref in doc["collections"]:
            for key, name, parent in (
                (ref["parent"], ref["parent"], None),
                (ref["id"], ref["name"], ref["parent"]),
            ):
                if key and key not in collections:
                    cursor = db.execute(
                        "INSERT INTO records_authority (kind, key, name, parent_id, position, data) "
                        "VALUES ('collection', ?, ?, ?, 0, '{}')",
                        (key, name, collections.get(parent)),
                    )
                    collections[key] = cursor.lastrowid
    from django.db import connection

    adapt = connection.ops.adapt_datetimefield_value
    rng = random.Random(1968)
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    insert = (
        "INSERT INTO records_record (id, status, embargo_until, title, summary, date_text, date_edtf, "
        "date_earliest, date_latest, date_precision, date_certainty, document, content_hash, created, "
        "updated, first_published) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
    )
    link = "INSERT INTO records_recordlink (record_id, authority_id, role, position) VALUES (?, ?, 'collection', 0)"
    rows, links = [], []
    t0 = time.perf_counter()
    for i in range(n):
        doc = dict(docs[i % len(docs)])
        doc["id"] = f"bench/{i:07d}"
        roll = rng.random()
        doc["status"] = "withdrawn" if roll < 0.01 else "draft" if roll < 0.015 else "published"
        doc["embargo_until"] = "2999-01-01" if 0.015 <= roll < 0.02 else None
        text = canonical_json(doc)
        # One `updated` per batch, to the microsecond, as an import stamps it: cursors cross ties. Written as
        # Django writes it (SQLite compares the text: "...:00" and "...:00.000000" are not equal).
        stamp = adapt(start + dt.timedelta(seconds=i // BATCH, microseconds=(i // BATCH) % 997))
        rows.append(
            (
                doc["id"],
                doc["status"],
                doc["embargo_until"],
                doc["title"],
                doc["summary"] or "",
                doc["date_text"] or "",
                doc["date"] or "",
                doc["date_earliest"] or "",
                doc["date_latest"] or "",
                doc["date_precision"],
                doc["date_certainty"],
                text,
                content_hash(doc, text),
                stamp,
                stamp,
                stamp if doc["status"] != "draft" else None,
            )
        )
        links.append((doc["id"], collections[doc["collections"][0]["id"]]))
        if len(rows) >= 20_000:
            db.executemany(insert, rows)
            db.executemany(link, links)
            rows, links = [], []
            print(f"\r  inserted {i + 1:,} records", end="", flush=True)
    db.executemany(insert, rows)
    db.executemany(link, links)
    db.commit()
    db.close()
    print(f"\r  {n:,} records inserted in {time.perf_counter() - t0:,.0f} s")


# -- measuring ------------------------------------------------------------------------------------------------


def timed(fn, reps: int) -> tuple[float, object]:
    """Median milliseconds of `reps` calls, and the last result."""
    times, result = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


def request(client, **params) -> bytes:
    response = client.get("/oai", params)
    assert response.status_code == 200, response.status_code
    if b"<error" in response.content:
        raise RuntimeError(response.content[:500].decode())
    return response.content


def token_after(position: int, verb: str, prefix: str) -> str:
    """The resumption token a harvest holds after `position` records: the last record's datestamp and id."""
    from readingroom.oai import tokens
    from readingroom.records import harvest

    last = harvest.page_query()[position - 1 : position].get()  # found once, by OFFSET, outside the timing
    return tokens.encode(
        tokens.ListToken(
            verb=verb, metadata_prefix=prefix, after=tokens.Position(last.updated, last.id), cursor=position
        )
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=7, help="timed repetitions of each single page")
    ap.add_argument("--reuse", action="store_true", help="keep the archive built in bench/out/oai-N/")
    ap.add_argument(
        "--pages-only", action="store_true", help="time single pages; no whole harvest, no export"
    )
    args = ap.parse_args()
    work = OUT / f"oai-{args.records}"
    home = work / "home"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["READINGROOM_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readingroom.settings")
    import django

    django.setup()
    from django.test import Client

    from readingroom.records import harvest
    from readingroom.records.models import Record

    report: dict = {"records": args.records, "machine": machine()}
    print(f"machine: {report['machine']}")
    print(f"records: {args.records:,}; working folder {work}")
    marker = work / "built"
    if not (args.reuse and marker.exists()):
        build(home, args.records)
        marker.touch()
    client = Client()
    deep = int(args.records * 0.9)
    print(f"\nsingle pages of 100, median of {args.reps} (ms):")
    rows = []
    for verb, prefix in (("ListRecords", "oai_dc"), ("ListRecords", "mods"), ("ListIdentifiers", "oai_dc")):
        first, _ = timed(lambda v=verb, p=prefix: request(client, verb=v, metadataPrefix=p), args.reps)
        token = token_after(deep, verb, prefix)
        later, body = timed(lambda v=verb, t=token: request(client, verb=v, resumptionToken=t), args.reps)
        assert body.count(b"<header") == 100
        rows.append({"verb": verb, "prefix": prefix, "page 1": first, f"after {deep:,}": later})
        print(f"  {verb} {prefix:7} page 1: {first:7.1f}    after record {deep:,}: {later:7.1f}")
    report["pages"] = rows
    offset, _ = timed(lambda: list(harvest.page_query()[deep : deep + 100]), 3)
    count, total = timed(lambda: harvest.candidates().count(), 3)
    print(
        f"  for contrast: the same page by OFFSET {deep:,}: {offset:,.1f} ms; counting the list for "
        f"completeListSize: {count:,.1f} ms ({total:,} records)"
    )
    report.update(offset_ms=offset, count_ms=count, harvestable=total)

    if args.pages_only:
        return 0
    print("\nwhole harvest (ListRecords oai_dc, following the tokens) vs export --format jsonl:", flush=True)
    t0, harvested, pages = time.perf_counter(), 0, 0
    params: dict = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    while True:
        body = request(client, **params)
        pages += 1
        harvested += body.count(b"<header")
        token = TOKEN.search(body)
        if token is None:  # no token, or the empty one closing the list
            break
        params = {"verb": "ListRecords", "resumptionToken": token.group(1).decode()}
        if pages % 500 == 0:
            rate = harvested / (time.perf_counter() - t0)
            print(f"\r  {harvested:,} records, {rate:,.0f}/s", end="", flush=True)
    seconds = time.perf_counter() - t0
    assert harvested == total, (harvested, total)
    print(
        f"\r  OAI-PMH: {harvested:,} records in {pages:,} responses, {seconds:,.0f} s: {harvested / seconds:,.0f} "
        f"records/s"
    )
    out = work / "export.jsonl"
    t0 = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "readingroom.cli",
            "--home",
            str(home),
            "export",
            "--format",
            "jsonl",
            "--quiet",
            "-o",
            str(out),
        ],
        check=True,
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    export_seconds = time.perf_counter() - t0
    exported = Record.objects.count()
    out.unlink()
    print(
        f"  export --format jsonl: {exported:,} records in {export_seconds:,.0f} s: "
        f"{exported / export_seconds:,.0f} records/s"
    )
    report["harvest"] = {"records": harvested, "responses": pages, "seconds": seconds}
    report["export"] = {"records": exported, "seconds": export_seconds}
    (work / "results.json").write_text(json.dumps(report, indent=1))
    print(f"\nresults: {work / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
