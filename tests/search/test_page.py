"""The /search/ page: a bookmarkable GET form, facets that work without JavaScript, everything escaped."""

from __future__ import annotations

import re
from html import unescape

import pytest

from .conftest import SEED_ID

XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


@pytest.fixture
def site(indexed, client):
    return client


def body(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def links(html: str) -> list[tuple[str, str]]:
    return [
        (unescape(h), re.sub(r"<[^>]+>", "", t).strip())
        for h, t in re.findall(r'<a [^>]*?href="([^"]*)"[^>]*>(.*?)</a>', html)
    ]


def test_results_show_date_title_type_collection_snippet_total(site):
    html = body(site.get("/search/", {"q": 'four-party "Tran Buu Kiem"', "from": "1968-10"}))
    assert "1–1 of 1 document" in html
    assert f'href="/records/{SEED_ID}/"' in html and "Secret North Vietnam Politburo Cable No. 323" in html
    assert '<span class="date">October 15, 1968</span>' in html
    assert "<mark>Tran</mark> <mark>Buu</mark>] <mark>Kiem</mark>" in html
    assert "Searched for <strong>all of: “four party”, “tran buu kiem”</strong>, dated from 1968-10" in html
    html = body(site.get("/search/", {"q": "Zorin"}))
    assert '<span class="type">Telegram</span>' in html
    assert '<span class="collection">FRUS 1964–1968, Volume VII, Vietnam</span>' in html


def test_facet_links_add_and_remove_values(site):
    html = body(site.get("/search/", {"q": "telegram"}))
    subject_links = {text: href for href, text in links(html) if "subject=" in href}
    assert "Paris Peace Talks" in subject_links
    href = subject_links["Paris Peace Talks"]
    assert href.startswith("?q=telegram&") and "page=" not in href
    narrowed = body(site.get("/search/" + href))
    assert "✓ Paris Peace Talks" in narrowed
    total = int(re.search(r"of (\d+) document", narrowed).group(1))
    assert (
        total == 3
    )  # the telegrams d74 and d75, and test/undated, a telegram by its type (printed on its page)
    # AND within subjects: a second subject narrows further; the checked value's link removes it
    remove = next(h for h, t in links(narrowed) if t.startswith("✓ Paris Peace Talks"))
    assert "subject=" not in remove
    # OR within types: the other types keep their counts and can be added
    typed = body(site.get("/search/", {"type": "Telegram"}))
    assert re.search(r"Minutes of Meeting</a> <span class=\"count\">21</span>", typed)
    both = next(h for h, t in links(typed) if t == "Minutes of Meeting")
    assert "type=Telegram" in both and "type=Minutes+of+Meeting" in both
    assert "of 26 documents" in body(site.get("/search/" + both))


def test_sorting_and_pagination_links(site, indexed):
    html = body(site.get("/search/", {"q": "historical advisory committee"}))
    assert "1–20 of 40 documents" in html
    sorts = {t: h for h, t in links(html) if "sort=" in h}
    assert set(sorts) == {"Oldest first", "Newest first", "Title"}
    nxt = next(h for h, t in links(html) if t == "Next")
    page2 = body(site.get("/search/" + nxt))
    assert "21–40 of 40 documents" in page2 and 'rel="prev"' in page2
    newest = body(site.get("/search/" + sorts["Newest first"]))
    assert newest.index("November 15, 1990") < newest.index("November 7, 1958")
    empty = body(site.get("/search/"))
    assert f"1–20 of {indexed['public']} documents" in empty and "Relevance" not in empty


def test_a_query_typed_on_the_empty_page_is_sorted_by_relevance(site):
    """The empty page lists oldest first; its form must not hand that sort on to the query typed into it."""
    form = body(site.get("/search/"))
    assert 'name="sort"' not in form.split("</form>")[0]
    chosen = body(site.get("/search/", {"sort": "-date"}))
    assert '<input type="hidden" name="sort" value="-date">' in chosen  # a sort the reader chose goes on
    html = body(site.get("/search/", {"q": "historical advisory committee"}))
    assert "<strong>Relevance</strong>" in html


def test_a_page_past_the_end_says_so_and_links_the_last_page(site):
    html = body(site.get("/search/", {"q": "historical advisory committee", "page": "9"}))
    assert "Page 9 is past the end: 40 documents match, on 2 pages." in html
    assert "–" not in html.split('class="total"')[1].split("</p>")[0]  # no "161–160 of 40"
    last = next(h for h, t in links(html) if t == "Go to the last page")
    assert "21–40 of 40 documents" in body(site.get("/search/" + last))


def test_reflected_input_is_escaped(site):
    html = body(site.get("/search/", {"q": XSS, "from": XSS, "subject": XSS, "sort": XSS, "undated": XSS}))
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;' in html
    assert "Note:" in html


def test_broken_queries_show_how_they_were_understood(site):
    html = body(site.get("/search/", {"q": '"unclosed OR'}))
    assert "Note: an unclosed quote was closed at the end of the query" in html
    assert "Searched for <strong>all of: “unclosed or”</strong>" in html
    for q in ("*", "OR", "title:", "x" * 3000, "-", "(((", "\u0000"):
        assert site.get("/search/", {"q": q}).status_code == 200


def test_a_failing_engine_gives_a_503_page(indexed, archive, monkeypatch, client):
    def down(request):
        raise ConnectionError("connection refused")

    monkeypatch.setattr(archive.search, "search", down)
    response = client.get("/search/", {"q": "war"})
    assert response.status_code == 503 and b"Search is unavailable" in response.content


def test_the_page_is_named_search_and_links_its_stylesheet(site):
    from django.urls import reverse

    assert reverse("search") == "/search/"
    html = body(site.get("/search/"))
    assert '<link rel="stylesheet" href="/static/readingroom/search.css">' in html
    css = b"".join(site.get("/static/readingroom/search.css").streaming_content)
    assert b".search-layout" in css and b".snippet mark" in css


def test_results_come_before_the_facets_which_fold_behind_a_filters_button(site):
    html = body(site.get("/search/", {"q": "telegram"}))
    assert html.index('class="hits"') < html.index('class="histogram"') < html.index('class="facet"')
    details = html[html.index('<details class="filters"') :]
    assert details.index("<summary>Filters") < details.index('class="facet"') < details.index("</details>")
    assert 'id="q" name="q" type="search"' in html and " autofocus>" in html.split('id="q"')[1].split("\n")[0]


def test_filters_in_force_are_chips_each_removing_itself(site):
    params = {"q": "telegram", "subject": "Vietnam War", "type": "Telegram", "from": "1960"}
    html = body(site.get("/search/", params))
    chips = [(h, t) for h, t in links(html) if "Remove" in t]
    assert [t.replace("Remove ", "").replace(" ✕", "") for _h, t in chips] == [
        "Subject: Vietnam War",
        "Document type: Telegram",
        "From: 1960",
    ]
    for (href, _t), gone in zip(chips, ("subject=", "type=", "from="), strict=True):
        assert gone not in href and href.startswith("?q=telegram")
        assert sum(k in href for k in ("subject=", "type=", "from=")) == 2
        assert body(site.get("/search/" + href)).count('class="chip"') == 2
    clear = next(h for h, t in links(html) if t == "Clear all")
    assert clear == "?q=telegram"
    assert 'class="chip"' not in body(site.get("/search/", {"q": "telegram"}))


def test_histogram_bars_link_to_their_period_with_their_count(site):
    html = body(site.get("/search/"))
    bars = re.findall(r'<a href="([^"]*)" rel="nofollow" aria-label="(\d+s): (\d+) documents?"', html)
    assert len(bars) > 3 and "Results by decade" in html
    for href, decade, count in bars:
        narrowed = body(site.get("/search/" + unescape(href)))
        assert f"of {count} document" in narrowed
        assert f"Decade: {decade}" in narrowed
    # within a decade, the bars are years
    years = body(site.get("/search/", {"decade": "1960s"}))
    assert "Results by year, 1961–1968" in years
    assert re.search(r'aria-label="1968: \d+ documents"', years)


def test_a_search_box_on_every_page(site):
    home = body(site.get("/"))
    assert '<form class="home-search" method="get" action="/search/" role="search">' in home
    assert 'id="home-q" name="q"' in home and 'id="site-q"' not in home  # one box, the prominent one
    record = body(site.get(f"/records/{SEED_ID}/"))
    assert '<form class="site-search" method="get" action="/search/" role="search">' in record
    assert '<label for="site-q" class="visually-hidden">Search the archive</label>' in record
    search = body(site.get("/search/"))
    assert 'id="site-q"' not in search and search.count('role="search"') == 1


def test_search_page_in_chromium(indexed, backend, monkeypatch, live_server_url, page):
    """A reader types a query with markup, picks a facet, sorts: no script runs, the marks are real marks."""
    if backend.name != "tantivy":
        pytest.skip("one engine is enough for the browser")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(live_server_url + "/search/")
    page.fill("#q", "Kiem <script>alert(1)</script>")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.input_value("#q") == "Kiem <script>alert(1)</script>"
    page.goto(live_server_url + "/search/?q=" + "%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    page.fill("#q", "Thieu OR Zorin")
    page.click("button[type=submit]")
    page.wait_for_url("**q=Thieu+OR+Zorin**")
    assert page.locator(".hit").count() == 3
    assert page.locator(".snippet mark").first.inner_text() in ("Thieu", "Zorin")
    page.get_by_role("link", name="Newest first").click()
    page.wait_for_url("**sort=-date**")
    assert page.locator(".hit h3").first.inner_text() == "Notes from 1968"
    page.locator(".facet a", has_text="Soviet Union").click()
    page.wait_for_url("**subject=Soviet+Union**")
    assert page.locator(".hit").count() == 2
    # the page's own stylesheet (web/searchpage/static) is linked and applies: facets beside the results
    assert page.evaluate("getComputedStyle(document.querySelector('.search-layout')).display") == "grid"
    assert dialogs == []
