"""Prometheus metrics: requests by route and status, latency by route, search time, and the index's lag behind
the store (the outbox: its rows, and the age of the oldest).

One `Metrics` object per process (the web app's, web/apps.py). Under `readingroom serve` every gunicorn worker
writes its counts to files in one folder (prometheus_client's multiprocess mode: the PROMETHEUS_MULTIPROC_DIR
environment variable, set by `serve` before a worker starts, from READINGROOM_METRICS_DIR: server.py), and a scrape of any
worker reads the sum of them all. The outbox figures are read from the database at each scrape.
docs/operations.md lists the metrics.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector

log = logging.getLogger(__name__)

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's; server.py sets it for the workers
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
# Seconds. Pages answer in milliseconds; a large export or a cold search may take seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
SEARCH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class OutboxCollector:
    """The index's lag behind the store, read from the outbox table at each scrape."""

    def collect(self) -> Iterator[Metric]:
        from django.db import DatabaseError
        from django.utils import timezone

        from readingroom.records.models import IndexOutbox

        try:
            rows = IndexOutbox.objects.count()
            oldest = IndexOutbox.objects.order_by("id").values_list("created", flat=True).first()
        except DatabaseError:
            log.warning("metrics: the outbox could not be read", exc_info=True)
            return
        yield GaugeMetricFamily(
            "readingroom_index_outbox_rows",
            "Changes written to the store and not yet applied to the search index (outbox rows).",
            value=rows,
        )
        lag = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "readingroom_index_lag_seconds",
            "Age of the oldest change not yet in the search index; 0 when the index is up to date.",
            value=max(lag, 0.0),
        )


class Metrics:
    """One process's metrics, and the text a scrape reads."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "readingroom_http_requests",
            "HTTP requests answered, by route (the URL pattern), method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "readingroom_http_request_duration_seconds",
            "Time to answer an HTTP request (to its first byte for a streamed export), by route.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.search_time = Histogram(
            "readingroom_search_duration_seconds",
            "Time the search engine took to answer a search (query, facets, snippets), by engine.",
            ["engine"],
            buckets=SEARCH_BUCKETS,
            registry=self.registry,
        )
        self.outbox = OutboxCollector()

    @property
    def multiprocess_dir(self) -> str | None:
        return os.environ.get(MULTIPROCESS_ENV) or None

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "other"
        self.requests.labels(route=route, method=method, status=str(status)).inc()
        self.latency.labels(route=route).observe(seconds)

    def observe_search(self, engine: str, seconds: float) -> None:
        self.search_time.labels(engine=engine).observe(seconds)

    def exposition(self) -> bytes:
        """The Prometheus text format: every worker's counts (multiprocess mode) or this process's, then the
        outbox figures."""
        started = time.perf_counter()
        if self.multiprocess_dir:
            counts = CollectorRegistry()
            MultiProcessCollector(counts, path=self.multiprocess_dir)
        else:
            counts = self.registry
        lag = CollectorRegistry()
        lag.register(self.outbox)
        body = generate_latest(counts) + generate_latest(lag)
        took = time.perf_counter() - started
        return (
            body
            + (
                "# HELP readingroom_scrape_duration_seconds Time this scrape took to gather the figures.\n"
                "# TYPE readingroom_scrape_duration_seconds gauge\n"
                f"readingroom_scrape_duration_seconds {took:.6f}\n"
            ).encode()
        )
