"""Operations (issue #14): /healthz, /readyz, JSON logs with request ids, Prometheus /metrics (docs/operations.md).

Requests go through Django's test client, and through a real `readingroom serve` with two gunicorn workers for
what only several processes show (metrics summed over the workers, each worker's log lines).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import Client
from django.urls import path

from readingroom import logs
from readingroom.urls import urlpatterns as project_urlpatterns

from .conftest import SEED, scratch_database
from .serving import http_get, serving

ROOT = Path(__file__).resolve().parent.parent


# A URL whose view fails, for the 500 tests (@pytest.mark.urls("tests.test_ops")).
def boom(request):
    raise RuntimeError("boom: a fault planted by tests/test_ops.py")


urlpatterns = [path("boom", boom, name="boom"), *project_urlpatterns]
handler404 = "readingroom.web.errors.not_found"
handler500 = "readingroom.web.errors.server_error"


@pytest.fixture
def log_lines():
    """What the configured log handler (settings.LOGGING) writes during the test, as a list of lines."""
    handlers = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    assert handlers, "settings.LOGGING configures no handler 'console' on the root logger"
    assert all(isinstance(h, logging.StreamHandler) for h in handlers)
    stream = io.StringIO()
    # Swapped by hand: setStream() flushes the stream it replaces, which may be a capture an earlier test closed.
    previous = [h.stream for h in handlers]
    for h in handlers:
        h.stream = stream
    try:
        yield lambda: stream.getvalue().splitlines()
    finally:
        for h, old in zip(handlers, previous, strict=True):
            h.stream = old


def json_lines(lines: list[str]) -> list[dict]:
    return [json.loads(line) for line in lines]


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of a Prometheus text exposition (0 when absent)."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        m = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)", line)
        assert m, f"not a sample line: {line!r}"
        if m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        if all(got.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
    return total


@pytest.fixture
def local():
    return Client(REMOTE_ADDR="127.0.0.1")


# --- /healthz and /readyz ---------------------------------------------------------------------------------


def test_healthz_answers_without_touching_the_store(db, local, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = local.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_probes_are_not_redirected_to_https(db, archive, settings):
    """A load balancer's probe and a local scrape speak plain HTTP to the server, also in production."""
    settings.SECURE_SSL_REDIRECT = True
    client = Client(REMOTE_ADDR="127.0.0.1")
    assert client.get("/").status_code == 301
    for url in ("/healthz", "/readyz", "/metrics"):
        assert client.get(url).status_code == 200, url


def test_readyz_asks_the_store_and_the_search_engine(db, archive, local):
    response = local.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok" and body["failed"] == []
    assert set(body["checks"]) == {"store", "search"}
    assert all(c["ok"] and c["ms"] >= 0 for c in body["checks"].values())
    assert body["request_id"] == response["X-Request-ID"]


def test_readyz_names_the_engine_that_does_not_answer_and_no_secret(db, tmp_path, local, log_lines):
    """A Typesense server that is not there (a closed port): 503, `search` failed, the store answered; the
    body holds neither the key nor the address, the log has the details under the request's id."""
    from django.apps import apps

    from readingroom.archive import Archive
    from readingroom.config import ArchiveSettings

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    secret = "zq-typesense-key-never-shown"
    broken = Archive(
        ArchiveSettings.from_environment(
            home=tmp_path / "archive",
            search_backend="typesense",
            typesense_url=f"http://127.0.0.1:{port}",
            typesense_api_key=secret,
        )
    )
    web = apps.get_app_config("web")
    previous = web.install(broken)
    try:
        response = local.get("/readyz")
    finally:
        web.install(previous)
        broken.close()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["failed"] == ["search"]
    assert body["checks"]["store"]["ok"] is True
    assert "search engine did not answer" in body["checks"]["search"]["error"]
    text = response.content.decode()
    assert secret not in text and str(port) not in text
    errors = [e for e in json_lines(log_lines()) if e["logger"] == "readingroom.web.health"]
    assert errors and errors[0]["level"] == "ERROR"
    assert errors[0]["request_id"] == response["X-Request-ID"] and "Traceback" in errors[0]["traceback"]


# --- request ids and the JSON log ----------------------------------------------------------------------------


def test_a_sane_request_id_is_kept_and_a_bad_one_replaced(local):
    kept = local.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a:0001")
    assert kept["X-Request-ID"] == "lb-7f3a:0001"
    for bad in ("two words", "x" * 200, "<script>", "id\twith\ttabs", ""):
        got = local.get("/healthz", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", got), (bad, got)
    first, second = (local.get("/healthz")["X-Request-ID"] for _ in range(2))
    assert first != second


def test_one_json_access_line_a_request(db, archive, local, log_lines):
    search = local.get("/search/?q=telegram&page=1", HTTP_X_REQUEST_ID="trace-search-1")
    login = local.get("/accounts/login/?next=/admin/zqprivate/")
    missing = local.get("/no-such-page/")
    access = [e for e in json_lines(log_lines()) if e["logger"] == "readingroom.access"]
    assert len(access) == 3
    by_path = {e["path"]: e for e in access}
    line = by_path["/search/"]
    assert line["request_id"] == "trace-search-1" == search["X-Request-ID"]
    assert line["method"] == "GET" and line["status"] == 200
    assert line["route"] == "/search/" and line["view"] == "search"
    assert line["query"] == "q=telegram&page=1"  # a public search: what was searched for is kept
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["level"] == "INFO" and dt.datetime.fromisoformat(line["time"]).tzinfo is not None
    assert line["pid"] == os.getpid()
    other = by_path["/accounts/login/"]
    assert other["query"] == "" and "zqprivate" not in json.dumps(other)  # elsewhere the query is left out
    assert other["request_id"] == login["X-Request-ID"]
    assert by_path["/no-such-page/"]["status"] == 404 and by_path["/no-such-page/"]["route"] == "unmatched"
    assert by_path["/no-such-page/"]["request_id"] == missing["X-Request-ID"]


@pytest.mark.urls("tests.test_ops")
def test_a_server_error_is_logged_with_its_request_id_and_traceback(db, log_lines):
    client = Client(REMOTE_ADDR="127.0.0.1", raise_request_exception=False)
    response = client.get("/boom", HTTP_X_REQUEST_ID="trace-boom")
    assert response.status_code == 500 and response["X-Request-ID"] == "trace-boom"
    assert "boom: a fault planted" not in response.content.decode()  # the reader sees no traceback
    lines = json_lines(log_lines())
    error = next(e for e in lines if e["logger"] == "django.request")
    assert error["level"] == "ERROR" and error["request_id"] == "trace-boom"
    assert "RuntimeError: boom: a fault planted by tests/test_ops.py" in error["traceback"]
    assert "test_ops.py" in error["traceback"] and "in boom" in error["traceback"]
    access = next(e for e in lines if e["logger"] == "readingroom.access")
    assert access["status"] == 500 and access["request_id"] == "trace-boom" and access["route"] == "/boom"


def test_text_logs_carry_the_request_id_too():
    config = logs.logging_config("text")
    formatter = logging.Formatter(config["formatters"]["readingroom"]["format"])
    record = logging.makeLogRecord(
        {"name": "readingroom.x", "levelname": "WARNING", "msg": "a %s", "args": ("b",)}
    )
    token = logs.request_id.set("trace-text")
    try:
        logs.RequestIdFilter().filter(record)
    finally:
        logs.request_id.reset(token)
    line = formatter.format(record)
    assert line.endswith("WARNING readingroom.x [trace-text] a b")


def test_an_unknown_log_format_is_refused_with_a_message(tmp_path):
    env = {**os.environ, "READINGROOM_LOG_FORMAT": "xml", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "readingroom.cli", "--home", str(tmp_path), "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "READINGROOM_LOG_FORMAT='xml': write one of json, text" in done.stderr
    assert "Traceback" not in done.stderr


# --- /metrics in one process ---------------------------------------------------------------------------------


def test_metrics_count_requests_latency_and_search_time(db, archive, import_files, local):
    report = import_files(SEED)
    assert report.files[0].error is None
    before = local.get("/metrics").content.decode()
    for _ in range(3):
        assert local.get("/search/?q=the").status_code == 200
    assert local.get("/no-such-page/").status_code == 404
    response = local.get("/metrics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    after = response.content.decode()

    def grew(name: str, **labels: str) -> float:
        return metric(after, name, **labels) - metric(before, name, **labels)

    ok = {"route": "/search/", "method": "GET", "status": "200"}
    assert grew("readingroom_http_requests_total", **ok) == 3
    assert grew("readingroom_http_requests_total", route="unmatched", status="404") == 1
    assert grew("readingroom_http_request_duration_seconds_count", route="/search/") == 3
    assert grew("readingroom_http_request_duration_seconds_sum", route="/search/") > 0
    assert grew("readingroom_search_duration_seconds_count", engine=archive.search.name) >= 3
    assert grew("readingroom_http_requests_total", route="/metrics", status="200") == 1  # the first scrape


def test_metrics_show_the_index_lag_from_the_outbox(db, archive, local):
    from django.utils import timezone

    from readingroom.records.models import IndexOutbox

    IndexOutbox.objects.all().delete()
    empty = local.get("/metrics").content.decode()
    assert metric(empty, "readingroom_index_outbox_rows") == 0
    assert metric(empty, "readingroom_index_lag_seconds") == 0
    rows = [IndexOutbox.objects.create(record_id=f"lag/{i}") for i in range(3)]
    IndexOutbox.objects.filter(pk=rows[0].pk).update(created=timezone.now() - dt.timedelta(seconds=90))
    text = local.get("/metrics").content.decode()
    assert metric(text, "readingroom_index_outbox_rows") == 3
    assert 90 <= metric(text, "readingroom_index_lag_seconds") < 200


def test_metrics_are_for_loopback_or_the_bearer_token(db, settings):
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="::1").get("/metrics").status_code == 200
    outside = Client(REMOTE_ADDR="203.0.113.9")
    refused = outside.get("/metrics")
    assert refused.status_code == 403
    assert "READINGROOM_METRICS_TOKEN" in refused.json()["error"]["detail"]
    assert "readingroom_http_requests" not in refused.content.decode()
    # A proxy on this machine passes on a request from elsewhere: not a local one.
    proxied = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert proxied.get("/metrics").status_code == 403
    settings.READINGROOM_METRICS_TOKEN = "zq-metrics-token"
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer zq-metrics-token").status_code == 200
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer zq-metrics-tokem").status_code == 403
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Basic zq-metrics-token").status_code == 403
    assert outside.get("/metrics").status_code == 403
    settings.READINGROOM_BEHIND_PROXY = True  # the client's address is the proxy's last X-Forwarded-For
    assert Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="127.0.0.1").get("/metrics").status_code == 200
    assert proxied.get("/metrics").status_code == 403


# --- a real server with two workers ----------------------------------------------------------------------------


@pytest.fixture
def serve_env(tmp_path, db_vendor):
    """A subprocess archive: SQLite in its home; on the PostgreSQL run, a database of its own on the server."""
    env = {k: v for k, v in os.environ.items() if k != "READINGROOM_DATABASE_URL"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["READINGROOM_LOG_FORMAT"] = "json"
    env.pop("READINGROOM_METRICS_DIR", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if db_vendor != "postgresql":
        yield env
        return
    base = os.environ["READINGROOM_DATABASE_URL"].rsplit("/", 1)[0]
    env["READINGROOM_DATABASE_URL"] = f"{base}/rr_ops_{os.getpid()}"
    scratch_database(env["READINGROOM_DATABASE_URL"])
    yield env
    scratch_database(env["READINGROOM_DATABASE_URL"], create=False)


def test_serve_with_two_workers_sums_their_metrics_and_logs_json(tmp_path, serve_env):
    home = tmp_path / "archive"
    rr = [sys.executable, "-m", "readingroom.cli", "--home", str(home)]
    done = subprocess.run(
        [*rr, "import", "--quiet", str(SEED)], env=serve_env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    from readingroom.server import metrics_dir

    metrics = metrics_dir(home)  # by default in memory (/dev/shm), named after the archive: not on its disk
    assert home not in metrics.parents
    stale = metrics / "counter_999999.db"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_bytes(b"counts of an earlier run")
    stderr = tmp_path / "serve.log"
    with serving(home, serve_env, stderr, "--workers", "2", stdout=False) as server:
        base = server.base
        assert not stale.exists(), "serve did not empty the metrics folder"
        status, headers, body = http_get(base + "/readyz")
        assert status == 200, body
        # Requests from several threads at once, until both workers have answered some.
        made = []
        lock = threading.Lock()

        def hit(n: int) -> None:
            for i in range(n):
                rid = f"t{threading.get_ident()}-{i}"
                request = urllib.request.Request(base + "/healthz", headers={"X-Request-ID": rid})
                with urllib.request.urlopen(request, timeout=10) as r:
                    assert r.status == 200 and r.headers["X-Request-ID"] == rid
                with lock:
                    made.append(rid)

        def pids() -> set[int]:
            return {
                e["pid"]
                for e in json_lines(
                    [line for line in stderr.read_text().splitlines() if line.startswith("{")]
                )
                if e["logger"] == "readingroom.access" and e["path"] == "/healthz"
            }

        for _round in range(10):
            threads = [threading.Thread(target=hit, args=(15,)) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            time.sleep(0.3)  # the log lines of the last requests
            if len(pids()) >= 2:
                break
        assert len(pids()) == 2, "one worker answered every request"
        healthz = len(made) + 1  # and the first one, waiting for the server
        for _ in range(4):  # whichever worker answers the scrape, it reads both workers' counts
            status, _headers, text = http_get(base + "/metrics")
            assert status == 200
            assert metric(text, "readingroom_http_requests_total", route="/healthz", status="200") == healthz
            assert (
                metric(text, "readingroom_http_request_duration_seconds_count", route="/healthz") == healthz
            )
        assert http_get(base + "/search/?q=the")[0] == 200
        text = http_get(base + "/metrics")[2]
        assert metric(text, "readingroom_search_duration_seconds_count") >= 1
        assert metric(text, "readingroom_index_outbox_rows") == 0
        assert "counter_999999" not in text

        # Every line is JSON, gunicorn's own too; each request's access line carries the id the client sent.
        lines = json_lines(stderr.read_text().splitlines())
        assert any(e["logger"] == "gunicorn.error" and "Booting worker" in e["message"] for e in lines)
        access = [e for e in lines if e["logger"] == "readingroom.access"]
        assert set(made) <= {e["request_id"] for e in access}
        assert {"method", "path", "status", "duration_ms", "route", "view", "pid"} <= set(access[0])

        # The store goes away: alive still, but not ready, and the body says which part failed.
        if "READINGROOM_DATABASE_URL" in serve_env:
            scratch_database(serve_env["READINGROOM_DATABASE_URL"], create=False)
        else:
            database = home / "readingroom.sqlite3"
            broken = home / "broken.sqlite3"
            broken.write_bytes(b"this is not a database" * 512)
            for suffix in ("-wal", "-shm"):
                Path(str(database) + suffix).unlink(missing_ok=True)
            broken.replace(database)
        assert http_get(base + "/healthz")[0] == 200
        status, _headers, body = http_get(base + "/readyz")
        assert status == 503, body
        report = json.loads(body)
        assert report["failed"] == ["store"] and report["checks"]["search"]["ok"] is True
        assert "database did not answer" in report["checks"]["store"]["error"]
