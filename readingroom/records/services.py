"""Record services: reading as the public sees it (records, authorities, media). Writing is in store.py."""

from __future__ import annotations

from pathlib import Path

from .errors import AuthorityMoved, Moved, NotFound, Withdrawn
from .models import Authority, AuthorityRedirect, MediaFile, Record, RecordLink, Redirect
from .schema import normalize_record
from .store import format_ts
from .visibility import authority_is_public, public_authorities_q, public_q

__all__ = [
    "Moved",
    "NotFound",
    "authorities_with_counts",
    "authority_records",
    "export_document",
    "get_authority",
    "get_public_record",
    "public_media_file",
    "record_links",
]


def export_document(record: Record) -> dict:
    """The canonical document with the store's timestamps: one line of `export --format jsonl`.

    Normalized again on the way out because PostgreSQL's jsonb does not keep key order: the canonical order is
    what makes exports identical whichever store wrote them (normalizing a stored document changes nothing else).
    """
    doc = normalize_record(record.document)
    doc["created"] = format_ts(record.created)
    doc["updated"] = format_ts(record.updated)
    doc["first_published"] = format_ts(record.first_published)
    return doc


# -- reading, as the public sees it -------------------------------------------------------------------------------


def get_public_record(record_id: str, defer: tuple[str, ...] = ()) -> Record:
    """A published record, or NotFound. A merged record's old id raises Moved with the new id; a withdrawn
    record that was public raises Withdrawn (a NotFound carrying it, for its tombstone page). `defer`: fields
    read only when used (the record page kept by web/pagecache.py needs no document)."""
    record = Record.objects.public().filter(pk=record_id).defer(*defer).first()
    if record is None:
        withdrawn = Record.objects.tombstones().filter(pk=record_id).first()
        if withdrawn is not None:
            raise Withdrawn(withdrawn)
        redirect = Redirect.objects.filter(pk=record_id).first()
        if redirect and Record.objects.public().filter(pk=redirect.new_id).exists():
            raise Moved(redirect.new_id)
        raise NotFound(f"no published record {record_id!r}")
    return record


def record_links(record: Record) -> dict[str, list[Authority]]:
    """The record's authorities grouped by role, in document order."""
    groups: dict[str, list[Authority]] = {}
    for link in record.links.select_related("authority").order_by("position"):
        groups.setdefault(link.role, []).append(link.authority)
    return groups


def get_authority(kind: str, key: str) -> Authority:
    """A public authority (visibility.authority_is_public), or NotFound: one that no public record carries is
    answered exactly as one that does not exist."""
    obj = Authority.objects.filter(kind=kind, key=key).select_related("parent").first()
    if obj is None:
        redirect = (
            AuthorityRedirect.objects.filter(kind=kind, old_key=key).select_related("authority").first()
        )
        # Merged into another (Store.merge_authorities): redirect only to a public one, whose key may be told.
        if redirect is not None and authority_is_public(redirect.authority):
            raise AuthorityMoved(redirect.authority.kind, redirect.authority.key)
    if obj is None or not authority_is_public(obj):
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


def authorities_with_counts(kind: str, *, children_of: Authority | None = None):
    """The public authorities of a kind (visibility.public_authorities_q: carried by a public record, or above
    one that is), each with `public_count`, the number of public records linked to it directly (0 for a node
    whose records are all below it). `children_of`: only the public children of that authority."""
    from django.db.models import Count

    if children_of is not None:
        found = Authority.objects.filter(
            public_authorities_q(kind=kind, under=children_of.pk), kind=kind, parent=children_of
        )
    else:
        found = Authority.objects.filter(public_authorities_q(kind=kind), kind=kind)
    return found.annotate(
        public_count=Count("links__record", filter=public_q("links__record__"), distinct=True)
    ).order_by("position", "name")


def public_media_file(path: str) -> tuple[MediaFile, Path]:
    """A media file of a public record, with its location on disk; NotFound otherwise (also for paths that try
    to leave the media folder)."""
    from django.conf import settings

    root = Path(settings.MEDIA_ROOT).resolve()
    location = (root / path).resolve()
    if not location.is_relative_to(root) or not location.is_file():
        raise NotFound(f"no file {path!r}")
    media = MediaFile.objects.filter(path=path, record__in=Record.objects.public()).first()
    if media is None:
        raise NotFound(f"no file {path!r}")
    return media, location
