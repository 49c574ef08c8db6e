"""Browse pages on the real corpora: a FRUS volume, its persons list and the Office of the Historian's people."""

import re

import pytest

from .conftest import CORPUS

CORPUS_FRUS = CORPUS / "frus" / "frus1964-68v07-excerpt.xml"

pytestmark = pytest.mark.django_db


def test_a_person_page_shows_the_identification_positions_and_life(import_files, client, tmp_path):
    """On the real corpora: the FRUS volume's persons list and the Office of the Historian's people list. The
    page hid the identification and the positions, and listed the FRUS entry under "Narrower"."""
    people = tmp_path / "people.jsonl"
    with open(CORPUS / "hsg" / "people.jsonl", encoding="utf-8") as source:
        people.write_text("".join(line for line in source if "frus1964-68v07/persons#" in line))
    assert import_files(people).files[0].error is None
    assert import_files(CORPUS_FRUS).files[0].error is None

    entry = client.get("/persons/frus1964-68v07/p_RD1/").content.decode()
    assert "<h1>Rusk, Dean</h1>" in entry and '<a href="/persons/">People</a> ›' in entry
    assert "<dt>Identified in FRUS as</dt><dd>Secretary of State" in entry
    assert 'href="/collections/frus1964-68v07/">Foreign Relations of the United States, 1964–1968' in entry
    assert "<dt>Born – died</dt><dd>1909–1994</dd>" in entry
    assert (
        "<td>1961–1969</td><td>Secretary of State, from January 21, 1961 until January 20, 1969</td>" in entry
    )
    assert entry.count("<td>Professor, University of Georgia School of Law from 1970</td>") == 1
    assert '<a href="/persons/111738/">Rusk, David Dean</a>' in entry
    assert "Narrower" not in entry and "within</h2>" not in entry
    # The people list's entry: the same facts, the FRUS entry as the same person, its documents.
    person = client.get("/persons/111738/").content.decode()
    assert "<dt>Identified in FRUS as</dt><dd>Secretary of State" in person
    assert '<a href="/persons/frus1964-68v07/p_RD1/">Rusk, Dean</a>' in person
    assert "Narrower" not in person and "4 published documents." in person
    assert (
        '<nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/persons/">People</a> › </nav>' in person
    )  # no "parent" person


def test_a_volume_counts_its_documents_once_on_the_real_frus_volume(import_files, client, corpus_counts):
    assert import_files(CORPUS_FRUS).files[0].error is None
    tree = client.get("/collections/").content.decode()
    volume = re.search(
        r'href="/collections/frus1964-68v07/">[^<]*</a> <span class="count">(\d+)</span>', tree
    )
    assert volume and int(volume.group(1)) == corpus_counts.frus_documents
