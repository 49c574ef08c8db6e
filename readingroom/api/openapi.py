"""The OpenAPI 3.1 document of /api/v1/ and /srv/, as data. What can drift is read from the tables the API itself
reads: the search parameters from search/fields.py (facets) and search/params.py (sorts, paging), the authority
kinds from records/vocabulary.py, the DA models and parameters from da.py. tests/api/test_openapi.py checks that
every route of api/urls.py is here, and runs schemathesis against the document on a live server.
"""

from __future__ import annotations

from readingroom.records.vocabulary import AUTHORITY_KIND, ID_MAX_LENGTH, TEXT_KINDS, WITHHELD_KINDS
from readingroom.search import facets as facet_defs
from readingroom.search.params import MAX_RESULTS, MAX_VALUES_PER_FACET, PAGE_SIZE, SORTS
from readingroom.web.links import base_url

from . import da

JSON = "application/json"
MAX_SEARCH_PAGE = MAX_RESULTS // PAGE_SIZE


def calendar_day(sep: str, short: str) -> str:
    """A day that exists, as a regular expression (months of 30 and 31 days, February 29 in leap years only):
    what search/params.py's date_bounds accepts. `short`: "?" when a leading zero may be left out."""
    z = "0" + short
    leap = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)"
    return (
        f"[0-9]{{4}}{sep}(({z}[13578]|1[02]){sep}({z}[1-9]|[12][0-9]|3[01])|({z}[469]|11){sep}({z}[1-9]|"
        f"[12][0-9]|30)|{z}2{sep}({z}[1-9]|1[0-9]|2[0-8]))|{leap}{sep}{z}2{sep}29"
    )


DAY = rf"^([0-9]{{4}}(-(0?[1-9]|1[0-2]))?|{calendar_day('-', '?')})$"
DA_DAY = rf"^({calendar_day('', '')})$"


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


STRING = {"type": "string"}
URL = {"type": "string", "format": "uri"}
OPT_STRING = _nullable(STRING)
INT = {"type": "integer", "minimum": 0}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: dict, optional: dict | None = None, *, extra: bool = False) -> dict:
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
        "additionalProperties": extra,
    }


# -- schemas ------------------------------------------------------------------------------------------------------

LINKS = obj({"self": URL, "first": URL, "last": URL}, {"prev": URL, "next": URL})
REFERENCE = obj(
    {"kind": {"enum": list(AUTHORITY_KIND)}, "id": STRING, "name": STRING, "url": URL, "html_url": URL},
    {"role": OPT_STRING, "parent": OPT_STRING},
    extra=True,
)
AUTHORITY_LINE = obj(
    {"kind": {"enum": list(AUTHORITY_KIND)}, "key": STRING, "name": STRING, "url": URL, "html_url": URL},
    {"records": INT},
)
RECORD_LINE = obj(
    {"id": STRING, "title": STRING, "date": OPT_STRING, "date_text": OPT_STRING, "url": URL, "html_url": URL}
)
TEXT = obj(
    {"kind": {"enum": list(TEXT_KINDS)}, "html": STRING},
    {
        "language": OPT_STRING,
        "label": OPT_STRING,
        "rights": OPT_STRING,
        "translator": _nullable(ref("Reference")),
    },
    extra=True,
)
MEDIA = obj(
    {},
    {
        "url": OPT_STRING,
        "path": OPT_STRING,
        "label": OPT_STRING,
        "mime_type": OPT_STRING,
        "sha256": OPT_STRING,
        "size": _nullable(INT),
    },
    extra=True,
)
RELATION = obj(
    {"type": STRING, "label": OPT_STRING, "id": STRING, "title": STRING, "url": URL, "html_url": URL}
)
WITHHELD = obj(
    {"marker": STRING, "kind": {"enum": list(WITHHELD_KINDS)}},
    {
        "count": {"type": "number", "exclusiveMinimum": 0},
        "less_than": {"type": "number", "exclusiveMinimum": 0},
    },
)
"""A passage withheld at declassification, as its marker says (docs/withheld.md)."""
RECORD = obj(
    {
        "id": STRING,
        "url": URL,
        "permalink": URL,
        "title": STRING,
        "relations": {"type": "array", "items": ref("Relation")},
        "texts": {"type": "array", "items": ref("Text")},
        "media": {"type": "array", "items": ref("Media")},
        **{
            name: {"type": "array", "items": ref("Reference")}
            for name in (
                "creators",
                "recipients",
                "contributors",
                "persons",
                "places",
                "subjects",
                "collections",
                "funders",
            )
        },
    },
    {
        "repository": _nullable(ref("Reference")),
        "summary": OPT_STRING,
        "date": OPT_STRING,
        "date_text": OPT_STRING,
        "date_earliest": OPT_STRING,
        "date_latest": OPT_STRING,
        "date_precision": OPT_STRING,
        "date_certainty": OPT_STRING,
        "document_types": {"type": "array", "items": STRING},
        "languages": {"type": "array", "items": STRING},
        "classification": {"type": "array", "items": STRING},
        "withheld": {"type": "array", "items": ref("Withheld")},
        "created": OPT_STRING,
        "updated": OPT_STRING,
        "first_published": OPT_STRING,
    },
    extra=True,
)
HIT = obj(
    {
        "id": STRING,
        "title": STRING,
        "date_text": OPT_STRING,
        "type": OPT_STRING,
        "collection": OPT_STRING,
        "snippet_html": OPT_STRING,
        "url": URL,
        "html_url": URL,
    }
)
FACET = obj(
    {
        "label": STRING,
        "mode": {"enum": ["and", "or"]},
        "values": {
            "type": "array",
            "items": obj({"value": STRING, "label": STRING, "count": INT, "selected": {"type": "boolean"}}),
        },
    }
)
SEARCH_RESULT = obj(
    {
        "total": INT,
        "page": {"type": "integer", "minimum": 1},
        "pages": {"type": "integer", "minimum": 1},
        "page_size": {"type": "integer", "minimum": 1},
        "query": obj({"q": STRING, "understood": OPT_STRING, "notes": {"type": "array", "items": STRING}}),
        "hits": {"type": "array", "items": ref("Hit")},
        "facets": obj({}, {f.name: ref("Facet") for f in facet_defs.FACETS}),
        "links": ref("Links"),
    }
)
AUTHORITY_LIST = obj(
    {
        "kind": {"enum": list(AUTHORITY_KIND)},
        "total": INT,
        "page": INT,
        "pages": INT,
        "links": ref("Links"),
        "authorities": {"type": "array", "items": ref("AuthorityLine")},
    }
)
AUTHORITY = obj(
    {
        **{k: v for k, v in AUTHORITY_LINE["properties"].items() if k != "records"},
        "kind_label": STRING,
        "data": {"type": "object"},
        "parent": _nullable(ref("AuthorityLine")),
        "children": {"type": "array", "items": ref("AuthorityLine")},
        "total": INT,
        "page": INT,
        "pages": INT,
        "records": {"type": "array", "items": ref("RecordLine")},
        "links": ref("Links"),
    }
)
ERROR = obj({"error": obj({"status": {"type": "integer"}, "title": STRING, "detail": STRING})})
INDEX = obj({"openapi": URL, "search": URL, "authorities": obj({}, {k: URL for k in AUTHORITY_KIND})})

# The Digital Archive's shapes: what digitalarchive/models.py requires of each (its required fields are required
# here; the rest may be absent or null).
DA_NAMED = obj({"id": STRING, "name": STRING}, {"value": OPT_STRING, "uri": OPT_STRING}, extra=True)
DA_ASSET = obj(
    {
        "id": STRING,
        "filename": STRING,
        "content_type": STRING,
        "extension": STRING,
        "asset_id": STRING,
        "source_created_at": STRING,
        "source_updated_at": STRING,
    },
    {"url": STRING, "path": STRING, "html": OPT_STRING, "language": {"type": "object"}},
    extra=True,
)
DA_COVERAGE = obj(
    {"id": STRING, "name": STRING, "uri": STRING},
    {
        "value": OPT_STRING,
        "parent": {"anyOf": [{"type": "object"}, {"type": "array"}, {"type": "null"}]},
        "children": {"type": "array"},
    },
    extra=True,
)
DA_COLLECTION = obj(
    {"id": STRING, "name": STRING, "slug": STRING},
    {
        "uri": OPT_STRING,
        "parent": _nullable({"type": "object"}),
        "model": OPT_STRING,
        "value": OPT_STRING,
        "description": OPT_STRING,
        "short_description": OPT_STRING,
        "no_of_documents": OPT_STRING,
        "is_inactive": OPT_STRING,
    },
    extra=True,
)
DA_AUTHORITY = {"anyOf": [ref("DaCoverage"), ref("DaCollection"), ref("DaNamed")]}


def _list_of(name: str) -> dict:
    return {"type": "array", "items": ref(name)}


DA_DOCUMENT = obj(
    {
        "id": STRING,
        "uri": STRING,
        "title": STRING,
        "doc_date": STRING,
        "frontend_doc_date": STRING,
        "slug": STRING,
        "source_created_at": STRING,
        "source_updated_at": STRING,
        "first_published_at": STRING,
    },
    {
        "description": OPT_STRING,
        "source": OPT_STRING,
        "type": _list_of("DaNamed"),
        "rights": _nullable(obj({"id": STRING, "name": STRING, "rights": STRING})),
        "pdf_generated_at": OPT_STRING,
        "date_range_start": OPT_STRING,
        "sort_string_by_coverage": OPT_STRING,
        "main_src": OPT_STRING,
        "model": OPT_STRING,
        "donors": _list_of("DaNamed"),
        "subjects": _list_of("DaNamed"),
        "transcripts": _list_of("DaAsset"),
        "translations": _list_of("DaAsset"),
        "media_files": _list_of("DaAsset"),
        "languages": {"type": "array", "items": obj({"id": STRING}, {"name": OPT_STRING})},
        "contributors": _list_of("DaNamed"),
        "creators": _list_of("DaNamed"),
        "original_coverages": _list_of("DaCoverage"),
        "collections": _list_of("DaCollection"),
        "attachments": {"type": "array"},
        "links": {"type": "array"},
        "repositories": _list_of("DaNamed"),
        "publishers": _list_of("DaNamed"),
        "classifications": _list_of("DaNamed"),
    },
    extra=True,
)
DA_PAGINATION = obj(
    {
        "page": {"type": "integer", "minimum": 1},
        "totalPages": {"type": "integer", "minimum": 1},
        "totalItems": INT,
    }
)
DA_SEARCH_RESULT = obj({"list": _list_of("DaDocument"), "pagination": ref("DaPagination")})
DA_AUTHORITY_LIST = obj({"list": {"type": "array", "items": DA_AUTHORITY}, "pagination": ref("DaPagination")})
DA_DATE_RANGE = obj({"begin": OPT_STRING, "end": OPT_STRING})

SCHEMAS = {
    "Error": ERROR,
    "Links": LINKS,
    "Index": INDEX,
    "Reference": REFERENCE,
    "Text": TEXT,
    "Media": MEDIA,
    "Relation": RELATION,
    "Withheld": WITHHELD,
    "Record": RECORD,
    "RecordLine": RECORD_LINE,
    "Hit": HIT,
    "Facet": FACET,
    "SearchResult": SEARCH_RESULT,
    "AuthorityLine": AUTHORITY_LINE,
    "AuthorityList": AUTHORITY_LIST,
    "Authority": AUTHORITY,
    "DaNamed": DA_NAMED,
    "DaAsset": DA_ASSET,
    "DaCoverage": DA_COVERAGE,
    "DaCollection": DA_COLLECTION,
    "DaDocument": DA_DOCUMENT,
    "DaPagination": DA_PAGINATION,
    "DaSearchResult": DA_SEARCH_RESULT,
    "DaAuthorityList": DA_AUTHORITY_LIST,
    "DaDateRange": DA_DATE_RANGE,
}


# -- parameters ---------------------------------------------------------------------------------------------------


NO_NUL = "^[^\\x00]*$"  # parameters holding a NUL character are refused (400): no id, key or name holds one


def text_only(schema: dict) -> dict:
    """A string parameter says it takes no NUL character (api/http.py refuses one with a 400)."""
    if schema.get("type") == "string" and "pattern" not in schema and "format" not in schema:
        return {**schema, "pattern": NO_NUL}
    return schema


def query(name: str, schema: dict, description: str, *, array: bool = False) -> dict:
    schema = text_only(schema)
    out = {"name": name, "in": "query", "required": False, "description": description}
    if array:
        out.update(
            schema={"type": "array", "items": schema, "maxItems": MAX_VALUES_PER_FACET},
            style="form",
            explode=True,
        )
    else:
        out["schema"] = schema
    return out


def path_param(name: str, schema: dict, description: str, example: str | None = None) -> dict:
    schema = text_only(schema)
    out = {"name": name, "in": "path", "required": True, "schema": schema, "description": description}
    if example:
        out["example"] = example
    return out


PAGE = query("page", {"type": "integer", "minimum": 1}, "Page number, from 1.")
DA_PAGE = query("page", {"type": "integer", "minimum": 1, "maximum": da.MAX_PAGE}, "Page number, from 1.")


def search_parameters() -> list[dict]:
    """Those of /search/ (docs/search.md): search/params.py reads them, search/fields.py names the facets."""
    out = [
        query("q", STRING, 'The query: words, "phrases", OR, -word, word*, field:value (docs/search.md).'),
        query(
            "from",
            {"type": "string", "pattern": DAY},
            "Earliest date: a year, a month or a day (1968, 1968-10, "
            "1968-10-15); records whose date range overlaps it match.",
        ),
        query("to", {"type": "string", "pattern": DAY}, "Latest date, as `from`."),
        query(
            "undated", {"enum": ["include", "exclude"]}, "Undated records: included unless a date is given."
        ),
        query(
            "sort",
            {"enum": list(SORTS)},
            "Order: "
            + ", ".join(f"{k} ({v})" for k, v in SORTS.items())
            + "; relevance with a query, date without.",
        ),
        query(
            "page",
            {"type": "integer", "minimum": 1, "maximum": MAX_SEARCH_PAGE},
            f"Page number; {PAGE_SIZE} hits a page, up to the {MAX_RESULTS:,}th hit.",
        ),
    ]
    for f in facet_defs.FACETS:
        combine = "each narrows (AND)" if f.mode == "and" else "any matches (OR)"
        out.append(
            query(
                f.name,
                {"type": "string", "minLength": 1, "maxLength": 500},
                f"{f.label}: select facet values; several {combine}.",
                array=True,
            )
        )
    return out


def da_search_parameters() -> list[dict]:
    out = [
        query("q", STRING, "Keywords (the query of /search/)."),
        query("start_date", {"type": "string", "pattern": DA_DAY}, "Earliest date, YYYYMMDD."),
        query("end_date", {"type": "string", "pattern": DA_DAY}, "Latest date, YYYYMMDD."),
        query("language", STRING, "Language of the original, an ISO 639-2/B code."),
        query("translation", STRING, "Only records with a translation into this language (ISO 639-2/B)."),
        query(
            "itemsPerPage",
            {"type": "integer", "minimum": 1, "maximum": da.MAX_ITEMS_PER_PAGE},
            f"Records a page (default {da.DEFAULT_ITEMS_PER_PAGE}).",
        ),
        DA_PAGE,
        query("model", {"enum": ["Record"]}, "What to search: records."),
    ]
    for m in da.MODELS.values():
        out.append(
            query(
                m.name + "[]" if m.multiple else m.name,
                STRING,
                f"Ids of {m.name} authorities (their keys, or their Digital Archive ids); every one must "
                f"match (the `{m.facet}` facet).",
                array=True,
            )
        )
    return out


# -- operations ---------------------------------------------------------------------------------------------------


def response(schema_name: str, description: str, media: str = JSON) -> dict:
    return {
        "description": description,
        "content": {media: {"schema": ref(schema_name)}},
        "headers": {"ETag": {"schema": STRING}, "Access-Control-Allow-Origin": {"schema": STRING}},
    }


ERRORS = {
    "304": {"description": "Not modified (If-None-Match or If-Modified-Since)"},
    "400": {
        "description": "A parameter cannot be used: the detail says which and why",
        "content": {JSON: {"schema": ref("Error")}},
    },
    "404": {"description": "Nothing public here", "content": {JSON: {"schema": ref("Error")}}},
    "405": {"description": "Only GET and HEAD", "content": {JSON: {"schema": ref("Error")}}},
    "429": {
        "description": "Too many requests from one address (docs/security.md): wait Retry-After seconds",
        "content": {JSON: {"schema": ref("Error")}},
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
}


def operation(
    operation_id: str,
    summary: str,
    ok: dict,
    parameters: list[dict] | None = None,
    tags: tuple[str, ...] = ("Readingroom",),
    extra_errors: dict | None = None,
) -> dict:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "tags": list(tags),
            "parameters": parameters or [],
            "responses": {"200": ok, **ERRORS, **(extra_errors or {})},
        }
    }


KIND = path_param(
    "kind", {"enum": [k.plural for k in AUTHORITY_KIND.values()]}, "An authority kind, plural.", "subjects"
)
RECORD_ID = path_param(
    "record_id",
    {"type": "string", "minLength": 1, "maxLength": ID_MAX_LENGTH},
    "A record id; it may contain '/'.",
    "frus1964-68v07/d74",
)
DA_MODEL = path_param(
    "model", {"enum": list(da.MODELS)}, "A Digital Archive model that names authorities.", "subject"
)
MOVED = {"301": {"description": "The record was merged into another: its address"}}
UNAVAILABLE = {
    "503": {"description": "The search engine did not answer", "content": {JSON: {"schema": ref("Error")}}}
}


def paths() -> dict:
    da_tags = ("Digital Archive compatible",)
    return {
        "/api/v1/": operation("index", "Where everything is", response("Index", "The API's addresses")),
        "/api/v1/openapi.json": operation(
            "openapi",
            "This document",
            {"description": "OpenAPI 3.1", "content": {JSON: {"schema": {"type": "object"}}}},
        ),
        "/api/v1/search": operation(
            "search",
            "Search published records, as /search/ does",
            response("SearchResult", "Hits, facet counts, total and paging links"),
            search_parameters(),
            extra_errors=UNAVAILABLE,
        ),
        "/api/v1/records/{record_id}": operation(
            "record",
            "A published record, with everything it says",
            response("Record", "The record"),
            [RECORD_ID],
            extra_errors=MOVED,
        ),
        "/api/v1/{kind}/": operation(
            "authorities",
            "Authorities of a kind that published records carry",
            response("AuthorityList", "Authorities with their public record counts"),
            [KIND, PAGE],
        ),
        "/api/v1/{kind}/{key}": operation(
            "authority",
            "An authority and its published records (and those of the authorities below it)",
            response("Authority", "The authority"),
            [
                KIND,
                path_param("key", {"type": "string", "minLength": 1}, "The authority's key", "vietnam-war"),
                PAGE,
            ],
        ),
        "/srv/record.json": operation(
            "da_search",
            "Search, as the Digital Archive's API",
            response("DaSearchResult", "Documents and pagination"),
            da_search_parameters(),
            da_tags,
            UNAVAILABLE,
        ),
        "/srv/record/date_range.json": operation(
            "da_date_range",
            "The earliest and latest dates",
            response("DaDateRange", "YYYYMMDD"),
            tags=da_tags,
        ),
        "/srv/record/{record_id}.json": operation(
            "da_record",
            "A record as a Digital Archive Document",
            response("DaDocument", "The document"),
            [RECORD_ID],
            da_tags,
            MOVED,
        ),
        "/srv/record/{record_id}/@text/{number}.html": operation(
            "da_text",
            "A text of a record as HTML (an asset's url)",
            {"description": "The text", "content": {"text/html": {"schema": STRING}}},
            [
                RECORD_ID,
                path_param("number", {"type": "integer", "minimum": 1}, "The text's number, from 1", "1"),
            ],
            da_tags,
            MOVED,
        ),
        "/srv/{model}.json": operation(
            "da_authorities",
            "Authorities of a Digital Archive model",
            response("DaAuthorityList", "Authorities and pagination"),
            [
                DA_MODEL,
                query("term", STRING, "Words of the name"),
                query(
                    "itemsPerPage",
                    {"type": "integer", "minimum": 1, "maximum": da.MAX_ITEMS_PER_PAGE},
                    "Items a page",
                ),
                DA_PAGE,
            ],
            da_tags,
        ),
        "/srv/{model}/{key}.json": operation(
            "da_authority",
            "An authority of a Digital Archive model",
            {**response("DaNamed", "The authority"), "content": {JSON: {"schema": DA_AUTHORITY}}},
            [
                DA_MODEL,
                path_param(
                    "key",
                    {"type": "string", "minLength": 1},
                    "Its key, or its Digital Archive id",
                    "vietnam-war",
                ),
            ],
            da_tags,
        ),
    }


def document(request) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Readingroom API",
            "version": "1",
            "description": "Published records of this archive, their search and authorities, as JSON; and the "
            "Wilson Center Digital Archive's API (/srv/) for its `digitalarchive` client. "
            'Errors: {"error": {"status", "title", "detail"}}. See docs/api.md.',
        },
        "servers": [{"url": base_url(request)}],
        "paths": paths(),
        "components": {"schemas": SCHEMAS},
    }
