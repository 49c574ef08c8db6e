"""An export of a search (/export/, `readingroom export --query`) is what the search finds, on both engines,
paged through in the search's order, and only public records."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from readingroom.exports import selection as selection_module
from readingroom.exports.selection import Selection
from readingroom.search.params import request_from_params

pytestmark = pytest.mark.django_db

HIDDEN = ("test/draft", "test/embargoed", "test/withdrawn")


@pytest.mark.parametrize("query", ["q=vietnam&sort=date", "q=talks", "subject=Paris Peace Talks&sort=-date"])
def test_export_of_a_search_is_its_hits_in_order(archive, indexed, client, monkeypatch, query):
    from urllib.parse import parse_qs

    monkeypatch.setattr(selection_module, "SEARCH_PAGE", 3)  # many pages, however small the corpus
    request = request_from_params(parse_qs(query))
    everything = archive.search.search(replace(request, page_size=250, facets=()))
    expected = [hit.id for hit in everything.hits]
    assert len(expected) > 3 and not set(expected) & set(HIDDEN)
    assert list(Selection.of_search(archive.search, request, limit=10_000).ids or []) == expected
    response = client.get(f"/export/?format=jsonl&{query}")
    exported = [json.loads(line)["id"] for line in b"".join(response.streaming_content).decode().splitlines()]
    assert exported == expected
    capped = Selection.of_search(archive.search, request, limit=len(expected) - 1)
    assert list(capped.ids or []) == expected[:-1] and capped.found == len(expected)


def test_export_without_a_search_is_every_public_record(archive, indexed, client):
    response = client.get("/export/?format=csv")
    text = b"".join(response.streaming_content).decode()
    assert text.count("\n") >= indexed["public"]  # a header, and texts of several lines
    for hidden in HIDDEN:
        assert f"\r\n{hidden}," not in text
