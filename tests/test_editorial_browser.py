"""The editorial interface in Chromium: a contributor drafts a record through the forms and sends it to review,
an editor publishes, corrects and withdraws it, at desk (1280 px) and phone (390 px) widths. The screenshots
docs/editing.md shows are made here, into docs/editing/."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission

from readingroom.records.models import Record

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(__file__).resolve().parent.parent / "docs" / "editing"
PASSWORD = "a long passphrase for the test"
CONTRIBUTOR = ("add_record", "change_record", "view_record", "view_authority")
EDITOR = (*CONTRIBUTOR, "publish_record", "delete_record")


def make_user(django_user_model, name: str, codenames):
    user = django_user_model.objects.create_user(name, f"{name}@example.org", PASSWORD, is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="records", codename__in=codenames)
    )
    return user


def log_in(page, base: str, name: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/admin/login/")
    page.fill("#id_username", name)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(base + "/admin/")


def shot(page, name: str, *, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def choose(page, field: str, typed: str, option: str) -> None:
    """Pick an authority in a field's autocomplete as a person would: open it, type, click the suggestion."""
    page.click(f".field-{field} .select2-selection")
    page.fill(".select2-container--open .select2-search__field", typed)
    page.click(f".select2-results__option:has-text('{option}')")


def draft(page, base: str, rid: str, title: str) -> None:
    page.goto(base + "/admin/records/record/add/")
    page.fill("#id_id", rid)
    page.fill("#id_title", title)
    page.fill("#id_date_text", "ca. October 15, 1968")
    # The normalized date appears as it is typed (editorial.js asks the admin's date endpoint).
    page.wait_for_selector("#normalized-date code:has-text('1968-10-15~')")
    choose(page, "places", "Ha", "Hà Nội")
    page.fill("#id_subjects_new", "Paris Peace Talks")
    page.select_option("#id_texts-0-kind", "translation")
    page.fill("#id_texts-0-language", "eng")
    page.fill("#id_texts-0-html", "<p>I. In Paris, the delegation met the Americans in private.</p>")
    # A second text: "Add text" gives an empty row more, keeping what was typed.
    page.click("input[name=_more_texts]")
    page.wait_for_selector("#id_texts-1-html")
    assert (
        page.input_value("#id_title") == title and page.input_value("#id_subjects_new") == "Paris Peace Talks"
    )
    page.select_option("#id_texts-1-kind", "original")
    page.fill("#id_texts-1-language", "vie")
    page.fill("#id_texts-1-html", "<p>I. Tại Paris, song song với cuộc đấu tranh công khai…</p>")
    page.fill("#id_rights_statement", "Translated for the archive; educational use.")


@pytest.mark.parametrize("width,label", [(1280, "desk"), (390, "phone")])
def test_an_archivist_drafts_reviews_publishes_corrects_and_withdraws(
    live_server_url, archive, page, django_user_model, width, label
):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
    base = live_server_url
    archive.store.save_authority("place", "hanoi", "Hà Nội")
    make_user(django_user_model, "contributor", CONTRIBUTOR)
    make_user(django_user_model, "editor", EDITOR)
    rid = f"test/cable-{label}"

    # A contributor drafts the record, previews it, saves it, and sends it to review.
    log_in(page, base, "contributor")
    draft(page, base, rid, "Politburo Cable No. 323")
    shot(page, f"01-new-record-{label}")
    with page.context.expect_page() as opened:
        page.click("input[name=_preview]")
    preview = opened.value
    preview.set_viewport_size(page.viewport_size)
    preview.wait_for_load_state()
    assert "Preview — not public" in preview.locator(".preview-banner").inner_text()
    assert "delegation met the Americans" in preview.locator("main").inner_text()
    shot(preview, f"02-preview-{label}")
    preview.close()
    page.click(".editor-buttons input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert Record.objects.get(pk=rid).status == "draft"
    assert page.locator("input[name=_publish]").count() == 0, "contributors do not publish"
    page.click("input[name=_review]")
    page.wait_for_selector(".status-in-review")
    shot(page, f"03-in-review-{label}", full=False)

    # An editor reviews and publishes it; readers see it.
    log_in(page, base, "editor")
    page.goto(base + f"/admin/records/record/{rid.replace('/', '_2F')}/change/")
    page.click("input[name=_publish]")
    page.wait_for_selector(".status-published")
    assert Record.objects.get(pk=rid).status == "published"
    page.goto(base + f"/records/{rid}/")
    assert page.locator("h1.record-title").inner_text() == "Politburo Cable No. 323"
    shot(page, f"04-published-{label}", full=False)

    # A correction needs a note, shown to readers as a correction.
    page.goto(base + f"/admin/records/record/{rid.replace('/', '_2F')}/change/")
    page.fill("#id_title", "Politburo Cable No. 323 to the delegation in Paris")
    page.press(
        "#id_number", "Enter"
    )  # Enter in a field saves (the form's default button), as a person expects
    page.wait_for_selector(".field-note .errorlist")
    assert "Note" in page.locator(".errornote .error-fields").inner_text()
    page.locator(".field-note").scroll_into_view_if_needed()
    shot(page, f"05-note-required-{label}", full=False)
    page.fill("#id_note", "The title now says to whom the cable went.")
    page.click(".editor-buttons input[name=_save]")
    page.wait_for_selector(".messagelist .success")

    # Someone else saves while the editor edits: the conflict page, then the editor's save on top of theirs.
    archive.store.save(
        {**archive.store.document(rid), "summary": "A summary written meanwhile."},
        note="Summary added",
    )
    page.fill("#id_number", "323")
    page.click(".editor-buttons input[name=_save]")
    page.wait_for_selector(".conflict")
    assert page.input_value("#id_summary") == "A summary written meanwhile."
    assert page.input_value("#id_number") == "323"
    shot(page, f"05b-conflict-{label}", full=False)
    page.fill("#id_note", "Added the cable's number.")
    page.click(".editor-buttons input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    record = Record.objects.get(pk=rid)
    assert record.summary == "A summary written meanwhile." and record.document["number"] == "323"

    # Withdrawing needs a reason; the public page becomes a tombstone.
    page.fill("#id_reason", "Published in error: the translation is not cleared yet.")
    page.click("input[name=_withdraw]")
    page.wait_for_selector(".status-withdrawn")
    shot(page, f"06-withdrawn-{label}", full=False)
    response = page.goto(base + f"/records/{rid}/")
    assert response is not None and response.status == 410
    assert "not cleared yet" in page.locator("main").inner_text()
    assert not errors, errors


def test_no_script_runs_on_the_editorial_pages(live_server_url, archive, page, django_user_model):
    """Markup placed in every kind of field is shown as text (or removed) on the editor, its preview, the JSON
    editor, the conflict page and the authority pages: no script runs."""
    payload = '"><img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    archive.store.save_authority("person", "evil", f"Evil {payload}", data={"description": payload})
    archive.store.save(
        {
            "id": "test/hostile",
            "title": f"Title {payload}",
            "status": "draft",
            "date_text": "1968",
            "summary": payload,
            "texts": [
                {
                    "html": f"<p>Text {payload}</p>",
                    "translator": {"kind": "person", "id": "evil", "name": "x"},
                }
            ],
            "notes": [{"html": payload}],
            "persons": [{"kind": "person", "id": "evil", "name": f"Evil {payload}"}],
            "relations": [{"target": "elsewhere/1", "label": payload}],
            "rights": {"statement": payload, "uri": "https://example.org/rights"},
            "media": [{"url": "https://example.org/scan.jpg", "label": payload}],
            "extra": {"note": payload},
        }
    )
    make_user(django_user_model, "editor", EDITOR)
    base = live_server_url
    log_in(page, base, "editor")
    authority = archive.store.save_authority(
        "person", "evil", f"Evil {payload}", data={"description": payload}
    )
    quoted = "test_2Fhostile"
    for path in (
        f"/admin/records/record/{quoted}/change/",
        f"/admin/records/record/{quoted}/preview/",
        f"/admin/records/record/{quoted}/json/",
        "/admin/records/record/",
        f"/admin/records/authority/{authority.pk}/change/",
        "/admin/records/authority/",
    ):
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        page.click("body")
        assert page.evaluate("window.__xss") is None, path
    # The conflict page shows the stored and the submitted versions: both hostile.
    page.goto(base + f"/admin/records/record/{quoted}/change/")
    archive.store.save({**archive.store.document("test/hostile"), "summary": f"Theirs {payload}"})
    page.fill("#id_summary", f"Mine {payload}")
    page.click(".editor-buttons input[name=_save]")
    page.wait_for_selector(".conflict")
    assert page.evaluate("window.__xss") is None
