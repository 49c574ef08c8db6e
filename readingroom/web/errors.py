"""One table from domain exceptions to HTTP responses; JSON under /api/ and /srv/ (the APIs), a page elsewhere.

Every error has the same shape: {"error": {"status": 404, "title": "Not found", "detail": "..."}} as JSON, or the
error page with the same three facts.
"""

from __future__ import annotations

from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from readingroom.records.errors import AuthorityMoved, BadRequest, Conflict, Moved, NotFound, Withdrawn
from readingroom.records.schema import RecordError

STATUS = {
    NotFound: (404, "Not found"),
    Conflict: (409, "Conflict"),
    RecordError: (400, "Bad request"),
    BadRequest: (400, "Bad request"),
}

API_PREFIXES = ("/api/", "/srv/")
"""Paths whose errors are JSON: the JSON API and the Digital Archive compatible API."""
OPERATIONS_PATHS = ("/healthz", "/readyz", "/metrics")
"""Read by machines (docs/operations.md): their errors are JSON too."""


class ErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Moved):
            return HttpResponsePermanentRedirect(moved_url(request, exception.new_id))
        if isinstance(exception, AuthorityMoved):
            return HttpResponsePermanentRedirect(authority_moved_url(request, exception.kind, exception.key))
        if isinstance(exception, Withdrawn) and is_record_page(request):
            return tombstone(request, exception.record)
        for cls, (status, title) in STATUS.items():
            if isinstance(exception, cls):
                return error_response(request, status, title, str(exception))
        return None


def moved_url(request, new_id: str) -> str:
    """The same resource under the record's new id: the page, the API record, the DA record alike."""
    match = getattr(request, "resolver_match", None)
    if match is not None and "record_id" in match.kwargs:
        try:
            return reverse(match.view_name, kwargs={**match.kwargs, "record_id": new_id})
        except NoReverseMatch:
            pass
    return reverse("record", kwargs={"record_id": new_id})


def authority_moved_url(request, kind: str, key: str) -> str:
    """The same resource of the authority an old one was merged into: its page, or its API resource."""
    match = getattr(request, "resolver_match", None)
    if match is not None and "key" in match.kwargs:
        try:
            return reverse(match.view_name, kwargs={**match.kwargs, "kind": kind, "key": key})
        except NoReverseMatch:
            pass
    return reverse("authority", kwargs={"kind": kind, "key": key})


def is_record_page(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and match.view_name == "record" and not is_api(request)


def tombstone(request, record):
    """410 Gone on the page of a withdrawn record that was public: its title, the reason, the date and its
    citation; never its text, media or authorities. (Every other surface answers 404, as for any record the
    public may not see.)"""
    from readingroom.web.revisions import tombstone_context

    return render(request, "readingroom/tombstone.html", tombstone_context(request, record), status=410)


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIXES)


def error_response(request, status: int, title: str, detail: str):
    if is_api(request) or request.path in OPERATIONS_PATHS:
        return JsonResponse({"error": {"status": status, "title": title, "detail": detail}}, status=status)
    return render(
        request, "readingroom/error.html", {"status": status, "title": title, "detail": detail}, status=status
    )


def method_not_allowed(request, allowed: tuple[str, ...]):
    response = error_response(
        request,
        405,
        "Method not allowed",
        f"{request.method} is not allowed here: use {' or '.join(allowed)}",
    )
    response["Allow"] = ", ".join(allowed)
    return response


def not_found(request, exception=None):
    return error_response(request, 404, "Not found", "There is no page at this address.")


def server_error(request):
    return error_response(request, 500, "Server error", "Something went wrong on our side.")
