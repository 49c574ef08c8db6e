"""Absolute URLs of the archive: from READINGROOM_BASE_URL when it is set, else from the request.

Every absolute link the archive gives out (permalinks, canonical links, citations, OAI-PMH identifiers and
baseURL, sitemap entries, API links, IIIF ids) is built here, so that none names a host the server is not on.

Record ids may contain "/", so a record's sub-resources are addressed after an "@", which no id can contain
(records/schema.py ID_PATTERN): /records/frus1964-68v07/d74/@cite.bib. See docs/api.md.
"""

from __future__ import annotations

from django.urls import reverse

SUBRESOURCE_MARK = "@"


def base_url(request) -> str:
    """The public base URL without a trailing slash: the configured one, else the request's scheme and host."""
    configured = request.archive.settings.base_url if hasattr(request, "archive") else ""
    if configured:
        return configured.rstrip("/")
    return f"{request.scheme}://{request.get_host()}"


def absolute(request, path: str) -> str:
    """An absolute URL for a site path ("/records/x/")."""
    return base_url(request) + (path if path.startswith("/") else "/" + path)


def record_url(request, record_id: str) -> str:
    return absolute(request, reverse("record", kwargs={"record_id": record_id}))


def subresource_path(record_id: str, name: str) -> str:
    """The site path of a record's sub-resource: /records/<id>/@<name> (e.g. name="cite.bib")."""
    return reverse("record-subresource", kwargs={"record_id": record_id, "name": name})


def subresource_url(request, record_id: str, name: str) -> str:
    return absolute(request, subresource_path(record_id, name))


def media_url(request, path: str) -> str:
    return absolute(request, reverse("media", kwargs={"path": path}))
