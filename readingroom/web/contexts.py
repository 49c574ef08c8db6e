"""What each page shows, built from services; views only pass these contexts to templates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Paginator

from readingroom.records import browse, services, visibility
from readingroom.records.apparatus import apparatus
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
        "similar": related_documents(request.archive.search, record),
        "source_record_id": (doc.get("extra") or {}).get("source_record_id"),
        **citations.page_context(request, record),
        **scans_context(request, record),
        "apparatus": apparatus(record, links.get("collection", [])),
        **revisions.record_page_context(record),
    }


@dataclass(frozen=True)
class ScanView:
    label: str
    href: str  # the file
    thumbnail: str | None  # a size the IIIF image service made
    width: int | None
    height: int | None


THUMBNAIL_WIDTH = 240  # CSS pixels the thumbnail column is wide; the smallest made size at least this wide


def scans_context(request, record: Record) -> dict:
    """The record's scans in the media folder, each with a thumbnail from its IIIF image service when its
    tiles are made, and the IIIF manifest (web/iiif.py) when there is a scan."""
    from django.urls import reverse

    from readingroom.iiif.images import TileStore, scans

    tiles = TileStore.of(request.archive.settings)
    found: list[ScanView] = []
    for n, scan in enumerate(scans(record.document), 1):
        if not tiles.source_file(scan.path):
            continue
        info = tiles.info(scan.path)
        thumb = w = h = None
        if info is not None and info.get("sizes"):
            sizes = sorted(info["sizes"], key=lambda s: s["width"])
            size = next((s for s in sizes if s["width"] >= THUMBNAIL_WIDTH), sizes[-1])
            w, h = size["width"], size["height"]
            thumb = reverse(
                "iiif-image",
                kwargs={
                    "image": scan.image_id,
                    "region": "full",
                    "size": f"{w},{h}",
                    "rotation": "0",
                    "quality": "default",
                    "fmt": "jpg",
                },
            )
        label = scan.label or f"Scan {n}"
        found.append(ScanView(label, reverse("media", kwargs={"path": scan.path}), thumb, w, h))
    manifest = reverse("iiif-manifest", kwargs={"record_id": record.pk}) if found else None
    return {"scans": found, "manifest_url": manifest}


def related_documents(backend, record: Record, limit: int = 8) -> list[Record]:
    """Shared subjects, places and persons first, then documents alike in words; public records only."""
    from readingroom.search.related import similar_ids

    found = browse.related_by_authorities(record, limit)
    if len(found) < limit:
        seen = {r.pk for r in found} | {record.pk}
        ids = [
            i for i in similar_ids(backend, record.pk, record.title, record.summary, limit) if i not in seen
        ]
        by_id = {
            r.pk: r
            for r in Record.objects.public().filter(pk__in=ids).only("id", "title", "date_text", "date_edtf")
        }
        found += [by_id[i] for i in ids if i in by_id][: limit - len(found)]
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
