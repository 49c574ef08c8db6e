"""Concurrent load: 32 clients for 60 s of mixed traffic against `readingroom serve`, while an import of 10,000
records and an editor's saves run, on an archive built as bench/reuse.py builds one.

    python bench/load.py                              # 100,000 records, 32 clients, 60 s
    python bench/load.py --records 20000 --seconds 30
    python bench/load.py --reuse                      # keep the archive an earlier run built (it grows by the
                                                      # import's records each run)

What it does, in order:
1. builds the archive (bench/reuse.py's build_archive) unless --reuse finds one;
2. starts `readingroom serve` (the production server, its default 2 workers) on it;
3. unloaded: asks each kind of request alone, one at a time, for p50 and p95; then the 32 clients below twice for
   --baseline-seconds (30) with no import and no editor, the second run being the baseline ("clients only": the
   first visits the sample's pages for the first time, which the importing run would not pay);
4. loaded: 32 clients (asyncio, httpx, keep-alive) ask the mix below for --seconds, while `readingroom import`
   reads 10,000 new records and an editor (a process saving through the store, with a note, as the admin's
   editor does) changes a published record every half second.
Printed: per kind, requests, requests/s, p50 and p95 for one client, for the clients only and while importing, and
the ratios of the p95s (importing over clients only is what an import costs readers); 5xx and
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
import shutil
import subprocess
import sys
import threading
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


SAMPLE = r"""
import json, os, random, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readingroom.settings")
django.setup()
from django.db.models import Count
from readingroom.records.models import Authority, Record
ids = list(Record.objects.filter(status="published").values_list("id", flat=True)[:20000])
subjects = list(
    Authority.objects.filter(kind="subject").annotate(n=Count("links")).order_by("-n")
    .values_list("name", flat=True)[:10]
)
years = sorted({d[:4] for d in Record.objects.filter(status="published").exclude(date_earliest="")
                .values_list("date_earliest", flat=True)[:5000] if d[:4].isdigit()})
rng = random.Random(1968)
print(json.dumps({"ids": rng.sample(ids, min(400, len(ids))), "subjects": subjects, "years": years}))
"""


def sample(env: dict) -> dict:
    """Public record ids, subjects with many records, and years with records, to make URLs from."""
    result = subprocess.run(
        [sys.executable, "-c", SAMPLE], capture_output=True, text=True, env={**env, "PYTHONPATH": str(ROOT)}
    )
    if result.returncode != 0:
        raise SystemExit(f"bench: sampling the archive failed: {result.stderr}")
    return json.loads(result.stdout)


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
    def __init__(self, started: float) -> None:
        self.started = started
        self.times: dict[str, list[float]] = defaultdict(list)
        self.at: dict[str, list[float]] = defaultdict(list)  # when each request began, seconds into the run
        self.status: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.transport: dict[str, int] = defaultdict(int)
        self.failed_at: list[float] = []  # seconds into the run of each 5xx or transport error
        self.locked: list[str] = []

    def add(self, kind: str, ms: float, status: int, body: bytes, url: str) -> None:
        self.times[kind].append(ms)
        self.at[kind].append(time.monotonic() - ms / 1000 - self.started)
        self.status[kind][status] += 1
        if status >= 500:
            self.failed_at.append(time.monotonic() - self.started)
        if b"database is locked" in body:
            self.locked.append(url)

    def lost(self, kind: str) -> None:
        self.transport[kind] += 1
        self.failed_at.append(time.monotonic() - self.started)


async def client(
    bases: list[str], kinds, weights, data, terms, until: float, tally: Tally, seed: int
) -> None:
    import httpx

    rng = random.Random(seed)
    base = bases[seed % len(bases)]  # clients spread over the application servers
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
                tally.lost(kind)
                print(f"  transport error on {base}{url}: {type(e).__name__}: {e}", flush=True)


async def loaded(bases: list[str], data: dict, terms: list[str], clients: int, seconds: float) -> Tally:
    tally = Tally(time.monotonic())
    kinds, weights = zip(*MIX, strict=True)
    until = time.monotonic() + seconds
    await asyncio.gather(
        *(client(bases, kinds, weights, data, terms, until, tally, seed) for seed in range(clients))
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


def scenario(
    name: str,
    bases: list[str],
    env: dict,
    work: Path,
    material: dict,
    terms: list[str],
    args,
    kill_leader_at: float | None = None,
) -> dict:
    """Unloaded figures, then the loaded run with the import and the editor (and, for the cluster, the Typesense
    leader killed at `kill_leader_at` seconds). Returns the figures; prints the table."""
    env = {**env, "PYTHONPATH": str(ROOT)}
    home = Path(env["READINGROOM_HOME"])
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "readingroom.cli",
            "--home",
            str(home),
            "createuser",
            "bench-editor",
            "--role",
            "editor",
            "--password-stdin",
        ],
        input="load-test-password\n",
        capture_output=True,
        text=True,
        env=env,
    )
    if result.returncode != 0 and "exists already" not in result.stderr:
        raise SystemExit(f"bench: createuser: {result.stderr}")
    data = sample(env)
    print(f"{name}: unloaded ...", flush=True)
    quiet = unloaded(bases[0], data, terms, args.reps)
    # Twice: the first run visits most of the sample's pages for the first time (a record page's first visit makes
    # its citations and map), which the importing run, coming after it, would not pay; the second is the baseline.
    print(f"{name}: {args.clients} clients for 2 x {args.baseline_seconds:.0f} s, no import ...", flush=True)
    asyncio.run(loaded(bases, data, terms, args.clients, args.baseline_seconds))
    calm = asyncio.run(loaded(bases, data, terms, args.clients, args.baseline_seconds))
    run = time.strftime("%Y%m%d%H%M%S")
    path = import_file(work / f"import-{run}.jsonl", args.import_records, material, run)
    print(
        f"{name}: {args.clients} clients for {args.seconds:.0f} s, importing {args.import_records:,} records ...",
        flush=True,
    )
    cmd = [sys.executable, "-m", "readingroom.cli", "--home", str(home)]
    t_import = time.monotonic()
    nice = ["nice", "-n", str(args.import_nice)] if args.import_nice else []
    skip = [sys.executable, "-c", "print('0 0 left out (--without)')"]
    importer = subprocess.Popen(
        skip if "import" in args.without else [*nice, *cmd, "import", "--quiet", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    editor = subprocess.Popen(
        skip
        if "editor" in args.without
        else [sys.executable, "-c", EDITOR, ",".join(data["ids"][:50]), str(time.time() + args.seconds)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killed = None
    if kill_leader_at is not None:

        def kill() -> None:
            nonlocal killed
            time.sleep(kill_leader_at)
            out = subprocess.run(
                [sys.executable, str(ROOT / "scripts" / "cluster.py"), "kill-leader"],
                capture_output=True,
                text=True,
            )
            killed = (kill_leader_at, out.stderr.strip())
            print(f"  {out.stderr.strip()} at {kill_leader_at:.0f} s", flush=True)

        threading.Thread(target=kill, daemon=True).start()
    import_ended: list[float] = []
    threading.Thread(
        target=lambda: (importer.wait(), import_ended.append(time.monotonic())), daemon=True
    ).start()
    t0 = time.monotonic()
    tally = asyncio.run(loaded(bases, data, terms, args.clients, args.seconds))
    elapsed = time.monotonic() - t0
    out, err = importer.communicate(timeout=7200)
    import_seconds = (import_ended[0] if import_ended else time.monotonic()) - t_import
    # "While importing": the requests that began while the import ran (it may end before the run does).
    window = (t_import - tally.started, t_import - tally.started + import_seconds)
    if "import" in args.without:
        window = (0.0, elapsed + 1)
    e_out, e_err = editor.communicate(timeout=300)
    saved, failed = (int(x) for x in (e_out.split() or ["0", "0"])[:2])
    busy = e_err.count("database is locked")
    rows = []
    for kind, _w in MIX:
        times = tally.times.get(kind, [])
        if not times:
            continue
        fives = sum(n for st, n in tally.status[kind].items() if st >= 500)
        q50, q95 = quiet[kind]
        calm_times = calm.times.get(kind) or [float("nan")]
        c50, c95 = search_bench.pct(calm_times, 50), search_bench.pct(calm_times, 95)
        during = [
            ms for ms, at in zip(times, tally.at[kind], strict=True) if window[0] <= at <= window[1]
        ] or [float("nan")]
        p50, p95 = search_bench.pct(during, 50), search_bench.pct(during, 95)
        rows.append(
            {
                "kind": kind,
                "requests": len(times),
                "rps": len(times) / elapsed,
                "unloaded": [q50, q95],
                "clients_only": [c50, c95],
                "clients_only_rps": len(calm.times.get(kind, [])) / args.baseline_seconds,
                "loaded": [p50, p95],
                "loaded_requests": len(during),
                "whole_run": [search_bench.pct(times, 50), search_bench.pct(times, 95)],
                "ratio": p95 / q95,
                "ratio_to_clients_only": p95 / c95,
                "5xx": fives,
                "transport": tally.transport[kind],
            }
        )
    figures = {
        "name": name,
        "servers": len(bases),
        "seconds": elapsed,
        "rows": rows,
        "statuses": {st: n for kind in tally.status for st, n in tally.status[kind].items() if st != 200},
        "failed_at": [round(t, 1) for t in tally.failed_at],
        "locked": tally.locked[:5],
        "import": {
            "exit": importer.returncode,
            "seconds": import_seconds,
            "summary": (err.strip().splitlines() or [out.strip()])[-1],
        },
        "editor": {
            "saved": saved,
            "failed": failed,
            "busy": busy,
            "last_error": (e_err.strip().splitlines() or [""])[-1],
        },
        "killed_leader": killed,
        "import_nice": args.import_nice,
        "without": args.without,
    }
    if kill_leader_at is not None:
        figures["after_kill"] = after_leader_loss(env, home)
    suffix = (f" nice {args.import_nice}" if args.import_nice else "") + "".join(
        f" without {w}" for w in args.without
    )
    (work / f"report-{name}{suffix}.json").write_text(json.dumps(figures, indent=1))
    return figures


def after_leader_loss(env: dict, home: Path) -> dict:
    """The lost node back, the cluster converged, and `readingroom check` on it."""
    cluster = [sys.executable, str(ROOT / "scripts" / "cluster.py")]
    subprocess.run([*cluster, "heal"], capture_output=True, text=True, timeout=300)
    t0 = time.monotonic()
    while True:
        check = subprocess.run(
            [sys.executable, "-m", "readingroom.cli", "--home", str(home), "check"],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )
        if check.returncode == 0 or time.monotonic() - t0 > 300:
            break
        time.sleep(5)
    return {
        "check": (check.stdout.strip().splitlines() or [check.stderr.strip()])[-1],
        "converged_after_s": round(time.monotonic() - t0, 1),
    }


def print_figures(f: dict, records: int, clients: int) -> None:
    print()
    print(
        f"## {f['name']}: {clients} clients for {f['seconds']:.0f} s at {records:,} records, "
        f"{f['servers']} application server(s) (gunicorn, 2 workers each), while importing and editing"
        + (f" (the import under nice -n {f['import_nice']})" if f.get("import_nice") else "")
        + (f" (without the {' and the '.join(f['without'])})" if f.get("without") else "")
    )
    print()
    print(
        "One client alone: p50 / p95 of each kind asked one at a time. Clients only: the same clients with no "
        "import and no editor. Importing: the requests that began while the import ran (the editor saving "
        "throughout); req/s over the whole run. Last columns: the importing p95 over the other two."
    )
    print()
    print(
        "| kind | requests | req/s importing (clients only) | one client p50 / p95 ms | clients only p50 / p95 ms "
        "| importing p50 / p95 ms | p95 importing / clients only | p95 importing / one client | 5xx |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    total = errors = 0
    for r in f["rows"]:
        total += r["requests"]
        errors += r["5xx"] + r["transport"]
        c = r.get("clients_only", [float("nan")] * 2)
        print(
            f"| {r['kind']} | {r['requests']:,} | {r['rps']:,.1f} ({r.get('clients_only_rps', 0):,.1f}) | "
            f"{r['unloaded'][0]:,.1f} / {r['unloaded'][1]:,.1f} | {c[0]:,.1f} / {c[1]:,.1f} | "
            f"{r['loaded'][0]:,.1f} / {r['loaded'][1]:,.1f} | {r.get('ratio_to_clients_only', 0):.1f}x | "
            f"{r['ratio']:.1f}x | {r['5xx']} |"
        )
    print(f"| all | {total:,} | {total / f['seconds']:,.1f} | | | | | | {errors} |")
    print()
    print(
        f"statuses other than 200: {f['statuses'] or 'none'}; 5xx and transport errors at (s): "
        f"{f['failed_at'] or 'none'}"
    )
    print(f"'database is locked' in a response: {len(f['locked'])}")
    i = f["import"]
    print(f"import: exit {i['exit']} in {i['seconds']:,.1f} s; {i['summary']}")
    e = f["editor"]
    print(
        f"editor: {e['saved']} saves, {e['failed']} refused ({e['busy']} while SQLite's write lock was held "
        f"past 10 s by the import: a 503 'busy, nothing changed, try again' page in the admin)"
    )
    if f.get("killed_leader"):
        print(f"Typesense leader killed at {f['killed_leader'][0]:.0f} s; afterwards: {f['after_kill']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--import-records", type=int, default=10_000)
    ap.add_argument("--reps", type=int, default=60, help="unloaded requests per kind")
    ap.add_argument(
        "--without",
        action="append",
        choices=("import", "editor"),
        default=[],
        help="leave the import or the editor out of the loaded run (to see what each costs readers)",
    )
    ap.add_argument(
        "--import-nice",
        type=int,
        default=0,
        help="run the import under `nice -n N` (docs/operations.md: readers first while an import runs)",
    )
    ap.add_argument(
        "--baseline-seconds",
        type=float,
        default=30,
        help="the same clients first without the import and the editor, for the p95 the loaded run is held to",
    )
    ap.add_argument("--reuse", action="store_true", help="keep the archive an earlier run built")
    ap.add_argument(
        "--cluster",
        action="store_true",
        help="also run against scripts/cluster.py's deployment (start it first: `READINGROOM_RATE_LIMITS=0 "
        "cluster.py up`, or its servers answer the clients 429), "
        "killing the Typesense leader halfway",
    )
    ap.add_argument("--cluster-only", action="store_true", help="only the cluster")
    ap.add_argument("--build", action="store_true", help=argparse.SUPPRESS)  # internal: in the cluster env
    args = ap.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readingroom.settings")

    if args.build:  # a subprocess with the cluster's environment: fill its database and index
        import django

        django.setup()
        material = search_bench.load_material()
        print(json.dumps(reuse.build_archive(OUT / "load-cluster-scratch", args.records, material)))
        return 0

    work = OUT / f"load-{args.records}"
    work.mkdir(parents=True, exist_ok=True)
    material = search_bench.load_material()
    chosen = search_bench.choose_terms(material, args.records)
    terms = [chosen["rare"], chosen["common"], "treaty", '"united states"', "peace conference"]
    print(f"machine: {search_bench.machine()}", flush=True)
    results = []
    ok = True

    if not args.cluster_only:
        home = work / "home"
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("READINGROOM_DATABASE", "READINGROOM_SEARCH", "READINGROOM_TYPESENSE"))
        }
        env["READINGROOM_HOME"] = str(home)
        built = work / "built.json"
        if not (args.reuse and built.exists()):
            shutil.rmtree(home, ignore_errors=True)
            print(f"building {args.records:,} records (SQLite, tantivy) ...", flush=True)
            result = subprocess.run(
                [sys.executable, str(Path(__file__)), "--build", "--records", str(args.records)],
                env={**env, "PYTHONPATH": str(ROOT)},
            )
            if result.returncode != 0:
                raise SystemExit("bench: building the archive failed")
            built.write_text("{}")
        port = search_bench.free_port()
        log = open(work / "serve.log", "w")
        server = subprocess.Popen(
            [sys.executable, "-m", "readingroom.cli", "--home", str(home), "serve", "--port", str(port)],
            env={**env, "PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            search_bench.wait_http(base + "/", 600)
            results.append(scenario("embedded (SQLite + tantivy)", [base], env, work, material, terms, args))
        finally:
            server.terminate()
            server.wait(60)
            log.close()

    if args.cluster or args.cluster_only:
        env_lines = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "cluster.py"), "env"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        cluster_env = dict(os.environ)
        for line in env_lines.splitlines():
            name, value = line.removeprefix("export ").split("=", 1)
            cluster_env[name] = value.strip("'")
        bases = cluster_env.pop("READINGROOM_CLUSTER_APPS").split(",")
        cwork = OUT / f"load-cluster-{args.records}"
        cwork.mkdir(parents=True, exist_ok=True)
        if not (cwork / "built.json").exists():
            print(
                f"building {args.records:,} records into the cluster (PostgreSQL, Typesense) ...", flush=True
            )
            result = subprocess.run(
                [sys.executable, str(Path(__file__)), "--build", "--records", str(args.records)],
                env={**cluster_env, "PYTHONPATH": str(ROOT)},
            )
            if result.returncode != 0:
                raise SystemExit("bench: building the cluster's archive failed")
            (cwork / "built.json").write_text("{}")
        results.append(
            scenario(
                "cluster (2 app servers, PostgreSQL, 3 Typesense nodes)",
                bases,
                cluster_env,
                cwork,
                material,
                terms,
                args,
                kill_leader_at=args.seconds / 2,
            )
        )

    print()
    print(f"machine: {search_bench.machine()}")
    for f in results:
        print_figures(f, args.records, args.clients)
        # Errors are allowed only around a killed leader (they are printed with their times).
        calm = not f["failed_at"] or bool(f.get("killed_leader"))
        ok = ok and not f["locked"] and f["import"]["exit"] == 0 and calm
    print(f"\ncommand: python bench/load.py {' '.join(sys.argv[1:])}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
