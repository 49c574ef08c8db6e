"""/metrics: the Prometheus text format (readingroom/metrics.py says what is in it).

Who may read it: a request from the server itself (loopback), or one with `Authorization: Bearer TOKEN` when
READINGROOM_METRICS_TOKEN is set. Behind a reverse proxy on the same machine every request comes from loopback:
such a request carries X-Forwarded-For, and is then not taken for a local one unless READINGROOM_BEHIND_PROXY=1
says where the client's address is (accounts/throttle.py, client_ip).
"""

from __future__ import annotations

import hmac
import ipaddress

from django.apps import apps
from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import never_cache

from readingroom.accounts.throttle import client_ip

from .apps import WebConfig
from .errors import error_response


def bearer_token(request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def from_loopback(request) -> bool:
    if not settings.READINGROOM_BEHIND_PROXY and (
        "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
    ):
        return False  # a proxy on this machine passed it on: the client is elsewhere
    address = client_ip(request)
    return bool(address) and ipaddress.ip_address(address).is_loopback


def may_read_metrics(request) -> bool:
    token = settings.READINGROOM_METRICS_TOKEN
    if token and hmac.compare_digest(bearer_token(request).encode(), token.encode()):
        return True
    return from_loopback(request)


@never_cache
def metrics(request):
    if not may_read_metrics(request):
        return error_response(
            request,
            403,
            "Forbidden",
            "Metrics are served to the server itself (loopback), or with the bearer token that "
            "READINGROOM_METRICS_TOKEN sets (Authorization: Bearer TOKEN).",
        )
    from readingroom.metrics import CONTENT_TYPE

    web: WebConfig = apps.get_app_config("web")  # type: ignore[assignment]
    return HttpResponse(web.metrics.exposition(), content_type=CONTENT_TYPE)
