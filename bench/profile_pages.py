"""Where a page's time goes, in one process without HTTP: Django's test client against an archive's home,
each page timed (wall and CPU) on its first request and again, and cProfile's top functions of the first.

    READINGROOM_HOME=/tmp/copy-of-home python bench/profile_pages.py             # the default pages
    READINGROOM_HOME=/tmp/copy-of-home python bench/profile_pages.py / /years/1967/ --top 30

Run it on a COPY of an archive (bench/out/pages-100000/home copied to /tmp): a page may write (the kept-page cache,
the throttle's folder). CPU time (time.process_time) moves less with the machine's load than wall time does.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sqlite3
import sys
import time
from pathlib import Path

os.environ.setdefault("READINGROOM_RATE_LIMITS", "0")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readingroom.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


HEADERS = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}  # as a browser asks: pages go compressed


def default_pages(home: Path) -> list[str]:
    with sqlite3.connect(home / "readingroom.sqlite3") as con:
        rid = con.execute(
            "SELECT id FROM records_record WHERE id LIKE 'bench/%' AND status = 'published' "
            "AND embargo_until IS NULL ORDER BY id LIMIT 1 OFFSET 4321"
        ).fetchone()[0]
        year = con.execute(
            "SELECT substr(date_earliest, 1, 4) y FROM records_record WHERE status = 'published' "
            "AND date_earliest != '' GROUP BY y ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()[0]
    return [
        "/",
        f"/years/{int(year)}/",
        "/oai?verb=ListRecords&metadataPrefix=oai_dc",
        "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc",
        f"/records/{rid}/",
        "/search/?q=negotiations",
        "/search/?q=embassy&subject=Agriculture",
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--top", type=int, default=18, help="functions printed per page, by cumulative time")
    ap.add_argument("--again", type=int, default=5, help="requests after the first, for the repeat time")
    ap.add_argument("--no-profile", action="store_true")
    args = ap.parse_args()
    home = Path(os.environ["READINGROOM_HOME"])
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    client = Client()
    client.get("/healthz")  # the app and the archive loaded
    paths = args.paths or default_pages(home)
    rows = []
    for path in paths:
        profiler = cProfile.Profile()
        queries: list[tuple[float, str]] = []

        def timed(execute, sql, params, many, context, queries=queries):
            t0 = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append(((time.perf_counter() - t0) * 1000, sql))

        w0, c0 = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(timed):
            if not args.no_profile:
                profiler.enable()
            r = client.get(path, **HEADERS)
            if not args.no_profile:
                profiler.disable()
        first = ((time.perf_counter() - w0) * 1000, (time.process_time() - c0) * 1000)
        again = []
        for _ in range(args.again):
            w0, c0 = time.perf_counter(), time.process_time()
            client.get(path, **HEADERS)
            again.append(((time.perf_counter() - w0) * 1000, (time.process_time() - c0) * 1000))
        again.sort()
        mid = again[len(again) // 2] if again else (float("nan"), float("nan"))
        rows.append((path, r.status_code, first, mid))
        if not args.no_profile:
            out = io.StringIO()
            # Our code and the libraries doing the work, not Django's middleware chain.
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(
                r"readingroom/(?!web/access|web/middleware|web/errors|accounts/middleware|api/http)|citeproc|"
                r"tantivy|sqlite3/base.py:\d+\(execute\)|template/base.py:\d+\(render\)",
                args.top,
            )
            print(f"\n===== {path}  ({r.status_code}) first {first[0]:.1f} ms wall, {first[1]:.1f} ms CPU")
            print(f"{len(queries)} queries, {sum(q[0] for q in queries):.1f} ms; the slowest:")
            for ms, sql in sorted(queries, reverse=True)[:4]:
                print(f"  {ms:8.1f} ms  {sql[:400]}")
            print("\n".join(line[:200] for line in out.getvalue().splitlines()[8:] if line.strip()))
    print(f"\nload average {os.getloadavg()[0]:.2f} (1 min)")
    print("| page | status | first: wall / CPU ms | again (median of --again): wall / CPU ms |")
    print("|---|---|---:|---:|")
    for path, status, first, mid in rows:
        print(f"| {path} | {status} | {first[0]:.1f} / {first[1]:.1f} | {mid[0]:.1f} / {mid[1]:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
