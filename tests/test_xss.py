"""A corpus of cross-site-scripting payloads (tests/data/xss-payloads.txt) in every text field of records, in
authority names and in search parameters, rendered in Chromium on every page that shows them, public and
editorial: no payload runs.

Batched so it stays quick: a few records each carry a slice of the corpus in all their fields. A page fails when a
dialog opens (alert, confirm, prompt), when window.__xss is set, or when the Content-Security-Policy had to block
a script (the page let markup through that CSP alone stopped).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlencode

import pytest

from readingroom.accounts.roles import create_user

PAYLOADS = [
    line
    for line in (Path(__file__).parent / "data" / "xss-payloads.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("# ")
]
SLICE = 12
SLICES = [PAYLOADS[i : i + SLICE] for i in range(0, len(PAYLOADS), SLICE)]
TODAY = dt.date.today()

# Run in every page before its own scripts: notes what the CSP blocks.
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.effectiveDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
"""
SCRIPT_DIRECTIVES = (
    "script-src",
    "script-src-elem",
    "script-src-attr",
    "object-src",
    "frame-src",
    "base-uri",
)


def test_the_corpus_is_large_and_varied():
    assert len(PAYLOADS) >= 100 and len(set(PAYLOADS)) == len(PAYLOADS)
    for vector in ("<script", "onerror=", "javascript:", "<svg", "<math", '">', "{{", "&#", "%3C", "\\u003c"):
        assert any(vector.lower() in p.lower() for p in PAYLOADS), vector


def record_with(n: int, payloads: list[str]) -> dict:
    """Record n with the payloads in every text field, every authority kind and every free-form value."""
    joined = " ".join(payloads)

    def refs(kind: str) -> list[dict]:
        return [{"kind": kind, "id": f"xss-{kind}-{n}-{i}", "name": p} for i, p in enumerate(payloads)]

    return {
        "id": f"xss/{n}",
        "status": "published",
        "title": f"xsscorpus {joined}",
        "number": payloads[0],
        "summary": f"xsscorpus {joined}",
        "date": f"1968-{TODAY:%m-%d}",
        "date_text": payloads[-1][:500],
        "document_types": payloads,
        "classification": payloads[:2],
        "dateline_place": joined,
        "funder_credit": joined,
        "signature": joined,
        "source_description": joined,
        "publisher": joined,
        "texts": [
            {
                "kind": "transcription",
                "language": "eng",
                "html": "<p>" + "</p><p>".join(payloads) + "</p>",
                "label": joined,
                "rights": joined,
            },
            {
                "kind": "translation",
                "language": "fre",
                "body": joined,
                "translator": {"id": f"xss-translator-{n}", "name": payloads[0]},
            },
        ],
        "notes": [{"html": p, "n": str(i)} for i, p in enumerate(payloads)],
        "media": [{"url": f"https://example.org/scan-{i}.pdf", "label": p} for i, p in enumerate(payloads)],
        "creators": [{**r, "role": payloads[0][:50]} for r in refs("person")[:3]],
        "recipients": refs("organization")[:3],
        "persons": refs("person"),
        # located, so that their names are drawn on the maps too (tooltips, labels, the image's aria-label)
        "places": [{**r, "coordinates": f"{10 + i}, {20 + i}"} for i, r in enumerate(refs("place"))],
        "subjects": refs("subject"),
        "collections": refs("collection"),
        "repository": {"id": f"xss-repository-{n}", "name": payloads[1]},
        "funders": refs("funder"),
        "archival_reference": {"box": payloads[0], "folder": payloads[1]},
        "rights": {"statement": "\n".join(payloads), "uri": "https://rightsstatements.org/vocab/InC/1.0/"},
        "relations": [{"target": f"xss/{(n + 1) % len(SLICES)}", "label": payloads[0]}],
        "extra": {"comment": joined},
    }


class Watch:
    def __init__(self, page):
        self.page = page
        self.dialogs: list[str] = []
        self.blocked: list[str] = []
        page.add_init_script(WATCH)
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def visit(self, url: str, expect: tuple[int, ...] = (200,)) -> list[str]:
        """Load a page; what ran or was blocked on it."""
        response = self.page.goto(url)
        assert response is not None and response.status in expect, (url, response and response.status)
        self.page.wait_for_load_state("load")
        # Focus, hover and click what a reader might: handlers that wait for them would run now.
        self.page.mouse.move(200, 300)
        self.page.keyboard.press("Tab")
        self.page.wait_for_timeout(30)
        found = [f"dialog {m}" for m in self.dialogs]
        self.dialogs.clear()
        if self.page.evaluate("window.__xss") is not None:
            found.append("window.__xss set")
        blocked = self.page.evaluate("window.__csp") or []
        found += [f"CSP blocked {b}" for b in blocked if b.split(" ")[0] in SCRIPT_DIRECTIVES]
        self.blocked += blocked
        return [f"{url}: {f}" for f in found]


def test_the_watch_sees_a_payload_that_runs(page):
    """Guards the detector: the same payload on a page without our escaping and CSP is caught."""
    watch = Watch(page)
    page.set_content(PAYLOADS[PAYLOADS.index("<img src=x onerror=alert(10)>")])
    page.wait_for_timeout(200)
    assert watch.dialogs == ["10"]


def test_the_csp_blocks_inline_script_on_our_pages(live_server_url, page):
    """Markup that got through would still not run: the site's CSP blocks inline handlers and script, and the
    watch sees the block."""
    watch = Watch(page)
    assert watch.visit(live_server_url + "/") == []
    page.evaluate(
        """document.body.insertAdjacentHTML('beforeend', '<img src=x onerror="window.__xss=1">');
        const s = document.createElement('script'); s.textContent = 'window.__xss = 2'; document.body.append(s);"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    blocked = {b.split(" ")[0] for b in page.evaluate("window.__csp")}
    assert {"script-src-attr", "script-src-elem"} <= blocked


@pytest.fixture
def corpus(live_server_url, archive):
    for n, payloads in enumerate(SLICES):
        archive.store.save(record_with(n, payloads))
    return live_server_url


def test_no_payload_runs_on_public_pages(corpus, page):
    base = corpus
    watch = Watch(page)
    ran: list[str] = []
    for n, payloads in enumerate(SLICES):
        ran += watch.visit(f"{base}/records/xss/{n}/")
        # The payloads are on the page, as text.
        assert page.locator("h1").first.inner_text() == f"xsscorpus {' '.join(payloads)}"
    for path in ("/", "/records/", "/years/", "/years/1968/", "/on-this-day/"):
        ran += watch.visit(base + path)
    for plural in (
        "persons",
        "organizations",
        "places",
        "subjects",
        "collections",
        "repositories",
        "funders",
    ):
        ran += watch.visit(f"{base}/{plural}/")
        key = "xss-repository-0" if plural == "repositories" else f"xss-{plural[:-1]}-0-0"
        ran += watch.visit(f"{base}/{plural}/{key}/")
    ran += watch.visit(f"{base}/search/?q=xsscorpus")
    assert SLICES[0][0] in page.locator("main").inner_text()
    ran += watch.visit(f"{base}/search/map/?q=xsscorpus")
    assert page.locator("svg.place-map-links a").count() > 0  # the payloads are drawn: tooltips, labels
    for payloads in SLICES:
        params = {
            "q": " ".join(payloads),
            "person": payloads[0],
            "subject": payloads[1 % len(payloads)],
            "place": payloads[-1],
            "from": payloads[0],
            "sort": payloads[-1],
            "page": payloads[0],
        }
        ran += watch.visit(f"{base}/search/?{urlencode(params)}", expect=(200, 400))
        ran += watch.visit(f"{base}/search/map/?{urlencode(params)}", expect=(200, 400))
    for payload in PAYLOADS[:: len(PAYLOADS) // 8]:  # reflected in a 404 page's address
        ran += watch.visit(
            f"{base}/records/{payload.replace('#', '%23').replace('?', '%3F')}/", expect=(404,)
        )
    assert not ran, "\n".join(ran)


def test_no_payload_runs_in_the_admin(corpus, page, archive):
    base = corpus
    create_user("xss-editor", "a long enough passphrase", "editor")
    watch = Watch(page)
    ran = watch.visit(f"{base}/admin/login/")
    page.fill("#id_username", "xss-editor")
    page.fill("#id_password", "a long enough passphrase")
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    ran += watch.visit(f"{base}/admin/records/record/")
    ran += watch.visit(f"{base}/admin/records/record/?{urlencode({'q': PAYLOADS[0]})}")
    for n in range(len(SLICES)):
        ran += watch.visit(f"{base}/admin/records/record/xss/{n}/change/")
    ran += watch.visit(f"{base}/admin/records/authority/")
    ran += watch.visit(f"{base}/admin/records/authority/?{urlencode({'q': 'script'})}")
    assert not ran, "\n".join(ran)
    # The admin's own scripts and styles are files: the CSP blocks nothing of it.
    assert watch.blocked == []
