"""Crash safety of imports: `kill -9` an import at random moments, then check the archive and finish the import.

    python bench/crash.py                               # 100,000 records in 10 files, 10 trials, SQLite
    READINGROOM_DATABASE_URL=postgresql://... python bench/crash.py    # the same on PostgreSQL (an empty database)
    READINGROOM_SEARCH_BACKEND=typesense READINGROOM_TYPESENSE_URL=... READINGROOM_TYPESENSE_API_KEY=... \\
        python bench/crash.py                           # the index in Typesense
    python bench/crash.py --records 20000 --trials 3    # quicker

Each trial: a new archive; `readingroom import` of every file (one transaction per file) is killed with SIGKILL at
a random moment of its expected time; then
- `readingroom check` must say the store and the index agree (or, with Typesense, name the drift it finds, which
  the next step must repair);
- no partial file: the records present are whole files (the count is a multiple of a file's records, and every
  file is all there or all missing);
- no process of the killed import lives on;
- the import run again completes with exact counts (the files kept before: unchanged; the others: new), and
  `check` is clean afterwards.
Printed: a row per trial (when killed, records kept, what check said, the re-run's counts and time) and the machine.
Exit status 1 if any trial fails. Output goes to bench/out/crash-N/ (ignored by git).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "bench"))

import search as search_bench  # noqa: E402 - bench/search.py: the machine line


def rr(home: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "readingroom.cli", "--home", str(home), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        **kw,
    )


def make_files(folder: Path, records: int, files: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    per = records // files
    rng = random.Random(1968)
    paths = []
    for f in range(files):
        path = folder / f"part-{f:02d}.jsonl"
        paths.append(path)
        if path.exists():
            continue
        with open(path, "w", encoding="utf-8") as out:
            for i in range(per):
                words = " ".join(f"{rng.getrandbits(24):x}" for _ in range(60))
                doc = {
                    "id": f"crash/{f}/{i}",
                    "title": f"Telegram {f}-{i}",
                    "date": f"19{rng.randrange(10, 90)}-0{rng.randrange(1, 10)}-1{rng.randrange(0, 9)}",
                    "text": f"Paragraph of part {f}. {words}",
                    "subjects": [
                        {
                            "kind": "subject",
                            "id": f"s{rng.randrange(50)}",
                            "name": f"Subject {rng.randrange(50)}",
                        }
                    ],
                    "status": "published" if i % 10 else "draft",
                }
                out.write(json.dumps(doc) + "\n")
    return paths


def reset(home: Path) -> None:
    shutil.rmtree(home, ignore_errors=True)
    url = os.environ.get("READINGROOM_DATABASE_URL")
    if url:
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            for _attempt in range(60):
                try:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                    break
                except psycopg.errors.InsufficientPrivilege:  # autovacuum: gone in a moment
                    time.sleep(0.5)
            conn.execute(f'CREATE DATABASE "{name}"')
    result = rr(home, "init")
    if result.returncode != 0:
        raise SystemExit(f"crash: init failed: {result.stderr}")
    if os.environ.get("READINGROOM_SEARCH_BACKEND") == "typesense":
        rr(
            home, "reindex", "--quiet"
        )  # an empty collection of this archive's, whatever an earlier trial left


def counts(home: Path, per: int, files: int) -> tuple[int, list[int]]:
    """Records in the store, and the number present of each file's records."""
    script = (
        "import os, django, json; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'readingroom.settings'); "
        "django.setup(); from readingroom.records.models import Record; "
        f"print(json.dumps([Record.objects.filter(id__startswith=f'crash/{{f}}/').count() for f in range({files})]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "READINGROOM_HOME": str(home)},
    )
    if result.returncode != 0:
        raise SystemExit(f"crash: counting failed: {result.stderr}")
    per_file = json.loads(result.stdout)
    return sum(per_file), per_file


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            children = [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except OSError:
            children = []
        found += children
        todo += children
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--files", type=int, default=10)
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    os.environ.setdefault("READINGROOM_RATE_LIMITS", "0")
    work = OUT / f"crash-{args.records}"
    paths = make_files(work / "files", args.records, args.files)
    per = args.records // args.files
    home = work / "home"
    store = "PostgreSQL" if os.environ.get("READINGROOM_DATABASE_URL") else "SQLite"
    engine = os.environ.get("READINGROOM_SEARCH_BACKEND", "tantivy")
    print(f"machine: {search_bench.machine()}")
    print(
        f"{args.records:,} records in {args.files} files, {args.trials} trials, {store}, {engine}", flush=True
    )

    # How long a whole import takes, so that kills fall anywhere in it.
    reset(home)
    t0 = time.monotonic()
    full = rr(home, "import", "--quiet", *map(str, paths))
    whole = time.monotonic() - t0
    if full.returncode != 0:
        raise SystemExit(f"crash: the uninterrupted import failed: {full.stderr}")
    print(f"uninterrupted import: {whole:,.1f} s", flush=True)

    rng = random.Random(args.seed)
    failures = 0
    print()
    print(
        "| trial | killed after s | records kept | whole files | orphans | check after kill | re-run | check |"
    )
    print("|---:|---:|---:|---|---:|---|---|---|")
    for trial in range(1, args.trials + 1):
        at = rng.uniform(0.05, 0.95) * whole
        while True:  # a kill must land on a running import: one that finished already is tried again earlier
            reset(home)
            process = subprocess.Popen(
                [sys.executable, "-m", "readingroom.cli", "--home", str(home), "import", "--quiet"]
                + [str(p) for p in paths],
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + at
            while time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.05)
            if process.poll() is None:
                break
            print(f"  (the import finished within {at:,.1f} s: trying {trial} again, earlier)", flush=True)
            at *= 0.6
        family = descendants(process.pid)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        time.sleep(2)
        orphans = [p for p in family if alive(p)]
        for p in orphans:
            os.kill(p, signal.SIGKILL)
        kept, per_file = counts(home, per, args.files)
        whole_files = all(n in (0, per) for n in per_file)
        after_kill = rr(home, "check")
        said = (
            after_kill.stdout.strip().splitlines()[-1]
            if after_kill.stdout.strip()
            else after_kill.stderr.strip()
        )
        t1 = time.monotonic()
        again = rr(home, "import", "--quiet", *map(str, paths))
        rerun_s = time.monotonic() - t1
        summary = (again.stderr.strip().splitlines() or [""])[-1]
        m = re.search(r"(\d+) new, (\d+) updated, (\d+) unchanged", summary)
        new, updated, unchanged = (int(x) for x in m.groups()) if m else (-1, -1, -1)
        exact = again.returncode == 0 and new == args.records - kept and unchanged == kept and updated == 0
        final = rr(home, "check")
        clean = final.returncode == 0 and final.stdout.strip().endswith("ok")
        consistent = engine == "typesense" or (after_kill.returncode == 0 and said == "ok")
        ok = whole_files and not orphans and consistent and exact and clean
        failures += not ok
        print(
            f"| {trial} | {at:,.1f} | {kept:,} | {'yes' if whole_files else 'NO'} | {len(orphans)} | {said} | "
            f"{'exact' if exact else 'WRONG'}: {new:,} new, {unchanged:,} unchanged in {rerun_s:,.1f} s | "
            f"{'ok' if clean else 'FAILED'} |",
            flush=True,
        )
        if not ok:
            print(
                f"    check after kill: {after_kill.stdout}{after_kill.stderr}\n    re-run: {again.stderr[-2000:]}"
            )
            print(f"    final check: {final.stdout}{final.stderr}")
    print(f"\n{args.trials - failures} of {args.trials} trials passed")
    print(f"command: python bench/crash.py {' '.join(sys.argv[1:])}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
