"""Related documents on the record page: shared authorities (the rarer, the weightier) and cross-references
first, then text likeness above a threshold; each says why; hidden records neither shown nor counted."""

from __future__ import annotations

import pytest

from readingroom.records.related import Related, related_by_links, shared_reason, weight

pytestmark = pytest.mark.django_db


def _ids(found: list[Related]) -> list[str]:
    return [r.record.pk for r in found]


@pytest.fixture
def linked(writer):
    """r/a and documents sharing its authorities: a common subject (on eight documents), a rare one (on two), a
    person; r/x refers to r/a, r/a refers to r/y; drafts share everything."""
    w = writer
    w.save(
        {
            "id": "r/a",
            "title": "Alpha",
            "subjects": ["Common topic", "Rare topic"],
            "persons": ["Rusk, Dean", "Bundy, William"],
            "places": ["Paris"],
            "relations": [{"type": "cites", "target": "r/y"}],
        }
    )
    w.save({"id": "r/rare", "title": "Shares the rare topic", "subjects": ["Rare topic"]})
    for i in range(6):
        w.save({"id": f"r/common{i}", "title": f"Common {i}", "subjects": ["Common topic"]})
    w.save(
        {
            "id": "r/people",
            "title": "Shares two people and a place",
            "persons": ["Rusk, Dean", "Bundy, William"],
            "places": ["Paris"],
        }
    )
    w.save({"id": "r/x", "title": "Refers to Alpha", "relations": [{"type": "cites", "target": "r/a"}]})
    w.save({"id": "r/y", "title": "Cited by Alpha"})
    w.save({"id": "r/none", "title": "Shares nothing", "subjects": ["Something else"]})
    for state in ("draft", "in-review"):
        w.save(
            {
                "id": f"r/{state}",
                "title": f"Hidden {state} shares all",
                "status": state,
                "subjects": ["Common topic", "Rare topic"],
                "persons": ["Rusk, Dean", "Bundy, William"],
                "places": ["Paris"],
                "relations": [{"type": "cites", "target": "r/a"}],
            }
        )
    w.save(
        {
            "id": "r/embargoed",
            "title": "Hidden embargoed shares all",
            "embargo_until": "2999-01-01",
            "subjects": ["Rare topic"],
            "persons": ["Rusk, Dean"],
            "relations": [{"type": "cites", "target": "r/a"}],
        }
    )
    from readingroom.records.models import Record

    return Record.objects.get(pk="r/a")


def test_ranked_by_what_they_share_the_rarer_the_weightier(linked):
    found = related_by_links(linked, limit=20)
    ids = _ids(found)
    assert "r/a" not in ids and "r/none" not in ids
    # Cross-references outweigh any one authority; two people and a place outweigh one rare subject, which
    # outweighs one common subject.
    assert ids[:2] == ["r/x", "r/y"]
    assert ids.index("r/people") < ids.index("r/rare") < ids.index("r/common0")
    assert set(ids[4:]) == {f"r/common{i}" for i in range(6)}


def test_each_says_why(linked):
    why = {r.record.pk: r.reasons for r in related_by_links(linked, limit=20)}
    assert why["r/x"] == ["refers to this document"]
    assert why["r/y"] == ["this document refers to it"]
    assert why["r/people"] == ["shares 2 people: Bundy, William; Rusk, Dean", "shares a place: Paris"] or why[
        "r/people"
    ] == ["shares 2 people: Rusk, Dean; Bundy, William", "shares a place: Paris"]
    assert why["r/rare"] == ["shares a subject: Rare topic"]


def test_hidden_records_are_neither_shown_nor_counted(linked):
    found = related_by_links(linked, limit=50)
    assert not {"r/draft", "r/in-review", "r/embargoed"} & set(_ids(found))
    score = {r.record.pk: r.score for r in found}
    # Rare topic: on r/a and r/rare among public documents (and on three hidden ones, which do not count).
    assert score["r/rare"] == pytest.approx(weight(2))
    # Common topic: on r/a and six public documents.
    assert score["r/common0"] == pytest.approx(weight(7))


def test_the_limit_holds(linked):
    assert len(related_by_links(linked, limit=3)) == 3


def test_reasons_name_a_few_and_count_all():
    assert shared_reason("person", ["A", "B", "C", "D"]) == "shares 4 people: A; B; C …"
    assert (
        shared_reason("organization", ["Department of State"])
        == "shares an organization: Department of State"
    )
    assert shared_reason("subject", ["X", "Y"]) == "shares 2 subjects: X; Y"


def test_the_record_page_lists_them_with_why(linked, client):
    page = client.get("/records/r/a/").content.decode()
    section = page.split('<section class="similar"', 1)[1].split("</section>", 1)[0]
    assert "Related documents" in section
    assert 'href="/records/r/x/">Refers to Alpha</a>' in section and "refers to this document" in section
    assert "shares a subject: Rare topic" in section
    assert "Hidden" not in section and "Shares nothing" not in section
    assert section.count("<li class=") == 6  # the page's limit (web/contexts.py RELATED_LIMIT)


def test_the_page_follows_a_withdrawal(linked, archive, client):
    """The related documents are kept per process (web/contexts.py): a change through the store shows at once."""
    assert 'href="/records/r/x/"' in client.get("/records/r/a/").content.decode()
    archive.store.set_status("r/x", "withdrawn", reason="duplicate")
    page = client.get("/records/r/a/").content.decode()
    assert 'href="/records/r/x/"' not in page and "Refers to Alpha" not in page
