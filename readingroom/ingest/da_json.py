"""Records in the Wilson Center Digital Archive JSON shape (`/srv/record/<id>.json`).

The shape is the one the PyPI `digitalarchive` client models (`digitalarchive.models.Document` and the models it
nests: Subject, Language, Translation, Transcript, MediaFile, Contributor, Donor, Coverage, Collection,
Repository, Publisher, Type, Right, Classification). A file holds one record object, a list of them, or a search
page (`{"list": [...], "pagination": {...}}` as the API returns it, or `{"results": [...]}`); a `.jsonl` file
holds one record object per line and is streamed.

Every field has a home: the canonical fields where one fits (see docs/record-schema.md, "Digital Archive JSON"),
`source` for the Digital Archive's own timestamps and URI, `extra.da` for the rest (slug, ids of controlled
values, asset file metadata, fields the model does not know). Nothing is dropped silently: fields outside the
model are kept under `extra.da` and reported as notes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from readingroom.records.schema import RecordError, slugify

from .base import (
    AuthorityEntry,
    Entry,
    Importer,
    IngestError,
    Notice,
    Problem,
    RecordEntry,
    Source,
    without_capture_artefacts,
)
from .da_page import TRANSLATOR
from .json_stream import array_items
from .line_reader import json_lines
from .people import looks_like_people

DA_BASE = "https://digitalarchive.wilsoncenter.org/"
MAX_JSON = 256 << 20  # one JSON document is parsed whole; larger dumps go one record a line (.jsonl)

HEAD = 65536  # bytes looked at for the file's first character
_END = object()  # no more items

MARKERS = ("uri", "doc_date", "frontend_doc_date")

# Document fields of digitalarchive.models.Document (plus names the API has used for the same things).
MAPPED = {
    "id",
    "uri",
    "title",
    "description",
    "doc_date",
    "frontend_doc_date",
    "slug",
    "source_created_at",
    "source_updated_at",
    "first_published_at",
    "source",
    "type",
    "rights",
    "pdf_generated_at",
    "date_range_start",
    "date_range_end",
    "sort_string_by_coverage",
    "main_src",
    "model",
    "donors",
    "funders",
    "subjects",
    "transcripts",
    "translations",
    "media_files",
    "languages",
    "contributors",
    "creators",
    "original_coverages",
    "coverages",
    "collections",
    "attachments",
    "links",
    "related",
    "repositories",
    "publishers",
    "classifications",
    "is_translation",
}
KEPT_AS_IS = (
    "slug",
    "date_range_start",
    "date_range_end",
    "sort_string_by_coverage",
    "main_src",
    "model",
    "is_translation",
)
ASSET_KEYS = (
    "id",
    "asset_id",
    "filename",
    "content_type",
    "extension",
    "source_created_at",
    "source_updated_at",
)


def _absolute(url: str | None) -> str | None:
    if not url:
        return None
    if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I):
        return url
    return DA_BASE + url.lstrip("/")


def da_date(value: Any) -> str | None:
    """The API's `doc_date` ("19681015"; "19681000" for a month, "19680000" for a year) as EDTF."""
    if value in (None, ""):
        return None
    s = str(value).strip()
    if re.fullmatch(r"\d{8}", s):
        y, m, d = s[:4], s[4:6], s[6:]
        if m == "00":
            return y
        return f"{y}-{m}" if d == "00" else f"{y}-{m}-{d}"
    return s  # ISO or EDTF already; normalize_record checks it and names the field if it is wrong


class _Record:
    """Builds one canonical record document from one Digital Archive record object."""

    def __init__(self, obj: dict, where: str, file_name: str, emitted: set[tuple[str, str]]):
        self.obj, self.where, self.file_name, self.emitted = obj, where, file_name, emitted
        self.rid = str(obj.get("id"))
        self.authorities: list[AuthorityEntry] = []
        self.ids: dict[str, Any] = {}
        self.assets: list[dict] = []

    @property
    def prefix(self) -> str:
        return f"{self.where}: " if self.where else ""

    def fail(self, field: str, message: str) -> RecordError:
        return RecordError(field, self.prefix + message, self.rid)

    def items(self, field: str, *aliases: str) -> list:
        for name in (field, *aliases):
            value = self.obj.get(name)
            if value is None:
                continue
            if isinstance(value, dict):  # the API sometimes gives a single object where the model has a list
                return [value]
            if not isinstance(value, list):
                raise self.fail(name, "must be a list of objects")
            return value
        return []

    def named(self, item: Any, field: str, i: int) -> dict:
        """A {id, name, value, uri, ...} object of the API; `value` is an alias of `name`."""
        if isinstance(item, str):
            return {"name": item}
        if not isinstance(item, dict):
            raise self.fail(f"{field}[{i}]", "must be an object with a 'name'")
        name = item.get("name") or item.get("value") or item.get("title")
        if not isinstance(name, str) or not name.strip():
            raise self.fail(f"{field}[{i}]", "has no 'name'")
        return {**item, "name": " ".join(name.split())}

    def ref(self, item: dict) -> dict:
        ref: dict[str, Any] = {"name": item["name"]}
        if item.get("id") not in (None, ""):
            ref["da_id"] = str(item["id"])
        return ref

    def authority(self, kind: str, key: str, name: str, parent: str | None, data: dict) -> None:
        if (kind, key) not in self.emitted:
            self.emitted.add((kind, key))
            self.authorities.append(
                AuthorityEntry(
                    kind=kind,
                    key=key,
                    name=name,
                    parent=parent,
                    data={k: v for k, v in data.items() if v not in (None, "", [])},
                    replace=False,
                )
            )

    def places(self) -> list[dict]:
        out = []
        for i, raw in enumerate(self.items("original_coverages", "coverages")):
            item = self.named(raw, "original_coverages", i)
            ref = self.ref(item)
            parent = item.get("parent")
            if isinstance(parent, dict) and (parent.get("name") or parent.get("value")):
                p = self.named(parent, f"original_coverages[{i}].parent", 0)
                ref["parent"] = slugify(p["name"])
                self.authority(
                    "place",
                    ref["parent"],
                    p["name"],
                    None,
                    {"da_id": str(p.get("id") or ""), "uri": p.get("uri")},
                )
            key = slugify(item["name"])
            self.authority(
                "place",
                key,
                item["name"],
                ref.get("parent"),
                {"da_id": ref.get("da_id"), "uri": item.get("uri")},
            )
            for j, child in enumerate(item.get("children") or []):
                c = self.named(child, f"original_coverages[{i}].children", j)
                self.authority(
                    "place",
                    slugify(c["name"]),
                    c["name"],
                    key,
                    {"da_id": str(c.get("id") or ""), "uri": c.get("uri")},
                )
            out.append(ref)
        return out

    def collections(self) -> list[dict]:
        out = []
        for i, raw in enumerate(self.items("collections")):
            item = self.named(raw, "collections", i)
            ref = self.ref(item)
            ref["id"] = item.get("slug") or slugify(item["name"])
            parent = item.get("parent")
            if isinstance(parent, dict) and (parent.get("name") or parent.get("title")):
                p = self.named(parent, f"collections[{i}].parent", 0)
                ref["parent"] = p.get("slug") or slugify(p["name"])
                self.authority("collection", ref["parent"], p["name"], None, self._collection_data(p))
            self.authority(
                "collection", ref["id"], item["name"], ref.get("parent"), self._collection_data(item)
            )
            out.append(ref)
        return out

    @staticmethod
    def _collection_data(item: dict) -> dict:
        # What describes the collection goes to its authority, not into every record of it.
        keep = (
            "description",
            "short_description",
            "uri",
            "main_src",
            "thumb_src",
            "source_created_at",
            "source_updated_at",
            "first_published_at",
        )
        data = {k: item[k] for k in keep if item.get(k) not in (None, "")}
        if item.get("id") not in (None, ""):
            data["da_id"] = str(item["id"])
        return data

    def texts_and_media(self, languages: list[str]) -> tuple[list[dict], list[dict]]:
        texts: list[dict] = []
        media: list[dict] = []
        for field, kind in (("translations", "translation"), ("transcripts", "transcription")):
            for i, asset in enumerate(self.items(field)):
                if not isinstance(asset, dict):
                    raise self.fail(f"{field}[{i}]", "must be an object")
                language = None
                if kind == "translation":
                    lang = asset.get("language")
                    language = lang.get("id") if isinstance(lang, dict) else lang
                elif len(languages) == 1:
                    language = languages[0]  # a transcript is in the document's original language
                self._asset(field, asset)
                if asset.get("html"):
                    texts.append({"kind": kind, "language": language, "html": asset["html"]})
                elif asset.get("url"):
                    media.append(
                        {
                            "url": _absolute(asset["url"]),
                            "label": asset.get("filename") or kind.title(),
                            "mime_type": asset.get("content_type"),
                        }
                    )
                else:
                    raise self.fail(f"{field}[{i}]", "has neither 'html' nor 'url'")
        for i, asset in enumerate(self.items("media_files")):
            if not isinstance(asset, dict):
                raise self.fail(f"media_files[{i}]", "must be an object")
            url = asset.get("path") or asset.get("url")
            if not url:
                raise self.fail(f"media_files[{i}]", "has no 'path'")
            self._asset("media_files", asset)
            media.append(
                {
                    "url": _absolute(url),
                    "label": asset.get("filename"),
                    "mime_type": asset.get("content_type"),
                }
            )
        return texts, media

    def _asset(self, field: str, asset: dict) -> None:
        meta = {"field": field, **{k: str(asset[k]) for k in ASSET_KEYS if asset.get(k) not in (None, "")}}
        self.assets.append(meta)

    def relations(self) -> list[dict]:
        out = []
        for field, rtype in (("attachments", "attachment"), ("links", "related"), ("related", "related")):
            for i, item in enumerate(self.items(field)):
                if isinstance(item, str | int) and not isinstance(item, bool):
                    out.append({"type": rtype, "target": str(item)})
                elif isinstance(item, dict) and item.get("id") not in (None, ""):
                    out.append({"type": rtype, "target": str(item["id"]), "label": item.get("title") or ""})
                else:
                    raise self.fail(f"{field}[{i}]", "must be a record id or an object with an 'id'")
        return out

    def build(self) -> tuple[dict, list[Notice]]:
        # The steps run in this order because the first fault ends the record, and authorities found before it
        # count as emitted for the rest of the file.
        languages = self.languages()
        texts, media = self.texts_and_media(languages)
        for field in ("type", "classifications"):
            self._keep_ids(field, self.items(field))
        doc = self._described(languages, texts, media)
        self._credit_translator(doc, texts)
        da = self._repositories_and_publishers(doc)
        self._rights(doc)
        self._source(doc)
        notices = self._da_extra(da)
        doc["extra"] = {"source_record_id": self.rid, **({"da": da} if da else {})}
        return without_capture_artefacts(doc), notices

    def languages(self) -> list[str]:
        languages = []
        for i, lang in enumerate(self.items("languages")):
            code = lang.get("id") if isinstance(lang, dict) else lang
            if not isinstance(code, str):
                raise self.fail(f"languages[{i}]", "must be an object with an 'id' (an ISO 639-2/B code)")
            languages.append(code)
        return languages

    def _keep_ids(self, field: str, items: list) -> None:
        """The Digital Archive's ids of controlled values, kept under extra.da.ids."""
        ids = [str(x["id"]) for x in items if isinstance(x, dict) and x.get("id") not in (None, "")]
        if ids:
            self.ids[field] = ids

    def names(self, field: str) -> list[str]:
        return [self.named(x, field, i)["name"] for i, x in enumerate(self.items(field))]

    def refs(self, field: str, *aliases: str) -> list[dict]:
        return [self.ref(self.named(x, field, i)) for i, x in enumerate(self.items(field, *aliases))]

    def _described(self, languages: list[str], texts: list[dict], media: list[dict]) -> dict[str, Any]:
        """The fields the Digital Archive model and the canonical record share."""
        obj = self.obj
        return {
            "id": self.rid,
            "title": obj.get("title"),
            "summary": obj.get("description"),
            "date": da_date(obj.get("doc_date")),
            "date_text": obj.get("frontend_doc_date"),
            "document_types": self.names("type"),
            "classification": self.names("classifications"),
            "languages": languages,
            "texts": texts,
            "media": media,
            "creators": self.refs("creators"),
            "contributors": [{**ref, "role": "contributor"} for ref in self.refs("contributors")],
            "subjects": self.refs("subjects"),
            "places": self.places(),
            "collections": self.collections(),
            "funders": self.refs("donors", "funders"),
            "relations": self.relations(),
            "source_description": obj.get("source"),
        }

    def _credit_translator(self, doc: dict, texts: list[dict]) -> None:
        """The translator the source line names ("Translated for CWIHP by ..."): a contributor, and the translator
        of the translation when there is only one."""
        source_text = self.obj.get("source")
        m = TRANSLATOR.search(source_text) if isinstance(source_text, str) else None
        if not m:
            return
        translator = {"name": m["name"].strip(), "role": "translator"}
        if m["for"]:
            translator["for"] = m["for"].strip()
        doc["contributors"].append(translator)
        translations = [t for t in texts if t["kind"] == "translation"]
        if len(translations) == 1:  # with several, which one this person made is not said
            translations[0]["translator"] = {"name": translator["name"]}

    def _repositories_and_publishers(self, doc: dict) -> dict[str, Any]:
        """The first repository and the publishers into `doc`; extra.da begins with what does not fit there."""
        da: dict[str, Any] = {}
        repositories = [self.named(x, "repositories", i) for i, x in enumerate(self.items("repositories"))]
        if repositories:
            doc["repository"] = {
                **self.ref(repositories[0]),
                **({"uri": repositories[0]["uri"]} if repositories[0].get("uri") else {}),
            }
        if len(repositories) > 1:
            da["repositories"] = [self.ref(r) for r in repositories]
        publishers = [self.named(x, "publishers", i) for i, x in enumerate(self.items("publishers"))]
        if publishers:
            doc["publisher"] = "; ".join(p["name"] for p in publishers)
            da["publishers"] = [self.ref(p) for p in publishers]
        return da

    def _rights(self, doc: dict) -> None:
        rights = self.obj.get("rights")
        if not rights:
            return
        rights_list = rights if isinstance(rights, list) else [rights]
        if not all(isinstance(r, dict) for r in rights_list):
            raise self.fail("rights", "must be an object with 'name' and 'rights'")
        doc["rights"] = {
            "statement": "\n\n".join(r["rights"] for r in rights_list if r.get("rights")) or None,
            "name": "; ".join(r["name"] for r in rights_list if r.get("name")) or None,
        }
        self._keep_ids("rights", rights_list)

    def _source(self, doc: dict) -> None:
        """The Digital Archive's own timestamps and address; its creation date is the record's upload date."""
        obj = self.obj
        created = obj.get("source_created_at")
        if isinstance(created, str) and re.match(r"^\d{4}-\d{2}-\d{2}", created):
            doc["original_uploaded"] = created[:10]
        doc["source"] = {
            "format": "da-json",
            "file": self.file_name,
            "uri": obj.get("uri"),
            "created_at": created,
            "updated_at": obj.get("source_updated_at"),
            "first_published_at": obj.get("first_published_at"),
            "pdf_generated_at": obj.get("pdf_generated_at"),
        }

    def _da_extra(self, da: dict[str, Any]) -> list[Notice]:
        """The rest of the object into extra.da; fields outside the model are kept there and reported."""
        obj = self.obj
        for key in KEPT_AS_IS:
            if obj.get(key) not in (None, "", [], {}):
                da[key] = obj[key]
        if self.ids:
            da["ids"] = self.ids
        if self.assets:
            da["assets"] = self.assets
        for key in sorted(set(obj) - MAPPED):
            if obj[key] not in (None, "", [], {}):
                da.setdefault("unmapped", {})[key] = obj[key]
        if not da.get("unmapped"):
            return []
        return [
            Notice(
                f"{self.prefix}fields outside the Digital Archive model were kept under "
                f"extra.da.unmapped: {', '.join(sorted(da['unmapped']))}",
                self.rid,
            )
        ]


def record_entries(obj: Any, where: str, file_name: str, emitted: set[tuple[str, str]]) -> Iterator[Entry]:
    """The entries for one object of a DA JSON file: its authorities (broader places, collections), the record,
    notes; or one Problem saying why it is not a record."""
    if not isinstance(obj, dict):
        yield Problem(f"{where or 'the file'} is not a JSON object")
        return
    rid = obj.get("id")
    model = obj.get("model")
    if isinstance(model, str) and model.lower() not in ("record", "document"):
        yield Problem(
            f"{where or 'the object'} is a Digital Archive {model}, not a record; import records only",
            str(rid) if rid is not None else None,
            "model",
        )
        return
    if not any(k in obj for k in MARKERS):
        yield Problem(
            f"{where or 'the object'} is not a Digital Archive record: it has none of the fields "
            f"{', '.join(MARKERS)} (keys: {', '.join(sorted(map(str, obj))[:8]) or 'none'})",
            str(rid) if rid is not None else None,
        )
        return
    if rid in (None, "") or isinstance(rid, bool) or not isinstance(rid, str | int):
        yield Problem(f"{(where + ': ') if where else ''}a Digital Archive record needs an 'id'", None, "id")
        return
    builder = _Record(obj, where, file_name, emitted)
    try:
        doc, notices = builder.build()
    except RecordError as e:
        yield Problem(e.message, e.record_id, e.field)
        return
    yield from builder.authorities
    yield RecordEntry(doc)
    yield from notices


class DigitalArchiveJsonImporter(Importer):
    name = "da_json"
    priority = 60
    max_bytes = None  # streams: memory stays flat whatever the size
    extensions = (".json",)
    help = (
        "Wilson Center Digital Archive record JSON (/srv/record/<id>.json): a record, a list, a search page"
    )

    def detect(self, path: Path, head: bytes) -> bool:
        suffix = path.suffix.lower()
        if suffix == ".json":
            # Every other .json is ours too, so a file of the wrong shape gets a message saying what is expected.
            return not looks_like_people(head)
        if suffix in (".jsonl", ".ndjson"):
            first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
            try:
                obj = json.loads(first)
            except (ValueError, RecursionError):
                return False
            return isinstance(obj, dict) and "doc_date" in obj and "uri" in obj
        return False

    def read(self, source: Source) -> Iterator[Entry]:
        emitted: set[tuple[str, str]] = set()
        name = source.path.name
        if source.path.suffix.lower() in (".jsonl", ".ndjson"):
            yield from self._read_lines(source, emitted)
            return
        if source.size > MAX_JSON:
            raise IngestError(
                f"is {source.size / 2**20:,.0f} MiB, too large for one JSON document (limit "
                f"{MAX_JSON >> 20} MiB): write one record object per line to a .jsonl file instead"
            )
        with source.open() as f:
            if f.peek(HEAD).lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"[":
                # A list of records, the shape of large dumps: read one item at a time (json_stream.py).
                yield from self._read_items(array_items(f), name, emitted)
                return
            data = f.read()
        try:
            top = json.loads(data.decode("utf-8-sig"))
        except json.JSONDecodeError as e:
            raise IngestError(f"is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None
        except UnicodeDecodeError:
            raise
        except ValueError as e:  # e.g. an integer of more than 4,300 digits, which json refuses
            raise IngestError(f"is not valid JSON: {e}") from None
        del data
        if isinstance(top, dict) and isinstance(top.get("list", top.get("results")), list):
            items = top.get("list", top.get("results"))
        elif isinstance(top, list):
            items = top
        elif isinstance(top, dict) and any(k in top for k in MARKERS):
            items = [top]
        else:
            shape = (
                type(top).__name__
                if not isinstance(top, dict)
                else f"an object with keys {', '.join(sorted(top)[:8]) or '(none)'}"
            )
            raise IngestError(
                f"is not Digital Archive record JSON: found {shape}; expected a record object "
                f'(with {", ".join(MARKERS)}), a list of them, or a page {{"list": [...]}}'
            )
        if not items:
            raise IngestError("has no records: the list is empty")
        yield from self._read_items(iter(items), name, emitted)

    def _read_items(self, items: Iterator[Any], name: str, emitted: set[tuple[str, str]]) -> Iterator[Entry]:
        """The entries of a list's items, each item let go once read. An item is labelled "item N" when the
        list has more than one (the first waits for the second to know)."""
        seen: set[str] = set()
        held = next(items, _END)
        if held is _END:
            raise IngestError("has no records: the list is empty")
        following = next(items, _END)
        n = 1
        while held is not _END:
            obj = held
            rid = str(obj["id"]) if isinstance(obj, dict) and obj.get("id") not in (None, "") else None
            if rid and rid in seen:
                yield Problem(f"item {n}: duplicate id in this file; the first one was kept", rid, "id")
            else:
                if rid:
                    seen.add(rid)
                several = n > 1 or following is not _END
                yield from record_entries(obj, f"item {n}" if several else "", name, emitted)
            held, following = following, (next(items, _END) if following is not _END else _END)
            n += 1

    def _read_lines(self, source: Source, emitted: set[tuple[str, str]]) -> Iterator[Entry]:
        seen: set[str] = set()
        for item in json_lines(source, objects_only=False):
            if isinstance(item, Problem):
                yield item
                continue
            lineno, obj = item
            rid = str(obj.get("id")) if isinstance(obj, dict) else None
            if rid and rid in seen:
                yield Problem(f"line {lineno}: duplicate id in this file; the first one was kept", rid, "id")
                continue
            if rid:
                seen.add(rid)
            yield from record_entries(obj, f"line {lineno}", source.path.name, emitted)
