"""Search snippets are shown without the render-time sanitizer (it would drop their <mark>s, which texts do not
allow): they are built from plain text by escaping it. This proves they are inert, on hostile and real texts:
apart from the <mark> tags, each snippet is a fixed point of the archive's sanitizer (the same characters, only
the spelling of entities such as &quot; may differ), so cleaning it at render would change nothing but the marks."""

from __future__ import annotations

import html

import pytest

from readingroom.records.texts import sanitize
from readingroom.search.query import parse
from readingroom.search.snippets import snippet_html
from tests.conftest import CORPUS, SEED

HOSTILE = [
    "<script>alert(1)</script> the negotiations went on </script><script>alert(2)</script>",
    '"><img src=x onerror=alert(1)> negotiations "quoted" and \'single\' quotes',
    "<mark>negotiations</mark></mark><mark onclick=alert(1)> &amp; &lt;script&gt; AT&T &#x3C;script&#x3E; &",
    '<a href="javascript:alert(1)">negotiations</a> <iframe src=x></iframe> <svg onload=alert(1)>',
    '<!-- negotiations --> <![CDATA[ negotiations ]]> <style>negotiations{}</style> <noscript><p title="',
    "negotiat\u00e9d \u00a0 negotiations\u2028<scr<script>ipt>alert(1)</script> nego<b>tiations</b>",
]
QUERIES = [
    "negotiations",
    "script alert",
    "mark onclick",
    "negot*",
    '"src x onerror"',
    "amp lt",
    "quoted single",
    "iframe svg onload",
    "noscript title",
    "AT T",
    "war",
    "committee",
]


def assert_inert(snippet: str) -> None:
    bare = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in bare and ">" not in bare, snippet
    cleaned = sanitize(snippet)
    assert cleaned == sanitize(bare), snippet  # <mark> is the only element: the cleaner drops just that
    assert html.unescape(cleaned) == html.unescape(bare), snippet  # and keeps every character of the text


def real_texts() -> list[str]:
    """Texts full of markup and entities: the seed page and TEI files read as if they were plain text."""
    files = [
        SEED,
        CORPUS / "frus" / "frus1964-68v07-excerpt.xml",
        *sorted((CORPUS / "frus-history" / "documents").glob("*.xml"))[:10],
    ]
    return [f.read_text(encoding="utf-8") for f in files]


@pytest.mark.parametrize("q", QUERIES)
def test_snippets_are_inert_for_hostile_and_real_texts(q):
    matches = parse(q).positive
    texts = HOSTILE + real_texts()
    snippets = [snippet_html(t, matches) for t in texts] + [
        snippet_html("", matches, fallback=t) for t in HOSTILE
    ]
    for s in snippets:
        assert_inert(s)
    assert any("<mark>" in s for s in snippets)


def test_marks_survive_and_scripts_do_not():
    s = snippet_html(HOSTILE[0], parse("negotiations script").positive)
    assert "<mark>negotiations</mark>" in s and "&lt;<mark>script</mark>&gt;" in s and "<script" not in s


def marks(snippet: str) -> list[str]:
    import re

    return re.findall(r"<mark>(.*?)</mark>", snippet)


def test_a_phrase_is_marked_where_it_stands_not_its_words_anywhere():
    text = "The United Nations met. The states were united. Later the United States spoke [United] States."
    snippet = snippet_html(text, parse('"united states"').positive)
    assert marks(snippet) == ["United", "States", "United", "States"], snippet
    assert "<mark>United</mark> Nations" not in snippet and "were <mark>united" not in snippet
    # Words of one query that are not a phrase are marked wherever they are.
    assert [m.lower() for m in marks(snippet_html(text, parse("united states").positive))].count(
        "united"
    ) == 4
    # A phrase that does not stand anywhere marks nothing (the window falls back to the start of the text).
    assert marks(snippet_html(text, parse('"states united"').positive)) == []
