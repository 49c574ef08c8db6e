"""Typesense, the search server for archives that outgrow one machine.

Typesense 0.24 has neither stemming nor OR between words, so the text is given to it pre-analyzed (the same
tantivy analyzers as the embedded backend: folded, stemmed tokens joined by spaces) and a query is split in two:
- `q` (over the stemmed title, summary and text, weighted 3:2:1) holds the words and phrases every match must
  contain, and the NOTs; it matches and ranks;
- `filter_by` holds the rest: OR groups, field-scoped words (title:, person:, ...), facet selections, dates.
Limits, said in the notes of a result when they apply: only the last `word*` of a query is a prefix (Typesense
expands only the last token); a phrase inside OR or in a field matches its words anywhere in that field; NOT
works on words and phrases, not on fields. Exact forms do not rank above other forms of the same stem.

Every search is one HTTP request: a multi-search when "or" facets with a selection need their own counts.
Imports are JSON Lines batches of 2,000 with action=upsert.

Two clients. The quick one gives a node 5 s (30 s when there is one) and then asks the next: searches, and
the writes a reader's request makes (an editor's save indexes its record after the database commit), which
raise SearchUnavailable when no node takes them, leaving the record in the outbox for the worker. The patient
one is for commands and the worker (`with backend.patient():`): a batch is given WRITE_TIMEOUT on a node (a
busy cluster takes seconds for one, more while it replays a lost node), and while the cluster has no leader
(the followers of a killed leader elect another, which takes seconds, longer on a loaded machine) it is sent
again for up to WRITE_PATIENCE seconds in all. A batch sent twice changes nothing (upsert).
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any

try:
    import typesense
    from typesense import exceptions as ts_errors
    from typesense.http_backend import backend_errors
except ImportError as e:  # an extra: `pip install readingroom` alone is the embedded archive
    raise ImportError(
        "READINGROOM_SEARCH_BACKEND=typesense needs the Typesense client: "
        "pip install 'readingroom[typesense]'",
        name=e.name,
    ) from e

from django.core.exceptions import ImproperlyConfigured

from readingroom.config import ArchiveSettings

from .. import analysis, facets, fields, snippets
from ..params import SearchRequest
from ..query import Match, Not, Or
from .base import Hit, SearchBackend, SearchResult, SearchUnavailable

log = logging.getLogger(__name__)
TEXT_FIELDS = tuple((f.name, int(f.weight)) for f in fields.TEXT_FIELDS)  # Typesense weighs by integers
NAME_FIELDS = tuple(f.name for f in fields.WORD_FIELDS)
STORED_FIELDS = tuple(f.name for f in fields.STORED_FIELDS if f.kind != "id")  # the id is always given back
BATCH = 2000
WRITE_TIMEOUT = 60  # seconds a patient write may take on one node before it is sent to the next
WRITE_PATIENCE = 120  # seconds a patient write is tried again while no node takes it (no leader, catching up)
# What a node says (or fails to say) when it cannot take a write now; anything else is the write's own fault.
UNAVAILABLE: tuple[type[Exception], ...] = (
    ts_errors.ServiceUnavailable,  # 503: Not Ready or Lagging
    ts_errors.ServerError,  # 500: Could not find a leader
    ts_errors.HTTPStatus0Error,
    *backend_errors("TransportError"),  # the client's HTTP library (httpx): refused, reset, timed out
)
_patient: contextvars.ContextVar[bool] = contextvars.ContextVar("typesense_patient_writes", default=False)


def schema(name: str) -> dict:
    """The collection of the fields of search/fields.py. Text is searched in its stemmed twin (`title_s`) and
    shown from the original spelling; a facet a query names has a folded twin (`person_t`)."""
    out: list[dict[str, Any]] = []
    for f in fields.FIELDS:
        if f.kind == "text":
            out.append({"name": f.name + "_s", "type": "string"})
        elif f.is_facet:
            out.append({"name": f.name, "type": "string[]", "facet": True, "optional": True})
            if f.name in NAME_FIELDS:
                out.append({"name": f.name + "_t", "type": "string[]", "optional": True})
        elif f.kind == "date":
            out.append({"name": f.name, "type": "int32", "optional": True})
        elif f.kind == "number":
            out.append({"name": f.name, "type": "int64"})
        elif f.kind == "flag":
            out.append({"name": f.name, "type": "bool"})
        elif f.sort:
            out.append({"name": f.name, "type": "string", "sort": True})
    # Shown, not searched: the original spelling for result lines and snippets.
    for stored in STORED_FIELDS:
        out.append({"name": stored, "type": "string", "index": False, "optional": True})
    return {"name": name, "fields": out, "default_sorting_field": "date_asc", "token_separators": []}


def to_typesense(doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields.FIELDS:
        value = doc[f.name]
        if f.kind == "text":
            out[f.name + "_s"] = " ".join(analysis.stemmed(value))
        elif f.is_facet:
            out[f.name] = list(value)
            if f.name in NAME_FIELDS:
                if f.name == "lang":  # a language is found by its code and by its name
                    value = [f"{v} {facets.value_label('lang', v)}" for v in value]
                out[f.name + "_t"] = [" ".join(analysis.folded(v)) for v in value]
        elif f.kind == "flag":
            out[f.name] = bool(value)
        elif value is not None:
            out[f.name] = value
    for name in STORED_FIELDS:
        out[name] = doc[name] or ""
    return out


def _quote(value: str) -> str:
    """A filter value in backticks, so commas, brackets and operators in it are just text."""
    return "`" + value.replace("`", "'") + "`"


class TypesenseBackend(SearchBackend):
    name = "typesense"

    def __init__(self, url: str, api_key: str, collection: str):
        from urllib.parse import urlparse

        self.collection = collection
        # Any: requests are built from the field table at run time, which the client's TypedDicts cannot follow.
        nodes: list[Any] = []
        for one in (part.strip() for part in url.split(",")):
            if not one:
                continue
            u = urlparse(one)
            nodes.append(
                {
                    "host": u.hostname or "127.0.0.1",
                    "port": str(u.port or (443 if u.scheme == "https" else 8108)),
                    "protocol": u.scheme or "http",
                }
            )
        if not nodes:
            raise ImproperlyConfigured("READINGROOM_TYPESENSE_URL is empty: give the Typesense server's URL")
        # A cluster's nodes are tried in turn: a node that does not answer (a lost leader) is set aside for
        # `healthcheck_interval_seconds` and the request goes to the next, so searches go on while the others
        # elect a new leader.
        self.client: Any = typesense.Client(
            {
                "nodes": nodes,
                "api_key": api_key,
                "connection_timeout_seconds": 30 if len(nodes) == 1 else 5,
                "num_retries": 2 if len(nodes) == 1 else 2 * len(nodes),
                "retry_interval_seconds": 0.1 if len(nodes) == 1 else 0.5,
                "healthcheck_interval_seconds": 15,
            }
        )
        # Patient writes: long enough for a batch on a busy cluster, each node once per try; _write() tries again.
        self.writer: Any = typesense.Client(
            {
                "nodes": nodes,
                "api_key": api_key,
                "connection_timeout_seconds": WRITE_TIMEOUT,
                "num_retries": len(nodes) - 1,
                "retry_interval_seconds": 1,
                "healthcheck_interval_seconds": 2,
            }
        )
        self.nodes = len(nodes)
        self.write_patience: float = WRITE_PATIENCE
        self._ready = False

    @classmethod
    def from_settings(cls, settings: ArchiveSettings) -> TypesenseBackend:
        if not settings.typesense_api_key:
            raise ImproperlyConfigured(
                "READINGROOM_SEARCH_BACKEND=typesense needs READINGROOM_TYPESENSE_API_KEY: set it to your "
                "Typesense server's API key (there is no default key)"
            )
        return cls(settings.typesense_url, settings.typesense_api_key, settings.typesense_collection)

    @classmethod
    def outdated(cls, settings: ArchiveSettings) -> bool:
        """The archive's collection exists with other fields than search/fields.py declares (an earlier
        version made it): searches naming the new fields would fail, so it is dropped and rebuilt."""
        backend = cls.from_settings(settings)
        try:
            found = backend.client.collections[backend.collection].retrieve()
        except ts_errors.ObjectNotFound:
            return False
        except UNAVAILABLE as e:  # the first thing `init` and every command ask of it: say what to do
            raise SearchUnavailable(
                f"Typesense at {settings.typesense_url} did not answer ({type(e).__name__}: "
                f"{str(e).strip() or 'no answer'}): start it, or set READINGROOM_TYPESENSE_URL to where it runs"
            ) from e
        have = {f["name"] for f in found.get("fields") or []}
        return have != {f["name"] for f in schema(backend.collection)["fields"]}

    @classmethod
    def discard(cls, settings: ArchiveSettings) -> None:
        cls.from_settings(settings).drop()

    # -- collection --------------------------------------------------------------------------------------------
    def _coll(self, client: Any = None) -> Any:
        """The collection (made first if missing), through `client`: the quick one unless told."""
        client = client or self.client
        if not self._ready:
            try:
                client.collections[self.collection].retrieve()
            except ts_errors.ObjectNotFound:
                client.collections.create(schema(self.collection))
            self._ready = True
        return client.collections[self.collection]

    def _writes(self) -> Any:
        """The collection's documents, for writing, through the client and with the patience of the moment."""
        client = self._write_client
        return self._write("a look at the collection", lambda: self._coll(client)).documents

    def drop(self) -> None:
        try:
            self.client.collections[self.collection].delete()
        except ts_errors.ObjectNotFound:
            pass
        self._ready = False

    # -- writing -----------------------------------------------------------------------------------------------
    def index(self, docs: Iterable[dict[str, Any]]) -> int:
        batch: list[dict] = []
        n = 0
        for doc in docs:
            batch.append(to_typesense(doc))
            if len(batch) >= BATCH:
                n += self._import(batch)
                batch = []
        if batch:
            n += self._import(batch)
        return n

    @contextlib.contextmanager
    def patient(self) -> Iterator[None]:
        token = _patient.set(True)
        try:
            yield
        finally:
            _patient.reset(token)

    @property
    def _write_client(self) -> Any:
        return self.writer if _patient.get() else self.client

    def _write(self, what: str, call: Any) -> Any:
        """call() until a node takes it: at once or SearchUnavailable, or, when patient, for up to
        write_patience seconds."""
        patience = self.write_patience if _patient.get() else 0
        started = time.monotonic()
        tries = 0
        while True:
            tries += 1
            try:
                return call()
            except UNAVAILABLE as e:
                waited = time.monotonic() - started
                if waited >= patience:
                    server = f"the Typesense cluster ({self.nodes} nodes)" if self.nodes > 1 else "Typesense"
                    tried = f" in {waited:.0f} s ({tries} tries)" if patience else ""
                    raise SearchUnavailable(
                        f"{server} did not take {what}{tried}: {type(e).__name__}: "
                        f"{str(e).strip() or 'no answer'}. A node is down or no node leads (an election); "
                        "`curl <node>/health` on each node says which"
                    ) from e
                log.warning(
                    "Typesense did not take %s (%s: %s); trying again (%.0f s of %.0f)",
                    what,
                    type(e).__name__,
                    e,
                    waited,
                    patience,
                )
                time.sleep(min(2.0, max(0.1, patience - waited)))

    def _import(self, batch: list[dict]) -> int:
        writes = self._writes()
        results = self._write(
            f"a batch of {len(batch):,} documents", lambda: writes.import_(batch, {"action": "upsert"})
        )
        failed = [r for r in results if not r.get("success")]
        if failed:
            raise RuntimeError(
                f"Typesense refused {len(failed)} of {len(batch)} documents: {failed[0].get('error')}"
            )
        return len(batch)

    def delete(self, ids: Iterable[str]) -> None:
        writes, ids = self._writes(), list(ids)
        for i in range(0, len(ids), 200):
            where = {"filter_by": "id: [" + ", ".join(_quote(x) for x in ids[i : i + 200]) + "]"}
            self._write(f"a deletion of {len(ids[i : i + 200])} documents", lambda w=where: writes.delete(w))

    def commit(self) -> None:
        """Typesense applies each write before answering it: nothing to do."""

    def clear(self) -> None:
        self.drop()
        self._coll()

    # -- reading -----------------------------------------------------------------------------------------------
    def count(self) -> int:
        return int(self._coll().retrieve()["num_documents"])

    def ids(self) -> set[str]:
        data = self._coll().documents.export({"include_fields": "id"})
        return {json.loads(line)["id"] for line in data.splitlines() if line.strip()}

    def contains(self, ids: Iterable[str]) -> set[str]:
        coll, ids, found = self._coll(), list(ids), set[str]()
        for i in range(0, len(ids), 200):
            chunk = ids[i : i + 200]
            res = coll.documents.search(
                {
                    "q": "*",
                    "query_by": "title_s",
                    "per_page": 250,
                    "include_fields": "id",
                    "filter_by": "id: [" + ", ".join(_quote(x) for x in chunk) + "]",
                }
            )
            found.update(h["document"]["id"] for h in res["hits"])
        return found

    # -- queries -----------------------------------------------------------------------------------------------
    @staticmethod
    def _stems(m: Match) -> list[str]:
        return [analysis.stem(w) or w for w in m.words]

    def _token_filter(self, m: Match) -> str:
        """A Match as a filter: every word present in the field(s) (phrase order is not checked)."""
        if m.field == "id":
            return f"id:= {_quote(m.words[0])}"
        if m.field in NAME_FIELDS:
            return " && ".join(f"{m.field}_t: {_quote(w)}" for w in m.words)
        fields = [f + "_s" for f, _w in TEXT_FIELDS if m.field is None or f == m.field]
        per_word = ["(" + " || ".join(f"{f}: {_quote(s)}" for f in fields) + ")" for s in self._stems(m)]
        return "(" + " && ".join(per_word) + ")"

    def _q_term(self, m: Match) -> str:
        stems = self._stems(m)
        if m.prefix:
            stems[-1] = m.words[-1]
        return '"' + " ".join(stems) + '"' if len(stems) > 1 else stems[0]

    def _split(self, req: SearchRequest) -> tuple[str, list[str], bool, list[str]]:
        """(q, filters, prefix on the last q token, notes about approximations)."""
        q_terms: list[str] = []
        prefix_term: str | None = None
        filters: list[str] = []
        notes: list[str] = []
        for clause in req.query.clauses:
            if isinstance(clause, Match):
                if clause.field is None and clause.prefix and prefix_term is None and not clause.is_phrase:
                    prefix_term = self._q_term(clause)
                elif clause.field is None:
                    if clause.prefix:
                        notes.append(
                            "this search engine takes only one word* per query; the others were "
                            "searched as whole words"
                        )
                    q_terms.append(self._q_term(Match(clause.words, None, False)))
                else:
                    filters.append(self._token_filter(clause))
            elif isinstance(clause, Or):
                filters.append("(" + " || ".join(self._token_filter(m) for m in clause.children) + ")")
            elif isinstance(clause, Not):
                if clause.child.field is None:
                    q_terms.append("-" + self._q_term(Match(clause.child.words, None, False)))
                else:
                    notes.append(
                        f"NOT {clause.child.describe()} is not supported by this search engine and "
                        f"was ignored"
                    )
        if prefix_term:
            q_terms.append(prefix_term)
        positive = [t for t in q_terms if not t.startswith("-")]
        q = " ".join(q_terms) if positive else " ".join(["*", *q_terms])
        return q, filters, prefix_term is not None, notes

    def _filters(self, req: SearchRequest, text_filters: list[str], skip: str | None = None) -> str:
        parts = list(text_filters)
        for name, values in req.filters:
            if name == skip:
                continue
            if facets.BY_NAME[name].mode == "or":
                parts.append(f"{name}:= [" + ", ".join(_quote(v) for v in values) + "]")
            else:
                parts.extend(f"{name}:= {_quote(v)}" for v in values)
        if req.date_from is not None or req.date_to is not None:
            dated = ["undated:= false"]
            if req.date_from is not None:
                dated.append(f"date_latest:>= {req.date_from}")
            if req.date_to is not None:
                dated.append(f"date_earliest:<= {req.date_to}")
            expr = " && ".join(dated)
            parts.append(f"(({expr}) || undated:= true)" if req.undated == "include" else f"({expr})")
        elif req.undated == "exclude":
            parts.append("undated:= false")
        return " && ".join(parts)

    def search(self, req: SearchRequest) -> SearchResult:
        t0 = time.perf_counter()
        q, text_filters, prefix, notes = self._split(req)
        sort = req.sort if not (req.sort == "relevance" and q.startswith("*")) else "date"
        sort_by = {
            "relevance": "_text_match:desc,date_asc:asc",
            "date": "date_asc:asc,title_sort:asc",
            "-date": "date_desc:desc,title_sort:asc",
            "title": "title_sort:asc,date_asc:asc",
        }[sort]
        wanted = req.counted_facets()
        own = [f for f in wanted if f.mode == "or" and req.selected(f.name)]
        base = {
            "q": q,
            "query_by": ",".join(f + "_s" for f, _w in TEXT_FIELDS),
            "query_by_weights": ",".join(str(w) for _f, w in TEXT_FIELDS),
            "prefix": "true" if prefix else "false",
            "num_typos": 0,
            "typo_tokens_threshold": 0,
            "drop_tokens_threshold": 0,
        }
        main = {
            **base,
            "filter_by": self._filters(req, text_filters),
            "sort_by": sort_by,
            "per_page": req.page_size,
            "page": req.page,
            "include_fields": ",".join(("id", *(f for f in STORED_FIELDS if req.snippets or f != "text"))),
            "highlight_fields": "none",
            "highlight_full_fields": "none",
        }
        rest = [f.name for f in wanted if f not in own]
        if rest:
            main.update(
                facet_by=",".join(rest), max_facet_values=max(f.size for f in wanted) + facets.FETCH_EXTRA
            )
        searches = [main]
        for f in own:
            searches.append(
                {
                    **base,
                    "filter_by": self._filters(req, text_filters, skip=f.name),
                    "per_page": 0,
                    "facet_by": f.name,
                    "max_facet_values": f.size + facets.FETCH_EXTRA,
                }
            )
        for s in searches:
            if not s["filter_by"]:
                del s["filter_by"]
        responses = self.client.multi_search.perform({"searches": searches}, {"collection": self.collection})[
            "results"
        ]
        for r in responses:
            if "error" in r:
                raise RuntimeError(f"Typesense: {r['error']}")
        res = responses[0]
        counts: dict[str, list[tuple[str, int]]] = {}
        for r in responses:
            for fc in r.get("facet_counts", []):
                size = req.facet_size(fc["field_name"])
                counts[fc["field_name"]] = facets.top([(c["value"], c["count"]) for c in fc["counts"]], size)
        positive = req.query.positive
        hits = []
        for h in res.get("hits", []):
            d = h["document"]
            hits.append(
                Hit(
                    id=d["id"],
                    title=d.get("title", ""),
                    date_text=d.get("date_text", ""),
                    type=d.get("type_label", ""),
                    collection=d.get("collection_label", ""),
                    snippet_html=snippets.snippet_html(
                        d.get("text", ""), positive, fallback=d.get("summary", "")
                    )
                    if req.snippets
                    else "",
                    summary=d.get("summary", ""),
                )
            )
        return SearchResult(
            total=res.get("found", 0),
            hits=hits,
            facets={f.name: counts.get(f.name, []) for f in wanted},
            understood=req.query.understood,
            notes=req.query.notes + req.notes + tuple(notes),
            engine_ms=(time.perf_counter() - t0) * 1000,
        )
