"""What each page shows, built from services; views only pass these contexts to templates."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator

from readingroom.records import audit, browse, related, services, visibility
from readingroom.records.models import Authority, Record
from readingroom.records.vocabulary import AUTHORITY_KIND, PEOPLE_ROLES, ROLE_LABELS
from readingroom.web import citations, revisions
from readingroom.web.links import record_url


def home_context() -> dict:
    public = Record.objects.public()
    return {
        "record_count": public.count(),
        "recent": public.order_by("-first_published", "id").only("id", "title", "date_text", "date_edtf")[
            :12
        ],
        "collections": services.authorities_with_counts("collection").filter(parent__isnull=True)[:20],
    }


def record_context(request, record: Record) -> dict:
    doc = record.document
    links = services.record_links(record)
    people = []
    for role in PEOPLE_ROLES:
        for a in links.get(role, []):
            people.append((ROLE_LABELS.get(role, role.title()), a))
    return {
        "record": record,
        "doc": doc,
        "places": links.get("place", []),
        "subjects": links.get("subject", []),
        "collections": links.get("collection", []),
        "funders": links.get("funder", []),
        "repository": next(iter(links.get("repository", [])), None),
        "translators": links.get("translator", []),
        "people": people,
        "mentioned": links.get("person", []),
        "related": visibility.public_relations(record),  # (relation, target): public targets only
        "permalink": record_url(request, record.pk),
        "similar": related_documents(request.archive, record),
        "source_record_id": (doc.get("extra") or {}).get("source_record_id"),
        **citations.page_context(request, record),
        "manifest_url": manifest_url(request, record),
        **revisions.record_page_context(record),
    }


def manifest_url(request, record: Record) -> str | None:
    """The record's IIIF manifest (web/iiif.py), when it has scans in the media folder."""
    from django.urls import reverse

    from readingroom.iiif.images import TileStore, scans

    tiles = TileStore.of(request.archive.settings)
    if any(tiles.source_file(scan.path) for scan in scans(record.document)):
        return reverse("iiif-manifest", kwargs={"record_id": record.pk})
    return None


RELATED_LIMIT = 6


def related_documents(archive, record: Record, limit: int = RELATED_LIMIT) -> list[related.Related]:
    """Documents sharing people, places, subjects and cross-references first (records/related.py), then documents
    alike in words (search/related.py); public records only, each saying why.

    Kept in the archive's memo under the record's revision and the latest audit event (every change of the store
    logs one in its transaction, so an answer is never older than the store: a record withdrawn or an authority
    renamed since makes a new key) and the day (an embargo ends at midnight without a write)."""
    from readingroom.search.related import similar_documents

    key = (
        "related",
        record.pk,
        record.revision,
        record.updated,
        audit.latest_event_id(),
        visibility.today(),
        limit,
    )
    found = archive.memo.get(key)
    if found is not None:
        return found
    found = related.related_by_links(record, limit)
    if len(found) < limit:
        alike = similar_documents(
            archive.search,
            record.pk,
            record.title,
            record.summary,
            limit - len(found),
            exclude=[r.record.pk for r in found],
        )
        targets = visibility.public_targets(a.id for a in alike)
        found += [
            related.Related(targets[a.id], [f"similar text: {', '.join(a.words)}"])
            for a in alike
            if a.id in targets
        ]
    archive.memo.set(key, found)
    return found


def authority_list_context(kind: str) -> dict:
    if AUTHORITY_KIND[kind].hierarchical:
        return {"kind": AUTHORITY_KIND[kind], "tree": browse.authority_tree(kind)}
    items = services.authorities_with_counts(kind).filter(public_count__gt=0)
    return {"kind": AUTHORITY_KIND[kind], "items": items}


def years_context() -> dict:
    counts = browse.year_counts()
    peak = max((n for _, n in counts), default=1)
    bars = [{"year": y, "count": n, "height": max(2, round(100 * n / peak))} for y, n in counts]
    decades: dict[int, list[dict]] = {}
    for bar in bars:
        decades.setdefault(bar["year"] // 10 * 10, []).append(bar)
    return {"bars": bars, "decades": sorted(decades.items()), "undated": browse.undated_count()}


def year_context(year: int, page_number) -> dict:
    page = Paginator(browse.records_in_year(year).only("id", "title", "date_text", "date_edtf"), 50)
    return {"year": year, "page": page.get_page(page_number)}


def on_this_day_context(value: str | None) -> dict:
    today = dt.date.today()
    day = today
    if value:
        try:
            month, dom = (int(p) for p in value.split("-"))
            day = dt.date(2000, month, dom)  # a leap year, so 02-29 is a valid choice
        except ValueError:
            day = today
    records = browse.on_this_day(day).only("id", "title", "date_text", "date_edtf")[:200]
    return {
        "day": day,
        "records": records,
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
    }


def authority_context(kind: str, key: str, page_number) -> dict:
    authority = services.get_authority(kind, key)
    records = services.authority_records(authority).only("id", "title", "date_text", "date_edtf")
    page = Paginator(records, 50).get_page(page_number)
    ancestors: list[Authority] = []
    node = authority.parent
    while node is not None and len(ancestors) < 20:
        ancestors.insert(0, node)
        node = node.parent
    children = services.authorities_with_counts(kind, children_of=authority)
    return {
        "authority": authority,
        "kind": AUTHORITY_KIND[kind],
        "page": page,
        "ancestors": ancestors,
        "children": children,
        "data": authority.data,
    }
