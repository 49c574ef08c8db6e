"""The revision pages in Chromium with script in every field they show: the record page's corrections, the
tombstone, the admin's history, comparison and revert pages. No script runs."""

from __future__ import annotations

from django.contrib.admin.utils import quote

RID = "frus1964-68v07/d74"
GONE = "x/withdrawn"
PAYLOADS = (
    '<img src=x onerror="window.__xss=1">',
    "<script>window.__xss=2</script>",
    '"><svg onload="window.__xss=3">',
    "javascript:window.__xss=4",
)
HOSTILE = " ".join(PAYLOADS)


def hostile_doc(rid: str, **fields) -> dict:
    return {
        "id": rid,
        "title": f"Telegram {HOSTILE}",
        "texts": [{"kind": "original", "html": f"<p>First text {HOSTILE}</p>"}],
        "subjects": [{"name": f"Subject {HOSTILE}", "id": "hostile-subject"}],
        **fields,
    }


def test_no_script_runs_on_the_revision_pages(live_server_url, archive, page, django_user_model):
    store = archive.store
    editor = django_user_model.objects.create_superuser("chief", "chief@example.org", "a long passphrase")
    store.save(hostile_doc(RID))
    store.save(
        hostile_doc(
            RID, title=f"Corrected {HOSTILE}", texts=[{"kind": "original", "html": f"<p>{HOSTILE} two</p>"}]
        ),
        actor=editor,
        note=f"Note {HOSTILE}",
    )
    store.save(hostile_doc(GONE))
    store.set_status(GONE, "withdrawn", actor=editor, reason=f"Reason {HOSTILE}")

    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    def visit(path: str, status: int = 200) -> None:
        response = page.goto(live_server_url + path)
        assert response is not None and response.status == status, path
        assert page.evaluate("window.__xss") is None, path

    visit(f"/records/{RID}/")
    assert "Note " + PAYLOADS[0] in page.locator("section.corrections").inner_text()  # shown as text
    visit(f"/records/{GONE}/", 410)
    assert "Reason " + PAYLOADS[0] in page.locator("article.tombstone").inner_text()

    page.goto(live_server_url + "/admin/login/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", "a long passphrase")
    page.click("input[type=submit]")
    base = f"/admin/records/record/{quote(RID)}"
    visit(f"{base}/history/")
    assert "Note " + PAYLOADS[0] in page.locator("#revision-list").inner_text()
    page.click("text=Compare the chosen revisions")
    assert page.evaluate("window.__xss") is None
    assert "Corrected " + PAYLOADS[0] in page.locator("table.revision-diff").inner_text()
    visit(f"{base}/revisions/1/revert/")
    page.fill("textarea[name=note]", f"Revert {HOSTILE}")
    page.click("input[type=submit].default")
    page.wait_for_url(f"**{base}/history/")
    assert page.evaluate("window.__xss") is None
    assert "Revert " + PAYLOADS[0] in page.locator("#revision-list").inner_text()
    assert dialogs == []
