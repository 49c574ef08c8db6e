"""Metadata embedded in a record page for reference managers, search engines and harvesters: Highwire Press
`citation_*` tags (Google Scholar, Zotero), Dublin Core `DC.*` tags and a schema.org JSON-LD object.

All three are read from the record's CSL-JSON item (csl.py), plus what CSL has no place for (subjects, rights,
files), so they say what the citations say.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from . import csl

DC_SCHEMA = "http://purl.org/dc/elements/1.1/"


@dataclass(frozen=True)
class File:
    url: str  # absolute
    media_type: str | None = None


@dataclass(frozen=True)
class PageMetadata:
    item: dict[str, Any]
    doc: dict[str, Any]
    files: list[File] = field(default_factory=list)

    def highwire(self) -> list[tuple[str, str]]:
        item = self.item
        tags = [("citation_title", item["title"])]
        tags += [("citation_author", _display(n)) for n in item.get("author") or []]
        date = _slashed(item)
        if date:
            tags += [("citation_publication_date", date), ("citation_date", date)]
        for key, tag in (
            ("container-title", "citation_inbook_title"),
            ("collection-title", "citation_series_title"),
            ("publisher", "citation_publisher"),
            ("language", "citation_language"),
            ("abstract", "citation_abstract"),
            ("URL", "citation_public_url"),
            ("URL", "citation_abstract_html_url"),
        ):
            if item.get(key):
                tags.append((tag, item[key]))
        subjects = self.subjects()
        if subjects:
            tags.append(("citation_keywords", "; ".join(subjects)))
        tags += [("citation_pdf_url", f.url) for f in self.files if f.media_type == "application/pdf"]
        return tags

    def dublin_core(self) -> list[tuple[str, str]]:
        item = self.item
        tags = [("DC.title", item["title"])]
        tags += [("DC.creator", _display(n)) for n in item.get("author") or []]
        tags += [("DC.contributor", _display(n)) for k in ("editor", "translator") for n in item.get(k) or []]
        date = _iso(item)
        if date:
            tags.append(("DC.date", date))
        tags += [("DC.type", "Text"), ("DC.format", "text/html")]
        for key, tag in (
            ("URL", "DC.identifier"),
            ("language", "DC.language"),
            ("publisher", "DC.publisher"),
            ("abstract", "DC.description"),
            ("container-title", "DC.source"),
            ("archive", "DC.source"),
        ):
            if item.get(key):
                tags.append((tag, item[key]))
        tags += [("DC.subject", s) for s in self.subjects()]
        rights = self.doc.get("rights") or {}
        if rights.get("uri") or rights.get("statement"):
            tags.append(("DC.rights", rights.get("uri") or rights["statement"]))
        return tags

    def subjects(self) -> list[str]:
        return [s["name"] for s in self.doc.get("subjects") or []]

    def json_ld(self) -> dict[str, Any]:
        """schema.org: an ArchiveComponent (an item held in an archive)."""
        item, doc = self.item, self.doc
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "ArchiveComponent",
            "@id": item.get("URL"),
            "url": item.get("URL"),
            "name": item["title"],
            "identifier": item["id"],
        }
        add = _adder(data)
        add("dateCreated", _iso(item))
        add(
            "author",
            _agents(c for c in doc.get("creators") or [] if c.get("role", "creator") in csl.AUTHOR_ROLES),
        )
        add("recipient", _agents(doc.get("recipients") or []))
        add("translator", _agents(csl.translators(doc)))
        add("inLanguage", item.get("language"))
        add("description", item.get("abstract"))
        add("keywords", self.subjects())
        if item.get("publisher"):
            data["publisher"] = {"@type": "Organization", "name": item["publisher"]}
        if item.get("container-title"):
            volume: dict[str, Any] = {"@type": "Book", "name": item["container-title"]}
            if item.get("editor"):
                volume["editor"] = [{"@type": "Person", "name": _display(n)} for n in item["editor"]]
            data["isPartOf"] = volume
            add("position", item.get("number"))
        if item.get("archive"):
            data["holdingArchive"] = {"@type": "ArchiveOrganization", "name": item["archive"]}
        add("itemLocation", item.get("archive_location"))
        rights = doc.get("rights") or {}
        add("license", rights.get("uri"))
        add("copyrightNotice", rights.get("statement"))
        add(
            "associatedMedia",
            [
                {
                    "@type": "MediaObject",
                    "contentUrl": f.url,
                    **({"encodingFormat": f.media_type} if f.media_type else {}),
                }
                for f in self.files
            ],
        )
        return data


def json_ld_text(data: dict[str, Any]) -> str:
    """JSON for a <script type="application/ld+json"> element: "<", ">" and "&" escaped as \\u sequences, so no
    value can end the element ("</script>") or open a comment, and the JSON means the same."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _adder(data: dict):
    def add(key: str, value: Any) -> None:
        if value not in (None, "", [], {}):
            data[key] = value

    return add


def _agents(refs) -> list[dict]:
    out, seen = [], set()
    for ref in refs:
        name = ref.get("name")
        if name and name not in seen:
            seen.add(name)
            out.append(
                {"@type": "Organization" if ref.get("kind") == "organization" else "Person", "name": name}
            )
    return out


def _display(name: dict) -> str:
    return name.get("literal") or f"{name['family']}, {name['given']}"


def _first_point(item: dict) -> list[int] | None:
    parts = (item.get("issued") or {}).get("date-parts") or []
    return parts[0] if parts else None


def _iso(item: dict) -> str | None:
    parts = _first_point(item)
    return "-".join(f"{p:04d}" if i == 0 else f"{p:02d}" for i, p in enumerate(parts)) if parts else None


def _slashed(item: dict) -> str | None:
    """Highwire's date form: 1968/10/15, 1968/10 or 1968."""
    iso = _iso(item)
    return iso.replace("-", "/") if iso else None
