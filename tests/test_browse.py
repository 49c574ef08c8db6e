"""Browsing: subject and collection trees, years and the timeline, on this day — public records only."""

import datetime as dt
import re

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
    assert 'href="/years/1969/"' not in years  # only a draft is dated 1969
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
    """Year 1's pager linked /years/0/ (a 404 now, a 500 before); year 9999's would link /years/10000/. The
    pager now leads to the nearest years with documents, which are calendar years."""
    from readingroom.records.store import RecordWriter

    RecordWriter().save({"id": "t/first", "title": "First", "date": "0001-01-01"})
    RecordWriter().save({"id": "t/last", "title": "Last", "date": "9999-12-31"})
    first = client.get("/years/1/").content.decode()
    assert 'href="/years/9999/"' in first and "/years/0/" not in first and 'rel="prev"' not in first
    last = client.get("/years/9999/").content.decode()
    assert 'href="/years/1/"' in last and "/years/10000/" not in last and 'rel="next"' not in last
    assert client.get("/years/0/").status_code == 404


# -- The timeline has every year, on an axis ------------------------------------------------------------------


def test_the_timeline_has_every_year_from_the_first_to_the_last(archive):
    """It dropped the years without documents: 1968 and 1970 stood side by side."""
    assert browse.timeline(browse.year_counts()) == [(1967, 1), (1968, 2), (1969, 0), (1970, 1)]
    assert browse.timeline([]) == []


def test_the_years_page_draws_empty_years_and_lists_them_in_its_table(client, archive):
    page = client.get("/years/").content.decode()
    chart, table = page.split('<table class="year-table">')
    bars = re.findall(r'class="bar (?:h\d+|empty)[^"]*"', chart)
    assert len(bars) == 4  # 1967 to 1970
    assert 'title="1969: no documents"' in chart and 'href="/years/1969/"' not in page
    assert re.search(r'class="bar h100[^"]*" href="/years/1968/"', chart)  # the peak is full height
    assert re.search(r'class="bar h50[^"]*" href="/years/1967/"', chart)  # half the peak, half the height
    assert 'aria-hidden="true"' in chart  # the picture; the table is what assistive technology reads
    # The table: a decade a row, every year in it, empty ones as 0 and not links.
    assert '<th scope="row">1960s</th>' in table and '<th scope="row">1970s</th>' in table
    assert '<td class="empty"><span class="y">1969</span> <span class="n">0</span></td>' in table
    assert '<a href="/years/1968/"><span class="y">1968</span> <span class="n">2</span></a>' in table


def test_the_axis_labels_decades_without_crowding():
    from readingroom.web.contexts import axis_steps

    assert axis_steps(237) == (100, 20)  # 1790-2026: 1800, 1900, 2000 always; every 20 years when wide
    assert axis_steps(4) == (1, 1)
    assert axis_steps(40) == (10, 5)
    for span in (3, 12, 60, 150, 600, 2500):
        major, minor = axis_steps(span)
        assert major % minor == 0 and span / major <= 6 and span / minor <= 16


def test_the_years_page_labels_the_decades_on_its_axis(client, db):
    from readingroom.records.store import RecordWriter

    w = RecordWriter()
    for year in (1790, 1850, 1933, 2026):
        w.save({"id": f"t/{year}", "title": f"In {year}", "date": f"{year}-01-01"})
    page = client.get("/years/").content.decode()
    assert len(re.findall(r'class="bar ', page)) == 2026 - 1790 + 1
    labels = re.findall(r'class="tick decade (major|minor)"><span class="label">(\d+)</span>', page)
    assert [y for kind, y in labels if kind == "major"] == ["1800", "1900", "2000"]
    assert [y for kind, y in labels if kind == "minor"][:3] == ["1820", "1840", "1860"]


# -- Years and days lead to the nearest date with documents -------------------------------------------------


def test_an_empty_year_leads_to_the_nearest_years_with_public_documents(client, archive):
    page = client.get("/years/1969/").content.decode()  # only a draft is dated 1969
    assert "No published document is dated in 1969" in page and "Hidden Draft" not in page
    assert 'rel="prev" href="/years/1968/"' in page and "nearest earlier year with documents" in page
    assert 'rel="next" href="/years/1970/"' in page and "nearest later year with documents" in page
    far = client.get("/years/1800/").content.decode()
    assert 'rel="next" href="/years/1967/"' in far and 'rel="prev"' not in far
    full = client.get("/years/1968/").content.decode()
    assert 'rel="prev" href="/years/1967/"' in full and 'rel="next" href="/years/1970/"' in full
    # A range counts in every year it touches: 1967-12-20/1968-01-05 puts a document in 1967 and 1968.
    assert [browse.nearest_years(y) for y in (1966, 1967, 1968, 1969, 1970, 1971)] == [
        (None, 1967),
        (None, 1968),
        (1967, 1970),
        (1968, 1970),
        (1968, None),
        (1970, None),
    ]


def test_on_this_day_shows_the_nearest_day_with_documents_and_says_so(client, archive):
    # Public documents are dated to the day on October 15 only: the draft's is no such day, a range is no day.
    RecordWriter().save({"id": "b/7", "title": "Spring Memo", "date": "1971-03-01"})
    assert browse.days_with_documents() == [dt.date(2000, 3, 1), dt.date(2000, 10, 15)]
    page = client.get("/on-this-day/?date=10-20").content.decode()
    assert "On this day: October 15" in page
    assert (
        "No document in the archive is dated October 20" in page and "nearest day that has documents" in page
    )
    assert "Cable One" in page and "Letter Three" in page and "Hidden Draft" not in page
    assert (
        'rel="prev" href="?date=03-01"' in page and 'rel="next" href="?date=03-01"' in page
    )  # round the year
    exact = client.get("/on-this-day/?date=03-01").content.decode()
    assert "Spring Memo" in exact and "No document in the archive is dated" not in exact
    assert browse.nearest_days([dt.date(2000, 1, 1)], dt.date(2000, 1, 1)) == (None, None)
    lone = client.get("/on-this-day/?date=02-29").content.decode()
    assert "On this day: March 1" in lone and "dated February 29" in lone


def test_on_this_day_goes_round_the_new_year(client, db):
    from readingroom.records.store import RecordWriter

    RecordWriter().save({"id": "t/nye", "title": "New Year's Eve", "date": "1941-12-31"})
    RecordWriter().save({"id": "t/summer", "title": "Summer", "date": "1941-07-01"})
    page = client.get("/on-this-day/?date=01-02").content.decode()
    assert "On this day: December 31" in page and "New Year&#x27;s Eve" in page


# -- Collection counts count each document once ----------------------------------------------------------------


@pytest.fixture
def volume(db):
    """As the FRUS import files them: each document under its volume, its compilation and its chapter."""
    w = RecordWriter()
    w.authority("collection", "vol", "Volume", position=0)
    w.authority("collection", "vol/part", "Part", parent_key="vol", position=0)
    w.authority("collection", "vol/ch1", "Chapter 1", parent_key="vol/part", position=0)
    w.authority("collection", "vol/ch2", "Chapter 2", parent_key="vol/part", position=1)
    for n, chapter in enumerate(["vol/ch1", "vol/ch1", "vol/ch1", "vol/ch2", "vol/ch2"]):
        w.save(
            {
                "id": f"v/{n}",
                "title": f"Document {n}",
                "collections": [{"id": key, "name": key} for key in ("vol", "vol/part", chapter)],
            }
        )
    w.save(
        {
            "id": "v/draft",
            "title": "Draft",
            "status": "draft",
            "collections": [{"id": "vol/ch2", "name": "x"}],
        }
    )


def test_a_collection_counts_its_documents_once(client, volume):
    """A volume of 5 documents showed 15: each child's documents were added to its parent's."""
    tree = browse.authority_tree("collection")
    vol = tree[0]
    assert (vol.authority.key, vol.total) == ("vol", 5)
    part = vol.children[0]
    assert part.total == 5 and [(c.authority.key, c.total) for c in part.children] == [
        ("vol/ch1", 3),
        ("vol/ch2", 2),
    ]
    page = client.get("/collections/").content.decode()
    assert re.findall(r'<span class="count">(\d+)</span>', page) == ["5", "5", "3", "2"]
    home = client.get("/").content.decode()
    assert re.search(r'>Volume</a> <span class="count">5</span>', home)
    volume_page = client.get("/collections/vol/").content.decode()
    assert re.search(r'>Part</a> <span class="count">5</span>', volume_page)
    assert "5 published documents." in volume_page


def test_subtree_totals_count_only_public_documents_once(volume):
    from readingroom.records.models import Authority

    chapters = Authority.objects.filter(key__in=["vol/ch1", "vol/ch2", "vol"]).order_by("key")
    assert sorted(browse.subtree_totals(chapters).values()) == [2, 3, 5]


# -- Headings name lists in the plural ------------------------------------------------------------------------


def test_authority_pages_name_their_lists_in_the_plural(client, archive, volume):
    war = client.get("/subjects/war/").content.decode()
    assert '<a href="/subjects/">Subjects</a> ›' in war  # the list it belongs to, not "Subject"
    assert "<h2>Subjects within</h2>" in war and "Narrower" not in war
    assert '<p class="kind">Subject</p>' not in war
    vol = client.get("/collections/vol/").content.decode()
    assert '<a href="/collections/">Collections</a> ›' in vol and "<h2>Collections within</h2>" in vol


# -- Person pages show what is known about the person -----------------------------------------------------------


def test_positions_are_listed_once_each_in_the_order_of_their_years():
    from readingroom.records.persons import positions

    appointment, found = positions(
        [
            "Non-career appointee. Secretary of State; Deputy Under Secretary of State.",
            "Secretary of State from January 21, 1961",
            "Secretary of State, from January 21, 1961 until January 20, 1969",
            "Secretary of State until January 1969; member, General Advisory Committee on Arms Control",
            "Assistant Secretary of State for Far Eastern Affairs from March 28, 1950 to 1951",
            "Deputy Under Secretary of State, from May",
        ]
    )
    assert appointment == "Non-career appointee"
    assert [(p.years, p.text) for p in found] == [
        ("1950–1951", "Assistant Secretary of State for Far Eastern Affairs from March 28, 1950 to 1951"),
        ("1961–1969", "Secretary of State, from January 21, 1961 until January 20, 1969"),
        ("", "member, General Advisory Committee on Arms Control"),
        ("", "Deputy Under Secretary of State, from May"),
    ]
