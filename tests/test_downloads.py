"""A record to keep (web/downloads.py): its PDF, plain text and JSON, linked from its page, of public records only."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.urls import reverse

from readingroom.records.models import Record
from readingroom.records.services import export_document

DATA = Path(__file__).resolve().parent / "data"


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def _get(client, record_id: str, name: str):
    return client.get(reverse("record-subresource", kwargs={"record_id": record_id, "name": name}))


def test_the_page_links_its_files_and_each_says_what_the_page_says(client, seed_record):
    page = client.get(reverse("record", args=[seed_record.pk])).content.decode()
    for name in ("record.pdf", "record.txt", "record.json"):
        assert f'href="/records/{seed_record.pk}/@{name}"' in page

    text = _get(client, seed_record.pk, "record.txt")
    assert text.status_code == 200 and text["Content-Type"] == "text/plain; charset=utf-8"
    assert text["Content-Disposition"] == f'attachment; filename="{seed_record.pk}.txt"'
    body = text.content.decode()
    lines = body.splitlines()
    assert lines[0] == "Secret North Vietnam Politburo Cable No. 323" and set(lines[1]) == {"="}
    assert "October 15, 1968 (1968-10-15)" in lines
    assert body.index("Summary") < body.index("In Paris, in parallel with the public struggle")
    assert "[private]" in body  # the editorial brackets, verbatim
    assert "[email protected]" not in body and "[e-mail address hidden in the source capture]" in body
    assert "Translator: Merle Pribbenow" in body
    assert f"http://testserver/records/{seed_record.pk}/ (from Readingroom, downloaded " in body
    assert "Secret North Vietnam Politburo Cable No. 323" in body.split("Cite as")[1]  # the Chicago citation

    pdf = _get(client, seed_record.pk, "record.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    words = " ".join(_pdf_text(pdf.content).split())
    assert "Secret North Vietnam Politburo Cable No. 323" in words
    assert (
        "In Paris, in parallel with the public struggle we have also conducted backstage [private] probes"
        in words
    )
    assert f"http://testserver/records/{seed_record.pk}/ page 1 of" in words  # the footer

    data = _get(client, seed_record.pk, "record.json")
    assert data.status_code == 200 and data["Content-Type"] == "application/json"
    assert json.loads(data.content) == export_document(Record.objects.get(pk=seed_record.pk))


def test_a_pdf_sets_cyrillic_and_leaves_out_what_the_public_may_not_see(client, import_files, archive):
    report = import_files(DATA / "da" / "page-999001.json", DATA / "da" / "114010.json")
    assert all(f.error is None for f in report.files)
    doc = archive.store.document("999001")
    archive.store.save({**doc, "relations": [*doc["relations"], {"type": "related", "target": "draft/x"}]})
    archive.store.save({"id": "draft/x", "title": "A draft it points to", "status": "draft"})
    original = next(t for t in doc["texts"] if t.get("language") == "rus")
    first_words = " ".join(original["html"].split("<p>")[1].split("</p>")[0].split()[:3])
    assert any("\u0400" <= c <= "\u04ff" for c in first_words)

    words = " ".join(_pdf_text(_get(client, "999001", "record.pdf").content).split())
    assert first_words in words
    exported = json.loads(_get(client, "999001", "record.json").content)
    assert "draft/x" not in {r["target"] for r in exported["relations"]}
    assert "draft/x" not in _get(client, "999001", "record.txt").content.decode()


@pytest.mark.parametrize("name", ["record.pdf", "record.txt", "record.json"])
def test_no_file_of_a_record_the_public_may_not_see(client, archive, db, name):
    archive.store.save({"id": "draft/secret", "title": "Not yet", "status": "draft", "text": "Secret words"})
    assert _get(client, "draft/secret", name).status_code == 404
    assert _get(client, "no/such", name).status_code == 404
    assert _get(client, "draft/secret", "record.docx").status_code == 404


def test_pages_go_compressed_to_clients_that_accept_it(client, seed_record):
    import gzip

    url = reverse("record", args=[seed_record.pk])
    plain = client.get(url)
    packed = client.get(url, headers={"accept-encoding": "gzip"})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain and packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) / 2
