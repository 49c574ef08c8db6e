"""A record's scans as numbered pages: what the record page's page list and the scan viewer (web/scanviewer.py) show.

Page n is the n-th scan of the record (iiif/images.py `scans`, document order) whose file is in the media folder,
so the record page's anchors (#page-n), the viewer's addresses (@scans/n/) and their "Page n of m" agree. The
sizes a page can be shown at are those its level 0 image service lists in info.json, and no others: a page whose
tiles are not made yet has none, and is shown by its file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from readingroom.records.errors import NotFound

from .images import Scan, TileStore, scans

READABLE_WIDTH = 1000  # pixels: the smallest listed size at least this wide is the one a reader gets first


@dataclass(frozen=True)
class Size:
    width: int
    height: int

    @property
    def iiif(self) -> str:
        return f"{self.width},{self.height}"


@dataclass(frozen=True)
class ScanPage:
    n: int  # 1, 2, ... in the record
    scan: Scan
    info: dict[str, Any] | None  # info.json when the tiles are made

    @property
    def anchor(self) -> str:
        return f"page-{self.n}"

    @property
    def label(self) -> str:
        return self.scan.label or f"Page {self.n}"

    @property
    def sizes(self) -> list[Size]:
        """The whole-image sizes the image service lists, smallest first."""
        listed = (self.info or {}).get("sizes") or []
        return sorted((Size(s["width"], s["height"]) for s in listed), key=lambda s: s.width)

    def size(self, width: int) -> Size:
        """The listed size `width` pixels wide; NotFound, naming those there are, for any other."""
        for size in self.sizes:
            if size.width == width:
                return size
        there = ", ".join(str(s.width) for s in self.sizes) or "none yet (its tiles are not made)"
        raise NotFound(f"page {self.n} has no size {width} pixels wide: the sizes are {there}")

    def readable(self, width: int = READABLE_WIDTH) -> Size | None:
        """The smallest listed size at least `width` wide, else the largest; None before the tiles are made."""
        sizes = self.sizes
        return next((s for s in sizes if s.width >= width), sizes[-1]) if sizes else None

    @property
    def printed_page(self) -> str | None:
        """The printed page number the label names ("Page 211", "p. 211", "211"), for the text's page breaks."""
        match = _PRINTED.fullmatch((self.scan.label or "").strip())
        return (match.group(1) or match.group(2)) if match else None


# "Page 211", "p. 7", "Page xiv" (a roman number only after a word for page: "Mill" is no page), or "211".
_PRINTED = re.compile(r"(?:page|p\.?|pp\.?)\s*(\d+[a-z]?|[ivxlcdm]+)|(\d+[a-z]?)", re.IGNORECASE)


def scan_pages(doc: dict, tiles: TileStore) -> list[ScanPage]:
    """The record's scans whose files are in the media folder, numbered from 1."""
    found = [scan for scan in scans(doc) if tiles.source_file(scan.path)]
    return [ScanPage(n, scan, tiles.info(scan.path)) for n, scan in enumerate(found, 1)]


def page_of(pages: list[ScanPage], n: int) -> ScanPage:
    if not 1 <= n <= len(pages):
        count = f"pages 1 to {len(pages)}" if pages else "no scans"
        raise NotFound(f"no scan page {n}: this record has {count}")
    return pages[n - 1]


def printed_pages(pages: list[ScanPage]) -> dict[str, ScanPage]:
    """Printed page number -> the scan labelled with it, for numbers only one scan names."""
    seen: dict[str, list[ScanPage]] = {}
    for page in pages:
        if page.printed_page:
            seen.setdefault(page.printed_page.lower(), []).append(page)
    return {number: found[0] for number, found in seen.items() if len(found) == 1}
