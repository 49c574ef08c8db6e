"""An application server killed in the middle of an editor's save loses no write and leaves no half of one: the
save is one database transaction, which PostgreSQL rolls back when the process dies; the editor, who got no
answer, saves again, and it is done once. (This test found that the workers gunicorn forks shared the database
connection `serve` had opened before forking: the worker started after the kill could not read a session.)

PostgreSQL only: the test holds a lock on the audit log, the save's last write, so that the server is killed
after the record, its revision, its links and its outbox row are written and before the commit. (SQLite's
single writer commits atomically the same way; bench/crash.py kills imports mid-file on both databases.)
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .conftest import ROOT, scratch_database
from .serving import serving, wait_until_answers

pytestmark = pytest.mark.postgresql_only


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def test_a_server_killed_mid_save_loses_nothing_and_the_save_again_is_done_once(tmp_path, pg_url):
    import httpx
    import psycopg

    url = f"{pg_url.rsplit('/', 1)[0]}/rr_killed_{os.getpid()}"
    scratch_database(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMETHEUS")}
    env.update(
        READINGROOM_DATABASE_URL=url,
        READINGROOM_HOME=str(tmp_path / "archive"),
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        READINGROOM_RATE_LIMITS="0",
        READINGROOM_SERVE_WORKER="0",
        READINGROOM_METRICS_DIR=str(tmp_path / "metrics"),
    )
    rr = [sys.executable, "-m", "readingroom.cli"]
    records = tmp_path / "records.jsonl"
    records.write_text('{"id": "kill/1", "title": "A cable in review", "status": "in-review"}\n')
    for args, stdin in (
        (["import", "--quiet", str(records)], None),
        (["createuser", "ed", "--role", "editor", "--password-stdin"], "a long passphrase here\n"),
    ):
        done = subprocess.run([*rr, *args], env=env, input=stdin, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    stack = contextlib.ExitStack()
    server = stack.enter_context(
        serving(None, env, tmp_path / "serve.log", "--workers", "1", timeout=120, new_session=True)
    )
    base = server.base
    holder = psycopg.connect(url)
    try:
        with httpx.Client(base_url=base, timeout=60) as http:
            login = http.get("/accounts/login/")
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
            done = http.post(
                "/accounts/login/",
                data={"username": "ed", "password": "a long passphrase here", "csrfmiddlewaretoken": token},
            )
            assert done.status_code == 302, (tmp_path / "serve.log").read_text()[-3000:]
            changelist = "/admin/records/record/"
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', http.get(changelist).text).group(
                1
            )
            publish = {"action": "publish", "_selected_action": ["kill/1"], "csrfmiddlewaretoken": token}

            def state() -> tuple:
                with psycopg.connect(url) as conn:
                    return (
                        conn.execute(
                            "SELECT status, revision FROM records_record WHERE id = 'kill/1'"
                        ).fetchone(),
                        conn.execute(
                            "SELECT count(*) FROM records_revision WHERE record_id = 'kill/1'"
                        ).fetchone(),
                        conn.execute("SELECT count(*) FROM records_indexoutbox").fetchone(),
                        conn.execute(
                            "SELECT count(*) FROM records_auditevent WHERE target = 'kill/1'"
                        ).fetchone(),
                    )

            before = state()
            assert before[0] == ("in-review", 1)

            # The save's last write waits for this lock: kill the server's worker while it waits.
            holder.execute("LOCK TABLE records_auditevent IN EXCLUSIVE MODE")
            workers = _children(server.process.pid)
            assert workers, "no gunicorn worker"
            with pytest.raises(httpx.HTTPError):
                killer_at = time.monotonic() + 3
                request = http.build_request("POST", changelist, data=publish)

                def kill() -> None:
                    while time.monotonic() < killer_at:
                        time.sleep(0.05)
                    with psycopg.connect(url, autocommit=True) as probe:  # the save is waiting on the lock
                        waiting = probe.execute(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        ).fetchone()[0]
                    assert waiting >= 1
                    for pid in workers:
                        os.kill(pid, signal.SIGKILL)

                threading.Thread(target=kill, daemon=True).start()
                http.send(request)
            holder.rollback()  # the lock goes; the killed save's transaction went with its connection
            time.sleep(1)
            assert state() == before  # nothing of the save: no status, no revision, no outbox row, no audit

            # gunicorn starts another worker; the editor saves again, and it is done once.
            wait_until_answers(server, 60)
            done = http.post(changelist, data=publish)
            assert done.status_code in (200, 302), done.text[:500]
            after = state()
            assert after[0] == ("published", 2) and after[1][0] == before[1][0] + 1
            assert after[3][0] == before[3][0] + 1
            assert http.get("/records/kill/1/").status_code == 200
    finally:
        holder.close()
        stack.close()
        scratch_database(url, create=False)
