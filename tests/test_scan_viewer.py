"""The scan viewer (web/scanviewer.py, docs/iiif.md): each scan a page with an anchor on the record page and a
page of its own at /records/<id>/@scans/<n>/, shown at the sizes the level 0 image service lists, with zoom steps,
previous and next pages as plain links; nothing of a record the public may not see."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser

import pytest
from PIL import Image

from readingroom.iiif.images import image_id
from readingroom.iiif.pages import ScanPage, printed_pages
from readingroom.records.errors import NotFound

from .test_iiif import HIDDEN, make_image, scans  # noqa: F401 - the IIIF suite's archive with scans

pytestmark = pytest.mark.django_db

BOOK = "/records/p/book/"
PAGES = [("p/book/211.jpg", "Page 211", (1200, 1600)), ("p/book/212.jpg", "p. 212", (900, 1300))]
PAGES += [("p/book/plate.png", "Plate", (700, 500))]


@pytest.fixture
def book(scans):  # noqa: F811 - the imported fixture, used by name
    """The IIIF suite's archive and a public record of three scans whose text has page breaks: two of them name
    a scan's label (211, 212), one names no scan (999)."""
    from readingroom.iiif.images import TileStore

    media = scans.settings.media_path
    for path, _, size in PAGES:
        make_image(media / path, size)
    scans.store.save(
        {
            "id": "p/book",
            "title": "A Volume With Pages",
            "texts": [
                {
                    "html": '<p>The first page. <span class="pb" data-page="211">[Page 211]</span> The second. '
                    '<span class="pb" data-page="212">[Page 212]</span> And <span class="pb" data-page="999">'
                    "[Page 999]</span> a page without a scan.</p>"
                }
            ],
            "media": [{"path": path, "label": label} for path, label, _ in PAGES],
        }
    )
    assert TileStore.of(scans.settings).for_records(["p/book"]).made == 3
    return scans


class Links(HTMLParser):
    """Every address a page prints: links (href) and images (src, each srcset entry), with their tags."""

    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.images: list[str] = []
        self.ids: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        if tag in ("a", "link") and a.get("href"):
            self.hrefs.append(a["href"])
            if a.get("aria-current"):
                self.current.append(a["href"])
        if tag == "img":
            self.images.append(a["src"])
            # A srcset entry is a URL and a width; the URLs hold commas ("full/450,650/..."), never ", ".
            self.images += [entry.split()[0] for entry in re.split(r",\s+", a.get("srcset") or "") if entry]


def parsed(html: str) -> Links:
    links = Links()
    links.feed(html)
    return links


def info_of(client, path: str) -> dict:
    return json.loads(client.get(f"/iiif/{image_id(path)}/info.json").content)


def assert_listed(client, url: str) -> None:
    """The image answers, and its size is one its info.json lists (the viewer never asks for another)."""
    m = re.fullmatch(r"/iiif/([0-9a-f]{32})/full/(\d+),(\d+)/0/default\.jpg", url)
    assert m, url
    info = json.loads(client.get(f"/iiif/{m[1]}/info.json").content)
    assert {"width": int(m[2]), "height": int(m[3])} in info["sizes"], url
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg", url
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as im:
        assert im.size == (int(m[2]), int(m[3]))


# -- the record page: anchors and the page list ------------------------------------------------------------------


def test_record_page_gives_each_scan_an_anchor_and_a_pager(client, book):
    html = client.get(BOOK).content.decode()
    aside = re.search(r'<aside class="files".*?</aside>', html, re.S).group(0)
    index = re.search(r'<nav class="scan-index" aria-label="Scan pages">.*?</nav>', aside, re.S).group(0)
    assert re.findall(r'href="([^"]+)"', index) == ["#page-1", "#page-2", "#page-3"]
    figures = re.findall(r'<figure class="scan" id="(page-\d)">(.*?)</figure>', aside, re.S)
    assert [f[0] for f in figures] == ["page-1", "page-2", "page-3"]
    for n, (anchor, figure) in enumerate(figures, 1):
        assert anchor == f"page-{n}"
        assert f"Page {n} of 3" in figure
        assert f'href="{BOOK}@scans/{n}/"' in figure  # the thumbnail and the label lead to the viewer
        previous = re.search(r'class="scan-previous" href="([^"]+)"', figure)
        following = re.search(r'class="scan-next" href="([^"]+)"', figure)
        assert (previous and previous[1]) == (f"#page-{n - 1}" if n > 1 else None)
        assert (following and following[1]) == (f"#page-{n + 1}" if n < 3 else None)
    links = parsed(html)
    for href in links.hrefs:
        if href.startswith("#page-"):
            assert href[1:] in links.ids  # every page link lands on an anchor
    for url in links.images:
        if url.startswith("/iiif/"):
            assert_listed(client, url)


def test_a_single_scan_has_no_page_list_and_no_steps(client, scans):  # noqa: F811
    html = client.get("/records/p/public/").content.decode()
    assert 'id="page-1"' in html and 'id="page-2"' in html
    client_one = client.get("/records/h/draft/")
    assert client_one.status_code == 404
    scans.store.save({"id": "p/one", "title": "One Page", "media": [{"path": "p/page-1.jpg"}]})
    one = client.get("/records/p/one/").content.decode()
    assert 'id="page-1"' in one and "Page 1 of 1" in one
    assert "scan-index" not in one and "scan-previous" not in one and "scan-next" not in one


def test_page_breaks_in_the_text_link_to_the_scan_their_label_names(client, book):
    html = client.get(BOOK).content.decode()
    body = re.search(r'<div class="body">(.*?)</div>', html, re.S).group(1)
    assert (
        f'<span class="pb" data-page="211"><a href="{BOOK}@scans/1/" title="The scan of page 211">'
        "[Page 211]</a></span>" in body
    )
    assert f'<a href="{BOOK}@scans/2/" title="The scan of page 212">[Page 212]</a>' in body  # "p. 212"
    assert '<span class="pb" data-page="999">[Page 999]</span>' in body  # no scan is labelled 999
    assert body.count("@scans/") == 2


def test_printed_page_numbers_from_labels():
    from readingroom.iiif.images import Scan

    def page(n, label):
        return ScanPage(n, Scan(f"{n}.jpg", "image/jpeg", label), None)

    assert [page(1, label).printed_page for label in ("Page 211", "p. 7", "pp.12", "Page xiv", "211a")] == [
        "211",
        "7",
        "12",
        "xiv",
        "211a",
    ]
    assert [
        page(1, label).printed_page for label in ("Plate", "Page 1 of 2", None, "Front cover", "Mix", "xiv")
    ] == [
        None,
        None,
        None,
        None,
        None,
        None,
    ]
    # A number two scans name is no obvious correspondence: neither is linked.
    found = printed_pages([page(1, "Page 3"), page(2, "p. 3"), page(3, "Page 4")])
    assert {k: v.n for k, v in found.items()} == {"4": 3}


# -- the viewer ------------------------------------------------------------------------------------------------


def test_viewer_page_shows_a_readable_size_and_every_link_answers(client, book):
    response = client.get(f"{BOOK}@scans/2/")
    assert response.status_code == 200
    html = response.content.decode()
    links = parsed(html)
    assert "page-2" in links.ids  # the page's anchor, as on the record page
    assert "Page 2 of 3" in html and "<h1>p. 212 " in html
    img = re.search(
        r'<img src="([^"]+)" srcset="([^"]+)" sizes="[^"]+" width="(\d+)" height="(\d+)" alt="([^"]+)"', html
    )
    assert img, html
    info = info_of(client, "p/book/212.jpg")
    readable = min((s for s in info["sizes"] if s["width"] >= 1000), key=lambda s: s["width"], default=None)
    readable = readable or max(info["sizes"], key=lambda s: s["width"])
    assert (int(img[3]), int(img[4])) == (readable["width"], readable["height"])
    assert "p. 212: scan of page 2 of 3" in img[5]
    assert len(links.images) == 1 + len(info["sizes"])  # the src, and each listed size in the srcset
    for url in set(links.images):
        assert_listed(client, url)
    assert f"{BOOK}#page-2" in links.hrefs  # back to the page's anchor in the text
    assert f"{BOOK}@scans/1/" in links.hrefs and f"{BOOK}@scans/3/" in links.hrefs
    assert links.current == [f"{BOOK}@scans/2/", f"{BOOK}@scans/2/"]  # "fit" and this page in the list
    followed = 0
    for href in dict.fromkeys(links.hrefs):
        if not href.startswith("/") or href.startswith("//"):
            continue
        answer = client.get(href.split("#")[0])
        assert answer.status_code == 200, href
        followed += 1
    assert followed >= 10


def test_zoom_steps_are_the_listed_sizes(client, book):
    info = info_of(client, "p/book/211.jpg")
    widths = sorted(s["width"] for s in info["sizes"])
    html = client.get(f"{BOOK}@scans/1/").content.decode()
    zoom = re.search(r'<nav class="scan-zoom".*?</nav>', html, re.S).group(0)
    steps = re.findall(r'<li><a href="([^"]+)"', zoom)
    assert steps == [f"{BOOK}@scans/1/?size={w}" for w in widths]
    for width, step in zip(widths, steps, strict=True):
        page = client.get(step)
        assert page.status_code == 200
        text = page.content.decode()
        img = re.search(r'<img src="([^"]+)" width="(\d+)"', text)
        assert img and int(img[2]) == width and "srcset" not in text.split("<img", 1)[1].split(">", 1)[0]
        assert_listed(client, img[1])
        current = re.search(r'<li><a href="([^"]+)" aria-current="true"', text)
        assert current and current[1] == step
        assert 'role="region"' in text and 'tabindex="0"' in text  # the zoomed frame scrolls by keyboard too
        zoom_in = re.search(r'class="zoom-in" href="([^"]+)"', text)
        zoom_out = re.search(r'class="zoom-out" href="([^"]+)"', text)
        i = widths.index(width)
        assert (zoom_in and zoom_in[1]) == (
            f"{BOOK}@scans/1/?size={widths[i + 1]}" if i + 1 < len(widths) else None
        )
        assert (zoom_out and zoom_out[1]) == (f"{BOOK}@scans/1/?size={widths[i - 1]}" if i else None)


@pytest.mark.parametrize("size", ["123", "abc", "1200.0", "-5", "9" * 30])
def test_a_size_the_service_does_not_list_is_404(client, book, size):
    response = client.get(f"{BOOK}@scans/1/?size={size}")
    assert response.status_code == 404
    if size == "123":
        assert "has no size 123 pixels wide: the sizes are" in response.content.decode()


def test_the_end_pages_of_the_pager(client, book):
    first = client.get(f"{BOOK}@scans/1/").content.decode()
    last = client.get(f"{BOOK}@scans/3/").content.decode()
    pager = lambda html: re.search(r'<nav class="scan-pager".*?</nav>', html, re.S).group(0)  # noqa: E731
    assert 'rel="prev"' not in pager(first) and "First page" in pager(first)
    assert f'rel="next" href="{BOOK}@scans/2/"' in pager(first)
    assert 'rel="next"' not in pager(last) and "Last page" in pager(last)
    assert f'rel="prev" href="{BOOK}@scans/2/"' in pager(last)


@pytest.mark.parametrize("n", ["0", "4", "99999999999999999999", "x", "-1", "1.5", "01x"])
def test_a_bad_page_number_is_404(client, book, n):
    assert client.get(f"{BOOK}@scans/{n}/").status_code == 404


def test_no_page_number_is_404(client, book):
    assert client.get(f"{BOOK}@scans/").status_code == 404
    assert client.get("/records/p/plain/@scans/1/").status_code == 404  # a record without scans


@pytest.mark.parametrize("name", list(HIDDEN))
def test_a_hidden_records_viewer_is_404(client, book, name):
    response = client.get(f"/records/h/{name}/@scans/1/")
    assert response.status_code == 404
    assert image_id(f"h/{name}.jpg") not in response.content.decode()
    unknown = client.get("/records/h/nosuchthing/@scans/1/")
    assert unknown.status_code == 404


def test_withdrawing_closes_the_viewer(client, book):
    assert client.get(f"{BOOK}@scans/1/").status_code == 200
    book.store.set_status("p/book", "withdrawn", reason="a test")
    assert client.get(f"{BOOK}@scans/1/").status_code == 404


def test_before_its_tiles_are_made_a_page_shows_its_file(client, book):
    import shutil

    shutil.rmtree(book.settings.iiif_path)
    html = client.get(f"{BOOK}@scans/1/").content.decode()
    assert '<img src="/media/p/book/211.jpg"' in html and "scan-zoom" not in html
    assert "readingroom iiif" in html
    assert client.get("/media/p/book/211.jpg").status_code == 200
    assert client.get(f"{BOOK}@scans/1/?size=600").status_code == 404


def test_page_of_names_the_pages_there_are():
    from readingroom.iiif.pages import page_of

    with pytest.raises(NotFound, match="no scan page 5: this record has pages 1 to 0|no scans"):
        page_of([], 5)


def test_a_frus_documents_page_breaks_link_to_scans_labelled_with_them(
    import_files, archive, client, settings
):
    """The FRUS importer keeps <pb n="210"/> inside a document as [Page 210]: given scans labelled "Page 210",
    the record page links each break to its scan, and the scan's viewer page leads back."""
    from readingroom.iiif.images import TileStore
    from readingroom.records.models import Record

    from .conftest import CORPUS

    assert import_files(CORPUS / "frus" / "frus1964-68v07-excerpt.xml").ok
    record = next(
        r for r in Record.objects.filter(id__startswith="frus") if "data-page=" in json.dumps(r.document)
    )
    doc = archive.store.document(record.pk)
    breaks = re.findall(r'data-page="([^"]+)"', doc["texts"][0]["html"])
    assert breaks, record.pk
    media = archive.settings.media_path
    settings.MEDIA_ROOT = str(media)
    for number in breaks:
        make_image(media / "frus" / f"p{number}.jpg", (600, 800))
    doc["media"] = [{"path": f"frus/p{number}.jpg", "label": f"Page {number}"} for number in breaks]
    archive.store.save(doc)
    TileStore.of(archive.settings).for_records([record.pk])
    html = client.get(f"/records/{record.pk}/").content.decode()
    for n, number in enumerate(breaks, 1):
        link = f'<a href="/records/{record.pk}/@scans/{n}/" title="The scan of page {number}">[Page {number}]</a>'
        assert link in html
        viewer = client.get(f"/records/{record.pk}/@scans/{n}/").content.decode()
        assert f"<h1>Page {number} " in viewer and f'href="/records/{record.pk}/#page-{n}"' in viewer


def test_a_merged_records_pages_move_with_it(client, book):
    doc = book.store.document("p/book")
    book.store.save({**doc, "id": "p/volume"})
    book.store.merge("p/book", "p/volume")
    response = client.get(f"{BOOK}@scans/2/?size=450")
    assert response.status_code == 301 and response["Location"] == "/records/p/volume/@scans/2/"
    assert client.get(response["Location"]).status_code == 200
