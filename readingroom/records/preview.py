"""The preview of a record's public page, made from a document that may be unsaved or unpublished.

The editor renders the public template itself (web/templates/readingroom/record.html, by name) with this
context, so that staff see what readers will see. It has the keys web/contexts.py `record_context` gives
(tests/test_editorial.py checks they stay the same), built from the document alone: nothing is read from the
links or the search index, which an unsaved document does not have yet. Citations, similar documents and
corrections are left empty: they exist once the record is published.
"""

from __future__ import annotations

import datetime as dt

from . import references
from .models import Authority, Record, RecordRelation
from .store import LINK_FIELDS
from .vocabulary import PEOPLE_ROLES, ROLE_LABELS


def _authority(ref: dict, known: dict[tuple[str, str], Authority]) -> Authority:
    """The stored authority of a reference, or an unsaved one of its name (a name new to the archive)."""
    return known.get((ref["kind"], ref["id"])) or Authority(kind=ref["kind"], key=ref["id"], name=ref["name"])


def preview_record(doc: dict) -> Record:
    """An unsaved Record with the columns the page reads, derived from the canonical document."""
    now = dt.datetime.now(dt.UTC)
    return Record(
        id=doc["id"],
        status=doc["status"],
        title=doc["title"],
        summary=doc.get("summary") or "",
        date_text=doc.get("date_text") or "",
        date_edtf=doc.get("date") or "",
        date_earliest=doc.get("date_earliest") or "",
        date_latest=doc.get("date_latest") or "",
        date_precision=doc.get("date_precision") or "undated",
        date_certainty=doc.get("date_certainty") or "stated",
        document=doc,
        created=now,
        updated=now,
    )


def links_by_role(doc: dict) -> dict[str, list[Authority]]:
    """The document's authorities by the role their links get (as the store derives them), in document order."""
    refs: list[tuple[dict, str]] = []
    for field_name, role in LINK_FIELDS:
        refs += [(ref, ref.get("role") or role) for ref in doc.get(field_name) or []]
    refs += [(t["translator"], "translator") for t in doc.get("texts") or [] if t.get("translator")]
    if doc.get("repository"):
        refs.append((doc["repository"], "repository"))
    known: dict[tuple[str, str], Authority] = {}
    by_kind: dict[str, set[str]] = {}
    for ref, _role in refs:
        by_kind.setdefault(ref["kind"], set()).add(ref["id"])
    for kind, keys in by_kind.items():
        for a in Authority.objects.filter(kind=kind, key__in=keys):
            known[(a.kind, a.key)] = a
    groups: dict[str, list[Authority]] = {}
    for ref, role in refs:
        authority = _authority(ref, known)
        if all(a.key != authority.key or a.kind != authority.kind for a in groups.get(role, [])):
            groups.setdefault(role, []).append(authority)
    return groups


def preview_context(request, doc: dict) -> dict:
    record = preview_record(doc)
    links = links_by_role(doc)
    people = [(ROLE_LABELS.get(role, role.title()), a) for role in PEOPLE_ROLES for a in links.get(role, [])]
    relations = [
        RecordRelation(target_id=r["target"], type=r["type"], label=r.get("label") or "", position=i)
        for i, r in enumerate(doc.get("relations") or [])
    ]
    held = {
        rec.pk: rec
        for rec in Record.objects.filter(pk__in=[r.target_id for r in relations]).only(
            "id", "title", "date_text"
        )
    }
    return {
        "record": record,
        "doc": doc,
        "places": links.get("place", []),
        "subjects": links.get("subject", []),
        "collections": links.get("collection", []),
        "funders": links.get("funder", []),
        "repository": next(iter(links.get("repository", [])), None),
        "translators": links.get("translator", []),
        "people": people,
        "mentioned": links.get("person", []),
        # (relation, target) as the record page has them; in a preview every held record is linked, public or not
        # (staff may open it), so that its id can be checked. A target the archive does not hold is left out, as
        # the public page leaves it out.
        "related": [(r, held[r.target_id]) for r in relations if r.target_id in held],
        "permalink": request.build_absolute_uri(f"/records/{record.pk}/"),
        "similar": [],
        "source_record_id": (doc.get("extra") or {}).get("source_record_id"),
        "citations": [],
        "citation_downloads": [],
        "record_downloads": [],  # a public record's files (web/downloads.py)
        "citation_meta": [],
        "dc_schema": "",
        "json_ld": "",
        "manifest_url": None,
        "scans": [],  # the media folder's files are served once the record is public
        "scan_count": 0,
        "printed_pages": {},  # no scan viewer before then either (web/scanviewer.py)
        "apparatus": None,  # previous and next are among published documents
        "text_references": references.of_document(doc, [a for group in links.values() for a in group]),
        "corrections": [],
        "last_revised": None,
        "preview": True,
        "status": doc["status"],
    }
