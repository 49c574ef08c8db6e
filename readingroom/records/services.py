"""Record services: the work behind every surface (web, API, importers, CLI), usable without HTTP."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import Authority, IndexOutbox, Record, RecordLink, RecordRelation, Redirect
from .schema import TIMESTAMP_FIELDS, RecordError, content_hash, normalize_record, slugify

# Which record fields link to authorities, and the role each link gets.
LINK_FIELDS = (
    ("creators", "creator"),
    ("recipients", "recipient"),
    ("contributors", "contributor"),
    ("persons", "person"),
    ("places", "place"),
    ("subjects", "subject"),
    ("collections", "collection"),
    ("funders", "funder"),
)


class NotFound(LookupError):
    """No public record or authority by that id."""


@dataclass
class SaveResult:
    record_id: str
    action: str  # created, updated, unchanged


def _parse_ts(value: str | None, field_name: str, rid: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        ts = dt.datetime.fromisoformat(value)
    except ValueError:
        raise RecordError(field_name, f"{value!r} is not an ISO 8601 timestamp", rid) from None
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=dt.UTC)
    return ts


def format_ts(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


@dataclass
class RecordWriter:
    """Writes records and authorities, caching authority ids across one import (thousands of records share
    the same few hundred persons and subjects)."""

    status_override: str | None = None
    default_status: str = "published"
    _authorities: dict[tuple[str, str], int] = field(default_factory=dict)

    def forget_cache(self) -> None:
        """After a rollback the cached authority ids may name rows that no longer exist."""
        self._authorities.clear()

    # -- authorities -------------------------------------------------------------------------------------------
    def authority(self, kind: str, key: str, name: str, *, parent_key: str | None = None, position: int | None = None,
                  data: dict[str, Any] | None = None, replace: bool = False) -> int:
        """Create or update an authority and return its pk. Without `replace`, existing names and data are kept
        (an authority file imported earlier knows more than a record that mentions the person)."""
        cache_key = (kind, key)
        if not replace and cache_key in self._authorities and parent_key is None and not data:
            return self._authorities[cache_key]
        parent_id = None
        if parent_key:
            parent_id = self._authorities.get((kind, parent_key))
            if parent_id is None:
                parent_id = self.authority(kind, parent_key, parent_key)
        obj = Authority.objects.filter(kind=kind, key=key).first()
        if obj is None:
            obj = Authority.objects.create(kind=kind, key=key, name=name, parent_id=parent_id,
                                           position=position or 0, data=data or {})
        else:
            changed = False
            if replace and (obj.name != name or obj.data != (data or {})):
                obj.name, obj.data, changed = name, data or {}, True
            elif data:
                merged = {**data, **obj.data} if not replace else data
                if merged != obj.data:
                    obj.data, changed = merged, True
            if parent_id is not None and obj.parent_id != parent_id:
                obj.parent_id, changed = parent_id, True
            if position is not None and obj.position != position:
                obj.position, changed = position, True
            if changed:
                obj.save()
        self._authorities[cache_key] = obj.pk
        return obj.pk

    def _ref_pk(self, ref: dict) -> int:
        extra = {k: v for k, v in ref.items() if k not in ("kind", "id", "name", "parent", "role")}
        return self.authority(ref["kind"], ref["id"], ref["name"], parent_key=ref.get("parent"), data=extra or None)

    # -- records -----------------------------------------------------------------------------------------------
    def save(self, raw: dict, *, now: dt.datetime | None = None) -> SaveResult:
        """Validate and upsert one record. Unchanged content writes nothing, not even timestamps."""
        if self.status_override:
            raw = {**raw, "status": self.status_override}
        doc = normalize_record(raw, default_status=self.default_status)
        rid = doc["id"]
        digest = content_hash(doc)
        existing = Record.objects.filter(pk=rid).only("pk", "content_hash", "created", "first_published").first()
        if existing is not None and existing.content_hash == digest:
            return SaveResult(rid, "unchanged")
        now = now or timezone.now()
        stamps = {ts: _parse_ts(doc.pop(ts, None), ts, rid) for ts in TIMESTAMP_FIELDS}
        embargo = dt.date.fromisoformat(doc["embargo_until"]) if doc["embargo_until"] else None
        first_published = stamps["first_published"] or (existing.first_published if existing else None)
        if first_published is None and doc["status"] == "published":
            first_published = now
        values = dict(
            status=doc["status"], embargo_until=embargo, title=doc["title"], summary=doc["summary"] or "",
            date_text=doc["date_text"] or "", date_edtf=doc["date"] or "", date_earliest=doc["date_earliest"] or "",
            date_latest=doc["date_latest"] or "", date_precision=doc["date_precision"],
            date_certainty=doc["date_certainty"], document=doc, content_hash=digest,
            created=stamps["created"] or (existing.created if existing else now),
            updated=stamps["updated"] or now, first_published=first_published,
        )
        with transaction.atomic():
            if existing is None:
                record = Record.objects.create(id=rid, **values)
                action = "created"
            else:
                Record.objects.filter(pk=rid).update(**values)
                record = Record(id=rid, **values)
                RecordLink.objects.filter(record_id=rid).delete()
                RecordRelation.objects.filter(source_id=rid).delete()
                action = "updated"
            self._write_links(record, doc)
            IndexOutbox.objects.create(record_id=rid)
        return SaveResult(rid, action)

    def _write_links(self, record: Record, doc: dict) -> None:
        links, position = [], 0
        seen: set[tuple[int, str]] = set()

        def add(ref: dict, role: str) -> None:
            nonlocal position
            pk = self._ref_pk(ref)
            if (pk, role) not in seen:
                seen.add((pk, role))
                links.append(RecordLink(record_id=record.pk, authority_id=pk, role=role, position=position))
                position += 1

        for field_name, role in LINK_FIELDS:
            for ref in doc[field_name]:
                add(ref, ref.get("role") or role)
        for text in doc["texts"]:
            if text["translator"]:
                add(text["translator"], "translator")
        if doc["repository"]:
            add(doc["repository"], "repository")
        RecordLink.objects.bulk_create(links)
        RecordRelation.objects.bulk_create(
            RecordRelation(source_id=record.pk, target_id=r["target"], type=r["type"], label=r["label"] or "",
                           position=i)
            for i, r in enumerate(doc["relations"])
        )


def save_record(raw: dict, **kwargs: Any) -> SaveResult:
    return RecordWriter(**kwargs).save(raw)


def export_document(record: Record) -> dict:
    """The canonical document with the store's timestamps: one line of `export --format jsonl`."""
    doc = dict(record.document)
    doc["created"] = format_ts(record.created)
    doc["updated"] = format_ts(record.updated)
    doc["first_published"] = format_ts(record.first_published)
    return doc


# -- reading, as the public sees it -------------------------------------------------------------------------------

def get_public_record(record_id: str) -> Record:
    """A published record, or NotFound. A merged record's old id raises Moved with the new id."""
    record = Record.objects.public().filter(pk=record_id).first()
    if record is None:
        redirect = Redirect.objects.filter(pk=record_id).first()
        if redirect and Record.objects.public().filter(pk=redirect.new_id).exists():
            raise Moved(redirect.new_id)
        raise NotFound(f"no published record {record_id!r}")
    return record


class Moved(Exception):
    def __init__(self, new_id: str):
        self.new_id = new_id
        super().__init__(new_id)


def record_links(record: Record) -> dict[str, list[Authority]]:
    """The record's authorities grouped by role, in document order."""
    groups: dict[str, list[Authority]] = {}
    for link in record.links.select_related("authority").order_by("position"):
        groups.setdefault(link.role, []).append(link.authority)
    return groups


def authority_key_for(name: str) -> str:
    return slugify(name)


def get_authority(kind: str, key: str) -> Authority:
    obj = Authority.objects.filter(kind=kind, key=key).select_related("parent").first()
    if obj is None:
        raise NotFound(f"no {kind} {key!r}")
    return obj


def authority_records(authority: Authority, *, include_descendants: bool = True):
    """Published records linked to an authority (and, for hierarchies, to the authorities below it)."""
    ids = [authority.pk]
    if include_descendants:
        frontier = [authority.pk]
        while frontier:
            frontier = list(Authority.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            ids.extend(frontier)
    record_ids = RecordLink.objects.filter(authority_id__in=ids).values("record_id")
    return Record.objects.public().filter(pk__in=record_ids).order_by("date_earliest", "id")


def authorities_with_counts(kind: str):
    """Authorities of a kind with the number of published records each is linked to (directly)."""
    from django.db.models import Count, Q

    from .visibility import public_q

    return (Authority.objects.filter(kind=kind)
            .annotate(public_count=Count("links__record", filter=public_q("links__record__"), distinct=True))
            .filter(Q(public_count__gt=0) | Q(kind__in=("collection", "subject", "place")))
            .order_by("position", "name"))
