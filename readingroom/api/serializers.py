"""Records, search hits and authorities as the JSON of /api/v1/: every shape the API gives out is built here, and
openapi.py describes each one.

A record is its canonical document (docs/record-schema.md) as `readingroom export` writes it, with links added:
`url` (this API) and `html_url` (the page) on every authority reference, absolute URLs on media, and its
relations rebuilt from the public records only: a relation to a record the public may not see (a draft, an
embargoed or withdrawn record, one not in the archive) is left out, id, title and label alike.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from readingroom.records import services, visibility
from readingroom.records.models import Authority, Record
from readingroom.records.store import LINK_FIELDS
from readingroom.records.vocabulary import AUTHORITY_KIND
from readingroom.search import facets as facet_defs
from readingroom.search.backends.base import SearchResult
from readingroom.search.params import SearchRequest
from readingroom.web.links import absolute, record_url

REFERENCE_LISTS = tuple(name for name, _role in LINK_FIELDS)
"""The record fields that hold lists of authority references (creators, places, subjects...)."""

HIDDEN_FIELDS = ("relations", "status", "embargo_until")
"""Left out of a record's document: relations are rebuilt from public targets; a public record is published and
out of embargo by definition."""

LIST_FIELDS = ("id", "title", "date_text", "date_edtf", "date_earliest", "date_latest", "updated")
"""The columns a record line in a list needs."""


def api_record_url(request, record_id: str) -> str:
    return absolute(request, reverse("api:record", kwargs={"record_id": record_id}))


def api_authority_url(request, kind: str, key: str) -> str:
    return absolute(request, reverse("api:authority", kwargs={"kind": kind, "key": key}))


def authority_ref(request, ref: dict, known: dict[tuple[str, str], Authority]) -> dict:
    """An authority reference of a record with its links; the store's name wins over the one the record spelt."""
    found = known.get((ref["kind"], ref["id"]))
    out = dict(ref, name=found.name if found else ref["name"])
    out["url"] = api_authority_url(request, ref["kind"], ref["id"])
    out["html_url"] = absolute(request, reverse("authority", kwargs={"kind": ref["kind"], "key": ref["id"]}))
    return out


def media_entry(request, media: dict) -> dict:
    """A media file with an absolute URL: a file the archive keeps is served at /media/<path>."""
    out = dict(media)
    if media.get("path"):
        out["url"] = absolute(request, reverse("media", kwargs={"path": media["path"]}))
    return out


def public_relations(request, record: Record) -> tuple[list[dict], list[Record]]:
    """The record's relations to public records (records.visibility.public_relations), with their targets'
    titles; and those targets."""
    kept = visibility.public_relations(record)
    out = [
        {
            "type": r.type,
            "label": r.label or None,
            "id": target.pk,
            "title": target.title,
            "url": api_record_url(request, target.pk),
            "html_url": record_url(request, target.pk),
        }
        for r, target in kept
    ]
    return out, list({target.pk: target for _r, target in kept}.values())


def record_json(request, record: Record) -> tuple[dict, list[Record]]:
    """The full record as /api/v1/records/<id> gives it; and the related records it shows (for Last-Modified)."""
    doc = services.export_document(record)
    if any(t.get("html") for t in (*(doc.get("texts") or []), *(doc.get("notes") or []))):
        # Links in texts and notes to records the public may not see: their words only (records/visibility.py).
        doc = visibility.public_document(doc, visibility.public_targets(visibility.referenced_ids(doc)))
    known = {(a.kind, a.key): a for group in services.record_links(record).values() for a in group}
    for name in REFERENCE_LISTS:
        doc[name] = [authority_ref(request, ref, known) for ref in doc.get(name) or []]
    if doc.get("repository"):
        doc["repository"] = authority_ref(request, doc["repository"], known)
    for text in doc.get("texts") or []:
        if text.get("translator"):
            text["translator"] = authority_ref(request, text["translator"], known)
    doc["media"] = [media_entry(request, m) for m in doc.get("media") or []]
    relations, targets = public_relations(request, record)
    for name in HIDDEN_FIELDS:
        doc.pop(name, None)
    body = {
        "id": record.pk,
        "url": api_record_url(request, record.pk),
        "permalink": record_url(request, record.pk),
        **doc,
        "relations": relations,
    }
    return body, targets


def record_line(request, record: Record) -> dict:
    """A record in a list (an authority's records)."""
    return {
        "id": record.pk,
        "title": record.title,
        "date": record.date_edtf or None,
        "date_text": record.date_text or None,
        "url": api_record_url(request, record.pk),
        "html_url": record_url(request, record.pk),
    }


# -- search -------------------------------------------------------------------------------------------------------


def hit_json(request, hit) -> dict:
    return {
        "id": hit.id,
        "title": hit.title,
        "date_text": hit.date_text or None,
        "type": hit.type or None,
        "collection": hit.collection or None,
        "snippet_html": hit.snippet_html or None,
        "url": api_record_url(request, hit.id),
        "html_url": record_url(request, hit.id),
    }


def facets_json(req: SearchRequest, result: SearchResult) -> dict[str, dict]:
    """Every facet the search counted, in the page's order, with the selected values (counted or not)."""
    out = {}
    for f in facet_defs.FACETS:
        if f.name not in req.facets:
            continue
        selected = req.selected(f.name)
        counts = result.facets.get(f.name, [])
        counted = {v for v, _n in counts}
        values = [
            {"value": v, "label": facet_defs.value_label(f.name, v), "count": n, "selected": v in selected}
            for v, n in counts
        ]
        values += [
            {"value": v, "label": facet_defs.value_label(f.name, v), "count": 0, "selected": True}
            for v in selected
            if v not in counted
        ]
        out[f.name] = {"label": f.label, "mode": f.mode, "values": values}
    return out


def search_json(request, req: SearchRequest, result: SearchResult, pages: int, links: dict) -> dict:
    return {
        "total": result.total,
        "page": req.page,
        "pages": pages,
        "page_size": req.page_size,
        "query": {
            "q": req.query.text,
            "understood": result.understood or None,
            "notes": list(dict.fromkeys([*req.notes, *result.notes])),
        },
        "hits": [hit_json(request, h) for h in result.hits],
        "facets": facets_json(req, result),
        "links": links,
    }


# -- authorities --------------------------------------------------------------------------------------------------


def authority_line(request, authority: Authority, count: int | None = None) -> dict:
    out: dict[str, Any] = {
        "kind": authority.kind,
        "key": authority.key,
        "name": authority.name,
        "url": api_authority_url(request, authority.kind, authority.key),
        "html_url": absolute(request, authority.get_absolute_url()),
    }
    if count is not None:
        out["records"] = count
    return out


def authority_json(
    request,
    authority: Authority,
    parent: Authority | None,
    children: list,
    records: list,
    total: int,
    page: int,
    pages: int,
    links: dict,
) -> dict:
    return {
        **authority_line(request, authority),
        "kind_label": AUTHORITY_KIND[authority.kind].label,
        "data": authority.data or {},
        "parent": authority_line(request, parent) if parent else None,
        "children": [authority_line(request, c, c.public_count) for c in children],
        "total": total,
        "page": page,
        "pages": pages,
        "records": [record_line(request, r) for r in records],
        "links": links,
    }
