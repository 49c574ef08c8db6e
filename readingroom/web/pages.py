"""What each page shows, built from services; views only pass these contexts to templates."""

from __future__ import annotations

from django.core.paginator import Paginator

from readingroom import config
from readingroom.records import services
from readingroom.records.models import Record

ROLE_LABELS = {"creator": "Creator", "author": "Author", "sender": "From", "recipient": "To",
               "translator": "Translator", "editor": "Editor", "compiler": "Compiler", "contributor": "Contributor"}


def home_context() -> dict:
    public = Record.objects.public()
    return {
        "record_count": public.count(),
        "recent": public.order_by("-first_published", "id").only("id", "title", "date_text", "date_edtf")[:12],
        "collections": services.authorities_with_counts("collection").filter(parent__isnull=True)[:20],
    }


def record_context(request, record: Record) -> dict:
    doc = record.document
    links = services.record_links(record)
    base = config.get("READINGROOM_BASE_URL").rstrip("/")
    people = []
    for role in ("creator", "author", "sender", "recipient", "editor", "compiler", "contributor"):
        for a in links.get(role, []):
            people.append((ROLE_LABELS.get(role, role.title()), a))
    relations = list(record.relations.all())
    public_ids = set(Record.objects.public().filter(pk__in=[r.target_id for r in relations])
                     .values_list("pk", flat=True))
    return {
        "record": record,
        "doc": doc,
        "places": links.get("place", []),
        "subjects": links.get("subject", []),
        "collections": links.get("collection", []),
        "funders": links.get("funder", []),
        "repository": (links.get("repository") or [None])[0],
        "translators": links.get("translator", []),
        "people": people,
        "mentioned": links.get("person", []),
        "related": [(r, r.target_id in public_ids) for r in relations],
        "permalink": f"{base}{record.get_absolute_url()}",
        "source_record_id": (doc.get("extra") or {}).get("source_record_id"),
    }


def authority_list_context(kind: str) -> dict:
    items = services.authorities_with_counts(kind)
    tree = kind in ("collection", "subject", "place")
    return {"kind": kind, "items": items if not tree else items.filter(parent__isnull=True), "tree": tree}


def authority_context(kind: str, key: str, page_number) -> dict:
    authority = services.get_authority(kind, key)
    records = services.authority_records(authority).only("id", "title", "date_text", "date_edtf")
    page = Paginator(records, 50).get_page(page_number)
    ancestors = []
    node = authority.parent
    while node is not None and len(ancestors) < 20:
        ancestors.insert(0, node)
        node = node.parent
    children = services.authorities_with_counts(kind).filter(parent=authority)
    return {"authority": authority, "kind": kind, "page": page, "ancestors": ancestors, "children": children,
            "data": authority.data}

