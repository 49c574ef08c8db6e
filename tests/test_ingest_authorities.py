"""Person authorities (hsg/people.jsonl) and the subject taxonomy (hsg/taxonomy.xml), from the real files."""

from __future__ import annotations

from pathlib import Path

import pytest

from readingroom.ingest.registry import ImporterRegistry
from readingroom.records.models import Authority

from .conftest import CORPUS

PEOPLE = CORPUS / "hsg" / "people.jsonl"
TAXONOMY = CORPUS / "hsg" / "taxonomy.xml"

pytestmark = pytest.mark.django_db


def chain(kind: str, key: str) -> list[str]:
    a = Authority.objects.get(kind=kind, key=key)
    out = []
    while a is not None:
        out.append(a.key)
        a = a.parent
    return out


def head(path, n=65536) -> bytes:
    with open(path, "rb") as f:
        return f.read(n)


def first_lines(n: int) -> str:
    with open(PEOPLE, encoding="utf-8") as f:
        return "".join(next(f) for _ in range(n))


# -- people ---------------------------------------------------------------------------------------------------------


def test_people_detected_by_content(tmp_path):
    assert ImporterRegistry.default().detect(PEOPLE, head(PEOPLE)).name == "people"
    renamed = tmp_path / "persons.json"
    renamed.write_text(first_lines(3), encoding="utf-8")
    assert ImporterRegistry.default().detect(renamed, head(renamed)).name == "people"
    records = tmp_path / "records.jsonl"
    records.write_text('{"id": "a/1", "title": "A record", "persons": ["Rusk, Dean"]}\n')
    assert ImporterRegistry.default().detect(records, head(records)).name == "jsonl"


def test_people_whole_file(import_files, client, corpus_counts, archive):
    report = import_files(PEOPLE)
    f = report.files[0]
    assert (f.error, f.problems, f.importer, f.authorities, f.records) == (
        None,
        [],
        "people",
        corpus_counts.people,
        0,
    )
    assert Authority.objects.filter(kind="person").count() == corpus_counts.people

    rusk = Authority.objects.get(kind="person", key="111738")
    assert rusk.name == "Rusk, David Dean"
    assert (rusk.data["birth_year"], rusk.data["death_year"], rusk.data["viaf"]) == ("1909", "1994", None)
    assert "Secretary of State from January 21, 1961" in rusk.data["remarks"]
    assert any(
        s.startswith("https://history.state.gov/historicaldocuments/frus1964-68v")
        for s in rusk.data["sources"]
    )
    # The file has no "Rusk, Dean": the Secretary is under his full name, and no one is invented.
    assert not Authority.objects.filter(kind="person", name="Rusk, Dean").exists()

    chung = Authority.objects.get(kind="person", key="102556")
    assert chung.name == "Chung Il-kwon"
    assert chung.data["alternates"] == ["Chong Il-kwon"] and chung.data["viaf"] == "75337374"

    aaron = Authority.objects.get(kind="person", key="100001")
    assert aaron.name == "Aaron, David Laurence"
    assert (aaron.data["birth_year"], aaron.data["death_year"]) == ("1938", None)
    assert (
        aaron.data["sources"][0] == "https://history.state.gov/departmenthistory/people/aaron-david-laurence"
    )

    # An authority has a public page while a public record carries it (records/visibility.py).
    assert client.get("/persons/102556/").status_code == 404
    archive.store.save(
        {
            "id": "t/chung",
            "title": "A record naming them",
            "persons": [
                {"kind": "person", "id": "102556", "name": "Chung Il-kwon"},
                {"kind": "person", "id": "111738", "name": "Rusk, David Dean"},
            ],
        }
    )
    page = client.get("/persons/102556/").content.decode()
    assert "<h1>Chung Il-kwon</h1>" in page and "<dt>Also known as</dt><dd>Chong Il-kwon</dd>" in page
    assert 'href="https://viaf.org/viaf/75337374/"' in page
    assert "1909–1994" in client.get("/persons/111738/").content.decode()


def test_catalogue_marks_in_a_name_are_not_shown(import_files, archive, client, tmp_path):
    """history.state.gov's persons file writes one name's non-sorting part between MARC's U+0098 and U+009C: the
    reader sees the words, not the marks, and a record naming the person the same way is accepted."""
    with open(PEOPLE, encoding="utf-8") as f:  # the file's own line for him (the whole file takes 13 s)
        line = next(line for line in f if '"id": "111536"' in line)
    assert "\x98van\x9c" in line
    one = tmp_path / "people.jsonl"
    one.write_text(line, encoding="utf-8")
    import_files(one)
    roijen = Authority.objects.get(kind="person", key="111536")
    assert roijen.name == "Roijen, Jan Herman van"
    archive.store.save(
        {
            "id": "t/roijen",
            "title": "A record naming him as the file does",
            "persons": ["Roijen, Jan Herman \x98van\x9c", {"id": "111536", "name": "Roijen, \x98van\x9c"}],
        }
    )
    doc = archive.store.document("t/roijen")
    assert [p["name"] for p in doc["persons"]] == ["Roijen, Jan Herman van", "Roijen, van"]
    page = client.get("/records/t/roijen/").content.decode()
    assert "Roijen, Jan Herman van" in page and "\x98" not in page and "\x9c" not in page


def test_people_reimport_changes_nothing(import_files, tmp_path):
    part = tmp_path / "people-part.jsonl"
    part.write_text(first_lines(200), encoding="utf-8")
    import_files(part)
    before = {(a.key, a.name, a.pk, str(a.data)) for a in Authority.objects.all()}
    report = import_files(part)
    assert report.files[0].authorities == 200 and not report.files[0].problems
    assert {(a.key, a.name, a.pk, str(a.data)) for a in Authority.objects.all()} == before


def test_people_bad_lines_reported_good_ones_kept(import_files, tmp_path):
    part = tmp_path / "people.jsonl"
    good = first_lines(2).splitlines()
    part.write_text(
        "\n".join(
            [
                good[0],
                '{"id": "x1", "name": "Nobody", "alternates": [], "death_year": "1950", "birth_year": "1990"}',
                '{"id": "x2", "name": "Bad VIAF", "alternates": [], "viaf": "viaf.org/123"}',
                good[0],
                good[1],
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    report = import_files(part)
    f = report.files[0]
    assert f.authorities == 2
    messages = [str(p) for p in f.problems]
    assert messages == [
        "record 'x1', field 'death_year': line 2: died (1950) before being born (1990)",
        "record 'x2', field 'viaf': line 3: 'viaf.org/123' is not a VIAF id (digits only, e.g. '75337374')",
        "record '100001', field 'id': line 4: duplicate id in this file; the first one was kept",
    ]


# -- taxonomy -------------------------------------------------------------------------------------------------------


def test_taxonomy_hierarchy(import_files, client, corpus_counts, archive):
    report = import_files(TAXONOMY)
    f = report.files[0]
    assert (f.error, f.problems, f.importer, f.authorities) == (None, [], "taxonomy", corpus_counts.taxonomy)
    assert Authority.objects.filter(kind="place").count() == corpus_counts.taxonomy_places
    assert (
        Authority.objects.filter(kind="subject").count()
        == corpus_counts.taxonomy - corpus_counts.taxonomy_places
    )

    # Top level, in the file's order; Places is a place vocabulary, People and Topics are subjects.
    roots = list(
        Authority.objects.filter(parent=None).order_by("position").values_list("kind", "key", "name")
    )
    assert roots == [
        ("subject", "people", "People"),
        ("place", "places", "Places"),
        ("subject", "topics", "Topics"),
    ]

    assert chain("place", "vietnam") == [
        "vietnam",
        "east-asia-and-pacific",
        "sovereign-territories",
        "places",
    ]
    assert chain("subject", "civil-rights-domestic") == [
        "civil-rights-domestic",
        "civil-rights",
        "human-rights",
        "topics",
    ]
    assert chain("subject", "rusk-david-dean") == ["rusk-david-dean", "secretaries-of-state", "people"]

    washington = Authority.objects.get(kind="subject", key="washington-george")
    assert (washington.name, washington.position) == ("Washington, George", 0)
    assert Authority.objects.get(kind="subject", key="adams-john").position == 1

    civil = Authority.objects.get(kind="subject", key="civil-rights-domestic")
    assert civil.name == "Civil Rights: Domestic"
    assert civil.data["definition"].startswith(
        "Documents that chronicle the civil rights movement against racial "
        "segregation and discrimination in the United States"
    )
    assert civil.data["usage_hint"].endswith("should be entered under the broader term human-rights.")
    assert civil.data["references"] == ["human-rights"]
    assert (civil.data["created_by"], civil.data["created_date"]) == ("kinniburghva", "2023-03-20")

    places = Authority.objects.get(kind="place", key="places")
    assert "Independent States and Dependencies, accessed on January 3, 2013" in places.data["definition"]
    assert places.data["links"] == ["http://www.state.gov/s/inr/states/index.htm"]
    assert (
        Authority.objects.get(kind="subject", key="people")
        .data["usage_hint"]
        .startswith("For people named in resources, only use a person tag")
    )

    archive.store.save(
        {
            "id": "t/civil",
            "title": "A record about it",
            "subjects": [
                {"kind": "subject", "id": "civil-rights-domestic", "name": "Civil Rights: Domestic"}
            ],
        }
    )
    page = client.get("/subjects/civil-rights-domestic/").content.decode()
    assert "<h1>Civil Rights: Domestic</h1>" in page
    assert 'class="definition">Documents that chronicle the civil rights movement' in page
    assert '<a href="/subjects/human-rights/">Human Rights</a>' in page  # breadcrumbs


def test_taxonomy_reimport_changes_nothing(import_files):
    import_files(TAXONOMY)
    before = list(
        Authority.objects.order_by("pk").values_list(
            "pk", "kind", "key", "name", "parent", "position", "data"
        )
    )
    import_files(TAXONOMY)
    after = list(
        Authority.objects.order_by("pk").values_list(
            "pk", "kind", "key", "name", "parent", "position", "data"
        )
    )
    assert after == before


def test_doctype_after_a_long_prolog_is_still_refused(import_files, tmp_path):
    """The prolog scan reads 64 KiB; a DOCTYPE hidden behind a longer comment is caught by the parser's own record."""
    sneaky = tmp_path / "taxonomy.xml"
    sneaky.write_text(
        '<?xml version="1.0"?>\n<!--' + "x" * 70000 + "-->\n"
        '<!DOCTYPE taxonomy [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        "<taxonomy><category><id>topics</id><label>&xxe;</label></category></taxonomy>\n"
    )
    report = import_files(sneaky, importer_name="taxonomy")
    assert (
        report.files[0].error == "has a DOCTYPE: Readingroom does not read DTDs; remove it and import again"
    )
    assert Authority.objects.count() == 0


def test_da_broader_place_does_not_overwrite_the_vocabulary(import_files):
    """A DA record naming 'Vietnam' as a broader place keeps the taxonomy's Vietnam (name, parent, definition)."""
    import_files(TAXONOMY)
    vietnam = Authority.objects.get(kind="place", key="vietnam")
    before = (vietnam.name, vietnam.parent_id, vietnam.data)
    report = import_files(Path(__file__).parent / "data" / "da" / "114010.json")
    assert report.files[0].error is None
    vietnam.refresh_from_db()
    name, parent_id, data = before
    assert (vietnam.name, vietnam.parent_id) == (name, parent_id)
    assert vietnam.data == {
        **data,
        "da_id": "401",
        "uri": "/srv/coverage/401.json",
    }  # what the DA adds, merged
    dr = Authority.objects.get(kind="place", key="vietnam-democratic-republic")
    assert dr.parent_id == vietnam.pk and dr.data["da_id"] == "402"
