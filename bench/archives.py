"""The archive the HTTP benches (bench/reuse.py, bench/pages.py) serve: N records of bench/search.py's material
written through the store's own writer (full documents with their texts, authority links and relations, as an
import writes them) and indexed by `reindex`, so a record is served as deployed."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import search as search_bench  # bench/search.py: material and records


def build_archive(home: Path, n: int, material: dict) -> dict:
    """N records through the store's writer (documents, links, relations), then `reindex` into tantivy."""
    from django.db import transaction

    from readingroom.archive import Archive

    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    archive = Archive.from_environment()
    archive.init()
    t0 = time.perf_counter()
    writer = archive.store.writer()
    batch: list[dict] = []
    for i, doc in enumerate(search_bench.generate(n, material)):
        for key in ("date_earliest", "date_latest"):  # computed from `date` by the schema
            doc.pop(key, None)
        if i and i % 7 == 0:  # some records cite others, as FRUS documents do
            doc["relations"] = [{"type": "cites", "target": f"bench/{i - 7:07d}"}]
        batch.append(doc)
        if len(batch) >= 2000:
            with transaction.atomic():
                writer.save_many(batch)
            batch = []
            if (i + 1) % 20_000 == 0:
                print(
                    f"  store: {i + 1:,} records, {(i + 1) / (time.perf_counter() - t0):,.0f}/s", flush=True
                )
    if batch:
        with transaction.atomic():
            writer.save_many(batch)
    stored = time.perf_counter() - t0
    t0 = time.perf_counter()
    archive.indexer.reindex(progress=False)
    indexed = time.perf_counter() - t0
    archive.close()
    print(f"  store: {n:,} records in {stored:,.0f} s; index: {indexed:,.0f} s")
    return {"store_seconds": stored, "index_seconds": indexed}
