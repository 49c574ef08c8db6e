"""Export memory: peak RSS of `readingroom export` for archives of N records, to show it does not grow with N.

    python bench/export.py                                  # 10,000 and 100,000 records, jsonl and csv
    python bench/export.py --records 100000 --formats jsonl,csv,ris,bibtex
    python bench/export.py --postgresql postgresql://u:p@host/bench_db   # a database the bench may fill

Each export runs as `readingroom export --format F --public -o FILE` in a fresh process, and /export/?format=F
(every public record) is downloaded through Django's test client in another; each reports its own peak RSS
(getrusage ru_maxrss) when it ends. Records are built from real words (the FRUS excerpt in ../shared), with a
text of about 5 KB each, a date, subjects, places and a creator, and written with the store's bulk writer
(records.store.RecordWriter, batches of 1,000, one transaction each); one in ten is a draft, so `--public` has
something to leave out. Output and archives go to bench/out/export-N/ (ignored by git).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

# Rate limits would throttle the benchmark's own requests: measure the server, not its limits.
os.environ.setdefault("READINGROOM_RATE_LIMITS", "0")

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("READINGROOM_SHARED") or ROOT.parent / "shared")  # see docs/settings.md
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

MEASURE_WEB = """
import os, resource, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readingroom.settings")
import django
django.setup()
from django.test import Client
response = Client().get("/export/", {"format": sys.argv[1]})
assert response.status_code == 200, response.status_code
lines = 0
with open(sys.argv[2], "wb") as out:
    for chunk in response.streaming_content:
        out.write(chunk)
        lines += chunk.count(b"\\n")
print(f"web: {lines} lines", file=sys.stderr)
print(f"peak-rss-kib {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
"""

MEASURE = """
import resource, sys
from readingroom.cli import main
code = main(sys.argv[1:])
print(f"peak-rss-kib {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
sys.exit(code)
"""


def words() -> list[str]:
    text = (SHARED / "corpus" / "frus" / "frus1964-68v07-excerpt.xml").read_text(encoding="utf-8")
    return re.findall(r"[A-Za-z][a-z]{2,}", re.sub(r"<[^>]+>", " ", text))


def documents(n: int, vocabulary: list[str]):
    rng = random.Random(1968)
    subjects = [f"Subject {w.title()}" for w in rng.sample(vocabulary, 300)]
    places = [f"{w.title()} City" for w in rng.sample(vocabulary, 200)]
    for i in range(n):
        paragraphs = ["\n" + " ".join(rng.choices(vocabulary, k=140)) for _ in range(5)]
        yield {
            "id": f"bench/{i:07d}",
            "title": " ".join(rng.choices(vocabulary, k=8)).capitalize(),
            "status": "draft" if i % 10 == 9 else "published",
            "date": f"{rng.randint(1945, 1991)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "summary": " ".join(rng.choices(vocabulary, k=40)),
            "document_types": ["Telegram"],
            "classification": ["Secret"] if i % 3 else [],
            "languages": ["eng"],
            "text": "\n".join(paragraphs),
            "creators": [f"{rng.choice(vocabulary).title()}, {rng.choice(vocabulary).title()}"],
            "subjects": rng.sample(subjects, 3),
            "places": rng.sample(places, 2),
            "repository": "National Archives",
            "extra": {"box": str(i // 100)},
        }


def build(home: Path, n: int, env: dict) -> None:
    """The archive at `home` with n records (kept between runs)."""
    marker = home / f"built-{n}"
    if marker.exists():
        return
    script = f"""
import os, sys, time
sys.path.insert(0, {str(ROOT)!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readingroom.settings")
import django
django.setup()
from django.db import transaction
from readingroom.archive import Archive
from readingroom.records.models import Record
sys.path.insert(0, {str(ROOT / "bench")!r})
from export import documents, words

archive = Archive.from_environment()
archive.init()
Record.objects.all().delete()
writer = archive.store.writer()
t0, batch = time.perf_counter(), []
for doc in documents({n}, words()):
    batch.append(doc)
    if len(batch) == 1000:
        with transaction.atomic():
            writer.save_many(batch)
        batch = []
if batch:
    with transaction.atomic():
        writer.save_many(batch)
print(f"  built {{Record.objects.count():,}} records in {{time.perf_counter() - t0:,.0f}} s")
"""
    home.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-c", script], env=env, check=True)
    marker.touch()


def export(home: Path, fmt: str, env: dict, web: bool = False) -> tuple[float, float, int | None, int]:
    """(seconds, peak RSS in MiB, records and bytes written) of one `readingroom export --public`, or of one
    download of /export/?format=F (every public record) through Django's test client when `web`."""
    out = home / f"export{'-web' if web else ''}.{fmt}"
    if out.is_dir():
        shutil.rmtree(out)  # a bag is written into a new folder
    if web:
        command = [sys.executable, "-c", MEASURE_WEB, fmt, str(out)]
    else:
        command = [
            sys.executable,
            "-c",
            MEASURE,
            "export",
            "--format",
            fmt,
            "--public",
            "--quiet",
            "-o",
            str(out),
        ]
    t0 = time.perf_counter()
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - t0
    kib = int(re.search(r"peak-rss-kib (\d+)", done.stderr)[1])  # type: ignore[index]
    found = re.search(r"(?:exported |: )(\d+) records", done.stderr)
    exported = int(found[1]) if found else None  # the web says lines, which texts may add to
    size = sum(f.stat().st_size for f in out.rglob("*")) if out.is_dir() else out.stat().st_size
    return seconds, kib / 1024, exported, size


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", default="10000,100000", help="archive sizes, comma-separated")
    parser.add_argument("--formats", default="jsonl,csv", help="export formats, comma-separated")
    parser.add_argument(
        "--web", default="jsonl,csv", help="formats also downloaded from /export/ (empty: none)"
    )
    parser.add_argument(
        "--postgresql", metavar="URL", help="a PostgreSQL database the bench may empty and fill"
    )
    args = parser.parse_args()
    sizes = [int(n) for n in args.records.split(",")]
    formats = args.formats.split(",")
    print(
        f"readingroom export --public: peak RSS by archive size ({args.postgresql and 'PostgreSQL' or 'SQLite'})"
    )
    print(f"{'records':>9} {'format':>10} {'exported':>9} {'seconds':>8} {'MB out':>8} {'peak RSS MiB':>13}")
    for n in sizes:
        home = OUT / f"export-{n}{'-pg' if args.postgresql else ''}"
        env = {**os.environ, "READINGROOM_HOME": str(home)}
        env.pop("READINGROOM_DATABASE_URL", None)
        if args.postgresql:
            env["READINGROOM_DATABASE_URL"] = args.postgresql
            (home / f"built-{n}").unlink(missing_ok=True)  # the database holds one size at a time
        build(home, n, env)
        for fmt, web in [(f, False) for f in formats] + [(f, True) for f in args.web.split(",") if f]:
            seconds, rss, exported, size = export(home, fmt, env, web)
            name, count = f"{fmt}{' web' if web else ''}", f"{exported:,}" if exported is not None else "all"
            print(f"{n:>9,} {name:>10} {count:>9} {seconds:>8.1f} {size / 1e6:>8.1f} {rss:>13.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
