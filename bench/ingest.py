"""Import speed and memory: the demo corpus, and N records built by replicating real ones.

    python bench/ingest.py                     # demo corpus + 100,000 JSON Lines (documents, short records)
                                               # + 100,000 TEI documents
    python bench/ingest.py --records 10000     # smaller
    python bench/ingest.py --only jsonl

Each import runs as `readingroom import` in a fresh process on a fresh archive (SQLite, embedded search index),
so the figures include parsing, validation, the store, and search indexing. Memory: the importing process's
peak RSS (VmHWM, which counts the index files tantivy maps), and the peak of its anonymous memory together with
its reading process' (sampled every 0.1 s): what the import holds, page cache aside. CPU: the seconds of each of
the import's threads, by part (the reading process, the importing process's Python, tantivy's indexing threads,
its merging and storing threads), per record; their sum bounds the rate on this machine's cores.
The replicated inputs are written under bench/out/ (ignored by git).
"""

from __future__ import annotations

import argparse
import copy as copy_module
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
OUT = ROOT / "bench" / "out"
SHORT = 16_000  # bytes of JSON: "short records" are the real documents up to this size


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import django
    import tantivy  # noqa: F401

    from readingroom import __version__

    return (
        f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB RAM; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, Django {django.__version__}, SQLite "
        f"{__import__('sqlite3').sqlite_version}, readingroom {__version__}"
    )


MEASURED_IMPORT = """
import glob, os, re, sys, threading, time
from readingroom.cli import main

def status(key, pid='self'):
    try:
        return int(re.search(key + r':\\s+(\\d+)', read(f'/proc/{pid}/status'))[1])
    except TypeError:
        return 0

def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:  # a thread or process that ended between listing and reading
        return ''

def children():
    return [pid for f in glob.glob('/proc/self/task/*/children') for pid in read(f).split()]

# CPU seconds of every thread of this process and of its reading process, by what the thread does: the last
# value seen for each (a thread's counters go with it when it ends, so they are read every 0.1 s).
me = str(os.getpid())
cpu = {}
def threads_cpu():
    for pid in [me, *children()]:
        for stat in glob.glob(f'/proc/{pid}/task/*/stat'):
            text = read(stat)
            if not text:
                continue
            name = text[text.index('(') + 1:text.rindex(')')]
            fields = text[text.rindex(')') + 2:].split()
            tid = stat.split('/')[4]
            if pid != me:
                part = 'reading process'
            elif tid == me:
                part = 'importing process (Python)'
            elif name.startswith('thrd-tantivy-in'):
                part = 'tantivy indexing'
            elif name.startswith(('merge_thread', 'docstore', 'segment_updater', 'thread-tantivy')):
                part = 'tantivy merging, storing'
            else:
                part = 'other threads (this measuring one)'
            cpu[(pid, tid)] = (part, (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK'))

# Peak RSS counts the pages of the index files tantivy maps into memory (page cache the kernel can drop);
# the anonymous part is the memory the import really holds, with its reading process: sampled every 0.1 s.
peak_anon = [0]
def sample():
    while True:
        peak_anon[0] = max(peak_anon[0], status('RssAnon') + sum(status('RssAnon', pid) for pid in children()))
        threads_cpu()
        time.sleep(0.1)
threading.Thread(target=sample, daemon=True).start()
rc = main(sys.argv[1:])
peak_anon[0] = max(peak_anon[0], status('RssAnon'))
threads_cpu()
print('PEAK_KIB', status('VmHWM'), 'ANON_KIB', peak_anon[0], file=sys.stderr)
parts = {}
for part, seconds in cpu.values():
    parts[part] = parts.get(part, 0.0) + seconds
for part, seconds in sorted(parts.items()):
    print('CPU_SECONDS', seconds, part, file=sys.stderr)
sys.exit(rc)
"""


def run_import(label: str, paths: list[Path], records: int, backend: str = "tantivy") -> dict:
    slug = label.replace(" ", "-").replace(",", "").replace("(", "").replace(")", "")
    home = OUT / f"home-{slug}"
    shutil.rmtree(home, ignore_errors=True)
    env = {**os.environ, "READINGROOM_HOME": str(home), "READINGROOM_SEARCH_BACKEND": backend}
    env.pop("READINGROOM_DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "-m", "readingroom.cli", "init"], env=env, check=True, capture_output=True
    )
    os.sync()  # the previous run's (or the input's) dirty pages are written now, not during this run
    start = time.perf_counter()
    out, err = OUT / f"{slug}.stdout", OUT / f"{slug}.stderr"
    # The peak is read by the import process itself from /proc (VmHWM belongs to its own address space): a
    # child's ru_maxrss from wait4 starts at this process's peak, which may hold a large generated input.
    argv = [sys.executable, "-c", MEASURED_IMPORT, "import", "--quiet", *map(str, paths)]
    with open(out, "w") as stdout, open(err, "w") as stderr:
        returncode = subprocess.run(argv, env=env, stdout=stdout, stderr=stderr).returncode
    elapsed = time.perf_counter() - start
    proc = subprocess.CompletedProcess(argv, returncode, out.read_text(), err.read_text())
    peak_kib = int(re.search(r"PEAK_KIB (\d+)", proc.stderr)[1])
    anon_kib = int(re.search(r"ANON_KIB (\d+)", proc.stderr)[1])
    if proc.returncode != 0:
        print(proc.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"import of {label} failed")
    imported = sum(int(n) for n in re.findall(r"imported (\d+) records", proc.stdout))
    if records and imported != records:
        print(f"warning: {label}: expected {records} records, imported {imported}", file=sys.stderr)
    cpu = {part: float(seconds) for seconds, part in re.findall(r"CPU_SECONDS (\S+) (.+)", proc.stderr)}
    return {
        "label": label,
        "records": imported,
        "seconds": elapsed,
        "rate": imported / elapsed,
        "peak_mib": peak_kib / 1024,
        "anon_mib": anon_kib / 1024,
        "cpu": cpu,
        "bytes": sum(p.stat().st_size for p in paths if p.is_file()),
    }


def real_documents(with_speeches: bool) -> list[dict]:
    """The shared corpora's documents (the seed, the FRUS excerpt, frus-history), and with `with_speeches` the
    demo corpus's 249 speeches (about ten times longer), as canonical documents, via a scratch import."""
    home = OUT / "home-source"
    shutil.rmtree(home, ignore_errors=True)
    env = {**os.environ, "READINGROOM_HOME": str(home)}
    env.pop("READINGROOM_DATABASE_URL", None)
    sources = [
        str(p)
        for p in (
            SHARED / "seeds",
            SHARED / "corpus" / "frus",
            SHARED / "corpus" / "frus-history" / "documents",
        )
        if p.exists()
    ]
    first = "demo.demo_paths()[:1]" if with_speeches else "[]"
    code = (
        "import sys; from readingroom import demo; from readingroom.archive import Archive; "
        f"Archive.from_environment().import_paths([*{first}, *sys.argv[1:]], show_progress=False)"
    )
    subprocess.run(
        [sys.executable, "-m", "readingroom.cli", "init"], env=env, check=True, capture_output=True
    )
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE',"
            "'readingroom.settings'); django.setup(); " + code,
            *sources,
        ],
        env=env,
        check=True,
    )
    dump = subprocess.run(
        [sys.executable, "-m", "readingroom.cli", "export"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [json.loads(line) for line in dump.splitlines()]


def write_jsonl(docs: list[dict], n: int, label: str) -> Path:
    path = OUT / f"replicated-{label}-{n}.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        for i in range(n):
            doc = dict(docs[i % len(docs)])
            doc["id"] = f"bench/{i}/{doc['id']}"
            for ts in ("created", "updated", "first_published"):
                doc.pop(ts, None)
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return path


def write_tei(n: int) -> Path | None:
    """A FRUS-style TEI volume with n document divs, replicated from the real excerpt's documents (every
    xml:id renamed so that the file stays valid)."""
    from lxml import etree

    src = SHARED / "corpus" / "frus" / "frus1964-68v07-excerpt.xml"
    if not src.exists():
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    tree = etree.parse(str(src), parser)
    xml_id = "{http://www.w3.org/XML/1998/namespace}id"
    docs = tree.xpath("//*[local-name()='div'][@type='document']")
    chapter = docs[0].getparent()
    for div in docs:
        div.getparent().remove(div)
    for i in range(n):
        copy = copy_module.deepcopy(docs[i % len(docs)])
        old_id, new_id = copy.get(xml_id), f"d{100000 + i}"
        for el in copy.iter():
            value = el.get(xml_id)
            if value is None:
                continue
            if value == old_id or value.startswith(old_id + "fn"):
                el.set(xml_id, new_id + value[len(old_id) :])
            else:
                el.set(xml_id, f"{value}_r{i}")  # page breaks and anchors stay unique in the file
        copy.set("n", str(100000 + i))
        chapter.append(copy)
    path = OUT / f"replicated-{n}.xml"
    tree.write(str(path), encoding="utf-8", xml_declaration=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--only", choices=["demo", "jsonl", "jsonl-short", "tei"], action="append")
    parser.add_argument("--backend", default="tantivy")
    parser.add_argument(
        "--with-speeches",
        action="store_true",
        help="replicate the demo corpus's long speeches too, not only the archive documents",
    )
    args = parser.parse_args()
    only = set(args.only or ["demo", "jsonl", "jsonl-short", "tei"])
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    print(f"search backend: {args.backend}")
    results = []
    if "demo" in only:
        from readingroom.ingest.sotu import data_dir

        results.append(run_import("demo (sotu)", [data_dir() / "metadata.csv"], 0, args.backend))
    if only & {"jsonl", "jsonl-short", "tei"}:
        docs = real_documents(args.with_speeches)
        label = "with-speeches" if args.with_speeches else "documents"
        print(
            f"replicating {len(docs)} real records ({label}), mean "
            f"{sum(len(json.dumps(d)) for d in docs) / len(docs) / 1000:,.1f} KB each"
        )
        if "jsonl" in only:
            for n in sorted({max(args.records // 10, 1), args.records}):
                results.append(
                    run_import(f"jsonl {label} {n:,}", [write_jsonl(docs, n, label)], n, args.backend)
                )
        if "jsonl-short" in only:
            # Record-sized documents, as most of an archive's records are (the seed page is 6 KB as JSON):
            # the real ones of at most SHORT bytes.
            short = [d for d in docs if len(json.dumps(d)) <= SHORT]
            print(
                f"short records: {len(short)} of them, mean "
                f"{sum(len(json.dumps(d)) for d in short) / len(short) / 1000:,.1f} KB each"
            )
            for n in sorted({max(args.records // 10, 1), args.records}):
                results.append(
                    run_import(
                        f"jsonl short records {n:,}", [write_jsonl(short, n, "short")], n, args.backend
                    )
                )
        if "tei" in only:
            for n in sorted({max(args.records // 10, 1), args.records}):
                path = write_tei(n)
                if path is None:
                    print("tei: the FRUS excerpt is not available; skipped")
                    break
                results.append(run_import(f"tei {n:,}", [path], n, args.backend))
    print()
    print(
        "| input | records | input MB | seconds | records/s | MB/s | peak RSS MiB | peak anonymous MiB (with the reading process) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['label']} | {r['records']:,} | {r['bytes'] / 1e6:,.1f} | {r['seconds']:,.1f} | "
            f"{r['rate']:,.0f} | {r['bytes'] / 1e6 / r['seconds']:,.1f} | {r['peak_mib']:,.0f} | "
            f"{r['anon_mib']:,.0f} |"
        )
    # Where the CPU goes: on two cores, the rate is at most 2 / (CPU seconds per record).
    parts = [
        "reading process",
        "importing process (Python)",
        "tantivy indexing",
        "tantivy merging, storing",
        "other threads (this measuring one)",
    ]
    print()
    print("CPU µs per record (the import's threads, start-up included):")
    print()
    print(f"| input | {' | '.join(parts)} | all | at most, on {os.cpu_count()} cores |")
    print("|---|" + "---:|" * (len(parts) + 2))
    for r in results:
        if not r["records"]:
            continue
        per = [r["cpu"].get(p, 0.0) / r["records"] * 1e6 for p in parts]
        total = sum(r["cpu"].values()) / r["records"] * 1e6
        print(
            f"| {r['label']} | {' | '.join(f'{v:,.0f}' for v in per)} | {total:,.0f} | "
            f"{(os.cpu_count() or 1) / total * 1e6:,.0f}/s |"
        )


if __name__ == "__main__":
    main()
