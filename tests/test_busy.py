"""An editor's save while another process holds SQLite's write lock (an import writes each file in one
transaction): a 503 page that says nothing was changed and to try again, with Retry-After; never a 500 nor
"database is locked" in the editor's face. The public's pages only read, and answer meanwhile."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import connection
from django.urls import reverse

from readingroom.records.models import Record

from .test_editorial import EDITOR, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite_only]


def test_a_save_while_an_import_holds_the_write_lock_is_a_503_that_changes_nothing(
    archive, django_user_model, client
):
    archive.store.save({"id": "busy/1", "title": "Cable one", "status": "draft"})
    editor = make_user(django_user_model, "editor", *EDITOR)
    client.force_login(editor)
    changelist = reverse("admin:records_record_changelist")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout=200")  # the server waits 10 s; the test needs not
    # The test database is SQLite's shared-cache memory database, where a held lock answers "database table is
    # locked" at once; a file database (production) answers "database is locked" after busy_timeout.
    holder = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None, uri=True)
    try:
        holder.execute("BEGIN IMMEDIATE")  # what an import holds while it writes a file
        response = client.post(changelist, {"action": "publish", "_selected_action": ["busy/1"]})
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        page = response.content.decode()
        assert "The archive is busy writing (an import may be running). Nothing was changed" in page
        assert "database is locked" not in page and "Traceback" not in page
        assert (
            client.get(reverse("record", args=["busy/1"])).status_code == 404
        )  # reads go on (still a draft)
        assert client.get("/search/?q=cable").status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout=10000")
    assert Record.objects.get(pk="busy/1").status == "draft"
    client.post(changelist, {"action": "publish", "_selected_action": ["busy/1"]})
    assert Record.objects.get(pk="busy/1").status == "published"


def test_an_api_write_error_of_storage_is_json(rf):
    from django.db import OperationalError

    from readingroom.web.errors import unavailable

    response = unavailable(rf.get("/api/v1/search"), OperationalError("database or disk is full"))
    assert response.status_code == 503 and response["Content-Type"] == "application/json"
    assert b"the disk that holds the archive is full. Nothing was changed" in response.content
    assert unavailable(rf.get("/"), OperationalError("no such table: x")) is None  # a bug stays a 500


def test_a_database_that_does_not_answer_is_a_503(rf):
    """What a page meets while PostgreSQL restarts: psycopg's own message, made by connecting to a closed port."""
    import psycopg
    from django.db import OperationalError

    from readingroom.web.errors import unavailable

    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect("postgresql://nobody@127.0.0.1:9/none", connect_timeout=2)
    response = unavailable(rf.get("/search/"), OperationalError(str(refused.value)))
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "database does not answer just now. Nothing was changed" in response.content.decode()
