"""The Wilson Center Digital Archive's API (/srv/), as Readingroom answers it: our records in the shapes the PyPI
`digitalarchive` client models (digitalarchive/models.py: Document and what it nests), and its search
parameters read into the one SearchRequest that /search/ and /api/v1/search use.

The mapping is the reverse of ingest/da_json.py (docs/record-schema.md, "Digital Archive JSON"):

    DA                    Readingroom
    Document              a public record; `id` is the record id (it may contain "/")
    doc_date              the earliest date as YYYYMMDD, 00 for an unknown month or day ("19621000")
    subjects, original_coverages, collections, contributors/creators, donors, repositories
                          authorities of kinds subject, place, collection, person/organization, funder, repository:
                          `id` is the authority key; a DA id kept from an import (`da_id`) finds it too
    translations, transcripts   texts of kind translation, and original/transcription; `url` is their HTML
    media_files           media: `path` is /media/<path> for a file the archive keeps, else the URL
    links, attachments    relations (related, attachment) to public records only

Asset `url`s are relative to the server, as the client requests them (it prefixes its host).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from urllib.parse import quote

from django.db.models import Prefetch, Q

from readingroom.records import services, texts, visibility
from readingroom.records.errors import BadRequest
from readingroom.records.languages import language_name
from readingroom.records.models import Authority, Record, RecordLink
from readingroom.records.schema import slugify
from readingroom.records.store import format_ts
from readingroom.records.vocabulary import AGENT_KINDS
from readingroom.search.params import MAX_RESULTS, SearchRequest, request_from_params


@dataclass(frozen=True)
class DaModel:
    """A DA resource model that names authorities: its endpoint (/srv/<name>.json), our kinds, the facet."""

    name: str  # the endpoint, and the search parameter (`subject[]`)
    kinds: tuple[str, ...]
    facet: str  # search/fields.py: the facet its values select
    multiple: bool = True  # the parameter takes several values, written `name[]`


MODELS = {
    m.name: m
    for m in (
        DaModel("subject", ("subject",), "subject"),
        DaModel("coverage", ("place",), "place"),
        DaModel("collection", ("collection",), "collection"),
        DaModel("contributor", AGENT_KINDS, "person"),
        DaModel("donor", ("funder",), "funder"),
        DaModel("repository", ("repository",), "repository", multiple=False),
    )
}
MODEL_BY_KIND = {kind: m for m in MODELS.values() for kind in m.kinds}

DEFAULT_ITEMS_PER_PAGE = 20
MAX_ITEMS_PER_PAGE = 200  # what the client asks for
MAX_PAGE = MAX_RESULTS  # a page beyond the MAX_RESULTS first results is empty (its pagination says the total)
SEARCH_PARAMETERS = (
    "q",
    "start_date",
    "end_date",
    "language",
    "translation",
    "itemsPerPage",
    "page",
    "model",
    *(m.name + "[]" if m.multiple else m.name for m in MODELS.values()),
)
UNSUPPORTED = {"publisher": "publishers", "theme": "themes"}


# -- authorities --------------------------------------------------------------------------------------------------


def find_authority(model: DaModel, da_id: str) -> Authority | None:
    """The authority a DA id names: its key, or the DA id an import kept (`da_id`)."""
    found = Authority.objects.filter(kind__in=model.kinds, key=da_id).select_related("parent").first()
    return (
        found
        or Authority.objects.filter(kind__in=model.kinds, data__da_id=da_id).select_related("parent").first()
    )


def authority_uri(model: DaModel, key: str) -> str:
    return f"/srv/{model.name}/{quote(key)}.json"


def authority_json(authority: Authority, *, count: int | None = None, with_parent: bool = True) -> dict:
    model = MODEL_BY_KIND[authority.kind]
    out: dict = {
        "id": authority.key,
        "name": authority.name,
        "value": authority.name,
        "uri": authority_uri(model, authority.key),
    }
    parent = authority.parent if with_parent and authority.parent_id else None
    if model.name == "coverage":
        out["parent"] = authority_json(parent, with_parent=False) if parent else []
        out["children"] = []
    elif model.name == "collection":
        data = authority.data or {}
        out.update(
            slug=authority.key,
            model="Collection",
            description=_text(data.get("description")),
            short_description=_text(data.get("short_description")),
            is_inactive="0",
        )
        if count is not None:
            out["no_of_documents"] = str(count)
        if parent:
            out["parent"] = authority_json(parent, with_parent=False)
    return out


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


# -- records ------------------------------------------------------------------------------------------------------


def doc_date(record: Record) -> str:
    """YYYYMMDD; 00 for the month or day a record's date does not give; "" for an undated record."""
    day = record.date_earliest[:10].replace("-", "")
    if len(day) != 8:
        return ""
    if record.date_precision == "year":
        return day[:4] + "0000"
    if record.date_precision == "month":
        return day[:6] + "00"
    return day


def _ts(value) -> str:
    return format_ts(value) or ""


def record_uri(record_id: str) -> str:
    return f"/srv/record/{record_id}.json"


def text_url(record_id: str, number: int) -> str:
    return f"srv/record/{record_id}/@text/{number}.html"


def _assets(record: Record, doc: dict, full: bool) -> tuple[list[dict], list[dict]]:
    translations, transcripts = [], []
    stamp = {"source_created_at": _ts(record.created), "source_updated_at": _ts(record.updated)}
    for number, text in enumerate(doc.get("texts") or [], 1):
        asset = {
            "id": f"{record.pk}@text/{number}",
            "filename": f"{slugify(record.pk)}-{number}.html",
            "content_type": "text/html",
            "extension": "html",
            "asset_id": f"{record.pk}@text/{number}",
            **stamp,
            "url": text_url(record.pk, number),
        }
        if full:
            asset["html"] = texts.sanitize(
                visibility.public_text(text.get("html") or "")
            )  # stored HTML is never trusted on the way out
        if text.get("kind") == "translation":
            code = text.get("language") or ""
            translations.append(
                {**asset, "language": {"id": code, "name": language_name(code) or code or None}}
            )
        else:
            transcripts.append(asset)
    return translations, transcripts


def _media_files(record: Record, doc: dict) -> list[dict]:
    out = []
    for number, media in enumerate(doc.get("media") or [], 1):
        location = ("media/" + media["path"]) if media.get("path") else (media.get("url") or "")
        filename = media.get("label") or location.rsplit("/", 1)[-1]
        extension = location.rsplit(".", 1)[-1].lower() if "." in location.rsplit("/", 1)[-1] else ""
        out.append(
            {
                "id": f"{record.pk}@media/{number}",
                "filename": filename,
                "content_type": media.get("mime_type") or "",
                "extension": extension,
                "asset_id": media.get("sha256") or f"{record.pk}@media/{number}",
                "source_created_at": _ts(record.created),
                "source_updated_at": _ts(record.updated),
                "path": location,
            }
        )
    return out


def _listed(values: list[str], ids: list[str] | None) -> list[dict]:
    """Types and classifications: {"id", "name"}, with the DA's ids when an import kept them."""
    if not ids or len(ids) != len(values):
        ids = [slugify(v) for v in values]
    return [{"id": str(i), "name": v} for i, v in zip(ids, values, strict=True)]


def _rights(doc: dict) -> dict | None:
    rights = doc.get("rights") or {}
    if not rights.get("statement"):
        return None
    name = rights.get("name") or rights.get("uri") or "Rights"
    return {"id": slugify(name), "name": name, "rights": rights["statement"]}


def _publishers(doc: dict) -> list[dict]:
    kept = ((doc.get("extra") or {}).get("da") or {}).get("publishers")
    if isinstance(kept, list) and kept:
        return [
            {"id": str(p.get("da_id") or slugify(p["name"])), "name": p["name"], "value": p["name"]}
            for p in kept
            if isinstance(p, dict) and p.get("name")
        ]
    name = doc.get("publisher")
    return [{"id": slugify(name), "name": name, "value": name}] if name else []


def document_json(
    record: Record,
    authorities: dict[tuple[str, str], Authority],
    related: dict[str, Record],
    *,
    full: bool = True,
) -> dict:
    """A public record as a DA Document. `authorities`: the record's, by (kind, key), with their parents;
    `related`: the public records among its relations' targets, by id. Not `full`: texts without their HTML
    (a search result; the client's `hydrate()` fetches the rest)."""
    doc = record.document
    extra_da = (doc.get("extra") or {}).get("da") or {}

    def refs(*fields: str) -> list[dict]:
        out, seen = [], set()
        for name in fields:
            for ref in doc.get(name) or []:
                found = authorities.get((ref["kind"], ref["id"]))
                if found is not None and (found.kind, found.key) not in seen:
                    seen.add((found.kind, found.key))
                    out.append(authority_json(found))
        return out

    translations, transcripts = _assets(record, doc, full)
    places = refs("places")
    repository = doc.get("repository")
    found_repository = authorities.get((repository["kind"], repository["id"])) if repository else None
    ids = extra_da.get("ids") or {}
    relations = [(r, related[r.target_id]) for r in record.relations.all() if r.target_id in related]
    return {
        "id": record.pk,
        "uri": record_uri(record.pk),
        "title": record.title,
        "description": record.summary or None,
        "doc_date": doc_date(record),
        "frontend_doc_date": record.date_text or "",
        "slug": extra_da.get("slug") or slugify(record.title),
        "source_created_at": _ts(record.created),
        "source_updated_at": _ts(record.updated),
        "first_published_at": _ts(record.first_published or record.created),
        "source": doc.get("source_description"),
        "type": _listed(doc.get("document_types") or [], ids.get("type")),
        "rights": _rights(doc),
        "pdf_generated_at": None,
        "date_range_start": record.date_earliest[:10] or None,
        "sort_string_by_coverage": places[0]["name"] if places else None,
        "main_src": None,
        "model": "Record",
        "donors": [{"id": d["id"], "name": d["name"]} for d in refs("funders")],
        "subjects": refs("subjects"),
        "transcripts": transcripts,
        "translations": translations,
        "media_files": _media_files(record, doc),
        "languages": [
            {"id": code, "name": language_name(code) or code} for code in doc.get("languages") or []
        ],
        "contributors": refs("contributors"),
        "creators": refs("creators"),
        "original_coverages": places,
        "collections": refs("collections"),
        "attachments": [
            {"id": t.pk, "title": t.title, "uri": record_uri(t.pk)}
            for r, t in relations
            if r.type == "attachment"
        ],
        "links": [
            {"id": t.pk, "title": t.title, "uri": record_uri(t.pk)}
            for r, t in relations
            if r.type != "attachment"
        ],
        "repositories": [authority_json(found_repository)] if found_repository else [],
        "publishers": _publishers(doc),
        "classifications": _listed(doc.get("classification") or [], ids.get("classifications")),
    }


def documents(record_ids: list[str], *, full: bool) -> list[dict]:
    """DA Documents for public records, in the order of the ids given (ids not public are left out)."""
    links = Prefetch("links", queryset=RecordLink.objects.select_related("authority", "authority__parent"))
    found = {
        r.pk: r
        for r in Record.objects.public().filter(pk__in=record_ids).prefetch_related(links, "relations")
    }
    targets = {rel.target_id for r in found.values() for rel in r.relations.all()}
    related = visibility.public_targets(targets)
    out = []
    for record_id in record_ids:
        record = found.get(record_id)
        if record is not None:
            authorities = {
                (link.authority.kind, link.authority.key): link.authority for link in record.links.all()
            }
            out.append(document_json(record, authorities, related, full=full))
    return out


# -- search -------------------------------------------------------------------------------------------------------

_DA_DAY = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def _day(name: str, value: str) -> str:
    m = _DA_DAY.match(value.strip())
    if not m:
        raise BadRequest(f"{name}= takes a day written YYYYMMDD (19681015), not “{value[:30]}”")
    return f"{m[1]}-{m[2]}-{m[3]}"


def number(params, name: str, default: int, largest: int) -> int:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= largest:
        raise BadRequest(f"{name}= takes a whole number from 1 to {largest:,}, not “{raw[:30]}”")
    return int(raw)


@dataclass(frozen=True)
class DaSearch:
    """A /srv/record.json search: the SearchRequest, the page size the client asked for, and a translation
    language to keep (None: any). `request` is None when a filter names nothing in the archive: no results."""

    request: SearchRequest | None
    items_per_page: int
    page: int
    translation: str | None = None


def search_request(params, checked) -> DaSearch:
    """The DA's search parameters as the SearchRequest of /search/ (search/params.py reads what they become);
    `checked` refuses what its parser could not use (resources.checked)."""
    for name, plural in UNSUPPORTED.items():
        if params.getlist(name) or params.getlist(name + "[]"):
            raise BadRequest(f"Readingroom has no {name} filter: leave out {plural} and search again")
    model = params.get("model") or "Record"
    if model != "Record":
        raise BadRequest(f"model= takes Record here, not “{model[:30]}”")
    size = number(params, "itemsPerPage", DEFAULT_ITEMS_PER_PAGE, MAX_ITEMS_PER_PAGE)
    page = number(params, "page", 1, MAX_PAGE)
    ours: dict[str, list[str]] = {"q": [params.get("q") or ""], "sort": []}
    for name, ours_name in (("start_date", "from"), ("end_date", "to")):
        if params.get(name):
            ours[ours_name] = [_day(name, params[name])]
    nothing = False
    for model_ in MODELS.values():
        values = params.getlist(model_.name + "[]") + (
            params.getlist(model_.name) if not model_.multiple else []
        )
        for da_id in values:
            found = find_authority(model_, da_id)
            nothing = nothing or found is None
            if found is not None:
                ours.setdefault(model_.facet, []).append(found.name)
    if params.get("language"):
        ours["lang"] = [params["language"]]
    req = replace(
        checked(request_from_params(ours), {k: v[0] for k, v in ours.items() if v}),
        page=page,
        page_size=size,
        facets=(),
    )
    return DaSearch(None if nothing else req, size, page, (params.get("translation") or None))


def pagination(page: int, total: int, size: int) -> dict:
    return {
        "page": page,
        "totalPages": max(1, math.ceil(min(total, MAX_RESULTS) / size)),
        "totalItems": total,
    }


def with_translation(record_ids: list[str], language: str) -> list[str]:
    """Of these public records, those with a translation into `language`, in the same order."""
    keep = set()
    for start in range(0, len(record_ids), 500):
        for record in (
            Record.objects.public().filter(pk__in=record_ids[start : start + 500]).only("id", "document")
        ):
            if any(
                t.get("kind") == "translation" and t.get("language") == language
                for t in record.document.get("texts") or []
            ):
                keep.add(record.pk)
    return [i for i in record_ids if i in keep]


def authority_search(model: DaModel, term: str) -> list[Authority]:
    """Authorities of a DA model that public records carry, whose name holds the term (or whose key it is), by
    name; each with its `public_count`."""
    out: list[Authority] = []
    for kind in model.kinds:
        found = services.authorities_with_counts(kind).filter(public_count__gt=0).select_related("parent")
        if term:
            found = found.filter(Q(name__icontains=term) | Q(key=term) | Q(data__da_id=term))
        out.extend(found)
    return sorted(out, key=lambda a: (a.name.casefold(), a.key))
