"""The index document: what the search engines know about a record.

`index_document(doc, authorities)` is a pure function of the canonical record document (records/schema.py) and
of the authority names the store knows, so the benchmark can build the same documents without a database. Its
keys are the fields of search/fields.py.
`documents_for(records)` does the store lookups for a batch of Record rows. Only public records are ever turned
into index documents: the indexer decides that through records.visibility before calling here.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable
from typing import Any

from readingroom.records import withheld
from readingroom.records.texts import html_to_plain
from readingroom.records.vocabulary import WITHHELD_ANY

from . import analysis

# (kind, key) -> (display name, parent key or None). The store's authority names win over the names a record
# happened to spell, so one person is one facet value.
AuthorityLookup = Callable[[str, str], tuple[str, str | None] | None]

_LEADING_ARTICLE = re.compile(r"^(the|a|an)\s+", re.I)


def date_int(iso: str | None) -> int | None:
    """'1968-10-15T10:59Z' -> 19681015: sortable, and comparable with the bounds of a date filter."""
    if not iso:
        return None
    digits = iso[:10].replace("-", "")
    return int(digits) if digits.isdigit() and len(digits) == 8 else None


def title_sort_key(title: str, record_id: str = "") -> str:
    """Folded title without a leading article; the id makes equal titles sort the same on every engine."""
    key = " ".join(analysis.folded(_LEADING_ARTICLE.sub("", title.strip())))[:200] or "~"
    return f"{key} \x01{record_id}"


UNDATED_FIRST_KEY = 10**16  # above every date: undated records come last in ascending order
UNDATED_LAST_KEY = -1000  # below every date: and last in descending order


def sort_key(iso: str | None, latest: bool, record_id: str) -> int:
    """Date sort key: YYYYMMDDHHMM, then three digits from the id so that ties order the same on every
    engine (tantivy sorts on one field only). Day precision sorts at the start (or end) of the day."""
    tie = zlib.crc32(record_id.encode()) % 1000
    day = date_int(iso)
    if iso is None or day is None:
        return (UNDATED_LAST_KEY if latest else UNDATED_FIRST_KEY) + tie
    minutes = 2359 if latest else 0
    if len(iso) >= 16 and iso[10] == "T":
        minutes = int(iso[11:13]) * 100 + int(iso[14:16])
    return (day * 10000 + minutes) * 1000 + tie


def plain_text(doc: dict) -> str:
    parts = [html_to_plain(t["html"]) for t in doc.get("texts") or [] if t.get("html")]
    if doc.get("signature"):
        parts.append(doc["signature"])
    parts.extend(html_to_plain(n["html"]) for n in doc.get("notes") or [] if n.get("html"))
    return "\n".join(p for p in parts if p)


# The record fields whose authorities' names go into the `names` text field (collections, translators and the
# archive are added on their own).
NAME_REFS = ("creators", "recipients", "contributors", "persons", "places", "subjects", "funders")


def _reference_values(reference: dict) -> list[str]:
    """An archival reference's values ("Box 12", "Folder 3"), as the page prints them."""
    return [f"{key} {value}" if key != "text" else str(value) for key, value in reference.items()]


def _names(refs: Iterable[dict], lookup: AuthorityLookup | None) -> list[str]:
    out: list[str] = []
    for ref in refs:
        found = lookup(ref["kind"], ref["id"]) if lookup else None
        name = found[0] if found else ref["name"]
        if name not in out:
            out.append(name)
    return out


def _collections_with_ancestors(refs: list[dict], lookup: AuthorityLookup | None) -> list[str]:
    """A record in "Vietnam War / Paris Peace Talks" is also found under "Vietnam War"."""
    out: list[str] = []
    for ref in refs:
        key: str | None = ref["id"]
        name, parent = ref["name"], ref.get("parent")
        for _depth in range(20):  # a cycle in a bad authority file must not hang the indexer
            found = lookup("collection", key) if lookup and key else None
            if found:
                name, parent = found
            if name and name not in out:
                out.append(name)
            if not parent:
                break
            key, name, parent = parent, parent, None
    return out


def index_document(
    doc: dict, lookup: AuthorityLookup | None = None, text: str | None = None
) -> dict[str, Any]:
    """The backend-neutral index document for one canonical record document. `text`: plain_text(doc), when
    it was already computed (an import computes it in its parsing process)."""
    earliest, latest = date_int(doc.get("date_earliest")), date_int(doc.get("date_latest"))
    year = earliest // 10000 if earliest else None
    persons = [
        r
        for key in ("creators", "recipients", "contributors", "persons")
        for r in doc.get(key) or []
        if r.get("kind") == "person"
    ]
    translators = [t["translator"] for t in doc.get("texts") or [] if t.get("translator")]
    collections = _collections_with_ancestors(doc.get("collections") or [], lookup)
    types = list(doc.get("document_types") or [])
    repository = _names([doc["repository"]], lookup) if doc.get("repository") else []
    translator_names = _names(translators, lookup)
    return {
        "id": doc["id"],
        "title": doc["title"],
        "summary": doc.get("summary") or "",
        "text": plain_text(doc) if text is None else text,
        "names": "\n".join(
            [
                *_names((r for key in NAME_REFS for r in doc.get(key) or []), lookup),
                *collections,
                *translator_names,
                *repository,
                *(doc.get(key) or "" for key in ("number", "dateline_place", "date_text")),
                *types,
                *(doc.get("classification") or []),
            ]
        ).strip(),
        "source": "\n".join(
            [
                doc.get("source_description") or "",
                *_reference_values(doc.get("archival_reference") or {}),
                *repository,
                doc.get("funder_credit") or "",
                doc.get("publisher") or "",
            ]
        ).strip(),
        "subject": _names(doc.get("subjects") or [], lookup),
        "place": _names(doc.get("places") or [], lookup),
        "person": _names(persons, lookup),
        "collection": collections,
        "type": types,
        "lang": list(doc.get("languages") or []),
        "repository": repository,
        "funder": _names(doc.get("funders") or [], lookup),
        "translator": translator_names,
        "classification": list(doc.get("classification") or []),
        "decade": [str(year // 10 * 10) + "s"] if year else [],
        "year": [str(year)] if year else [],
        "certainty": [doc.get("date_certainty") or "stated"] if earliest else [],
        "withheld": _withheld_values(doc),
        "date_earliest": earliest,
        "date_latest": latest or earliest,
        "date_text": doc.get("date_text") or doc.get("date") or "",
        "undated": earliest is None,
        "title_sort": title_sort_key(doc["title"], doc["id"]),
        "date_asc": sort_key(doc.get("date_earliest"), False, doc["id"]),
        "date_desc": sort_key(doc.get("date_latest") or doc.get("date_earliest"), True, doc["id"]),
        # What a result line shows: the first type and the most specific collection.
        "type_label": types[0] if types else "",
        "collection_label": (doc.get("collections") or [{}])[0].get("name", ""),
    }


def _withheld_values(doc: dict) -> list[str]:
    """The record's kinds of withheld passage, and "any" when it has one (`withheld=any`)."""
    found = withheld.kinds(withheld.of_document(doc))
    return [WITHHELD_ANY, *found] if found else []


def documents_for(records: Iterable) -> list[dict[str, Any]]:
    """Index documents for Record rows, with authority names and collection parents from the store."""
    return index_documents([rec.document for rec in records])


def index_documents(docs: list[dict], texts: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Index documents for canonical record documents, with authority names and collection parents from the
    store. `texts`: plain texts already computed, by record id."""
    from readingroom.records.models import Authority

    wanted: set[tuple[str, str]] = set()
    for doc in docs:
        for key in (
            "creators",
            "recipients",
            "contributors",
            "persons",
            "places",
            "subjects",
            "collections",
            "funders",
        ):
            wanted.update((r["kind"], r["id"]) for r in doc.get(key) or [])
        if doc.get("repository"):
            wanted.add(("repository", doc["repository"]["id"]))
        wanted.update(
            ("person", t["translator"]["id"]) for t in doc.get("texts") or [] if t.get("translator")
        )
    table: dict[tuple[str, str], tuple[str, str | None]] = {}
    by_kind: dict[str, set[str]] = {}
    for kind, key in wanted:
        by_kind.setdefault(kind, set()).add(key)
    for kind, keys in by_kind.items():
        keys_left = set(keys)
        while keys_left:  # collections: walk up the tree, one query per level
            batch = list(keys_left)[:900]
            keys_left -= set(batch)
            rows = Authority.objects.filter(kind=kind, key__in=batch).values_list(
                "key", "name", "parent__key"
            )
            for key, name, parent in rows:
                table[(kind, key)] = (name, parent)
                if kind == "collection" and parent and (kind, parent) not in table:
                    keys_left.add(parent)

    def lookup(kind: str, key: str) -> tuple[str, str | None] | None:
        return table.get((kind, key))

    texts = texts or {}
    return [index_document(doc, lookup, texts.get(doc["id"])) for doc in docs]
