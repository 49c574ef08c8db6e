"""The editorial interface (records/admin.py, records/editorial.py): a contributor and an editor take a record
from draft to publication, correction and withdrawal through the admin's forms, as a browser would post them.
Runs on SQLite and PostgreSQL; the tests commit for real, so each write's indexing runs as in production."""

from __future__ import annotations

import json
from pathlib import Path

import lxml.html
import pytest
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission
from django.urls import reverse

from readingroom.records.models import Authority, Record

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parent.parent
RID = "test/cable-323"
ADD = "/admin/records/record/add/"


def change_url(pk) -> str:
    return reverse("admin:records_record_change", args=(quote(pk),))


def make_user(django_user_model, name: str, *codenames: str):
    user = django_user_model.objects.create_user(
        name, f"{name}@example.org", "a long passphrase", is_staff=True
    )
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="records", codename__in=codenames)
    )
    return user


CONTRIBUTOR = ("add_record", "change_record", "view_record", "view_authority")
EDITOR = (*CONTRIBUTOR, "publish_record", "delete_record", "change_authority", "add_authority")


@pytest.fixture
def people(db, archive, django_user_model, client):
    from django.test import Client

    contributor, editor = Client(), Client()
    contributor.force_login(make_user(django_user_model, "contributor", *CONTRIBUTOR))
    editor.force_login(make_user(django_user_model, "editor", *EDITOR))
    return contributor, editor


@pytest.fixture
def authorities(archive):
    store = archive.store
    made = {
        "person": store.save_authority("person", "rusk-dean", "Rusk, Dean"),
        "translator": store.save_authority("person", "pribbenow-merle", "Pribbenow, Merle"),
        "organization": store.save_authority("organization", "politburo", "Politburo"),
        "place": store.save_authority("place", "hanoi", "Hà Nội"),
        "place2": store.save_authority("place", "hamburg", "Hamburg"),
        "subject": store.save_authority("subject", "vietnam-war", "Vietnam War"),
        "collection": store.save_authority("collection", "paris-talks", "Paris Peace Talks"),
        "funder": store.save_authority("funder", "mellon", "Mellon Foundation"),
        "repository": store.save_authority(
            "repository", "vn-archive", "Archive of the Party Central Committee"
        ),
    }
    store.save({"id": "test/other", "title": "Another cable", "status": "published"})
    return made


def form_values(client, url: str, form_id: str = "record_form") -> dict[str, list[str]]:
    """The form as the browser would send it back unchanged (every value of a multiple select)."""
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    forms = [f for f in lxml.html.fromstring(response.content.decode()).forms if f.get("id") == form_id]
    assert len(forms) == 1
    values: dict[str, list[str]] = {}
    for name, value in forms[0].form_values():
        # A browser drops the newline Django writes after <textarea>; lxml keeps it.
        values.setdefault(name, []).append(value.removeprefix("\n"))
    return values


def every_field(a: dict) -> dict:
    return {
        "id": RID,
        "title": "Secret North Vietnam Politburo Cable No. 323",
        "number": "323",
        "date_text": "October 15, 1968",
        "summary": "The Politburo instructs the delegation in Paris.",
        "document_types": "Cable\nInstructions",
        "classification": "Secret",
        "languages": "vie, eng",
        "dateline_place": "Hà Nội",
        "signature": "[signed] The Politburo",
        "source_description": "Archive of the Party Central Committee, Hanoi.",
        "archival_reference": "fond: 5\nbox: 12\nFile 7, as written",
        "funder_credit": "Translated with the help of the Mellon Foundation",
        "publisher": "Readingroom test",
        "original_uploaded": "2011-05-03",
        "rights_statement": "In copyright.\n\nEducational use permitted.",
        "rights_uri": "http://rightsstatements.org/vocab/InC-EDU/1.0/",
        "source": '{"format": "hand", "note": "typed in"}',
        "extra": '{"source_record_id": "114010"}',
        "creators": [str(a["organization"].pk)],
        "creators_new": "Le Duan",
        "recipients": [str(a["person"].pk)],
        "persons": [str(a["person"].pk)],
        "places": [str(a["place"].pk), str(a["place2"].pk)],
        "subjects": [str(a["subject"].pk)],
        "subjects_new": "Peace negotiations",
        "collections": [str(a["collection"].pk)],
        "funders": [str(a["funder"].pk)],
        "repository": str(a["repository"].pk),
        "texts-TOTAL_FORMS": "2",
        "texts-INITIAL_FORMS": "0",
        "texts-0-kind": "original",
        "texts-0-language": "vie",
        "texts-0-html": "<p>Bản gốc.</p>",
        "texts-1-kind": "translation",
        "texts-1-language": "eng",
        "texts-1-translator": str(a["translator"].pk),
        "texts-1-rights": "Translation © Merle Pribbenow",
        "texts-1-html": '<p>I. In Paris, the Zanzibarish delegation<a class="note-ref" href="#n1">1</a>.</p>'
        "<script>window.__x=1</script>",
        "notes-TOTAL_FORMS": "1",
        "notes-INITIAL_FORMS": "0",
        "notes-0-id": "n1",
        "notes-0-n": "1",
        "notes-0-html": "<p>The delegation of the DRV.</p>",
        "media-TOTAL_FORMS": "1",
        "media-INITIAL_FORMS": "0",
        "media-0-url": "https://example.org/scans/323.pdf",
        "media-0-label": "Scan of the original",
        "media-0-mime_type": "application/pdf",
        "media-0-size": "1024",
        "relations-TOTAL_FORMS": "2",
        "relations-INITIAL_FORMS": "0",
        "relations-0-type": "related",
        "relations-0-target": "test/other",
        "relations-1-type": "cites",
        "relations-1-target": "elsewhere/42",
        "relations-1-external": "on",
        "relations-1-label": "A cable held elsewhere",
    }


def test_a_contributor_drafts_previews_and_sends_to_review_but_cannot_publish(people, authorities, client):
    contributor, _editor = people
    page = contributor.get(ADD).content.decode()
    assert 'id="record_form"' in page and "kind=person,organization" in page and "kind=place" in page
    scripts = lxml.html.fromstring(page).xpath("//script")
    assert scripts and all(s.get("src") and not (s.text or "").strip() for s in scripts), "no inline script"
    values = every_field(authorities)
    preview = contributor.post(ADD, {**values, "_preview": "Preview"})
    assert preview.status_code == 200, preview.content.decode()[:3000]
    html = preview.content.decode()
    assert "Preview — not public" in html and "Zanzibarish" in html and "window.__x" not in html
    assert "Le Duan" in html and "Vietnam War" in html and "Politburo" in html
    assert "no-store" in preview["Cache-Control"] and "private" in preview["Cache-Control"]
    assert not Record.objects.filter(pk=RID).exists(), "a preview saves nothing"

    response = contributor.post(ADD, {**values, "_save": "Save draft"})
    assert response.status_code == 302, response.content.decode()[:3000]
    record = Record.objects.get(pk=RID)
    doc = record.document
    assert record.status == "draft" and doc["date"] == "1968-10-15" and doc["date_text"] == "October 15, 1968"
    assert doc["languages"] == ["vie", "eng"] and doc["document_types"] == ["Cable", "Instructions"]
    assert doc["archival_reference"] == {"fond": "5", "box": "12", "text": "File 7, as written"}
    assert doc["rights"] == {
        "statement": "In copyright.\n\nEducational use permitted.",
        "uri": "http://rightsstatements.org/vocab/InC-EDU/1.0/",
    }
    assert [c["name"] for c in doc["creators"]] == ["Politburo", "Le Duan"]
    assert [p["id"] for p in doc["places"]] == ["hanoi", "hamburg"]
    assert [s["name"] for s in doc["subjects"]] == ["Vietnam War", "Peace negotiations"]
    assert doc["repository"]["id"] == "vn-archive" and doc["funders"][0]["id"] == "mellon"
    assert doc["collections"][0]["id"] == "paris-talks" and doc["recipients"][0]["id"] == "rusk-dean"
    assert [t["kind"] for t in doc["texts"]] == ["original", "translation"]
    assert (
        doc["texts"][1]["translator"]["id"] == "pribbenow-merle" and "<script" not in doc["texts"][1]["html"]
    )
    assert doc["notes"][0]["id"] == "n1" and doc["media"][0]["size"] == 1024
    assert [(r["type"], r["target"]) for r in doc["relations"]] == [
        ("related", "test/other"),
        ("cites", "elsewhere/42"),
    ]
    assert (
        doc["source"] == {"format": "hand", "note": "typed in"}
        and doc["extra"]["source_record_id"] == "114010"
    )
    assert doc["summary"] and doc["signature"] and doc["funder_credit"] and doc["number"] == "323"
    assert client.get(f"/records/{RID}/").status_code == 404

    # The form shows what was saved, and sends it back unchanged.
    url = change_url(RID)
    values = form_values(contributor, url)
    assert values["title"] == ["Secret North Vietnam Politburo Cable No. 323"]
    assert 'name="_publish"' not in contributor.get(url).content.decode()
    assert contributor.post(url, {**values, "_publish": "Publish"}).status_code == 403
    changelist = reverse("admin:records_record_changelist")
    assert 'value="publish"' not in contributor.get(changelist).content.decode()
    contributor.post(changelist, {"action": "publish", "_selected_action": [RID]})
    assert Record.objects.get(pk=RID).status == "draft"
    response = contributor.post(url, {**values, "_review": "Send to review"})
    assert response.status_code == 302
    record = Record.objects.get(pk=RID)
    assert record.status == "in-review" and record.document == doc | {"status": "in-review"}
    saved_preview = contributor.get(reverse("admin:records_record_preview", args=(quote(RID),)))
    assert saved_preview.status_code == 200 and "Preview — not public" in saved_preview.content.decode()
    assert (
        client.get(reverse("admin:records_record_preview", args=(quote(RID),))).status_code == 302
    )  # to login


def test_an_editor_publishes_corrects_with_a_note_and_withdraws_with_a_reason(people, authorities, client):
    contributor, editor = people
    assert contributor.post(ADD, {**every_field(authorities), "_review": "x"}).status_code == 302
    url = change_url(RID)
    values = form_values(editor, url)
    response = editor.post(url, {**values, "_publish": "Publish"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Record.objects.get(pk=RID).status == "published"
    assert "Zanzibarish" in client.get(f"/records/{RID}/").content.decode()

    # A contributor may read it, not change it.
    page = contributor.get(url).content.decode()
    assert "only editors change it" in page and "disabled" in page
    assert contributor.post(url, form_values(contributor, url)).status_code == 403

    values = form_values(editor, url)
    values["title"] = ["Politburo Cable No. 323 (corrected)"]
    response = editor.post(url, {**values, "_save": "Save"})
    assert response.status_code == 200
    assert "say why you change this record" in _error_of(response, "note")
    assert Record.objects.get(pk=RID).title.startswith("Secret")
    values["note"] = ["The title named the marking twice."]
    assert editor.post(url, {**values, "_save": "Save"}).status_code == 302
    page = client.get(f"/records/{RID}/").content.decode()
    assert "(corrected)" in page and "The title named the marking twice." in page

    values = form_values(editor, url)
    response = editor.post(url, {**values, "_withdraw": "Withdraw"})
    assert response.status_code == 200 and "Say why the record is withdrawn" in _error_of(response, "reason")
    values["reason"] = ["Published in error: still classified."]
    assert editor.post(url, {**values, "_withdraw": "Withdraw"}).status_code == 302
    record = Record.objects.get(pk=RID)
    assert record.status == "withdrawn" and record.withdrawn_reason == "Published in error: still classified."
    tombstone = client.get(f"/records/{RID}/")
    assert tombstone.status_code == 410 and "still classified" in tombstone.content.decode()
    assert "Zanzibarish" not in tombstone.content.decode()


def test_an_editor_sets_an_embargo_a_contributor_cannot(people, authorities):
    import datetime as dt

    contributor, editor = people
    assert (
        contributor.post(ADD, {**every_field(authorities), "embargo_until": "2099-01-01"}).status_code == 302
    )
    assert Record.objects.get(pk=RID).embargo_until is None
    values = form_values(editor, change_url(RID))
    values["embargo_until"] = [(dt.date.today() + dt.timedelta(days=30)).isoformat()]
    assert editor.post(change_url(RID), {**values, "_publish": "x"}).status_code == 302
    record = Record.objects.get(pk=RID)
    assert record.status == "published" and record.embargo_until is not None
    assert not Record.objects.public().filter(pk=RID).exists()


def _error_of(response, field: str) -> str:
    """The error list shown in the form row of a field."""
    tree = lxml.html.fromstring(response.content.decode())
    rows = tree.xpath(
        f"//div[contains(@class, 'field-{field} ') and contains(@class, 'errors')]//ul[contains(@class, 'errorlist')]"
    )
    return " ".join(r.text_content() for r in rows)


@pytest.mark.parametrize(
    "change,field,message",
    [
        ({"date_text": "the fifteenth of Octember"}, "date_text", "cannot read the date"),
        ({"date_text": "February 30, 1968"}, "date_text", "February 1968 has 29 days"),
        ({"texts-0-language": "xx1"}, "language", "is not an ISO 639-2/B code"),
        ({"relations-0-target": "test/nowhere"}, "target", "There is no record 'test/nowhere'"),
        ({"extra": "{not json"}, "extra", "This is not JSON"),
        ({"languages": "english"}, "languages", "is not an ISO 639-2/B code"),
        ({"id": "bad id!"}, "id", "is not a valid id"),
        ({"title": ""}, "title", "This field is required"),
        ({"media-0-sha256": "abc"}, "sha256", "must be 64 lowercase hex digits"),
    ],
)
def test_validation_errors_appear_by_field(people, authorities, change, field, message):
    contributor, _ = people
    response = contributor.post(ADD, {**every_field(authorities), **change, "_save": "x"})
    assert response.status_code == 200
    assert message in _error_of(response, field), response.content.decode()[:200]
    assert not Record.objects.filter(pk=RID).exists()


def test_the_date_endpoint_normalizes_what_is_typed(people, client):
    contributor, _ = people
    url = reverse("admin:records_record_date")
    answer = contributor.get(url, {"text": "ca. October 1968"}).json()
    assert answer == {
        "ok": True,
        "edtf": "1968-10~",
        "earliest": "1968-10-01",
        "latest": "1968-10-31",
        "precision": "month",
        "certainty": "approximate",
    }
    assert (
        contributor.get(url, {"text": "1968", "edtf": "1968-10-15/1968-10-20"}).json()["precision"] == "range"
    )
    wrong = contributor.get(url, {"text": "February 30, 1968"}).json()
    assert wrong["ok"] is False and "February 1968 has 29 days" in wrong["error"]
    assert client.get(url, {"text": "1968"}).status_code == 302  # staff only: to the login page


@pytest.mark.parametrize(
    "kind,term,expected",
    [
        ("place", "ha", {"Hà Nội", "Hamburg"}),
        ("person", "r", {"Rusk, Dean", "Pribbenow, Merle"}),
        ("person,organization", "p", {"Politburo", "Pribbenow, Merle"}),
        ("subject", "war", {"Vietnam War"}),
    ],
)
def test_autocomplete_answers_per_kind(people, authorities, kind, term, expected):
    contributor, _ = people
    response = contributor.get(
        "/admin/autocomplete/",
        {
            "app_label": "records",
            "model_name": "recordlink",
            "field_name": "authority",
            "kind": kind,
            "term": term,
        },
    )
    assert response.status_code == 200
    names = {r["text"].rsplit(" (", 1)[0] for r in response.json()["results"]}
    assert names == expected


def test_authority_description_identifiers_and_merge(people, authorities, archive, client):
    _, editor = people
    person = authorities["person"]
    url = reverse("admin:records_authority_change", args=(person.pk,))
    values = {k: v[0] for k, v in form_values(editor, url, "authority_form").items()}
    values.update(description="US Secretary of State, 1961–1969.", identifiers="javascript:alert(1)")
    response = editor.post(url, values)
    assert response.status_code == 200 and "is not an http(s) address" in response.content.decode()
    values["identifiers"] = "https://viaf.org/viaf/12345/\nhttps://www.wikidata.org/wiki/Q295821"
    assert editor.post(url, values).status_code == 302
    data = Authority.objects.get(pk=person.pk).data
    assert data["description"].startswith("US Secretary") and len(data["same_as"]) == 2

    duplicate = archive.store.save_authority("person", "rusk-d", "Rusk, D.")
    archive.store.save(
        {
            "id": "test/cites-dup",
            "title": "Cites the duplicate",
            "persons": [{"kind": "person", "id": "rusk-d", "name": "Rusk, D."}],
        }
    )
    changelist = reverse("admin:records_authority_changelist")
    page = editor.post(changelist, {"action": "merge", "_selected_action": [duplicate.pk]})
    assert (
        page.status_code == 200
        and "Merge into" in page.content.decode()
        and "kind=person" in page.content.decode()
    )
    response = editor.post(
        changelist, {"action": "merge", "_selected_action": [duplicate.pk], "into": person.pk}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Authority.objects.filter(pk=duplicate.pk).exists()
    assert [p["id"] for p in Record.objects.get(pk="test/cites-dup").document["persons"]] == ["rusk-dean"]
    moved = client.get("/persons/rusk-d/")
    assert moved.status_code == 301 and moved["Location"].endswith("/persons/rusk-dean/")
    page = client.get("/persons/rusk-dean/").content.decode()
    assert "US Secretary of State" in page and 'href="https://www.wikidata.org/wiki/Q295821"' in page


def test_two_editors_save_the_same_record_and_the_second_sees_both(
    people, authorities, archive, django_user_model
):
    contributor, editor = people
    assert contributor.post(ADD, {**every_field(authorities), "_save": "x"}).status_code == 302
    url = change_url(RID)
    mine = form_values(editor, url)
    theirs = form_values(contributor, url)
    theirs["summary"] = ["A summary written meanwhile."]
    assert contributor.post(url, {**theirs, "_save": "x"}).status_code == 302
    mine["title"] = ["My better title"]
    response = editor.post(url, {**mine, "_save": "x"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else saved this record" in page and "A summary written meanwhile." in page
    assert "My better title" in page and Record.objects.get(pk=RID).title != "My better title"
    # The form on the conflict page carries my values, based on the current revision: saving it applies them.
    again = [
        f for f in lxml.html.fromstring(response.content.decode()).forms if f.get("id") == "record_form"
    ][0]
    values: dict[str, list[str]] = {}
    for name, value in again.form_values():
        values.setdefault(name, []).append(value.removeprefix("\n"))
    assert values["base_revision"] == [str(Record.objects.get(pk=RID).revision)]
    # Their change is there, and mine on top of it.
    assert values["summary"] == ["A summary written meanwhile."] and values["title"] == ["My better title"]
    assert "You both changed" not in page
    assert editor.post(url, {**values, "_save": "x"}).status_code == 302
    record = Record.objects.get(pk=RID)
    assert record.title == "My better title" and record.summary == "A summary written meanwhile."

    # When both change the same field, the form holds mine and says so.
    mine, theirs = form_values(editor, url), form_values(contributor, url)
    theirs["title"] = ["Their title"]
    assert contributor.post(url, {**theirs, "_save": "x"}).status_code == 302
    mine["title"] = ["My title"]
    response = editor.post(url, {**mine, "_save": "x"})
    assert response.status_code == 409 and "You both changed: Title" in response.content.decode()
    assert Record.objects.get(pk=RID).title == "Their title"


def test_the_preview_has_what_the_record_page_has(people, authorities, archive, rf):
    """The preview renders the public template with a context of the same keys as the record page's."""
    from readingroom.records.preview import preview_context
    from readingroom.web.contexts import record_context

    record = Record.objects.get(pk="test/other")
    request = rf.get("/")
    request.archive = archive
    assert set(preview_context(request, record.document)) - {"preview", "status"} == set(
        record_context(request, record)
    )


def test_the_json_editor_keeps_what_the_form_does_not_show(people, authorities):
    contributor, _ = people
    assert contributor.post(ADD, {**every_field(authorities), "_save": "x"}).status_code == 302
    url = reverse("admin:records_record_json", args=(quote(RID),))
    values = {k: v[0] for k, v in form_values(contributor, url, "record_json_form").items()}
    doc = json.loads(values["document"])
    doc["creators"][0]["role"] = "sender"
    values["document"] = json.dumps(doc)
    assert contributor.post(url, values).status_code == 302
    assert Record.objects.get(pk=RID).document["creators"][0]["role"] == "sender"
    # The form keeps the role when it saves again.
    values = form_values(contributor, change_url(RID))
    values["title"] = ["Retitled"]
    assert contributor.post(change_url(RID), {**values, "_save": "x"}).status_code == 302
    assert Record.objects.get(pk=RID).document["creators"][0]["role"] == "sender"


def test_the_form_sent_back_unchanged_changes_nothing(people, import_files):
    """Imported records (a DA page, a FRUS volume) go through the form without losing anything: sent back
    unchanged, the store finds the same document (no revision, so no note is asked for a published one)."""
    from .conftest import CORPUS, SEED

    assert import_files(SEED, CORPUS / "frus" / "frus1964-68v07-excerpt.xml").ok
    _, editor = people
    for record in Record.objects.all():
        url = change_url(record.pk)
        response = editor.post(url, {**form_values(editor, url), "_save": "Save"})
        assert response.status_code == 302, (record.pk, _errors(response))
        assert Record.objects.get(pk=record.pk).revision == record.revision, record.pk


def _errors(response) -> list[str]:
    tree = lxml.html.fromstring(response.content.decode())
    return [e.text_content() for e in tree.xpath("//ul[contains(@class, 'errorlist')]")]


def test_adding_a_row_keeps_what_was_typed_and_saves_nothing(people, authorities):
    contributor, _ = people
    values = every_field(authorities)
    response = contributor.post(ADD, {**values, "relations-0-DELETE": "on", "_more_texts": "Add text"})
    assert response.status_code == 200 and not Record.objects.filter(pk=RID).exists()
    again = [
        f for f in lxml.html.fromstring(response.content.decode()).forms if f.get("id") == "record_form"
    ][0]
    sent: dict[str, list[str]] = {}
    for name, value in again.form_values():
        sent.setdefault(name, []).append(value.removeprefix("\n"))
    # Two texts, and two empty rows: the one every form has, and the one asked for.
    assert sent["texts-TOTAL_FORMS"] == ["4"] and sent["texts-2-html"] == sent["texts-3-html"] == [""]
    assert sent["texts-1-translator"] == [str(authorities["translator"].pk)]
    assert sent["places"] == [str(authorities["place"].pk), str(authorities["place2"].pk)]
    assert sent["relations-0-target"] == ["elsewhere/42"], "the row ticked for deletion went"
    assert not _errors(response), "nothing is checked yet"
    assert (
        contributor.post(ADD, {**sent, "texts-2-html": "<p>A third text.</p>", "_save": "x"}).status_code
        == 302
    )
    doc = Record.objects.get(pk=RID).document
    assert len(doc["texts"]) == 3 and [r["target"] for r in doc["relations"]] == ["elsewhere/42"]
