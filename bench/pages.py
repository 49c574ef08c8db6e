"""Page speed (issue #13): record pages beside the search page, over HTTP against gunicorn with `readingroom
serve`'s default workers, on bench/archives.py's archive of N records plus the demo corpus (the seed, FRUS 1964-68
vol. VII, the frus-history documents, the State of the Union addresses) imported as a user imports them.

    python bench/pages.py                        # 100,000 records
    python bench/pages.py --records 10000 --reps 30
    python bench/pages.py --reuse                # keep the archive built by an earlier run

The goal: record pages (the seed, a FRUS document, the longest frus-history transcript) p95 <= 20 ms server time,
and >= 300 record pages/s, measured side by side with the search page in one run.

Figures:
- latency: each page asked in turns, one request at a time, p50/p95 over --reps rounds after two warming rounds,
  as the client sees them and as gunicorn logs them (server time: from reading the request to writing the
  response; bench/out/pages-N/access.log). "first visit" is the first request of each
  page on a fresh server (nothing cached in the worker that answered).
- a sample of --sample random synthetic records, each asked once on the fresh server (first visits) and then again:
  the spread of record pages beyond the three named ones.
- throughput: --clients concurrent clients asking for the three record pages in turns for --seconds, then for
  the sample's pages, then for the search page; pages answered per second. The clients run on the same cores.
- the machine's load average before and after: the machine may be shared, and the figures move with it.
Output and the archive go to bench/out/pages-N/ (ignored by git).
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import random
import shutil
import sqlite3
import sys
import threading
import time
from pathlib import Path

# Rate limits would throttle the benchmark's own requests: measure the server, not its limits.
os.environ.setdefault("READINGROOM_RATE_LIMITS", "0")

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import search as search_bench  # noqa: E402 - bench/search.py: material, timing, the server, the machine
from archives import build_archive  # noqa: E402 - bench/archives.py: the archive the HTTP benches serve

SEARCH_QUERY = "/search/?q=negotiations"


def import_demo(home: Path) -> None:
    """The demo corpus into the built archive, through the importer."""
    from readingroom import demo
    from readingroom.archive import Archive

    archive = Archive.from_environment()
    t0 = time.perf_counter()
    report = archive.import_paths(demo.demo_paths())
    archive.close()
    failed = [f"{f.path}: {f.error}" for f in report.files if f.error]
    if failed:
        raise SystemExit("the demo corpus did not import: " + "; ".join(failed))
    print(
        f"  demo corpus: {report.total('created')} records in {time.perf_counter() - t0:,.1f} s", flush=True
    )


def named_pages(db: Path) -> dict[str, str]:
    """The issue's three record pages: the seed, a FRUS document, the longest frus-history transcript."""
    with sqlite3.connect(db) as con:
        seed = con.execute(
            "SELECT id FROM records_record WHERE id LIKE '%politburo-cable-no-323' AND status = 'published'"
        ).fetchone()
        frus = con.execute("SELECT id FROM records_record WHERE id = 'frus1964-68v07/d74'").fetchone()
        longest = con.execute(
            "SELECT id FROM records_record WHERE id LIKE 'frus-history/%' AND status = 'published' "
            "ORDER BY length(document) DESC LIMIT 1"
        ).fetchone()
    if not (seed and frus and longest):
        raise SystemExit(f"the demo corpus is missing from {db}: run without --reuse to build it again")
    return {
        "seed": f"/records/{seed[0]}/",
        "FRUS document": f"/records/{frus[0]}/",
        "longest frus-history": f"/records/{longest[0]}/",
    }


def other_pages(db: Path) -> dict[str, str]:
    """Pages beside the record pages that once cost most at 100,000 records: the home page (counts), the busiest
    year's page and an OAI-PMH list page."""
    with sqlite3.connect(db) as con:
        year = con.execute(
            "SELECT substr(date_earliest, 1, 4) y FROM records_record WHERE status = 'published' "
            "AND date_earliest != '' GROUP BY y ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
    pages = {"home page": "/", "OAI ListRecords": "/oai?verb=ListRecords&metadataPrefix=oai_dc"}
    if year:
        pages["busiest year page"] = f"/years/{int(year[0])}/"
    return pages


def server_times(log: Path, start: int) -> dict[str, list[float]]:
    """Server time in ms by path, from the access log's lines after byte `start` (gunicorn's %(U)s %(D)s: from
    reading the request to writing the response, in the worker)."""
    times: dict[str, list[float]] = {}
    with open(log, "rb") as f:
        f.seek(start)
        for line in f.read().decode().splitlines():
            path, _, micros = line.rpartition(" ")
            if path and micros.isdigit():
                times.setdefault(path, []).append(int(micros) / 1000)
    return times


def latency(client, base: str, pages: dict[str, str], reps: int, log: Path) -> dict[str, dict]:
    """Every page asked in turns, so that whatever else the machine does weighs on all alike. p50/p95 as the
    client sees them and as the server logs them."""
    first = {}
    for label, path in pages.items():
        t0 = time.perf_counter()
        client.get(base + path).raise_for_status()
        first[label] = (time.perf_counter() - t0) * 1000
    for _ in range(2):  # both workers warm
        for path in pages.values():
            client.get(base + path).raise_for_status()
    samples: dict[str, list[float]] = {label: [] for label in pages}
    time.sleep(0.5)  # the warming requests' log lines written
    start = log.stat().st_size
    for _ in range(reps):
        for label, path in pages.items():
            t0 = time.perf_counter()
            client.get(base + path).raise_for_status()
            samples[label].append((time.perf_counter() - t0) * 1000)
    time.sleep(0.5)
    logged = server_times(log, start)
    out = {}
    for label, times in samples.items():
        server = logged.get(pages[label].split("?")[0]) or [float("nan")]
        out[label] = {
            "first": first[label],
            "p50": search_bench.pct(times, 50),
            "p95": search_bench.pct(times, 95),
            "server_p50": search_bench.pct(server, 50),
            "server_p95": search_bench.pct(server, 95),
            "requests": len(times),
        }
    return out


def sample_pages(client, base: str, paths: list[str]) -> dict:
    """Each record of the sample asked once on a fresh server (first visits), then once more."""
    rounds = []
    for _ in range(2):
        times = []
        for path in paths:
            t0 = time.perf_counter()
            client.get(base + path).raise_for_status()
            times.append((time.perf_counter() - t0) * 1000)
        rounds.append(times)
    return {
        "records": len(paths),
        "first": (search_bench.pct(rounds[0], 50), search_bench.pct(rounds[0], 95)),
        "again": (search_bench.pct(rounds[1], 50), search_bench.pct(rounds[1], 95)),
    }


def server_cpu_seconds(master: int) -> float:
    """CPU seconds (user + system) the gunicorn master and its workers have used so far, from /proc: what a page
    costs the server whatever else the machine does (a loaded machine stretches wall time, not CPU time)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == master or ppid == master:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


LAST_RUN: dict[str, float] = {}  # the latest throughput run's requests and server CPU seconds


WRK_SCRIPT = """
paths = {%s}
i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], {["Accept-Encoding"] = "gzip"})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d\\n", summary.requests, e.status + e.connect + e.read + e.write + e.timeout,
    summary.duration))
end
"""


def wrk_throughput(base: str, paths: list[str], clients: int, seconds: float, master: int = 0) -> float:
    """Pages answered per second by wrk (Debian's HTTP load generator, in C: its CPU per request is a small part
    of a Python client's, so more of the two cores go to the server), `clients` connections asking for `paths`
    in turns, as a browser asks (gzip)."""
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
        script.flush()
        cpu0 = server_cpu_seconds(master) if master else 0.0
        done = subprocess.run(
            ["wrk", "-t1", f"-c{clients}", f"-d{seconds:g}s", "-s", script.name, base],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
        cpu = server_cpu_seconds(master) - cpu0 if master else 0.0
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"throughput: wrk failed: {done.stdout[-500:]}{done.stderr[-500:]}")
    requests, errors, micros = (int(x) for x in line.split()[1:])
    if errors:
        raise SystemExit(f"throughput: {errors} of {requests} requests failed or answered an error")
    if master:
        LAST_RUN.update(requests=requests, cpu=cpu)
    return requests / (micros / 1e6)


def throughput(base: str, paths: list[str], clients: int, seconds: float, master: int = 0) -> float:
    """Pages answered per second by `clients` threads asking for `paths` in turns. With the server's `master`
    pid, the server CPU time per page goes to LAST_RUN."""
    import httpx

    done = [0] * clients
    errors: list[str] = []
    stop = time.monotonic() + seconds

    def run(n: int) -> None:
        with httpx.Client(timeout=60) as client:
            i = n
            while time.monotonic() < stop:
                r = client.get(base + paths[i % len(paths)])
                if r.status_code != 200:
                    errors.append(f"{paths[i % len(paths)]}: {r.status_code}")
                    return
                done[n] += 1
                i += 1

    threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
    cpu0 = server_cpu_seconds(master) if master else 0.0
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise SystemExit("throughput: " + "; ".join(errors[:3]))
    if master:
        LAST_RUN.update(requests=sum(done), cpu=server_cpu_seconds(master) - cpu0)
    return sum(done) / elapsed


def timed_throughput(figures: dict, name: str, base: str, paths: list[str], args, master: int) -> None:
    """figures[name]: pages per second; figures[name + "_cpu_ms"]: server CPU ms per page."""
    measure = wrk_throughput if args.client == "wrk" else throughput
    figures[name] = measure(base, paths, args.clients, args.seconds, master)
    figures[name + "_cpu_ms"] = 1000 * LAST_RUN["cpu"] / max(1, LAST_RUN["requests"])


def load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--reps", type=int, default=40, help="timed rounds over the named pages")
    ap.add_argument("--sample", type=int, default=200, help="random synthetic record pages")
    ap.add_argument("--clients", type=int, default=4, help="concurrent clients for the throughput figure")
    ap.add_argument(
        "--client",
        choices=("wrk", "python"),
        default="wrk" if shutil.which("wrk") else "python",
        help="the throughput figure's load generator: wrk (apt-get install wrk; the default when installed) or "
        "Python threads (httpx), which take a larger share of the same two cores",
    )
    ap.add_argument("--seconds", type=float, default=10, help="length of each throughput run")
    ap.add_argument("--reuse", action="store_true", help="keep the archive an earlier run built")
    args = ap.parse_args()
    from readingroom import server

    workers = inspect.signature(server.serve).parameters["workers"].default  # what `readingroom serve` runs
    work = OUT / f"pages-{args.records}"
    home = work / "home"
    os.environ["READINGROOM_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readingroom.settings")
    home.mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    print(f"machine: {search_bench.machine()}; {load()}")
    built = work / "built.json"
    if not (args.reuse and built.exists()):
        material = search_bench.load_material()
        facts = build_archive(home, args.records, material)
        import_demo(home)
        built.write_text(json.dumps(facts))
    db = home / "readingroom.sqlite3"
    pages = named_pages(db)
    with sqlite3.connect(db) as con:
        ids = [r[0] for r in con.execute("SELECT id FROM records_record WHERE id LIKE 'bench/%'")]
    sample = [f"/records/{i}/" for i in random.Random(1968).sample(ids, min(args.sample, len(ids)))]
    import httpx

    figures: dict = {"records": args.records, "workers": workers, "machine": search_bench.machine()}
    log = work / "access.log"
    log.write_text("")
    server.clear_page_cache()  # as `readingroom serve` starts: "first visit" figures are first visits
    server_proc = search_bench.Gunicorn(
        home, {"READINGROOM_SEARCH_BACKEND": "tantivy"}, workers=workers, access_log=log
    )
    try:
        with httpx.Client(timeout=120) as client:
            figures["load_before"] = load()
            figures["latency"] = latency(
                client,
                server_proc.base,
                {**pages, "search page": SEARCH_QUERY, **other_pages(db)},
                args.reps,
                log,
            )
            for label, row in figures["latency"].items():
                print(
                    f"  {label:22} first {row['first']:7.1f} ms   p50 {row['p50']:6.1f}   p95 {row['p95']:6.1f} ms"
                    f"   server p50 {row['server_p50']:6.1f}   p95 {row['server_p95']:6.1f} ms",
                    flush=True,
                )
            figures["sample"] = sample_pages(client, server_proc.base, sample)
            print(f"  sample: {figures['sample']}", flush=True)
        master = server_proc.proc.pid
        base = server_proc.base
        timed_throughput(figures, "record_pages_per_s", base, list(pages.values()), args, master)
        timed_throughput(figures, "sample_pages_per_s", base, sample, args, master)
        timed_throughput(figures, "search_pages_per_s", base, [SEARCH_QUERY], args, master)
        # The floor: a page that does nothing (/healthz answers from memory) costs gunicorn, Django's middleware
        # and the client their share of the same cores; no page can be answered faster than this.
        timed_throughput(figures, "healthz_per_s", base, ["/healthz"], args, master)
        figures["load_after"] = load()
    finally:
        server_proc.stop()
    (work / "report.json").write_text(json.dumps(figures, indent=1))
    print()
    print(
        f"## Pages at {args.records:,} records (+ the demo corpus), over HTTP: gunicorn, {workers} workers "
        f"(`readingroom serve`'s default), tantivy"
    )
    print(f"machine: {search_bench.machine()}")
    print(f"{figures['load_before']} before, {figures['load_after']} after")
    print(f"versions: {search_bench.versions(None)}")
    print()
    print("| page | first visit | p50 | p95 | server p50 | server p95 | goal |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for label, row in figures["latency"].items():
        if label in pages:
            goal = f"server p95 ≤ 20 ms: {'met' if row['server_p95'] <= 20 else 'NOT met'}"
        elif label == "search page":
            goal = ""
        else:
            goal = f"server p95 < 100 ms: {'met' if row['server_p95'] < 100 else 'NOT met'}"
        print(
            f"| {label} ({row['requests']} requests) | {row['first']:,.1f} | {row['p50']:,.1f} | "
            f"{row['p95']:,.1f} | {row['server_p50']:,.1f} | {row['server_p95']:,.1f} | {goal} |"
        )
    s = figures["sample"]
    print(
        f"| {s['records']} random records, first visit | | {s['first'][0]:,.1f} | {s['first'][1]:,.1f} | | | |\n"
        f"| the same, second visit (either worker) | | {s['again'][0]:,.1f} | {s['again'][1]:,.1f} | | | |"
    )
    print()
    rate = figures["record_pages_per_s"]
    print(
        f"record pages (the three above): {rate:,.0f}/s ({'met' if rate >= 300 else 'NOT met'}: ≥ 300/s); "
        f"the {s['records']} random records: {figures['sample_pages_per_s']:,.0f}/s; "
        f"search page ({SEARCH_QUERY}): {figures['search_pages_per_s']:,.0f}/s; "
        f"{args.clients} {'wrk connections' if args.client == 'wrk' else 'Python clients'} for {args.seconds:g} s "
        "each, on the same machine; "
        f"the floor (/healthz, which does nothing): {figures['healthz_per_s']:,.0f}/s"
    )
    cores = os.cpu_count() or 1
    print(
        "server CPU per page (gunicorn master and workers, from /proc; the clients' CPU not counted): "
        + "; ".join(
            f"{label} {figures[name + '_cpu_ms']:.1f} ms (at most {1000 * cores / figures[name + '_cpu_ms']:,.0f}"
            f"/s on {cores} cores)"
            for label, name in (
                ("record pages", "record_pages_per_s"),
                ("random records", "sample_pages_per_s"),
                ("search page", "search_pages_per_s"),
                ("/healthz", "healthz_per_s"),
            )
        )
    )
    print(f"\ncommand: python bench/pages.py {' '.join(sys.argv[1:])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
