"""A record as one CSL-JSON item: the one mapping every citation, download and embedded metadata reads.

CSL-JSON (https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html) is what citation processors and
reference managers read. The item is built from the canonical record document (records/schema.py) and, for a
document of a published volume (a FRUS volume: a collection whose authority names editors or a publication
date), from that volume's authority. Such a document is cited as the volume cites it: in the volume, with its
editors, as "Document 74"; the archive it came from is the volume's business, and stays on the record page.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pycountry

if TYPE_CHECKING:  # the command line reads export formats before Django is set up: no models at import
    from readingroom.records.models import Record

AUTHOR_ROLES = ("author", "creator", "sender")
EDITOR_ROLES = ("editor", "compiler")


@dataclass(frozen=True)
class Volume:
    """A published volume a record is a document of (its collection authority)."""

    title: str
    editors: list[str] = field(default_factory=list)
    publisher: str | None = None
    published: str | None = None


def volume_of(doc: dict) -> Volume | None:
    """The published volume among the record's top-level collections, if any (one query)."""
    tops = [c["id"] for c in doc.get("collections") or [] if not c.get("parent")]
    if not tops:
        return None
    from readingroom.records.models import Authority

    for name, data in Authority.objects.filter(kind="collection", key__in=tops).values_list("name", "data"):
        data = data or {}
        if data.get("editors") or data.get("published"):
            return Volume(name, list(data.get("editors") or []), data.get("publisher"), data.get("published"))
    return None


def csl_item(record: Record, *, url: str, accessed: dt.date, site_name: str) -> dict[str, Any]:
    """The CSL-JSON item of a record; `url` is its absolute permalink (web/links.py)."""
    doc = record.document
    return from_document(doc, url=url, accessed=accessed, site_name=site_name, volume=volume_of(doc))


def from_document(
    doc: dict, *, url: str, accessed: dt.date, site_name: str, volume: Volume | None = None
) -> dict[str, Any]:
    """The CSL-JSON item of a canonical record document (a pure function: csl_item finds the volume)."""
    item: dict[str, Any] = {"id": doc["id"], "type": "document", "title": doc["title"]}
    add = _adder(item)
    add("author", names(c for c in doc.get("creators") or [] if c.get("role", "creator") in AUTHOR_ROLES))
    add("recipient", names(doc.get("recipients") or []))
    add("translator", names(translators(doc)))
    editors = [{"kind": "person", "name": e} for e in (volume.editors if volume else [])]
    add(
        "editor", names(editors + [c for c in doc.get("contributors") or [] if c.get("role") in EDITOR_ROLES])
    )
    add("issued", issued(doc))
    if volume:
        add("container-title", volume.title)
        add("number", f"Document {doc['number']}" if doc.get("number") else None)
    else:
        top = next((c["name"] for c in doc.get("collections") or [] if not c.get("parent")), None)
        add("collection-title", top)
        add("number", doc.get("number"))
        add("archive", (doc.get("repository") or {}).get("name"))
        add("archive_location", archival_reference(doc.get("archival_reference") or {}))
    add("publisher", doc.get("publisher") or site_name)
    add("abstract", doc.get("summary"))
    add("language", language_tag((doc.get("languages") or [None])[0]))
    subjects = [ref["name"] for ref in doc.get("subjects") or [] if ref.get("name")]
    add("keyword", ", ".join(subjects))  # CSL's convention; the names themselves, which may hold commas:
    add(
        "custom", {"subjects": subjects} if subjects else None
    )  # CSL-JSON 1.0.2's place for data of one's own
    add("URL", url)
    add("accessed", {"date-parts": [[accessed.year, accessed.month, accessed.day]]})
    return item


def _adder(item: dict):
    def add(key: str, value: Any) -> None:
        if value not in (None, "", [], {}):
            item[key] = value

    return add


def names(refs) -> list[dict]:
    """CSL names of authority references: a person written "Family, Given" is split; any other name is kept
    whole (a "literal"), since which word of "Ho Chi Minh" is the family name cannot be told from the text."""
    out: list[dict] = []
    for ref in refs:
        name = (ref.get("name") or "").strip()
        if not name or any(_same(name, o) for o in out):
            continue
        family, comma, given = name.partition(",")
        if ref.get("kind", "person") == "person" and comma and family.strip() and given.strip():
            out.append({"family": family.strip(), "given": given.strip()})
        else:
            out.append({"literal": name})
    return out


def _same(name: str, csl_name: dict) -> bool:
    return csl_name.get("literal") == name or f"{csl_name.get('family')}, {csl_name.get('given')}" == name


def translators(doc: dict) -> list[dict]:
    found = [c for c in doc.get("contributors") or [] if c.get("role") == "translator"]
    found += [t["translator"] for t in doc.get("texts") or [] if t.get("translator")]
    return found


def archival_reference(ref: dict) -> str | None:
    if not ref:
        return None
    if "text" in ref:
        # Its closing full stop would meet the style's punctuation ("Box 1., https://...").
        text = str(ref["text"]).strip()
        return text[:-1] if text.endswith(".") and not text.endswith("..") else text
    return "; ".join(f"{k.replace('_', ' ').capitalize()}: {v}" for k, v in ref.items())


_POINT = re.compile(r"^(-?\d{4})(?:-(\d\d)(?:-(\d\d))?)?")


def _parts(point: str) -> list[int] | None:
    m = _POINT.match(point.strip().lstrip("[{").rstrip("?~%"))
    if not m:
        return None
    return [int(g) for g in m.groups() if g is not None]


def issued(doc: dict) -> dict | None:
    """The normalized date as CSL date parts (a range as two); with the date as written, and "circa" for an
    approximate one, when the date is not stated as such."""
    if doc.get("date_precision") in (None, "undated"):
        return None
    edtf = doc.get("date") or ""
    points = [p for p in edtf.split("/") if p and p != ".."] or [doc.get("date_earliest") or ""]
    parts = [p for p in (_parts(point) for point in points) if p]
    if not parts:
        return None
    if len(parts) == 2 and parts[0] == parts[1]:
        parts = parts[:1]
    out: dict[str, Any] = {"date-parts": parts[:2]}
    certainty = doc.get("date_certainty") or "stated"
    if certainty != "stated":
        if doc.get("date_text"):
            out["literal"] = doc["date_text"]
        if certainty == "approximate":
            out["circa"] = True
    return out


def language_tag(code: str | None) -> str | None:
    """ISO 639-1 ("en") for an ISO 639-2/B code ("eng"), else the code itself."""
    if not code:
        return None
    lang = pycountry.languages.get(bibliographic=code) or pycountry.languages.get(alpha_3=code)
    return getattr(lang, "alpha_2", None) or code
