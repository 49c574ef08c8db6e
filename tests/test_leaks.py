"""The leak suite: nothing of a draft, an in-review, an embargoed or a withdrawn record reaches the public, on any
URL the project defines (docs/access.md says how it works and how to add a URL to it).

tests/leaks.py builds the archive (one public record; a hidden record in each state, every value of it marked) and
holds the table of URLs: every URL pattern the project defines must have concrete URLs there, or this suite fails
naming the pattern. Each URL is fetched anonymously, on each search engine, and its body and headers must not
show a marker of a hidden record (OAI-PMH may announce the withdrawn record as a deleted header, and the withdrawn
record's own address may become its tombstone, showing its title).
"""

from __future__ import annotations

import json
import re
import types
import uuid
from collections import Counter

import pytest
from django.urls import path

from readingroom.records.vocabulary import AUTHORITY_KIND

from . import leaks
from .leaks import MARKER, PUBLIC_ID, TAGS, hidden_id

pytestmark = pytest.mark.django_db

BACKENDS = ["tantivy", "typesense"]


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    from tests.search.conftest import make_backend

    backend = make_backend(request.param, request, tmp_path)
    yield backend
    backend.close()
    if backend.name == "typesense":
        backend.drop()


@pytest.fixture
def leak_archive(engine, tmp_path, settings, db):
    """The leak archive (tests/leaks.py) searched with each engine, served by the web app while the test runs."""
    from django.apps import apps

    from readingroom.archive import Archive
    from readingroom.config import ArchiveSettings

    own = Archive(
        ArchiveSettings.from_environment(
            home=tmp_path / f"archive-{uuid.uuid4().hex[:6]}", search_backend=engine.name
        ),
        search=engine,
    )
    web = apps.get_app_config("web")
    previous = web.install(own)
    leaks.build(own, settings)
    yield own
    web.install(previous)


# -- every URL pattern has leak coverage --------------------------------------------------------------------------


def test_every_url_pattern_has_urls_in_the_table():
    patterns = leaks.url_patterns()
    missing = leaks.uncovered(patterns, leaks.url_table())
    assert not missing, (
        "URL patterns without leak coverage: "
        + ", ".join(repr(p) for p in missing)
        + ". Add concrete URLs that exercise each (with the hidden records' ids and keys where it takes them) "
        "to url_table() in tests/leaks.py; docs/access.md says how."
    )
    stale = sorted(set(leaks.url_table()) - set(patterns))
    assert not stale, f"tests/leaks.py lists URL patterns the project no longer defines: {stale}"


def test_a_new_url_pattern_without_urls_fails_the_check():
    from readingroom import urls as project

    urlconf = types.ModuleType("leak_check_urls")
    urlconf.urlpatterns = [*project.urlpatterns, path("new-page/<slug:key>/", lambda r, key: None)]
    table = leaks.url_table()
    assert "new-page/<slug:key>/" in leaks.uncovered(leaks.url_patterns(urlconf), table)
    assert "new-page/<slug:key>/" not in leaks.uncovered(leaks.url_patterns(), table)


def test_the_check_sees_a_marker_a_url_did_not_ask_for():
    page = f"<li>Related: Title {TAGS['draft']}title</li>"
    assert leaks.leaks(page, "/records/leak/public/")
    assert not leaks.leaks(page, f"/search/?q={TAGS['draft']}title")  # an echoed query
    assert not leaks.leaks(page, "/records/x/", allow={f"{TAGS['draft']}title"})


# -- no surface shows a hidden record -----------------------------------------------------------------------------


def test_no_url_shows_a_hidden_record(leak_archive, client):
    problems = []
    fetched = 0
    for pattern, entries in leaks.url_table().items():
        for entry in entries:
            response = client.get(entry.url)
            fetched += 1
            if response.status_code not in entry.status:
                problems.append(f"{entry.url} ({pattern}): status {response.status_code}, not {entry.status}")
            for leak in leaks.leaks(leaks.response_text(response), entry.url, entry.allow):
                problems.append(f"{entry.url} ({pattern}): {leak}")
    for url in leaks.ADMIN_DOORS:  # the excluded editorial interface: a login page, nothing more
        response = client.get(url)
        if response.status_code != 302 or "/admin/login/" not in response["Location"]:
            problems.append(
                f"{url}: an anonymous reader is not sent to the login page ({response.status_code})"
            )
        problems += [f"{url}: {leak}" for leak in leaks.leaks(leaks.response_text(response), url)]
    assert fetched > 500
    by_path = Counter(problem.split(" ", 1)[0].split("?", 1)[0] for problem in problems)
    assert not problems, f"{len(problems)} leaks, by path: {dict(by_path)}\n" + "\n".join(problems[:200])


def test_a_hidden_record_answers_as_one_that_does_not_exist(leak_archive, client):
    """Its page, API resources, citations, manifest, media and authorities: 404 (410 for a tombstone), with the
    same body as for an id or key that was never there."""

    def same_as_unknown(url: str, word: str, unknown: str = "zqnosuchthing") -> None:
        hidden = client.get(url)
        other = client.get(url.replace(word, unknown))
        if state == "withdrawn" and word == record and hidden.status_code == 410:
            return  # its tombstone (another page's concern: test_no_url_shows_a_hidden_record checks what it shows)
        assert hidden.status_code == other.status_code == 404, url
        body = leaks.response_text(hidden).split("\n\n", 1)[1]
        assert body == leaks.response_text(other).split("\n\n", 1)[1].replace(unknown, word), url

    for state, tag in TAGS.items():
        record = f"{tag}id"
        urls = [
            f"/api/v1/records/{hidden_id(state)}",
            f"/srv/record/{hidden_id(state)}.json",
            f"/records/{hidden_id(state)}/@cite.bib",
            f"/records/{hidden_id(state)}/@manifest.json",
            f"/records/{hidden_id(state)}/@scans/1/",
            f"/media/{leaks.media_path(state)}",
        ]
        if (
            state != "withdrawn"
        ):  # its page, a tombstone, may show its title (test_no_url_shows_... allows it)
            urls.append(f"/records/{hidden_id(state)}/")
        for url in urls:
            same_as_unknown(url, record if "media" not in url else f"{tag}media")
        for kind, suffix in leaks.HIDDEN_AUTHORITIES:
            key = f"{tag}{suffix}"
            same_as_unknown(f"/{AUTHORITY_KIND[kind].plural}/{key}/", key)
            same_as_unknown(f"/api/v1/{AUTHORITY_KIND[kind].plural}/{key}", key)


def test_counts_and_totals_count_only_the_public_record(leak_archive, client):
    api = client.get("/api/v1/search").json()
    assert api["total"] == 1 and [h["id"] for h in api["hits"]] == [PUBLIC_ID]
    for name, facet in api["facets"].items():
        assert all(v["count"] == 1 for v in facet["values"]), (name, facet)
    values = {name: {v["value"] for v in facet["values"]} for name, facet in api["facets"].items()}
    assert values["lang"] == {"eng", "fre"} or values["lang"] == {"eng"}
    assert values["decade"] == {"1960s"}
    in_decade = client.get("/api/v1/search?decade=1960s").json()["facets"]["year"]["values"]
    assert [(v["value"], v["count"]) for v in in_decade] == [("1968", 1)]
    assert client.get("/api/v1/search?decade=1910s").json()["total"] == 0
    assert values["subject"] == {"Leak topics", "Shared subject"}
    assert values["collection"] == {"Leak shared collection"}
    assert client.get("/api/v1/search?q=shared+words").json()["total"] == 1
    page = client.get("/search/").content.decode()
    assert "1–1 of 1 document" in page
    counts = re.findall(r'<span class="count">(\d+)</span>', page)
    assert counts and set(counts) == {"1"}
    assert "No documents match." in client.get(f"/search/?q={TAGS['draft']}text").content.decode()
    assert client.get("/srv/record.json").json()["pagination"]["totalItems"] == 1
    assert client.get("/srv/record/date_range.json").json() == {"begin": "19681015", "end": "19681015"}
    assert client.get("/srv/collection/leak-shared.json").json()["no_of_documents"] == "1"
    # Browse: the years, and the trees and lists of authorities.
    years = client.get("/years/").content.decode()
    assert 'href="/years/1968/"' in years and not re.search(r'href="/years/191\d/"', years)
    subjects = client.get("/api/v1/subjects/").json()
    assert {a["key"]: a["records"] for a in subjects["authorities"]} == {
        "leak-topics": 1,
        "leak-shared-subject": 1,
    }
    topics = client.get("/api/v1/subjects/leak-topics").json()
    assert topics["total"] == 1 and topics["children"] == []
    collections = client.get("/collections/").content.decode()
    assert "Leak shared collection" in collections
    assert set(re.findall(r'<span class="count">(\d+)</span>', collections)) == {"1"}
    # The timeline and the links to the nearest year or day with documents know of the public record only.
    assert len(re.findall(r'class="bar ', years)) == 1 and 'title="1968: 1 document"' in years
    hidden_years = {d[:4] for d in leaks.DAYS.values()}
    for year in hidden_years:
        page = client.get(f"/years/{year}/").content.decode()
        assert f"No published document is dated in {year}" in page
        assert 'rel="next" href="/years/1968/"' in page and not re.search(r'href="/years/191\d/"', page)
    assert 'rel="prev"' not in client.get("/years/1968/").content.decode()
    for day in leaks.DAYS.values():
        page = client.get(f"/on-this-day/?date={day[5:]}").content.decode()
        assert "On this day: October 15" in page and "The public record about the shared words" in page
        assert 'rel="prev"' not in page and 'rel="next"' not in page  # no other day has public documents
    person = client.get("/persons/leak-rusk/").content.decode()
    assert "1 published document." in person


def test_oai_shows_the_withdrawn_record_only_as_a_deleted_header(leak_archive, client):
    from lxml import etree

    ns = {"oai": "http://www.openarchives.org/OAI/2.0/"}
    identifier = f"http://testserver/records/{hidden_id('withdrawn')}/"
    for verb in ("ListIdentifiers", "ListRecords"):
        doc = etree.fromstring(client.get(f"/oai?verb={verb}&metadataPrefix=oai_dc").content)
        headers = {h.findtext("oai:identifier", namespaces=ns): h for h in doc.iterfind(".//oai:header", ns)}
        assert set(headers) == {f"http://testserver/records/{PUBLIC_ID}/", identifier}
        withdrawn = headers[identifier]
        assert withdrawn.get("status") == "deleted"
        # Identifier and datestamp; no set of a collection that only it carried.
        assert [child.tag.split("}")[1] for child in withdrawn] == ["identifier", "datestamp", "setSpec"]
        assert withdrawn.findtext("oai:setSpec", namespaces=ns) == "leak-shared"
        if verb == "ListRecords":
            record = withdrawn.getparent()
            assert record.find("oai:metadata", ns) is None
    got = etree.fromstring(
        client.get(f"/oai?verb=GetRecord&metadataPrefix=mods&identifier={identifier}").content
    )
    assert (
        got.find(".//oai:header", ns).get("status") == "deleted" and got.find(".//oai:metadata", ns) is None
    )
    sets = etree.fromstring(client.get("/oai?verb=ListSets").content)
    assert [s.text for s in sets.iterfind(".//oai:setSpec", ns)] == ["leak-shared"]


def test_the_public_record_relates_to_no_hidden_record(leak_archive, client):
    """Its relations all point to hidden records (or one not in the archive): every surface leaves them all out,
    and shows no empty trace of them."""
    page = client.get(f"/records/{PUBLIC_ID}/").content.decode()
    assert "Related records" not in page
    assert client.get(f"/api/v1/records/{PUBLIC_ID}").json()["relations"] == []
    da = client.get(f"/srv/record/{PUBLIC_ID}.json").json()
    assert da["links"] == [] and da["attachments"] == []
    exported = json.loads(client.get("/export/?format=jsonl").getvalue().decode().splitlines()[0])
    assert exported["id"] == PUBLIC_ID and exported["relations"] == []


# -- the index holds public records only --------------------------------------------------------------------------


def test_the_index_holds_only_public_records_through_every_change(leak_archive, client):
    import datetime as dt

    from readingroom.records.models import Record

    store, indexer = leak_archive.store, leak_archive.indexer

    def indexed() -> set[str]:
        indexer.process_outbox()
        found = leak_archive.search.ids()
        public = set(Record.objects.public().values_list("pk", flat=True))
        assert found == public
        assert not indexer.check_drift()
        # What a reader is answered, facets and all (an engine may keep counts from before the change).
        answer = client.get("/api/v1/search").json()
        assert {h["id"] for h in answer["hits"]} == public and answer["total"] == len(public)
        counted = {v["value"]: v["count"] for v in answer["facets"]["subject"]["values"]}
        assert counted.get("Shared subject", 0) == len(public & {PUBLIC_ID, *(hidden_id(s) for s in TAGS)})
        return found

    assert indexed() == {PUBLIC_ID}
    store.set_status(PUBLIC_ID, "published", embargo_until=dt.date.today() + dt.timedelta(days=3))
    assert indexed() == set()  # put under embargo
    store.set_status(PUBLIC_ID, "published", embargo_until=None)
    assert indexed() == {PUBLIC_ID}
    store.set_status(PUBLIC_ID, "withdrawn", reason="a duplicate")
    assert indexed() == set()
    # What only it carried is gone with it, at once: the rule is asked at every request.
    assert client.get("/subjects/leak-topics/").status_code == 404
    assert client.get("/api/v1/search").json()["total"] == 0
    store.set_status(PUBLIC_ID, "published")
    store.set_status(hidden_id("draft"), "in-review")
    store.set_status(hidden_id("in-review"), "draft")
    assert indexed() == {PUBLIC_ID}
    store.set_status(hidden_id("draft"), "published")
    assert indexed() == {PUBLIC_ID, hidden_id("draft")}
    store.set_status(hidden_id("draft"), "draft")  # published, then taken back
    assert indexed() == {PUBLIC_ID}
    # An embargo ends without a write: the day comes, and the indexer finds the record.
    Record.objects.filter(pk=hidden_id("embargoed")).update(embargo_until=dt.date.today())
    indexer.release_embargoes()
    assert indexed() == {PUBLIC_ID, hidden_id("embargoed")}


# -- the rule, stated twice, gives one answer ---------------------------------------------------------------------


def test_the_authority_rule_for_one_and_for_many_agree(leak_archive):
    from readingroom.records import services, visibility
    from readingroom.records.models import Authority

    listed = set(Authority.objects.filter(visibility.public_authorities_q()).values_list("pk", flat=True))
    one_by_one = {a.pk for a in Authority.objects.all() if visibility.authority_is_public(a)}
    assert listed == one_by_one
    keys = set(Authority.objects.filter(pk__in=listed).values_list("kind", "key"))
    assert keys == set(leaks.PUBLIC_AUTHORITIES)
    for (
        authority
    ) in Authority.objects.all():  # read from one subtree, for its children's list: the same answer
        children = Authority.objects.filter(
            visibility.public_authorities_q(under=authority.pk), parent=authority
        )
        assert {c.pk for c in children} == {c.pk for c in authority.children.all() if c.pk in listed}
    topics = Authority.objects.get(kind="subject", key="leak-topics")
    assert topics.children.count() == len(TAGS)  # each hidden record's own subject hangs below it
    assert not services.authorities_with_counts("subject", children_of=topics).exists()
    # A hierarchy: a node is public while a record below it is, and its public ancestors with it.
    child = Authority.objects.get(kind="collection", key=f"{TAGS['draft']}collection")
    parent = child.parent
    assert not visibility.authority_is_public(parent)
    leak_archive.store.set_status(hidden_id("draft"), "published")
    assert visibility.authority_is_public(parent) and visibility.authority_is_public(child)
    assert Authority.objects.filter(visibility.public_authorities_q(kind="collection"), pk=parent.pk).exists()


def test_a_relation_to_a_public_record_shows_on_every_surface(leak_archive, client):
    """The other side of the rule: once a target is public, the relation is there, with its title."""
    store = leak_archive.store
    store.save({"id": "leak/other", "title": "Another public record", "date": "1968-10-16"})
    doc = store.document(PUBLIC_ID)
    doc["relations"] = [*doc["relations"], {"type": "related", "target": "leak/other"}]
    store.save(doc)
    store.set_status(hidden_id("draft"), "published")  # a cited draft comes out
    leak_archive.indexer.process_outbox()
    page = client.get(f"/records/{PUBLIC_ID}/").content.decode()
    related = page.split("<h2>Related records</h2>", 1)[1].split("</section>", 1)[0]
    assert f'href="/records/{hidden_id("draft")}/">Title {TAGS["draft"]}title</a>' in related
    assert 'href="/records/leak/other/">Another public record</a>' in related
    assert related.count("<li>") == 2
    api = client.get(f"/api/v1/records/{PUBLIC_ID}").json()["relations"]
    assert [(r["id"], r["title"]) for r in api] == [
        (hidden_id("draft"), f"Title {TAGS['draft']}title about the shared words"),
        ("leak/other", "Another public record"),
    ]
    da = client.get(f"/srv/record/{PUBLIC_ID}.json").json()
    assert [link["id"] for link in da["links"]] == [hidden_id("draft"), "leak/other"]
    exported = [
        json.loads(line) for line in client.get("/export/?format=jsonl").getvalue().decode().splitlines()
    ]
    relations = next(d["relations"] for d in exported if d["id"] == PUBLIC_ID)
    assert [r["target"] for r in relations] == [hidden_id("draft"), "leak/other"]


def test_related_documents_neither_show_nor_count_a_hidden_record(leak_archive, client):
    """Every hidden record shares the public record's person, subject and words, and cites it: none is shown as
    related, and none counts in what the public record is said to share (web/contexts.py, records/related.py)."""
    from readingroom.records.models import Record
    from readingroom.records.related import related_by_links, weight

    store = leak_archive.store
    store.save(
        {
            "id": "leak/other",
            "title": "Another public record",
            "date": "1968-10-16",
            "persons": [{"id": "leak-rusk", "name": "Rusk, Dean"}],
        }
    )
    leak_archive.indexer.process_outbox()
    found = related_by_links(Record.objects.get(pk=PUBLIC_ID), limit=50)
    assert [(r.record.pk, r.reasons) for r in found] == [("leak/other", ["shares a person: Rusk, Dean"])]
    assert found[0].score == pytest.approx(weight(2))  # Rusk: on the two public records, not the four hidden
    page = client.get(f"/records/{PUBLIC_ID}/").content.decode()
    section = page.split('<section class="similar"', 1)[1].split("</section>", 1)[0]
    assert 'href="/records/leak/other/">Another public record</a>' in section
    assert not MARKER.search(section), MARKER.search(section)
    assert section.count('<li class="record-item">') == 1
