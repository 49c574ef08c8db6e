"""The scan viewer: one page of a public record's scans, large enough to read, at /records/<id>/@scans/<n>/.

Server-rendered, without JavaScript: the page at a readable size (a `srcset` of the sizes the level 0 image
service lists), zoom steps as plain links (`?size=<width>`, one of those sizes, shown at its own pixels in a
scrolling frame), the previous and next pages, the list of pages, and the way back to the page's anchor in the
text (#page-n). Nothing of a record that is not public: the record comes from services.get_public_record, and
every image from TileStore's public files (web/iiif.py). docs/iiif.md describes it.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse

from readingroom.iiif.images import TileStore
from readingroom.iiif.pages import ScanPage, Size, page_of, scan_pages
from readingroom.records import services
from readingroom.records.errors import NotFound
from readingroom.records.models import Record


def page_url(record_id: str, n: int, size: Size | None = None) -> str:
    url = reverse("scan-page", kwargs={"record_id": record_id, "n": n})
    return f"{url}?size={size.width}" if size else url


def image_url(page: ScanPage, size: Size) -> str:
    return reverse(
        "iiif-image",
        kwargs={
            "image": page.scan.image_id,
            "region": "full",
            "size": size.iiif,
            "rotation": "0",
            "quality": "default",
            "fmt": "jpg",
        },
    )


def scan_page(request, record_id: str, n: int):
    record = services.get_public_record(record_id)
    return render(request, "readingroom/scan_viewer.html", viewer_context(request, record, n))


def _asked_width(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit() or len(value) > 6:
        raise NotFound(f"size {value!r} is not a width in pixels: use one of the zoom links")
    return int(value)


def viewer_context(request, record: Record, n: int) -> dict:
    pages = scan_pages(record.document, TileStore.of(request.archive.settings))
    page = page_of(pages, n)
    asked = _asked_width(request.GET.get("size"))
    shown = page.size(asked) if asked is not None else page.readable()
    sizes = page.sizes
    position = sizes.index(shown) if shown in sizes else None
    zoom = [
        {
            "size": s,
            "href": page_url(record.pk, n, s),
            "current": asked is not None and s == shown,
            "label": f"{s.width} × {s.height}",
        }
        for s in sizes
    ]
    zoom_in = zoom_out = None
    if position is not None:
        # Fitted, the page is as wide as the screen, whatever that is: zooming in shows the size it was fitted
        # from at its own pixels; zoomed, the next listed size.
        bigger = position if asked is None else position + 1
        if bigger < len(sizes):
            zoom_in = page_url(record.pk, n, sizes[bigger])
        if position > 0:
            zoom_out = page_url(record.pk, n, sizes[position - 1])
    record_url = reverse("record", kwargs={"record_id": record.pk})
    return {
        "record": record,
        "page": page,
        "count": len(pages),
        "pages": [
            {"n": p.n, "label": p.label, "href": page_url(record.pk, p.n), "current": p.n == n} for p in pages
        ],
        "previous": page_url(record.pk, n - 1) if n > 1 else None,
        "next": page_url(record.pk, n + 1) if n < len(pages) else None,
        "fitted": asked is None,
        "shown": shown,
        "src": image_url(page, shown) if shown else reverse("media", kwargs={"path": page.scan.path}),
        # Every listed size, for the browser to choose from when the page is fitted to the screen.
        "srcset": ", ".join(f"{image_url(page, s)} {s.width}w" for s in sizes) if asked is None else "",
        "zoom": zoom,
        "zoom_in": zoom_in,
        "zoom_out": zoom_out,
        "fit_url": page_url(record.pk, n),
        "record_url": record_url,
        "anchor_url": f"{record_url}#{page.anchor}",
        "file_url": reverse("media", kwargs={"path": page.scan.path}),
        "manifest_url": reverse("iiif-manifest", kwargs={"record_id": record.pk}),
    }


def record_page_scans(record: Record, pages: list[ScanPage]) -> list[dict]:
    """For the record page's page list: each page's anchor, viewer address and neighbours' anchors."""
    return [
        {
            "n": p.n,
            "anchor": p.anchor,
            "viewer": page_url(record.pk, p.n),
            "previous": f"#{pages[i - 1].anchor}" if i > 0 else None,
            "next": f"#{pages[i + 1].anchor}" if i + 1 < len(pages) else None,
        }
        for i, p in enumerate(pages)
    ]
