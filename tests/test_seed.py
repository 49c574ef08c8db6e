"""The Wilson Center DA record page of the seed: every value on the stored record and on its page."""

import json
import re

import pytest

from readingroom.records.models import Authority

from .conftest import SEED

pytestmark = pytest.mark.django_db


def test_seed_record_fields(seed_record):
    doc = seed_record.document
    assert doc["title"] == "Secret North Vietnam Politburo Cable No. 323"
    assert doc["date_text"] == "October 15, 1968"
    assert (doc["date"], doc["date_earliest"], doc["date_latest"]) == (
        "1968-10-15",
        "1968-10-15",
        "1968-10-15",
    )
    assert doc["date_precision"] == "day" and doc["date_certainty"] == "stated"
    assert doc["classification"] == ["Secret"]
    assert doc["funder_credit"] == "This document was made possible with support from Henry Luce Foundation"
    assert [f["name"] for f in doc["funders"]] == ["Henry Luce Foundation"]
    html = doc["texts"][0]["html"]
    for bracket in ("[private]", "[…]", "[Tran Buu]", "[Alliance of National, Democratic, and Peace Forces]"):
        assert f'<span class="editorial">{bracket}</span>' in html
    assert html.startswith("<p>I. In Paris, in parallel with the public struggle")
    assert "maintain excellent relations with the members of the Alliance.</p>" in html
    assert html.count("<p>") == 9
    assert doc["signature"] == "[signed] The Politburo"
    assert doc["summary"].startswith("The Vietnamese Politburo informs COSVN")
    assert doc["summary"].endswith("should not be involved in the talks.")
    assert doc["repository"]["name"] == "Archive of the Party Central Committee, Hanoi"
    assert (
        doc["source_description"]
        == "Archive of the Party Central Committee, Hanoi. Translated for CWIHP by Merle Pribbenow."
    )
    assert doc["contributors"] == [
        {
            "kind": "person",
            "id": "merle-pribbenow",
            "name": "Merle Pribbenow",
            "role": "translator",
            "for": "CWIHP",
        }
    ]
    assert doc["texts"][0]["kind"] == "translation"
    assert doc["texts"][0]["translator"]["name"] == "Merle Pribbenow"
    assert doc["rights"]["statement"].startswith("The History and Public Policy Program welcomes reuse")
    assert "request permission for commercial use" in doc["rights"]["statement"]
    # Cloudflare's e-mail hiding left "[email protected]" in the capture: the address is lost, and said so.
    assert doc["rights"]["statement"].endswith("Program at [e-mail address hidden in the source capture].")
    assert "protected]" not in json.dumps(doc)
    # A translation whose original's language the capture does not name: not claimed to be English.
    assert doc["languages"] == [] and doc["texts"][0]["language"] == "eng"
    # Lost in the capture: not invented.
    assert doc["places"] == [] and doc["subjects"] == []
    assert doc["original_uploaded"] is None
    assert "source_record_id" not in doc["extra"]
    assert seed_record.status == "published"


def test_seed_missing_values_are_reported(import_files):
    report = import_files(SEED)
    fields = {n.field for n in report.files[0].notices}
    # The capture lost the original's language too: reported, not guessed (it used to be claimed English).
    assert fields == {"places", "subjects", "original_uploaded", "id", "languages"}
    assert report.ok


def test_translator_links_to_person_authority(seed_record):
    person = Authority.objects.get(kind="person", key="merle-pribbenow")
    assert person.links.filter(record=seed_record, role="translator").exists()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_seed_page_shows_every_value_in_order(client, seed_record):
    response = client.get(f"/records/{seed_record.id}/")
    assert response.status_code == 200
    page = response.content.decode()
    order = [
        '<time datetime="1968-10-15" title="Normalized date (EDTF): 1968-10-15">October 15, 1968</time>',
        '<h1 class="record-title">Secret North Vietnam Politburo Cable No. 323</h1>',
        '<span class="marking">Secret</span>',
        "This document was made possible with support from Henry Luce Foundation",
        # The summary where a reader sees it first, before the text (the Wilson page puts it after).
        "The Vietnamese Politburo informs COSVN",
        "Translated into English; the source does not name the original's language.",
        'backstage <span class="editorial">[private]</span> probes',
        '<span class="editorial">[Tran Buu]</span> Kiem',
        '<p class="signature">[signed] The Politburo</p>',
        "Document Information",
        "Archive of the Party Central Committee, Hanoi",
        '<a href="/persons/merle-pribbenow/">Merle Pribbenow</a>',
        "welcomes reuse of Digital Archive materials",
        "Permalink",
    ]
    body = page[page.index("<main") :]  # the head repeats some values as metadata (citation_*, DC.*, JSON-LD)
    positions = [body.find(s) for s in order]
    assert all(p >= 0 for p in positions), [s for s, p in zip(order, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    # Sections without a value are left out, never shown as empty headings.
    for heading in ("Associated Places", "Subjects Discussed", "Original Uploaded Date", "Record ID"):
        assert heading not in page
    assert f"/records/{seed_record.id}/" in page
    assert "1968-10-15" in page
    # Printed once each: the date as written, the signature (the text body has none of its own).
    record = body[: body.index('<section class="cite"')]  # citations repeat the date, as citations must
    assert record.count("October 15, 1968") == 1
    assert record.count("[signed] The Politburo") == 1
    # Not "Languages: English": the text is an English translation of an original the capture does not name.
    assert '<dt>Text</dt><dd class="text-languages">Translation (English)</dd>' in body
    assert '<section class="text text-translation" lang="en" data-language="eng">' in body
    assert "<dt>Languages</dt>" not in page
    assert "protected]" not in page


def test_html_capture_imports_the_same(import_files, tmp_path):
    from readingroom.records.models import Record

    lines = [line.strip() for line in SEED.read_text().splitlines() if line.strip()]
    from html import escape

    body = "".join(
        f"<h2>{escape(line)}</h2>"
        if line
        in (
            "Associated Places",
            "Subjects Discussed",
            "Document Information",
            "Original Uploaded Date",
            "Record ID",
        )
        else f"<p>{escape(line)}</p>"
        for line in lines
    )
    page = tmp_path / "record.html"
    page.write_text(
        f"<!doctype html><html><head><title>x</title><script>alert(1)</script></head>"
        f"<body><nav><a>Menu</a></nav>{body}</body></html>"
    )
    report = import_files(page)
    assert report.files[0].error is None
    rec = Record.objects.get()
    assert rec.title == "Secret North Vietnam Politburo Cable No. 323"
    assert rec.document["signature"] == "[signed] The Politburo"
    assert rec.document["repository"]["name"] == "Archive of the Party Central Committee, Hanoi"
    assert "alert" not in rec.document["texts"][0]["html"]


def test_reimport_unchanged_changes_nothing(import_files, seed_record):
    before = (seed_record.created, seed_record.updated, seed_record.first_published, seed_record.content_hash)
    report = import_files(SEED)
    assert report.files[0].unchanged == 1 and report.files[0].created == 0
    seed_record.refresh_from_db()
    assert (
        seed_record.created,
        seed_record.updated,
        seed_record.first_published,
        seed_record.content_hash,
    ) == before


def test_reimport_changed_updates_same_record(import_files, seed_record, tmp_path):
    from readingroom.records.models import Record

    changed = tmp_path / "seed.txt"
    changed.write_text(SEED.read_text().replace("lofty attitude", "lofty and firm attitude"))
    report = import_files(changed)
    assert report.files[0].updated == 1
    rec = Record.objects.get()
    assert rec.pk == seed_record.pk
    assert "lofty and firm attitude" in rec.document["texts"][0]["html"]
    assert rec.created == seed_record.created and rec.updated > seed_record.updated
