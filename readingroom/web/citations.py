"""A record's citations on the web: the citation box and embedded metadata of the record page, its Signposting
`Link` header, and the downloads at /records/<id>/@cite.bib, @cite.ris and @cite.json (citations.formats)."""

from __future__ import annotations

import hashlib

from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.utils import timezone
from django.utils.safestring import mark_safe

from readingroom.citations import csl, metadata, styles
from readingroom.citations.formats import FORMATS
from readingroom.records import services
from readingroom.records.errors import Moved
from readingroom.records.models import Record
from readingroom.web import links, pagecache

# What the signposting header and the page's <link> elements point to, besides the permalink.
DESCRIBED_BY = ("cite.json", "cite.bib")
SCHEMA_TYPES = ("https://schema.org/ArchiveComponent", "https://schema.org/AboutPage")


def record_item(request, record: Record) -> dict:
    return csl.csl_item(
        record,
        url=links.record_url(request, record.pk),
        accessed=timezone.now().date(),
        site_name=request.archive.settings.site_name,
    )


def _files(request, doc: dict) -> list[metadata.File]:
    files = []
    for m in doc.get("media") or []:
        url = links.media_url(request, m["path"]) if m.get("path") else m.get("url")
        if url and url.startswith(("http://", "https://")):
            files.append(metadata.File(url, m.get("mime_type")))
    return files


def _rendered(request, item: dict, record: Record) -> list[styles.Rendered]:
    """citeproc-py takes tens of milliseconds a style: a record's citations are kept (for every worker of the
    server: web/pagecache.py) under what they are made from, the record's content and the item (its URL and the
    day it was accessed)."""
    key = (
        "citations",
        hashlib.sha256(f"{record.content_hash}|{sorted(item.items())}".encode()).hexdigest(),
    )
    return pagecache.remembered(request.archive, key, lambda: styles.render(item))


def page_context(request, record: Record) -> dict:
    """What the record page shows of citations: the box, the downloads and the head's metadata."""
    item = record_item(request, record)
    page = metadata.PageMetadata(item, record.document, _files(request, record.document))
    return {
        "citations": _rendered(request, item, record),
        "citation_downloads": [
            (f.label, links.subresource_path(record.pk, f.name), f.media_type) for f in FORMATS.values()
        ],
        "citation_meta": page.highwire() + page.dublin_core(),
        "dc_schema": metadata.DC_SCHEMA,
        "json_ld": mark_safe(metadata.json_ld_text(page.json_ld())),  # escaped for a <script> element
    }


def tombstone_citations(request, record: Record) -> list[styles.Rendered]:
    """The citations of a withdrawn record, for its tombstone: how readers cited it, so they know it is this."""
    return _rendered(request, record_item(request, record), record)


def signposting(request, record: Record) -> str:
    """The Link header of a record page (https://signposting.org/FAIR/): cite-as, describedby, item, type."""
    links_out = [f'<{links.record_url(request, record.pk)}>; rel="cite-as"']
    for name in DESCRIBED_BY:
        fmt = FORMATS[name]
        links_out.append(
            f'<{links.subresource_url(request, record.pk, name)}>; rel="describedby"; type="{fmt.media_type}"'
        )
    for f in _files(request, record.document):
        links_out.append(f'<{f.url}>; rel="item"' + (f'; type="{f.media_type}"' if f.media_type else ""))
    links_out += [f'<{t}>; rel="type"' for t in SCHEMA_TYPES]
    return ", ".join(links_out)


def download(request, record_id: str, name: str):
    """/records/<id>/@<name>: a citation download (cite.bib, ...) or the record as a file (record.pdf, ...:
    web/downloads.py), only of a public record."""
    from readingroom.web import downloads

    fmt = FORMATS.get(name)
    if fmt is None and name not in downloads.DOWNLOADS:
        raise Http404(f"no {name!r} of a record")
    try:
        record = services.get_public_record(record_id)
    except Moved as moved:
        return HttpResponsePermanentRedirect(links.subresource_path(moved.new_id, name))
    if fmt is None:
        return downloads.download(request, record, name)
    response = HttpResponse(
        fmt.render(record_item(request, record)), content_type=f"{fmt.media_type}; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{fmt.filename({"id": record.pk})}"'
    response["Link"] = f'<{links.record_url(request, record.pk)}>; rel="cite-as"'
    response["Cache-Control"] = "no-cache"  # visibility can change: always revalidate
    return response
