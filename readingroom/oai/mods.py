"""mods: MODS 3.6 (Library of Congress), the richer format. docs/oai.md has the mapping.

Chosen over qualified Dublin Core because it holds what a record says without flattening it: names with their
roles (MARC relator codes: creator, addressee, translator, funder), the date as written and as EDTF with its
normalized bounds, ISO 639-2/B language codes, subjects, places and persons as subjects with the URIs of their
authority pages, the source archive and its reference (location), the rights statement with its URI
(accessCondition), the document number (part) and the collection hierarchy (nested host items).
"""

from __future__ import annotations

from lxml import etree

from .dc import shelf_mark
from .formats import Context, MetadataFormat, schema_location, sub
from .provider import Item

MODS = "http://www.loc.gov/mods/v3"
XLINK = "http://www.w3.org/1999/xlink"
M = f"{{{MODS}}}"

# MARC relator codes (id.loc.gov/vocabulary/relators) for the record's roles.
RELATORS = {
    "creator": "cre",
    "author": "aut",
    "recipient": "rcp",
    "addressee": "rcp",
    "translator": "trl",
    "editor": "edt",
    "contributor": "ctb",
    "funder": "fnd",
    "sender": "cre",
}
NAME_TYPES = {
    "person": "personal",
    "organization": "corporate",
    "funder": "corporate",
    "repository": "corporate",
}
QUALIFIERS = {"approximate": "approximate", "inferred": "inferred"}


class Mods(MetadataFormat):
    prefix = "mods"
    schema = "http://www.loc.gov/standards/mods/v3/mods-3-6.xsd"
    namespace = MODS

    def write(self, item: Item, context: Context) -> etree._Element:
        doc = item.document or {}
        links = context.links
        root = etree.Element(
            f"{M}mods",
            {"version": "3.6"},
            nsmap={"mods": MODS, "xlink": XLINK, "xsi": "http://www.w3.org/2001/XMLSchema-instance"},
        )
        schema_location(root, MODS, self.schema)

        title_info = sub(root, f"{M}titleInfo")
        sub(title_info, f"{M}title", doc.get("title"))
        for ref, code, role in names(doc):
            name = sub(
                root,
                f"{M}name",
                type=NAME_TYPES.get(ref.get("kind") or "person", "personal"),
                valueURI=links.authority(ref["kind"], ref["id"]) if ref.get("id") else None,
            )
            sub(name, f"{M}namePart", ref["name"])
            role_el = sub(name, f"{M}role")
            sub(role_el, f"{M}roleTerm", code, type="code", authority="marcrelator")
            sub(role_el, f"{M}roleTerm", role, type="text")
        sub(root, f"{M}typeOfResource", "text")
        for genre in doc.get("document_types", []):
            sub(root, f"{M}genre", genre)
        self._origin(root, doc)
        for language in doc.get("languages", []):
            sub(sub(root, f"{M}language"), f"{M}languageTerm", language, type="code", authority="iso639-2b")
        if doc.get("summary"):
            sub(root, f"{M}abstract", doc["summary"])
        for marking in doc.get("classification", []):
            sub(root, f"{M}note", marking, type="classification")
        for kind, value in (
            ("source", doc.get("source_description")),
            ("funding", doc.get("funder_credit")),
            ("signature", doc.get("signature")),
        ):
            if value:
                sub(root, f"{M}note", value, type=kind)
        for field, tag in (("subjects", "topic"), ("places", "geographic")):
            for ref in doc.get(field, []):
                subject = sub(root, f"{M}subject")
                sub(subject, f"{M}{tag}", ref["name"], valueURI=links.authority(ref["kind"], ref["id"]))
        for ref in doc.get("persons", []):
            name = sub(
                sub(root, f"{M}subject"),
                f"{M}name",
                type="personal",
                valueURI=links.authority(ref["kind"], ref["id"]),
            )
            sub(name, f"{M}namePart", ref["name"])
        for chain in item.collections:
            self._host(root, chain, links)
        sub(root, f"{M}identifier", links.record(item.record_id), type="uri")
        sub(root, f"{M}identifier", item.record_id, type="local")
        self._location(root, doc, links, item)
        rights = doc.get("rights") or {}
        if rights.get("statement") or rights.get("uri"):
            access = sub(
                root,
                f"{M}accessCondition",
                rights.get("statement") or rights.get("uri"),
                type="use and reproduction",
            )
            if rights.get("uri"):
                access.set(f"{{{XLINK}}}href", rights["uri"])
        if doc.get("number"):
            detail = sub(sub(root, f"{M}part"), f"{M}detail", type="document")
            sub(detail, f"{M}number", doc["number"])
        info = sub(root, f"{M}recordInfo")
        sub(info, f"{M}recordContentSource", context.repository_name)
        if doc.get("created"):
            sub(info, f"{M}recordCreationDate", doc["created"], encoding="iso8601")
        if doc.get("updated"):
            sub(info, f"{M}recordChangeDate", doc["updated"], encoding="iso8601")
        sub(info, f"{M}recordIdentifier", item.record_id)
        return root

    @staticmethod
    def _origin(root: etree._Element, doc: dict) -> None:
        """When and where the document was made (dates as written, as EDTF, and their bounds); who published
        this edition."""
        dated = doc.get("date") or doc.get("date_text") or doc.get("dateline_place")
        if dated:
            origin = sub(root, f"{M}originInfo", eventType="production")
            if doc.get("dateline_place"):
                sub(sub(origin, f"{M}place"), f"{M}placeTerm", doc["dateline_place"], type="text")
            if doc.get("date_text"):
                sub(origin, f"{M}dateCreated", doc["date_text"])
            if doc.get("date"):
                sub(origin, f"{M}dateCreated", doc["date"], encoding="edtf", keyDate="yes")
            earliest, latest = doc.get("date_earliest"), doc.get("date_latest")
            if earliest and latest and earliest != latest:
                qualifier = QUALIFIERS.get(doc.get("date_certainty") or "")
                sub(
                    origin,
                    f"{M}dateCreated",
                    earliest,
                    encoding="iso8601",
                    point="start",
                    qualifier=qualifier,
                )
                sub(origin, f"{M}dateCreated", latest, encoding="iso8601", point="end", qualifier=qualifier)
        if doc.get("publisher"):
            sub(sub(root, f"{M}originInfo", eventType="publication"), f"{M}publisher", doc["publisher"])

    @staticmethod
    def _host(root: etree._Element, chain, links) -> None:
        """A collection as a host item, the collections above it nested inside (the FRUS volume > part >
        chapter)."""
        parent = root
        for ref in chain:
            host = sub(parent, f"{M}relatedItem", type="host", displayLabel="Collection")
            sub(sub(host, f"{M}titleInfo"), f"{M}title", ref.name)
            sub(host, f"{M}identifier", ref.key, type="local")
            sub(sub(host, f"{M}location"), f"{M}url", links.authority("collection", ref.key))
            parent = host

    @staticmethod
    def _location(root: etree._Element, doc: dict, links, item: Item) -> None:
        repository = doc.get("repository")
        mark = shelf_mark(doc.get("archival_reference") or {})
        if repository or mark:
            location = sub(root, f"{M}location")
            if repository:
                sub(
                    location,
                    f"{M}physicalLocation",
                    repository["name"],
                    valueURI=links.authority("repository", repository["id"]),
                )
            if mark:
                sub(location, f"{M}shelfLocator", mark)
        sub(
            sub(root, f"{M}location"),
            f"{M}url",
            links.record(item.record_id),
            usage="primary display",
            access="object in context",
        )


def names(doc: dict) -> list[tuple[dict, str, str]]:
    """(reference, MARC relator code, role as the record says it) for everyone with a part in the document:
    creators, recipients, contributors, the texts' translators, funders. Each once per role."""
    out, seen = [], set()

    def add(ref: dict, default: str) -> None:
        role = ref.get("role") or default
        code = RELATORS.get(role.lower(), RELATORS[default])
        key = (ref.get("kind"), ref.get("id"), code)
        if ref.get("name") and key not in seen:
            seen.add(key)
            out.append((ref, code, role))

    for ref in doc.get("creators", []):
        add(ref, "creator")
    for ref in doc.get("recipients", []):
        add(ref, "recipient")
    for ref in doc.get("contributors", []):
        add(ref, "contributor")
    for text in doc.get("texts", []):
        if text.get("translator"):
            add(text["translator"], "translator")
    for ref in doc.get("funders", []):
        add(ref, "funder")
    return out
