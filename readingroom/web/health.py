"""Health checks for load balancers and orchestrators.

- /healthz: the process is alive and answers; touches neither the store nor the search engine.
- /readyz: the store and the search engine each answer a cheap query; 200 when both do, else 503. The body
  names each check and what failed, never a setting's value: the details (with the request id) go to the log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.http import JsonResponse
from django.views.decorators.cache import never_cache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    ms: float
    error: str = ""

    def as_json(self) -> dict:
        out: dict = {"ok": self.ok, "ms": round(self.ms, 2)}
        if self.error:
            out["error"] = self.error
        return out


def store_answers(archive) -> None:
    """One indexed row of the records table: the database is reachable and its schema is in place."""
    from readingroom.records.models import Record

    list(Record.objects.values_list("pk", flat=True)[:1])


def search_answers(archive) -> None:
    archive.search.count()


CHECKS: dict[str, tuple[Callable, str]] = {
    "store": (store_answers, "the database did not answer"),
    "search": (search_answers, "the search engine did not answer"),
}


def run_check(name: str, archive) -> Check:
    probe, failure = CHECKS[name]
    started = time.perf_counter()
    try:
        probe(archive)
    except Exception as e:
        log.error("readiness: %s: %s", name, failure, exc_info=True)
        return Check(
            name,
            False,
            (time.perf_counter() - started) * 1000,
            f"{failure} ({type(e).__name__}); see the log",
        )
    return Check(name, True, (time.perf_counter() - started) * 1000)


def readiness(archive) -> list[Check]:
    return [run_check(name, archive) for name in CHECKS]


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    checks = readiness(request.archive)
    ready = all(c.ok for c in checks)
    body = {
        "status": "ok" if ready else "unavailable",
        "failed": [c.name for c in checks if not c.ok],
        "checks": {c.name: c.as_json() for c in checks},
        "request_id": getattr(request, "request_id", ""),
    }
    return JsonResponse(body, status=200 if ready else 503)
