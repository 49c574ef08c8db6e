"""Pages kept for every worker of the server, so that a page read again costs a lookup, not a rendering.

A page is kept under everything it is made from: what the page names (a record's revision and last change), the
latest audit event that may change what pages show of other records (every change through the store logs one in
its transaction, saying whether it may: a relation's target withdrawn, an authority renamed, another record
published or retitled all make a new key; a draft saved, or a published record's text corrected, does not, as
only that record's own page shows those: records/visibility.shown_elsewhere), the day (an embargo ends at midnight without
a write; a citation says when it was accessed), and the request's scheme, host and path with its query (the page
prints absolute links). Only anonymous GETs are kept, and only a page that sets no cookie (a form's CSRF token
would): what a signed-in editor sees is made for them each time.

The pages live in the archive's shared memo (archive.SharedMemo: diskcache, on disk, read by every gunicorn
worker, bounded in bytes), and in front of it in each process's own memo (archive.Memo: no disk, no unpickling
for a page this process read lately); with READINGROOM_PAGE_CACHE_MB=0, in each process's memo only.
Archive-wide values that pages are made from (the home page's counts) are kept the same way: `kept()`.
"""

from __future__ import annotations

import gzip
import secrets
import string
from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.utils.cache import patch_vary_headers

from readingroom.records import audit, visibility
from readingroom.records.models import Record


def _get(archive, key: tuple) -> Any:
    """This process's memo first (no disk, no unpickling), then the store every worker shares."""
    found = archive.memo.get(key)
    if found is None and archive.shared is not None:
        found = archive.shared.get(key)
        if found is not None:
            archive.memo.set(key, found, nbytes=_size(found))
    return found


def _set(archive, key: tuple, value: Any) -> None:
    archive.memo.set(key, value, nbytes=_size(value))
    if archive.shared is not None:
        archive.shared.set(key, value)


def _size(value: Any) -> int:
    """What the memo counts against its bytes: a page's body and its compressed copy, a list of strings; other
    values are small."""
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[0], bytes):
        return len(value[0]) + len(value[2] or b"")
    if isinstance(value, tuple) and value and isinstance(value[0], str):  # a volume's order: 80,000 ids
        return sum(map(len, value)) + 60 * len(value)
    return 0


def remembered(archive, key: tuple, compute: Callable[[], Any]) -> Any:
    """The value kept under `key` (which must name everything it depends on), or `compute()`'s, kept."""
    found = _get(archive, key)
    if found is None:
        found = compute()
        _set(archive, key, found)
    return found


def state() -> tuple:
    """What every kept value depends on beyond its own parts: the latest change of the store that may alter what
    pages show of other records than the changed one (audit.latest_list_change), and the day."""
    return (audit.latest_list_change(), visibility.today())


def kept(archive, name: tuple, compute: Callable[[], Any]) -> Any:
    """An archive-wide value (counts, lists), computed once per change of what pages show of records (`state`)
    and per day, for every worker: `name` names the value and its arguments; it must hold public records only, as
    every page does, and only what records/visibility.shown_elsewhere keeps of them (no summaries, no texts)."""
    return remembered(archive, ("value", *name, *state()), compute)


def page_key(request, parts: tuple) -> tuple | None:
    """The page's key, or None when this request's page must not be kept."""
    if request.method != "GET" or request.user.is_authenticated:
        return None
    return (
        "page",
        *parts,
        *state(),
        request.scheme,
        request.get_host(),
        request.get_full_path(),
    )


def page(request, parts: tuple, build: Callable[[], HttpResponse]) -> HttpResponse:
    """The kept page for this request, or the one `build` makes (kept when it may be)."""
    key = page_key(request, parts)
    if key is None:
        return build()
    found = _get(request.archive, key)
    if found is not None:
        return _kept_response(request, *found)
    response = build()
    if (
        response.status_code == 200
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not response.streaming
    ):
        headers = [(name, value) for name, value in response.items()]
        kept = (response.content, headers, _gzipped(response.content))
        _set(request.archive, key, kept)
        return _kept_response(request, *kept)
    return response


def _gzipped(content: bytes) -> bytes | None:
    """The body compressed once, as GZipMiddleware would compress it on every request (a long transcript's page
    of 600 KB took it 10 to 50 ms each time); None when compressing does not make it shorter."""
    if len(content) < 200:
        return None
    compressed = gzip.compress(content, compresslevel=6, mtime=0)
    return compressed if len(compressed) < len(content) else None


def _random_name(compressed: bytes) -> bytes:
    """The compressed body with a random file name in its gzip header, of random length, as GZipMiddleware
    writes each response (Django's mitigation of BREACH: the length of a response varies)."""
    header = bytearray(compressed[:10])
    header[3] = gzip.FNAME
    name = "".join(secrets.choice(string.ascii_letters) for _ in range(secrets.randbelow(100) + 1))
    return bytes(header) + name.encode() + b"\x00" + compressed[10:]


def _kept_response(request, content: bytes, headers: list, compressed: bytes | None) -> HttpResponse:
    if compressed is not None and re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        response = HttpResponse(_random_name(compressed))
        response["Content-Encoding"] = "gzip"  # GZipMiddleware leaves an encoded response alone
    else:
        response = HttpResponse(content)
    for name, value in headers:
        response[name] = value
    response["Content-Length"] = str(len(response.content))
    patch_vary_headers(response, ("Accept-Encoding",))
    return response


def record_page(request, record: Record, build: Callable[[], HttpResponse]) -> HttpResponse:
    """A record's page, kept under its revision and last change too."""
    return page(request, ("record", record.pk, record.revision, record.updated), build)
