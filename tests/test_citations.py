"""Citing records: the CSL-JSON mapping, Chicago/MLA/APA from the CSL styles, the BibTeX/RIS/CSL-JSON downloads
(read back with bibtexparser, rispy and json), the metadata embedded in the record page (read with extruct), the
Signposting header, the sitemap and robots.txt, and that no hidden record shows through any of them."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace

import bibtexparser
import extruct
import pytest
import rispy
from lxml import etree, html

from readingroom.citations import csl, styles
from readingroom.citations.formats import FORMATS
from readingroom.records.models import Record
from readingroom.web.sitemaps import PageSection, RecordSection, Sitemap

from .conftest import CORPUS

pytestmark = pytest.mark.django_db

FRUS = CORPUS / "frus" / "frus1964-68v07-excerpt.xml"
D74 = "frus1964-68v07/d74"
VOLUME = "Foreign Relations of the United States, 1964–1968, Volume VII, Vietnam, September 1968–January 1969"
SEED_TITLE = "Secret North Vietnam Politburo Cable No. 323"
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
FUTURE = (dt.date.today() + dt.timedelta(days=30)).isoformat()
HIDDEN = [
    {"id": "hidden/draft", "title": "Draft Telegram Quokka", "status": "draft"},
    {"id": "hidden/review", "title": "In Review Telegram Quokka", "status": "in-review"},
    {"id": "hidden/withdrawn", "title": "Withdrawn Telegram Quokka", "status": "withdrawn"},
    {
        "id": "hidden/embargoed",
        "title": "Embargoed Telegram Quokka",
        "status": "published",
        "embargo_until": FUTURE,
    },
]
SUBRESOURCES = ("@cite.bib", "@cite.ris", "@cite.json")


@pytest.fixture
def frus(import_files):
    report = import_files(FRUS)
    assert report.ok, [f.error for f in report.files]
    return Record.objects.get(pk=D74)


@pytest.fixture
def hidden(archive):
    for doc in HIDDEN:
        archive.store.save(doc)
    return HIDDEN


def item_of(record: Record) -> dict:
    return csl.csl_item(
        record,
        url=f"https://archive.example.org/records/{record.pk}/",
        accessed=dt.date(2026, 1, 2),
        site_name="Readingroom",
    )


def rendered(item: dict) -> dict[str, str]:
    return {r.style.key: r.text for r in styles.render(item)}


# -- the CSL-JSON mapping --------------------------------------------------------------------------------------


def test_frus_document_maps_to_csl_as_frus_cites_it(frus):
    item = item_of(frus)
    assert item["type"] == "document"
    assert item["title"] == "Telegram From the Department of State to the Embassy in France"
    assert item["container-title"] == VOLUME
    assert item["number"] == "Document 74"
    assert item["editor"] == [{"literal": "Kent Sieg"}, {"literal": "Edward C. Keefer"}]
    assert item["author"] == [{"literal": "Department of State"}]
    assert item["recipient"] == [{"literal": "Embassy in France"}]
    assert item["issued"] == {"date-parts": [[1968, 10, 15]]}
    assert item["publisher"] == "Office of the Historian, U.S. Department of State"
    assert item["URL"] == f"https://archive.example.org/records/{D74}/"
    assert item["accessed"] == {"date-parts": [[2026, 1, 2]]}
    assert item["language"] == "en"
    # A document of a published volume is cited in the volume; its archival source stays on the page.
    assert "archive" not in item and "archive_location" not in item


def test_archive_document_maps_repository_translator_and_date(seed_record):
    item = item_of(seed_record)
    assert item["title"] == SEED_TITLE
    assert item["issued"] == {"date-parts": [[1968, 10, 15]]}
    assert item["translator"] == [{"literal": "Merle Pribbenow"}]  # once, although the page names him twice
    assert item["archive"] == "Archive of the Party Central Committee, Hanoi"
    assert item["publisher"] == "Readingroom"  # the archive's name when the record names no publisher
    assert "author" not in item and "container-title" not in item
    assert item["abstract"].startswith("The Vietnamese Politburo informs COSVN")


@pytest.mark.parametrize(
    ("fields", "issued"),
    [
        ({"date": "1968-10"}, {"date-parts": [[1968, 10]]}),
        ({"date": "1968-10-01/1968-11-15"}, {"date-parts": [[1968, 10, 1], [1968, 11, 15]]}),
        (
            {"date": "1968~", "date_text": "ca. 1968"},
            {"date-parts": [[1968]], "literal": "ca. 1968", "circa": True},
        ),
        (
            {"date": "1968-10-15?", "date_text": "[October 15, 1968?]"},
            {"date-parts": [[1968, 10, 15]], "literal": "[October 15, 1968?]"},
        ),
        ({}, None),
    ],
)
def test_issued_from_the_normalized_date_and_the_date_as_written_when_uncertain(archive, fields, issued):
    archive.store.save({"id": "d/1", "title": "Dated", **fields})
    item = item_of(Record.objects.get(pk="d/1"))
    assert item.get("issued") == issued


def test_archival_reference_cited_without_its_closing_full_stop(archive):
    archive.store.save(
        {
            "id": "x/box",
            "title": "Boxed",
            "date": "1957",
            "repository": "National Archives",
            "archival_reference": {"text": "RG 59, Lot 96 D 292, Box 1."},
        }
    )
    item = item_of(Record.objects.get(pk="x/box"))
    assert (item["archive"], item["archive_location"]) == ("National Archives", "RG 59, Lot 96 D 292, Box 1")
    for key, text in rendered(item).items():
        assert "Box 1" in text and "Box 1.," not in text and "Box 1.)" not in text, key


def test_names_written_family_comma_given_are_split_others_kept_whole():
    assert csl.names(
        [
            {"kind": "person", "name": "Rusk, Dean"},
            {"kind": "person", "name": "Ho Chi Minh"},
            {"kind": "organization", "name": "Politburo, Central Committee"},
        ]
    ) == [
        {"family": "Rusk", "given": "Dean"},
        {"literal": "Ho Chi Minh"},
        {"literal": "Politburo, Central Committee"},
    ]


# -- the styles --------------------------------------------------------------------------------------------------


def test_frus_citations_name_the_volume_its_editors_and_the_document_number(frus):
    cites = rendered(item_of(frus))
    assert set(cites) == {"chicago-note", "chicago-bibliography", "mla", "apa"}
    for key, text in cites.items():
        assert VOLUME in text and "Document 74" in text, key
    assert (
        "Department of State, “Telegram From the Department of State to the Embassy in France,” in "
        f"{VOLUME}, Document 74, ed. Kent Sieg and Edward C. Keefer,"
    ) in cites["chicago-note"]
    assert "edited by Kent Sieg and Edward C. Keefer" in cites["chicago-bibliography"]
    assert cites["apa"].startswith("Department of State. (1968, October 15).")
    assert "15 Oct. 1968" in cites["mla"]


def test_unsigned_translated_document_cites_without_repeating_itself(seed_record):
    cites = rendered(item_of(seed_record))
    url = f"https://archive.example.org/records/{seed_record.pk}/"
    assert cites["chicago-note"] == (
        f"Merle Pribbenow, trans., “{SEED_TITLE},” Readingroom, October 15, 1968, "
        f"Archive of the Party Central Committee, Hanoi, {url}."
    )
    assert cites["apa"].startswith(
        f"{SEED_TITLE} (Merle Pribbenow, trans.). (1968, October 15). Readingroom."
    )
    for key, text in cites.items():
        # citeproc-py alone repeats what stands in for the missing author, and leaves full names as initials.
        assert text.count(SEED_TITLE) == 1 and text.count("Pribbenow") == 1, (key, text)
        assert url in text, key


def test_citations_are_escaped_html(archive):
    archive.store.save({"id": "x/1", "title": "<script>alert(1)</script> & <b>bold</b>", "date": "1970"})
    for r in styles.render(item_of(Record.objects.get(pk="x/1"))):
        assert "<script>" not in r.html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;" in r.html
        assert "<script>alert(1)</script> & <b>bold</b>" in r.text


RANGES = {
    # date as stored: Chicago (note and bibliography), MLA, APA
    "1814-07-12/1814-07-25": ("July 12–25, 1814", "12–25 July 1814", "(1814, July 12–25)"),
    "1814-07-12/1814-09-02": (
        "July 12–September 2, 1814",
        "12 July–2 Sept. 1814",
        "(1814, July 12–September 2)",
    ),
    "1814-07-12/1815-01-03": (
        "July 12, 1814–January 3, 1815",
        "12 July 1814–3 Jan. 1815",
        "(1814, July 12–1815, January 3)",
    ),
    "1814-07/1814-09": ("July–September 1814", "July–Sept. 1814", "(1814, July–September)"),
    "1814/1815": ("1814–1815", "1814–1815", "(1814–1815)"),
}


@pytest.mark.parametrize("date", list(RANGES))
def test_date_ranges_are_cited_in_each_styles_order(archive, client, date):
    """citeproc-py alone failed on these (Chicago's bibliography and APA raised, a record page answered 500) or
    misplaced commas ("12,–25, July 1814")."""
    archive.store.save(
        {"id": "r/1", "title": "Treaty of 1814", "date": date, "creators": [{"name": "Doe, Jane"}]}
    )
    chicago, mla, apa = RANGES[date]
    texts = {r.style.key: r.text for r in styles.render(item_of(Record.objects.get(pk="r/1")))}
    assert chicago in texts["chicago-note"] and chicago in texts["chicago-bibliography"], texts
    assert mla in texts["mla"] and apa in texts["apa"], texts
    assert all("9999" not in text for text in texts.values())  # the stand-in year never shows
    response = client.get("/records/r/1/")
    assert response.status_code == 200 and chicago in response.content.decode()


def test_a_style_citeproc_cannot_render_is_left_out_not_a_server_error(archive, client, monkeypatch, caplog):
    archive.store.save({"id": "r/2", "title": "Any", "date": "1968"})
    real = styles._with_range

    def apa_fails(item, style):
        if style.key == "apa":
            raise TypeError("'NoneType' object is not callable")
        return real(item, style)

    monkeypatch.setattr(styles, "_with_range", apa_fails)
    keys = [r.style.key for r in styles.render(item_of(Record.objects.get(pk="r/2")))]
    assert keys == ["chicago-note", "chicago-bibliography", "mla"]
    assert "could not render apa for r/2" in caplog.text
    assert client.get("/records/r/2/").status_code == 200


# -- downloads ----------------------------------------------------------------------------------------------------


def download(client, record_id: str, name: str):
    response = client.get(f"/records/{record_id}/@{name}")
    assert response.status_code == 200, response.content[:300]
    fmt = FORMATS[name]
    assert response["Content-Type"] == f"{fmt.media_type}; charset=utf-8"
    stem = record_id.replace("/", "-")
    assert response["Content-Disposition"] == f'attachment; filename="{stem}.{name.rsplit(".", 1)[1]}"'
    return response.content.decode()


def test_bibtex_downloads(client, seed_record, frus):
    library = bibtexparser.parse_string(download(client, D74, "cite.bib"))
    assert not library.failed_blocks
    (entry,) = library.entries
    fields = {k: f.value for k, f in entry.fields_dict.items()}
    assert entry.entry_type == "misc" and entry.key == "frus1964-68v07_d74"
    # Braced twice, so that a style keeps the capitals.
    assert fields["title"] == "{Telegram From the Department of State to the Embassy in France}"
    assert fields["booktitle"] == VOLUME and fields["number"] == "Document 74"
    assert fields["editor"] == "{Kent Sieg} and {Edward C. Keefer}"
    assert fields["author"] == "{Department of State}"
    assert (fields["year"], fields["month"], fields["date"]) == ("1968", "10", "1968-10-15")
    assert fields["url"] == f"http://testserver/records/{D74}/"
    assert fields["urldate"] == dt.date.today().isoformat()

    (entry,) = bibtexparser.parse_string(download(client, seed_record.pk, "cite.bib")).entries
    fields = {k: f.value for k, f in entry.fields_dict.items()}
    assert fields["title"] == "{" + SEED_TITLE + "}" and fields["translator"] == "{Merle Pribbenow}"
    assert fields["note"] == "Archive of the Party Central Committee, Hanoi"
    assert "author" not in fields


def test_bibtex_escapes_what_tex_would_read(archive, client):
    archive.store.save({"id": "x/tex", "title": "50% of {all} cables_sent & #1 $ ~ ^ \\end"})
    (entry,) = bibtexparser.parse_string(download(client, "x/tex", "cite.bib")).entries
    assert entry.fields_dict["title"].value == (
        r"{50\% of \{all\} cables\_sent \& \#1 \$ \textasciitilde{} "
        r"\textasciicircum{} \textbackslash{}end}"
    )


def test_ris_downloads(client, seed_record, frus):
    (entry,) = rispy.loads(download(client, D74, "cite.ris"))
    assert entry["type_of_reference"] == "CHAP"
    assert entry["title"] == "Telegram From the Department of State to the Embassy in France"
    assert entry["secondary_title"] == VOLUME and entry["section"] == "Document 74"
    assert entry["authors"] == ["Department of State"]
    assert entry["secondary_authors"] == ["Kent Sieg", "Edward C. Keefer"]
    assert entry["date"] == "1968/10/15/" and entry["year"] == "1968"
    assert entry["urls"] == [f"http://testserver/records/{D74}/"]
    assert entry["publisher"] == "Office of the Historian, U.S. Department of State"

    (entry,) = rispy.loads(download(client, seed_record.pk, "cite.ris"))
    assert entry["type_of_reference"] == "MANSCPT"
    assert entry["subsidiary_authors"] == ["Merle Pribbenow"]
    assert entry["database_provider"] == "Archive of the Party Central Committee, Hanoi"


def test_csl_json_download_is_the_mapping(client, seed_record, frus):
    for record in (frus, seed_record):
        (item,) = json.loads(download(client, record.pk, "cite.json"))
        expected = csl.csl_item(
            record,
            url=f"http://testserver/records/{record.pk}/",
            accessed=dt.date.today(),
            site_name="Readingroom",
        )
        assert item == expected


def test_downloads_use_the_configured_base_url(client, archive, frus):
    archive.settings = replace(archive.settings, base_url="https://records.example.org/")
    (item,) = json.loads(download(client, D74, "cite.json"))
    assert item["URL"] == f"https://records.example.org/records/{D74}/"


def test_unknown_subresource_and_merged_records(client, archive, frus):
    assert client.get(f"/records/{D74}/@cite.docx").status_code == 404
    assert client.get(f"/records/{D74}/@", follow=True).status_code == 404
    archive.store.save({"id": "x/old", "title": "A duplicate"})
    archive.store.save({"id": "x/new", "title": "The record"})
    archive.store.merge("x/old", "x/new")
    response = client.get("/records/x/old/@cite.bib")
    assert response.status_code == 301 and response["Location"] == "/records/x/new/@cite.bib"


# -- the record page's head, and its Link header -----------------------------------------------------------------


def page_metadata(content: str, url: str) -> dict:
    return extruct.extract(
        content, base_url=url, syntaxes=["json-ld", "dublincore", "opengraph", "microdata"], uniform=False
    )


def meta(content: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for el in html.fromstring(content).iter("meta"):
        if el.get("name"):
            found.setdefault(el.get("name"), []).append(el.get("content"))
    return found


def test_record_page_embeds_highwire_dublin_core_and_json_ld(client, frus):
    url = f"http://testserver/records/{D74}/"
    content = client.get(f"/records/{D74}/").content.decode()
    tags = meta(content)
    assert tags["citation_title"] == ["Telegram From the Department of State to the Embassy in France"]
    assert tags["citation_author"] == ["Department of State"]
    assert tags["citation_publication_date"] == tags["citation_date"] == ["1968/10/15"]
    assert tags["citation_public_url"] == [url]
    assert tags["citation_inbook_title"] == [VOLUME]
    assert tags["citation_language"] == ["en"]
    assert tags["citation_publisher"] == ["Office of the Historian, U.S. Department of State"]
    assert "citation_pdf_url" not in tags  # the record has no PDF

    data = page_metadata(content, url)
    (ld,) = data["json-ld"]
    assert ld["@context"] == "https://schema.org" and ld["@type"] == "ArchiveComponent"
    assert ld["name"] == "Telegram From the Department of State to the Embassy in France"
    assert ld["url"] == url and ld["dateCreated"] == "1968-10-15"
    assert ld["isPartOf"]["name"] == VOLUME and ld["position"] == "Document 74"
    assert ld["author"] == [{"@type": "Organization", "name": "Department of State"}]
    (dc,) = data["dublincore"]
    elements = {(e["name"], e["content"]) for e in dc["elements"]}
    assert {
        ("DC.title", "Telegram From the Department of State to the Embassy in France"),
        ("DC.date", "1968-10-15"),
        ("DC.identifier", url),
        ("DC.language", "en"),
        ("DC.source", VOLUME),
    } <= elements
    assert dc["namespaces"] == {"DC": "http://purl.org/dc/elements/1.1/"}


def test_signposting_link_header(client, frus):
    response = client.get(f"/records/{D74}/")
    links = {
        (m["url"], m["params"]) for m in re.finditer(r"<(?P<url>[^>]+)>(?P<params>[^,]*)", response["Link"])
    }
    base = f"http://testserver/records/{D74}/"
    assert (base, '; rel="cite-as"') in links
    assert (
        base + "@cite.json",
        '; rel="describedby"; type="application/vnd.citationstyles.csl+json"',
    ) in links
    assert (base + "@cite.bib", '; rel="describedby"; type="application/x-bibtex"') in links
    assert ("https://schema.org/ArchiveComponent", '; rel="type"') in links
    assert not any('rel="item"' in p for _, p in links)  # no files


def test_files_are_items_and_pdfs_citation_pdf_urls(archive, client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "scan.pdf").write_bytes(b"%PDF-1.4\n")
    archive.store.save(
        {
            "id": "x/filed",
            "title": "With a scan",
            "media": [
                {"path": "x/scan.pdf", "mime_type": "application/pdf"},
                {"url": "https://example.org/a.jpg", "mime_type": "image/jpeg"},
            ],
        }
    )
    response = client.get("/records/x/filed/")
    assert '<http://testserver/media/x/scan.pdf>; rel="item"; type="application/pdf"' in response["Link"]
    assert '<https://example.org/a.jpg>; rel="item"; type="image/jpeg"' in response["Link"]
    assert meta(response.content.decode())["citation_pdf_url"] == ["http://testserver/media/x/scan.pdf"]
    (ld,) = page_metadata(response.content.decode(), "http://testserver/records/x/filed/")["json-ld"]
    assert ld["associatedMedia"][0] == {
        "@type": "MediaObject",
        "contentUrl": "http://testserver/media/x/scan.pdf",
        "encodingFormat": "application/pdf",
    }


def test_json_ld_cannot_be_broken_out_of(archive, client):
    title = 'Cable </script><script>alert("x")</script><!-- & more'
    archive.store.save(
        {"id": "x/hostile", "title": title, "summary": "</SCRIPT ><img src=x onerror=alert(1)>"}
    )
    content = client.get("/records/x/hostile/").content.decode()
    tree = html.fromstring(content)
    scripts = tree.xpath("//script")
    assert [s.get("type") or s.get("src") for s in scripts] == [
        "application/ld+json",
        "/static/readingroom/citations.js",
        "/static/readingroom/apparatus.js",
    ]
    data = json.loads(scripts[0].text)
    assert data["name"] == title and data["description"].startswith("</SCRIPT >")
    assert not tree.xpath("//img[@onerror]")
    assert tree.xpath("//meta[@name='citation_title']/@content") == [title]


def test_citation_box_offers_each_style_as_selectable_text(client, frus):
    tree = html.fromstring(client.get(f"/records/{D74}/").content)
    box = tree.xpath("//section[@id='cite']")[0]
    labels = [dt_.text_content() for dt_ in box.xpath(".//dt")]
    assert labels == ["Chicago (note)", "Chicago (bibliography)", "MLA", "APA"]
    for p in box.xpath(".//p[@class='citation']"):
        assert VOLUME in p.text_content() and "Document 74" in p.text_content()
        button = p.getnext()
        assert button.tag == "button" and button.get("hidden") is not None  # shown by citations.js only
    hrefs = box.xpath(".//p[@class='citation-downloads']/a/@href")
    assert hrefs == [f"/records/{D74}/@cite.bib", f"/records/{D74}/@cite.ris", f"/records/{D74}/@cite.json"]
    assert not tree.xpath("//script[not(@src) and not(@type='application/ld+json')]")  # no inline script


# -- hidden records ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("doc", HIDDEN, ids=lambda d: d["id"])
def test_hidden_records_answer_404_on_every_new_url(client, hidden, doc):
    for name in SUBRESOURCES:
        response = client.get(f"/records/{doc['id']}/{name}")
        assert response.status_code == 404, name
        assert doc["title"].encode() not in response.content
    response = client.get(f"/records/{doc['id']}/")
    assert response.status_code == 404 and "Link" not in response


def test_embargo_over_is_public_again(archive, client):
    past = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    archive.store.save({"id": "x/was-embargoed", "title": "Released", "embargo_until": past})
    assert client.get("/records/x/was-embargoed/@cite.json").status_code == 200


# -- sitemaps and robots.txt ---------------------------------------------------------------------------------------


def sitemap_locs(client, url: str) -> tuple[list[str], etree._Element]:
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/xml; charset=utf-8"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    root = etree.fromstring(body)
    return root.xpath("//s:loc/text()", namespaces=SITEMAP_NS), root


def all_record_urls(client) -> list[str]:
    index, root = sitemap_locs(client, "/sitemap.xml")
    assert etree.QName(root).localname == "sitemapindex"
    urls = []
    for chunk in index:
        assert chunk.startswith("http://testserver/sitemap-")
        locs, root = sitemap_locs(client, chunk.removeprefix("http://testserver"))
        assert etree.QName(root).localname == "urlset"
        urls += locs
    return urls


def test_sitemap_lists_exactly_the_public_records_and_the_browse_pages(client, seed_record, hidden, frus):
    urls = all_record_urls(client)
    public = sorted(Record.objects.public().values_list("id", flat=True))
    assert [u for u in urls if "/records/" in u and u != "http://testserver/records/"] == [
        f"http://testserver/records/{rid}/" for rid in public
    ]
    for doc in hidden:
        assert not any(doc["id"] in u for u in urls)
    for page in ("/", "/records/", "/search/", "/persons/", "/collections/", "/years/"):
        assert f"http://testserver{page}" in urls


def test_sitemap_lastmod_is_the_records_update_time(client, seed_record):
    _, root = sitemap_locs(client, "/sitemap-records-1.xml")
    (url,) = root.xpath("//s:url", namespaces=SITEMAP_NS)
    lastmod = url.findtext("s:lastmod", namespaces=SITEMAP_NS)
    assert dt.datetime.fromisoformat(lastmod) == seed_record.updated.replace(microsecond=0)


def test_sitemap_urls_follow_the_configured_base_url(client, archive, seed_record):
    archive.settings = replace(archive.settings, base_url="https://records.example.org")
    index, _ = sitemap_locs(client, "/sitemap.xml")
    assert index[0].startswith("https://records.example.org/sitemap-")
    locs, _ = sitemap_locs(client, "/sitemap-records-1.xml")
    assert locs == [f"https://records.example.org/records/{seed_record.pk}/"]
    assert "Sitemap: https://records.example.org/sitemap.xml" in client.get("/robots.txt").content.decode()


def test_sitemap_chunks_at_its_chunk_size(rf, archive, seed_record, hidden, frus):
    from readingroom.web import sitemaps

    sitemap = Sitemap([RecordSection()], chunk_size=2)
    request = rf.get("/sitemap.xml")
    request.archive = archive
    index = etree.fromstring(sitemaps.index(request, sitemap=sitemap).content)
    chunks = index.xpath("//s:loc/text()", namespaces=SITEMAP_NS)
    public = sorted(Record.objects.public().values_list("id", flat=True))
    assert len(public) == 6 and chunks == [f"http://testserver/sitemap-records-{n}.xml" for n in (1, 2, 3)]
    seen = []
    for n in (1, 2, 3):
        response = sitemaps.chunk(request, sitemap=sitemap, section="records", chunk=n)
        locs = etree.fromstring(b"".join(response.streaming_content)).xpath(
            "//s:loc/text()", namespaces=SITEMAP_NS
        )
        assert len(locs) == 2
        seen += locs
    assert seen == [f"http://testserver/records/{rid}/" for rid in public]
    from django.http import Http404

    for bad in (("records", 4), ("records", 0), ("nothing", 1)):
        with pytest.raises(Http404):
            sitemaps.chunk(request, sitemap=sitemap, section=bad[0], chunk=bad[1])
    with pytest.raises(ValueError, match="chunk_size"):
        Sitemap(chunk_size=50_001)
    assert PageSection().count() == len(PageSection().items())


def test_sitemap_of_an_empty_archive(client, archive):
    index, _ = sitemap_locs(client, "/sitemap.xml")
    assert index == ["http://testserver/sitemap-pages-1.xml", "http://testserver/sitemap-records-1.xml"]
    locs, _ = sitemap_locs(client, "/sitemap-records-1.xml")
    assert locs == []
    assert client.get("/sitemap-records-2.xml").status_code == 404


def test_robots_txt(client, archive):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == (
        "User-agent: *\nDisallow: /admin/\n\nSitemap: http://testserver/sitemap.xml\n"
    )


# -- in a browser ----------------------------------------------------------------------------------------------------


def test_copy_buttons_copy_the_citation_text(live_server_url, import_files, page, browser):
    from .conftest import SEED

    assert import_files(SEED).ok
    record = Record.objects.get()
    url = f"{live_server_url}/records/{record.pk}/"
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server_url)
    page.goto(url)
    buttons = page.locator("#cite button.copy")
    assert buttons.count() == 4
    button = buttons.nth(1)  # Chicago (bibliography)
    button.click()
    page.wait_for_function("document.querySelectorAll('#cite button.copy')[1].textContent === 'Copied'")
    assert page.locator("#cite .copy-status").inner_text() == "Chicago (bibliography) citation copied."
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == " ".join(page.locator("#cite-chicago-bibliography").inner_text().split())
    assert copied.startswith(f"Merle Pribbenow, trans. “{SEED_TITLE}.” Readingroom, October 15, 1968.")

    # Without JavaScript there are no buttons, and the citation is text to select.
    context = browser.new_context(java_script_enabled=False)
    try:
        plain = context.new_page()
        plain.goto(url)
        assert plain.locator("#cite button.copy").first.is_hidden()
        citation = plain.locator("#cite-mla")
        assert citation.evaluate("e => getComputedStyle(e).userSelect") in ("text", "auto")
        assert SEED_TITLE in citation.inner_text()
    finally:
        context.close()
