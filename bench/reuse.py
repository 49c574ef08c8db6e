"""Speed of the surfaces for reuse (the JSON API; others add theirs), over HTTP against `readingroom serve`'s
gunicorn on an archive built as bench/search.py builds one (its material, records and query mix).

    python bench/reuse.py                    # 100,000 records
    python bench/reuse.py --records 20000 --reps 30
    python bench/reuse.py --reuse            # keep the archive built by an earlier run

The store is written through the store's own writer (full documents with their texts, authority links and
relations, as an import writes them) and indexed by `reindex`, so a record is served as deployed. Each figure is a
function taking the server's base URL and returning rows; `main` builds the archive, starts the server once and
prints every figure with the machine.

Figures:
- api_search_vs_page: p50/p95 of /api/v1/search and of the /search/ page for the same queries (bench/search.py's
  mix), and the API's p95 as a share of the page's (the goal: within 10 %).
- api_record: p50/p95 of /api/v1/records/<id> over random public records (the goal: p95 within 20 ms), with
  the record page beside it.
Output and the archive go to bench/out/reuse-N/ (ignored by git).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import time
import urllib.parse
from pathlib import Path

# Rate limits would throttle the benchmark's own requests: measure the server, not its limits.
os.environ.setdefault("READINGROOM_RATE_LIMITS", "0")

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import search as search_bench  # noqa: E402 - bench/search.py: material, records, query mix, timing, server
from archives import build_archive  # noqa: E402 - bench/archives.py: the archive the HTTP benches serve

# -- figures -------------------------------------------------------------------------------------------------------


def api_search_vs_page(base: str, mix, reps: int) -> list[dict]:
    """The page and the API asked in turns, request by request, so that whatever else the machine does weighs
    on both alike (measured one after the other, a busy minute made the API look 37 % slower)."""
    import httpx

    rows = []
    with httpx.Client(timeout=600) as client:
        for label, params in mix:
            query = "?" + urllib.parse.urlencode(params)
            urls = {"page": base + "/search/" + query, "api": base + "/api/v1/search" + query}
            samples: dict[str, list[float]] = {"page": [], "api": []}
            for _ in range(6):  # both workers open their reader and warm what they keep per index generation
                for url in urls.values():
                    client.get(url).raise_for_status()
            for _ in range(reps):
                for what, url in urls.items():
                    t0 = time.perf_counter()
                    client.get(url).raise_for_status()
                    samples[what].append((time.perf_counter() - t0) * 1000)
            row = {"query": label}
            for what, times in samples.items():
                row[what] = (search_bench.pct(times, 50), search_bench.pct(times, 95))
            row["share"] = row["api"][1] / row["page"][1]
            rows.append(row)
            print(
                f"  {label:26} page {row['page'][0]:6.1f} / {row['page'][1]:6.1f} ms   "
                f"api {row['api'][0]:6.1f} / {row['api'][1]:6.1f} ms   {row['share']:.0%}   {query[:50]}",
                flush=True,
            )
    return rows


def api_record(base: str, ids: list[str], reps: int) -> list[dict]:
    import httpx

    rows = []
    with httpx.Client(timeout=60) as client:
        for label, path in (("/api/v1/records/<id>", "/api/v1/records/{}"), ("record page", "/records/{}/")):
            for record_id in ids[:10]:  # warm both workers
                client.get(base + path.format(record_id))
            samples = []
            for _ in range(reps):
                for record_id in ids:
                    t0 = time.perf_counter()
                    r = client.get(base + path.format(record_id))
                    samples.append((time.perf_counter() - t0) * 1000)
                    r.raise_for_status()
            rows.append(
                {
                    "what": label,
                    "requests": len(samples),
                    "p50": search_bench.pct(samples, 50),
                    "p95": search_bench.pct(samples, 95),
                }
            )
            print(
                f"  HTTP {label:22} {rows[-1]['p50']:8.1f} / {rows[-1]['p95']:8.1f} ms over {len(samples)} "
                f"requests",
                flush=True,
            )
    return rows


FIGURES = ("api_search_vs_page", "api_record")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument(
        "--reps", type=int, default=20, help="timed repetitions per query; rounds over the records"
    )
    ap.add_argument("--sample", type=int, default=200, help="records asked for by api_record")
    ap.add_argument("--reuse", action="store_true", help="keep the archive an earlier run built")
    args = ap.parse_args()
    work = OUT / f"reuse-{args.records}"
    home = work / "home"
    os.environ["READINGROOM_HOME"] = str(home)
    os.environ["READINGROOM_SEARCH_FACET_CACHE"] = (
        "0"  # figures for a search nobody made before, as bench/search.py
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readingroom.settings")
    home.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    print(f"machine: {search_bench.machine()}")
    print(f"versions: {search_bench.versions(None)}")
    material = search_bench.load_material()
    mix = search_bench.query_mix(search_bench.choose_terms(material, args.records))
    built = work / "built.json"
    if not (args.reuse and built.exists()):
        built.write_text(json.dumps(build_archive(home, args.records, material)))
    with sqlite3.connect(home / "readingroom.sqlite3") as db:
        ids = [row[0] for row in db.execute("SELECT id FROM records_record WHERE status = 'published'")]
    ids = random.Random(1968).sample(ids, min(args.sample, len(ids)))
    server = search_bench.Gunicorn(
        home, {"READINGROOM_SEARCH_BACKEND": "tantivy", "READINGROOM_SEARCH_FACET_CACHE": "0"}
    )
    try:
        search_rows = api_search_vs_page(server.base, mix, args.reps)
        record_rows = api_record(server.base, ids, max(1, args.reps // 10))
    finally:
        server.stop()
    report = {
        "records": args.records,
        "machine": search_bench.machine(),
        "search": search_rows,
        "record": record_rows,
    }
    (work / "report.json").write_text(json.dumps(report, indent=1))
    print()
    print(f"## Reuse at {args.records:,} records, over HTTP (gunicorn, 2 workers), tantivy — p50 / p95 in ms")
    print(f"machine: {search_bench.machine()}")
    print(f"versions: {search_bench.versions(None)}")
    print()
    print("| query | /search/ page | /api/v1/search | API p95 / page p95 |")
    print("|---|---:|---:|---:|")
    for row in search_rows:
        print(
            f"| {row['query']} | {search_bench.fmt(row['page'])} | {search_bench.fmt(row['api'])} | "
            f"{row['share']:.0%} |"
        )
    print()
    print("| record | p50 | p95 |")
    print("|---|---:|---:|")
    for row in record_rows:
        print(f"| {row['what']} ({row['requests']} requests) | {row['p50']:,.1f} | {row['p95']:,.1f} |")
    url = urllib.parse.quote(" ".join(sys.argv[1:]))
    print(f"\ncommand: python bench/reuse.py {urllib.parse.unquote(url)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
