"""One table from domain exceptions to HTTP responses; JSON under /api/ and /srv/ (the APIs), a page elsewhere.

Every error has the same shape: {"error": {"status": 404, "title": "Not found", "detail": "..."}} as JSON, or the
error page with the same three facts.
"""

from __future__ import annotations

from django.db import DatabaseError
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from readingroom.records.errors import AuthorityMoved, BadRequest, Conflict, Moved, NotFound, Withdrawn
from readingroom.records.schema import RecordError
from readingroom.storage import STORAGE_FULL, storage_problem

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
        if isinstance(exception, (DatabaseError, OSError)):
            return unavailable(request, exception)
        return None


BUSY_RETRY_SECONDS = 30
# What psycopg says when the PostgreSQL server is down or restarting: a 503, not a bug.
_DATABASE_DOWN = (
    "connection refused",
    "could not connect",
    "connection failed",
    "server closed the connection",
    "the database system is starting up",
    "the database system is shutting down",
    "terminating connection due to administrator command",
)


def unavailable(request, exception: BaseException):
    """503 for a write the archive cannot take now, saying that nothing was changed: SQLite's write lock held
    past its wait (an import writes each file in one transaction), or storage that is full or read-only.
    None for any other database error (a 500, logged)."""
    storage = storage_problem(exception)
    if storage is not None:
        detail = (
            f"The archive cannot write now: {storage}. Nothing was changed. The archive's team has to "
            + ("free space on its disk." if storage == STORAGE_FULL else "make its storage writable again.")
        )
    elif any(words in str(exception).lower() for words in _DATABASE_DOWN):
        detail = (
            "The archive's database does not answer just now. Nothing was changed: try again in a minute."
        )
    elif "database is locked" in str(exception) or "database table is locked" in str(exception):
        detail = (
            "The archive is busy writing (an import may be running). Nothing was changed: "
            "go back and try again in a minute; the form keeps what you entered."
        )
    else:
        return None
    response = error_response(request, 503, "Busy", detail)
    response["Retry-After"] = str(BUSY_RETRY_SECONDS)
    return response


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
