"""/oai: the OAI-PMH endpoint (readingroom/oai), GET or POST (application/x-www-form-urlencoded)."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from readingroom.oai.formats import FormatRegistry
from readingroom.oai.records_provider import RecordsProvider
from readingroom.oai.repository import Repository
from readingroom.web import links, pagecache

# What Identify shows while READINGROOM_ADMIN_EMAIL is unset: a valid address that says what to do.
UNSET_ADMIN_EMAIL = "set-READINGROOM_ADMIN_EMAIL@example.invalid"


class WebLinks:
    """The repository's URLs (web/links.py): its base URL, record URLs (the OAI identifiers) and authority
    pages. One per request; a page of records names the same authorities many times, so their URLs are kept."""

    def __init__(self, request):
        self.request = request
        self.base = links.base_url(request)
        self.endpoint = self.base + reverse("oai")
        self._record_prefix = self.record("x")[: -len("x/")]
        self._authorities: dict[tuple[str, str], str] = {}

    def record(self, record_id: str) -> str:
        # links.record_url(request, id), without working out the base URL again for each record of a page
        return self.base + reverse("record", kwargs={"record_id": record_id})

    def record_id(self, identifier: str) -> str | None:
        if not (identifier.startswith(self._record_prefix) and identifier.endswith("/")):
            return None
        record_id = identifier[len(self._record_prefix) : -1]
        return record_id if record_id and self.record(record_id) == identifier else None

    def authority(self, kind: str, key: str) -> str:
        url = self._authorities.get((kind, key))
        if url is None:
            url = self._authorities[(kind, key)] = self.base + reverse(
                "authority", kwargs={"kind": kind, "key": key}
            )
        return url


def repository(request) -> Repository:
    settings = request.archive.settings
    return Repository(
        RecordsProvider(kept=lambda name, compute: pagecache.kept(request.archive, name, compute)),
        FormatRegistry.default(),
        WebLinks(request),
        name=settings.site_name,
        admin_emails=[settings.admin_email or UNSET_ADMIN_EMAIL],
        page_size=settings.oai_page_size,
    )


@csrf_exempt  # harvesters POST without a session; nothing here changes state
@require_http_methods(["GET", "POST"])
def endpoint(request):
    arguments = request.POST if request.method == "POST" else request.GET
    body = repository(request).respond(arguments.lists())
    return HttpResponse(body, content_type="text/xml; charset=utf-8")
