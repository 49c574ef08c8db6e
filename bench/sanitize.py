"""What cleaning stored HTML at render costs per record page (the `sanitized` template filter).

    python bench/sanitize.py             # the seed, the longest FRUS document, the longest frus-history document
    python bench/sanitize.py --reps 500

Imports the seed, the FRUS excerpt and the frus-history documents into a scratch archive, then for three record
pages times the filter's work (every text's and note's html through readingroom.records.texts.sanitize, as the
template does) and, for scale, the whole page through Django's test client, with and without its "Related documents"
search (a text-similarity search on the engine, most of a page's time here). Also counts the stored texts and notes
that the sanitizer would change (0 means render shows exactly what import stored), and what a cache by content
hash would cost on a hit at least (a 128-bit BLAKE2b of the UTF-8 text).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Rate limits would throttle the benchmark's own requests: measure the server, not its limits.
os.environ.setdefault("READINGROOM_RATE_LIMITS", "0")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))


def median_us(fn, reps: int) -> float:
    fn()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=200)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="readingroom-bench-sanitize-"))
    os.environ["READINGROOM_HOME"] = str(home)
    os.environ.pop("READINGROOM_DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
    os.environ.setdefault("READINGROOM_ALLOWED_HOSTS", "testserver")
    try:
        import django

        django.setup()
        from django.test import Client

        from readingroom import archive
        from readingroom.ingest.run import import_paths
        from readingroom.records.models import Record
        from readingroom.records.texts import sanitize

        archive.init()
        corpus = SHARED / "corpus"
        import_paths(
            [
                str(SHARED / "seeds" / "000_352873f1f0834b10.txt"),
                str(corpus / "frus"),
                str(corpus / "frus-history" / "documents"),
            ],
            show_progress=False,
        )

        def markup(record) -> list[str]:
            doc = record.document
            return [t["html"] for t in doc.get("texts") or []] + [n["html"] for n in doc.get("notes") or []]

        records = list(Record.objects.all())
        changed = sum(sanitize(m) != m for r in records for m in markup(r))
        total = sum(len(markup(r)) for r in records)
        size = {r.pk: sum(map(len, markup(r))) for r in records}
        frus = [r for r in records if r.pk.startswith("frus1964-68v07/")]
        history = [r for r in records if r.pk.startswith("frus-history/")]
        seed = next(r for r in records if r not in frus and r not in history)
        pages = [
            ("seed", seed),
            ("FRUS document (longest)", max(frus, key=lambda r: size[r.pk])),
            ("frus-history document (longest)", max(history, key=lambda r: size[r.pk])),
        ]

        from readingroom.web import contexts

        client = Client()
        related_documents = contexts.related_documents

        def page_us(url: str, related: bool) -> float:
            contexts.related_documents = related_documents if related else (lambda record, limit=8: [])
            try:
                assert client.get(url).status_code == 200
                return median_us(lambda: client.get(url), max(20, args.reps // 10))
            finally:
                contexts.related_documents = related_documents

        print(
            f"{len(records)} records; stored texts and notes the sanitizer would change: {changed} of {total}"
        )
        print(
            f"{'page':32} {'HTML chars':>10} {'sanitize µs':>12} {'hash µs':>8} {'page µs':>9} {'share':>6} "
            f"{'page µs without related':>24} {'share':>6}"
        )
        for label, record in pages:
            parts = markup(record)
            cost = median_us(lambda parts=parts: [sanitize(m) for m in parts], args.reps)
            digest = median_us(
                lambda parts=parts: [hashlib.blake2b(m.encode(), digest_size=16).digest() for m in parts],
                args.reps,
            )
            url = record.get_absolute_url()
            full, bare = page_us(url, related=True), page_us(url, related=False)
            print(
                f"{label:32} {size[record.pk]:>10,} {cost:>12,.0f} {digest:>8,.0f} {full:>9,.0f} {cost / full:>6.1%} "
                f"{bare:>24,.0f} {cost / bare:>6.1%}"
            )
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
