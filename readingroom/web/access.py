"""Every request: its id, one access-log line, and its count and time in the metrics.

The id is the client's (or proxy's) X-Request-ID when that is a sane token, else a new one; it is returned in
the X-Request-ID response header and is on every log line made while the request is answered (readingroom/logs.py).
The access line (logger `readingroom.access`) holds method, path, status, duration_ms, route (the URL pattern)
and view (its name). The query string is logged only for the public search routes, whose parameters are what
a reader searched for; elsewhere it may carry something private, so it is left out.
"""

from __future__ import annotations

import logging
import time

from django.apps import apps
from django.conf import settings

from readingroom import logs

from .apps import WebConfig

access_log = logging.getLogger("readingroom.access")

# URL patterns whose query string is a public search, and may be logged.
PUBLIC_QUERY_ROUTES = frozenset({"/search/", "/api/v1/search", "/srv/record.json", "/export/", "/oai"})


def route_of(request) -> tuple[str, str]:
    """(the URL pattern from the root, "/records/<path:record_id>/"; its name) that answered: bounded labels for
    metrics, unlike the path itself."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return "/" + (match.route or ""), match.view_name or ""
    if settings.STATIC_URL and request.path.startswith(settings.STATIC_URL):
        return "static", "static"
    return "unmatched", ""  # no pattern matched (a 404), or a middleware answered first


class RequestMiddleware:
    """The outermost middleware: it sees the response every other part made, errors (500) included."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.web: WebConfig = apps.get_app_config("web")  # type: ignore[assignment]

    def __call__(self, request):
        request_id = logs.request_id_from(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        token = logs.request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            response["X-Request-ID"] = request_id
            route, view = route_of(request)
            self.web.metrics.observe_request(route, request.method, response.status_code, seconds)
            self.log(request, response, seconds, route, view)
            return response
        finally:
            logs.request_id.reset(token)

    def log(self, request, response, seconds: float, route: str, view: str) -> None:
        query = request.META.get("QUERY_STRING", "") if route in PUBLIC_QUERY_ROUTES else ""
        shown = request.path + ("?" + query if query else "")
        duration_ms = round(seconds * 1000, 2)
        access_log.info(
            "%s %s %s %.1fms",
            request.method,
            shown,
            response.status_code,
            duration_ms,
            extra={
                "method": request.method,
                "path": request.path,
                "query": query,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "route": route,
                "view": view,
            },
        )
