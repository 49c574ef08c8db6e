"""The facet `withheld` and the /withheld/ page's counts, on both engines (one suite): the kinds of passage
withheld at declassification that the corpus's markers name, counted over public records only."""

from __future__ import annotations

import re
from collections import Counter

import lxml.html
import pytest

from readingroom.records.models import Record
from readingroom.search.withheld import overview

from .conftest import FRUS_HISTORY
from .test_backends import ids, run

# Never public, with markers of a kind no public record has: a count of "amount" or "cryptonym" is a leak.
HIDDEN = [
    {"id": "test/withheld-draft", "status": "draft", "text": "Paid [dollar amount not declassified]."},
    {"id": "test/withheld-withdrawn", "status": "withdrawn", "text": "Met [cryptonym not declassified]."},
    {
        "id": "test/withheld-embargoed",
        "embargo_until": "2999-01-01",
        "text": "Met [4 names not declassified].",
    },
]


@pytest.fixture
def with_withheld(archive, corpus, writer):
    for h in HIDDEN:
        writer.save(
            {"title": "Minutes of a meeting", "document_types": ["Minutes of Meeting"], "date": "1979", **h}
        )
    archive.indexer.reindex(progress=False)
    return corpus


def expected_by_kind() -> dict[str, set[str]]:
    """Which frus-history records hold a bracketed marker naming each kind, read from the TEI sources with a
    pattern of the test's own (the only public records with markers: the FRUS excerpt and the seed have none)."""
    out: dict[str, set[str]] = {"any": set(), "name": set(), "text": set(), "paragraph": set()}
    for path in FRUS_HISTORY.glob("*.xml"):
        body = " ".join(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8").split("<text", 1)[1]).split())
        markers = re.findall(r"\[([^\[\]]{0,80}?not declassified\.?)\]", body, re.I)
        rid = f"frus-history/{path.stem}"
        for m in markers:
            out["any"].add(rid)
            for kind in ("name", "text", "paragraph"):
                if re.search(rf"\b{kind}s?\b", m, re.I):
                    out[kind].add(rid)
                    break
    return out


def test_the_facet_selects_and_counts_public_records_only(with_withheld, backend):
    expected = expected_by_kind()
    assert len(expected["any"]) >= 5 and expected["name"] and expected["paragraph"]
    for kind, records in expected.items():
        assert ids(backend, withheld=kind) == records, kind
    facets = {name: dict(values) for name, values in run(backend).facets.items()}
    assert facets["withheld"] == {kind: len(records) for kind, records in expected.items()}
    assert not {"amount", "cryptonym"} & set(facets["withheld"])
    # "or": two kinds widen; the facet keeps counting its other values with honest numbers
    both = run(backend, withheld=["name", "paragraph"])
    assert {h.id for h in both.hits} == expected["name"] | expected["paragraph"]
    assert dict(both.facets["withheld"]) == facets["withheld"]
    # with a query, the counts follow it
    cia = {h.id for h in run(backend, q="CIA").hits}
    assert dict(run(backend, q="CIA").facets["withheld"])["any"] == len(cia & expected["any"])


def test_store_edit_reaches_the_index(with_withheld, archive, backend):
    rid = sorted(expected_by_kind()["paragraph"])[0]
    doc = archive.store.document(rid)
    for t in doc["texts"]:
        t["html"] = re.sub(
            r"\[[^\[\]]*?not\s+declassified\.?[^\[\]]*?\]", "[declassified in 2024]", t["html"]
        )
    doc["notes"] = []
    archive.store.save(doc)
    archive.indexer.process_outbox()
    assert rid not in ids(backend, withheld="any")
    assert rid not in ids(backend, withheld="paragraph")


def test_overview_counts_collections_years_and_types_of_public_records(with_withheld, backend):
    expected = expected_by_kind()
    counts = overview(backend)
    assert counts.records == len(expected["any"]) and counts.searched == with_withheld["public"]
    kinds = {c.value: c.count for c in counts.by["withheld"]}
    assert kinds == {k: len(v) for k, v in expected.items() if k != "any"}
    public = Record.objects.filter(pk__in=expected["any"])
    years = Counter(r.date_earliest[:4] for r in public if r.date_earliest)
    assert {c.value: c.count for c in counts.by["year"]} == dict(years)
    decades = Counter(y[:3] + "0s" for y in years.elements())
    assert {c.value: c.count for c in counts.by["decade"]} == dict(decades)
    types = Counter(t for r in public for t in r.document["document_types"])
    assert {c.value: c.count for c in counts.by["type"]} == dict(types)
    # the hidden records (of 1979, "Minutes of Meeting") counted in none of these: the counts are the public ones


def test_the_page(with_withheld, backend, client):
    expected = expected_by_kind()
    response = client.get("/withheld/")
    assert response.status_code == 200
    tree = lxml.html.fromstring(response.content)
    lead = " ".join(tree.xpath("//p[@class='lead']")[0].text_content().split())
    assert f"{len(expected['any'])} of the {with_withheld['public']} public documents" in lead
    rows = {
        " ".join(r.xpath("th")[0].text_content().split()): (
            r.xpath("th/a/@href")[0],
            int(r.xpath("td")[0].text_content()),
        )
        for r in tree.xpath("//section[@aria-labelledby='withheld-withheld']//tbody/tr")
    }
    assert rows["Names"] == ("/search/?withheld=name", len(expected["name"]))
    assert rows["Paragraphs"] == ("/search/?withheld=paragraph", len(expected["paragraph"]))
    years = tree.xpath("//section[@aria-labelledby='withheld-year']//tbody/tr/th/a/@href")
    assert years and all(h.startswith("/search/?withheld=any&year=") for h in years)
    # A count's link finds as many documents as it says.
    href, n = rows["Names"]
    page = lxml.html.fromstring(client.get(href).content)
    assert page.xpath("//section[@aria-labelledby='facet-withheld']")  # the sidebar shows the facet
    total = " ".join(page.xpath("//p[@class='total']")[0].text_content().split())
    assert total.endswith(f" of {n} documents"), total
    assert b"Amounts" not in response.content and b"Cryptonyms" not in response.content
