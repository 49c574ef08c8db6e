"""oai_dc: simple Dublin Core, the format every OAI-PMH repository must offer. docs/oai.md has the mapping."""

from __future__ import annotations

from lxml import etree

from .formats import Context, MetadataFormat, schema_location, sub
from .provider import Item

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"


def _names(refs: list[dict]) -> list[str]:
    return [ref["name"] for ref in refs if ref.get("name")]


class DublinCore(MetadataFormat):
    prefix = "oai_dc"
    schema = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
    namespace = OAI_DC

    def write(self, item: Item, context: Context) -> etree._Element:
        doc = item.document or {}
        root = etree.Element(
            f"{{{OAI_DC}}}dc",
            nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": "http://www.w3.org/2001/XMLSchema-instance"},
        )
        schema_location(root, OAI_DC, self.schema)

        def dc(name: str, values) -> None:
            for value in dict.fromkeys(v for v in values if v):
                sub(root, f"{{{DC}}}{name}", value)

        translators = [t["translator"] for t in doc.get("texts", []) if t.get("translator")]
        dc("title", [doc.get("title")])
        dc("creator", _names(doc.get("creators", [])))
        dc("contributor", _names(doc.get("contributors", []) + translators))
        dc("subject", _names(doc.get("subjects", [])) + _names(doc.get("persons", [])))
        dc("description", [doc.get("summary")])
        dc("publisher", [doc.get("publisher")])
        dc("date", [doc.get("date")])
        dc("type", ["Text", *doc.get("document_types", [])])
        dc("identifier", [context.links.record(item.record_id)])
        dc("source", [source(doc)])
        dc("language", doc.get("languages", []))
        dc("relation", _names(doc.get("collections", [])))
        dc("coverage", _names(doc.get("places", [])))
        rights = doc.get("rights") or {}
        dc("rights", [rights.get("statement"), rights.get("uri")])
        return root


def source(doc: dict) -> str | None:
    """The original: its repository and archival reference, as one line."""
    repository = (doc.get("repository") or {}).get("name")
    return ". ".join(p for p in (repository, shelf_mark(doc.get("archival_reference") or {})) if p) or None


def shelf_mark(reference: dict) -> str | None:
    """An archival reference as written ("text"), else its parts ("fond: 89; file: 12")."""
    if reference.get("text"):
        return str(reference["text"])
    parts = [f"{k}: {reference[k]}" for k in sorted(reference) if isinstance(reference[k], str | int)]
    return "; ".join(parts) or None
