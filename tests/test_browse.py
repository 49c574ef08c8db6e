"""Browsing: subject and collection trees, years and the timeline, on this day — public records only."""

import datetime as dt

import pytest

from readingroom.records import browse
from readingroom.records.store import RecordWriter

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    w = RecordWriter()
    w.authority("subject", "topics", "Topics", position=0)
    w.authority("subject", "war", "War", parent_key="topics", position=1)
    w.authority("subject", "vietnam-war", "Vietnam War", parent_key="war", position=0)
    w.authority("subject", "empty", "Empty Topic", parent_key="topics", position=2)
    docs = [
        {
            "id": "b/1",
            "title": "Cable One",
            "date": "1968-10-15",
            "subjects": [{"id": "vietnam-war", "name": "Vietnam War"}],
        },
        {"id": "b/2", "title": "Cable Two", "date": "1968", "subjects": [{"id": "war", "name": "War"}]},
        {"id": "b/3", "title": "Letter Three", "date": "1970-10-15"},
        {"id": "b/4", "title": "Undated Note"},
        {
            "id": "b/5",
            "title": "Hidden Draft",
            "status": "draft",
            "date": "1969-10-15",
            "subjects": [{"id": "empty", "name": "Empty Topic"}],
        },
        {"id": "b/6", "title": "Range Memo", "date": "1967-12-20/1968-01-05"},
    ]
    for d in docs:
        w.save(d)


def test_year_counts_and_undated(archive):
    assert browse.year_counts() == [(1967, 1), (1968, 2), (1970, 1)]
    assert browse.undated_count() == 1


def test_year_overlap(archive):
    assert [r.id for r in browse.records_in_year(1968)] == ["b/6", "b/2", "b/1"]
    assert [r.id for r in browse.records_in_year(1969)] == []


def test_on_this_day(archive):
    assert [r.id for r in browse.on_this_day(dt.date(2000, 10, 15))] == ["b/1", "b/3"]


def test_tree_prunes_empty_and_hidden(archive):
    tree = browse.authority_tree("subject")
    assert [n.authority.key for n in tree] == ["topics"]
    war = tree[0].children
    assert [n.authority.key for n in war] == ["war"]
    assert war[0].count == 1 and war[0].total == 2
    assert [n.authority.key for n in war[0].children] == ["vietnam-war"]


def test_pages(client, archive):
    years = client.get("/years/").content.decode()
    assert 'href="/years/1968/"' in years and "1968: 2 documents" in years and "1 undated document" in years
    assert "1969" not in years
    year = client.get("/years/1968/").content.decode()
    assert "Cable One" in year and "Range Memo" in year and "Hidden Draft" not in year
    day = client.get("/on-this-day/?date=10-15").content.decode()
    assert "Cable One" in day and "Letter Three" in day and "Hidden Draft" not in day
    assert client.get("/on-this-day/?date=nonsense").status_code == 200
    subjects = client.get("/subjects/").content.decode()
    assert subjects.index("Topics") < subjects.index("War") < subjects.index("Vietnam War")
    assert "Empty Topic" not in subjects
    war = client.get("/subjects/war/").content.decode()
    assert "Cable One" in war and "Cable Two" in war  # narrower subjects' documents included


def test_related_by_shared_authorities(client, db):
    w = RecordWriter()
    w.save(
        {
            "id": "r/a",
            "title": "Alpha",
            "subjects": ["Bombing halt", "Paris talks"],
            "persons": ["Rusk, Dean"],
        }
    )
    w.save(
        {
            "id": "r/b",
            "title": "Beta shares three",
            "subjects": ["Bombing halt", "Paris talks"],
            "persons": ["Rusk, Dean"],
        }
    )
    w.save({"id": "r/c", "title": "Gamma shares one", "subjects": ["Paris talks"]})
    w.save({"id": "r/d", "title": "Delta shares none", "subjects": ["Something else"]})
    w.save(
        {
            "id": "r/e",
            "title": "Epsilon draft shares all",
            "status": "draft",
            "subjects": ["Bombing halt", "Paris talks"],
            "persons": ["Rusk, Dean"],
        }
    )
    from readingroom.records.models import Record
    from readingroom.records.related import related_by_links

    assert [r.record.pk for r in related_by_links(Record.objects.get(pk="r/a"))] == ["r/b", "r/c"]
    page = client.get("/records/r/a/").content.decode()
    assert "Related documents" in page and "Beta shares three" in page and "Epsilon" not in page
    assert page.index("Beta shares three") < page.index("Gamma shares one")


def test_the_first_and_last_years_link_no_year_outside_the_calendar(client, db):
    """Year 1's pager linked /years/0/ (a 404 now, a 500 before); year 9999's would link /years/10000/."""
    first = client.get("/years/1/").content.decode()
    assert 'href="/years/2/"' in first and "/years/0/" not in first
    last = client.get("/years/9999/").content.decode()
    assert 'href="/years/9998/"' in last and "/years/10000/" not in last
    assert client.get("/years/0/").status_code == 404
