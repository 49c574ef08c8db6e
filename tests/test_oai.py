"""OAI-PMH 2.0 at /oai (readingroom/oai, docs/oai.md).

Every response is validated against the OAI-PMH 2.0 schema, and the metadata in it against oai_dc or MODS 3.6
(tests/schemas/, with where each comes from). Harvested with two third-party harvesters, Sickle and
oaipmh-scythe, over a live server; the archive holds the seed page, the FRUS excerpt and records written through
the store, among them drafts, records in review, embargoed and withdrawn ones.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import tomllib
from pathlib import Path

import pytest
from lxml import etree

from readingroom.oai import setspecs, tokens
from readingroom.oai.formats import BUILTINS, FormatRegistry, MetadataFormat
from readingroom.oai.provider import Item, Provider, Selection, SetInfo
from readingroom.oai.repository import Repository

from .conftest import CORPUS, ROOT, SEED, committed_archive, imported, served

SCHEMAS = Path(__file__).resolve().parent / "schemas"
OAI = "http://www.openarchives.org/OAI/2.0/"
NS = {
    "oai": OAI,
    "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "mods": "http://www.loc.gov/mods/v3",
    "xlink": "http://www.w3.org/1999/xlink",
}
FRUS = CORPUS / "frus" / "frus1964-68v07-excerpt.xml"
PAGE_SIZE = 2
BASE = "http://testserver"


# -- schemas --------------------------------------------------------------------------------------------------


@functools.cache
def schema(name: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name), parser))


def assert_valid(name: str, element: etree._Element) -> None:
    tree = etree.ElementTree(etree.fromstring(etree.tostring(element)))  # on its own, with its namespaces
    s = schema(name)
    if not s.validate(tree):
        pytest.fail(
            f"not valid against {name}: {s.error_log}\n{etree.tostring(element, pretty_print=True).decode()}"
        )


def validated(body: bytes) -> etree._Element:
    """An OAI-PMH response, checked against OAI-PMH.xsd, its metadata against oai_dc.xsd or mods-3-6.xsd and
    its set descriptions against oai_dc.xsd."""
    doc = etree.fromstring(body, etree.XMLParser(no_network=True, resolve_entities=False))
    assert_valid("OAI-PMH.xsd", doc)
    for metadata in doc.iterfind(".//oai:metadata", NS):
        (record,) = metadata
        assert_valid("mods-3-6.xsd" if record.tag.startswith(f"{{{NS['mods']}}}") else "oai_dc.xsd", record)
    for description in doc.iterfind(".//oai:setDescription", NS):
        assert_valid("oai_dc.xsd", description[0])
    return doc


def test_the_schemas_reject_what_they_should():
    """The validation above can fail: a response without responseDate and an oai_dc record with an element
    Dublin Core does not have are refused."""
    bad = f'<OAI-PMH xmlns="{OAI}"><request>http://x/oai</request><Identify/></OAI-PMH>'
    with pytest.raises(pytest.fail.Exception):
        validated(bad.encode())
    record = etree.fromstring(
        f'<oai_dc:dc xmlns:oai_dc="{NS["oai_dc"]}" xmlns:dc="{NS["dc"]}"><dc:author>x</dc:author></oai_dc:dc>'
    )
    with pytest.raises(pytest.fail.Exception):
        assert_valid("oai_dc.xsd", record)
    mods = etree.fromstring(
        f'<mods xmlns="{NS["mods"]}"><titleInfo><title>x</title></titleInfo>'
        f'<language><languageTerm type="nonsense">eng</languageTerm></language></mods>'
    )
    with pytest.raises(pytest.fail.Exception):
        assert_valid("mods-3-6.xsd", mods)


# -- the archive ----------------------------------------------------------------------------------------------


OAI_SETTINGS = {"oai_page_size": PAGE_SIZE, "admin_email": "archivist@example.org"}


@pytest.fixture
def archive(tmp_path):
    """conftest's archive, with a small OAI page size (a setting of the archive the endpoint reads)."""
    with served(tmp_path / "archive", **OAI_SETTINGS) as own:
        yield own


FUTURE = (dt.date.today() + dt.timedelta(days=365)).isoformat()
PAST = "2000-01-01"
T1, T2, T3 = "2001-01-01T00:00:00+00:00", "2001-06-15T10:20:30+00:00", "2002-06-01T12:00:00+00:00"

RICH = {
    "id": "oai/rich",
    "title": "Letter from the Embassy in Saigon to Le Duc Tho",
    "summary": "A letter\x07 (a bell character the XML cannot carry) about the talks.",
    "date": "1968-10-15/1968-10-20",
    "date_text": "15-20 October 1968",
    "dateline_place": "Saigon",
    "languages": ["vie", "eng"],
    "document_types": ["Letter"],
    "classification": ["Secret"],
    "number": "42",
    "creators": [{"kind": "organization", "name": "Embassy in Saigon"}],
    "recipients": [{"name": "Le Duc Tho"}],
    "texts": [
        {"kind": "translation", "language": "eng", "body": "The text.", "translator": "Merle Pribbenow"}
    ],
    "persons": ["Rusk, Dean"],
    "places": ["Hà Nội"],
    "subjects": ["Paris Peace Talks"],
    "collections": [
        {"id": "letters", "name": "Letters"},
        {"id": "letters/1968:oct~", "name": "October 1968", "parent": "letters"},
    ],
    "repository": "Archive of the Party Central Committee, Hanoi",
    "archival_reference": {"fond": "Phu Thu Tuong", "file": "12"},
    "rights": {
        "statement": "No copyright in the United States",
        "uri": "http://rightsstatements.org/vocab/NoC-US/1.0/",
    },
    "funders": ["Henry Luce Foundation"],
    "publisher": "Readingroom tests",
    "updated": T3,
}
HIDDEN = {  # never shown: not even as deleted headers
    "oai/draft": {"status": "draft"},
    "oai/review": {"status": "in-review"},
    "oai/embargoed": {"embargo_until": FUTURE},
}


def build_corpus(archive) -> None:
    """The seed page and the FRUS excerpt (imported now), records written through the store with fixed
    datestamps in 2001-2002, hidden ones, and withdrawn ones."""
    report = imported(archive, SEED, FRUS)
    assert all(f.error is None for f in report.files), [f.error for f in report.files]
    store = archive.store
    store.save({"id": "oai/old-1", "title": "The first record", "updated": T1})
    for rid in ("oai/tie-b", "oai/tie-a"):  # the same datestamp, to the microsecond: the id breaks the tie
        store.save(
            {
                "id": rid,
                "title": f"Same second ({rid})",
                "updated": T2,
                "collections": [{"id": "letters", "name": "Letters"}],
            }
        )
    store.save(RICH)
    store.save({"id": "oai/embargo-over", "title": "Embargo over", "embargo_until": PAST, "updated": T2})
    for rid, fields in HIDDEN.items():
        store.save(
            {
                "id": rid,
                "title": f"Hidden {rid}",
                "updated": T2,
                "collections": [{"id": "letters", "name": "Letters"}],
                **fields,
            }
        )
    store.save(
        {
            "id": "oai/withdrawn",
            "title": "Withdrawn after publication",
            "updated": T1,
            "collections": [{"id": "letters", "name": "Letters"}],
        }
    )
    store.set_status("oai/withdrawn", "withdrawn", reason="a test")
    store.save({"id": "oai/withdrawn-draft", "title": "Never published", "status": "draft", "updated": T1})
    store.set_status("oai/withdrawn-draft", "withdrawn", reason="a test")
    store.save({"id": "oai/withdrawn-embargoed", "title": "Withdrawn under embargo", "embargo_until": FUTURE})
    store.set_status("oai/withdrawn-embargoed", "withdrawn", reason="a test")


@pytest.fixture(scope="module")
def oai_archive(django_db_setup, django_db_blocker, tmp_path_factory):
    """The corpus, written once per module in an archive like `archive` (tests/conftest.py's committed_archive)."""
    home = tmp_path_factory.mktemp("oai") / "archive"
    with committed_archive(django_db_blocker, home, build_corpus, **OAI_SETTINGS) as own:
        yield own


@pytest.fixture
def corpus(oai_archive, db):
    return oai_archive


def public_ids() -> set[str]:
    from readingroom.records.models import Record

    return set(Record.objects.public().values_list("id", flat=True))


NEVER = set(HIDDEN) | {"oai/withdrawn-draft", "oai/withdrawn-embargoed"}


def ident(record_id: str, base: str = BASE) -> str:
    return f"{base}/records/{record_id}/"


# -- requests -------------------------------------------------------------------------------------------------


def oai(client, params=None, *, method: str = "get", query: str | None = None) -> etree._Element:
    if query is not None:
        response = client.get("/oai?" + query)
    elif method == "post":
        response = client.post("/oai", params)
    else:
        response = client.get("/oai", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    return validated(response.content)


def error(doc: etree._Element) -> str | None:
    found = doc.find("oai:error", NS)
    return found.get("code") if found is not None else None


def echoed(doc: etree._Element) -> dict[str, str]:
    return dict(doc.find("oai:request", NS).attrib)


def pages(client, verb: str, *, sent: int = 0, **params) -> list[etree._Element]:
    """Every response of a list, following its resumption tokens, checking each token's cursor (the items sent
    before its page; `sent` when the list is resumed from a token)."""
    docs, params = [], {"verb": verb, **params}
    while True:
        doc = oai(client, params)
        assert error(doc) is None, doc.findtext("oai:error", namespaces=NS)
        docs.append(doc)
        container = doc.find(f"oai:{verb}", NS)
        token = container.find("oai:resumptionToken", NS)
        if token is not None:
            assert int(token.get("cursor")) == sent
        sent += len(container) - (token is not None)
        if token is None or not token.text:  # complete in one response, or the empty token closing a list
            return docs
        params = {"verb": verb, "resumptionToken": token.text}


def headers(docs) -> list[etree._Element]:
    return [h for doc in docs for h in doc.iterfind(".//oai:header", NS)]


def record_id(header: etree._Element, base: str = BASE) -> str:
    identifier = header.findtext("oai:identifier", namespaces=NS)
    assert identifier.startswith(base + "/records/") and identifier.endswith("/")
    return identifier[len(base + "/records/") : -1]


# -- Identify, ListMetadataFormats ------------------------------------------------------------------------------


def test_identify(client, corpus):
    doc = oai(client, {"verb": "Identify"})
    identify = doc.find("oai:Identify", NS)
    assert identify.findtext("oai:repositoryName", namespaces=NS) == corpus.settings.site_name
    assert identify.findtext("oai:baseURL", namespaces=NS) == f"{BASE}/oai"
    assert identify.findtext("oai:protocolVersion", namespaces=NS) == "2.0"
    assert identify.findtext("oai:adminEmail", namespaces=NS) == "archivist@example.org"
    assert identify.findtext("oai:earliestDatestamp", namespaces=NS) == "2001-01-01T00:00:00Z"
    assert identify.findtext("oai:deletedRecord", namespaces=NS) == "persistent"
    assert identify.findtext("oai:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert echoed(doc) == {"verb": "Identify"}


def test_identify_without_an_admin_email_names_the_setting(client, db):
    from django.apps import apps

    from readingroom.archive import Archive
    from readingroom.config import ArchiveSettings

    web = apps.get_app_config("web")
    previous = web.install(Archive(ArchiveSettings.from_environment(admin_email="")))
    try:
        doc = oai(client, {"verb": "Identify"})
    finally:
        web.install(previous)
    assert doc.findtext(".//oai:adminEmail", namespaces=NS) == "set-READINGROOM_ADMIN_EMAIL@example.invalid"
    assert doc.findtext(".//oai:earliestDatestamp", namespaces=NS)  # an empty archive has one too


def test_list_metadata_formats(client, corpus):
    def prefixes(doc):
        return [
            f.findtext("oai:metadataPrefix", namespaces=NS) for f in doc.iterfind(".//oai:metadataFormat", NS)
        ]

    doc = oai(client, {"verb": "ListMetadataFormats"})
    assert prefixes(doc) == ["oai_dc", "mods"]
    formats = {
        f.findtext("oai:metadataPrefix", namespaces=NS): (
            f.findtext("oai:schema", namespaces=NS),
            f.findtext("oai:metadataNamespace", namespaces=NS),
        )
        for f in doc.iterfind(".//oai:metadataFormat", NS)
    }
    assert formats["oai_dc"] == (
        "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
        "http://www.openarchives.org/OAI/2.0/oai_dc/",
    )
    assert formats["mods"] == (
        "http://www.loc.gov/standards/mods/v3/mods-3-6.xsd",
        "http://www.loc.gov/mods/v3",
    )
    assert prefixes(oai(client, {"verb": "ListMetadataFormats", "identifier": ident("oai/rich")})) == [
        "oai_dc",
        "mods",
    ]
    assert prefixes(oai(client, {"verb": "ListMetadataFormats", "identifier": ident("oai/withdrawn")})) == [
        "oai_dc",
        "mods",
    ]
    for rid in NEVER | {"no/such/record"}:
        doc = oai(client, {"verb": "ListMetadataFormats", "identifier": ident(rid)})
        assert error(doc) == "idDoesNotExist"
        assert echoed(doc) == {"verb": "ListMetadataFormats", "identifier": ident(rid)}


# -- sets -----------------------------------------------------------------------------------------------------


def test_list_sets_pages_through_every_collection(client, corpus):
    from readingroom.records.models import Authority

    docs = pages(client, "ListSets")
    assert len(docs) > 1  # PAGE_SIZE is small: the list comes in pages
    sets = {
        s.findtext("oai:setSpec", namespaces=NS): s for doc in docs for s in doc.iterfind(".//oai:set", NS)
    }
    keys = set(Authority.objects.filter(kind="collection").values_list("key", flat=True))
    assert set(sets) == {setspecs.from_key(k) for k in keys}
    assert "frus1964-68v07~ch1" in sets and "letters~1968!3Aoct!7E" in sets
    october = sets["letters~1968!3Aoct!7E"]
    assert october.findtext("oai:setName", namespaces=NS) == "October 1968"
    description = october.find("oai:setDescription/oai_dc:dc", NS)
    assert description.findtext("dc:identifier", namespaces=NS) == f"{BASE}/collections/letters/1968:oct~/"
    assert description.findtext("dc:relation", namespaces=NS) == f"{BASE}/collections/letters/"


@pytest.mark.parametrize(
    "key", ["frus1964-68v07/ch1", "letters/1968:oct~", "a b", "Ünïcode/x", "!41", "~", "a.b-c_d", "x:y:z"]
)
def test_set_specs_are_valid_and_reversible(key):
    from readingroom.oai.arguments import SET_SPEC_PATTERN

    spec = setspecs.from_key(key)
    assert SET_SPEC_PATTERN.fullmatch(spec) and ":" not in spec
    assert setspecs.to_key(spec) == key


def test_set_specs_that_no_key_makes():
    assert setspecs.from_key("frus1964-68v07/ch1") == "frus1964-68v07~ch1"
    for spec in (
        "!41",
        "a!4",
        "a!zz",
        "a:b",
        "!C3",
    ):  # "A" is spelt "A"; half an escape; a hierarchy; half a letter
        assert setspecs.to_key(spec) is None


def test_a_set_holds_the_records_of_its_collection_and_those_below(client, corpus):
    from readingroom.records.models import Record

    def ids(**params):
        return {
            record_id(h) for h in headers(pages(client, "ListIdentifiers", metadataPrefix="oai_dc", **params))
        }

    frus = {r for r in public_ids() if r.startswith("frus1964-68v07/")}
    assert ids(set="frus1964-68v07") == frus  # the volume: records linked to its chapters
    chapter = set(
        Record.objects.filter(links__authority__key="frus1964-68v07/ch1").values_list("id", flat=True)
    )
    assert ids(set="frus1964-68v07~ch1") == chapter and chapter < frus
    # A hidden record in the set never shows; a withdrawn one shows deleted.
    assert ids(set="letters") == {"oai/tie-a", "oai/tie-b", "oai/rich", "oai/withdrawn"}
    assert ids(set="letters~1968!3Aoct!7E") == {"oai/rich"}
    doc = oai(client, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "no-such-collection"})
    assert error(doc) == "noRecordsMatch"
    rich = [
        h
        for h in headers(pages(client, "ListIdentifiers", metadataPrefix="oai_dc", set="letters"))
        if record_id(h) == "oai/rich"
    ][0]
    assert [s.text for s in rich.iterfind("oai:setSpec", NS)] == ["letters~1968!3Aoct!7E", "letters"]


# -- ListIdentifiers, ListRecords, GetRecord ---------------------------------------------------------------


def test_list_identifiers_shows_the_public_records_and_the_withdrawn_ones_as_deleted(client, corpus):
    docs = pages(client, "ListIdentifiers", metadataPrefix="oai_dc")
    found = headers(docs)
    ids = [record_id(h) for h in found]
    assert len(ids) == len(set(ids))
    assert {i for i, h in zip(ids, found, strict=True) if h.get("status") != "deleted"} == public_ids()
    assert {i for i, h in zip(ids, found, strict=True) if h.get("status") == "deleted"} == {"oai/withdrawn"}
    assert not NEVER & set(ids)
    # In (datestamp, id) order; the two records of the same microsecond in id order, across a page boundary.
    stamps = [h.findtext("oai:datestamp", namespaces=NS) for h in found]
    assert stamps == sorted(stamps)
    assert ids[:4] == ["oai/old-1", "oai/embargo-over", "oai/tie-a", "oai/tie-b"]
    assert stamps[:4] == ["2001-01-01T00:00:00Z"] + ["2001-06-15T10:20:30Z"] * 3
    # The withdrawn record's datestamp is the time it was withdrawn.
    withdrawn = found[ids.index("oai/withdrawn")]
    assert withdrawn.findtext("oai:datestamp", namespaces=NS) > "2002"


@pytest.mark.parametrize("prefix", ["oai_dc", "mods"])
def test_list_records_in_each_format(client, corpus, prefix):
    docs = pages(client, "ListRecords", metadataPrefix=prefix)
    records = [r for doc in docs for r in doc.iterfind(".//oai:record", NS)]
    ids = [record_id(r.find("oai:header", NS)) for r in records]
    assert set(ids) == public_ids() | {"oai/withdrawn"}
    for rid, record in zip(ids, records, strict=True):
        deleted = record.find("oai:header", NS).get("status") == "deleted"
        assert deleted == (rid == "oai/withdrawn")
        # A deleted record is its header alone: never its metadata.
        assert (record.find("oai:metadata", NS) is None) == deleted
    assert b"Withdrawn after publication" not in b"".join(etree.tostring(d) for d in docs)


def test_oai_dc_mapping(client, corpus):
    doc = oai(client, {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": ident("oai/rich")})
    dc = doc.find(".//oai_dc:dc", NS)

    def values(name):
        return [e.text for e in dc.iterfind(f"dc:{name}", NS)]

    assert values("title") == [RICH["title"]]
    assert values("creator") == ["Embassy in Saigon"]
    assert values("contributor") == ["Merle Pribbenow"]
    assert values("subject") == ["Paris Peace Talks", "Rusk, Dean"]
    assert values("description") == ["A letter (a bell character the XML cannot carry) about the talks."]
    assert values("date") == ["1968-10-15/1968-10-20"]
    assert values("type") == ["Text", "Letter"]
    assert values("identifier") == [ident("oai/rich")]
    assert values("language") == ["vie", "eng"]
    assert values("coverage") == ["Hà Nội"]
    assert values("source") == [
        "Archive of the Party Central Committee, Hanoi. file: 12; fond: Phu Thu Tuong"
    ]
    assert values("relation") == ["Letters", "October 1968"]
    assert values("rights") == [RICH["rights"]["statement"], RICH["rights"]["uri"]]
    assert values("publisher") == ["Readingroom tests"]


def test_mods_mapping(client, corpus):
    doc = oai(client, {"verb": "GetRecord", "metadataPrefix": "mods", "identifier": ident("oai/rich")})
    mods = doc.find(".//mods:mods", NS)

    def texts(path):
        return [e.text for e in mods.iterfind(path, NS)]

    assert texts("mods:titleInfo/mods:title") == [RICH["title"]]
    names = {
        n.findtext("mods:namePart", namespaces=NS): (
            n.get("type"),
            texts_of(n, "mods:role/mods:roleTerm"),
            n.get("valueURI"),
        )
        for n in mods.iterfind("mods:name", NS)
    }
    assert names == {
        "Embassy in Saigon": ("corporate", ["cre", "creator"], f"{BASE}/organizations/embassy-in-saigon/"),
        "Le Duc Tho": ("personal", ["rcp", "recipient"], f"{BASE}/persons/le-duc-tho/"),
        "Merle Pribbenow": ("personal", ["trl", "translator"], f"{BASE}/persons/merle-pribbenow/"),
        "Henry Luce Foundation": ("corporate", ["fnd", "funder"], f"{BASE}/funders/henry-luce-foundation/"),
    }
    origin = mods.find("mods:originInfo[@eventType='production']", NS)
    assert origin.findtext("mods:place/mods:placeTerm", namespaces=NS) == "Saigon"
    assert [(d.get("encoding"), d.get("point"), d.text) for d in origin.iterfind("mods:dateCreated", NS)] == [
        (None, None, "15-20 October 1968"),
        ("edtf", None, "1968-10-15/1968-10-20"),
        ("iso8601", "start", "1968-10-15"),
        ("iso8601", "end", "1968-10-20"),
    ]
    assert origin.find("mods:dateCreated[@encoding='edtf']", NS).get("keyDate") == "yes"
    assert texts("mods:originInfo[@eventType='publication']/mods:publisher") == ["Readingroom tests"]
    assert texts("mods:language/mods:languageTerm[@authority='iso639-2b']") == ["vie", "eng"]
    assert texts("mods:subject/mods:topic") == ["Paris Peace Talks"]
    assert texts("mods:subject/mods:geographic") == ["Hà Nội"]
    assert texts("mods:subject/mods:name/mods:namePart") == ["Rusk, Dean"]
    assert texts("mods:genre") == ["Letter"] and texts("mods:note[@type='classification']") == ["Secret"]
    assert mods.find("mods:location/mods:physicalLocation", NS).text == RICH["repository"]
    assert texts("mods:location/mods:shelfLocator") == ["file: 12; fond: Phu Thu Tuong"]
    assert texts("mods:location/mods:url") == [ident("oai/rich")]
    assert texts("mods:identifier[@type='uri']") == [ident("oai/rich")]
    access = mods.find("mods:accessCondition", NS)
    assert access.text == RICH["rights"]["statement"]
    assert access.get(f"{{{NS['xlink']}}}href") == RICH["rights"]["uri"]
    assert texts("mods:part/mods:detail[@type='document']/mods:number") == ["42"]
    # The collection hierarchy: the October host inside... the Letters host inside it.
    host = mods.find("mods:relatedItem[@type='host']", NS)
    assert host.findtext("mods:titleInfo/mods:title", namespaces=NS) == "October 1968"
    assert (
        host.findtext("mods:relatedItem[@type='host']/mods:titleInfo/mods:title", namespaces=NS) == "Letters"
    )
    assert len(mods.findall("mods:relatedItem", NS)) == 1
    assert texts("mods:recordInfo/mods:recordIdentifier") == ["oai/rich"]
    assert texts("mods:recordInfo/mods:recordChangeDate") == ["2002-06-01T12:00:00+00:00"]


def texts_of(el, path):
    return [e.text for e in el.iterfind(path, NS)]


def test_mods_of_a_frus_document_nests_volume_part_and_chapter(client, corpus):
    doc = oai(
        client, {"verb": "GetRecord", "metadataPrefix": "mods", "identifier": ident("frus1964-68v07/d1")}
    )
    mods = doc.find(".//mods:mods", NS)
    chain = []
    host = mods.find("mods:relatedItem[@type='host']", NS)
    while host is not None:
        chain.append(host.findtext("mods:identifier[@type='local']", namespaces=NS))
        host = host.find("mods:relatedItem[@type='host']", NS)
    assert chain == ["frus1964-68v07/ch1", "frus1964-68v07/copm1", "frus1964-68v07"]
    assert [
        n.findtext("mods:role/mods:roleTerm[@type='code']", namespaces=NS)
        for n in mods.iterfind("mods:name", NS)
    ] == ["cre", "rcp"]
    assert (
        mods.findtext("mods:originInfo/mods:dateCreated[@encoding='edtf']", namespaces=NS)
        == "1968-09-02T10:10:00"
    )
    header = doc.find(".//oai:header", NS)
    assert [s.text for s in header.iterfind("oai:setSpec", NS)] == [
        "frus1964-68v07~ch1",
        "frus1964-68v07~copm1",
        "frus1964-68v07",
    ]


def test_get_record(client, corpus):
    doc = oai(
        client, {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": ident("oai/embargo-over")}
    )
    assert error(doc) is None
    assert doc.findtext(".//dc:title", namespaces=NS) == "Embargo over"
    deleted = oai(
        client, {"verb": "GetRecord", "metadataPrefix": "mods", "identifier": ident("oai/withdrawn")}
    )
    header = deleted.find(".//oai:header", NS)
    assert header.get("status") == "deleted" and deleted.find(".//oai:metadata", NS) is None
    assert [s.text for s in header.iterfind("oai:setSpec", NS)] == ["letters"]
    for identifier in [ident(r) for r in NEVER] + [
        ident("oai/rich", "https://elsewhere.example"),
        "oai/rich",
        ident("oai/rich") + "x/",
        "not a uri at all",
    ]:
        doc = oai(client, {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": identifier})
        assert error(doc) == "idDoesNotExist", identifier
    doc = oai(client, {"verb": "GetRecord", "metadataPrefix": "marc21", "identifier": ident("oai/rich")})
    assert error(doc) == "cannotDisseminateFormat"
    assert echoed(doc) == {"verb": "GetRecord", "metadataPrefix": "marc21", "identifier": ident("oai/rich")}


def test_from_and_until(client, corpus):
    def ids(**params):
        doc_pages = pages(client, "ListIdentifiers", metadataPrefix="oai_dc", **params)
        return [record_id(h) for h in headers(doc_pages)]

    assert ids(**{"from": "2001-01-01", "until": "2001-12-31"}) == [
        "oai/old-1",
        "oai/embargo-over",
        "oai/tie-a",
        "oai/tie-b",
    ]
    # Seconds: `until` takes in the whole second it names, `from` starts at it.
    assert ids(**{"from": "2001-06-15T10:20:30Z", "until": "2001-06-15T10:20:30Z"}) == [
        "oai/embargo-over",
        "oai/tie-a",
        "oai/tie-b",
    ]
    assert ids(**{"from": "2001-06-15T10:20:31Z", "until": "2002-06-01T12:00:00Z"}) == ["oai/rich"]
    assert ids(until="2001-01-01T00:00:00Z") == ["oai/old-1"]
    assert set(ids(**{"from": "2002-06-01T12:00:01Z"})) == (public_ids() | {"oai/withdrawn"}) - {
        "oai/old-1",
        "oai/embargo-over",
        "oai/tie-a",
        "oai/tie-b",
        "oai/rich",
    }
    doc = oai(client, {"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "1999-12-31"})
    assert error(doc) == "noRecordsMatch"
    assert echoed(doc) == {"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "1999-12-31"}


def test_post_is_get(client, corpus):
    params = {"verb": "ListIdentifiers", "metadataPrefix": "mods", "set": "letters"}
    got, posted = oai(client, params), oai(client, params, method="post")
    assert [etree.tostring(h) for h in headers([got])] == [etree.tostring(h) for h in headers([posted])]
    token = posted.findtext(".//oai:resumptionToken", namespaces=NS)
    again = oai(client, {"verb": "ListIdentifiers", "resumptionToken": token}, method="post")
    assert error(again) is None and echoed(again) == {"verb": "ListIdentifiers", "resumptionToken": token}
    assert client.put("/oai?verb=Identify").status_code == 405


# -- errors ---------------------------------------------------------------------------------------------------

LIST = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
BAD_REQUESTS = [
    ("badVerb", "", "the verb argument is missing"),
    ("badVerb", "verb=Explain", "'Explain' is not an OAI-PMH verb"),
    ("badVerb", "verb=Identify&verb=Identify", "the verb argument is repeated"),
    ("badVerb", "metadataPrefix=oai_dc", "the verb argument is missing"),
    ("badArgument", "verb=Identify&set=x", "Identify takes no argument 'set'"),
    ("badArgument", "verb=ListRecords", "ListRecords needs the argument 'metadataPrefix'"),
    ("badArgument", "verb=GetRecord&metadataPrefix=oai_dc", "GetRecord needs the argument 'identifier'"),
    (
        "badArgument",
        "verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=mods",
        "'metadataPrefix' is repeated",
    ),
    ("badArgument", "verb=ListRecords&metadataPrefix=oai_dc&from=", "the argument 'from' is empty"),
    ("badArgument", "verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=abc", "exclusive argument"),
    ("badArgument", "verb=ListRecords&metadataPrefix=oai_dc&from=2001-01-01T00:00:00", "is not a datestamp"),
    ("badArgument", "verb=ListRecords&metadataPrefix=oai_dc&from=2001-02-30", "is not a date that exists"),
    (
        "badArgument",
        "verb=ListRecords&metadataPrefix=oai_dc&from=2001-01-01&until=2002-01-01T00:00:00Z",
        "the same granularity",
    ),
    (
        "badArgument",
        "verb=ListRecords&metadataPrefix=oai_dc&from=2002-01-01&until=2001-01-01",
        "is later than",
    ),
    ("badArgument", "verb=ListRecords&metadataPrefix=oai_dc&set=a%20b", "is not a setSpec"),
    ("badArgument", "verb=ListRecords&metadataPrefix=oai%20dc", "is not a metadata prefix"),
    ("badArgument", "verb=ListSets&resumptionToken=x&set=y", "ListSets takes no argument 'set'"),
    (
        "badResumptionToken",
        "verb=ListRecords&resumptionToken=not-a-token",
        "not one this repository gave out",
    ),
    ("badResumptionToken", "verb=ListSets&resumptionToken=bm90IGpzb24", "not one this repository gave out"),
    ("cannotDisseminateFormat", "verb=ListIdentifiers&metadataPrefix=marc21", "no metadata format 'marc21'"),
    ("idDoesNotExist", "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:x:y", "no item 'oai:x:y'"),
    ("noRecordsMatch", "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2999-01-01", "no records match"),
    ("noRecordsMatch", "verb=ListIdentifiers&metadataPrefix=mods&set=frus1964-68v99", "no records match"),
]


@pytest.mark.parametrize("code,query,message", BAD_REQUESTS, ids=[f"{c}:{q}" for c, q, _ in BAD_REQUESTS])
def test_each_error_code_with_its_message(client, corpus, code, query, message):
    doc = oai(client, query=query)
    assert error(doc) == code
    assert message in doc.findtext("oai:error", namespaces=NS)
    assert [el.tag.split("}")[1] for el in doc] == ["responseDate", "request", "error"]
    if code in ("badVerb", "badArgument"):
        assert echoed(doc) == {}  # the protocol: the request was not understood, so no arguments are echoed
    else:
        assert echoed(doc)["verb"]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("from=2001-02-03", ("2001-02-03T00:00:00+00:00", "2001-02-04T00:00:00+00:00", True)),
        ("until=2001-02-03T04:05:06Z", ("2001-02-03T04:05:06+00:00", "2001-02-03T04:05:07+00:00", False)),
        ("until=9999-12-31", ("9999-12-31T00:00:00+00:00", "9999-12-31T23:59:59.999999+00:00", True)),
        (
            "from=2001-02-03&until=2001-02-03",
            ("2001-02-03T00:00:00+00:00", "2001-02-04T00:00:00+00:00", True),
        ),
    ],
)
def test_datestamp_arguments(query, expected):
    from urllib.parse import parse_qs

    from readingroom.oai import arguments

    args = arguments.parse(parse_qs(f"verb=ListIdentifiers&metadataPrefix=oai_dc&{query}").items())
    bound = args.until or args.from_
    assert (bound.value.isoformat(), bound.end.isoformat(), bound.day) == expected


@pytest.mark.parametrize(
    "value",
    [
        "0000-01-01",
        "2001-1-01",
        "2001-01-01T00:00Z",
        "2001-01-01T00:00:00+01:00",
        "2001-01-01T00:00:00.5Z",
        "2001-01-01T24:00:00Z",
        "yesterday",
    ],
)
def test_datestamps_refused(value):
    from readingroom.oai import arguments
    from readingroom.oai.errors import BadArgument

    with pytest.raises(BadArgument, match="from="):
        arguments.parse([("verb", ["ListRecords"]), ("metadataPrefix", ["oai_dc"]), ("from", [value])])


def forge(body: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode().rstrip("=")


def test_bad_resumption_tokens(client, corpus):
    first = oai(client, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})
    token = first.findtext(".//oai:resumptionToken", namespaces=NS)
    body = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    assert error(oai(client, {"verb": "ListIdentifiers", "resumptionToken": forge(body)})) is None
    cases = {
        "another verb's token": ("ListRecords", token),
        "a ListSets token": ("ListIdentifiers", forge({"v": 1, "verb": "ListSets", "after": "a", "n": 2})),
        "another version": ("ListIdentifiers", forge({**body, "v": 99})),
        "a cursor without a time zone": (
            "ListIdentifiers",
            forge({**body, "after": ["2001-01-01T00:00:00", "x"]}),
        ),
        "a negative count": ("ListIdentifiers", forge({**body, "n": -1})),
        "a prefix no longer offered": ("ListIdentifiers", forge({**body, "prefix": "marc21"})),
        "a bad date inside": ("ListIdentifiers", forge({**body, "from": "2001-13-01"})),
        "no position": ("ListIdentifiers", forge({k: v for k, v in body.items() if k != "after"})),
        "an empty object": ("ListIdentifiers", forge({})),
        "not base64": ("ListIdentifiers", "!!!"),
    }
    for what, (verb, bad) in cases.items():
        doc = oai(client, {"verb": verb, "resumptionToken": bad})
        assert error(doc) == "badResumptionToken", what
        assert echoed(doc) == {"verb": verb, "resumptionToken": bad}


class Declining(MetadataFormat):
    """A third party's format that describes nothing (to reach noMetadataFormats)."""

    prefix, schema, namespace = "nothing", "http://example.org/nothing.xsd", "http://example.org/nothing"

    def can_disseminate(self, item):
        return False


class FixedLinks:
    endpoint = "http://archive.example.org/oai"

    def record(self, record_id):
        return f"http://archive.example.org/records/{record_id}/"

    def record_id(self, identifier):
        prefix = "http://archive.example.org/records/"
        return identifier[len(prefix) : -1] if identifier.startswith(prefix) else None

    def authority(self, kind, key):
        return f"http://archive.example.org/{kind}/{key}/"


def respond(provider, registry, **params) -> etree._Element:
    repo = Repository(
        provider, registry, FixedLinks(), name="Test", admin_emails=["a@example.org"], page_size=2
    )
    return validated(repo.respond((k, [v]) for k, v in params.items()))


def test_no_metadata_formats(corpus):
    from readingroom.oai.records_provider import RecordsProvider

    registry = FormatRegistry([Declining()])
    doc = respond(
        RecordsProvider(),
        registry,
        verb="ListMetadataFormats",
        identifier="http://archive.example.org/records/oai/rich/",
    )
    assert error(doc) == "noMetadataFormats"
    assert (
        error(respond(RecordsProvider(), FormatRegistry(), verb="ListMetadataFormats")) == "noMetadataFormats"
    )
    # A format that declines an item does not disseminate it, and the deleted ones are headers in any format.
    doc = respond(
        RecordsProvider(),
        registry,
        verb="GetRecord",
        metadataPrefix="nothing",
        identifier="http://archive.example.org/records/oai/rich/",
    )
    assert error(doc) == "cannotDisseminateFormat"
    doc = respond(RecordsProvider(), registry, verb="ListIdentifiers", metadataPrefix="nothing")
    assert [h.get("status") for h in headers([doc])] == ["deleted"]


# -- resumption tokens ----------------------------------------------------------------------------------------


def test_a_token_is_a_cursor_not_an_offset(client, corpus):
    doc = oai(
        client,
        {
            "verb": "ListIdentifiers",
            "metadataPrefix": "oai_dc",
            "set": "letters",
            "from": "2001-01-01T00:00:00Z",
        },
    )
    token = tokens.decode_list(doc.findtext(".//oai:resumptionToken", namespaces=NS), "ListIdentifiers")
    last = headers([doc])[-1]
    assert token.after.record_id == record_id(last) == "oai/tie-b"
    assert token.after.datestamp == dt.datetime.fromisoformat(T2)  # to the microsecond, not the second shown
    assert (token.metadata_prefix, token.set_spec, token.from_, token.until, token.cursor) == (
        "oai_dc",
        "letters",
        "2001-01-01T00:00:00Z",
        None,
        2,
    )


def test_a_token_stays_valid_while_records_change(client, corpus):
    store = corpus.store
    first = oai(client, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})
    seen = [record_id(h) for h in headers([first])]
    token = first.findtext(".//oai:resumptionToken", namespaces=NS)
    assert seen == ["oai/old-1", "oai/embargo-over"]
    store.save({"id": "oai/added", "title": "Added during the harvest"})
    store.save({"id": "oai/old-1", "title": "The first record, corrected"})  # seen: it comes again, later
    store.set_status("oai/tie-b", "withdrawn", reason="a test")  # not seen yet: it comes later, deleted
    store.set_status("oai/tie-a", "draft")  # not seen yet and now hidden: it never comes
    docs = [first] + pages(client, "ListIdentifiers", sent=2, resumptionToken=token)
    found = headers(docs)
    ids = [record_id(h) for h in found]
    assert "oai/tie-a" not in ids
    assert ids.count("oai/old-1") == 2 and ids.index("oai/added") > ids.index("oai/rich")
    assert [h.get("status") for h in found if record_id(h) == "oai/tie-b"] == ["deleted"]
    assert set(ids) == public_ids() | {"oai/withdrawn", "oai/tie-b"}


@pytest.mark.sqlite_only
def test_sqlite_reads_a_deep_page_from_the_index(corpus):
    """The page query is a range scan of the (updated, id) index that stops after the page, with no sort:
    page 10,000 costs what page 1 costs (bench/oai.py measures it)."""
    from django.db import connection

    from readingroom.records import harvest

    cursor_position = (dt.datetime.fromisoformat(T2), "oai/tie-a")
    for query in (
        harvest.page_query(after=cursor_position),
        harvest.page_query(),
        harvest.page_query(
            after=cursor_position,
            collections=[1, 2],
            with_documents=True,
            since=dt.datetime(2001, 1, 1, tzinfo=dt.UTC),
        ),
    ):
        sql, params = query[:3].query.sql_with_params()
        table = '"records_record"'
        sql = sql.replace(
            f"FROM {table} WHERE", f"FROM {table} INDEXED BY {harvest.UPDATED_ID_INDEX} WHERE", 1
        )
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " | ".join(row[-1] for row in cursor.fetchall())
        assert "USING INDEX record_updated_id" in plan, plan
        assert "TEMP B-TREE" not in plan and "MULTI-INDEX" not in plan, plan
    rows = harvest.page(2, after=cursor_position)
    assert [r.id for r in rows] == ["oai/tie-b", "oai/rich"]


@pytest.mark.postgresql_only
def test_postgresql_can_answer_the_page_from_the_index(corpus):
    """On PostgreSQL the cursor is a row comparison the (updated, id) index answers (the planner takes a
    sequential scan of a table this small unless told not to)."""
    from django.db import connection, transaction

    from readingroom.records import harvest

    query = harvest.page_query(after=(dt.datetime.fromisoformat(T2), "oai/tie-a"))[:3]
    sql, params = query.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using record_updated_id" in plan and "Index Cond: (ROW(updated, " in plan, plan
    assert "Sort" not in plan, plan


# -- the provider interface and the format registry --------------------------------------------------------------


class ListProvider(Provider):
    """Five items in memory: the protocol needs nothing of the records layer."""

    def __init__(self):
        start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
        self.all = [
            Item(
                f"n{i}",
                start + dt.timedelta(hours=i),
                deleted=i == 3,
                document=None if i == 3 else {"title": f"Item {i}"},
            )
            for i in range(5)
        ]

    def earliest_datestamp(self):
        return self.all[0].datestamp

    def has_sets(self):
        return True

    def sets(self, after, limit):
        return [SetInfo(spec="all", name="Everything", key="all")] if after is None else []

    def items(self, selection: Selection, after, limit, *, metadata):
        return [
            i
            for i in self.all
            if (after is None or (i.datestamp, i.record_id) > (after.datestamp, after.record_id))
            and (selection.since is None or i.datestamp >= selection.since)
            and (selection.before is None or i.datestamp < selection.before)
        ][:limit]

    def item(self, record_id):
        return next((i for i in self.all if i.record_id == record_id), None)


def test_the_protocol_runs_on_any_provider():
    provider, registry = ListProvider(), FormatRegistry.default()
    doc = respond(
        provider, registry, verb="ListRecords", metadataPrefix="oai_dc", until="2020-01-01T02:00:00Z"
    )
    assert [r.findtext(".//dc:title", namespaces=NS) for r in doc.iterfind(".//oai:record", NS)] == [
        "Item 0",
        "Item 1",
    ]
    token = doc.findtext(".//oai:resumptionToken", namespaces=NS)
    last = respond(provider, registry, verb="ListRecords", resumptionToken=token)
    assert [record_id(h, "http://archive.example.org") for h in headers([last])] == ["n2"]
    assert last.find(".//oai:resumptionToken", NS).get("cursor") == "2"
    doc = respond(
        provider,
        registry,
        verb="GetRecord",
        metadataPrefix="mods",
        identifier="http://archive.example.org/records/n3/",
    )
    assert doc.find(".//oai:header", NS).get("status") == "deleted"


def test_builtin_formats_are_the_entry_points_pyproject_declares():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"][
        "readingroom.oai_formats"
    ]
    assert sorted(declared.values()) == sorted(BUILTINS)
    registry = FormatRegistry.default()
    assert [f.prefix for f in registry.formats()][:2] == ["oai_dc", "mods"]
    registry.register(Declining())
    with pytest.raises(ValueError, match="already registered"):
        registry.register(Declining())

    class Nameless(MetadataFormat):
        schema, namespace = "http://example.org/x.xsd", "http://example.org/x"

    with pytest.raises(ValueError, match="set the class attribute `prefix`"):
        registry.register(Nameless())


def test_an_imported_file_is_stamped_when_it_commits_not_when_it_began(import_files, tmp_path, db):
    """A harvest made while a long import file is being written cannot see its records yet; the harvester's next
    `from` is that harvest's time. The file's records must carry a datestamp after it, so: stamped just before
    the commit (after the file's last batch and its audit event), not as each batch was written."""
    from readingroom.records.models import AuditEvent, Record

    path = tmp_path / "cables.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for i in range(1300):  # three batches of the store's writer
            f.write(json.dumps({"id": f"stamp/{i}", "title": f"Cable {i}", "status": "published"}) + "\n")
    report = import_files(path)
    assert report.total("created") == 1300
    event = AuditEvent.objects.filter(action="import", target=str(path)).get()
    stamps = list(Record.objects.filter(id__startswith="stamp/").values_list("updated", flat=True))
    assert len(stamps) == 1300 and min(stamps) >= event.time


def test_a_public_record_deleted_or_merged_away_stays_a_deleted_header(client, corpus):
    """deletedRecord is "persistent": a record the public saw, deleted or merged into another, is listed as a
    deleted header for good (in its sets, at the time it went); one never public is not heard of; saved again,
    it is a record again."""
    store = corpus.store
    letters = [{"id": "letters", "name": "Letters"}]
    store.save({"id": "oai/gone", "title": "Deleted after publication", "collections": letters})
    store.save({"id": "oai/dup", "title": "A duplicate of the first record"})
    store.save({"id": "oai/draft-gone", "title": "Never public", "status": "draft", "collections": letters})
    store.delete("oai/gone", note="a test")
    store.merge("oai/dup", "oai/old-1")
    store.delete("oai/draft-gone", note="a test")

    found = headers(pages(client, "ListIdentifiers", metadataPrefix="oai_dc"))
    ids = [record_id(h) for h in found]
    assert len(ids) == len(set(ids))
    assert {i for i, h in zip(ids, found, strict=True) if h.get("status") == "deleted"} == {
        "oai/withdrawn",
        "oai/gone",
        "oai/dup",
    }
    assert "oai/draft-gone" not in ids
    stamps = [h.findtext("oai:datestamp", namespaces=NS) for h in found]
    assert stamps == sorted(stamps)
    assert ids[-2:] == sorted(["oai/gone", "oai/dup"], key=lambda i: ids.index(i))  # went last: listed last

    in_letters = headers(pages(client, "ListIdentifiers", metadataPrefix="oai_dc", set="letters"))
    gone = [h for h in in_letters if record_id(h) == "oai/gone"]
    assert len(gone) == 1 and gone[0].get("status") == "deleted"
    assert gone[0].findtext("oai:setSpec", namespaces=NS) == "letters"
    since = gone[0].findtext("oai:datestamp", namespaces=NS)
    recent = headers(pages(client, "ListIdentifiers", metadataPrefix="oai_dc", **{"from": since}))
    assert "oai/gone" in {record_id(h) for h in recent}  # an incremental harvest hears of it

    doc = oai(client, {"verb": "GetRecord", "identifier": ident("oai/gone"), "metadataPrefix": "oai_dc"})
    assert doc.find(".//oai:header", NS).get("status") == "deleted"
    assert doc.find(".//oai:metadata", NS) is None
    doc = oai(
        client, {"verb": "GetRecord", "identifier": ident("oai/draft-gone"), "metadataPrefix": "oai_dc"}
    )
    assert error(doc) == "idDoesNotExist"

    store.save({"id": "oai/gone", "title": "Back again"})
    found = headers(pages(client, "ListIdentifiers", metadataPrefix="oai_dc"))
    back = [h for h in found if record_id(h) == "oai/gone"]
    assert len(back) == 1 and back[0].get("status") is None
