"""Facets by subtraction (tantivy): a search that matches most of the index has its facets counted as the whole
index's counts minus those of the documents it does not match. The counts shown must be exactly those of a
straightforward count over the matches, on the real corpus, whichever way they were reached."""

from __future__ import annotations

from dataclasses import replace

import pytest

from readingroom.search import facets
from readingroom.search.params import request_from_params

from .conftest import make_backend

QUERIES = [
    {},  # the landing page: every facet straight from the whole index's counts
    {"q": "the"},
    {"q": "vietnam"},
    {"q": '"united states"'},
    {"q": "-Zorin"},
    {"q": "Zorin OR Thieu OR the"},
    {"q": "negotiations -Hanoi"},
    {"q": "person:duong"},
    {"q": "harri*"},
    {"q": "the", "type": "Telegram"},  # a selection: counted directly, the subtraction is for the whole index
    {"q": "the", "from": "1968"},
]


@pytest.fixture
def tantivy_indexed(corpus, request, tmp_path):
    from readingroom.archive import Archive
    from readingroom.config import ArchiveSettings

    backend = make_backend("tantivy", request, tmp_path)
    Archive(ArchiveSettings(home=tmp_path), search=backend).indexer.reindex(progress=False)
    backend.facet_cache_size = 0  # every search counts
    yield backend
    backend.close()


def request(params: dict):
    req = request_from_params({k: [v] for k, v in params.items()})
    return replace(req, facets=tuple(f.name for f in facets.FACETS))


def counts(backend, params: dict, share: float) -> dict:
    backend.complement_share = share
    return backend.search(request(params)).facets


def straightforward(backend, params: dict) -> dict:
    """One aggregation per facet over the search's own matches (without its own selection for an "or" facet)."""
    req = request(params)
    out = {}
    for f in facets.FACETS:
        skip = f.name if f.mode == "or" and req.selected(f.name) else None
        out.update(backend._agg(backend._searcher(), backend.full_query(req, skip_filter=skip), [f]))
    return out


def test_subtraction_gives_the_direct_counts(tantivy_indexed, monkeypatch):
    backend = tantivy_indexed
    backend.word_share = 2.0  # no word is common enough: the whole index's counts or none (the next test)
    base = backend.warm()
    assert base.total == backend.count() > 20
    assert base.counts["subject"]["Vietnam War"] >= 6
    subtracted: list = []
    real_subtract = facets.subtract
    monkeypatch.setattr(facets, "subtract", lambda *a: subtracted.append(a) or real_subtract(*a))
    for all_values_up_to in (1000, 0):  # 0: every facet through its leading values only (an include list)
        backend.all_values_up_to = all_values_up_to
        for params in QUERIES:
            expected = straightforward(backend, params)
            assert any(expected.values()), params
            subtracted.clear()
            backend._baseline_cache.clear()  # words-free searches' facets are always kept
            if params:
                assert counts(backend, params, share=2.0) == expected, params  # never by subtraction
                assert not subtracted
            assert counts(backend, params, share=0.0) == expected, params  # always, where it applies
            assert bool(subtracted) == ("type" not in params and "from" not in params), params


# Searches holding a required word of the text fields, whose documents hold every match.
WORD_QUERIES = {"the", "vietnam", '"united states"', "negotiations -Hanoi"}


def test_subtraction_from_a_common_words_counts_gives_the_direct_counts(tantivy_indexed, monkeypatch):
    backend = tantivy_indexed
    backend.warm()
    backend.word_share = 0.0  # every word is common enough
    backend.word_baselines_in_background = False
    within: list = []
    real = backend._count_by_subtraction
    monkeypatch.setattr(
        backend, "_count_by_subtraction", lambda *a, **k: within.append(k.get("within")) or real(*a, **k)
    )
    for all_values_up_to in (1000, 0):
        backend.all_values_up_to = all_values_up_to
        for params in QUERIES:
            if not params:
                continue
            within.clear()
            assert counts(backend, params, share=2.0) == straightforward(backend, params), params
            assert (within != [] and within[0] is not None) == (
                params["q"] in WORD_QUERIES and len(params) == 1
            ), params
    # The word's counts are kept for the generation: "united" serves the phrase, then the word alone.
    kept = {key[-1] for key in backend._word_baselines}
    assert {"the", "vietnam", "unit", "negoti"} <= kept
    assert (
        backend._word_baselines[next(k for k in backend._word_baselines if k[-1] == "unit")].total
        == backend.search(request({"q": "united"})).total
    )


def test_too_few_leading_values_fall_back_to_counting(tantivy_indexed, monkeypatch):
    """With no values asked beyond those shown, a value outside the leading ones can tie or beat the last one
    shown: such facets are counted directly, and the result is still the direct one."""
    backend = tantivy_indexed
    backend.word_share = 2.0
    backend.all_values_up_to = 0
    monkeypatch.setattr(facets, "FETCH_EXTRA", 0)
    backend.warm()
    results: list = []
    real_subtract = facets.subtract
    monkeypatch.setattr(facets, "subtract", lambda *a: results.append(real_subtract(*a)) or results[-1])
    for params in ({"q": "the"}, {"q": "-Zorin"}, {"q": "vietnam"}):
        assert counts(backend, params, share=0.0) == straightforward(backend, params)
    assert None in results and any(results)


def test_subtract_proves_the_top_or_declines():
    base = {"a": 10, "b": 8, "c": 7, "d": 5}
    order = facets.ranked(base)
    assert order == ["a", "b", "c", "d"]
    # every value known: exact, zero counts dropped
    assert facets.subtract(base, order, {"a": 10, "b": 1}, 4, 3) == [("b", 7), ("c", 7), ("d", 5)]
    # only a and b known; c can reach 7 at most: b (6) is not proven above it
    assert facets.subtract(base, order, {"a": 1, "b": 2}, 2, 2) is None
    # a (9) and b (8) both above c's 7: proven
    assert facets.subtract(base, order, {"a": 1}, 2, 2) == [("a", 9), ("b", 8)]
    # a tie with the bound is not proven either (c would come first alphabetically only if it had 8)
    assert facets.subtract(base, order, {"a": 1, "b": 1}, 2, 2) is None
