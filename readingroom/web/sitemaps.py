"""/sitemap.xml (a sitemap index), its chunks /sitemap-<section>-<n>.xml, and /robots.txt that names it.

Sections are small declarative classes in the manner of django.contrib.sitemaps (`items()`, `location()`,
`lastmod()`); the records section lists exactly the public records (records/visibility.py), with the time each
was last updated. Django's own views are not used: they build every chunk in memory as a list and render it
through a template, find an index's lastmod by reading every item, and name hosts from the request rather than
READINGROOM_BASE_URL. These views stream each chunk from one query of two columns, and build every URL with
web/links.py. bench/sitemap.py measures both.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.urls import get_script_prefix, reverse

from readingroom.records.models import Record
from readingroom.records.vocabulary import AUTHORITY_KINDS
from readingroom.web import links

MAX_URLS = 50_000  # the sitemap protocol's limit for one file


class Section:
    name: str

    def items(self) -> Iterable:
        raise NotImplementedError

    def location(self, item) -> str:
        raise NotImplementedError

    def lastmod(self, item) -> dt.datetime | None:
        return None

    def count(self) -> int:
        return len(list(self.items()))

    def chunk_items(self, start: int, size: int) -> Iterable:
        return list(self.items())[start : start + size]


class PageSection(Section):
    """The browse pages."""

    name = "pages"

    def items(self) -> list[tuple[str, dict]]:
        kinds = AUTHORITY_KINDS
        return (
            [("home", {}), ("records", {}), ("search", {})]
            + [("authorities", {"kind": k}) for k in kinds]
            + [("years", {}), ("on-this-day", {})]
        )

    def location(self, item) -> str:
        return reverse(item[0], kwargs=item[1])


class RecordSection(Section):
    """Every public record's page, in id order; lastmod is the record's last update."""

    name = "records"

    def items(self):
        return Record.objects.public().order_by("id").values_list("id", "updated")

    def count(self) -> int:
        return self.items().count()

    def chunk_items(self, start: int, size: int) -> Iterator:
        return self.items()[start : start + size].iterator(chunk_size=2000)

    def location(self, item) -> str:
        head, tail = _record_path(get_script_prefix())
        return f"{head}{item[0]}{tail}"

    def lastmod(self, item) -> dt.datetime | None:
        return item[1]


@functools.lru_cache(maxsize=8)
def _record_path(script_prefix: str) -> tuple[str, str]:
    """A record path's text before and after the id. Record ids hold only characters a URL path keeps as they are
    (records/schema.py ID_PATTERN), so the route is reversed once, not for each of a chunk's 50,000 URLs, where
    reverse() took most of the time. Cached by the script prefix that reverse() reads."""
    head, _, tail = reverse("record", kwargs={"record_id": "ID"}).rpartition("ID")
    return head, tail


class Sitemap:
    """The archive's sitemap: its sections, each cut into chunks of at most `chunk_size` URLs."""

    def __init__(self, sections: Iterable[Section] | None = None, chunk_size: int = MAX_URLS):
        if not 0 < chunk_size <= MAX_URLS:
            raise ValueError(f"chunk_size must be between 1 and {MAX_URLS} (the sitemap protocol's limit)")
        self.sections = {s.name: s for s in (sections or (PageSection(), RecordSection()))}
        self.chunk_size = chunk_size

    def chunks(self, section: Section) -> int:
        return max(1, math.ceil(section.count() / self.chunk_size))


SITEMAP = Sitemap()

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def _w3c(value: dt.datetime | None) -> str:
    return value.replace(microsecond=0).isoformat() if value else ""


def index(request, sitemap: Sitemap):
    lines = [HEAD, f"<sitemapindex {NS}>\n"]
    for section in sitemap.sections.values():
        for n in range(1, sitemap.chunks(section) + 1):
            url = links.absolute(
                request, reverse("sitemap-chunk", kwargs={"section": section.name, "chunk": n})
            )
            lines.append(f"<sitemap><loc>{escape(url)}</loc></sitemap>\n")
    lines.append("</sitemapindex>\n")
    return HttpResponse("".join(lines), content_type="application/xml; charset=utf-8")


def chunk(request, sitemap: Sitemap, section: str, chunk: int):
    found = sitemap.sections.get(section)
    if found is None or chunk < 1 or (chunk > 1 and chunk > sitemap.chunks(found)):
        raise Http404("no such sitemap")
    base = links.base_url(request)

    def lines() -> Iterator[str]:
        yield HEAD + f"<urlset {NS}>\n"
        for item in found.chunk_items((chunk - 1) * sitemap.chunk_size, sitemap.chunk_size):
            lastmod = _w3c(found.lastmod(item))
            yield (
                f"<url><loc>{escape(base + found.location(item))}</loc>"
                + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "")
                + "</url>\n"
            )
        yield "</urlset>\n"

    return StreamingHttpResponse(lines(), content_type="application/xml; charset=utf-8")


def robots_txt(request):
    text = f"User-agent: *\nDisallow: /admin/\n\nSitemap: {links.absolute(request, reverse('sitemap'))}\n"
    return HttpResponse(text, content_type="text/plain; charset=utf-8")
