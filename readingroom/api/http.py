"""How both APIs answer over HTTP: JSON bodies with an ETag (and a Last-Modified where the records shown say
when they changed), conditional GET (304), paging links in the body and in a Link header, CORS for every
origin, and GET/HEAD only (OPTIONS answered by CorsMiddleware). Errors come from web/errors.py, in its one
shape."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import orjson
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from readingroom.records.errors import BadRequest, NotFound
from readingroom.web.errors import is_api, method_not_allowed, not_found
from readingroom.web.links import absolute

METHODS = ("GET", "HEAD")
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Link",
}
PREFLIGHT_MAX_AGE = 86400


@dataclass
class Payload:
    """What a resource returns: the body, when its records last changed (None: unknown), paging links."""

    body: dict | list
    last_modified: dt.datetime | None = None
    links: dict[str, str] = field(default_factory=dict)


def api_view(view: Callable[..., Payload | HttpResponseBase]):
    """A GET resource of the APIs: other methods get a JSON 405; a Payload becomes a JSON response."""

    @csrf_exempt  # nothing here writes; a POST must get its 405, not a CSRF page
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in METHODS:
            return method_not_allowed(request, METHODS)
        # No id, key or name holds a NUL character, and PostgreSQL refuses to compare text with one.
        if any("\x00" in str(v) for v in kwargs.values()):
            raise NotFound("there is nothing at this address")
        if any("\x00" in v for values in request.GET.lists() for v in values[1]):
            raise BadRequest("parameters cannot contain NUL characters")
        result = view(request, *args, **kwargs)
        return result if isinstance(result, HttpResponseBase) else respond(request, result)

    return wrapper


def respond(request, payload: Payload) -> HttpResponseBase:
    body = orjson.dumps(payload.body)
    etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
    last_modified = (
        int(payload.last_modified.timestamp()) if payload.last_modified else None
    )  # HTTP dates: seconds
    response = HttpResponse(body if request.method == "GET" else b"", content_type="application/json")
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    if payload.links:
        response["Link"] = ", ".join(
            f'<{url}>; rel="{rel}"' for rel, url in payload.links.items() if rel != "self"
        )
    # Visibility can change at any time (a withdrawal, an embargo): caches must always revalidate.
    response["Cache-Control"] = "no-cache"
    return (
        get_conditional_response(request, etag=etag, last_modified=last_modified, response=response)
        or response
    )


def newest(times: Iterable[dt.datetime | None]) -> dt.datetime | None:
    return max((t for t in times if t is not None), default=None)


# -- paging -------------------------------------------------------------------------------------------------------


def page_number(request, name: str = "page") -> int:
    """The page asked for: a whole number from 1 (1 when not given); BadRequest otherwise."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or int(raw) < 1:
        raise BadRequest(f"{name}= takes a whole number from 1, not “{raw[:30]}”")
    return int(raw)


def pages_for(total: int, page_size: int) -> int:
    return max(1, math.ceil(total / page_size))


def page_links(request, page: int, pages: int, name: str = "page") -> dict[str, str]:
    """self, first, last, prev and next as absolute URLs that keep every other parameter."""
    pairs = [(k, v) for k in request.GET for v in request.GET.getlist(k) if k != name]
    base = absolute(request, request.path)

    def url(n: int) -> str:
        query = urlencode(pairs + ([(name, str(n))] if n > 1 else []))
        return base + ("?" + query if query else "")

    links = {"self": url(page), "first": url(1), "last": url(pages)}
    if page > 1:
        links["prev"] = url(min(page - 1, pages))
    if page < pages:
        links["next"] = url(page + 1)
    return links


def refuse_unknown(request, known: Iterable[str]) -> None:
    """A misspelt parameter would be ignored in silence and give other results than meant: say so instead."""
    known = set(known)
    unknown = sorted(k for k in request.GET if k not in known)
    if unknown:
        raise BadRequest(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: "
            f"this address takes {', '.join(sorted(known)) or 'none'}"
        )


# -- CORS ---------------------------------------------------------------------------------------------------------


class CorsMiddleware:
    """Any origin may read the APIs (GET): every answer under /api/ and /srv/ says so, errors included, and an
    OPTIONS preflight for an address that exists is answered here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api(request):
            return self.get_response(request)
        response = self.preflight(request) if request.method == "OPTIONS" else self.get_response(request)
        for name, value in CORS_HEADERS.items():
            response[name] = value
        return response

    def preflight(self, request) -> HttpResponse:
        try:
            resolve(request.path_info)
        except Resolver404:
            return not_found(request)
        response = HttpResponse(status=204)
        response["Allow"] = response["Access-Control-Allow-Methods"] = ", ".join((*METHODS, "OPTIONS"))
        response["Access-Control-Allow-Headers"] = request.headers.get(
            "Access-Control-Request-Headers", "If-None-Match, If-Modified-Since"
        )
        response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
        return response
