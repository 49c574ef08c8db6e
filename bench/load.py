"""Concurrent load: 32 clients for 60 s of mixed traffic against `readingroom serve`, while an import of 10,000
records and an editor's saves run, on an archive built as bench/reuse.py builds one.

    python bench/load.py                              # 100,000 records, 32 clients, 60 s
    python bench/load.py --records 20000 --seconds 30
    python bench/load.py --reuse                      # keep the archive an earlier run built (it grows by the
                                                      # import's records each run)

What it does, in order:
1. builds the archive (bench/reuse.py's build_archive) unless --reuse finds one;
2. starts `readingroom serve` (the production server, its default 2 workers) on it;
3. unloaded: asks each kind of request alone, one at a time, for p50 and p95;
4. loaded: 32 clients (asyncio, httpx, keep-alive) ask the mix below for --seconds, while `readingroom import`
   reads 10,000 new records and an editor (a process saving through the store, with a note, as the admin's
   editor does) changes a published record every half second.
Printed: per kind, requests, requests/s, p50 and p95 unloaded and loaded and the ratio of the p95s; 5xx and
transport errors; any response that says "database is locked"; the import's exit status, time and counts; the
editor's saves and failures; the machine. Goals (issue #14): zero 5xx, zero failed imports, "database is locked"
never reaches a user, record pages >= 300/s and search pages >= 100/s unloaded, p95 within 2x while importing.
Output and the archive go to bench/out/load-N/ (ignored by git).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("READINGROOM_RATE_LIMITS", "0")  # measure the server, not its limits

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import reuse  # noqa: E402 - bench/reuse.py: the archive as it builds it
import search as search_bench  # noqa: E402 - bench/search.py: material, query mix, percentiles, machine

# The mix: (kind, weight). Each kind's URLs are made by `urls_for`.
MIX = [
    ("search page + facets", 30),
    ("record page", 30),
    ("api search", 10),
    ("api record", 10),
    ("da api record", 5),
    ("oai ListRecords", 5),
    ("year page", 5),
    ("home", 5),
]

EDITOR = r"""
import os, random, sys, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readingroom.settings")
django.setup()
from django.contrib.auth import get_user_model
from readingroom.archive import Archive
ids, until = sys.argv[1].split(","), float(sys.argv[2])
editor = get_user_model().objects.get(username="bench-editor")
rng, saved, failed = random.Random(7), 0, 0
with Archive.from_environment() as archive:
    while time.time() < until:
        rid = rng.choice(ids)
        try:
            doc = archive.store.document(rid)
            doc["summary"] = f"Summary revised by the load test at {time.time():.3f}."
            archive.store.save(doc, actor=editor, note="load test: summary revised")
            saved += 1
        except Exception as e:
            failed += 1
            print(f"editor: {rid}: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        time.sleep(0.5)
print(f"{saved} {failed}")
"""


def rr(home: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "readingroom.cli", "--home", str(home), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        **kw,
    )


def sample(home: Path, n: int = 400) -> dict:
    """Public record ids, subjects with many records, and years with records, to make URLs from."""
    with sqlite3.connect(home / "readingroom.sqlite3") as db:
        ids = [
            r[0] for r in db.execute("SELECT id FROM records_record WHERE status = 'published' LIMIT 20000")
        ]
        subjects = [
            r[0]
            for r in db.execute(
                "SELECT a.name FROM records_authority a JOIN records_recordlink l ON l.authority_id = a.id "
                "WHERE a.kind = 'subject' GROUP BY a.id ORDER BY count(*) DESC LIMIT 10"
            )
        ]
        years = [
            r[0]
            for r in db.execute(
                "SELECT DISTINCT substr(date_earliest, 1, 4) FROM records_record "
                "WHERE status = 'published' AND date_earliest != '' LIMIT 200"
            )
        ]
    rng = random.Random(1968)
    return {
        "ids": rng.sample(ids, min(n, len(ids))),
        "subjects": subjects,
        "years": [y for y in years if y.isdigit()],
    }


def urls_for(kind: str, data: dict, terms: list[str], rng: random.Random) -> str:
    rid = urllib.parse.quote(rng.choice(data["ids"]), safe="/")
    term = rng.choice(terms)
    if kind == "search page + facets":
        params = {"q": term}
        if data["subjects"] and rng.random() < 0.5:
            params["subject"] = rng.choice(data["subjects"])
        return "/search/?" + urllib.parse.urlencode(params)
    if kind == "record page":
        return f"/records/{rid}/"
    if kind == "api search":
        return "/api/v1/search?" + urllib.parse.urlencode({"q": term})
    if kind == "api record":
        return f"/api/v1/records/{rid}"
    if kind == "da api record":
        return f"/srv/record/{rid}.json"
    if kind == "oai ListRecords":
        return "/oai?verb=ListRecords&metadataPrefix=oai_dc"
    if kind == "year page":
        return f"/years/{int(rng.choice(data['years']))}/"
    return "/"


class Tally:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.transport: dict[str, int] = defaultdict(int)
        self.locked: list[str] = []

    def add(self, kind: str, ms: float, status: int, body: bytes, url: str) -> None:
        self.times[kind].append(ms)
        self.status[kind][status] += 1
        if b"database is locked" in body:
            self.locked.append(url)


async def client(base: str, kinds, weights, data, terms, until: float, tally: Tally, seed: int) -> None:
    import httpx

    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        while time.monotonic() < until:
            kind = rng.choices(kinds, weights)[0]
            url = urls_for(kind, data, terms, rng)
            t0 = time.perf_counter()
            try:
                response = await http.get(url)
                tally.add(
                    kind, (time.perf_counter() - t0) * 1000, response.status_code, response.content, url
                )
            except httpx.HTTPError as e:
                tally.transport[kind] += 1
                print(f"  transport error on {url}: {type(e).__name__}: {e}", flush=True)


async def loaded(base: str, data: dict, terms: list[str], clients: int, seconds: float) -> Tally:
    tally = Tally()
    kinds, weights = zip(*MIX, strict=True)
    until = time.monotonic() + seconds
    await asyncio.gather(
        *(client(base, kinds, weights, data, terms, until, tally, seed) for seed in range(clients))
    )
    return tally


def unloaded(base: str, data: dict, terms: list[str], reps: int) -> dict[str, tuple[float, float]]:
    import httpx

    rng = random.Random(1)
    rows = {}
    with httpx.Client(base_url=base, timeout=60) as http:
        for kind, _weight in MIX:
            urls = [urls_for(kind, data, terms, rng) for _ in range(reps + 5)]
            for url in urls[:5]:
                http.get(url)  # warm
            samples = []
            for url in urls[5:]:
                t0 = time.perf_counter()
                r = http.get(url)
                samples.append((time.perf_counter() - t0) * 1000)
                if r.status_code >= 500:
                    print(f"  unloaded {kind}: {r.status_code} on {url}")
            rows[kind] = (search_bench.pct(samples, 50), search_bench.pct(samples, 95))
    return rows


def import_file(path: Path, n: int, material: dict, run: str) -> Path:
    with open(path, "w", encoding="utf-8") as f:
        for i, doc in enumerate(search_bench.generate(n, material, seed=int(time.time()))):
            doc["id"] = f"load-{run}/{i}"
            doc.pop("relations", None)  # to records of the built archive: fine, but not what this measures
            f.write(json.dumps(doc) + "\n")
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--import-records", type=int, default=10_000)
    ap.add_argument("--reps", type=int, default=60, help="unloaded requests per kind")
    ap.add_argument("--reuse", action="store_true", help="keep the archive an earlier run built")
    args = ap.parse_args()
    work = OUT / f"load-{args.records}"
    home = work / "home"
    os.environ["READINGROOM_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readingroom.settings")
    home.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    print(f"machine: {search_bench.machine()}", flush=True)
    material = search_bench.load_material()
    chosen = search_bench.choose_terms(material, args.records)
    terms = [chosen["rare"], chosen["common"], "treaty", '"united states"', "peace conference"]
    built = work / "built.json"
    if not (args.reuse and built.exists()):
        print(f"building {args.records:,} records ...", flush=True)
        built.write_text(json.dumps(reuse.build_archive(home, args.records, material)))
    result = rr(
        home, "createuser", "bench-editor", "--role", "editor", "--password-stdin", input="load-test-pw\n"
    )
    if result.returncode != 0 and "already exists" not in result.stderr:
        raise SystemExit(f"bench: createuser: {result.stderr}")
    data = sample(home)
    port = search_bench.free_port()
    log = open(work / "serve.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "readingroom.cli", "--home", str(home), "serve", "--port", str(port)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        search_bench.wait_http(base + "/", 600)
        print("unloaded ...", flush=True)
        quiet = unloaded(base, data, terms, args.reps)

        run = time.strftime("%Y%m%d%H%M%S")
        path = import_file(work / f"import-{run}.jsonl", args.import_records, material, run)
        print(
            f"loaded: {args.clients} clients for {args.seconds:.0f} s, importing {path.name} ...", flush=True
        )
        t_import = time.monotonic()
        importer = subprocess.Popen(
            [sys.executable, "-m", "readingroom.cli", "--home", str(home), "import", "--quiet", str(path)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        editor = subprocess.Popen(
            [sys.executable, "-c", EDITOR, ",".join(data["ids"][:50]), str(time.time() + args.seconds)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        t0 = time.monotonic()
        tally = asyncio.run(loaded(base, data, terms, args.clients, args.seconds))
        elapsed = time.monotonic() - t0
        out, err = importer.communicate(timeout=3600)
        import_seconds = time.monotonic() - t_import
        e_out, e_err = editor.communicate(timeout=120)
    finally:
        server.terminate()
        server.wait(60)
        log.close()

    saved, failed = (int(x) for x in (e_out.split() or ["0", "0"])[:2])
    print()
    print(
        f"## Load: {args.clients} clients for {elapsed:.0f} s at {args.records:,} records (+ import of "
        f"{args.import_records:,}), `readingroom serve` (gunicorn, 2 workers), tantivy, SQLite"
    )
    print(f"machine: {search_bench.machine()}")
    print()
    print(
        "| kind | requests | req/s | unloaded p50 / p95 ms | loaded p50 / p95 ms | p95 loaded / unloaded | 5xx |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    total = errors = 0
    for kind, _w in MIX:
        times = tally.times.get(kind, [])
        if not times:
            continue
        fives = sum(n for s, n in tally.status[kind].items() if s >= 500)
        errors += fives + tally.transport[kind]
        total += len(times)
        p50, p95 = search_bench.pct(times, 50), search_bench.pct(times, 95)
        q50, q95 = quiet[kind]
        print(
            f"| {kind} | {len(times):,} | {len(times) / elapsed:,.1f} | {q50:,.1f} / {q95:,.1f} | "
            f"{p50:,.1f} / {p95:,.1f} | {p95 / q95:.1f}x | {fives} |"
        )
    print(f"| all | {total:,} | {total / elapsed:,.1f} | | | | {errors} |")
    print()
    others = {s: n for kind in tally.status for s, n in tally.status[kind].items() if s != 200}
    print(f"statuses other than 200: {others or 'none'}; transport errors: {sum(tally.transport.values())}")
    print(
        f"'database is locked' in a response: {len(tally.locked)}"
        + (f" (e.g. {tally.locked[0]})" if tally.locked else "")
    )
    print(
        f"import: exit {importer.returncode} in {import_seconds:,.1f} s; {err.strip().splitlines()[-1] if err.strip() else out.strip()}"
    )
    print(
        f"editor: {saved} saves, {failed} failed"
        + (f"; {e_err.strip().splitlines()[-1]}" if e_err.strip() else "")
    )
    print(f"\ncommand: python bench/load.py {' '.join(sys.argv[1:])}")
    ok = errors == 0 and not tally.locked and importer.returncode == 0 and failed == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
