"""The one place that decides what the public may see (docs/access.md).

- A record is public when it is published and not under embargo. Every public surface (pages, search, facets,
  APIs, OAI-PMH, sitemaps, exports, media) gets its records through `RecordQuerySet.public()` or `is_public()`;
  an import indexing the records it has just written asks `document_is_public()` of their documents.
- An authority is public while a public record carries it or an authority below it: `public_authorities_q()`,
  `authority_is_public()`. Any other authority does not exist for the public.
- A relation is shown only when its target is public: `public_relations()`, `public_targets()`,
  `public_document()`; a relation to anything else is left out, id, title and label alike. A text's or note's
  link to a record (`/records/<id>/`) likewise: `referenced_ids()`, `public_document()`, and the record page's
  records/references.py keep only links to public records, and the words of the others.

tests/test_leaks.py fetches every URL the project defines, anonymously, against an archive holding a draft, an
in-review, an embargoed and a withdrawn record beside a public one, and fails on any trace of them.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .vocabulary import PUBLISHED, WITHDRAWN


def today() -> dt.date:
    return timezone.now().date()


def public_q(prefix: str = "") -> Q:
    """The public condition as a Q object, for querysets over related models (e.g. prefix='record__')."""
    return Q(**{f"{prefix}status": PUBLISHED}) & (
        Q(**{f"{prefix}embargo_until__isnull": True}) | Q(**{f"{prefix}embargo_until__lte": today()})
    )


def public_or_withdrawn_q(prefix: str = "") -> Q:
    """What OAI-PMH shows (readingroom/oai): the public records, and the withdrawn records that were public once,
    which it announces as deleted (their ids and datestamps, never their content).

    A withdrawn record counts only if it was published before (it has a first_published time) and is outside an
    embargo: announcing the id of a record that never came out would tell the public of it, and ids often carry
    the title. Drafts, records in review and embargoed records are left out altogether."""
    return public_q(prefix) | tombstone_q(prefix)


def tombstone_q(prefix: str = "") -> Q:
    """The withdrawn records the public is told of (OAI-PMH's deleted headers, the record page's tombstone):
    those that were published once (they have a first_published time) and are outside an embargo."""
    return Q(**{f"{prefix}status": WITHDRAWN, f"{prefix}first_published__isnull": False}) & (
        Q(**{f"{prefix}embargo_until__isnull": True}) | Q(**{f"{prefix}embargo_until__lte": today()})
    )


class RecordQuerySet(models.QuerySet):
    def public(self) -> RecordQuerySet:
        return self.filter(public_q())

    def tombstones(self) -> RecordQuerySet:
        return self.filter(tombstone_q())


def _public(status: str | None, embargo_until: dt.date | None) -> bool:
    """The rule public_q() states for the database, for one record's values."""
    return status == PUBLISHED and (embargo_until is None or embargo_until <= today())


def is_public(record) -> bool:
    return _public(record.status, record.embargo_until)


def document_is_public(doc: dict) -> bool:
    """is_public() for a canonical record document (records/schema.py), without reading the record back: an import
    decides so for the records it has just written (reading them back cost it a third of its time at 300,000
    records, when each row and its long text had to be found again in the WAL)."""
    embargo = doc.get("embargo_until")
    return _public(doc.get("status"), dt.date.fromisoformat(embargo) if embargo else None)


# What other pages than a record's own show of it: lists and counts (home, years, a volume's order, authorities),
# titles and dates (related documents, neighbours, cross-references). Everything of the document but these fields
# of its content, which only its own page, its search snippets and its downloads show.
OWN_PAGE_FIELDS = frozenset(
    {
        "summary",
        "texts",
        "notes",
        "signature",
        "withheld",
        "funder_credit",
        "dateline_place",
        "source_description",
        "archival_reference",
        "rights",
        "publisher",
        "media",
        "original_uploaded",
        "source",
        "created",
        "updated",
        "first_published",
    }
)


def shown_elsewhere(doc: dict | None) -> dict | None:
    """What pages other than its own may show of a record document: None when they show nothing of it (a draft, a
    record in review, a record that is not there), else its fields but OWN_PAGE_FIELDS. A change of a record
    leaves other pages as they were when this is the same before and after it (the store notes so in the audit
    log: AuditEvent.changes_lists). A withdrawn record counts as shown (OAI-PMH lists its tombstone); an embargoed
    one too, as its embargo ends at midnight without a write."""
    if doc is None or doc.get("status") not in (PUBLISHED, WITHDRAWN):
        return None
    return {k: v for k, v in doc.items() if k not in OWN_PAGE_FIELDS}


# -- authorities --------------------------------------------------------------------------------------------------
# An authority (person, organization, place, subject, collection, repository, funder) is public while at least one
# public record carries it, or carries an authority below it (hierarchies: "Vietnam War" is public when a public
# record is filed under "Vietnam War / Paris Peace Talks"). So a public authority's ancestors are public too, and
# its page lists at least one record: exactly the records `services.authority_records` gives. Any other authority
# does not exist for the public: its page, its API resource and its list entry answer as an unknown key does.
# Stated twice, like the record rule: for querysets (public_authorities_q) and for one authority
# (authority_is_public); tests/test_leaks.py holds both to the same answer.

_MAX_DEPTH = 50  # levels walked down at most; a cycle left by a bad authority file must not loop


def public_authority_ids_sql(kind: str | None = None, under: int | None = None) -> tuple[str, list]:
    """SQL (with its parameters) selecting the pks of the public authorities (of one kind, when given): those
    that public records link to, and every authority above one of them (a recursive query, which SQLite and
    PostgreSQL both answer). The public condition is public_q()'s, compiled by Django, never written out again.
    `under`: only the links of this authority and those below it are read (its children's page need not read
    every link of the kind); the answer is then right for the authorities of that subtree."""
    from django.db import connection
    from django.db.models import Exists, OuterRef
    from django.db.models.expressions import RawSQL

    from .models import Authority, Record, RecordLink

    table = connection.ops.quote_name(Authority._meta.db_table)
    if under is None:
        linked = RecordLink.objects.filter(public_q("record__"))
        if kind is not None:
            linked = linked.filter(authority__kind=kind)
    else:
        # From the subtree's links, each looked up in the records (EXISTS): with a join, or a kind to match, the
        # planner would rather start from every published record, or every link of the kind.
        below = (
            f"WITH RECURSIVE below(id) AS (SELECT r.id FROM {table} r WHERE r.id = %s "
            f"UNION SELECT a.id FROM {table} a JOIN below b ON a.parent_id = b.id) SELECT id FROM below"
        )
        linked = RecordLink.objects.filter(
            Exists(Record.objects.public().filter(pk=OuterRef("record_id"))),
            authority_id__in=RawSQL(below, [under]),
        )
    # order_by(): RecordLink's default ordering would make DISTINCT keep one row per position too.
    base_sql, base_params = linked.order_by().values("authority_id").distinct().query.sql_with_params()
    sql = (
        f"WITH RECURSIVE public_authority(id) AS ("
        f"SELECT linked.authority_id FROM ({base_sql}) linked "
        f"UNION SELECT a.parent_id FROM {table} a JOIN public_authority p ON a.id = p.id "
        f"WHERE a.parent_id IS NOT NULL"
        f") SELECT id FROM public_authority"
    )
    return sql, list(base_params)


def public_authorities_q(prefix: str = "", kind: str | None = None, under: int | None = None) -> Q:
    """The public authorities as a Q object: `Authority.objects.filter(public_authorities_q())`, or over a model
    pointing to authorities with a prefix ('authority__'). `kind` narrows the inner query to one kind (a list of
    one kind need not look at every link of the archive); `under` to one authority's subtree (its children)."""
    from django.db.models.expressions import RawSQL

    sql, params = public_authority_ids_sql(kind, under)
    return Q(**{f"{prefix}pk__in": RawSQL(sql, params)})


def authority_is_public(authority) -> bool:
    """public_authorities_q() for one authority: a public record links to it or to an authority below it."""
    from .models import Authority, Record

    pks, frontier = {authority.pk}, [authority.pk]
    for _depth in range(_MAX_DEPTH):
        frontier = [
            pk
            for pk in Authority.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            if pk not in pks
        ]
        if not frontier:
            break
        pks.update(frontier)
    return Record.objects.public().filter(links__authority_id__in=pks).exists()


# -- relations between records ------------------------------------------------------------------------------------
# A record's relation to a record the public may not see (a draft, one in review, an embargoed or withdrawn one, or
# one not in the archive at all: telling those apart would tell that the hidden one exists) is left out whole: its
# target id, the target's title, and its label (an import often copies the target's title into it).


def public_relations(record) -> list[tuple]:
    """The record's relations (RecordRelation rows) whose targets are public, each with its target Record (id,
    title, dates, updated), in the record's order."""
    relations = list(record.relations.all())
    targets = public_targets(r.target_id for r in relations)
    return [(r, targets[r.target_id]) for r in relations if r.target_id in targets]


def public_targets(target_ids) -> dict:
    """The public records among these ids, by id (only the columns a relation shows)."""
    from .models import Record

    ids = list(dict.fromkeys(target_ids))
    found: dict = {}
    for start in range(0, len(ids), 500):
        # Found by id, then held to the rule for one record (is_public): asked with the public condition, SQLite
        # without statistics would scan the status index, every published record, to find a few ids.
        for rec in (
            Record.objects.filter(pk__in=ids[start : start + 500])
            .order_by()
            .only("id", "status", "embargo_until", "title", "date_text", "date_edtf", "updated")
        ):
            if is_public(rec):
                found[rec.pk] = rec
    return found


def referenced_ids(doc: dict) -> list[str]:
    """The records a document refers to: its relations' targets and the records its texts and notes link to
    (what public_document() needs public_targets() of)."""
    from .texts import linked_record_ids

    ids = [r.get("target") for r in doc.get("relations") or [] if r.get("target")]
    for part in (*(doc.get("texts") or []), *(doc.get("notes") or [])):
        ids += linked_record_ids(part.get("html") or "")
    return list(dict.fromkeys(ids))


def public_text(markup: str) -> str:
    """Stored markup of a text served on its own: its links to records the public may not see reduced to their
    words (one query, only when it links to records)."""
    from .texts import linked_record_ids, unlink_records

    linked = linked_record_ids(markup)
    return unlink_records(markup, public_targets(linked)) if linked else markup


def public_document(doc: dict, public_ids: set[str] | dict) -> dict:
    """A record document as the public may have it (a public export, harvested metadata): its relations to
    records outside `public_ids` (public_targets() of referenced_ids()) left out, and its texts' and notes'
    links to them reduced to their words. The document itself is not changed."""
    from .texts import unlink_records

    out = doc
    relations = doc.get("relations") or []
    kept = [r for r in relations if r.get("target") in public_ids]
    if len(kept) != len(relations):
        out = {**out, "relations": kept}
    for field in ("texts", "notes"):
        parts = doc.get(field) or []
        unlinked = [
            {**p, "html": unlink_records(p["html"], public_ids)} if isinstance(p.get("html"), str) else p
            for p in parts
        ]
        if any(a.get("html") != b.get("html") for a, b in zip(parts, unlinked, strict=True)):
            out = {**out, field: unlinked}
    return out
