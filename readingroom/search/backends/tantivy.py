"""The embedded search engine: a tantivy index in READINGROOM_HOME/index.

Matching: every word matches by its stem in title, summary and text (stemmed fields); in title and summary it
also scores in folded unstemmed twins, so exact forms there rank first. Title weighs more than summary, summary
more than text. The body text is indexed once, by stem (with positions, for phrases), and stored for snippets:
a folded twin of it doubled the cost of indexing (measured: 439 -> 276 microseconds of CPU per 10 KB record) for
a ranking nicety that Typesense, which holds only stems, never had either.
Facets are counted with tantivy's terms aggregation over fast fields, beside the search of the page of hits,
and cached per index generation (paging and re-sorting do not count again). A search that matches most of the
index is counted the other way round: the facets of the whole index (counted once per index generation) minus
those of the documents the search does not match, which are fewer (facets.subtract keeps every count exact).

One writer at a time across processes: a file lock in the index folder, held from the first write to commit().
Readers compare meta.json with what they loaded before each search and reload, so a commit made by any process
is seen by the next search.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tantivy

from readingroom.config import ArchiveSettings
from readingroom.locks import HeldFileLock

from .. import analysis, facets, fields, snippets
from ..params import SearchRequest
from ..query import Match, Not, Or, ParsedQuery
from .base import Hit, SearchBackend, SearchResult

Occur = tantivy.Occur
TEXT_FIELDS = tuple((f.name, f.weight) for f in fields.TEXT_FIELDS)
EXACT_BONUS = 1.5  # an unstemmed match adds this much of its field's weight again
EXACT_FIELDS = tuple(
    f.name for f in fields.TEXT_FIELDS if f.exact
)  # with a folded unstemmed twin (module note)
NAME_FIELDS = tuple(f.name for f in fields.WORD_FIELDS)
SCHEMA_VERSION = "6"  # 4: the fields of search/fields.py, in its order; 5: names, source; 6: withheld
WRITER_HEAP = 64_000_000  # bytes, for the writer's threads: an import of 100,000 records holds about 210 MB
# Two indexing threads. One costs less CPU (its segments are twice as large: less to flush and merge) and
# imported 100,000 records of 10 KB at 2,473/s against 2,123/s, but it falls behind on long records: tantivy's
# queue of 10,000 documents fills, and an import of 100,000 records of 39 KB grew to 1,284 MiB (649 MiB at
# 10,000). With two, the same import holds 644 MiB (614 at 10,000): memory stays flat whatever the input.
WRITER_THREADS = 2
BASELINE_CACHE_SIZE = 64
# Relative cost of counting a facet (measured: many distinct values per document cost most), to split the
# facets into two aggregations of equal cost that run in parallel.
FACET_COST = {"person": 6, "subject": 3, "place": 2.5, "translator": 2, "collection": 1}
FACET_THREADS = 2  # facet aggregations of one search run side by side
# A search matching more than this share of the index has its facets counted over the documents it does not
# match. Counting costs about the same per document either way (measured at 1M records: "states", 84 % of the
# index, 145 ms counted directly, 50 ms over the other 16 %).
COMPLEMENT_SHARE = 0.5
# Facets with at most this many values in the index are counted for every value over the complement (exact by
# construction, cheap); the others only for their leading values (an include list), enough to prove the top.
ALL_VALUES_UP_TO = 1000
BASELINE_VALUES = 1_000_000  # a facet with more values in the index is never counted by subtraction
# A search whose every match holds a word found in at least this share of the index (a phrase of common words,
# "united states") has its facets counted as that word's facet counts (kept per index generation) minus those
# of the word's documents the search does not match. The word's counts are made in the background the first
# time a search needs them; until then the search counts directly.
WORD_SHARE = 0.25
WORD_BASELINES = 32  # words whose counts a process keeps


def build_schema() -> tantivy.Schema:
    """The fields of search/fields.py as tantivy fields: a "text" field is stemmed (`title_s`), with a folded
    twin under its own name when exact forms rank first; a facet a query names has a folded twin (`person_t`)."""
    sb = tantivy.SchemaBuilder()
    for f in fields.FIELDS:
        if f.kind == "id":
            sb.add_text_field(f.name, stored=True, tokenizer_name="raw", fast=True)
        elif f.kind == "text":
            if f.exact:
                sb.add_text_field(f.name, stored=f.stored, tokenizer_name=analysis.FOLDED)
            sb.add_text_field(f.name + "_s", stored=f.stored and not f.exact, tokenizer_name=analysis.STEMMED)
        elif f.kind == "keyword":
            sb.add_text_field(
                f.name, stored=f.stored, tokenizer_name="raw", fast=f.is_facet or f.sort, index_option="basic"
            )
            if f.name in NAME_FIELDS:
                sb.add_text_field(f.name + "_t", tokenizer_name=analysis.FOLDED)
        else:  # date, number, flag; sort keys need no index, only their fast values
            sb.add_integer_field(f.name, indexed=not f.sort, fast=True)
    return sb.build()


# What to_tantivy does with each field, worked out once: (name, kind, has an exact twin, is a facet, has a twin
# a query searches).
_PLAN = tuple((f.name, f.kind, f.exact, f.is_facet, f.name in NAME_FIELDS) for f in fields.FIELDS)


def to_tantivy(doc: dict[str, Any]) -> dict[str, Any]:
    """The neutral index document (documents.py) as tantivy field values."""
    out: dict[str, Any] = {}
    for name, kind, exact, facet, words in _PLAN:
        value = doc[name]
        if kind == "text":
            out[name + "_s"] = value
            if exact:
                out[name] = value
        elif kind == "flag":
            out[name] = 1 if value else 0
        elif facet:
            if value:
                out[name] = list(value)
                if words:
                    if name == "lang":  # a language is found by its code and by its name
                        value = [f"{v} {facets.value_label(name, v)}" for v in value]
                    out[name + "_t"] = list(value)
        elif value is not None:
            out[name] = value
    return out


@dataclass(frozen=True)
class Baseline:
    """The facet counts over the whole index (or over the documents holding one word) at one index generation,
    exact for every value."""

    generation: tuple[int, int, int] | None
    total: int
    counts: dict[str, dict[str, int]]  # facet -> value -> documents; facets too large to hold are left out
    order: dict[str, list[str]]  # facet -> its values, most documents first


def outdated(path: Path) -> bool:
    """Whether the index in `path` was built with another schema (an earlier version of Readingroom)."""
    stamp = path / "readingroom-schema"
    return (path / "meta.json").exists() and (not stamp.exists() or stamp.read_text() != SCHEMA_VERSION)


def discard(path: Path) -> None:
    """Remove an outdated index, so that a new one can be built in its place (search.indexing.upgrade)."""
    for child in path.iterdir():
        if child.is_file() and child.name != "readingroom-writer.lock":  # another process may hold it
            child.unlink()


class TantivyBackend(SearchBackend):
    name = "tantivy"
    transactional = True

    def __init__(self, path: Path | str, *, facet_cache_size: int = 512):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.schema = build_schema()
        stamp = self.path / "readingroom-schema"
        if outdated(self.path):
            raise RuntimeError(
                f"the search index in {self.path} was built by another version of Readingroom: "
                f"run `readingroom init` or `readingroom reindex` to rebuild it"
            )
        self.index_ = tantivy.Index(self.schema, str(self.path), reuse=True)
        stamp.write_text(SCHEMA_VERSION)
        for name, analyzer in analysis.analyzers().items():
            self.index_.register_tokenizer(name, analyzer)
        self.index_.config_reader(reload_policy="Manual")
        self._seen_meta: tuple[int, int, int] | None = None
        self._writer: tantivy.IndexWriter | None = None
        self._lock = HeldFileLock(self.path / "readingroom-writer.lock")
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._facet_cache: OrderedDict[tuple, dict] = OrderedDict()
        self._baseline_cache: OrderedDict[tuple, dict] = OrderedDict()
        self.facet_cache_size = facet_cache_size
        self._baseline: Baseline | None = None
        self._baseline_pending: object = False  # the generation being counted in the background
        self.complement_share = COMPLEMENT_SHARE
        self.word_share = WORD_SHARE
        self.word_baselines_in_background = True  # False: counted at once, in the searching thread (tests)
        self._word_baselines: OrderedDict[tuple, Baseline] = OrderedDict()
        self._word_pending: set[tuple] = set()
        self.all_values_up_to = ALL_VALUES_UP_TO

    @classmethod
    def from_settings(cls, settings: ArchiveSettings) -> TantivyBackend:
        return cls(settings.index_path, facet_cache_size=settings.facet_cache)

    @classmethod
    def outdated(cls, settings: ArchiveSettings) -> bool:
        return settings.index_path.is_dir() and outdated(settings.index_path)

    @classmethod
    def discard(cls, settings: ArchiveSettings) -> None:
        discard(settings.index_path)

    @property
    def pool(self) -> ThreadPoolExecutor:
        """Threads for facet aggregations, made by the first search that needs them, ended by close()."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    max_workers=FACET_THREADS, thread_name_prefix="readingroom-facets"
                )
            return self._pool

    # -- writing -----------------------------------------------------------------------------------------------
    def acquire(self, timeout: float | None = 120.0) -> bool:
        """Take the cross-process writer lock. timeout=0: try once; False when another process holds it."""
        return self._lock.acquire(wait=timeout != 0, timeout=timeout)

    def _release(self) -> None:
        self._lock.release()

    def _w(self) -> tantivy.IndexWriter:
        if self._writer is None:
            if not self.acquire():
                raise TimeoutError(
                    f"another process has held the search index writer lock in {self.path} for "
                    f"two minutes; if no import or indexer is running, delete "
                    f"{self.path / 'readingroom-writer.lock'}"
                )
            self._writer = self.index_.writer(WRITER_HEAP, WRITER_THREADS)
        return self._writer

    def index(self, docs: Iterable[dict[str, Any]]) -> int:
        docs = list(docs)
        w = self._w()
        self.delete([doc["id"] for doc in docs])  # replaces: the delete comes first, so spares the new ones
        for doc in docs:
            w.add_document(tantivy.Document.from_dict(to_tantivy(doc), self.schema))
        return len(docs)

    def delete(self, ids: Iterable[str]) -> None:
        # One delete operation for the batch, not one per id: tantivy keeps every delete operation in memory
        # until the commit (about 1.7 KB each), which for an import of 100,000 records in one transaction
        # grew the process by 170 MB.
        ids = list(ids)
        if ids:
            self._w().delete_documents_by_query(tantivy.Query.term_set_query(self.schema, "id", ids))

    def commit(self) -> None:
        if self._writer is None:
            return
        try:
            self._writer.commit()
            self._writer.wait_merging_threads()
        finally:
            self._writer = None
            self._release()
        self._reload(force=True)

    def clear(self) -> None:
        self._w().delete_all_documents()
        self.commit()

    def begin_rebuild(self) -> None:
        self._w().delete_all_documents()  # same commit as the new documents: readers never see a gap

    def finish_rebuild(self, kept: set[str]) -> None:
        pass  # begin_rebuild() removed everything that was not indexed again

    def close(self) -> None:
        if self._writer is not None:
            self._writer.rollback()
            self._writer = None
        self._release()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    # -- reading -----------------------------------------------------------------------------------------------
    def _reload(self, force: bool = False) -> None:
        try:
            st = (self.path / "meta.json").stat()
        except FileNotFoundError:
            return
        # The inode too: tantivy writes meta.json anew at each commit, and two commits within the file system's
        # time granularity may leave a file of the same size (a withdrawal then stays visible to this reader).
        meta = (st.st_ino, st.st_mtime_ns, st.st_size)
        if force or meta != self._seen_meta:
            self.index_.reload()
            self._seen_meta = meta

    def _searcher(self) -> tantivy.Searcher:
        self._reload()
        return self.index_.searcher()

    def count(self) -> int:
        return self._searcher().num_docs

    def ids(self) -> set[str]:
        s = self._searcher()
        if s.num_docs == 0:
            return set()
        return {term for term, _n in s.terms_with_prefix("id", "", filter_query=tantivy.Query.all_query())}

    def contains(self, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        if not ids:
            return set()
        s = self._searcher()
        found: set[str] = set()
        for i in range(0, len(ids), 1000):
            chunk = ids[i : i + 1000]
            q = tantivy.Query.term_set_query(self.schema, "id", chunk)
            res = s.search(q, limit=len(chunk), count=False)
            found.update(s.doc(addr)["id"][0] for _score, addr in res.hits)
        return found

    # -- queries -----------------------------------------------------------------------------------------------
    def _fields_for(self, m: Match) -> list[tuple[str, float]]:
        """(field, weight) pairs a Match searches: stemmed fields match, unstemmed ones add rank."""
        if m.field in NAME_FIELDS:
            return [(m.field + "_t", 1.0)]
        chosen = [(n, w) for n, w in TEXT_FIELDS if m.field is None or n == m.field]
        stemmed = [(n + "_s", w) for n, w in chosen]
        if m.is_phrase and not m.prefix:
            # Phrases match and rank on the stemmed fields alone: positions are the costly part of a search,
            # and reading them twice would double the time of "united states" for little change in order.
            return stemmed
        return stemmed + [(n, w * EXACT_BONUS) for n, w in chosen if n in EXACT_FIELDS]

    def _field_query(self, field: str, m: Match) -> tantivy.Query:
        stemmed = field.endswith("_s")
        # tantivy's phrase queries take words, or (position, word) pairs.
        words: list[str | tuple[int, str]] = (
            [analysis.stem(w) or w for w in m.words] if stemmed else list(m.words)
        )
        if m.prefix:
            # A prefix matches the beginning of a word or of a stem ("harri*": Harriman, and Harry by its
            # stem "harri"), as the Typesense backend, which only holds stems, does.
            words[-1] = m.words[-1]
            if len(words) == 1:
                return tantivy.Query.regex_query(self.schema, field, re.escape(m.words[-1]) + ".*")
            return tantivy.Query.phrase_prefix_query(self.schema, field, words)
        if len(words) == 1:
            return tantivy.Query.term_query(self.schema, field, words[0], index_option="freq")
        return tantivy.Query.phrase_query(self.schema, field, words)

    def match_query(self, m: Match) -> tantivy.Query:
        if m.field == "id":
            return tantivy.Query.term_query(self.schema, "id", m.words[0])
        parts = []
        for field, weight in self._fields_for(m):
            parts.append((Occur.Should, tantivy.Query.boost_query(self._field_query(field, m), weight)))
        return tantivy.Query.boolean_query(parts)

    def text_query(self, q: ParsedQuery) -> tantivy.Query | None:
        if q.is_empty:
            return None
        parts = []
        for clause in q.clauses:
            if isinstance(clause, Match):
                parts.append((Occur.Must, self.match_query(clause)))
            elif isinstance(clause, Or):
                parts.append(
                    (
                        Occur.Must,
                        tantivy.Query.boolean_query(
                            [(Occur.Should, self.match_query(m)) for m in clause.children]
                        ),
                    )
                )
            elif isinstance(clause, Not):
                parts.append((Occur.MustNot, self.match_query(clause.child)))
        if all(occ == Occur.MustNot for occ, _ in parts):
            parts.append((Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(parts)

    def _range(self, field: str, lo: int | None, hi: int | None) -> tantivy.Query:
        return tantivy.Query.range_query(self.schema, field, tantivy.FieldType.Integer, lo, hi)

    def filter_queries(self, req: SearchRequest, skip: str | None = None) -> list[tantivy.Query]:
        out = []
        for name, values in req.filters:
            if name == skip:
                continue
            terms = [tantivy.Query.term_query(self.schema, name, v) for v in values]
            if facets.BY_NAME[name].mode == "or" and len(terms) > 1:
                out.append(tantivy.Query.boolean_query([(Occur.Should, t) for t in terms]))
            else:
                out.extend(terms)
        if req.date_from is not None or req.date_to is not None:
            # Overlap: the record's range ends after the filter starts and starts before the filter ends.
            dated = []
            if req.date_from is not None:
                dated.append((Occur.Must, self._range("date_latest", req.date_from, None)))
            if req.date_to is not None:
                dated.append((Occur.Must, self._range("date_earliest", None, req.date_to)))
            dated_q = tantivy.Query.boolean_query(dated)
            if req.undated == "include":
                undated_q = tantivy.Query.term_query(self.schema, "undated", 1)
                out.append(tantivy.Query.boolean_query([(Occur.Should, dated_q), (Occur.Should, undated_q)]))
            else:
                out.append(dated_q)
        elif req.undated == "exclude":
            out.append(tantivy.Query.term_query(self.schema, "undated", 0))
        return out

    def full_query(self, req: SearchRequest, skip_filter: str | None = None) -> tantivy.Query:
        text = self.text_query(req.query)
        filters = self.filter_queries(req, skip_filter)
        if not filters:
            return text or tantivy.Query.all_query()
        parts = [(Occur.Must, text or tantivy.Query.all_query())]
        # Filters decide membership, never rank: a constant score of zero.
        parts += [(Occur.Must, tantivy.Query.const_score_query(f, 0.0)) for f in filters]
        return tantivy.Query.boolean_query(parts)

    def _facet_jobs(self, req: SearchRequest, query: tantivy.Query) -> list[tuple[tantivy.Query, list]]:
        """The aggregations a page needs: the facets counted over the search itself, split in two halves of
        about equal cost (they run in parallel), and each "or" facet with a selection over the search
        without its own filter."""
        main: list[facets.Facet] = []
        jobs: list[tuple[tantivy.Query, list]] = []
        for f in req.counted_facets():
            if f.mode == "or" and req.selected(f.name):
                jobs.append((self.full_query(req, skip_filter=f.name), [f]))
            else:
                main.append(f)
        return [(query, h) for h in self._halves(main)] + jobs

    @staticmethod
    def _halves(group: list[facets.Facet]) -> list[list[facets.Facet]]:
        """Two groups of facets of about equal counting cost, to count in parallel."""
        halves: tuple[list, list] = ([], [])
        for f in sorted(group, key=lambda f: -FACET_COST.get(f.name, 1)):
            lighter = min(halves, key=lambda h: sum(FACET_COST.get(x.name, 1) for x in h))
            lighter.append(f)
        return [h for h in halves if h]

    @staticmethod
    def _agg(
        searcher: tantivy.Searcher, query: tantivy.Query, group: list
    ) -> dict[str, list[tuple[str, int]]]:
        # Each segment reports its top values (tantivy's segment_size, 1.5 x size + 10): with FETCH_EXTRA values
        # asked beyond those shown, the shown counts are exact unless a value is rare in one segment and
        # among the top ones overall, as in Elasticsearch.
        spec = {f.name: {"terms": {"field": f.name, "size": f.size + facets.FETCH_EXTRA}} for f in group}
        res = searcher.aggregate(query, spec)
        return {
            f.name: facets.top(
                [(b["key"], b["doc_count"]) for b in res.get(f.name, {}).get("buckets", [])], f.size
            )
            for f in group
        }

    # -- facets by subtraction ---------------------------------------------------------------------------------
    def warm(self) -> Baseline:
        """Count the facets of the whole index now. Without this, the first search of each index generation starts
        counting them in the background, and searches count directly until they are known."""
        searcher = self._searcher()
        return self._count_baseline(searcher, self._seen_meta)

    def _count_baseline(
        self,
        searcher: tantivy.Searcher,
        generation: tuple[int, int, int] | None,
        within: tantivy.Query | None = None,
    ) -> Baseline:
        spec = {f.name: {"terms": {"field": f.name, "size": BASELINE_VALUES}} for f in facets.FACETS}
        if within is not None:
            total = searcher.search(within, limit=1, count=True).count or 0  # type: ignore[attr-defined]  # count: not in tantivy.pyi
            res = searcher.aggregate(within, spec) if total else {}
        else:
            total = searcher.num_docs
            res = searcher.aggregate(tantivy.Query.all_query(), spec) if total else {}
        counts = {}
        for f in facets.FACETS:
            r = res.get(f.name, {})
            if r.get("sum_other_doc_count", 0) == 0 and r.get("doc_count_error_upper_bound", 0) == 0:
                counts[f.name] = {b["key"]: b["doc_count"] for b in r.get("buckets", [])}
        base = Baseline(generation, total, counts, {n: facets.ranked(c) for n, c in counts.items()})
        if within is None:
            self._baseline = base
        return base

    def _common_word(
        self, searcher: tantivy.Searcher, q: ParsedQuery, total: int
    ) -> tuple[tuple, tantivy.Query] | None:
        """A word every match of the query holds, found in at least `word_share` of the index, as a cache key
        and the query for its documents: the rarest such word of the query's required text matches."""
        best: tuple[int, tuple[str, ...], str] | None = None
        for clause in q.clauses:
            if (
                not isinstance(clause, Match)
                or clause.prefix
                or clause.field not in (None, *dict(TEXT_FIELDS))
            ):
                continue
            # The stemmed fields hold every match: a folded word's stem is in the same field's stemmed twin.
            fields = tuple(f for f, _w in self._fields_for(clause) if f.endswith("_s"))
            for word in clause.words:
                stem = analysis.stem(word) or word
                df = max(searcher.doc_freq(f, stem) for f in fields)
                if best is None or df < best[0]:
                    best = (df, fields, stem)
        if best is None or best[0] < self.word_share * total:
            return None
        _df, fields, stem = best
        within = tantivy.Query.boolean_query(
            [(Occur.Should, tantivy.Query.term_query(self.schema, f, stem)) for f in fields]
        )
        return (fields, stem), within

    def _word_baseline(
        self,
        searcher: tantivy.Searcher,
        generation: tuple[int, int, int] | None,
        key: tuple,
        within: tantivy.Query,
    ) -> Baseline | None:
        """The facet counts of one word's documents at this generation: kept, or started in the background (None
        until then), or counted at once when `word_baselines_in_background` is off."""
        key = (generation, *key)
        found = self._word_baselines.get(key)
        if found is not None:
            self._word_baselines.move_to_end(key)
            return found

        def count() -> Baseline:
            base = self._count_baseline(searcher, generation, within)
            self._word_baselines[key] = base
            while len(self._word_baselines) > WORD_BASELINES:
                self._word_baselines.popitem(last=False)
            self._word_pending.discard(key)
            return base

        if not self.word_baselines_in_background:
            return count()
        if key not in self._word_pending:
            self._word_pending.add(key)
            self.pool.submit(count)
        return None

    def _current_baseline(
        self, searcher: tantivy.Searcher, generation: tuple[int, int, int] | None
    ) -> Baseline | None:
        base = self._baseline
        if base is not None and base.generation == generation:
            return base
        if self._baseline_pending != generation:
            # Once per generation, on the first search (never in a process that only writes, as an import).
            self._baseline_pending = generation
            self.pool.submit(self._count_baseline, searcher, generation)
        return None

    def _estimated_hits(self, searcher: tantivy.Searcher, q: ParsedQuery) -> int:
        """About how many documents a query matches, from its words' document frequencies (read from the term
        dictionary, free). It only chooses how facets are counted, never what they count."""

        def match(m: Match) -> int:
            if m.field == "id":
                return 1
            if m.prefix:
                return 0
            fields = [f for f, _w in self._fields_for(m) if f.endswith(("_s", "_t"))]
            return min(
                (
                    max(
                        searcher.doc_freq(f, (analysis.stem(w) or w) if f.endswith("_s") else w)
                        for f in fields
                    )
                    for w in m.words
                ),
                default=0,
            )

        positive, negative = [], 0
        for clause in q.clauses:
            if isinstance(clause, Match):
                positive.append(match(clause))
            elif isinstance(clause, Or):
                positive.append(sum(match(m) for m in clause.children))
            elif isinstance(clause, Not):
                negative += match(clause.child)
        return min(positive) if positive else max(0, searcher.num_docs - negative)

    def _rest_spec(self, f: facets.Facet, base: Baseline) -> tuple[dict, int]:
        """The aggregation of one facet over the documents a search does not match, and for how many of the
        index's leading values it gives exact counts."""
        order = base.order[f.name]
        if len(order) <= self.all_values_up_to:
            # Every value: each segment then reports all of its values, so every count is exact.
            return {"terms": {"field": f.name, "size": max(len(order), 1)}}, len(order)
        leading = order[: f.size + facets.FETCH_EXTRA]
        return {"terms": {"field": f.name, "size": len(leading), "include": leading}}, len(leading)

    def _count_facets(
        self,
        searcher: tantivy.Searcher,
        generation: tuple[int, int, int] | None,
        req: SearchRequest,
        query: tantivy.Query,
    ) -> Callable[[], dict]:
        """Start counting a search's facets on the pool (the caller meanwhile finds the hits); returns the
        function that waits for the counts."""
        base = self._current_baseline(searcher, generation)
        if base is not None and base.total and not self.filter_queries(req):
            if (
                req.query.is_empty
                or self._estimated_hits(searcher, req.query) >= self.complement_share * base.total
            ):
                return self._count_by_subtraction(searcher, req, query, base)
            common = self._common_word(searcher, req.query, base.total)
            word_base = self._word_baseline(searcher, generation, *common) if common else None
            if common and word_base is not None and word_base.total:
                return self._count_by_subtraction(searcher, req, query, word_base, within=common[1])
        futures = [
            self.pool.submit(self._agg, searcher, q, group) for q, group in self._facet_jobs(req, query)
        ]

        def counted() -> dict:
            out: dict = {}
            for fut in futures:
                out.update(fut.result())
            return {n: out.get(n, []) for n in req.facets}

        return counted

    def _count_by_subtraction(
        self,
        searcher: tantivy.Searcher,
        req: SearchRequest,
        query: tantivy.Query,
        base: Baseline,
        within: tantivy.Query | None = None,
    ) -> Callable[[], dict]:
        """Facets as `base` (the counts over the whole index, or over `within`, a set holding every match) minus
        the counts over the documents of that set the search does not match."""
        wanted = req.counted_facets()
        held = [f for f in wanted if f.name in base.counts]
        specs = {f.name: self._rest_spec(f, base) for f in held}
        futures = []
        if not req.query.is_empty:
            rest_q = tantivy.Query.boolean_query(
                [(Occur.Must, within or tantivy.Query.all_query()), (Occur.MustNot, query)]
            )
            # Over the whole index the rest is large: counted in two halves in parallel. Within a word's documents
            # it is small, and each half would evaluate the search again: one aggregation.
            groups = self._halves(held) if within is None else [held]
            futures = [
                self.pool.submit(searcher.aggregate, rest_q, {f.name: specs[f.name][0] for f in group})
                for group in groups
                if group
            ]

        def counted() -> dict:
            rest: dict = {}
            for fut in futures:
                rest.update(fut.result())
            out, direct = {}, [f for f in wanted if f.name not in base.counts]
            for f in held:
                got = {b["key"]: b["doc_count"] for b in rest.get(f.name, {}).get("buckets", [])}
                shown = facets.subtract(
                    base.counts[f.name], base.order[f.name], got, specs[f.name][1], f.size
                )
                if shown is None:
                    direct.append(f)  # a value beyond the leading ones might belong on top: count it directly
                else:
                    out[f.name] = shown
            if direct:
                out.update(self._agg(searcher, query, direct))
            return {n: out.get(n, []) for n in req.facets}

        return counted

    def _cached_facets(self, req: SearchRequest) -> dict | None:
        key = (self._seen_meta, req.cache_key())
        # Searches without words (the landing page, browsing by filters) are few and costly: always kept.
        cache = self._baseline_cache if req.query.is_empty else self._facet_cache
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
        return found

    def _keep_facets(self, req: SearchRequest, counts: dict) -> None:
        key = (self._seen_meta, req.cache_key())
        cache, size = (
            (self._baseline_cache, BASELINE_CACHE_SIZE)
            if req.query.is_empty
            else (self._facet_cache, self.facet_cache_size)
        )
        if size > 0:
            cache[key] = counts
            if len(cache) > size:
                cache.popitem(last=False)

    def search(self, req: SearchRequest) -> SearchResult:
        t0 = time.perf_counter()
        searcher = self._searcher()
        generation = self._seen_meta
        query = self.full_query(req)
        kwargs: dict[str, Any] = {"limit": req.page_size, "offset": req.offset, "count": True}
        sort = req.sort if not (req.sort == "relevance" and req.query.is_empty) else "date"
        if sort == "date":
            kwargs.update(order_by_field="date_asc", order=tantivy.Order.Asc)
        elif sort == "-date":
            kwargs.update(order_by_field="date_desc", order=tantivy.Order.Desc)
        elif sort == "title":
            kwargs.update(order_by_field="title_sort", order=tantivy.Order.Asc)
        facet_counts = self._cached_facets(req) if req.facets else {}
        counted = None
        if facet_counts is None:
            # Facets are counted on the other core(s) while this thread finds the page of hits.
            counted = self._count_facets(searcher, generation, req, query)
        res = searcher.search(query, **kwargs)
        positive = req.query.positive
        hits = []
        for _key, addr in res.hits:
            d = searcher.doc(addr)
            summary = d.get_first("summary") or ""
            hits.append(
                Hit(
                    id=d.get_first("id") or "",
                    title=d.get_first("title") or "",
                    date_text=d.get_first("date_text") or "",
                    type=d.get_first("type_label") or "",
                    collection=d.get_first("collection_label") or "",
                    snippet_html=snippets.snippet_html(
                        d.get_first("text_s") or "", positive, fallback=summary
                    )
                    if req.snippets
                    else "",
                    summary=summary,
                )
            )
        if counted is not None:
            facet_counts = counted()
            self._keep_facets(req, facet_counts)
        return SearchResult(
            total=res.count or 0,  # type: ignore[attr-defined]  # count: not in tantivy.pyi
            hits=hits,
            facets=facet_counts or {},
            understood=req.query.understood,
            notes=req.query.notes + req.notes,
            engine_ms=(time.perf_counter() - t0) * 1000,
        )
