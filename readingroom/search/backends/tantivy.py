"""The embedded search engine: a tantivy index in READINGROOM_HOME/index.

Matching: every word matches by its stem in title, summary and text (stemmed fields), and also scores in the
folded unstemmed fields, so exact forms rank first; title weighs more than summary, summary more than text.
Facets are counted with tantivy's terms aggregation over fast fields, in the same pass for all facets, and
cached per index generation (paging and re-sorting do not count again).

One writer at a time across processes: a file lock in the index folder, held from the first write to commit().
Readers compare meta.json with what they loaded before each search and reload, so a commit made by any process
is seen by the next search.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import tantivy

from readingroom import config

from .. import analysis, facets, snippets
from ..params import SearchRequest
from ..query import Match, Not, Or, ParsedQuery
from .base import Hit, SearchBackend, SearchResult

Occur = tantivy.Occur
TEXT_FIELDS = (("title", 3.0), ("summary", 2.0), ("text", 1.0))
EXACT_BONUS = 1.5  # an unstemmed match adds this much of its field's weight again
NAME_FIELDS = ("person", "place", "subject", "collection", "type", "lang")
SCHEMA_VERSION = "2"
WRITER_HEAP = 256_000_000
BASELINE_CACHE_SIZE = 64
# Relative cost of counting a facet (measured: many distinct values per document cost most), to split the
# facets into two aggregations of equal cost that run in parallel.
FACET_COST = {"person": 6, "subject": 3, "place": 2.5, "translator": 2, "collection": 1}
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="readingroom-facets")


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw", fast=True)
    for name, _w in TEXT_FIELDS:
        sb.add_text_field(name, stored=True, tokenizer_name=analysis.FOLDED)
        sb.add_text_field(name + "_s", tokenizer_name=analysis.STEMMED)
    for name in NAME_FIELDS:
        sb.add_text_field(name + "_t", tokenizer_name=analysis.FOLDED)
    for f in facets.FACETS:
        sb.add_text_field(f.name, tokenizer_name="raw", fast=True, index_option="basic")
    for name in ("date_text", "type_label", "collection_label"):
        sb.add_text_field(name, stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("date_earliest", indexed=True, fast=True)
    sb.add_integer_field("date_latest", indexed=True, fast=True)
    sb.add_integer_field("date_asc", fast=True)
    sb.add_integer_field("date_desc", fast=True)
    sb.add_integer_field("undated", indexed=True, fast=True)
    sb.add_text_field("title_sort", tokenizer_name="raw", fast=True, index_option="basic")
    return sb.build()


def to_tantivy(doc: dict[str, Any]) -> dict[str, Any]:
    """The neutral index document (documents.py) as tantivy field values."""
    out: dict[str, Any] = {
        "id": doc["id"], "title": doc["title"], "title_s": doc["title"], "summary": doc["summary"],
        "summary_s": doc["summary"], "text": doc["text"], "text_s": doc["text"], "date_text": doc["date_text"],
        "type_label": doc["type_label"], "collection_label": doc["collection_label"],
        "title_sort": doc["title_sort"], "undated": 1 if doc["undated"] else 0,
        "date_asc": doc["sort_earliest"],
        "date_desc": doc["sort_latest"],
    }
    if doc["date_earliest"] is not None:
        out["date_earliest"] = doc["date_earliest"]
        out["date_latest"] = doc["date_latest"]
    for f in facets.FACETS:
        if doc[f.name]:
            out[f.name] = list(doc[f.name])
    for name in NAME_FIELDS:
        values = doc[name]
        if name == "lang":
            values = [f"{v} {facets.value_label('lang', v)}" for v in values]
        if values:
            out[name + "_t"] = list(values)
    return out


class TantivyBackend(SearchBackend):
    name = "tantivy"

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.schema = build_schema()
        stamp = self.path / "readingroom-schema"
        if (self.path / "meta.json").exists() and (not stamp.exists() or stamp.read_text() != SCHEMA_VERSION):
            raise RuntimeError(f"the search index in {self.path} was built by another version: "
                               f"run `readingroom reindex` to rebuild it")
        self.index_ = tantivy.Index(self.schema, str(self.path), reuse=True)
        stamp.write_text(SCHEMA_VERSION)
        for name, analyzer in analysis.analyzers().items():
            self.index_.register_tokenizer(name, analyzer)
        self.index_.config_reader(reload_policy="Manual")
        self._seen_meta: tuple[int, int] | None = None
        self._writer: tantivy.IndexWriter | None = None
        self._lock_fd: int | None = None
        self._facet_cache: OrderedDict[tuple, dict] = OrderedDict()
        self._baseline_cache: OrderedDict[tuple, tuple] = OrderedDict()
        self.facet_cache_size = int(config.get("READINGROOM_SEARCH_FACET_CACHE") or 0)

    # -- writing -----------------------------------------------------------------------------------------------
    def acquire(self, timeout: float | None = 120.0) -> bool:
        """Take the cross-process writer lock. timeout=0: try once; False when another process holds it."""
        if self._lock_fd is not None:
            return True
        fd = os.open(self.path / "readingroom-writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + (timeout or 0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._lock_fd = fd
                return True
            except BlockingIOError:
                if timeout is not None and time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(0.05)

    def _release(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def _w(self) -> tantivy.IndexWriter:
        if self._writer is None:
            if not self.acquire():
                raise TimeoutError(f"another process has held the search index writer lock in {self.path} for "
                                   f"two minutes; if no import or indexer is running, delete "
                                   f"{self.path / 'readingroom-writer.lock'}")
            self._writer = self.index_.writer(WRITER_HEAP, 2)
        return self._writer

    def index(self, docs: Iterable[dict[str, Any]]) -> int:
        w, n = self._w(), 0
        for doc in docs:
            w.delete_documents_by_term("id", doc["id"])
            w.add_document(tantivy.Document.from_dict(to_tantivy(doc), self.schema))
            n += 1
        return n

    def delete(self, ids: Iterable[str]) -> None:
        w = self._w()
        for rid in ids:
            w.delete_documents_by_term("id", rid)

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

    def close(self) -> None:
        if self._writer is not None:
            self._writer.rollback()
            self._writer = None
        self._release()

    # -- reading -----------------------------------------------------------------------------------------------
    def _reload(self, force: bool = False) -> None:
        try:
            st = (self.path / "meta.json").stat()
        except FileNotFoundError:
            return
        meta = (st.st_mtime_ns, st.st_size)
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
            chunk = ids[i:i + 1000]
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
        return stemmed + [(n, w * EXACT_BONUS) for n, w in chosen]

    def _field_query(self, field: str, m: Match) -> tantivy.Query:
        stemmed = field.endswith("_s")
        words = [analysis.stem(w) or w for w in m.words] if stemmed else list(m.words)
        if m.prefix:
            # A prefix matches the beginning of a word or of a stem ("harri*": Harriman, and Harry by its
            # stem "harri"), as the Typesense backend, which only holds stems, does.
            words[-1] = m.words[-1]
            if len(words) == 1:
                return tantivy.Query.regex_query(self.schema, field, re.escape(words[0]) + ".*")
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
                parts.append((Occur.Must, tantivy.Query.boolean_query(
                    [(Occur.Should, self.match_query(m)) for m in clause.children])))
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
        for f in (facets.BY_NAME[n] for n in req.facets):
            if f.mode == "or" and req.selected(f.name):
                jobs.append((self.full_query(req, skip_filter=f.name), [f]))
            else:
                main.append(f)
        halves: tuple[list, list] = ([], [])
        for f in sorted(main, key=lambda f: -FACET_COST.get(f.name, 1)):
            lighter = min(halves, key=lambda h: sum(FACET_COST.get(x.name, 1) for x in h))
            lighter.append(f)
        return [(query, h) for h in halves if h] + jobs

    @staticmethod
    def _agg(searcher: tantivy.Searcher, query: tantivy.Query, group: list) -> dict[str, list[tuple[str, int]]]:
        # Each segment reports its top values (tantivy's segment_size, 1.5 x size + 10): with FETCH_EXTRA values
        # asked beyond those shown, the shown counts are exact unless a value is rare in one segment and
        # among the top ones overall, as in Elasticsearch.
        spec = {f.name: {"terms": {"field": f.name, "size": f.size + facets.FETCH_EXTRA}} for f in group}
        res = searcher.aggregate(query, spec)
        return {f.name: facets.top([(b["key"], b["doc_count"]) for b in res.get(f.name, {}).get("buckets", [])],
                                   f.size) for f in group}

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
        cache, size = ((self._baseline_cache, BASELINE_CACHE_SIZE) if req.query.is_empty
                       else (self._facet_cache, self.facet_cache_size))
        if size > 0:
            cache[key] = counts
            if len(cache) > size:
                cache.popitem(last=False)

    def search(self, req: SearchRequest) -> SearchResult:
        t0 = time.perf_counter()
        searcher = self._searcher()
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
        futures = []
        if facet_counts is None:
            # Facets are counted on the other core(s) while this thread finds the page of hits.
            futures = [_POOL.submit(self._agg, searcher, q, group) for q, group in self._facet_jobs(req, query)]
        res = searcher.search(query, **kwargs)
        positive = req.query.positive
        hits = []
        for _key, addr in res.hits:
            d = searcher.doc(addr)
            text = d.get_first("text") or ""
            summary = d.get_first("summary") or ""
            hits.append(Hit(
                id=d.get_first("id"), title=d.get_first("title") or "", date_text=d.get_first("date_text") or "",
                type=d.get_first("type_label") or "", collection=d.get_first("collection_label") or "",
                snippet_html=snippets.snippet_html(text, positive, fallback=summary),
            ))
        if facet_counts is None:
            facet_counts = {}
            for fut in futures:
                facet_counts.update(fut.result())
            facet_counts = {n: facet_counts.get(n, []) for n in req.facets}
            self._keep_facets(req, facet_counts)
        return SearchResult(total=res.count or 0, hits=hits, facets=facet_counts,
                            understood=req.query.understood, notes=req.query.notes + req.notes,
                            engine_ms=(time.perf_counter() - t0) * 1000)
