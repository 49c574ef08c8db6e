"""What each page shows, built from services; views only pass these contexts to templates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.urls import reverse
from django.utils.formats import date_format

from readingroom.records import browse, persons, references, related, services, visibility
from readingroom.records.apparatus import apparatus, volume_order
from readingroom.records.models import Authority, Record
from readingroom.records.vocabulary import AUTHORITY_KIND, PEOPLE_ROLES, ROLE_LABELS
from readingroom.web import citations, downloads, pagecache, revisions
from readingroom.web.links import record_url


def home_context(archive) -> dict:
    """The public count, the latest published and the top collections with their subtree counts: seconds of
    queries at 100,000 records, so computed once per change of the store and per day for every worker
    (pagecache.kept), not per request."""
    return pagecache.kept(archive, ("home",), _home_values)


HOME_COLLECTIONS = 20


def _home_values() -> dict:
    public = Record.objects.public()
    # The top-level collections with public documents in them or below them: what visibility's
    # public_authorities_q selects, read from the subtree counts the page shows anyway (asking both cost the
    # page two passes over every link: 0.5 s each at 100,000 records).
    tops = list(Authority.objects.filter(kind="collection", parent__isnull=True).order_by("position", "name"))
    totals = browse.subtree_totals(tops)
    collections = [c for c in tops if totals[c.pk]][:HOME_COLLECTIONS]
    for c in collections:
        c.public_count = totals[c.pk]  # type: ignore[attr-defined]  # its documents and its parts' documents, each once
    return {
        "record_count": public.count(),
        "recent": list(
            public.order_by("-first_published", "id").only("id", "title", "date_text", "date_edtf")[:12]
        ),
        "collections": collections,
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
        "record_downloads": downloads.links_for(record.pk),
        **scans_context(request, record),
        "apparatus": apparatus(
            record,
            links.get("collection", []),
            lambda volume: pagecache.kept(
                request.archive, ("volume-order", volume.pk), lambda: volume_order(volume)
            ),
        ),
        # Names glossed from the persons the record names; links to public records only.
        "text_references": references.of_document(doc, [a for group in links.values() for a in group]),
        **revisions.record_page_context(record),
    }


@dataclass(frozen=True)
class ScanView:
    label: str
    href: str  # the file
    thumbnail: str | None  # a size the IIIF image service made
    width: int | None
    height: int | None
    n: int = 0  # the page's number among the record's scans
    anchor: str = ""  # its id on the record page (#page-n)
    viewer: str = ""  # the scan viewer's page (web/scanviewer.py)
    previous: str | None = None  # the anchors of the pages before and after it
    next: str | None = None


THUMBNAIL_WIDTH = 240  # CSS pixels the thumbnail column is wide; the smallest made size at least this wide


def scans_context(request, record: Record) -> dict:
    """The record's scans in the media folder as numbered pages (iiif/pages.py), each with its anchor, its page in
    the scan viewer and a thumbnail from its IIIF image service when its tiles are made; the IIIF manifest
    (web/iiif.py) when there is a scan; and the text's printed pages that a scan's label names."""
    from django.urls import reverse

    from readingroom.iiif.images import TileStore
    from readingroom.iiif.pages import printed_pages, scan_pages
    from readingroom.web.scanviewer import image_url, page_url, record_page_scans

    pages = scan_pages(record.document, TileStore.of(request.archive.settings))
    found: list[ScanView] = []
    for page, nav in zip(pages, record_page_scans(record, pages), strict=True):
        thumb = w = h = None
        size = page.readable(THUMBNAIL_WIDTH)
        if size is not None:
            w, h = size.width, size.height
            thumb = image_url(page, size)
        found.append(
            ScanView(
                page.label,
                reverse("media", kwargs={"path": page.scan.path}),
                thumb,
                w,
                h,
                page.n,
                nav["anchor"],
                nav["viewer"],
                nav["previous"],
                nav["next"],
            )
        )
    manifest = reverse("iiif-manifest", kwargs={"record_id": record.pk}) if found else None
    printed = {number: page_url(record.pk, p.n) for number, p in printed_pages(pages).items()}
    return {"scans": found, "manifest_url": manifest, "scan_count": len(found), "printed_pages": printed}


RELATED_LIMIT = 6


def related_documents(archive, record: Record, limit: int = RELATED_LIMIT) -> list[related.Related]:
    """Documents sharing people, places, subjects and cross-references first (records/related.py), then documents
    alike in words (search/related.py); public records only, each saying why.

    Kept in the archive's memo under the record's revision and what every kept value depends on (pagecache.state:
    the latest change of what pages show of other records, so that a record withdrawn or retitled or an authority
    renamed since makes a new key; and the day, as an embargo ends at midnight without a write). Another record's
    text corrected since may make it more or less alike in words: that shows at the next such change, as the
    titles and reasons shown are exact."""
    from readingroom.search.related import similar_documents

    key = (
        "related",
        record.pk,
        record.revision,
        record.updated,
        *pagecache.state(),
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


def years_context(archive=None) -> dict:
    """Every year from the first to the last on one axis (empty years too), and the same as a table by decade.
    The counts (a pass over every public record) are kept per change of the store and per day when an archive
    is given."""
    if archive is None:
        counts, undated = browse.year_counts(), browse.undated_count()
    else:
        counts, undated = pagecache.kept(
            archive, ("years",), lambda: (browse.year_counts(), browse.undated_count())
        )
    years = browse.timeline(counts)
    peak = max((n for _, n in years), default=1)
    major, minor = axis_steps(len(years))
    bars: list[dict] = []
    for i, (y, n) in enumerate(years):
        decade = y % 10 == 0 or i == 0  # a tick on the axis
        label = (
            "major" if y % major == 0 else "minor" if y % minor == 0 else ""
        )  # minor: on wide screens only
        bars.append(
            {
                "year": y,
                "count": n,
                "href": reverse("year", args=[y]) if n else "",
                # Classes, not inline styles (the Content-Security-Policy has none): h0 to h100 in site.css.
                "bar": (f"bar h{max(2, round(100 * n / peak))}" if n else "bar empty")
                + (" decade" if decade else ""),
                "tick": " ".join(c for c in ("tick", "decade" if decade else "", label) if c),
                "label": label,
                "title": f"{y}: {n} document{'s' if n != 1 else ''}" if n else f"{y}: no documents",
            }
        )
    decades: dict[int, list[dict | None]] = {}
    for bar in bars:
        row = decades.setdefault(bar["year"] // 10 * 10, [None] * 10)
        row[bar["year"] % 10] = bar
    return {
        "bars": bars,
        "first": years[0][0] if years else None,
        "last": years[-1][0] if years else None,
        "decades": sorted(decades.items()),
        "total": sum(n for _, n in years),
        "undated": undated,
    }


AXIS_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def axis_steps(span: int) -> tuple[int, int]:
    """Years between the axis labels always shown (at most 6) and those shown on wide screens too (at most 16),
    the first a multiple of the second, so that the two never crowd each other."""
    minor = next((s for s in AXIS_STEPS if span / s <= 16), AXIS_STEPS[-1])
    major = next((s for s in AXIS_STEPS if s % minor == 0 and span / s <= 6), minor)
    return major, minor


class _CountedPaginator(Paginator):
    """A paginator told its count (kept by pagecache.kept) instead of counting the rows each request."""

    def __init__(self, object_list, per_page, count: int):
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # Paginator.count is a cached_property: this is its value


def year_context(year: int, page_number, archive=None) -> dict:
    """A year's documents, 50 a page. Its count and the nearest years with documents (whole-table aggregates at
    100,000 records) are kept per change of the store and per day when an archive is given."""
    records = browse.records_in_year(year).only("id", "title", "date_text", "date_edtf")
    if archive is None:
        page = Paginator(records, 50)
        earlier, later = browse.nearest_years(year)
    else:
        count, (earlier, later) = pagecache.kept(
            archive,
            ("year", year),
            lambda: (browse.records_in_year(year).count(), browse.nearest_years(year)),
        )
        page = _CountedPaginator(records, 50, count)
    return {
        "year": year,
        "page": page.get_page(page_number),
        "earlier": earlier and {"href": reverse("year", args=[earlier]), "text": str(earlier)},
        "later": later and {"href": reverse("year", args=[later]), "text": str(later)},
    }


def on_this_day_context(value: str | None) -> dict:
    """The documents of a day of the year; when it has none, those of the nearest day that has some (said so)."""
    asked = dt.date.today().replace(year=2000)  # 2000 was a leap year: every day of any year is in it
    if value:
        try:
            month, dom = (int(p) for p in value.split("-"))
            asked = dt.date(2000, month, dom)  # a leap year, so 02-29 is a valid choice
        except ValueError:
            pass
    days = browse.days_with_documents()
    day = asked
    if asked not in days and days:
        day = min(days, key=lambda d: (_days_apart(d, asked), d))
    records = browse.on_this_day(day).only("id", "title", "date_text", "date_edtf")[:200]
    earlier, later = browse.nearest_days(days, day)
    return {
        "day": day,
        "asked": asked,
        "moved": day != asked,
        "records": records,
        "earlier": earlier and {"href": f"?date={earlier:%m-%d}", "text": date_format(earlier, "F j")},
        "later": later and {"href": f"?date={later:%m-%d}", "text": date_format(later, "F j")},
    }


def _days_apart(a: dt.date, b: dt.date) -> int:
    """Days between two days of the year, round the year (December 31 and January 1 are one day apart)."""
    apart = abs((a - b).days)
    return min(apart, 366 - apart)


def authority_context(kind: str, key: str, page_number) -> dict:
    authority = services.get_authority(kind, key)
    records = services.authority_records(authority).only("id", "title", "date_text", "date_edtf")
    page = Paginator(records, 50).get_page(page_number)
    children = list(services.authorities_with_counts(kind, children_of=authority))
    context = {
        "authority": authority,
        "kind": AUTHORITY_KIND[kind],
        "page": page,
        "ancestors": [],
        "children": children,
        "data": authority.data,
        "person": None,
    }
    if kind == "person":
        # A person's "parent" and "children" are the same person in another list (records/persons.py).
        context["person"] = persons.person_facts(authority, children)
        context["children"] = []
        return context
    ancestors: list[Authority] = []
    node = authority.parent
    while node is not None and len(ancestors) < 20:
        ancestors.insert(0, node)
        node = node.parent
    totals = browse.subtree_totals(children)
    for child in children:
        child.public_count = totals[child.pk]  # its documents and those below it, each once
    context["ancestors"] = ancestors
    return context
