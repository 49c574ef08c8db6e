"""Revisions (records/store.py writes them, records/revisions.py reads them): every change of a record is one;
two editors saving the same record; notes on published records; revert; diffs; the public corrections list;
withdrawal tombstones; authority merges; publish-due; the audit events of every write."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import lxml.html
import pytest
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from readingroom.records import revisions
from readingroom.records.errors import Conflict, EditConflict, NotFound
from readingroom.records.models import AuditEvent, Authority, AuthorityRedirect, Record, Revision
from readingroom.records.schema import RecordError

pytestmark = pytest.mark.django_db

RID = "frus1964-68v07/d74"
TEXT = "<p>The Ambassador met the Minister at noon. They spoke of the harbour.</p>"
TODAY = dt.date.today()


def doc(**fields) -> dict:
    base = {
        "id": RID,
        "title": "Telegram From the Embassy in Saigon",
        "date": "1965-03-02",
        "texts": [{"kind": "original", "language": "eng", "html": TEXT}],
        "persons": [{"name": "Maxwell D. Taylor", "id": "taylor-maxwell"}],
        "subjects": [{"name": "Harbours", "id": "harbours"}],
    }
    return {**base, **fields}


@pytest.fixture
def store(archive):
    return archive.store


@pytest.fixture
def editors(django_user_model):
    return (
        django_user_model.objects.create_user("ada", password="a long passphrase"),
        django_user_model.objects.create_user("bob", password="a long passphrase"),
    )


def numbers(record_id: str = RID) -> list[tuple[int, str]]:
    return list(
        Revision.objects.filter(record_id=record_id).order_by("number").values_list("number", "action")
    )


# -- every change is a revision ------------------------------------------------------------------------------


def test_each_change_is_a_revision_and_only_the_older_ones_keep_a_document(store, editors):
    ada, _ = editors
    assert store.save(doc(status="draft"), actor=ada).revision == 1
    assert store.save(doc(status="draft", title="Telegram 1"), actor=ada, note="title").revision == 2
    assert store.save(doc(status="draft", title="Telegram 1"), actor=ada).action == "unchanged"
    store.set_status(RID, "in-review", actor=ada)
    assert numbers() == [(1, "created"), (2, "updated"), (3, "status")]
    record = Record.objects.get(pk=RID)
    assert record.revision == 3
    first, second, latest = Revision.objects.filter(record_id=RID).order_by("number")
    # The latest revision's document is the record's own: stored once.
    assert latest.document is None and latest.status == "in-review"
    assert first.document["title"] == "Telegram From the Embassy in Saigon"
    assert second.document["title"] == "Telegram 1" and second.note == "title"
    assert (first.actor, first.actor_name) == (ada, "ada")
    assert revisions.document_at(RID, 3)["status"] == "in-review"
    assert revisions.document_at(RID, 1)["status"] == "draft"


def test_two_editors_saving_the_same_record_lose_nothing(store, editors):
    ada, bob = editors
    store.save(doc(status="draft"))
    base = Record.objects.get(pk=RID).revision
    # Both open revision `base`; Ada saves first.
    store.save(doc(status="draft", title="Ada's title"), actor=ada, base_revision=base)
    with pytest.raises(EditConflict) as conflict:
        store.save(doc(status="draft", summary="Bob's summary"), actor=bob, base_revision=base)
    e = conflict.value
    assert isinstance(e, Conflict)
    assert (e.record_id, e.base_revision, e.current_revision) == (RID, base, base + 1)
    assert e.mine["summary"] == "Bob's summary" and e.theirs["title"] == "Ada's title"
    record = Record.objects.get(pk=RID)
    assert record.title == "Ada's title" and record.revision == base + 1  # Bob's save wrote nothing
    assert len(numbers()) == base + 1
    # Bob merges both and saves on top of Ada's revision.
    store.save({**e.theirs, "summary": "Bob's summary"}, actor=bob, base_revision=e.current_revision)
    record.refresh_from_db()
    assert (record.title, record.summary, record.revision) == ("Ada's title", "Bob's summary", base + 2)


def test_a_person_says_why_when_changing_a_public_record(store, editors):
    ada, _ = editors
    store.save(doc(status="draft"), actor=ada)
    store.save(doc(status="draft", title="Draft edits need no note"), actor=ada)
    store.set_status(RID, "published", actor=ada)  # a first publication is no correction
    with pytest.raises(RecordError) as refused:
        store.save(doc(title="Corrected"), actor=ada)
    assert refused.value.field == "note" and "shown to readers as a correction" in refused.value.message
    assert Record.objects.get(pk=RID).title == "Draft edits need no note"
    with pytest.raises(RecordError, match="correction"):
        store.set_status(RID, "draft", actor=ada)
    store.save(doc(title="Corrected"), actor=ada, note="Spelling of the title")
    store.save(doc(title="Corrected again"))  # the system (an import) needs none


# -- revert and diff --------------------------------------------------------------------------------------------


def test_revert_makes_a_new_revision_with_the_old_document(store, editors):
    ada, _ = editors
    store.save(doc(status="draft"))
    store.save(doc(status="draft", title="Wrong title", subjects=[]), actor=ada)
    store.set_status(RID, "published", actor=ada)
    with pytest.raises(RecordError, match="say why"):
        store.revert(RID, 1, actor=ada, note=" ")
    result = store.revert(RID, 1, actor=ada, note="The title was right")
    assert result.revision == 4 and numbers()[-1] == (4, "reverted")
    record = Record.objects.get(pk=RID)
    assert record.title == "Telegram From the Embassy in Saigon"
    assert record.status == "published"  # the status is set_status's: a revert keeps it
    assert [a.key for a in Authority.objects.filter(links__record=record, kind="subject")] == ["harbours"]
    with pytest.raises(RecordError, match="nothing to revert"):
        store.revert(RID, 4, actor=ada, note="again")
    with pytest.raises(NotFound):
        store.revert(RID, 99, actor=ada, note="no such revision")


def test_diff_by_field(store):
    store.save(doc(status="draft"))
    changed = TEXT.replace("noon", "dawn")
    store.save(
        doc(
            status="draft",
            title="Telegram 2",
            texts=[{"kind": "original", "language": "eng", "html": changed}],
            subjects=[{"name": "Ports", "id": "ports"}],
        )
    )
    changes = {c.field: c for c in revisions.diff(RID, 1, 2)}
    assert set(changes) == {"title", "texts[0]", "subjects"}
    assert (changes["title"].old, changes["title"].new) == (
        "Telegram From the Embassy in Saigon",
        "Telegram 2",
    )
    assert changes["subjects"].removed == ["Harbours (subject harbours)"]
    assert changes["subjects"].added == ["Ports (subject ports)"]
    lines = changes["texts[0]"].lines
    assert ("-", "The Ambassador met the Minister at noon. They spoke of the harbour.") in lines
    assert ("+", "The Ambassador met the Minister at dawn. They spoke of the harbour.") in lines
    assert revisions.diff(RID, 2, 2) == []


# -- the public page ------------------------------------------------------------------------------------------


def test_the_public_page_lists_corrections_made_after_publication(store, editors, client):
    ada, _ = editors
    store.save(doc(status="draft"), actor=ada)
    store.save(doc(status="draft", title="A draft's secret edit"), actor=ada, note="DRAFT-NOTE")
    store.set_status(RID, "published", actor=ada)
    page = client.get(f"/records/{RID}/")
    assert page.status_code == 200
    assert b"Last revised" not in page.content and b'class="corrections"' not in page.content
    store.save(doc(title="Telegram, corrected"), actor=ada, note="Corrected the date <of> the telegram")
    page = client.get(f"/records/{RID}/")
    html = lxml.html.fromstring(page.content)
    items = [li.text_content() for li in html.xpath("//section[@class='corrections']//li")]
    assert len(items) == 1 and "Corrected the date <of> the telegram" in items[0]
    assert b"Corrected the date &lt;of&gt; the telegram" in page.content  # escaped
    assert "Last revised" in html.xpath("//p[@class='last-revised']")[0].text_content()
    assert b"DRAFT-NOTE" not in page.content  # the draft's history is not public
    [correction] = revisions.corrections(Record.objects.get(pk=RID))
    assert revisions.last_revised(Record.objects.get(pk=RID)) == correction.time


# -- withdrawal -----------------------------------------------------------------------------------------------


def test_a_withdrawn_record_that_was_public_has_a_tombstone(store, editors, client):
    ada, _ = editors
    store.save(doc(media=[{"url": "https://example.org/scan-d74.jpg", "label": "SCAN-LABEL"}]))
    with pytest.raises(RecordError) as refused:
        store.set_status(RID, "withdrawn", actor=ada)
    assert refused.value.field == "reason"
    store.set_status(
        RID, "withdrawn", actor=ada, reason="Published in error: the telegram is still classified"
    )
    record = Record.objects.get(pk=RID)
    assert record.withdrawn_reason.startswith("Published in error") and record.withdrawn_at is not None
    page = client.get(f"/records/{RID}/")
    assert page.status_code == 410
    html = lxml.html.fromstring(page.content)
    main = html.xpath("//article[contains(@class, 'tombstone')]")[0]
    text = main.text_content()
    assert "Telegram From the Embassy in Saigon" in text
    assert "Published in error: the telegram is still classified" in text
    assert record.withdrawn_at.strftime("%Y") in text
    assert main.xpath(".//*[@class='citation']")  # its citation
    assert "Ambassador met the Minister" not in page.content.decode()  # no text
    assert "SCAN-LABEL" not in text and "scan-d74" not in page.content.decode()  # no media
    assert (
        not {"taylor-maxwell", "Maxwell D. Taylor", "harbours", "Harbours"}
        & set(page.content.decode().replace('"', " ").replace("/", " ").split())
        and "Maxwell D. Taylor" not in page.content.decode()
    )  # no authorities
    # Other surfaces say nothing of it.
    assert client.get(f"/records/{RID}/@cite.bib").status_code == 404
    api = client.get(f"/api/v1/records/{RID}")
    assert api.status_code == 404 and b"Published in error" not in api.content


@pytest.mark.parametrize(
    "fields,after",
    [
        ({"status": "draft"}, None),  # withdrawn without ever being published
        ({"status": "draft"}, "draft"),
        ({"status": "in-review"}, "in-review"),
        ({"embargo_until": (TODAY + dt.timedelta(days=9)).isoformat()}, None),
        ({"embargo_until": (TODAY + dt.timedelta(days=9)).isoformat()}, "published"),
    ],
)
def test_records_never_public_stay_not_found(store, client, fields, after):
    store.save(doc(**fields))
    if after is None:
        store.set_status(RID, "withdrawn", reason="not wanted")
    response = client.get(f"/records/{RID}/")
    assert response.status_code == 404
    assert b"Telegram From the Embassy" not in response.content and b"not wanted" not in response.content


# -- authorities --------------------------------------------------------------------------------------------------


def test_merging_authorities_rewrites_records_and_redirects(store, editors, client):
    ada, _ = editors
    store.save(doc(persons=[{"name": "M. Taylor", "id": "taylor-m"}]))
    store.save(
        doc(
            id="x/both",
            persons=[
                {"name": "M. Taylor", "id": "taylor-m"},
                {"name": "Maxwell D. Taylor", "id": "taylor-maxwell"},
            ],
        )
    )
    old = Authority.objects.get(kind="person", key="taylor-m")
    into = Authority.objects.get(kind="person", key="taylor-maxwell")
    subject = Authority.objects.get(kind="subject", key="harbours")
    with pytest.raises(RecordError, match="only be merged into another person"):
        store.merge_authorities(old, subject)
    rewritten = store.merge_authorities(old, into, actor=ada)
    assert sorted(rewritten) == ["frus1964-68v07/d74", "x/both"]
    assert not Authority.objects.filter(pk=old.pk).exists()
    for rid in rewritten:
        record = Record.objects.get(pk=rid)
        assert record.document["persons"] == [
            {"kind": "person", "id": "taylor-maxwell", "name": "Maxwell D. Taylor"}
        ]
        assert numbers(rid)[-1][1] == "merged"
    response = client.get("/persons/taylor-m/")
    assert response.status_code == 301 and response["Location"] == "/persons/taylor-maxwell/"
    # A second merge carries the first one's redirect along: no chains.
    third = store.save_authority("person", "taylor-maxwell-d", "Taylor, Maxwell Davenport")
    store.merge_authorities(into, third)
    assert set(AuthorityRedirect.objects.values_list("old_key", "authority__key")) == {
        ("taylor-m", "taylor-maxwell-d"),
        ("taylor-maxwell", "taylor-maxwell-d"),
    }
    assert client.get("/persons/taylor-m/")["Location"] == "/persons/taylor-maxwell-d/"
    api = client.get("/api/v1/persons/taylor-m")  # the API's address of the authority too
    assert api.status_code == 301 and api["Location"] == "/api/v1/persons/taylor-maxwell-d"
    assert AuditEvent.objects.filter(action="authority.merge", actor=ada).count() == 1


# -- publish-due ---------------------------------------------------------------------------------------------


def test_publish_due_publishes_records_whose_embargo_ended(store):
    # Today as the store counts it, now and given to it: a run that passes midnight (TODAY is the day the module
    # was read) must not find tomorrow's embargo ended.
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    store.save(doc(embargo_until=tomorrow.isoformat()))
    store.save(doc(id="x/later", embargo_until=(today + dt.timedelta(days=30)).isoformat()))
    assert store.publish_due(today=today) == []
    record = Record.objects.get(pk=RID)
    assert record.first_published is None  # not public yet
    assert store.publish_due(today=tomorrow) == [RID]
    record.refresh_from_db()
    assert record.embargo_until is None and record.first_published is not None
    assert numbers()[-1] == (2, "published-due")
    assert Revision.objects.get(record_id=RID, number=2).note == f"embargo until {tomorrow.isoformat()} ended"
    assert Revision.objects.get(record_id=RID, number=1).document["embargo_until"] == tomorrow.isoformat()
    event = AuditEvent.objects.get(action="publish-due")
    assert event.detail == {"count": 1, "records": [RID]}
    assert store.publish_due(today=tomorrow) == []  # once
    assert Record.objects.get(pk="x/later").revision == 1


def test_publish_due_command(tmp_path):
    home = tmp_path / "archive"
    env = {k: v for k, v in os.environ.items() if k != "READINGROOM_DATABASE_URL"}
    records = tmp_path / "records.jsonl"
    records.write_text(json.dumps(doc(embargo_until=TODAY.isoformat())) + "\n")

    def rr(*args):
        return subprocess.run(
            [sys.executable, "-m", "readingroom.cli", "--home", str(home), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )

    assert rr("import", "--quiet", str(records)).returncode == 0
    first = rr("publish-due")
    assert first.returncode == 0, first.stderr
    assert f"published {RID}" in first.stdout and "1 records published" in first.stdout
    again = rr("publish-due")
    assert again.returncode == 0 and "0 records published" in again.stdout


# -- imports and audit ------------------------------------------------------------------------------------------


def test_an_import_makes_revisions_only_for_the_records_it_changes(import_files, tmp_path):
    path = tmp_path / "batch.jsonl"
    docs = [doc(), doc(id="x/two", title="Two"), doc(id="x/three", title="Three")]
    path.write_text("".join(json.dumps(d) + "\n" for d in docs))
    assert import_files(path).ok
    assert Revision.objects.count() == 3
    assert set(Revision.objects.values_list("action", "note")) == {("imported", "imported from batch.jsonl")}
    assert import_files(path).ok
    assert Revision.objects.count() == 3  # unchanged: no revision
    docs[1]["title"] = "Two, corrected"
    path.write_text("".join(json.dumps(d) + "\n" for d in docs))
    assert import_files(path).ok
    assert numbers("x/two") == [(1, "imported"), (2, "imported")]
    assert Revision.objects.get(record_id="x/two", number=1).document["title"] == "Two"
    assert Revision.objects.count() == 4
    # Readers see the correction, not the archive's file name.
    [correction] = revisions.corrections(Record.objects.get(pk="x/two"))
    assert correction.note == "Updated from its source." and correction.number == 2
    events = list(AuditEvent.objects.filter(action="import").order_by("id"))
    assert len(events) == 3  # one a file, not one a record
    assert events[0].detail["created"] == 3 and events[2].detail["updated"] == 1
    assert events[2].detail["unchanged"] == 2 and events[2].target == str(path)


def test_every_store_write_is_audited(store, editors):
    ada, _ = editors
    store.save(doc(status="draft"), actor=ada)
    store.save(doc(status="draft", title="T2"), actor=ada)
    store.set_status(RID, "published", actor=ada)
    store.revert(RID, 1, actor=ada, note="back")
    store.save(doc(id="x/dup", title="Duplicate"))
    store.merge("x/dup", RID, actor=ada)
    store.set_status(RID, "withdrawn", actor=ada, reason="gone")
    store.delete(RID, actor=ada)
    person = store.save_authority("person", "nobody", "Nobody", actor=ada)
    store.edit_authority(person, name="Nobody at all", parent=None, position=0, data={}, actor=ada)
    store.delete_authority(person, actor=ada)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "target"))
    assert actions == [
        ("record.create", RID),
        ("record.update", RID),
        ("record.status", RID),
        ("record.revert", RID),
        ("record.create", "x/dup"),
        ("record.merge", "x/dup"),
        ("record.status", RID),
        ("record.delete", RID),
        ("authority.create", "person/nobody"),
        ("authority.update", "person/nobody"),
        ("authority.delete", "person/nobody"),
    ]
    assert AuditEvent.objects.filter(actor=ada).count() == len(actions) - 1  # the plain save had no actor
    # A deleted record's history outlives it; its last document is kept in the revision before the end.
    history = revisions.history(RID)
    assert history[0].action == "deleted" and not history[0].kept and history[1].kept
    assert revisions.document_at(RID, history[1].number)["status"] == "withdrawn"
    with pytest.raises(NotFound, match="has no document"):
        revisions.document_at(RID, history[0].number)
    assert numbers("x/dup")[-1] == (2, "merged")


# -- the admin -------------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("chief", "chief@example.org", "a long passphrase")
    client.force_login(user)
    return client


def admin_url(name: str, *args) -> str:
    return reverse(f"admin:records_record_{name}", args=args)


def test_admin_history_compare_and_revert(store, admin_client):
    store.save(doc(status="draft"))
    store.save(doc(status="draft", title="Second <b>title</b>"), note="<script>alert(1)</script>")
    history = admin_client.get(admin_url("history", quote(RID)))
    assert history.status_code == 200
    rows = lxml.html.fromstring(history.content).xpath("//table[@id='revision-list']/tbody/tr")
    assert len(rows) == 2 and "updated" in rows[0].text_content() and "system" in rows[0].text_content()
    assert b"<script>alert(1)</script>" not in history.content  # notes are escaped
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in history.content
    compare = admin_client.get(admin_url("revisions_compare", quote(RID)), {"a": 1, "b": 2})
    assert compare.status_code == 200
    cells = lxml.html.fromstring(compare.content).xpath(
        "//table[@class='revision-diff']//tr[@class='field-value']/td"
    )
    assert [c.text_content() for c in cells] == ["Telegram From the Embassy in Saigon", "Second <b>title</b>"]
    assert b"<script" not in compare.content.split(b"</head>")[1]  # no inline script in the page body
    bad = admin_client.get(admin_url("revisions_compare", quote(RID)), {"a": 1, "b": 7})
    assert b"no revision 7" in bad.content
    revert = admin_url("revisions_revert", quote(RID), 1)
    assert admin_client.get(revert).status_code == 200
    refused = admin_client.post(revert, {"note": ""})
    assert refused.status_code == 200 and b"This field is required" in refused.content
    assert Record.objects.get(pk=RID).revision == 2
    done = admin_client.post(revert, {"note": "the first title was right"})
    assert done.status_code == 302 and done["Location"] == admin_url("history", quote(RID))
    record = Record.objects.get(pk=RID)
    assert record.revision == 3 and record.title == "Telegram From the Embassy in Saigon"
    assert Revision.objects.get(record_id=RID, number=3).actor.username == "chief"


def test_admin_revert_needs_the_change_permission(store, client, django_user_model):
    store.save(doc(status="draft"))
    store.save(doc(status="draft", title="Second"))
    reader = django_user_model.objects.create_user("reader", password="a long passphrase", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_record"))
    client.force_login(reader)
    assert client.get(admin_url("history", quote(RID))).status_code == 200
    assert client.post(admin_url("revisions_revert", quote(RID), 1), {"note": "mine"}).status_code == 403
    assert Record.objects.get(pk=RID).revision == 2


def test_merging_a_place_keeps_the_places_under_it(store):
    store.save(doc(places=[{"name": "Saigon", "id": "saigon", "parent": "south-vietnam"}]))
    store.save(doc(id="x/country", places=[{"name": "South Vietnam", "id": "south-vietnam"}]))
    old = Authority.objects.get(kind="place", key="south-vietnam")
    into = store.save_authority("place", "republic-of-vietnam", "Republic of Vietnam")
    assert sorted(store.merge_authorities(old, into)) == [RID, "x/country"]
    saigon = Authority.objects.get(kind="place", key="saigon")
    assert saigon.parent == into
    assert not Authority.objects.filter(kind="place", key="south-vietnam").exists()  # not made again
    assert Record.objects.get(pk=RID).document["places"][0]["parent"] == "republic-of-vietnam"
    with pytest.raises(RecordError, match="cannot be merged into itself"):
        store.merge_authorities(into, into)


def test_a_deleted_record_made_again_continues_its_history(store, import_files, tmp_path):
    store.save(doc())
    store.delete(RID, note="a mistake")
    assert store.save(doc(title="Back again")).revision == 3
    assert numbers() == [(1, "created"), (2, "deleted"), (3, "created")]
    store.delete(RID)
    path = tmp_path / "again.jsonl"
    path.write_text(json.dumps(doc(title="Imported again")) + "\n")
    assert import_files(path).ok
    assert numbers()[-2:] == [(4, "deleted"), (5, "imported")] and Record.objects.get(pk=RID).revision == 5
    assert revisions.document_at(RID, 3)["title"] == "Back again"


@pytest.mark.postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_saves_at_the_same_moment_one_wins_the_other_conflicts(archive):
    import threading

    from django.db import connection

    archive.store.save(doc(status="draft"))
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def edit(title: str) -> None:
        try:
            start.wait()
            archive.store.save(doc(status="draft", title=title), base_revision=1)
            outcomes.append("saved")
        except EditConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(f"Editor {n}",)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    assert Record.objects.get(pk=RID).revision == 2 and len(numbers()) == 2
