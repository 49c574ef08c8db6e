"""IIIF: level 0 tiles made with Pillow, a Presentation 3 manifest per public record with scans, both checked by
the validators (iiif-prezi3's model, iiif-validator against a live server), and nothing for a hidden record."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from PIL import Image

from readingroom.cli import main
from readingroom.iiif.images import TileStore, image_id, info_json, scale_factors, tiles

pytestmark = pytest.mark.django_db

FUTURE = (dt.date.today() + dt.timedelta(days=30)).isoformat()
HIDDEN = {
    "draft": {"status": "draft"},
    "in-review": {"status": "in-review"},
    "embargoed": {"embargo_until": FUTURE},
    "withdrawn": {"status": "withdrawn"},
}


def make_image(path, size, color="navy", fmt=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 50):  # some structure, so that a wrong crop shows
        image.paste("gold", (x, 0, x + 10, size[1]))
    image.save(path, fmt)
    return path


@pytest.fixture
def scans(archive, settings):
    """A public record with two scans and a PDF, a record without scans, and a hidden record of each kind with
    a scan of its own; tiles made for every scan (as the store's hook would, whatever the status)."""
    media = archive.settings.media_path
    settings.MEDIA_ROOT = str(media)  # /media/ serves the same folder
    make_image(media / "p" / "page-1.jpg", (400, 300))
    make_image(media / "p" / "page-2.png", (300, 520), "darkred")
    (media / "p" / "letter.pdf").write_bytes(b"%PDF-1.4")
    archive.store.save(
        {
            "id": "p/public",
            "title": "A Letter With Scans",
            "date": "1968-10-15",
            "summary": "Two pages.",
            "creators": ["Rusk, Dean"],
            "rights": {
                "statement": "No known copyright.",
                "uri": "http://rightsstatements.org/vocab/NKC/1.0/",
            },
            "media": [
                {"path": "p/page-1.jpg", "label": "Page 1"},
                {"path": "p/page-2.png", "label": "Page 2", "mime_type": "image/png"},
                {"path": "p/letter.pdf", "mime_type": "application/pdf"},
            ],
        }
    )
    archive.store.save({"id": "p/plain", "title": "No Scans", "media": [{"path": "p/letter.pdf"}]})
    for name, fields in HIDDEN.items():
        make_image(media / "h" / f"{name}.jpg", (200, 200))
        archive.store.save(
            {"id": f"h/{name}", "title": f"Hidden {name}", "media": [{"path": f"h/{name}.jpg"}], **fields}
        )
    report = TileStore.of(archive.settings).for_records(["p/public", "p/plain", *(f"h/{n}" for n in HIDDEN)])
    assert (report.made, report.failed) == (2 + len(HIDDEN), [])
    return archive


# -- tiles -------------------------------------------------------------------------------------------------------


def test_tile_plan():
    assert (
        scale_factors(400, 300) == [1, 2]
        and scale_factors(256, 256) == [1]
        and scale_factors(257, 1) == [1, 2]
    )
    plan = tiles(400, 300)
    assert [(t.region, t.size, t.factor) for t in plan] == [
        ("0,0,256,256", (256, 256), 1),
        ("256,0,144,256", (144, 256), 1),
        ("0,256,256,44", (256, 44), 1),
        ("256,256,144,44", (144, 44), 1),
        ("full", (200, 150), 2),
    ]
    info = info_json(1001, 300)
    assert info["sizes"] == [
        {"width": 251, "height": 75},
        {"width": 501, "height": 150},
        {"width": 1001, "height": 300},
    ]
    assert info["tiles"] == [{"width": 256, "height": 256, "scaleFactors": [1, 2, 4]}]
    assert info["profile"] == "level0" and info["type"] == "ImageService3"


def test_tiles_on_disk_are_what_info_json_lists(scans):
    store = TileStore.of(scans.settings)
    folder = scans.settings.iiif_path / image_id("p/page-2.png")
    info = json.loads((folder / "info.json").read_text())
    assert (info["width"], info["height"]) == (300, 520)
    for size in info["sizes"]:
        with Image.open(folder / "full" / f"{size['width']},{size['height']}" / "0" / "default.jpg") as im:
            assert im.size == (size["width"], size["height"]) and im.format == "JPEG"
    for tile in tiles(300, 520):
        with Image.open(folder / tile.region / f"{tile.size[0]},{tile.size[1]}" / "0" / "default.jpg") as im:
            assert im.size == tile.size
    assert json.loads((folder / "source.json").read_text())["path"] == "p/page-2.png"
    assert store.info("p/page-2.png") == info
    assert store.update(["p/page-1.jpg", "p/page-2.png"]).fresh == 2  # made once


def test_a_changed_file_gets_new_tiles(scans):
    store = TileStore.of(scans.settings)
    make_image(scans.settings.media_path / "p" / "page-1.jpg", (500, 100))
    assert store.info("p/page-1.jpg") is None  # older than its file
    assert store.for_records(["p/public"]).made == 1
    assert (store.info("p/page-1.jpg") or {})["width"] == 500


def test_unreadable_image_is_reported_and_others_go_on(archive):
    media = archive.settings.media_path
    make_image(media / "ok.jpg", (10, 10))
    (media / "broken.jpg").write_bytes(b"not a jpeg")
    report = TileStore.of(archive.settings).update(["broken.jpg", "ok.jpg", "missing.jpg"])
    assert report.made == 1 and [f.split(":")[0] for f in report.failed] == ["broken.jpg", "missing.jpg"]


def test_modes_jpeg_cannot_hold_are_converted(archive):
    media = archive.settings.media_path
    media.mkdir(parents=True)
    Image.new("RGBA", (20, 10), (255, 0, 0, 0)).save(media / "clear.png")
    Image.new("I;16", (20, 10), 40000).save(media / "grey16.png")
    Image.new("P", (20, 10)).save(media / "palette.gif")
    store = TileStore.of(archive.settings)
    assert store.update(["clear.png", "grey16.png", "palette.gif"]).made == 3
    with Image.open(store.root / image_id("clear.png") / "full" / "20,10" / "0" / "default.jpg") as im:
        assert im.getpixel((5, 5)) == (255, 255, 255)  # transparency onto white
    with Image.open(store.root / image_id("grey16.png") / "full" / "20,10" / "0" / "default.jpg") as im:
        assert im.mode == "L" and abs(im.getpixel((5, 5)) - 156) <= 2


def test_exif_orientation_is_applied(archive):
    media = archive.settings.media_path
    media.mkdir(parents=True)
    image = Image.new("RGB", (40, 10), "white")
    exif = image.getexif()
    exif[0x0112] = 6  # shown turned a quarter
    image.save(media / "turned.jpg", exif=exif)
    store = TileStore.of(archive.settings)
    store.update(["turned.jpg"])
    assert ((store.info("turned.jpg") or {})["width"], (store.info("turned.jpg") or {})["height"]) == (10, 40)


# -- the manifest ------------------------------------------------------------------------------------------------


def test_manifest_is_valid_presentation_3(client, scans):
    from iiif_prezi3 import Manifest

    response = client.get("/records/p/public/@manifest.json")
    assert response.status_code == 200
    assert response["Content-Type"] == (
        'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'
    )
    assert response["Access-Control-Allow-Origin"] == "*"
    data = json.loads(response.content)
    Manifest(**data)  # iiif-prezi3's model: raises on anything Presentation 3 does not allow
    assert data["@context"] == "http://iiif.io/api/presentation/3/context.json"
    assert data["id"] == "http://testserver/records/p/public/@manifest.json"
    assert data["label"] == {"none": ["A Letter With Scans"]}
    assert data["rights"] == "http://rightsstatements.org/vocab/NKC/1.0/"
    assert data["requiredStatement"]["value"] == {"none": ["No known copyright."]}
    assert data["homepage"][0]["id"] == "http://testserver/records/p/public/"
    assert {"label": {"en": ["Creator"]}, "value": {"none": ["Rusk, Dean"]}} in data["metadata"]
    canvases = data["items"]
    assert [(c["label"], c["width"], c["height"]) for c in canvases] == [
        ({"none": ["Page 1"]}, 400, 300),
        ({"none": ["Page 2"]}, 300, 520),
    ]
    for canvas, path in zip(canvases, ("p/page-1.jpg", "p/page-2.png"), strict=True):
        annotation = canvas["items"][0]["items"][0]
        assert annotation["motivation"] == "painting" and annotation["target"] == canvas["id"]
        body = annotation["body"]
        service = f"http://testserver/iiif/{image_id(path)}"
        assert body["service"] == [{"id": service, "type": "ImageService3", "profile": "level0"}]
        assert body["id"] == f"{service}/full/max/0/default.jpg"
        assert (body["width"], body["height"]) == (canvas["width"], canvas["height"])
        image = client.get(body["id"].removeprefix("http://testserver"))
        assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
        with Image.open(io.BytesIO(b"".join(image.streaming_content))) as im:
            assert im.size == (canvas["width"], canvas["height"])
    thumbnail = data["thumbnail"][0]
    assert (thumbnail["width"], thumbnail["height"]) == (200, 150)
    assert client.get(thumbnail["id"].removeprefix("http://testserver")).status_code == 200


def test_manifest_before_tiles_paints_the_files(client, scans):
    import shutil

    from iiif_prezi3 import Manifest

    shutil.rmtree(scans.settings.iiif_path)
    data = json.loads(client.get("/records/p/public/@manifest.json").content)
    Manifest(**data)
    bodies = [c["items"][0]["items"][0]["body"] for c in data["items"]]
    assert [(b["id"], b["format"], b["width"], b["height"]) for b in bodies] == [
        ("http://testserver/media/p/page-1.jpg", "image/jpeg", 400, 300),
        ("http://testserver/media/p/page-2.png", "image/png", 300, 520),
    ]
    assert all("service" not in b for b in bodies) and "thumbnail" not in data
    assert client.get("/media/p/page-1.jpg").status_code == 200


def test_manifest_ids_follow_the_base_url(client, scans, settings):
    from dataclasses import replace

    scans.settings = replace(scans.settings, base_url="https://archive.example.org")
    data = json.loads(client.get("/records/p/public/@manifest.json").content)
    assert data["id"] == "https://archive.example.org/records/p/public/@manifest.json"
    service = data["items"][0]["items"][0]["items"][0]["body"]["service"][0]["id"]
    assert service.startswith("https://archive.example.org/iiif/")
    info = json.loads(client.get(f"/iiif/{image_id('p/page-1.jpg')}/info.json").content)
    assert info["id"] == service


def test_record_page_links_its_manifest(client, scans):
    html = client.get("/records/p/public/").content.decode()
    assert (
        '<link rel="alternate" type="application/ld+json;profile=&quot;http://iiif.io/api/presentation/3/'
        'context.json&quot;" href="/records/p/public/@manifest.json" title="IIIF manifest">'
    ) in html
    assert '<a href="/records/p/public/@manifest.json" type="application/ld+json">IIIF manifest</a>' in html
    plain = client.get("/records/p/plain/").content.decode()
    assert "@manifest.json" not in plain and "IIIF" not in plain
    assert client.get("/records/p/plain/@manifest.json").status_code == 404  # no scans, no manifest


# -- the image service -------------------------------------------------------------------------------------------


def test_info_json(client, scans):
    image = image_id("p/page-1.jpg")
    response = client.get(f"/iiif/{image}/info.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    info = json.loads(response.content)
    assert info["id"] == f"http://testserver/iiif/{image}" and info["profile"] == "level0"
    assert (info["width"], info["height"]) == (400, 300)
    as_ld = client.get(f"/iiif/{image}/info.json", HTTP_ACCEPT="application/ld+json")
    assert as_ld["Content-Type"] == 'application/ld+json;profile="http://iiif.io/api/image/3/context.json"'
    base = client.get(f"/iiif/{image}")
    assert base.status_code == 302 and base["Location"] == f"/iiif/{image}/info.json"


@pytest.mark.parametrize(
    "request_path, size",
    [
        ("full/max/0/default.jpg", (400, 300)),
        ("full/400,300/0/default.jpg", (400, 300)),
        ("full/200,150/0/default.jpg", (200, 150)),
        ("full/200,/0/default.jpg", (200, 150)),
        ("0,0,256,256/256,256/0/default.jpg", (256, 256)),
        ("0,0,256,256/max/0/default.jpg", (256, 256)),
        ("256,256,144,44/144,44/0/default.jpg", (144, 44)),
    ],
)
def test_level0_image_requests(client, scans, request_path, size):
    response = client.get(f"/iiif/{image_id('p/page-1.jpg')}/{request_path}")
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as im:
        assert im.size == size and im.format == "JPEG"
    again = client.get(
        f"/iiif/{image_id('p/page-1.jpg')}/{request_path}", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]
    )
    assert again.status_code == 304


@pytest.mark.parametrize(
    "request_path",
    [
        "full/max/90/default.jpg",  # level 0: no rotation
        "full/max/0/gray.jpg",
        "full/max/0/default.png",
        "full/123,45/0/default.jpg",  # a size info.json does not list
        "0,0,100,100/100,100/0/default.jpg",  # a region that is not a tile
        "full/pct:50/0/default.jpg",
        "..%2F..%2F/max/0/default.jpg",
        "full/..,../0/default.jpg",
    ],
)
def test_requests_level0_cannot_answer_are_404(client, scans, request_path):
    assert client.get(f"/iiif/{image_id('p/page-1.jpg')}/{request_path}").status_code == 404


def test_unknown_and_malformed_image_ids_are_404(client, scans):
    for image in ("0" * 32, "not-an-id", "..", image_id("p/letter.pdf")):
        assert client.get(f"/iiif/{image}/info.json").status_code == 404
        assert client.get(f"/iiif/{image}/full/max/0/default.jpg").status_code == 404


# -- hidden records: no manifest, no tiles -----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(HIDDEN))
def test_hidden_records_have_no_manifest_and_no_images(client, scans, name):
    image = image_id(f"h/{name}.jpg")
    assert (scans.settings.iiif_path / image / "info.json").exists()  # made, ready for publication
    assert client.get(f"/records/h/{name}/@manifest.json").status_code == 404
    assert client.get(f"/iiif/{image}").status_code == 404
    assert client.get(f"/iiif/{image}/info.json").status_code == 404
    assert client.get(f"/iiif/{image}/full/max/0/default.jpg").status_code == 404
    assert client.get(f"/iiif/{image}/full/200,200/0/default.jpg").status_code == 404
    page = client.get(f"/records/h/{name}/")
    assert page.status_code == 404 and b"manifest" not in page.content


def test_withdrawing_a_record_closes_its_images(client, scans):
    image = image_id("p/page-1.jpg")
    assert client.get(f"/iiif/{image}/info.json").status_code == 200
    scans.store.set_status("p/public", "withdrawn", reason="a test")
    assert client.get("/records/p/public/@manifest.json").status_code == 404
    assert client.get(f"/iiif/{image}/info.json").status_code == 404
    assert client.get(f"/iiif/{image}/full/max/0/default.jpg").status_code == 404
    scans.store.set_status("p/public", "published", embargo_until=dt.date.today() + dt.timedelta(days=1))
    assert client.get(f"/iiif/{image}/full/max/0/default.jpg").status_code == 404
    scans.store.set_status("p/public", "published", embargo_until=None)
    assert client.get(f"/iiif/{image}/full/max/0/default.jpg").status_code == 200


def test_a_file_shared_with_a_hidden_record_is_served_for_the_public_one(client, scans):
    """As /media/ does: a file is served while a public record lists it."""
    scans.store.save(
        {"id": "h/copy", "title": "Draft copy", "status": "draft", "media": [{"path": "p/page-1.jpg"}]}
    )
    assert client.get(f"/iiif/{image_id('p/page-1.jpg')}/info.json").status_code == 200
    assert client.get("/records/h/copy/@manifest.json").status_code == 404


# -- commands ----------------------------------------------------------------------------------------------------


def test_import_and_the_iiif_command_make_tiles(archive, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("READINGROOM_HOME", str(archive.home))
    media = archive.settings.media_path
    make_image(media / "c" / "one.jpg", (300, 300))
    source = tmp_path / "records.jsonl"
    source.write_text(json.dumps({"id": "c/1", "title": "Imported", "media": [{"path": "c/one.jpg"}]}) + "\n")
    assert main(["import", "--quiet", str(source)]) == 0
    assert "iiif: tiles made for 1 images, 0 up to date" in capsys.readouterr().err
    store = TileStore.of(archive.settings)
    assert store.info("c/one.jpg") is not None
    assert main(["iiif", "--quiet"]) == 0
    assert "iiif: tiles made for 0 images, 1 up to date" in capsys.readouterr().err
    assert main(["iiif", "--quiet", "--again"]) == 0
    assert "iiif: tiles made for 1 images, 0 up to date" in capsys.readouterr().err
    archive.store.save({"id": "c/1", "title": "Imported", "media": []})
    assert main(["iiif", "--quiet", "--prune"]) == 0
    assert "removed the tiles of 1 images no record lists" in capsys.readouterr().err
    assert not (store.root / image_id("c/one.jpg")).exists()


# -- the IIIF Image API validator, against a live server ---------------------------------------------------------


def test_iiif_image_api_validator(live_server_url, archive, settings):
    """iiif-validator's level 0 tests (and CORS, JSON-LD, base URI redirect, unknown id) on the validator's own
    test pattern, drawn here: 10 x 10 squares of its colours on a 1000 px image."""
    from urllib.parse import urlsplit

    from iiif_validator.validator import ImageAPI, TestSuite, ValidationInfo

    info = ValidationInfo()
    pattern = Image.new("RGB", (1000, 1000))
    for x in range(10):
        for y in range(10):
            pattern.paste(info.colorInfo[x][y], (x * 100, y * 100, x * 100 + 100, y * 100 + 100))
    media = archive.settings.media_path
    media.mkdir(parents=True)
    pattern.save(media / "pattern.png")
    archive.store.save({"id": "v/pattern", "title": "Test pattern", "media": [{"path": "pattern.png"}]})
    TileStore.of(archive.settings).for_records(["v/pattern"])

    suite = TestSuite(info)
    server = urlsplit(live_server_url).netloc
    failures, passed = {}, {}
    tests = ["info_json", "id_basic", "id_squares", "format_jpg", "size_nofull", "cors", "jsonld"]
    tests += ["baseurl_redirect", "id_error_random"]
    for name in tests:
        result = ImageAPI(image_id("pattern.png"), server, prefix="iiif", version="3.0", debug=False)
        suite.run_test(name, result)
        if result.exception is not None:
            failures[name] = str(result.exception)
        else:
            passed[name] = result.tests
    assert failures == {}
    squares = [t for t in passed["id_squares"] if t.endswith(("True", "False"))]
    assert len(squares) == 5 and sum(t.endswith("True") for t in squares) >= 4  # the colours of the pattern
    assert "profile-compliance" in passed["info_json"] and "CORS" in passed["cors"]
    archive.store.set_status("v/pattern", "draft")
    result = ImageAPI(image_id("pattern.png"), server, prefix="iiif", version="3.0", debug=False)
    suite.run_test("info_json", result)
    assert result.exception is not None and result.last_status == 404
