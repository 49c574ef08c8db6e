"""Sitemap cost at scale: readingroom's streamed chunks against django.contrib.sitemaps, on N records.

    python bench/sitemap.py                  # 1,000,000 records (one in ten a draft), SQLite
    python bench/sitemap.py --records 100000

Builds a throwaway SQLite archive (rows written directly, each with a 600-byte document, so that a scan reads
pages as a real archive's would), then times the index and the first and last chunks, and the peak of Python's
allocations while each is made (tracemalloc: what the view holds, not the database's page cache).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(records: int) -> None:
    os.environ["READINGROOM_HOME"] = tempfile.mkdtemp(prefix="readingroom-bench-sitemap-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
    sys.path.insert(0, str(ROOT))
    import django

    import readingroom.settings as settings_module

    settings_module.INSTALLED_APPS.append("django.contrib.sitemaps")  # its templates, for the comparison

    django.setup()
    from django.db import connection, transaction

    from readingroom.archive import Archive

    Archive.from_environment().init()
    filler = "x" * 600
    rows = []
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for i in range(records):
            status = "draft" if i % 10 == 0 else "published"
            rows.append(
                (
                    f"bench/{i:08d}",
                    status,
                    f"Record {i}",
                    f'{{"id": "bench/{i:08d}", "x": "{filler}"}}',
                    "0" * 64,
                    "2024-01-01 00:00:00",
                    f"2024-01-{1 + i % 28:02d} 12:00:00",
                )
            )
            if len(rows) == 20_000:
                cursor.executemany(
                    "INSERT INTO records_record (id, status, title, document, content_hash, created, updated, "
                    "summary, date_text, date_edtf, date_earliest, date_latest, date_precision, date_certainty) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, '', '', '', '', '', 'undated', 'stated')",
                    rows,
                )
                rows = []
    print(f"{records:,} records written in {time.perf_counter() - started:.0f} s")


def measure(label: str, fn) -> None:
    """Time one run, then run again under tracemalloc for the peak (tracing slows Python several times over)."""
    started = time.perf_counter()
    size = fn()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"  {label:<46} {seconds:7.2f} s  peak {peak / 2**20:7.1f} MiB  {size / 2**20:6.1f} MiB out",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args()
    setup(args.records)

    from django.contrib.sitemaps import Sitemap as DjangoSitemap
    from django.contrib.sitemaps import views as django_views
    from django.test import RequestFactory

    from readingroom.archive import Archive
    from readingroom.records.models import Record
    from readingroom.web import sitemaps

    archive = Archive.from_environment()
    request = RequestFactory().get("/sitemap.xml")
    request.archive = archive
    ours = sitemaps.Sitemap([sitemaps.RecordSection()])
    last = ours.chunks(ours.sections["records"])

    def body(response) -> int:
        if response.streaming:
            return sum(len(part) for part in response.streaming_content)
        response.render() if hasattr(response, "render") else None
        return len(response.content)

    print("readingroom (streamed chunks, one query of two columns):")
    measure("index", lambda: body(sitemaps.index(request, sitemap=ours)))
    measure("chunk 1", lambda: body(sitemaps.chunk(request, sitemap=ours, section="records", chunk=1)))
    measure(
        f"chunk {last} (the last)",
        lambda: body(sitemaps.chunk(request, sitemap=ours, section="records", chunk=last)),
    )

    class Records(DjangoSitemap):
        limit = 50_000

        def items(self):
            return Record.objects.public().order_by("id").only("id", "updated")

        def location(self, record):
            return record.get_absolute_url()

        def lastmod(self, record):
            return record.updated

    class RecordsValues(Records):
        def items(self):
            return Record.objects.public().order_by("id").values_list("id", "updated")

        def location(self, item):
            from django.urls import reverse

            return reverse("record", kwargs={"record_id": item[0]})

        def lastmod(self, item):
            return item[1]

    for name, cls in (("model instances", Records), ("values_list", RecordsValues)):
        print(f"django.contrib.sitemaps ({name}):")
        # What its index view does for a section: every item's lastmod, and the number of pages.
        measure(
            "index (reads every item for its lastmod)",
            lambda cls=cls: (cls().get_latest_lastmod(), cls().paginator.num_pages) and 0,
        )
        for page in (1, last):
            req = RequestFactory().get(f"/sitemap-records.xml?p={page}")
            measure(
                f"page {page}",
                lambda req=req, cls=cls: body(
                    django_views.sitemap(req, {"records": cls()}, section="records")
                ),
            )


if __name__ == "__main__":
    try:
        main()
    finally:
        if os.environ.get("READINGROOM_HOME", "").startswith(tempfile.gettempdir()):
            shutil.rmtree(os.environ["READINGROOM_HOME"], ignore_errors=True)
