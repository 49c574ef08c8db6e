"""The leak suite's archive, its table of URLs, and the checks it makes (tests/test_leaks.py; docs/access.md).

The archive holds one public record and, beside it, a record in each state the public must never see: a draft, one
in review, one under embargo (a future date) and one withdrawn after it was published. Every value a hidden record
has (its id, title, texts, summary, notes, media file, the authorities only it carries, its relations' labels...)
holds a marker: a word made of the state's tag and the field's name ("zqdrafttitle", "zqembargoperson"). The
public record relates to each hidden record, and to one that is not in the archive at all ("zqghost...").

A response leaks when a marker word is in its body or its headers, beyond those the URL itself holds (a query, a
path: a page may echo what was asked) and those its table entry allows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC_ID = "leak/public"
TAGS = {"draft": "zqdraft", "in-review": "zqreview", "embargoed": "zqembargo", "withdrawn": "zqwithdrawn"}
GHOST = "zqghost"  # a relation's target that is not in the archive
MARKER = re.compile(r"zq(?:draft|review|embargo|withdrawn|ghost)[a-z0-9]*")
LATER = (dt.date.today() + dt.timedelta(days=60)).isoformat()
DAYS = {
    "draft": "1911-03-04",
    "in-review": "1912-04-05",
    "embargoed": "1913-05-06",
    "withdrawn": "1914-06-07",
}
LANGUAGES = {"draft": "kor", "in-review": "jpn", "embargoed": "tha", "withdrawn": "hun"}
PUBLIC_DAY = "1968-10-15"

# Authorities the public record carries, and that hidden records share or hang below.
TOPICS = {"id": "leak-topics", "name": "Leak topics"}
SHARED_SUBJECT = {"id": "leak-shared-subject", "name": "Shared subject"}
SHARED_COLLECTION = {"kind": "collection", "id": "leak-shared", "name": "Leak shared collection"}
PUBLIC_AUTHORITIES = [
    ("subject", "leak-topics"),
    ("subject", "leak-shared-subject"),
    ("collection", "leak-shared"),
    ("place", "leak-paris"),
    ("person", "leak-rusk"),
    ("person", "leak-translator"),
    ("organization", "leak-office"),
    ("funder", "leak-fund"),
    ("repository", "leak-archive"),
]
# The authorities only a hidden record carries, by kind: (kind, key suffix). Keys are the marker words.
HIDDEN_AUTHORITIES = [
    ("person", "person"),
    ("person", "recipient"),
    ("person", "translator"),
    ("organization", "organization"),
    ("subject", "subject"),
    ("place", "place"),
    ("collection", "collection"),
    ("collection", "parentcollection"),
    ("collection", "subcollection"),
    ("funder", "funder"),
    ("repository", "repository"),
]


def hidden_id(state: str) -> str:
    return f"leak/{TAGS[state]}id"


def media_path(state: str | None) -> str:
    return f"leak/{TAGS[state]}media.jpg" if state else "leak/public-page.jpg"


def hidden_record(state: str) -> dict:
    t = TAGS[state]
    return {
        "id": hidden_id(state),
        "title": f"Title {t}title about the shared words",
        "number": f"No. {t}number",
        "summary": f"The {t}summary of shared words.",
        "date": DAYS[state],
        "dateline_place": f"{t}dateline",
        "document_types": [f"{t}type"],
        "classification": [f"{t}classification"],
        "languages": [LANGUAGES[state]],
        "funder_credit": f"Funded by {t}credit",
        "texts": [
            # A withheld passage: /withheld/ counts the collections, years and types of records that have one.
            {
                "kind": "original",
                "language": LANGUAGES[state],
                "body": f"Shared words and {t}text here. [Name not declassified]",
            },
            {
                "kind": "translation",
                "language": "fre",
                "body": f"Mots {t}translation.",
                "translator": {"id": f"{t}translator", "name": f"{t}translator Person"},
            },
        ],
        "notes": [f"A note: {t}note."],
        "signature": f"{t}signature",
        "media": [{"path": media_path(state), "label": f"{t}medialabel", "mime_type": "image/jpeg"}],
        "creators": [{"kind": "organization", "id": f"{t}organization", "name": f"{t}organization Office"}],
        "recipients": [{"kind": "person", "id": f"{t}recipient", "name": f"{t}recipient Person"}],
        "persons": [
            {"id": f"{t}person", "name": f"{t}person Person"},
            {"id": "leak-rusk", "name": "Rusk, Dean"},
        ],
        "places": [{"id": f"{t}place", "name": f"{t}place Place"}],
        "subjects": [
            SHARED_SUBJECT,
            {"id": f"{t}subject", "name": f"{t}subject Subject", "parent": "leak-topics"},
        ],
        "collections": [
            SHARED_COLLECTION,
            {
                "kind": "collection",
                "id": f"{t}collection",
                "name": f"{t}collection C",
                "parent": f"{t}parentcollection",
            },
            {
                "kind": "collection",
                "id": f"{t}subcollection",
                "name": f"{t}subcollection C",
                "parent": "leak-shared",
            },
        ],
        "repository": {"id": f"{t}repository", "name": f"{t}repository Archive"},
        "archival_reference": {"box": f"{t}box"},
        "source_description": f"From the {t}source.",
        "funders": [{"id": f"{t}funder", "name": f"{t}funder Fund"}],
        "rights": {"statement": f"{t}rights"},
        "publisher": f"{t}publisher",
        "relations": [{"type": "related", "target": PUBLIC_ID, "label": f"{t}relationlabel"}],
        "extra": {"source_record_id": f"{t}extra"},
    }


def public_record() -> dict:
    return {
        "id": PUBLIC_ID,
        "title": "The public record about the shared words",
        "summary": "Shared words, published.",
        "date": PUBLIC_DAY,
        "document_types": ["Telegram"],
        "languages": ["eng"],
        "texts": [
            {
                "kind": "original",
                "language": "eng",
                "html": "<p>Shared words of the public record. See "
                + ", ".join(
                    f'<a href="/records/{hidden_id(state)}/">the other document</a>' for state in TAGS
                )
                + ". [1 paragraph not declassified]</p>",
            },
            {
                "kind": "translation",
                "language": "fre",
                "body": "Mots publics.",
                "translator": {"id": "leak-translator", "name": "Public Translator"},
            },
        ],
        # Cross-references in a note, as the FRUS importer writes them: the page links public targets only.
        "notes": [
            {
                "id": "leak-n1",
                "n": "1",
                "html": "See "
                + ", ".join(
                    f'<a href="/records/{hidden_id(state)}/">the other document</a>' for state in TAGS
                )
                + ".",
            }
        ],
        "media": [{"path": media_path(None), "label": "Page 1", "mime_type": "image/jpeg"}],
        "creators": [{"kind": "organization", "id": "leak-office", "name": "Public Office"}],
        "persons": [{"id": "leak-rusk", "name": "Rusk, Dean"}],
        "places": [{"id": "leak-paris", "name": "Paris"}],
        "subjects": [TOPICS, SHARED_SUBJECT],
        "collections": [SHARED_COLLECTION],
        "repository": {"id": "leak-archive", "name": "Public Archive"},
        "funders": [{"id": "leak-fund", "name": "Public Fund"}],
        "rights": {"statement": "No known copyright."},
        # As a Digital Archive import writes them: the label is the target's title.
        "relations": [
            *(
                {"type": "cites", "target": hidden_id(state), "label": f"Title {TAGS[state]}title"}
                for state in TAGS
            ),
            {"type": "related", "target": f"leak/{GHOST}id", "label": f"{GHOST}label"},
        ],
    }


def build(archive, settings) -> None:
    """Write the leak archive through the store, its media files and IIIF tiles, and index it."""
    from PIL import Image

    from readingroom.iiif.images import TileStore

    media = archive.settings.media_path
    settings.MEDIA_ROOT = str(media)  # /media/ serves the archive's media folder
    for state in [None, *TAGS]:
        path = Path(media) / media_path(state)
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (300, 200), "navy").save(path, "JPEG")
    store = archive.store
    store.save(public_record())
    for state in TAGS:
        doc = hidden_record(state)
        if state == "draft":
            doc["status"] = "draft"
        elif state == "in-review":
            doc["status"] = "in-review"
        elif state == "embargoed":
            doc["embargo_until"] = LATER
        store.save(doc)
    store.set_status(
        hidden_id("withdrawn"), "withdrawn", reason=f"{TAGS['withdrawn']}reason"
    )  # published, then withdrawn
    TileStore.of(archive.settings).for_records([PUBLIC_ID, *(hidden_id(s) for s in TAGS)])
    archive.indexer.process_outbox()


# -- the URL table ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fetch:
    """One URL to fetch anonymously: the statuses it may answer, and marker words it may show besides those the
    URL holds (`allow`)."""

    url: str
    status: tuple[int, ...] = (200,)
    allow: frozenset[str] = field(default_factory=frozenset)


# What a tombstone may show of a withdrawn record: title, reason, and what its citation names.
TOMBSTONE_PARTS = (
    "title",
    "reason",
    "organization",
    "number",
    "translator",
    "publisher",
    "box",
    "repository",
)


def fetches(urls: Iterable[str], status: tuple[int, ...] = (200,), allow: Iterable[str] = ()) -> list[Fetch]:
    return [Fetch(u, status, frozenset(allow)) for u in urls]


EXCLUDED = {
    # Django's admin is the editorial interface: every page of it asks for a staff login first. The suite
    # checks that its front doors send an anonymous reader to the login page and show nothing (ADMIN_DOORS);
    # what it shows to editors is the editorial tests' concern.
    "admin/",
}
ADMIN_DOORS = ["/admin/", "/admin/records/record/", f"/admin/records/record/{hidden_id('draft')}/change/"]


def url_patterns(urlconf=None) -> list[str]:
    """Every URL pattern the project defines, as its route from the root ("api/v1/records/<path:record_id>"),
    walking includes; the EXCLUDED includes are not walked."""
    out: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if route not in EXCLUDED:
                    walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                out.append(route)

    walk(get_resolver(urlconf).url_patterns, "")
    return out


def uncovered(patterns: Iterable[str], table: dict[str, list[Fetch]]) -> list[str]:
    """The patterns without an entry (or with an empty one) in the table."""
    return [p for p in patterns if not table.get(p)]


def url_table() -> dict[str, list[Fetch]]:
    """For each URL pattern, the concrete URLs that exercise it."""
    from urllib.parse import quote

    from readingroom.iiif.images import image_id
    from readingroom.records.vocabulary import AUTHORITY_KIND

    hidden = [hidden_id(s) for s in TAGS]
    withdrawn = hidden_id("withdrawn")
    gone = (404, 410)  # a withdrawn record's own address may become a tombstone (410)
    words = [f"{t}{f}" for t in TAGS.values() for f in ("title", "text", "summary", "person", "subject")]
    words += ["shared words", "Rusk", f"{GHOST}label"]
    plural = {k: v.plural for k, v in AUTHORITY_KIND.items()}
    hidden_keys = [(kind, f"{t}{suffix}") for t in TAGS.values() for kind, suffix in HIDDEN_AUTHORITIES]
    filters = []  # search filters naming what only hidden records have
    for state, t in TAGS.items():
        filters += [
            f"subject={t}subject+Subject",
            f"place={t}place+Place",
            f"person={t}person+Person",
            f"collection={t}collection+C",
            f"type={t}type",
            f"lang={LANGUAGES[state]}",
            f"funder={t}funder+Fund",
            f"translator={t}translator+Person",
            f"classification={t}classification",
            f"year={DAYS[state][:4]}",
            f"from={DAYS[state]}&to={DAYS[state]}",
        ]
    searches = [
        "",
        "?q=shared+words",
        "?sort=-date",
        "?sort=title",
        "?undated=exclude",
        "?decade=1910s",
        "?subject=Shared+subject",
        "?collection=Leak+shared+collection",
        "?subject=Leak+topics",
        "?withheld=any",
        "?withheld=name",
        *(f"?q={quote(w)}" for w in words),
        *(f"?{f}" for f in filters),
    ]
    da_models = {
        "subject": ["subject"],
        "coverage": ["place"],
        "collection": ["collection", "parentcollection", "subcollection"],
        "contributor": ["person", "organization", "recipient"],
        "donor": ["funder"],
        "repository": ["repository"],
    }
    da_public = {
        "subject": ["leak-topics", "leak-shared-subject"],
        "coverage": ["leak-paris"],
        "collection": ["leak-shared"],
        "contributor": ["leak-rusk", "leak-office"],
        "donor": ["leak-fund"],
        "repository": ["leak-archive"],
    }
    da_searches = ["", "?q=shared+words", "?translation=fre", "?start_date=19110101&end_date=19141231"]
    for model, suffixes in da_models.items():
        name = model if model == "repository" else model + "[]"
        da_searches += [f"?{name}={t}{s}" for t in TAGS.values() for s in suffixes]
        da_searches += [f"?{name}={k}" for k in da_public[model]]
    da_searches += [f"?q={quote(w)}" for w in words]
    da_searches += [f"?language={lang}" for lang in LANGUAGES.values()]
    images = {s: image_id(media_path(s)) for s in [None, *TAGS]}
    oai_ids = [f"http://testserver/records/{i}/" for i in [PUBLIC_ID, *hidden, f"leak/{GHOST}id"]]
    oai = [
        "verb=Identify",
        "verb=ListMetadataFormats",
        "verb=ListSets",
        *(
            f"verb={v}&metadataPrefix={p}"
            for v in ("ListIdentifiers", "ListRecords")
            for p in ("oai_dc", "mods")
        ),
        "verb=ListRecords&metadataPrefix=oai_dc&set=leak-shared",
        "verb=ListRecords&metadataPrefix=oai_dc&from=1900-01-01",
        *(f"verb=ListIdentifiers&metadataPrefix=oai_dc&set={t}collection" for t in TAGS.values()),
        *(
            f"verb=GetRecord&metadataPrefix={p}&identifier={quote(i)}"
            for i in oai_ids
            for p in ("oai_dc", "mods")
        ),
        *(f"verb=ListMetadataFormats&identifier={quote(i)}" for i in oai_ids),
    ]
    oai_allow = [
        f"{TAGS['withdrawn']}id"
    ]  # its deleted header; test_oai_shows_... checks there is nothing more

    def record_urls(template: str, public_status=(200,)) -> list[Fetch]:
        return [
            *fetches([template.format(PUBLIC_ID)], public_status),
            *fetches(
                [template.format(i) for i in hidden if i != withdrawn] + [template.format(f"leak/{GHOST}id")],
                (404,),
            ),
            *fetches([template.format(withdrawn)], gone),
        ]

    def authority_urls(template: str) -> list[Fetch]:
        return [
            *fetches([template.format(plural[k], key) for k, key in PUBLIC_AUTHORITIES]),
            *fetches([template.format(plural[k], key) for k, key in hidden_keys], (404,)),
        ]

    exports = [
        f"/export/?format={f}{q}"
        for f in ("jsonl", "csv", "ris", "bibtex")
        for q in ("", "&q=shared+words", f"&q={TAGS['draft']}title", "&subject=Shared+subject")
    ]

    return {
        "search/": fetches(f"/search/{q}" for q in searches),
        "search/map/": fetches(f"/search/map/{q}" for q in searches),
        "api/v1/": fetches(["/api/v1/"]),
        "api/v1/openapi.json": fetches(["/api/v1/openapi.json"]),
        "api/v1/search": fetches(f"/api/v1/search{q}" for q in searches),
        "api/v1/records/<path:record_id>": record_urls("/api/v1/records/{}"),
        "api/v1/<kind:kind>/": fetches(f"/api/v1/{p}/" for p in plural.values()),
        "api/v1/<kind:kind>/<path:key>": authority_urls("/api/v1/{}/{}"),
        "srv/record.json": fetches(f"/srv/record.json{q}" for q in da_searches),
        "srv/record/date_range.json": fetches(["/srv/record/date_range.json"]),
        r"srv/^record/(?P<record_id>.+)/@text/(?P<number>[0-9]+)\.html$": [
            *record_urls("/srv/record/{}/@text/1.html"),
            *record_urls("/srv/record/{}/@text/2.html"),
        ],
        r"srv/^record/(?P<record_id>.+)\.json$": record_urls("/srv/record/{}.json"),
        r"srv/^(?P<model>subject|coverage|collection|contributor|donor|repository)\.json$": [
            *fetches(f"/srv/{m}.json" for m in da_models),
            *fetches(f"/srv/{m}.json?term={t}" for m in da_models for t in TAGS.values()),
        ],
        r"srv/^(?P<model>subject|coverage|collection|contributor|donor|repository)/(?P<key>.+)\.json$": [
            *fetches(f"/srv/{m}/{k}.json" for m, keys in da_public.items() for k in keys),
            *fetches(
                (
                    f"/srv/{m}/{t}{s}.json"
                    for m, suffixes in da_models.items()
                    for t in TAGS.values()
                    for s in suffixes
                ),
                (404,),
            ),
        ],
        "oai": fetches((f"/oai?{q}" for q in oai), allow=oai_allow),
        # Operations (docs/operations.md). The test client's requests come from 127.0.0.1, so /metrics answers
        # them: its labels are URL patterns and engine names, never an id.
        "healthz": fetches(["/healthz"]),
        "readyz": fetches(["/readyz"]),
        "metrics": fetches(["/metrics"]),
        "": fetches(["/"]),
        "robots.txt": fetches(["/robots.txt"]),
        "sitemap.xml": fetches(["/sitemap.xml"]),
        "sitemap-<slug:section>-<int:chunk>.xml": fetches(["/sitemap-pages-1.xml", "/sitemap-records-1.xml"]),
        "records/": fetches(["/records/", "/records/?page=2"]),
        "records/<path:record_id>/@manifest.json": record_urls("/records/{}/@manifest.json"),
        # The scan viewer (docs/iiif.md): the public record has one scan, so its page 2 and an unlisted size are 404.
        "records/<path:record_id>/@scans/<int:n>/": [
            *record_urls("/records/{}/@scans/1/"),
            *record_urls("/records/{}/@scans/1/?size=300"),
            *fetches([f"/records/{PUBLIC_ID}/@scans/2/", f"/records/{PUBLIC_ID}/@scans/1/?size=123"], (404,)),
        ],
        "records/<path:record_id>/@<str:name>": [
            f
            for name in ("cite.bib", "cite.ris", "cite.json", "record.pdf", "record.txt", "record.json")
            for f in record_urls("/records/{}/@" + name)
        ],
        "records/<path:record_id>/": [
            *fetches([f"/records/{PUBLIC_ID}/"]),
            *fetches(
                [f"/records/{i}/" for i in hidden if i != withdrawn] + [f"/records/leak/{GHOST}id/"], (404,)
            ),
            # The one exception: a withdrawn record's tombstone shows its title, the reason it was withdrawn and
            # its citation (#12: title, reason, date, citation; no text), so the names a citation is made of.
            Fetch(
                f"/records/{withdrawn}/", gone, frozenset(f"{TAGS['withdrawn']}{p}" for p in TOMBSTONE_PARTS)
            ),
        ],
        "media/<path:path>": [
            *fetches([f"/media/{media_path(None)}"]),
            *fetches([f"/media/{media_path(s)}" for s in TAGS], (404,)),
        ],
        "export/": fetches(exports),
        "iiif/<str:image>": [
            *fetches([f"/iiif/{images[None]}"], (302,)),
            *fetches([f"/iiif/{images[s]}" for s in TAGS], (404,)),
        ],
        "iiif/<str:image>/info.json": [
            *fetches([f"/iiif/{images[None]}/info.json"]),
            *fetches([f"/iiif/{images[s]}/info.json" for s in TAGS], (404,)),
        ],
        "iiif/<str:image>/<str:region>/<str:size>/<str:rotation>/<str:quality>.<str:fmt>": [
            *fetches([f"/iiif/{images[None]}/full/max/0/default.jpg"]),
            *fetches([f"/iiif/{images[s]}/full/max/0/default.jpg" for s in TAGS], (404,)),
        ],
        "years/": fetches(["/years/"]),
        "accounts/login/": fetches(["/accounts/login/"]),
        "accounts/logout/": fetches(["/accounts/logout/"], (405,)),  # logging out is a POST
        "years/<year:year>/": fetches(f"/years/{y}/" for y in ["1968", *(d[:4] for d in DAYS.values())]),
        "withheld/": fetches(["/withheld/"]),
        "on-this-day/": fetches(f"/on-this-day/?date={d[5:]}" for d in [PUBLIC_DAY, *DAYS.values()]),
        "<kind:kind>/": fetches(f"/{p}/" for p in plural.values()),
        "<kind:kind>/<path:key>/": authority_urls("/{}/{}/"),
    }


# -- the check ----------------------------------------------------------------------------------------------------


def hidden_image_ids() -> set[str]:
    from readingroom.iiif.images import image_id

    return {image_id(media_path(s)) for s in TAGS}


def response_text(response) -> str:
    """The body and the headers of a response, as text (a binary body decoded leniently)."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
    return headers + "\n\n" + body.decode("utf-8", errors="replace")


def leaks(text: str, url: str, allow: Iterable[str] = ()) -> list[str]:
    """What of a hidden record a response shows: marker words beyond those in its URL and in `allow`, and the
    IIIF image ids of hidden scans; each with the text around it."""
    from urllib.parse import unquote

    allowed = set(MARKER.findall(unquote(url).lower())) | set(allow)
    lowered = text.lower()
    found = []
    for m in MARKER.finditer(lowered):
        if m.group() not in allowed:
            found.append(f"{m.group()!r} in …{text[max(0, m.start() - 80) : m.end() + 40]!r}…")
    for image in hidden_image_ids():
        if image in lowered and image not in url:
            found.append(f"a hidden scan's IIIF image id {image}")
    return found
