"""The canonical record document: what every importer produces, what the store keeps, what `export` writes.

A record is a plain JSON object. `normalize_record` validates one and returns it in canonical form (fixed key
order, defaults filled, dates normalized, text sanitized), so that export -> import -> export is byte-identical.
The same shape is the JSON Lines import format; see docs/record-schema.md.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Literal, overload

import orjson

from . import dates, texts, withheld
from . import languages as language_codes
from .vocabulary import (
    AUTHORITY_KINDS,
    DEFAULT_RELATION_TYPE,
    DEFAULT_STATUS,
    DEFAULT_TEXT_KIND,
    ID_MAX_LENGTH,
    ID_PATTERN,
    ID_RULE,
    RELATION_TYPES,
    STATUSES,
    TEXT_KINDS,
)

LANGUAGE_PATTERN = re.compile(r"^[a-z]{3}$")

# Timestamps are kept by the store, but export writes them and import honours them, so a round trip is exact.
TIMESTAMP_FIELDS = ("created", "updated", "first_published")


class RecordError(ValueError):
    """A record that cannot be stored. `field` names the offending field."""

    def __init__(self, field: str, message: str, record_id: str | None = None):
        self.field, self.message, self.record_id = field, message, record_id
        where = f"record {record_id!r}, " if record_id else ""
        super().__init__(f"{where}field {field!r}: {message}")

    def __reduce__(self):  # pickled whole: records are validated in a parsing process (ingest/pipeline.py)
        return (RecordError, (self.field, self.message, self.record_id))


# Keys whose values are links wherever they appear (rights, source, archival_reference, extra, authority refs).
URL_KEYS = frozenset({"url", "uri", "href", "link", "homepage"})
URL_SCHEMES = ("http", "https")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
# What browsers drop from a URL before reading its scheme ("java\tscript:" is "javascript:").
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]")


def check_url(value: str | None, field: str, rid: str | None) -> str | None:
    """An http(s) or relative URL, else RecordError: a javascript:, data: or other URL would run or load
    something when clicked."""
    if value is None:
        return None
    match = _SCHEME.match(_URL_IGNORED.sub("", value))
    if match and match.group(1).lower() not in URL_SCHEMES:
        raise RecordError(
            field,
            f"{match.group(1).lower()}: URLs are not accepted: give an http(s) URL (https://...) or a relative "
            "one (/records/...)",
            rid,
        )
    return value


def _fits(value: str | None, limit: int, field: str, rid: str | None) -> str | None:
    """A value kept in a database column of `limit` characters (PostgreSQL refuses longer ones)."""
    if value is not None and len(value) > limit:
        raise RecordError(field, f"is {len(value)} characters long; at most {limit} fit", rid)
    return value


def _is_url_key(key: str) -> bool:
    key = key.lower()
    return key in URL_KEYS or key.endswith(("_url", "_uri"))


def _check_urls_in(value: Any, field: str, rid: str | None) -> None:
    """Every link-named value inside a free-form object (nested objects and lists too)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(v, str) and isinstance(k, str) and _is_url_key(k):
                check_url(v, f"{field}.{k}", rid)
            else:
                _check_urls_in(v, f"{field}.{k}", rid)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_urls_in(v, f"{field}[{i}]", rid)


def slugify(value: str) -> str:
    """A stable, readable authority key ("Rusk, Dean" -> "rusk-dean")."""
    import unicodedata

    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^A-Za-z0-9]+", "-", value).strip("-").lower()
    return value[:180] or "unnamed"


@overload
def _str(value: Any, field: str, rid: str | None, *, required: Literal[True]) -> str: ...
@overload
def _str(value: Any, field: str, rid: str | None, *, required: bool = False) -> str | None: ...
def _str(value: Any, field: str, rid: str | None, *, required: bool = False) -> str | None:
    if type(value) is str and "\x00" not in value:  # the common case, first
        value = value.strip()
        if value:
            return value
        if required:
            raise RecordError(field, "is required and missing", rid)
        return None
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RecordError(field, "is required and missing", rid)
        return None
    if not isinstance(value, str | int | float):
        raise RecordError(field, f"must be text, not {type(value).__name__}", rid)
    value = str(value)
    if "\x00" in value:
        raise RecordError(field, "contains a NUL character", rid)
    return value.strip()


def _str_list(value: Any, field: str, rid: str | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise RecordError(field, "must be a list of text", rid)
    out: list[str] = []
    for item in value:
        s = _str(item, field, rid)
        if s and s not in out:
            out.append(s)
    return out


def authority_ref(
    value: Any, kind: str | None, field: str, rid: str | None, *, with_role: bool = False
) -> dict:
    """An authority reference: {"kind", "id", "name", "parent"?, "role"?, ...extra}.

    A bare string is a name. Missing ids are derived from the name, so the same name always links to the same
    authority. `kind` constrains the reference (None lets persons and organizations mix, e.g. for creators).
    """
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        raise RecordError(field, "must be a name or an object with a 'name'", rid)
    name = _fits(_str(value.get("name"), f"{field}.name", rid, required=True), 1000, f"{field}.name", rid)
    assert name is not None
    name = clean_name(name)
    ref_kind = value.get("kind") or kind or "person"
    if kind and ref_kind != kind:
        raise RecordError(f"{field}.kind", f"must be {kind!r}, not {ref_kind!r}", rid)
    if ref_kind not in AUTHORITY_KINDS:
        raise RecordError(
            f"{field}.kind", f"unknown kind {ref_kind!r}: use one of {', '.join(AUTHORITY_KINDS)}", rid
        )
    key = _fits(_str(value.get("id"), f"{field}.id", rid), 250, f"{field}.id", rid) or slugify(name)
    parent = _str(value.get("parent"), f"{field}.parent", rid)
    for part, text in (("id", key), ("parent", parent)):
        wrong = wrong_key_reason(text) if text else None
        if wrong:
            raise RecordError(f"{field}.{part}", f"{text!r} {wrong}", rid)
    out: dict[str, Any] = {"kind": ref_kind, "id": key, "name": name}
    if parent:
        out["parent"] = parent
    if with_role:
        role = _fits(_str(value.get("role"), f"{field}.role", rid), 50, f"{field}.role", rid)
        if role:
            out["role"] = role
    for extra in sorted(set(value) - {"kind", "id", "name", "parent", "role"}):
        if value[extra] not in (None, "", [], {}):
            out[extra] = value[extra]
            _check_urls_in({extra: value[extra]}, field, rid)
    return out


def _refs(
    value: Any, kind: str | None, field: str, rid: str | None, *, with_role: bool = False
) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        value = [value]
    out, seen = [], set()
    for i, item in enumerate(value):
        ref = authority_ref(item, kind, f"{field}[{i}]", rid, with_role=with_role)
        k = (ref["kind"], ref["id"], ref.get("role"))
        if k not in seen:
            seen.add(k)
            out.append(ref)
    return out


def _text_entry(value: Any, i: int, rid: str | None) -> dict:
    field = f"texts[{i}]"
    if isinstance(value, str):
        value = {"body": value}
    if not isinstance(value, dict):
        raise RecordError(field, "must be an object with 'html' or 'body'", rid)
    kind = value.get("kind") or DEFAULT_TEXT_KIND
    if kind not in TEXT_KINDS:
        raise RecordError(f"{field}.kind", f"unknown kind {kind!r}: use one of {', '.join(TEXT_KINDS)}", rid)
    if value.get("html") is not None:
        html = texts.sanitize(_str(value["html"], f"{field}.html", rid) or "")
    elif value.get("body") is not None:
        html = texts.plain_to_html(_str(value["body"], f"{field}.body", rid) or "")
    else:
        raise RecordError(field, "has no 'html' or 'body'", rid)
    language = _str(value.get("language"), f"{field}.language", rid)
    if language and not (LANGUAGE_PATTERN.match(language) and language_codes.is_known(language)):
        raise RecordError(
            f"{field}.language", f"{language!r} is not an ISO 639-2/B code such as 'eng' or 'vie'", rid
        )
    out: dict[str, Any] = {"kind": kind, "language": language, "html": html}
    translator = value.get("translator")
    out["translator"] = (
        authority_ref(translator, "person", f"{field}.translator", rid) if translator else None
    )
    out["rights"] = _str(value.get("rights"), f"{field}.rights", rid)
    out["label"] = _str(value.get("label"), f"{field}.label", rid)
    return out


def _media(value: Any, rid: str | None) -> list[dict]:
    out = []
    for i, item in enumerate(value or []):
        field = f"media[{i}]"
        if isinstance(item, str):
            item = {"url": item}
        if not isinstance(item, dict) or not (item.get("url") or item.get("path")):
            raise RecordError(field, "must have a 'url' or a 'path'", rid)
        path = _fits(_str(item.get("path"), f"{field}.path", rid), 500, f"{field}.path", rid)
        if path and (path.startswith("/") or ".." in path.split("/") or "\\" in path):
            raise RecordError(
                f"{field}.path", f"{path!r} must be a relative path inside the media folder", rid
            )
        size = item.get("size")
        if size is not None and (not isinstance(size, int) or size < 0):
            raise RecordError(f"{field}.size", "must be a whole number of bytes", rid)
        sha = _str(item.get("sha256"), f"{field}.sha256", rid)
        if sha and not re.fullmatch(r"[0-9a-f]{64}", sha):
            raise RecordError(f"{field}.sha256", "must be 64 lowercase hex digits", rid)
        out.append(
            {
                "url": check_url(_str(item.get("url"), f"{field}.url", rid), f"{field}.url", rid),
                "path": path,
                "label": _str(item.get("label"), f"{field}.label", rid),
                "mime_type": _str(item.get("mime_type"), f"{field}.mime_type", rid),
                "sha256": sha,
                "size": size,
            }
        )
    return out


def _notes(value: Any, rid: str | None) -> list[dict]:
    out = []
    for i, item in enumerate(value or []):
        if isinstance(item, str):
            item = {"html": texts.plain_to_html(item)}
        if not isinstance(item, dict) or item.get("html") is None:
            raise RecordError(f"notes[{i}]", "must be an object with 'html'", rid)
        out.append(
            {
                "id": _str(item.get("id"), f"notes[{i}].id", rid) or f"n{i + 1}",
                "n": _str(item.get("n"), f"notes[{i}].n", rid),
                "type": _str(item.get("type"), f"notes[{i}].type", rid),
                "html": texts.sanitize(item["html"]),
            }
        )
    return out


def _relations(value: Any, rid: str | None) -> list[dict]:
    out = []
    for i, item in enumerate(value or []):
        if isinstance(item, str):
            item = {"target": item}
        if not isinstance(item, dict):
            raise RecordError(f"relations[{i}]", "must be an object with 'target'", rid)
        target = _str(item.get("target"), f"relations[{i}].target", rid, required=True)
        rtype = item.get("type") or DEFAULT_RELATION_TYPE
        if rtype not in RELATION_TYPES:
            raise RecordError(
                f"relations[{i}].type", f"unknown type {rtype!r}: use one of {', '.join(RELATION_TYPES)}", rid
            )
        out.append(
            {
                "type": rtype,
                "target": target,
                "label": _fits(
                    _str(item.get("label"), f"relations[{i}].label", rid), 500, f"relations[{i}].label", rid
                ),
            }
        )
    return out


# Fields read as text by the date parser, and lists read item by item: a wrong type gets a message, not a crash.
TEXT_ONLY_FIELDS = ("status", "date", "date_text", "date_earliest", "date_latest", "date_certainty")
LIST_FIELDS = ("texts", "notes", "media", "relations")
# Authority references one record may make (persons, places, relations...). Each becomes a row linking the
# record to its authority: a record with more is almost surely a mistake, and would take minutes to save.
MAX_REFERENCES = 5_000


AUTHORITY_KEY_MAX = 250  # Authority.key's column
AUTHORITY_NAME_MAX = 1000  # Authority.name's
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


# Library catalogues mark a name's non-sorting part between U+0098 and U+009C (MARC's "start of string" and
# "string terminator": "Roijen, Jan Herman \x98van\x9c" in history.state.gov's persons file). A reader must see
# "Roijen, Jan Herman van": the marks go, the words stay; any other control character becomes a space.
_NON_SORT_MARKS = str.maketrans("", "", "\x98\x9c")
_SPACES = re.compile(r"\s+")


def clean_name(name: str) -> str:
    """An authority's name as readers see it: without catalogue marks and control characters, spaces single."""
    if not _CONTROL.search(name):
        return name
    return _SPACES.sub(" ", _CONTROL.sub(" ", name.translate(_NON_SORT_MARKS))).strip()


def wrong_key_reason(key: str) -> str | None:
    """Why an authority key cannot be one (it becomes a URL, /persons/KEY/), or None."""
    if _CONTROL.search(key):
        return "contains a line break or another control character: authority ids are one line of text"
    if len(key) > AUTHORITY_KEY_MAX:
        return f"is longer than {AUTHORITY_KEY_MAX} characters"
    return None


def check_types(raw: dict, rid: str | None) -> None:
    """Refuse a field of the wrong JSON type, naming the field and the type expected."""
    for name in TEXT_ONLY_FIELDS:
        value = raw.get(name)
        if value is not None and not isinstance(value, str):
            example = ', e.g. "1968-10-15"' if name.startswith("date") and name != "date_certainty" else ""
            raise RecordError(
                name, f"must be text, not {type(value).__name__}: write it in quotes{example}", rid
            )
    for name in LIST_FIELDS:
        value = raw.get(name)
        if value is not None and not isinstance(value, list):
            raise RecordError(name, f"must be a list ([...]), not {type(value).__name__}", rid)
    for i, note in enumerate(raw.get("notes") or []):
        if isinstance(note, dict) and note.get("html") is not None and not isinstance(note["html"], str):
            raise RecordError(f"notes[{i}].html", f"must be text, not {type(note['html']).__name__}", rid)
    count = 0
    for name, value in raw.items():
        if isinstance(value, list) and name not in ("texts", "notes", "media"):
            count += len(value)
    if count > MAX_REFERENCES:
        raise RecordError(
            "(record)",
            f"links to {count:,} authorities and records; at most {MAX_REFERENCES:,} are accepted on one "
            "record: split the record, or move the list under 'extra'",
            rid,
        )


def _dict(value: Any, field: str, rid: str | None) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RecordError(field, "must be an object", rid)
    return {k: value[k] for k in sorted(value) if value[k] not in (None, "", [], {})}


def normalize_record(raw: dict, *, default_status: str = DEFAULT_STATUS) -> dict:
    """Validate a record document and return its canonical form. Raises RecordError naming the field."""
    if not isinstance(raw, dict):
        raise RecordError("(record)", "must be a JSON object")
    rid = _str(raw.get("id"), "id", None, required=True)
    assert rid is not None
    if len(rid) > ID_MAX_LENGTH or not ID_PATTERN.match(rid):
        raise RecordError("id", f"{rid!r} is not a valid id: {ID_RULE}", rid)
    title = _str(raw.get("title"), "title", rid, required=True)
    check_types(raw, rid)
    status = raw.get("status") or default_status
    if status not in STATUSES:
        raise RecordError("status", f"unknown status {status!r}: use one of {', '.join(STATUSES)}", rid)
    embargo = _str(raw.get("embargo_until"), "embargo_until", rid)
    if embargo:
        try:
            info = dates.from_edtf(embargo)
        except dates.DateError as e:
            raise RecordError("embargo_until", str(e), rid) from None
        if info.date_precision != "day":
            raise RecordError("embargo_until", "must be a full date, YYYY-MM-DD", rid)
    try:
        d = dates.normalize(raw)
    except dates.DateError as e:
        raise RecordError("date", str(e), rid) from None
    languages = _str_list(raw.get("languages"), "languages", rid)
    for lang in languages:
        if not (LANGUAGE_PATTERN.match(lang) and language_codes.is_known(lang)):
            raise RecordError("languages", f"{lang!r} is not an ISO 639-2/B code such as 'eng' or 'vie'", rid)
    text_list = raw.get("texts")
    if text_list is None and raw.get("text") is not None:
        text_list = [{"body": raw["text"], "language": languages[0] if languages else None}]
    rec: dict[str, Any] = {
        "id": rid,
        "status": status,
        "embargo_until": embargo,
        "title": title,
        "number": _str(raw.get("number"), "number", rid),
        "summary": _str(raw.get("summary"), "summary", rid),
        "document_types": _str_list(raw.get("document_types"), "document_types", rid),
        "classification": _str_list(raw.get("classification"), "classification", rid),
        **d.as_dict(),
        "dateline_place": _str(raw.get("dateline_place"), "dateline_place", rid),
        "languages": languages,
        "funder_credit": _str(raw.get("funder_credit"), "funder_credit", rid),
        "texts": [_text_entry(t, i, rid) for i, t in enumerate(text_list or [])],
        "notes": _notes(raw.get("notes"), rid),
        "signature": _str(raw.get("signature"), "signature", rid),
        "withheld": [],  # derived from the texts and notes below; whatever the input said is not read
        "media": _media(raw.get("media"), rid),
        "creators": _refs(raw.get("creators"), None, "creators", rid, with_role=True),
        "recipients": _refs(raw.get("recipients"), None, "recipients", rid, with_role=True),
        "contributors": _refs(raw.get("contributors"), None, "contributors", rid, with_role=True),
        "persons": _refs(raw.get("persons"), "person", "persons", rid),
        "places": _refs(raw.get("places"), "place", "places", rid),
        "subjects": _refs(raw.get("subjects"), "subject", "subjects", rid),
        "collections": _refs(raw.get("collections"), "collection", "collections", rid),
        "repository": authority_ref(raw["repository"], "repository", "repository", rid)
        if raw.get("repository")
        else None,
        "archival_reference": _dict(raw.get("archival_reference"), "archival_reference", rid),
        "source_description": _str(raw.get("source_description"), "source_description", rid),
        "funders": _refs(raw.get("funders"), "funder", "funders", rid),
        "rights": _dict(raw.get("rights"), "rights", rid),
        "publisher": _str(raw.get("publisher"), "publisher", rid),
        "relations": _relations(raw.get("relations"), rid),
        "original_uploaded": _str(raw.get("original_uploaded"), "original_uploaded", rid),
        "source": _dict(raw.get("source"), "source", rid),
        "extra": _dict(raw.get("extra"), "extra", rid),
    }
    # The default role goes where a given role would (before extra keys), so the canonical form is a fixed point:
    # export -> import -> export must not reorder keys.
    rec["contributors"] = [
        c
        if "role" in c
        else authority_ref({**c, "role": "contributor"}, None, f"contributors[{i}]", rid, with_role=True)
        for i, c in enumerate(rec["contributors"])
    ]
    rec["withheld"] = withheld.in_document(rec)
    for ts in TIMESTAMP_FIELDS:
        value = _str(raw.get(ts), ts, rid)
        if value:
            rec[ts] = value
    _fits(rec.get("date_text"), 500, "date_text", rid)
    for name in ("rights", "source", "archival_reference", "extra"):
        _check_urls_in(rec[name], name, rid)
    unknown = set(raw) - set(rec) - {"text"} - set(TIMESTAMP_FIELDS)
    if unknown:
        raise RecordError(
            sorted(unknown)[0], "is not a record field; put source-specific values under 'extra'", rid
        )
    return rec


def canonical_json(rec: dict) -> str:
    """A record's content (store timestamps left out) as one compact JSON text with sorted keys: what
    content_hash hashes, and what the store keeps, so an import serializes each record once.

    orjson writes it (about seven times faster than the json module, which took a fifth of an import's
    validating); the json module, with the same compact separators and sorted keys, writes what orjson refuses
    (integers beyond 64 bits, lone surrogates, which it escapes so that the text can be hashed and stored).
    Either way a document always gets the same text."""
    return canonical_bytes(rec).decode()


def canonical_bytes(rec: dict) -> bytes:
    """canonical_json(rec) encoded in UTF-8, as orjson writes it (hashing these bytes spares encoding the text
    again: 10 µs of a 10 KB record)."""
    body = {k: v for k, v in rec.items() if k not in TIMESTAMP_FIELDS}
    try:
        return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def from_canonical_json(text: str) -> dict:
    """The document canonical_json() wrote (its keys sorted, not in canonical order; timestamps left out). Read by
    the json module: orjson would read an integer beyond 64 bits as a float."""
    return json.loads(text)


def content_hash(rec: dict, text: str | bytes | None = None) -> str:
    """Hash of a record's content, ignoring store timestamps: unchanged content is recognized on re-import.
    `text`: canonical_json(rec) or canonical_bytes(rec), when the caller made it already (it is what the store
    keeps)."""
    data = canonical_bytes(rec) if text is None else text
    return hashlib.sha256(data.encode() if isinstance(data, str) else data).hexdigest()
