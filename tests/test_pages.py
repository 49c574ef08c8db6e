"""Public pages: visibility decided in one place, authority pages, the demo's data on the home page."""

import datetime as dt

import pytest

from readingroom.records.models import Record
from readingroom.records.store import RecordWriter

pytestmark = pytest.mark.django_db

HIDDEN = [
    {"id": "v/draft", "title": "Draft Telegram Zebra", "status": "draft", "subjects": ["Zebra Subject"]},
    {
        "id": "v/review",
        "title": "In Review Telegram Zebra",
        "status": "in-review",
        "subjects": ["Zebra Subject"],
    },
    {
        "id": "v/withdrawn",
        "title": "Withdrawn Telegram Zebra",
        "status": "withdrawn",
        "subjects": ["Zebra Subject"],
    },
    {
        "id": "v/embargoed",
        "title": "Embargoed Telegram Zebra",
        "status": "published",
        "embargo_until": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        "subjects": ["Zebra Subject"],
    },
]
VISIBLE = [
    {
        "id": "v/public",
        "title": "Public Telegram Zebra",
        "subjects": ["Zebra Subject"],
        "date": "1968-10-15",
        "persons": ["Rusk, Dean"],
    },
    {
        "id": "v/embargo-over",
        "title": "Formerly Embargoed Telegram",
        "subjects": ["Zebra Subject"],
        "embargo_until": (dt.date.today() - dt.timedelta(days=1)).isoformat(),
    },
]


@pytest.fixture
def mixed():
    writer = RecordWriter()
    for doc in HIDDEN + VISIBLE:
        writer.save(doc)


def test_public_queryset(mixed):
    assert set(Record.objects.public().values_list("id", flat=True)) == {"v/public", "v/embargo-over"}


def test_document_rule_agrees_with_the_queryset(mixed):
    """What an import decides from a record's document (visibility.document_is_public) is what the store says."""
    from readingroom.records.visibility import document_is_public, is_public

    for record in Record.objects.all():
        assert (
            document_is_public(record.document)
            == is_public(record)
            == (record.id in {"v/public", "v/embargo-over"})
        ), record.id
    today = {"id": "v/today", "title": "Embargo ends today", "embargo_until": dt.date.today().isoformat()}
    RecordWriter().save(today)
    assert document_is_public(Record.objects.get(pk="v/today").document)
    assert Record.objects.public().filter(pk="v/today").exists()


@pytest.mark.parametrize("doc", HIDDEN, ids=lambda d: d["id"])
def test_hidden_record_pages_are_404(client, mixed, doc):
    response = client.get(f"/records/{doc['id']}/")
    assert response.status_code == 404
    assert doc["title"].encode() not in response.content


def test_hidden_records_absent_from_lists_and_counts(client, mixed):
    for url in ("/", "/records/", "/subjects/", "/subjects/zebra-subject/"):
        page = client.get(url).content.decode()
        for doc in HIDDEN:
            assert doc["title"] not in page, (url, doc["id"])
    subject_page = client.get("/subjects/zebra-subject/").content.decode()
    assert "2 published documents" in subject_page
    assert "Public Telegram Zebra" in subject_page and "Formerly Embargoed Telegram" in subject_page


def test_ids_with_slashes_and_authority_pages(client, mixed):
    page = client.get("/records/v/public/").content.decode()
    assert '<a href="/persons/rusk-dean/">Rusk, Dean</a>' in page
    person = client.get("/persons/rusk-dean/").content.decode()
    assert "Public Telegram Zebra" in person and "Rusk, Dean" in person
    assert client.get("/persons/nobody/").status_code == 404
    assert client.get("/records/v/nonexistent/").status_code == 404


def test_every_authority_kind_has_a_page(client, seed_record):
    for url, name in (
        ("/funders/henry-luce-foundation/", "Henry Luce Foundation"),
        (
            "/repositories/archive-of-the-party-central-committee-hanoi/",
            "Archive of the Party Central Committee, Hanoi",
        ),
        ("/persons/merle-pribbenow/", "Merle Pribbenow"),
    ):
        page = client.get(url).content.decode()
        assert name in page and "Secret North Vietnam Politburo Cable No. 323" in page, url


def test_merged_record_redirects(client, mixed):
    from readingroom.records.models import Redirect

    Redirect.objects.create(old_id="v/old", new_id="v/public")
    response = client.get("/records/v/old/")
    assert response.status_code == 301 and response["Location"] == "/records/v/public/"


def test_demo_data_shows_on_home_page(client, db, archive):
    from readingroom import demo

    loaded = demo.load(archive)
    assert loaded >= 249
    home = client.get("/").content.decode()
    count = Record.objects.public().count()
    assert f"{count} published documents" in home
    assert "Presidential Annual Messages and State of the Union Addresses" in home
    rec = client.get("/records/sotu/1790-Washington-1/").content.decode()
    assert "George Washington" in rec and "January 8, 1790" in rec
    assert "I embrace with great satisfaction the opportunity" in rec


def test_error_page_escapes_and_is_html(client, db):
    response = client.get("/records/<script>alert(1)</script>/")
    assert response.status_code == 404
    assert b"<script>alert(1)</script>" not in response.content


def test_media_served_only_while_public(client, settings, tmp_path):
    import hashlib

    settings.MEDIA_ROOT = str(tmp_path)
    (tmp_path / "v").mkdir()
    scan = tmp_path / "v" / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 scan")
    digest = hashlib.sha256(scan.read_bytes()).hexdigest()
    (tmp_path / "secret.pdf").write_bytes(b"%PDF-1.4 not linked to any record")
    writer = RecordWriter()
    media = [{"path": "v/scan.pdf", "mime_type": "application/pdf", "sha256": digest, "label": "Scan"}]
    writer.save({"id": "v/m", "title": "With a scan", "media": media})
    response = client.get("/media/v/scan.pdf")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 scan"
    assert response["Digest"] == f"sha-256={digest}"
    assert 'href="/media/v/scan.pdf"' in client.get("/records/v/m/").content.decode()
    assert client.get("/media/secret.pdf").status_code == 404
    assert client.get("/media/../../etc/passwd").status_code == 404
    writer.save({"id": "v/m", "title": "With a scan", "media": media, "status": "withdrawn"})
    assert client.get("/media/v/scan.pdf").status_code == 404


def test_media_path_must_stay_inside(db):
    from readingroom.records.schema import RecordError

    with pytest.raises(RecordError, match="relative path inside the media folder"):
        RecordWriter().save({"id": "v/x", "title": "x", "media": [{"path": "../etc/passwd"}]})


def test_merge_records_redirects_old_id(client, mixed):
    from readingroom.cli import main
    from readingroom.records.models import Redirect

    RecordWriter().save({"id": "v/dup", "title": "Duplicate", "relations": [{"target": "v/dup"}]})
    RecordWriter().save(
        {"id": "v/cites-dup", "title": "Cites", "relations": [{"type": "cites", "target": "v/dup"}]}
    )
    assert main(["merge", "v/dup", "v/public"]) == 0
    response = client.get("/records/v/dup/")
    assert response.status_code == 301 and response["Location"] == "/records/v/public/"
    assert Redirect.objects.get(old_id="v/dup").new_id == "v/public"
    assert Record.objects.get(pk="v/cites-dup").relations.get().target_id == "v/public"
    assert main(["merge", "v/nothing", "v/public"]) == 1


def test_permalinks_follow_the_request_or_the_configured_base_url(seed_record, client, archive, settings):
    from dataclasses import replace

    settings.ALLOWED_HOSTS = ["archive.example.org", "testserver"]
    url = f"/records/{seed_record.pk}/"
    page = client.get(url, HTTP_HOST="archive.example.org:8801").content.decode()
    assert f'<link rel="canonical" href="http://archive.example.org:8801{url}">' in page
    assert "127.0.0.1:8000" not in page
    archive.settings = replace(archive.settings, base_url="https://records.example.org/")
    page = client.get(url).content.decode()
    assert f'<link rel="canonical" href="https://records.example.org{url}">' in page


def test_every_page_names_a_favicon_that_is_served(client, db):
    import re

    html = client.get("/").content.decode()
    href = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html).group(1)
    response = client.get(href)
    assert response.status_code == 200 and response["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in b"".join(response.streaming_content)
