"""The resources of /api/v1/: HTTP in, a Payload out (http.py makes the response), a few lines each. The work is
in records/services.py (what the public may see), the archive's search backend, and serializers.py."""

from __future__ import annotations

import logging

from django.core.paginator import Paginator
from django.urls import reverse

from readingroom.records import services
from readingroom.records.errors import BadRequest, NotFound
from readingroom.records.models import Record
from readingroom.records.vocabulary import AUTHORITY_KINDS
from readingroom.search import facets as facet_defs
from readingroom.search.params import MAX_RESULTS, SearchRequest, date_bounds, request_from_params
from readingroom.web.errors import error_response
from readingroom.web.links import absolute

from . import openapi, serializers
from .http import Payload, api_view, newest, page_links, page_number, pages_for, refuse_unknown

log = logging.getLogger(__name__)

SEARCH_PARAMETERS = ("q", "from", "to", "undated", "sort", "page", *(f.name for f in facet_defs.FACETS))
"""Exactly the parameters of /search/ (search/params.py reads them; fields.py names the facets)."""
AUTHORITY_PAGE_SIZE = 100
RECORD_PAGE_SIZE = 50


@api_view
def index(request):
    return Payload(
        {
            "openapi": absolute(request, reverse("api:openapi")),
            "search": absolute(request, reverse("api:search")),
            "authorities": {
                kind: absolute(request, reverse("api:authorities", kwargs={"kind": kind}))
                for kind in AUTHORITY_KINDS
            },
        }
    )


@api_view
def document(request):
    return Payload(openapi.document(request))


@api_view
def record(request, record_id: str):
    refuse_unknown(request, ())
    rec = services.get_public_record(record_id)
    body, related = serializers.record_json(request, rec)
    return Payload(body, newest([rec.updated, *(r.updated for r in related)]))


@api_view
def search(request):
    refuse_unknown(request, SEARCH_PARAMETERS)
    page_number(request)  # a page below 1 is an error here, where the page quietly shows the first
    req = checked(request_from_params(request.GET), request.GET)
    try:
        result = search_public(request.archive, req)
    except Exception:
        log.exception("search failed")
        return error_response(
            request,
            503,
            "Search is unavailable",
            "The search engine did not answer. Please try again in a moment.",
        )
    pages = pages_for(min(result.total, MAX_RESULTS), req.page_size)
    links = page_links(request, req.page, pages)
    updated = Record.objects.filter(pk__in=[h.id for h in result.hits]).values_list("updated", flat=True)
    return Payload(serializers.search_json(request, req, result, pages, links), newest(updated), links)


@api_view
def authorities(request, kind: str):
    refuse_unknown(request, ("page",))
    paginator = Paginator(
        services.authorities_with_counts(kind).filter(public_count__gt=0), AUTHORITY_PAGE_SIZE
    )
    page = paginator.page(_existing(request, paginator.count, AUTHORITY_PAGE_SIZE))
    links = page_links(request, page.number, page.paginator.num_pages)
    return Payload(
        {
            "kind": kind,
            "total": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "links": links,
            "authorities": [serializers.authority_line(request, a, a.public_count) for a in page],
        },
        None,
        links,
    )


@api_view
def authority(request, kind: str, key: str):
    refuse_unknown(request, ("page",))
    obj = services.get_authority(kind, key.rstrip("/"))
    paginator = Paginator(services.authority_records(obj).only(*serializers.LIST_FIELDS), RECORD_PAGE_SIZE)
    total = paginator.count
    if not total:  # carried by no public record: as if it did not exist
        raise NotFound(f"no {kind} {key!r}")
    page = paginator.page(_existing(request, total, RECORD_PAGE_SIZE))
    links = page_links(request, page.number, page.paginator.num_pages)
    children = services.authorities_with_counts(kind, children_of=obj).filter(public_count__gt=0)
    body = serializers.authority_json(
        request,
        obj,
        obj.parent,
        list(children),
        list(page),
        total,
        page.number,
        page.paginator.num_pages,
        links,
    )
    return Payload(body, newest(r.updated for r in page), links)


def checked(req: SearchRequest, params) -> SearchRequest:
    """The page shows its parser's notes and goes on; an API client would not see them, so a value the parser
    could not use is a 400 here. Dates the wrong way round are only swapped, as on the page (the response's
    query notes say so): no schema can say that `from` must come before `to`."""
    notes = list(req.notes)
    start, end = (date_bounds(params.get(name) or "") for name in ("from", "to"))
    if start and end and start[0] > end[1]:
        notes.pop(0)  # read_dates, the first interpreter, said so, and nothing else: both dates were good
    if notes:
        raise BadRequest("; ".join(notes))
    return req


def _existing(request, total: int, page_size: int) -> int:
    number = page_number(request)
    if number > pages_for(total, page_size):
        raise NotFound(f"there are {pages_for(total, page_size)} pages here, not {number}")
    return number


def search_public(archive, req):
    """The search as /search/ runs it: from the index as it is (the background worker keeps it up to date)."""
    return archive.search.search(req)
