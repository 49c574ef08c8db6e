"""Minimal RIS and BibTeX entries of a record, for bulk export: one function per format, from the canonical
document alone (no query per record).

Stop-gap: the citations package (readingroom/citations/, another branch) renders a record's BibTeX and RIS from
its CSL-JSON item, with the published volume a document belongs to. When it is on main, the bulk export should
write its entries, and these two functions go.
"""

from __future__ import annotations

import re

from readingroom.citations.formats import bibtex_escape

AUTHOR_ROLES = ("creator", "author", "sender")


def ris_entry(doc: dict, url: str | None, site_name: str) -> str:
    """One RIS entry: a manuscript (MANSCPT) when an archive holds the original, else a generic entry (GEN)."""
    repository = (doc.get("repository") or {}).get("name")
    lines = [("TY", "MANSCPT" if repository else "GEN"), ("ID", doc["id"]), ("TI", doc["title"])]
    lines += [("AU", name) for name in _authors(doc)]
    year, month, day = _date_parts(doc)
    if year:
        lines.append(("PY", year))
        lines.append(("DA", "/".join((year, month or "", day or "", ""))))
    collection = _top_collection(doc)
    if collection:
        lines.append(("T3", collection))
    if doc.get("number"):
        lines.append(("SE", doc["number"]))
    if repository:
        lines.append(("DP", repository))
    reference = _archival_reference(doc)
    if reference:
        lines.append(("AN", reference))
    lines.append(("PB", doc.get("publisher") or site_name))
    if doc.get("summary"):
        lines.append(("AB", doc["summary"]))
    lines += [("LA", code) for code in doc.get("languages") or []]
    lines += [("KW", ref["name"]) for ref in doc.get("subjects") or []]
    if url:
        lines.append(("UR", url))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {' '.join(str(value).split())}\r\n" for tag, value in lines)


def bibtex_key(record_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_:.-]", "_", record_id)


def bibtex_entry(doc: dict, url: str | None, site_name: str) -> str:
    """One @misc entry (BibTeX has no type for an archival document), with biblatex's `date`."""
    fields = [("title", "{" + bibtex_escape(doc["title"]) + "}")]
    authors = _authors(doc)
    if authors:
        # A name without a comma is kept whole ("{Department of State}"), so that BibTeX does not split it.
        fields.append(
            (
                "author",
                " and ".join(bibtex_escape(n) if "," in n else "{" + bibtex_escape(n) + "}" for n in authors),
            )
        )
    year, month, day = _date_parts(doc)
    if year:
        fields.append(("year", year))
        if month:
            fields.append(("month", str(int(month))))
        fields.append(("date", "-".join(p for p in (year, month, day) if p)))
    collection = _top_collection(doc)
    if collection:
        fields.append(("series", bibtex_escape(collection)))
    if doc.get("number"):
        fields.append(("number", bibtex_escape(doc["number"])))
    note = "; ".join(p for p in ((doc.get("repository") or {}).get("name"), _archival_reference(doc)) if p)
    if note:
        fields.append(("note", bibtex_escape(note)))
    fields.append(("publisher", bibtex_escape(doc.get("publisher") or site_name)))
    if doc.get("summary"):
        fields.append(("abstract", bibtex_escape(doc["summary"])))
    if doc.get("languages"):
        fields.append(("language", bibtex_escape(", ".join(doc["languages"]))))
    if doc.get("subjects"):
        fields.append(("keywords", bibtex_escape(", ".join(ref["name"] for ref in doc["subjects"]))))
    if url:
        fields.append(("url", url.replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{bibtex_key(doc['id'])},\n{body}\n}}\n\n"


def _authors(doc: dict) -> list[str]:
    return [c["name"] for c in doc.get("creators") or [] if c.get("role", "creator") in AUTHOR_ROLES]


def _date_parts(doc: dict) -> tuple[str | None, str | None, str | None]:
    """Year, month and day of the record's date as far as its precision goes (the start of a range)."""
    earliest = doc.get("date_earliest") or ""
    if not re.match(r"\d{4}", earliest):
        return None, None, None
    precision = doc.get("date_precision")
    year = earliest[:4]
    month = earliest[5:7] if precision in ("month", "day", "minute", "second") else None
    day = earliest[8:10] if precision in ("day", "minute", "second") else None
    return year, month, day


def _top_collection(doc: dict) -> str | None:
    return next((c["name"] for c in doc.get("collections") or [] if not c.get("parent")), None)


def _archival_reference(doc: dict) -> str | None:
    reference = doc.get("archival_reference") or {}
    if not reference:
        return None
    if set(reference) == {"text"}:
        return str(reference["text"])
    return ", ".join(f"{k} {v}" for k, v in reference.items())
