"""Accounts and roles, login and its throttle, the audit log's admin, rate limits, security headers, production
settings, and media that must never run (docs/security.md)."""

from __future__ import annotations

import io
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import caches

from readingroom.accounts.roles import ROLES, RoleError, create_user
from readingroom.cli import main
from readingroom.records.models import AuditEvent
from readingroom.records.store import RecordWriter

from .conftest import ROOT

PASSWORD = "a long enough passphrase"


@pytest.fixture
def throttle_cache():
    caches["throttle"].clear()
    yield caches["throttle"]
    caches["throttle"].clear()


# --- roles -----------------------------------------------------------------------------------------------------


def test_roles_are_groups_with_their_permissions(db):
    groups = {g.name: g for g in Group.objects.filter(name__in=ROLES)}
    assert set(groups) == {"contributor", "editor", "administrator"}

    def perms(name):
        return {f"{p.content_type.app_label}.{p.codename}" for p in groups[name].permissions.all()}

    assert "records.change_record" in perms("contributor")
    assert "records.publish_record" not in perms("contributor")
    assert "records.view_unpublished" not in perms("contributor")
    assert {"records.publish_record", "records.view_unpublished", "records.delete_record"} <= perms("editor")
    assert {"records.add_authority", "records.change_authority", "records.delete_authority"} <= perms(
        "editor"
    )


def test_create_user_gives_the_role(db):
    contributor = create_user("cora", PASSWORD, "contributor", email="cora@example.org")
    editor = create_user("ed", PASSWORD, "editor")
    admin = create_user("ada", PASSWORD, "administrator")
    assert contributor.is_staff and not contributor.is_superuser
    assert contributor.has_perm("records.change_record") and not contributor.has_perm(
        "records.publish_record"
    )
    assert editor.has_perm("records.publish_record") and not editor.is_superuser
    assert admin.is_superuser and admin.is_staff
    assert contributor.password.startswith("argon2$")
    assert contributor.check_password(PASSWORD)
    created = AuditEvent.objects.filter(action="user.create").order_by("id")
    assert [(e.target, e.detail["role"]) for e in created] == [
        ("cora", "contributor"),
        ("ed", "editor"),
        ("ada", "administrator"),
    ]


@pytest.mark.parametrize(
    "username, password, role, message",
    [
        ("x", PASSWORD, "boss", "unknown role 'boss': use one of contributor, editor, administrator"),
        ("taken", PASSWORD, "editor", "a user named 'taken' exists already"),
        ("y", "short", "editor", "password refused: This password is too short"),
        ("z", "password123", "editor", "password refused: This password is too common"),
        ("", PASSWORD, "editor", "the username is empty"),
    ],
)
def test_create_user_refuses_with_a_reason(db, username, password, role, message):
    get_user_model().objects.create_user("taken", password=PASSWORD)
    with pytest.raises(RoleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        create_user(username, password, role)


def test_createuser_command(db, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert (
        main(["createuser", "eve", "--role", "editor", "--email", "eve@example.org", "--password-stdin"]) == 0
    )
    assert "created editor 'eve'" in capsys.readouterr().out
    user = get_user_model().objects.get(username="eve")
    assert user.email == "eve@example.org" and user.groups.filter(name="editor").exists()

    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["createuser", "eve", "--role", "editor", "--password-stdin"]) == 1
    assert "a user named 'eve' exists already" in capsys.readouterr().err

    monkeypatch.setattr(sys, "stdin", io.StringIO("12345\n"))
    assert main(["createuser", "fay", "--role", "contributor", "--password-stdin"]) == 1
    assert "password refused" in capsys.readouterr().err

    with pytest.raises(SystemExit) as exit_info:
        main(["createuser", "gil", "--role", "boss", "--password-stdin"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'boss'" in capsys.readouterr().err
    assert not get_user_model().objects.filter(username__in=["fay", "gil"]).exists()


# --- login, logout, throttle, audit ----------------------------------------------------------------------------


def test_login_logout_are_audited_with_the_address(client, db, throttle_cache):
    create_user("ed", PASSWORD, "editor")
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="csrfmiddlewaretoken"' in text
    assert "After 5 failed logins within 15 minutes" in text

    response = client.post(
        "/accounts/login/", {"username": "ed", "password": "wrong"}, REMOTE_ADDR="203.0.113.9"
    )
    assert (
        response.status_code == 200
        and "Please enter a correct username and password" in response.content.decode()
    )
    failed = AuditEvent.objects.get(action="login.failed")
    assert (failed.actor_name, failed.ip, failed.actor) == ("ed", "203.0.113.9", None)

    response = client.post(
        "/accounts/login/", {"username": "ed", "password": PASSWORD}, REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    login = AuditEvent.objects.get(action="login")
    assert (login.actor.username, login.ip) == ("ed", "203.0.113.9")

    assert client.get("/accounts/logout/").status_code == 405  # logging out is a POST (CSRF-protected)
    assert client.post("/accounts/logout/", REMOTE_ADDR="203.0.113.9").status_code == 200
    assert AuditEvent.objects.filter(action="logout", actor_name="ed", ip="203.0.113.9").count() == 1
    assert client.get("/admin/").status_code == 302  # logged out


def test_sessions_expire(settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.parametrize("by", ["username", "address"])
def test_failed_logins_lock(client, db, settings, throttle_cache, by):
    create_user("ed", PASSWORD, "editor")
    create_user("other", PASSWORD, "editor")
    for i in range(settings.READINGROOM_LOGIN_FAILURES):
        # by username: each failure from another address; by address: each against another name
        ip = f"198.51.100.{i + 1}" if by == "username" else "198.51.100.77"
        name = "ed" if by == "username" else f"nobody{i}"
        client.post("/accounts/login/", {"username": name, "password": "wrong"}, REMOTE_ADDR=ip)
    ip = "198.51.100.200" if by == "username" else "198.51.100.77"
    name = "ed" if by == "username" else "other"
    response = client.post("/accounts/login/", {"username": name, "password": PASSWORD}, REMOTE_ADDR=ip)
    assert response.status_code == 200
    assert "Too many failed logins for this account or from your address: try again in 15 minutes" in (
        response.content.decode()
    )
    assert AuditEvent.objects.filter(action="login.failed", detail__locked=True).count() == 1
    # The admin's login form is throttled alike.
    response = client.post("/admin/login/", {"username": name, "password": PASSWORD}, REMOTE_ADDR=ip)
    assert "Too many failed logins" in response.content.decode()
    # Another account from another address is not locked.
    response = client.post(
        "/accounts/login/", {"username": "other" if by == "username" else "ed", "password": PASSWORD}
    )
    assert response.status_code == 302


def test_audit_log_admin_is_read_only_and_for_administrators(client, db):
    AuditEvent.objects.create(
        time="2026-01-01T00:00:00Z", actor_name="x", action="login.failed", ip="192.0.2.1"
    )
    event = AuditEvent.objects.get()
    editor = create_user("ed", PASSWORD, "editor")
    admin = create_user("ada", PASSWORD, "administrator")
    client.force_login(editor)
    assert client.get("/admin/records/auditevent/").status_code == 403
    client.force_login(admin)
    listing = client.get("/admin/records/auditevent/")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "login.failed" in text and "192.0.2.1" in text
    assert "By action" in text and "By time" in text and "By actor name" in text
    assert client.get("/admin/records/auditevent/add/").status_code == 403
    change = client.get(f"/admin/records/auditevent/{event.pk}/change/")
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert client.post(f"/admin/records/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


# --- rate limits -----------------------------------------------------------------------------------------------


@pytest.fixture
def limits(settings, throttle_cache):
    settings.READINGROOM_RATE_LIMITS_ON = True
    settings.READINGROOM_RATE_LIMITS = {"search": 3, "api": 2, "oai": 2, "export": 2}
    return settings.READINGROOM_RATE_LIMITS


@pytest.mark.parametrize(
    "path, scope",
    [
        ("/search/?q=a", "search"),
        ("/api/v1/records/", "api"),
        ("/srv/search", "api"),
        ("/oai?verb=Identify", "oai"),
    ],
)
def test_rate_limits_answer_429_with_retry_after(client, db, limits, path, scope):
    ip = "192.0.2." + str(10 + list(limits).index(scope))
    statuses = [client.get(path, REMOTE_ADDR=ip).status_code for _ in range(limits[scope])]
    assert 429 not in statuses
    response = client.get(path, REMOTE_ADDR=ip)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    if path.startswith(("/api/", "/srv/")):
        error = response.json()["error"]
        assert error["status"] == 429 and error["title"] == "Too many requests"
        assert f"More than {limits[scope]} requests a minute" in error["detail"]
    else:
        assert "Too many requests" in response.content.decode()
    # Another address is not limited; pages outside the limited paths are not either.
    assert client.get(path, REMOTE_ADDR="192.0.2.99").status_code != 429
    assert client.get("/", REMOTE_ADDR=ip).status_code == 200


def test_rate_limits_off(client, db, limits, settings):
    settings.READINGROOM_RATE_LIMITS_ON = False
    assert {client.get("/search/?q=a").status_code for _ in range(5)} == {200}


def test_behind_a_proxy_the_forwarded_address_counts(client, db, limits, settings):
    settings.READINGROOM_BEHIND_PROXY = True
    for _ in range(3):
        client.get("/search/", HTTP_X_FORWARDED_FOR="1.2.3.4, 192.0.2.50")
    assert client.get("/search/", HTTP_X_FORWARDED_FOR="9.9.9.9, 192.0.2.50").status_code == 429
    assert client.get("/search/", HTTP_X_FORWARDED_FOR="1.2.3.4, 192.0.2.51").status_code == 200


# --- headers and production settings ---------------------------------------------------------------------------


def test_security_headers(client, db):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def _deploy_check(**env) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser fixture for the test process, never in deployment.
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("READINGROOM_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    environment.update(
        READINGROOM_HOME=os.environ["READINGROOM_HOME"],
        READINGROOM_ALLOWED_HOSTS="archive.example.org",
        READINGROOM_SECRET_KEY=secrets.token_urlsafe(50),
        PYTHONPATH=str(ROOT),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env={**environment, "DJANGO_SETTINGS_MODULE": "readingroom.settings"},
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production():
    result = _deploy_check(READINGROOM_PRODUCTION="1", READINGROOM_BEHIND_PROXY="1")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout
    # Without production mode the same check warns (so the test above can fail).
    result = _deploy_check()
    assert result.returncode != 0
    assert "SESSION_COOKIE_SECURE" in result.stderr and "SECURE_HSTS_SECONDS" in result.stderr


def test_production_refuses_debug():
    result = _deploy_check(READINGROOM_PRODUCTION="1", READINGROOM_DEBUG="1")
    assert result.returncode != 0
    assert "READINGROOM_DEBUG=1 shows debug pages to anyone" in result.stderr


def test_typesense_needs_a_key(tmp_path):
    pytest.importorskip("typesense")
    from django.core.exceptions import ImproperlyConfigured

    from readingroom.config import ArchiveSettings, get
    from readingroom.search.backends.typesense import TypesenseBackend

    assert ArchiveSettings(home=tmp_path).typesense_api_key == ""
    if "READINGROOM_TYPESENSE_API_KEY" not in os.environ:
        assert get("READINGROOM_TYPESENSE_API_KEY") == ""
    with pytest.raises(ImproperlyConfigured, match="needs READINGROOM_TYPESENSE_API_KEY"):
        TypesenseBackend.from_settings(ArchiveSettings(home=tmp_path, search_backend="typesense"))


# --- media that could run --------------------------------------------------------------------------------------

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def media_files(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    files = {
        "m/drawing.svg": SVG,
        "m/page.html": HTML,
        "m/notes.txt": b"  <html><script>alert(3)</script>",  # markup under a harmless name
        "m/transcript.txt": "A plain transcript, caf\u00e9.\n".encode(),
        "m/fake.png": HTML,  # an image by name only
        "m/scan.png": PNG,
        "m/data.xml": b"<?xml version='1.0'?><x:script xmlns:x='http://www.w3.org/1999/xhtml'>alert(4)</x:script>",
    }
    for path, content in files.items():
        (tmp_path / path).parent.mkdir(exist_ok=True)
        (tmp_path / path).write_bytes(content)
    RecordWriter().save(
        {
            "id": "m/files",
            "title": "Files",
            "status": "published",
            "media": [{"path": p, "mime_type": "text/html"} for p in files],  # a declared type is not trusted
        }
    )
    return files


@pytest.mark.parametrize(
    "path, content_type, inline",
    [
        ("m/drawing.svg", "application/octet-stream", False),
        ("m/page.html", "application/octet-stream", False),
        ("m/notes.txt", "application/octet-stream", False),
        ("m/fake.png", "application/octet-stream", False),
        ("m/data.xml", "application/octet-stream", False),
        ("m/transcript.txt", "text/plain; charset=utf-8", True),
        ("m/scan.png", "image/png", True),
    ],
)
def test_media_never_runs(client, media_files, path, content_type, inline):
    response = client.get(f"/media/{path}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == media_files[path]
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline" if inline else "attachment")


def test_an_administrator_sets_a_new_password(client, db, throttle_cache):
    """Password reset is the administrator's: the admin's user form links to a form that sets a new one."""
    ed = create_user("ed", PASSWORD, "editor")
    client.force_login(create_user("ada", PASSWORD, "administrator"))
    change = client.get(f"/admin/auth/user/{ed.pk}/change/").content.decode()
    assert 'href="../password/"' in change or f"/admin/auth/user/{ed.pk}/password/" in change
    new = "another long passphrase"
    response = client.post(
        f"/admin/auth/user/{ed.pk}/password/",
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    ed.refresh_from_db()
    assert ed.check_password(new) and not ed.check_password(PASSWORD)
    assert ed.password.startswith("argon2$")
    event = AuditEvent.objects.get(action="user.password")
    assert (event.actor_name, event.target) == ("ada", "ed")
    # An editor cannot change anyone's password.
    client.force_login(create_user("other", PASSWORD, "editor"))
    assert client.get(f"/admin/auth/user/{ed.pk}/password/").status_code == 403


def test_rate_counter_batches_far_from_the_limit_and_is_exact_at_it(throttle_cache, monkeypatch):
    from readingroom.accounts.throttle import RateCounter

    writes = []
    add = RateCounter._add
    monkeypatch.setattr(RateCounter, "_add", staticmethod(lambda key, n: writes.append(n) or add(key, n)))
    one, two = RateCounter(), RateCounter()  # two server processes
    allowed = [c.hit("search", "192.0.2.200", 100).allowed for _ in range(60) for c in (one, two)]
    assert allowed.count(False) == 20 and allowed[:100] == [True] * 100
    # Far from the limit the shared count is written in batches: fewer writes than requests, none lost.
    assert len(writes) < 60 and sum(writes) <= 120 and writes[0] == 10
    assert RateCounter().hit("search", "192.0.2.201", 100).allowed


def test_media_runs_no_script_in_chromium(live_server_url, settings, tmp_path, page):
    """In a browser: what could run downloads; plain text shows as text; an image shows as an image."""
    settings.MEDIA_ROOT = str(tmp_path)
    files = {
        "b/drawing.svg": SVG,
        "b/page.html": HTML,
        "b/notes.txt": b"<html><body><script>alert(3)</script></body></html>",
        "b/readme.txt": b"Plain text with <img src=x onerror=alert(4)> inside.",
    }
    (tmp_path / "b").mkdir()
    for path, content in files.items():
        (tmp_path / path).write_bytes(content)
    RecordWriter().save(
        {"id": "b/files", "title": "Files", "status": "published", "media": [{"path": p} for p in files]}
    )
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in ("b/drawing.svg", "b/page.html", "b/notes.txt"):
        with page.expect_download() as download:
            try:
                page.goto(f"{live_server_url}/media/{path}")
            except Exception as e:  # Chromium reports a navigation that became a download as an error
                assert "Download is starting" in str(e)
        assert download.value.suggested_filename == path.split("/")[1]
    response = page.goto(f"{live_server_url}/media/b/readme.txt")
    assert response is not None and response.headers["content-type"] == "text/plain; charset=utf-8"
    assert page.locator("body").inner_text().strip() == files["b/readme.txt"].decode()
    assert page.locator("img").count() == 0
    page.wait_for_timeout(200)
    assert dialogs == []


@pytest.mark.parametrize(
    "fields, message",
    [
        (
            {"creators": [{"name": "A", "role": "r" * 51}]},
            "field 'creators[0].role': is 51 characters long; at most 50",
        ),
        ({"date": "1968", "date_text": "d" * 501}, "field 'date_text': is 501 characters long; at most 500"),
        (
            {"persons": [{"name": "n" * 1001}]},
            "field 'persons[0].name': is 1001 characters long; at most 1000",
        ),
        ({"persons": [{"name": "N", "id": "k" * 251}]}, "field 'persons[0].id': is 251 characters long"),
        (
            {"relations": [{"target": "x", "label": "l" * 501}]},
            "field 'relations[0].label': is 501 characters",
        ),
        ({"media": [{"path": "p" * 501}]}, "field 'media[0].path': is 501 characters long"),
        (
            {"persons": [{"name": "N", "uri": "javascript:alert(1)"}]},
            "field 'persons[0].uri': javascript: URLs",
        ),
        (
            {"extra": {"links": [{"homepage": " data:text/html,x"}]}},
            "field 'extra.links[0].homepage': data: URLs",
        ),
    ],
)
def test_values_that_would_not_fit_or_would_run_are_refused(db, fields, message):
    """Refused with the field named, on every database (PostgreSQL would fail the write of a too-long value)."""
    from readingroom.records.schema import RecordError

    with pytest.raises(RecordError, match=re.escape(message)):
        RecordWriter().save({"id": "v/1", "title": "T", **fields})


def test_login_and_logout_in_chromium(live_server_url, page, throttle_cache):
    create_user("ed", PASSWORD, "editor")
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server_url}/accounts/login/")
    assert page.locator("link[href$='accounts.css']").count() == 1
    assert "After 5 failed logins" in page.locator("main").inner_text()
    page.fill("#id_username", "ed")
    page.fill("#id_password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{live_server_url}/admin/")
    page.click("#logout-form button")  # the admin's log-out form (a POST)
    page.wait_for_load_state("load")
    assert "Logged out" in page.content() or "logged out" in page.content().lower()
    assert page.goto(f"{live_server_url}/admin/").url.startswith(f"{live_server_url}/admin/login/")
    assert blocked == []
    assert [e.action for e in AuditEvent.objects.order_by("id")] == ["user.create", "login", "logout"]


def test_login_and_logout_pages_name_the_archive_not_the_host(client, db, archive):
    """Django's auth views put the request's host in `site_name`; the pages show the archive's name."""
    name = archive.settings.site_name
    page = client.get("/accounts/login/").content.decode()
    assert f">{name}</a>" in page and ">testserver</a>" not in page
    get_user_model().objects.create_user("reader", password="a long enough password 1")
    client.login(username="reader", password="a long enough password 1")
    out = client.post("/accounts/logout/").content.decode()
    assert f">{name}</a>" in out and ">testserver</a>" not in out
