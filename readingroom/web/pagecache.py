"""Record pages kept by each server process, so that a page read again costs a lookup, not a rendering.

A page is kept under everything it is made from: the record's revision and last change, the latest audit event
(every change through the store logs one in its transaction: a relation's target withdrawn, an authority
renamed, another record published all make a new key), the day (an embargo ends at midnight without a write; a
citation says when it was accessed), and the request's scheme, host and path (the page prints absolute links).
Only anonymous GETs are kept, and only a page that sets no cookie (a form's CSRF token would): what a signed-in
editor sees is made for them each time. The pages live in the archive's memo (archive.Memo), bounded in bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponse

from readingroom.records import audit, visibility
from readingroom.records.models import Record


def page_key(request, record: Record) -> tuple | None:
    """The page's key, or None when this request's page must not be kept."""
    if request.method != "GET" or request.user.is_authenticated:
        return None
    return (
        "record-page",
        record.pk,
        record.revision,
        record.updated,
        audit.latest_event_id(),
        visibility.today(),
        request.scheme,
        request.get_host(),
        request.get_full_path(),
    )


def record_page(request, record: Record, build: Callable[[], HttpResponse]) -> HttpResponse:
    """The kept page for this request, or the one `build` makes (kept when it may be)."""
    key = page_key(request, record)
    if key is None:
        return build()
    kept = request.archive.memo.get(key)
    if kept is not None:
        content, headers = kept
        response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
        return response
    response = build()
    if (
        response.status_code == 200
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    ):
        headers = [(name, value) for name, value in response.items()]
        request.archive.memo.set(key, (response.content, headers), nbytes=len(response.content))
    return response
