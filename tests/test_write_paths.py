"""Every route that writes goes through the one write path (records/store.py), and after each the archive is
consistent: `check` clean, the index holding exactly the public records, nothing unpublished searchable.

Routes driven here: the admin's change and add forms, its actions and its deletes, for records and
authorities; the store's status, embargo, delete and merge; an import with --status; `readingroom merge`.
The tests commit for real (transaction=True), so each write's after-commit indexing runs as in production.
"""

from __future__ import annotations

import datetime as dt

import lxml.html
import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse

from readingroom.records.models import Authority, IndexOutbox, Record
from readingroom.search.params import request_from_params

from .conftest import CORPUS, SEED

pytestmark = pytest.mark.django_db(transaction=True)
SEED_ID = "1968-10-15-secret-north-vietnam-politburo-cable-no-323"
VOLUME = CORPUS / "frus" / "frus1964-68v07-excerpt.xml"
D74 = "frus1964-68v07/d74"
# Words of the seed's text and of d74's.
SEED_WORDS = '"Tran Buu Kiem"'
D74_WORDS = "Thuy"


def found(archive, q: str, **params) -> set[str]:
    return {h.id for h in archive.search.search(request_from_params({"q": [q], **params})).hits}


def assert_consistent(archive) -> None:
    """The invariants every write must keep."""
    report = archive.check()
    assert report.ok, "\n".join(report.lines)
    assert not IndexOutbox.objects.exists(), "every committed write was indexed"
    public = set(Record.objects.public().values_list("pk", flat=True))
    assert archive.search.ids() == public
    hidden = set(Record.objects.values_list("pk", flat=True)) - public
    every_hit = found(archive, "")
    assert not hidden & every_hit


@pytest.fixture
def archive_with_records(archive, import_files):
    report = import_files(SEED, VOLUME)
    assert report.ok, [f.error for f in report.files]
    assert_consistent(archive)
    assert SEED_ID in found(archive, SEED_WORDS) and D74 in found(archive, D74_WORDS)
    return archive


@pytest.fixture
def editor(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        "archivist", "archivist@example.org", "a long passphrase"
    )
    client.force_login(user)
    return client


def form_values(client, url: str) -> dict[str, str | list[str]]:
    """The admin's edit form (record_form, authority_form) as the browser would send it back unchanged: a
    name given once has its value, one given several times (a multiple choice) the list of them."""
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    page = lxml.html.fromstring(response.content.decode())
    forms = [f for f in page.forms if f.get("id", "").endswith("_form")]
    assert len(forms) == 1, [f.get("id") for f in forms]
    values: dict[str, list[str]] = {}
    for name, value in forms[0].form_values():
        # A browser drops the newline Django writes after <textarea>; lxml keeps it.
        values.setdefault(name, []).append(value.removeprefix("\n"))
    return {name: found[0] if len(found) == 1 else found for name, found in values.items()}


def change_url(model: str, pk) -> str:
    return reverse(f"admin:records_{model}_change", args=(quote(pk),))


# -- the admin ---------------------------------------------------------------------------------------------------


def test_withdrawing_in_the_admin_change_form_updates_document_columns_and_index(
    archive_with_records, editor
):
    archive = archive_with_records
    url = change_url("record", SEED_ID)
    values = form_values(editor, url)
    assert values["title"] and "status-published" in editor.get(url).content.decode()
    response = editor.post(url, {**values, "_withdraw": "Withdraw"})
    assert response.status_code == 200 and "Say why the record is withdrawn" in response.content.decode()
    values["reason"] = "Withdrawn by the test"
    response = editor.post(url, {**values, "_withdraw": "Withdraw"})
    assert response.status_code == 302, response.content.decode()[:2000]
    record = Record.objects.get(pk=SEED_ID)
    assert record.status == "withdrawn" and record.document["status"] == "withdrawn"
    assert SEED_ID not in found(archive, SEED_WORDS)
    assert_consistent(archive)
    # The export says what the store says: a re-import would not republish it.
    from readingroom.records.services import export_document

    assert export_document(record)["status"] == "withdrawn"


def test_text_edited_in_the_admin_is_sanitized_and_searchable(archive_with_records, editor, client):
    archive = archive_with_records
    url = change_url("record", D74)
    values = form_values(editor, url)
    values["texts-0-html"] = (
        "<p>Corrected reading of the cable <script>window.__x=1</script>"
        '<img src=x onerror="alert(1)"> Zanzibarish.</p>'
    )
    values["title"] = "Telegram about Thuy (corrected)"
    values["note"] = "Corrected the reading of the cable."
    response = editor.post(url, values)
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = Record.objects.get(pk=D74)
    assert stored.title == "Telegram about Thuy (corrected)"
    html = stored.document["texts"][0]["html"]
    assert "<script" not in html and "onerror" not in html and "Zanzibarish" in html
    assert found(archive, "Zanzibarish") == {D74}
    page = client.get(f"/records/{D74}/").content.decode()
    assert "Zanzibarish" in page and "window.__x" not in page and "onerror" not in page
    assert_consistent(archive)


def test_an_invalid_document_is_refused_with_the_field_named(archive_with_records, editor):
    url = change_url("record", D74)
    values = form_values(editor, url)
    values["date"] = "the fifteenth of Octember"
    values["note"] = "A new date."
    response = editor.post(url, values)
    assert response.status_code == 200
    assert "cannot read the date" in response.content.decode()
    assert Record.objects.get(pk=D74).document["date"] != "the fifteenth of Octember"
    assert_consistent(archive_with_records)


def test_the_id_cannot_change_in_the_change_form(archive_with_records, editor):
    url = change_url("record", D74)
    response = editor.get(url)
    assert b'name="id"' in response.content and b"disabled" in response.content
    values = form_values(editor, url)
    assert "id" not in values, "a disabled field is not sent"
    values.update(id="frus1964-68v07/d999", title="Retitled", note="A new title.")
    response = editor.post(url, values)
    assert response.status_code == 302
    assert not Record.objects.filter(pk="frus1964-68v07/d999").exists()
    assert Record.objects.get(pk=D74).title == "Retitled"


def test_adding_a_record_in_the_admin(archive_with_records, editor):
    archive = archive_with_records
    url = reverse("admin:records_record_add")
    values = form_values(editor, url)
    values.update(
        {
            "id": "test/added",
            "title": "A note added by hand",
            "date": "1968-10-16",
            "texts-0-html": "The Quixotic delegation arrived.",
            "subjects_new": "Paris Peace Talks",
            "_publish": "Publish",
        }
    )
    response = editor.post(url, values)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert found(archive, "Quixotic") == {"test/added"}
    assert Record.objects.get(pk="test/added").links.filter(role="subject").count() == 1
    assert_consistent(archive)


def test_embargo_set_in_the_admin_hides_the_record(archive_with_records, editor):
    archive = archive_with_records
    url = change_url("record", D74)
    values = form_values(editor, url)
    values["embargo_until"] = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    values["note"] = "Embargoed until the review of its classification."
    assert editor.post(url, values).status_code == 302
    record = Record.objects.get(pk=D74)
    assert record.document["embargo_until"] == values["embargo_until"] and record.embargo_until is not None
    assert D74 not in found(archive, D74_WORDS)
    assert_consistent(archive)


# Withdrawing needs a reason, and changing a record that was published a note: the list's actions make only the
# changes that need neither (the record form makes the others; tests/test_editorial.py).
def test_admin_actions_change_status_through_the_store(archive_with_records, editor):
    archive = archive_with_records
    store = archive.store
    ids = ["test/one", "test/two"]
    for rid in ids:
        store.save({"id": rid, "title": "A Quixotic draft", "status": "draft", "text": "Quixotic words."})
    changelist = reverse("admin:records_record_changelist")
    for action, status in (
        ("send_to_review", "in-review"),
        ("make_draft", "draft"),
        ("publish", "published"),
    ):
        response = editor.post(changelist, {"action": action, "_selected_action": ids})
        assert response.status_code == 302
        for rid in ids:
            record = Record.objects.get(pk=rid)
            assert record.status == status == record.document["status"]
        assert (found(archive, "Quixotic") == set(ids)) == (status == "published")
        assert_consistent(archive)
    # A published record goes back to draft only by withdrawing it first, with a reason, in its form.
    response = editor.post(changelist, {"action": "make_draft", "_selected_action": ids}, follow=True)
    assert "only a record in review or withdrawn returns to draft" in response.content.decode()
    assert Record.objects.get(pk=ids[0]).status == "published"
    assert_consistent(archive)


def test_admin_delete_removes_record_and_index_entry(archive_with_records, editor):
    archive = archive_with_records
    url = reverse("admin:records_record_delete", args=(quote(D74),))
    response = editor.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Record.objects.filter(pk=D74).exists()
    assert D74 not in found(archive, D74_WORDS)
    assert_consistent(archive)
    response = editor.post(
        reverse("admin:records_record_changelist"),
        {"action": "delete_selected", "_selected_action": [SEED_ID], "post": "yes"},
    )
    assert response.status_code == 302 and not Record.objects.filter(pk=SEED_ID).exists()
    assert_consistent(archive)


def test_derived_columns_are_shown_not_edited_in_the_admin(archive_with_records, editor):
    """The normalized date and the links are derived from the document by the store: the form has no field
    for them (it shows the normalized date beside the date as written)."""
    url = change_url("record", D74)
    values = form_values(editor, url)
    derived = {"content_hash", "date_earliest", "date_latest", "date_precision", "status", "revision"}
    assert not derived & set(values) and not any(name.startswith("links-") for name in values)
    record = Record.objects.get(pk=D74)
    assert f"from {record.date_earliest} to {record.date_latest}" in editor.get(url).content.decode()


def test_renaming_an_authority_in_the_admin_reindexes_its_records(archive_with_records, editor):
    archive = archive_with_records
    person = Authority.objects.get(kind="person", key__endswith="/p_RD1")
    url = change_url("authority", person.pk)
    values = form_values(editor, url)
    assert "kind" not in values and "key" not in values, "what records cite is fixed"
    values["name"] = "Rusk, David Dean"
    response = editor.post(url, values)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not IndexOutbox.objects.exists()
    facets = dict(archive.search.search(request_from_params({"q": ["Rusk"]})).facets["person"])
    assert "Rusk, David Dean" in facets
    assert_consistent(archive)


def test_an_authority_cannot_be_placed_under_itself(archive_with_records, editor):
    subject = Authority.objects.create(kind="subject", key="cold-war", name="Cold War")
    child = Authority.objects.create(kind="subject", key="detente", name="Détente", parent=subject)
    url = change_url("authority", subject.pk)
    values = form_values(editor, url)
    values["parent"] = str(child.pk)
    response = editor.post(url, values)
    assert response.status_code == 200 and "cannot be placed under itself" in response.content.decode()
    assert Authority.objects.get(pk=subject.pk).parent_id is None


def test_an_authority_cited_by_records_cannot_be_deleted(archive_with_records, editor):
    from readingroom.records.errors import Conflict

    person = Authority.objects.get(kind="person", key__endswith="/p_RD1")
    response = editor.get(reverse("admin:records_authority_delete", args=(person.pk,)))
    assert response.status_code == 403
    with pytest.raises(Conflict, match="is cited by"):
        archive_with_records.store.delete_authority(person)
    unused = Authority.objects.create(kind="subject", key="unused", name="Unused")
    response = editor.post(reverse("admin:records_authority_delete", args=(unused.pk,)), {"post": "yes"})
    assert response.status_code == 302 and not Authority.objects.filter(pk=unused.pk).exists()
    assert_consistent(archive_with_records)


def test_redirects_are_not_editable_in_the_admin(archive_with_records, editor):
    assert editor.get(reverse("admin:records_redirect_add")).status_code == 403


# -- the store, the importer, the command line --------------------------------------------------------------------


def test_status_and_embargo_changes_through_the_store(archive_with_records):
    archive = archive_with_records
    store = archive.store
    for status in ("withdrawn", "draft", "in-review", "published"):
        store.set_status(D74, status, reason="withdrawn by the test" if status == "withdrawn" else "")
        assert (D74 in found(archive, D74_WORDS)) == (status == "published")
        assert_consistent(archive)
    store.set_status(D74, "published", embargo_until=dt.date.today() + dt.timedelta(days=2))
    assert D74 not in found(archive, D74_WORDS)
    assert_consistent(archive)
    store.set_status(D74, "published", embargo_until=None)
    assert D74 in found(archive, D74_WORDS)
    assert_consistent(archive)


def test_unknown_status_is_refused(archive_with_records):
    from readingroom.records.schema import RecordError

    with pytest.raises(RecordError, match="is not a status"):
        archive_with_records.store.set_status(D74, "hidden")


def test_merge_rewrites_the_documents_that_cite_the_old_id(archive_with_records):
    archive = archive_with_records
    store = archive.store
    store.save({"id": "test/cites", "title": "Cites d74", "relations": [{"type": "cites", "target": D74}]})
    store.save({"id": "test/copy", "title": "A duplicate of d74", "text": "Thuy said so."})
    store.merge("test/copy", D74)
    store.merge(D74, "test/cites")  # now test/cites would cite itself: the relation goes
    doc = Record.objects.get(pk="test/cites").document
    assert doc["relations"] == []
    assert_consistent(archive)
    store.save({"id": "test/other", "title": "Cites the duplicate", "relations": [{"target": "test/dup"}]})
    store.save({"id": "test/dup", "title": "Duplicate"})
    store.merge("test/dup", SEED_ID)
    assert [r["target"] for r in Record.objects.get(pk="test/other").document["relations"]] == [SEED_ID]
    assert_consistent(archive)


def test_import_with_status_and_reimport(archive, import_files):
    report = import_files(VOLUME, status="draft")
    assert report.ok and Record.objects.filter(status="draft").count() == 5
    assert_consistent(archive)
    assert not found(archive, D74_WORDS)
    report = import_files(VOLUME)  # the documents' own status: published
    assert report.ok
    assert D74 in found(archive, D74_WORDS)
    assert_consistent(archive)


def test_the_merge_command(archive_with_records, capsys, monkeypatch):
    from readingroom import cli

    monkeypatch.setenv("READINGROOM_HOME", str(archive_with_records.home))
    archive_with_records.store.save({"id": "test/copy", "title": "Duplicate"})
    assert cli.main(["merge", "test/copy", D74]) == 0
    assert "merged test/copy into frus1964-68v07/d74" in capsys.readouterr().out
    assert cli.main(["merge", "test/none", D74]) == 1
    assert "no record 'test/none' to merge" in capsys.readouterr().err
    assert_consistent(archive_with_records)
