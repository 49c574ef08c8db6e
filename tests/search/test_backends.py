"""One suite, both engines: the same questions on the real corpus give the same documents.

Expected ids come from reading the sources: the seed page (the Politburo cable), the frus-history TEI documents,
and FRUS 1964-68 vol. VII documents 1, 2, 3, 74, 75 from the TEI excerpt (see conftest.py).
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from readingroom.search.params import MAX_FACET_VALUES, request_from_params

from .conftest import CAPITALS, SEED_ID, discard, make_backend

# Every test reaches the database (indexed_once builds the corpus in it once per module, then rolls it back).
pytestmark = pytest.mark.django_db

D = "frus1964-68v07/d"
NEVER_PUBLIC = {"test/draft", "test/embargoed", "test/withdrawn"}


def run(backend, page_size: int = 200, **params):
    req = request_from_params({k: v if isinstance(v, list) else [v] for k, v in params.items()})
    return backend.search(replace(req, page_size=page_size))


def ids(backend, **params) -> set[str]:
    result = run(backend, **params)
    found = {h.id for h in result.hits}
    assert result.total == len(found), (params, result.total, len(found))
    assert not found & NEVER_PUBLIC, params
    return found


QUESTIONS = [
    # phrase (a hyphenated word is a phrase); the draft, embargoed and withdrawn copies never show
    ({"q": "four-party conference"}, {SEED_ID}),
    ({"q": '"four party conference"'}, {SEED_ID}),
    # the question: the four-party conference, October 1968, mentions Tran Buu Kiem
    ({"q": 'four-party conference "Tran Buu Kiem"', "from": "1968-10", "to": "1968-10"}, {SEED_ID}),
    # accents in the query, none in the text ("[Tran Buu] Kiem" in the seed) ...
    ({"q": "Trần Bửu Kiếm"}, {SEED_ID}),
    # ... and none in the query, accents in the text (HistoryAtState's person "Dương, Văn Minh")
    ({"q": "duong van minh"}, {"test/accented"}),
    ({"q": 'person:"Dương Văn Minh"'}, {"test/accented"}),
    ({"q": "person:duong"}, {"test/accented"}),
    ({"q": 'place:"sai gon"'}, {"test/accented"}),
    ({"q": "place:saigon"}, {D + "75"}),
    # OR and NOT
    ({"q": "Zorin OR Thieu"}, {D + "2", D + "75", "test/year-only"}),
    ({"q": "Zorin"}, {D + "2", "test/year-only"}),
    ({"q": "Thieu -Zorin"}, {D + "75"}),
    ({"q": "Thieu NOT Zorin"}, {D + "75"}),
    # fields
    ({"q": "title:telegram"}, {D + "2", D + "74", D + "75", "frus-history/2002-08-19-athens-02867"}),
    ({"q": 'subject:"paris peace talks"'}, {D + "3", D + "74", D + "75", "test/undated"}),
    ({"q": "id:frus1964-68v07/d74"}, {D + "74"}),
    ({"q": "lang:vietnamese"}, {"test/accented"}),
    ({"q": "lang:fre"}, {"test/year-only"}),
    ({"q": 'collection:"volume vii"'}, {D + n for n in ("1", "2", "3", "74", "75")}),
    (
        {"q": "type:telegram"},
        {D + "2", D + "74", D + "75", "test/undated", "frus-history/2002-08-19-athens-02867"},
    ),
    # what the record page prints besides its texts: translator, source archive, source note
    ({"q": "pribbenow"}, {SEED_ID}),
    ({"q": "translator:pribbenow"}, {SEED_ID}),
    ({"q": 'archive:"party central committee"'}, {SEED_ID}),
    ({"q": 'repository:"party central committee"'}, {SEED_ID}),
    ({"q": "source:hanoi"}, {SEED_ID}),
    # facet selections: AND within subjects, collections found through their parent, OR within types
    ({"subject": ["Vietnam War", "Paris Peace Talks"]}, {D + "3", D + "74", D + "75"}),
    ({"collection": "Foreign Relations of the United States"}, {D + n for n in ("1", "2", "3", "74", "75")}),
    (
        {"type": ["Telegram", "Meeting notes"]},
        {D + "2", D + "3", D + "74", D + "75", "test/undated", "frus-history/2002-08-19-athens-02867"},
    ),
    ({"q": "Zorin", "lang": ["eng", "fre"]}, {D + "2", "test/year-only"}),
    # dates overlap: "1968" (a whole year) meets October 1968; undated records only when asked for
    ({"from": "1968-10", "to": "1968-10"}, {SEED_ID, D + "74", D + "75", "test/year-only"}),
    (
        {"from": "1968-10", "to": "1968-10", "undated": "include"},
        {SEED_ID, D + "74", D + "75", "test/year-only", "test/undated"},
    ),
    ({"from": "1968-10-15", "to": "1968-10-15"}, {SEED_ID, D + "74", "test/year-only"}),
    ({"q": "Zorin", "from": "1969"}, set()),
    (
        {"to": "1958"},
        {
            "frus-history/1957-03-21-kennan-to-leopold",
            "frus-history/1958-11-03-noble-to-osborne",
            "frus-history/1958-11-07-hac-meeting-minutes",
            # not 1959-11-06-hac-meeting-minutes: its source's date attribute says 1958-11-07, its title,
            # dateline and file name 1959; it is dated as written now (ingest/tei.py)
            "test/accented",
        },
    ),
]


@pytest.mark.parametrize("params,expected", QUESTIONS, ids=[str(p) for p, _e in QUESTIONS])
def test_real_questions(indexed_once, params, expected):
    backend, indexed = indexed_once
    assert ids(backend, **params) == expected


def test_prefix_and_stemming(indexed_once):
    backend, indexed = indexed_once
    negotiating = ids(backend, q="negotiating")
    assert len(negotiating) == 24
    assert negotiating == ids(backend, q="negotiations") == ids(backend, q="negotiate")
    assert ids(backend, q="negot*") == negotiating
    assert ids(backend, q="Harrim*") == ids(backend, q="Harriman")
    assert ids(backend, q="Harrim*") == {D + "1", D + "2", D + "3", "test/year-only"}
    assert "1968-10-15-secret-north-vietnam-politburo-cable-no-323" in ids(backend, q="bomb*")


def test_exact_forms_rank_first(indexed, backend):
    """tantivy: documents whose title or summary says "notes" come before those that only say "note", "noted"
    etc. (the body text is indexed by stem alone, so there every form ranks alike). Typesense holds only stems (0.24 has no
    stemming of its own): same documents, no such promise."""
    from readingroom.records.models import Record
    from readingroom.search.documents import documents_for

    result = run(backend, q="notes")
    docs = {d["id"]: d for d in documents_for(Record.objects.filter(pk__in=[h.id for h in result.hits]))}
    said = lambda text: bool(re.search(r"\bnotes\b", text, re.I))  # noqa: E731
    exact = [said(f"{docs[h.id]['title']} {docs[h.id]['summary']}") for h in result.hits]
    assert 0 < sum(exact) < len(exact)
    if backend.name == "tantivy":
        assert exact[0], "the best hit says 'notes' in its title or summary"
        ranks = [i for i, e in enumerate(exact) if e]
        others = [i for i, e in enumerate(exact) if not e]
        assert max(ranks) < min(others)
    # title weighs more than text: the only "Telephone Conversation" title comes first for its words
    assert run(backend, q="telephone conversation").hits[0].id == D + "1"


def test_facet_counts_over_all_matches(indexed_once):
    backend, indexed = indexed_once
    result = run(backend)
    facets = {name: dict(values) for name, values in result.facets.items()}
    assert result.total == indexed["public"]  # imported, FRUS, accented, undated, year-only; 3 never public
    assert facets["subject"]["Vietnam War"] == 6
    assert facets["subject"]["Paris Peace Talks"] == 4
    assert not {"Draft only", "Embargo only", "Withdrawn only"} & set(facets["subject"])
    assert facets["type"]["Telegram"] == 5 and facets["type"]["Minutes of Meeting"] == 21
    assert facets["collection"]["Foreign Relations of the United States"] == len(indexed["frus"])
    # The seed page names no language (its capture has no Languages section): it counts in none.
    assert facets["lang"] == {"eng": indexed["public"] - 3, "fre": 1, "vie": 1}
    assert facets["decade"]["1960s"] == 15 and "year" not in facets  # years once a decade is chosen
    sixties = {n: dict(v) for n, v in run(backend, decade="1960s").facets.items()}
    assert sixties["year"] == {"1961": 2, "1962": 1, "1963": 1, "1965": 1, "1966": 1, "1967": 1, "1968": 8}
    assert facets["funder"] == {"Henry Luce Foundation": 1}
    assert facets["translator"] == {"Merle Pribbenow": 1}
    assert facets["classification"] == {"Secret": 3}
    assert facets["place"] == {"Washington": 2, "Paris": 1, "Saigon": 1, "Sài Gòn": 1}
    # counts follow the query
    zorin = {n: dict(v) for n, v in run(backend, q="Zorin").facets.items()}
    assert zorin["lang"] == {"eng": 1, "fre": 1} and zorin["subject"] == {"Vietnam War": 1, "Soviet Union": 2}
    # an "or" facet with a selection keeps counting its other values
    typed = {n: dict(v) for n, v in run(backend, type="Telegram").facets.items()}
    assert typed["type"]["Telegram"] == 5 and typed["type"]["Minutes of Meeting"] == 21
    assert typed["subject"] == {
        "Vietnam War": 3,
        "Paris Peace Talks": 3,
        "Soviet Union": 1,
        "Security breach": 1,
    }


def _all(backend, **params) -> list[str]:
    return [h.id for h in run(backend, **params).hits]


def test_sorting(indexed_once):
    backend, indexed = indexed_once
    asc = _all(backend, sort="date")
    desc = _all(backend, sort="-date")
    assert len(asc) == len(desc) == indexed["public"]
    assert asc[0] == "test/accented" and asc[1] == "frus-history/1957-03-21-kennan-to-leopold"
    assert desc[0] == "frus-history/2002-08-19-athens-02867"
    assert asc[-1] == desc[-1] == "test/undated", "undated last, both ways"
    # October 15, 1968 (the day) before 10:59Z that day, before the next day
    assert asc.index(SEED_ID) < asc.index(D + "74") < asc.index(D + "75")
    assert desc.index(D + "75") < desc.index(SEED_ID) < desc.index(D + "74")
    titled = run(backend, sort="title").hits
    keys = [h.title.lower().removeprefix("the ") for h in titled]
    assert keys[0].startswith("action memorandum") and keys == sorted(
        keys, key=lambda k: re.sub(r"\W", "", k)
    )
    # the "newest first" with a query
    assert _all(backend, q="Zorin OR Thieu", sort="-date") == ["test/year-only", D + "75", D + "2"]


def test_pagination_is_stable(indexed_once):
    backend, indexed = indexed_once
    first = run(backend, 20, q="historical advisory committee")
    second = run(backend, 20, q="historical advisory committee", page="2")
    assert first.total == second.total == 40
    assert len(first.hits) == len(second.hits) == 20
    assert not {h.id for h in first.hits} & {h.id for h in second.hits}
    assert [h.id for h in run(backend, 20, q="historical advisory committee", page="2").hits] == [
        h.id for h in second.hits
    ]


BROKEN = [
    '"unclosed phrase',
    "OR",
    "AND OR NOT",
    "-",
    "*",
    "title:",
    "person:",
    "x" * 3000,
    "((((",
    '"',
    "NOT",
    "a OR",
    "OR b",
    "-*",
    "id:",
    "négoti* OR",
    'title:""',
    "\x00",
    "<script>alert(1)</script>",
    "four-party " * 400,
    "a:b:c",
    "lang:",
    "🙂",
    "'; DROP TABLE records; --",
]


@pytest.mark.parametrize("q", BROKEN, ids=range(len(BROKEN)))
def test_broken_syntax_never_errors(indexed_once, q):
    backend, indexed = indexed_once
    result = run(backend, q=q, page="x", sort="nonsense", **{"from": "1968-13", "to": "yesterday"})
    assert isinstance(result.understood, str) and result.understood
    assert result.total >= 0


def test_snippets_are_escaped_and_marked(indexed_once):
    backend, indexed = indexed_once
    hit = run(backend, q='"Tran Buu Kiem"').hits[0]
    assert "<mark>Tran</mark> <mark>Buu</mark>] <mark>Kiem</mark>" in hit.snippet_html
    assert hit.date_text == "October 15, 1968"
    hit = run(backend, q="negotiations", subject="Paris Peace Talks").hits
    assert all("<script" not in h.snippet_html for h in hit)
    hit = run(backend, q="Dương").hits[0]  # the text writes him without accents
    assert "<mark>Duong</mark> Van Minh" in hit.snippet_html
    assert hit.type == "Biographical note"


def test_a_search_without_snippets_gives_the_same_hits_and_their_summaries(indexed, backend):
    """Related documents ask without snippets (search/related.py): the same documents, in the same order, none
    with a snippet, each with its summary (the likeness threshold reads it)."""
    with_snippets = run(backend, q="negotiations OR bombing", page_size=20)
    without = backend.search(
        replace(request_from_params({"q": ["negotiations OR bombing"]}), page_size=20, snippets=False)
    )
    assert [h.id for h in without.hits] == [h.id for h in with_snippets.hits] and without.hits
    assert all(h.snippet_html == "" for h in without.hits)
    assert any(h.snippet_html for h in with_snippets.hits)
    from readingroom.records.models import Record

    summaries = dict(Record.objects.filter(pk__in=[h.id for h in without.hits]).values_list("id", "summary"))
    assert [h.summary for h in without.hits] == [summaries[h.id] for h in without.hits]
    assert any(h.summary for h in without.hits)


SAME = [
    {"q": q}
    for q in (
        "negotiating",
        "historical advisory committee",
        "bomb*",
        "Harri*",
        "Zorin OR Thieu",
        '"foreign relations"',
        "four-party",
        "declassification -CIA",
        "title:minutes",
        "person:pribbenow",
        "kissinger",
        "Trần",
        "nguyen",
        "secret",
    )
] + [
    {"q": "committee", "from": "1970", "to": "1979"},
    {"q": "president", "sort": "-date"},
    {"sort": "date"},
    {"sort": "title", "undated": "exclude"},
    {"type": ["Letter", "Memorandum"]},
]


def test_same_hits_on_both_backends(corpus, request, tmp_path):
    """The same questions give the same documents on both engines (and the same order when sorted)."""
    from readingroom.archive import Archive
    from readingroom.config import ArchiveSettings

    engines = [make_backend("tantivy", request, tmp_path), make_backend("typesense", request, tmp_path)]
    try:
        for b in engines:
            Archive(ArchiveSettings(home=tmp_path), search=b).indexer.reindex(progress=False)
        for params in SAME:
            a, b = (run(e, **params) for e in engines)
            assert a.total == b.total, params
            if params.get("sort") in ("date", "-date", "title"):
                assert [h.id for h in a.hits] == [h.id for h in b.hits], params
            else:
                assert {h.id for h in a.hits} == {h.id for h in b.hits}, params
            assert a.facets == b.facets, params
    finally:
        for e in engines:
            discard(e)


def test_date_histogram_counts_public_results_by_decade_or_year(indexed_once):
    """The histogram's bars are the engine's decade and year counts: every dated public result once, the
    never-public copies (all dated October 1968) in none, and each bar's link finds exactly its count."""
    backend, indexed = indexed_once
    from readingroom.search.histogram import histogram

    def bars_for(**params):
        req = request_from_params({k: v if isinstance(v, list) else [v] for k, v in params.items()})
        result = backend.search(req)
        return result, histogram(backend, req, result)

    everything, by_decade = bars_for()
    assert by_decade is not None and by_decade.unit == "decade"
    starts = [b.start for b in by_decade.bars]
    assert starts == list(range(starts[0], starts[-1] + 10, 10))  # every decade, empty ones too
    undated = run(backend, undated="include").total - run(backend, **{"from": "0001", "to": "9999"}).total
    assert by_decade.total == everything.total - undated
    sixties = next(b for b in by_decade.bars if b.value == "1960s")
    assert sixties.count == run(backend, decade="1960s").total == 15

    # a query whose results fall within a few decades is shown by year, asked of the engine once more
    saigon, by_year = bars_for(q="saigon")
    assert by_year is not None and by_year.unit == "year"
    assert (
        by_year.total == saigon.total == run(backend, q="saigon", undated="exclude", **{"from": "0001"}).total
    )
    first, last = by_year.bars[0].start, by_year.bars[-1].start
    assert [b.start for b in by_year.bars] == list(range(first, last + 1)) and last - first > 10
    assert by_year.bars[0].count and by_year.bars[-1].count and not all(b.count for b in by_year.bars)
    for bar in by_year.bars:
        assert run(backend, q="saigon", year=bar.value).total == bar.count

    # October 1968 holds three never-public records: the year counts only the public ones
    _, october = bars_for(**{"from": "1968-10", "to": "1968-10"})
    assert october is not None and october.unit == "year"
    assert {b.value: b.count for b in october.bars} == {
        "1968": run(backend, **{"from": "1968-10", "to": "1968-10"}, year="1968").total
    }
    assert october.total == len(ids(backend, **{"from": "1968-10", "to": "1968-10", "undated": "exclude"}))

    # a chosen decade shows its years
    _, chosen = bars_for(decade="1960s")
    assert chosen is not None and chosen.unit == "year" and chosen.total == 15


def test_a_request_may_ask_for_more_facet_values(many_places, backend):
    expected = {"Washington": 2, "Paris": 1, "Saigon": 1, "Sài Gòn": 1}  # the corpus's, as above
    for place in CAPITALS:
        expected[place] = expected.get(place, 0) + 1
    assert len(expected) > 15
    everything = request_from_params({})
    for req in (
        everything,
        request_from_params({"q": ["cable"]}),
        request_from_params({"decade": ["1960s"]}),
    ):
        default = dict(backend.search(req).facets["place"])
        asked = replace(req, facet_sizes=(("place", 500),))
        full = dict(backend.search(asked).facets["place"])
        if req is everything:
            assert full == expected
        assert len(full) > 10 and set(default) < set(full)
        assert len(default) == 10 and all(full[p] == n for p, n in default.items())
        # The counts are cached per size: asked again, each request gets what it asked for.
        assert dict(backend.search(req).facets["place"]) == default
        assert dict(backend.search(asked).facets["place"]) == full
        # Other facets keep their own size.
        assert backend.search(asked).facets["subject"] == backend.search(req).facets["subject"]
    # A size is bounded: at least one value, at most MAX_FACET_VALUES.
    assert replace(everything, facet_sizes=(("place", 10**9),)).facet_size("place") == MAX_FACET_VALUES
    assert len(backend.search(replace(everything, facet_sizes=(("place", 0),))).facets["place"]) == 1
