"""The query language and the GET parameters, as pure functions."""

from __future__ import annotations

import pytest

from readingroom.search.params import date_bounds, request_from_params
from readingroom.search.query import Match, Not, Or, parse


def test_words_phrases_fields_and_the_sentence():
    q = parse('negotiating "Trần Bửu Kiếm" person:Rusk')
    assert q.clauses == (Match(("negotiating",)), Match(("tran", "buu", "kiem")), Match(("rusk",), "person"))
    assert q.understood == "all of: negotiating, “tran buu kiem”; person: rusk"
    assert q.notes == ()


def test_or_not_prefix_and_hyphenated_words():
    q = parse("Hanoi OR Saigon -bombing NOT Paris negot* four-party")
    assert q.clauses == (
        Or((Match(("hanoi",)), Match(("saigon",)))),
        Not(Match(("bombing",))),
        Not(Match(("paris",))),
        Match(("negot",), prefix=True),
        Match(("four", "party")),
    )
    assert q.understood == "all of: negot*, “four party”; any of: hanoi, saigon; none of: bombing, paris"
    assert parse("a OR b OR c").clauses == (Or((Match(("a",)), Match(("b",)), Match(("c",)))),)
    assert parse("title:minutes id:frus/d1 language:vie").clauses == (
        Match(("minutes",), "title"),
        Match(("frus/d1",), "id"),
        Match(("vie",), "lang"),
    )


@pytest.mark.parametrize(
    "text,understood,note",
    [
        (
            '"unclosed phrase',
            "all of: “unclosed phrase”",
            "an unclosed quote was closed at the end of the query",
        ),
        ("OR", "everything", "an OR without a word on both sides was ignored"),
        ("war OR", "all of: war", "an OR without a word on both sides was ignored"),
        ("NOT", "everything", "a NOT with nothing after it was ignored"),
        ("*", "everything", "“*” on its own matches everything, so it was ignored"),
        ("title: war", "all of: war", "the empty field “title:” was ignored"),
        (
            "a* war",
            "all of: a, war",
            "“a*” is too short to search as a beginning of words; searched as a word",
        ),
        ("x" * 3000, "everything", "the query was shortened to its first 1,000 characters"),
        (
            "war OR -peace",
            "all of: war; none of: peace",
            "NOT inside an OR is not supported; the two sides were both required",
        ),
        ('""', "everything", "an empty phrase was ignored"),
    ],
)
def test_broken_syntax_degrades_and_says_so(text, understood, note):
    q = parse(text)
    assert q.understood == understood
    assert note in q.notes


def test_unknown_fields_are_words_and_limits_hold():
    assert parse("Note: the cable").clauses == (Match(("note",)), Match(("the",)), Match(("cable",)))
    assert len(parse(" ".join(f"w{i}" for i in range(100))).clauses) == 32
    assert parse(None).is_empty and parse("   ").understood == "everything"


def test_dates_are_ranges():
    assert date_bounds("1968") == (19680101, 19681231)
    assert date_bounds("1968-10") == (19681001, 19681031)
    assert date_bounds("1968-02") == (19680201, 19680229)
    assert date_bounds("1968-10-15") == (19681015, 19681015)
    assert (
        date_bounds("1968-13") is None and date_bounds("1969-02-29") is None and date_bounds("soon") is None
    )


def test_request_from_params():
    req = request_from_params(
        {
            "q": ["kiem"],
            "from": ["1968-10"],
            "to": ["1968"],
            "subject": ["A", "B", "A"],
            "type": ["Letter"],
            "sort": ["-date"],
            "page": ["3"],
        }
    )
    assert (req.date_from, req.date_to, req.undated) == (19681001, 19681231, "exclude")
    assert req.filters == (("subject", ("A", "B")), ("type", ("Letter",)))
    assert (req.sort, req.page, req.offset) == ("-date", 3, 40)
    assert req.notes == ()
    empty = request_from_params({})
    assert (empty.sort, empty.undated, empty.page) == ("date", "include", 1)
    swapped = request_from_params({"from": ["1970"], "to": ["1968-05"]})
    assert (swapped.date_from, swapped.date_to) == (19680501, 19701231)
    assert "the dates were the wrong way round and were swapped" in swapped.notes
    bad = request_from_params({"from": ["soon"], "sort": ["best"], "page": ["x"], "undated": ["maybe"]})
    assert bad.date_from is None and bad.sort == "date" and bad.page == 1 and bad.undated == "include"
    assert len(bad.notes) == 4
    deep = request_from_params({"page": ["100000"]})
    assert deep.page == 500 and deep.offset == 9980
    assert "only the first 10,000 results can be paged through: narrow the search" in deep.notes
