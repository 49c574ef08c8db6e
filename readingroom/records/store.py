"""The one write path: every change to a record or an authority goes through `Store`.

A change is one unit of work: validate -> canonical document and hash -> the columns and link rows derived from
it -> an IndexOutbox row, all in one database transaction; then, once it has committed, the index (the archive
wires `on_commit` to its indexer). Imports use the same `RecordWriter` in batches and index alongside their
transaction (ingest/run.py). Nothing else writes the records, links, relations, media, redirect or outbox
tables: the admin edits through this module, and a test drives every route and checks the archive after each.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from . import audit, visibility
from .errors import Conflict, EditConflict, NotFound
from .models import (
    Authority,
    AuthorityRedirect,
    DeletedRecord,
    IndexOutbox,
    MediaFile,
    Record,
    RecordLink,
    RecordRelation,
    Redirect,
    Revision,
)
from .schema import (
    STATUSES,
    TIMESTAMP_FIELDS,
    RecordError,
    canonical_bytes,
    clean_name,
    content_hash,
    from_canonical_json,
    normalize_record,
)
from .vocabulary import PUBLISHED, WITHDRAWN

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


@dataclass
class SaveResult:
    record_id: str
    action: str  # created, updated, unchanged
    revision: int | None = None  # the record's revision number after the save (None when unchanged)


@dataclass(frozen=True)
class Change:
    """Who changes records and why: every record a write changes gets a revision (models.Revision) saying so.

    `action` names the revision (REVISION_ACTIONS); None lets the writer say "created" or "updated". `actor`
    is a user, or None for the system (imports, publish-due). `reason` is kept on a record it withdraws."""

    action: str | None = None
    actor: Any = None
    note: str = ""
    reason: str = ""

    @property
    def actor_id(self) -> int | None:
        return (
            self.actor.pk
            if self.actor is not None and getattr(self.actor, "is_authenticated", False)
            else None
        )

    @property
    def actor_name(self) -> str:
        return self.actor.get_username()[:150] if self.actor_id is not None else ""


REVISION_ACTIONS = (
    "created",
    "updated",
    "imported",
    "status",
    "reverted",
    "merged",
    "deleted",
    "published-due",
)
"""What a revision records (models.Revision.action); records/revisions.py reads them."""

IMPORTED = Change("imported")


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
class Prepared:
    """A validated record, ready for the store: its canonical document, that document as the JSON text the
    store keeps (timestamps left out), and the text's hash. Preparing needs no database, so a parsing process
    can do it while the importing process writes."""

    doc: dict
    text: str
    digest: str
    plain: str | None = (
        None  # the searchable plain text, when the parsing process computed it for the indexer
    )
    # True when `doc` lacks its texts' and notes' HTML (a record sent from a parsing process): everything the
    # writer and the indexer read is there, and full_doc() has the rest, from `text`.
    light: bool = False

    def full_doc(self) -> dict:
        if not self.light:
            return self.doc
        doc = from_canonical_json(self.text)
        doc.update((k, self.doc[k]) for k in TIMESTAMP_FIELDS if k in self.doc)
        return doc

    def __reduce__(self):
        # Sent from a parsing process without the HTML, which `text` holds already: pickling and unpickling the
        # whole document cost the writer more than parsing it (measured: 90 microseconds a 10 KB record).
        return (Prepared, (_without_html(self.doc), self.text, self.digest, self.plain, True))


def _without_html(doc: dict) -> dict:
    light = dict(doc)
    light["texts"] = [{**t, "html": ""} for t in doc["texts"]]
    light["notes"] = [{**n, "html": ""} for n in doc["notes"]]
    return light


@dataclass
class RecordWriter:
    """Writes records and authorities, caching authority ids across one import (thousands of records share
    the same few hundred persons and subjects)."""

    status_override: str | None = None
    default_status: str = "published"
    change: Change = IMPORTED  # what each record written gets as its revision
    _authorities: dict[tuple[str, str], int] = field(default_factory=dict)
    _seen_requests: set[tuple] = field(default_factory=set)

    def forget_cache(self) -> None:
        """After a rollback the cached authority ids may name rows that no longer exist."""
        self._authorities.clear()
        self._seen_requests.clear()

    # -- authorities -------------------------------------------------------------------------------------------
    def authority(
        self,
        kind: str,
        key: str,
        name: str,
        *,
        parent_key: str | None = None,
        position: int | None = None,
        data: dict[str, Any] | None = None,
        replace: bool = False,
    ) -> int:
        """Create or update an authority and return its pk. Without `replace`, existing names and data are kept
        (an authority file imported earlier knows more than a record that mentions the person)."""
        name = clean_name(name)
        cache_key = (kind, key)
        asked = (kind, key, name, parent_key, position, repr(sorted(data.items())) if data else None, replace)
        if asked in self._seen_requests:
            return self._authorities[cache_key]
        if not replace and cache_key in self._authorities and parent_key is None and not data:
            return self._authorities[cache_key]
        parent_id = None
        if parent_key:
            parent_id = self._authorities.get((kind, parent_key))
            if parent_id is None:
                parent_id = self.authority(kind, parent_key, parent_key)
        obj = Authority.objects.filter(kind=kind, key=key).first()
        if obj is None:
            obj = Authority.objects.create(
                kind=kind, key=key, name=name, parent_id=parent_id, position=position or 0, data=data or {}
            )
        else:
            changed = renamed = False
            if replace and (obj.name != name or obj.data != (data or {})):
                renamed = obj.name != name
                obj.name, obj.data, changed = name, data or {}, True
            elif data:
                merged = {**data, **obj.data} if not replace else data
                if merged != obj.data:
                    obj.data, changed = merged, True
            if parent_id is not None and obj.parent_id != parent_id:
                refuse_cycle(obj, parent_id)
                obj.parent_id, changed, renamed = parent_id, True, True
            if position is not None and obj.position != position:
                obj.position, changed = position, True
            if changed:
                obj.save()
            if renamed:  # index documents carry authority names and collection paths
                enqueue_linked_records([obj.pk])
        self._authorities[cache_key] = obj.pk
        self._seen_requests.add(asked)
        return obj.pk

    def _ref_pk(self, ref: dict) -> int:
        extra = {k: v for k, v in ref.items() if k not in ("kind", "id", "name", "parent", "role")}
        return self.authority(
            ref["kind"], ref["id"], ref["name"], parent_key=ref.get("parent"), data=extra or None
        )

    # -- records -----------------------------------------------------------------------------------------------
    def save(self, raw: dict, *, now: dt.datetime | None = None) -> SaveResult:
        """Validate and upsert one record. Unchanged content writes nothing, not even timestamps."""
        result = self.save_many([raw], now=now)[0]
        if isinstance(result, RecordError):
            raise result
        return result

    def prepare(self, raw: dict) -> Prepared | RecordError:
        """Validate and canonicalize one record (no database access)."""
        if self.status_override:
            raw = {**raw, "status": self.status_override}
        try:
            doc = normalize_record(raw, default_status=self.default_status)
        except RecordError as e:
            return e
        data = canonical_bytes(doc)
        return Prepared(doc, data.decode(), content_hash(doc, data))

    def save_many(
        self, raws: Sequence[dict | Prepared | RecordError], *, now: dt.datetime | None = None
    ) -> list[SaveResult | RecordError]:
        """Validate and upsert records in one transaction; a record that fails validation is returned as its
        RecordError and the others are saved. Batching is what makes bulk imports fast: one query finds the
        existing records, and records, links and outbox rows are inserted in bulk. Items may be raw
        documents or the result of prepare() (done beforehand, e.g. in a parsing process)."""
        now = now or timezone.now()
        results: list[SaveResult | RecordError | None] = [None] * len(raws)
        prepared: list[tuple[int, Prepared]] = []
        batch_ids: set[str] = set()
        for i, raw in enumerate(raws):
            item = raw if isinstance(raw, Prepared | RecordError) else self.prepare(raw)
            if isinstance(item, RecordError):
                results[i] = item
                continue
            if item.doc["id"] in batch_ids:
                # The same id twice in one batch: save what came before, then this one on top of it.
                self._write_batch(prepared, results, now)
                prepared, batch_ids = [], set()
            batch_ids.add(item.doc["id"])
            prepared.append((i, item))
        self._write_batch(prepared, results, now)
        return results  # type: ignore[return-value]

    def _write_batch(self, prepared: list[tuple[int, Prepared]], results: list, now: dt.datetime) -> None:
        if not prepared:
            return
        existing = {
            r.pk: r
            for r in Record.objects.filter(pk__in=[p.doc["id"] for _, p in prepared]).only(
                "pk",
                "content_hash",
                "created",
                "first_published",
                "status",
                "revision",
                "withdrawn_reason",
                "withdrawn_at",
            )
        }
        creates: list[tuple[dict, dict, str]] = []  # (column values, document, JSON text)
        updates: list[tuple[dict, dict, str]] = []
        for i, p in prepared:
            rid = p.doc["id"]
            old = existing.get(rid)
            if old is not None and old.content_hash == p.digest:
                results[i] = SaveResult(rid, "unchanged")
                continue
            try:
                # A new record's document is inserted as `p.text`; an update saves the document itself.
                doc = dict(p.full_doc() if old else p.doc)
                columns = self._columns(doc, p.digest, old, now, self.change.reason)
            except RecordError as e:
                results[i] = e
                continue
            (updates if old else creates).append((columns, doc, p.text))
            results[i] = SaveResult(rid, "updated" if old else "created", columns["revision"])
        if not creates and not updates:
            return
        earlier: dict[str, int] = {}
        if creates:
            # An id may have lived before (deleted, or merged away): its history goes on from there.
            earlier = dict(
                Revision.objects.filter(record_id__in=[c["id"] for c, _, _ in creates])
                .values("record_id")
                .annotate(last=Max("number"))
                .values_list("record_id", "last")
            )
            if earlier:
                for columns, _, _ in creates:
                    columns["revision"] = earlier.get(columns["id"], 0) + 1
                for i, _ in prepared:
                    result = results[i]
                    if isinstance(result, SaveResult) and result.action == "created":
                        result.revision = earlier.get(result.record_id, 0) + 1
        with transaction.atomic():
            _insert_records([(columns, text) for columns, _, text in creates])
            if earlier:  # back again: no longer a deleted header in OAI-PMH
                DeletedRecord.objects.filter(pk__in=list(earlier)).delete()
            if updates:
                update_ids = [columns["id"] for columns, _, _ in updates]
                keep_documents(update_ids)
                for columns, _, _ in updates:
                    Record(**columns).save(force_update=True, update_fields=UPDATED_COLUMNS)
                RecordLink.objects.filter(record_id__in=update_ids).delete()
                RecordRelation.objects.filter(source_id__in=update_ids).delete()
                MediaFile.objects.filter(record_id__in=update_ids).delete()
            links: list[tuple] = []
            relations: list[tuple] = []
            media: list[tuple] = []
            for columns, doc, _ in creates + updates:
                rid = columns["id"]
                links.extend(self._links(rid, doc))
                relations.extend(
                    (rid, r["target"], r["type"], r["label"] or "", n) for n, r in enumerate(doc["relations"])
                )
                media.extend(
                    (rid, m["path"], m["sha256"] or "", m["mime_type"] or "", m["size"])
                    for m in doc["media"]
                    if m["path"]
                )
            # Plain executemany: the ORM's bulk_create costs more than the database for these narrow rows.
            _insert(RecordLink, ("record_id", "authority_id", "role", "position"), links)
            _insert(RecordRelation, ("source_id", "target_id", "type", "label", "position"), relations)
            _insert(MediaFile, ("record_id", "path", "sha256", "mime_type", "size"), media)
            _insert(IndexOutbox, ("record_id", "created"), [(c["id"], now) for c, _, _ in creates + updates])
            change = self.change
            _insert_revisions(
                [
                    (
                        c["id"],
                        c["revision"],
                        now,
                        change,
                        change.action or ("updated" if n >= len(creates) else "created"),
                        c["status"],
                    )
                    for n, (c, _, _) in enumerate(creates + updates)
                ]
            )

    @staticmethod
    def _columns(
        doc: dict, digest: str, old: Record | None, now: dt.datetime, reason: str = ""
    ) -> dict[str, Any]:
        """The Record row's values (RECORD_COLUMNS) for a canonical document; its timestamps are taken out of it."""
        rid = doc["id"]
        stamps = {ts: _parse_ts(doc.pop(ts, None), ts, rid) for ts in TIMESTAMP_FIELDS}
        embargo = dt.date.fromisoformat(doc["embargo_until"]) if doc["embargo_until"] else None
        first_published = stamps["first_published"] or (old.first_published if old else None)
        # First published when the public may first see it: an embargoed record, when its embargo ends
        # (publish-due); corrections are the revisions after that (records/revisions.py).
        if (
            first_published is None
            and doc["status"] == PUBLISHED
            and (embargo is None or embargo <= now.date())
        ):
            first_published = now
        if doc["status"] != WITHDRAWN:
            withdrawn_reason, withdrawn_at = "", None
        elif old is not None and old.status == WITHDRAWN:
            withdrawn_reason, withdrawn_at = reason or old.withdrawn_reason, old.withdrawn_at
        else:
            withdrawn_reason, withdrawn_at = reason, now
        return {
            "id": rid,
            "status": doc["status"],
            "embargo_until": embargo,
            "title": doc["title"],
            "summary": doc["summary"] or "",
            "date_text": doc["date_text"] or "",
            "date_edtf": doc["date"] or "",
            "date_earliest": doc["date_earliest"] or "",
            "date_latest": doc["date_latest"] or "",
            "date_precision": doc["date_precision"],
            "date_certainty": doc["date_certainty"],
            "document": doc,
            "content_hash": digest,
            "created": stamps["created"] or (old.created if old else now),
            "updated": stamps["updated"] or now,
            "first_published": first_published,
            "revision": old.revision + 1 if old else 1,
            "withdrawn_reason": withdrawn_reason,
            "withdrawn_at": withdrawn_at,
        }

    def _links(self, rid: str, doc: dict) -> list[tuple]:
        """(record_id, authority_id, role, position) rows for the record's authorities, in document order."""
        links: list[tuple] = []
        seen: set[tuple[int, str]] = set()

        def add(ref: dict, role: str) -> None:
            pk = self._ref_pk(ref)
            if (pk, role) not in seen:
                seen.add((pk, role))
                links.append((rid, pk, role, len(links)))

        for field_name, role in LINK_FIELDS:
            for ref in doc[field_name]:
                add(ref, ref.get("role") or role)
        for text in doc["texts"]:
            if text["translator"]:
                add(text["translator"], "translator")
        if doc["repository"]:
            add(doc["repository"], "repository")
        return links


def refuse_cycle(authority: Authority, parent_id: int | None) -> None:
    """An authority cannot be its own ancestor: pages and facets walk up the tree."""
    seen: set[int] = set()
    node = parent_id
    while node is not None and node not in seen:
        if node == authority.pk:
            raise RecordError(
                "parent",
                f"{authority.kind} {authority.key!r} cannot be placed under itself or under "
                f"one of its own descendants",
                authority.key,
            )
        seen.add(node)
        node = Authority.objects.filter(pk=node).values_list("parent_id", flat=True).first()


def descendant_ids(pks: list[int]) -> list[int]:
    """These authorities and every authority below them."""
    found, frontier = list(dict.fromkeys(pks)), list(pks)
    seen = set(found)
    while frontier:
        frontier = [
            pk
            for pk in Authority.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            if pk not in seen
        ]
        seen.update(frontier)
        found.extend(frontier)
    return found


def enqueue_linked_records(authority_pks: list[int]) -> int:
    """Outbox rows for every record linked to these authorities or to those below them (their index documents
    carry the names and collection paths). Returns how many records."""
    ids = list(
        RecordLink.objects.filter(authority_id__in=descendant_ids(authority_pks))
        .values_list("record_id", flat=True)
        .distinct()
    )
    now = timezone.now()
    _insert(IndexOutbox, ("record_id", "created"), [(rid, now) for rid in ids])
    return len(ids)


def _insert(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if not rows:
        return
    from django.db import connection

    qn = connection.ops.quote_name
    if model is IndexOutbox:
        adapt = _timestamp_adapter(connection.ops)
        rows = [(rid, adapt(ts)) for rid, ts in rows]
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


RECORD_COLUMNS = (
    "id",
    "status",
    "embargo_until",
    "title",
    "summary",
    "date_text",
    "date_edtf",
    "date_earliest",
    "date_latest",
    "date_precision",
    "date_certainty",
    "document",
    "content_hash",
    "created",
    "updated",
    "first_published",
    "revision",
    "withdrawn_reason",
    "withdrawn_at",
)
UPDATED_COLUMNS = RECORD_COLUMNS[1:]


def keep_documents(record_ids: list[str]) -> None:
    """Before these records change: their latest revision gets the document it is about to lose (until now
    the record's own). One statement in the database, so a writer never reads the old documents itself."""
    from django.db import connection

    qn = connection.ops.quote_name
    revision, record = qn(Revision._meta.db_table), qn(Record._meta.db_table)
    for i in range(0, len(record_ids), 900):
        chunk = record_ids[i : i + 900]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {revision} SET document = (SELECT r.document FROM {record} r WHERE r.id = "
                f"{revision}.record_id) WHERE record_id IN ({', '.join(['%s'] * len(chunk))}) AND number = "
                f"(SELECT r.revision FROM {record} r WHERE r.id = {revision}.record_id)",
                chunk,
            )


def _insert_revisions(rows: list[tuple[str, int, dt.datetime, Change, str, str]]) -> None:
    """Revision rows (record id, number, time, change, action, status after it), their documents left NULL:
    each is its record's latest, whose document is the record's own."""
    if not rows:
        return
    from django.db import connection

    ts = _timestamp_adapter(connection.ops)
    _insert(
        Revision,
        ("record_id", "number", "time", "actor_id", "actor_name", "note", "action", "status"),
        [
            (rid, number, ts(time), change.actor_id, change.actor_name, change.note, action, status)
            for rid, number, time, change, action, status in rows
        ],
    )


def _timestamp_adapter(ops) -> Any:
    """ops.adapt_datetimefield_value, once per distinct value: most timestamps of a batch are the same `now`."""
    adapted: dict[Any, Any] = {}

    def adapt(value: dt.datetime | None) -> Any:
        if value not in adapted:
            adapted[value] = ops.adapt_datetimefield_value(value)
        return adapted[value]

    return adapt


def _insert_records(rows: list[tuple[dict, str]]) -> None:
    """New records with executemany, the document column from the JSON text prepare() made (the ORM would
    serialize each document again, which costs as much as the insert for long texts)."""
    if not rows:
        return
    from django.db import connection

    ops, qn = connection.ops, connection.ops.quote_name
    ts = _timestamp_adapter(ops)
    date_value = ops.adapt_datefield_value
    values = [
        (
            c["id"],
            c["status"],
            date_value(c["embargo_until"]),
            c["title"],
            c["summary"],
            c["date_text"],
            c["date_edtf"],
            c["date_earliest"],
            c["date_latest"],
            c["date_precision"],
            c["date_certainty"],
            text,
            c["content_hash"],
            ts(c["created"]),
            ts(c["updated"]),
            ts(c["first_published"]),
            c["revision"],
            c["withdrawn_reason"],
            ts(c["withdrawn_at"]),
        )
        for c, text in rows
    ]
    placeholders = [
        "%s::jsonb" if c == "document" and connection.vendor == "postgresql" else "%s" for c in RECORD_COLUMNS
    ]
    sql = (
        f"INSERT INTO {qn(Record._meta.db_table)} ({', '.join(qn(c) for c in RECORD_COLUMNS)}) "
        f"VALUES ({', '.join(placeholders)})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


# -- the service every surface writes through -----------------------------------------------------------------

log = logging.getLogger(__name__)
UNCHANGED: Any = object()


class Store:
    """Every write of the archive: records (save, status and embargo, revert, delete, merge, publish-due) and
    authorities (save, edit, delete, merge). Each method is one unit of work, which also writes the records'
    revisions and one audit event (records/audit.py); `on_commit` runs after its transaction has committed
    (the archive's indexer applies the outbox then)."""

    def __init__(self, on_commit: Callable[[], object] | None = None):
        self.on_commit = on_commit

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[None]:
        """One transaction; the index follows once the outermost transaction has committed."""
        with transaction.atomic():
            yield
            if self.on_commit is not None:
                transaction.on_commit(self._after_commit)

    def _after_commit(self) -> None:
        try:
            self.on_commit()  # type: ignore[misc]
        except Exception as e:
            # The write stands; the outbox keeps the work, and catch-up or `check` will tell. An engine that is
            # away (search/backends/base.py's SearchUnavailable, named here: records may not import search) is
            # no bug: a warning without a traceback.
            if type(e).__name__ == "SearchUnavailable":
                log.warning("the search index will take this write when the engine answers: %s", e)
            else:
                log.exception("the search index could not be brought up to date after a write")

    def writer(self, *, status_override: str | None = None) -> RecordWriter:
        """A writer for bulk work (imports): batches inside the caller's transaction, which indexes them itself.
        Each record it changes gets an "imported" revision; log_import() notes the file in the audit log."""
        return RecordWriter(status_override=status_override)

    def stamp_at_commit(self, since: dt.datetime) -> int:
        """Re-stamp what this transaction wrote since `since` with the time now, just before it commits.

        OAI-PMH harvests by datestamp: a harvester asks `from` the time of its last harvest. A record written at
        the start of a long transaction (an import file of a minute) but committed at its end would carry a
        datestamp older than a harvest made in between, which could not see it yet: the next harvest, `from` then,
        would never list it. Stamped now, just before the commit, it is listed. Returns the rows re-stamped."""
        return Record.objects.filter(updated__gte=since).update(updated=timezone.now())

    def log_import(self, path: str, counts: dict[str, Any]) -> None:
        """One audit event for one imported file (not one per record), in the file's transaction."""
        audit.log_event("import", target=str(path), detail=counts)

    # -- records -------------------------------------------------------------------------------------------------
    def save(
        self, raw: dict, *, actor: Any = None, note: str = "", base_revision: int | None = None
    ) -> SaveResult:
        """Validate and store one record (created, updated, or unchanged when its content is the same).

        `base_revision`: the revision the editor started from; when the record is at another one now, nothing
        is written and EditConflict says so with both documents. A person (`actor`) changing a record that is
        or has been public says why in `note`: readers see it in the record's list of corrections."""
        return self._save_one(raw, Change(None, actor, note), base_revision)

    def _save_one(self, raw: dict, change: Change, base_revision: int | None) -> SaveResult:
        writer = RecordWriter(change=change)
        prepared = writer.prepare(raw)
        if isinstance(prepared, RecordError):
            raise prepared
        rid = prepared.doc["id"]
        with self.unit_of_work():
            current = (
                Record.objects.select_for_update()
                .filter(pk=rid)
                .only("pk", "status", "revision", "content_hash", "first_published", "document")
                .first()
            )
            current_revision = current.revision if current else 0
            if base_revision is not None and base_revision != current_revision:
                raise EditConflict(
                    rid,
                    base_revision,
                    current_revision,
                    mine=prepared.full_doc(),
                    theirs=normalize_record(current.document) if current else None,
                )
            if current is not None and current.content_hash == prepared.digest:
                return SaveResult(rid, "unchanged")
            _require_note(change, current, prepared.doc["status"])
            result = writer.save_many([prepared])[0]
            if isinstance(result, RecordError):
                raise result
            detail = {"revision": result.revision, "note": change.note}
            if change.action == "status":
                detail.update(status=prepared.doc["status"], reason=change.reason)
            # The stored document as it is: it was normalized when saved, and a field an older release stored
            # otherwise can only make the two differ, never hide a change.
            before = current.document if current is not None else None
            audit.log_event(
                _AUDIT_ACTION.get(change.action or result.action, "record.update"),
                actor=change.actor,
                target=rid,
                detail=detail,
                changes_lists=visibility.shown_elsewhere(before) != visibility.shown_elsewhere(prepared.doc),
            )
            return result

    def save_many(
        self, raws: list[dict], *, actor: Any = None, note: str = ""
    ) -> list[SaveResult | RecordError]:
        """Several records in one unit of work (a record that fails validation is returned as its error, the
        others are saved); each changed record gets a revision and an audit event."""
        change = Change(None, actor, note)
        with self.unit_of_work():
            writer = RecordWriter(change=change)
            prepared = [writer.prepare(raw) for raw in raws]
            if actor is not None and not note.strip():
                ids = [p.doc["id"] for p in prepared if isinstance(p, Prepared)]
                current = Record.objects.filter(pk__in=ids).only("pk", "status", "first_published")
                by_id = {r.pk: r for r in current}
                for p in prepared:
                    if isinstance(p, Prepared):
                        _require_note(change, by_id.get(p.doc["id"]), p.doc["status"])
            results = writer.save_many(prepared)
            for result in results:
                if isinstance(result, SaveResult) and result.action != "unchanged":
                    audit.log_event(
                        _AUDIT_ACTION[result.action],
                        actor=actor,
                        target=result.record_id,
                        detail={"revision": result.revision, "note": note},
                    )
            return results

    def document(self, record_id: str) -> dict:
        """A record's stored canonical document (any status), for editing."""
        doc = Record.objects.filter(pk=record_id).values_list("document", flat=True).first()
        if doc is None:
            raise NotFound(f"no record {record_id!r}")
        return normalize_record(doc)

    def set_status(
        self,
        record_id: str,
        status: str,
        *,
        embargo_until: dt.date | None = UNCHANGED,
        actor: Any = None,
        note: str = "",
        reason: str = "",
    ) -> SaveResult:
        """Change a record's status (and embargo date): the document says it, and the columns follow from it.
        Withdrawing needs a `reason`, kept with the time for the record's tombstone page."""
        if status not in STATUSES:
            raise RecordError(
                "status", f"{status!r} is not a status; use one of {', '.join(STATUSES)}", record_id
            )
        doc = self.document(record_id)
        reason = reason.strip()
        if status == WITHDRAWN and doc["status"] != WITHDRAWN and not reason:
            raise RecordError(
                "reason",
                "say why the record is withdrawn: the reason is shown on its tombstone page to readers who "
                "follow a link or a citation to it",
                record_id,
            )
        doc["status"] = status
        if embargo_until is not UNCHANGED:
            doc["embargo_until"] = embargo_until.isoformat() if embargo_until else None
        return self._save_one(doc, Change("status", actor, note.strip() or reason, reason), None)

    def revert(self, record_id: str, number: int, *, actor: Any, note: str) -> SaveResult:
        """A new revision whose document is revision `number`'s. The record keeps its present status and
        embargo: publishing and withdrawing are set_status's (and need their own permission)."""
        from .revisions import document_at

        if not note.strip():
            raise RecordError(
                "note", "say why the record is reverted: the note is kept with the revision", record_id
            )
        current = self.document(record_id)
        old = document_at(record_id, number)
        old.update(status=current["status"], embargo_until=current["embargo_until"])
        result = self._save_one(old, Change("reverted", actor, note.strip()), None)
        if result.action == "unchanged":
            raise RecordError(
                "revision", f"the record is as revision {number} already: nothing to revert", record_id
            )
        return result

    def delete(self, record_id: str, *, actor: Any = None, note: str = "") -> None:
        """Remove a record for good (withdrawing keeps it, with a tombstone: prefer set_status 'withdrawn').
        Its revisions stay, the last one "deleted"."""
        with self.unit_of_work():
            _end_revisions([record_id], Change("deleted", actor, note))
            deleted, _ = Record.objects.filter(pk=record_id).delete()
            if not deleted:
                raise NotFound(f"no record {record_id!r}")
            _insert(IndexOutbox, ("record_id", "created"), [(record_id, timezone.now())])
            audit.log_event("record.delete", actor=actor, target=record_id, detail={"note": note})

    def merge(self, old_id: str, new_id: str, *, actor: Any = None) -> None:
        """Fold a duplicate into the record that stays: the old id redirects to the new one for good, records
        that pointed at the old id point at the new one (their documents say so), and the old record goes."""
        if old_id == new_id:
            raise RecordError("id", "a record cannot be merged into itself", old_id)
        if not Record.objects.filter(pk=new_id).exists():
            raise NotFound(f"no record {new_id!r} to merge into")
        if not Record.objects.filter(pk=old_id).exists():
            raise NotFound(f"no record {old_id!r} to merge")
        change = Change("merged", actor, f"{old_id} was merged into {new_id}")
        with self.unit_of_work():
            sources = (
                Record.objects.filter(relations__target_id=old_id)
                .exclude(pk=old_id)
                .distinct()
                .values_list("document", flat=True)
            )
            docs = [_retarget(normalize_record(doc), old_id, new_id) for doc in sources]
            rewritten = RecordWriter(change=change).save_many(docs)
            for result in rewritten:
                if isinstance(result, RecordError):
                    raise result
            Redirect.objects.update_or_create(old_id=old_id, defaults={"new_id": new_id})
            Redirect.objects.filter(new_id=old_id).update(new_id=new_id)  # no chains of redirects
            _end_revisions([old_id], change)
            Record.objects.filter(pk=old_id).delete()
            now = timezone.now()
            _insert(IndexOutbox, ("record_id", "created"), [(old_id, now), (new_id, now)])
            audit.log_event(
                "record.merge",
                actor=actor,
                target=old_id,
                detail={
                    "into": new_id,
                    "rewritten": [r.record_id for r in rewritten if isinstance(r, SaveResult)],
                },
            )

    def publish_due(self, *, today: dt.date | None = None) -> list[str]:
        """Make public the published records whose embargo date has come: each gets a "published-due"
        revision (its embargo date cleared: the history keeps it), the index takes them once this commits,
        and the audit log one event. Returns their ids. Safe to run again: a second run finds nothing."""
        today = today or timezone.localdate()
        with self.unit_of_work():
            due = list(
                Record.objects.select_for_update()
                .filter(status=PUBLISHED, embargo_until__lte=today)
                .order_by("pk")
                .values_list("pk", "embargo_until", "document")
            )
            done: list[str] = []
            for rid, until, document in due:
                doc = {**normalize_record(document), "embargo_until": None}
                change = Change("published-due", note=f"embargo until {until} ended")
                result = RecordWriter(change=change).save_many([doc])[0]
                if isinstance(result, RecordError):
                    raise result
                done.append(rid)
            if done:
                audit.log_event("publish-due", detail={"count": len(done), "records": done[:1000]})
        return done

    # -- authorities ---------------------------------------------------------------------------------------------
    def save_authority(
        self,
        kind: str,
        key: str,
        name: str,
        *,
        parent_key: str | None = None,
        position: int | None = None,
        data: dict[str, Any] | None = None,
        actor: Any = None,
    ) -> Authority:
        """Create an authority, or replace its name and data (the caller is its source)."""
        with self.unit_of_work():
            existed = Authority.objects.filter(kind=kind, key=key).exists()
            pk = RecordWriter().authority(
                kind, key, name, parent_key=parent_key, position=position, data=data, replace=True
            )
            audit.log_event(
                "authority.update" if existed else "authority.create",
                actor=actor,
                target=f"{kind}/{key}",
                detail={"name": name},
            )
            return Authority.objects.get(pk=pk)

    def edit_authority(
        self,
        authority: Authority,
        *,
        name: str,
        parent: Authority | None,
        position: int,
        data: dict[str, Any],
        actor: Any = None,
    ) -> Authority:
        """Change what an editor may change of an authority (its kind and key are what records cite: fixed)."""
        if parent is not None and parent.kind != authority.kind:
            raise RecordError(
                "parent",
                f"a {authority.kind} can only be placed under another {authority.kind}",
                authority.key,
            )
        with self.unit_of_work():
            current = Authority.objects.select_for_update().get(pk=authority.pk)
            parent_id = parent.pk if parent else None
            if parent_id != current.parent_id:
                refuse_cycle(current, parent_id)
            name = clean_name(name)
            reindex = current.name != name or current.parent_id != parent_id
            current.name, current.parent_id, current.position, current.data = name, parent_id, position, data
            current.save()
            if reindex:
                enqueue_linked_records([current.pk])
            audit.log_event(
                "authority.update", actor=actor, target=f"{current.kind}/{current.key}", detail={"name": name}
            )
            return current

    def delete_authority(self, authority: Authority, *, actor: Any = None) -> None:
        """Remove an authority no record cites; the ones below it move up to its parent."""
        used = RecordLink.objects.filter(authority_id=authority.pk).values("record_id").distinct().count()
        if used:
            raise Conflict(
                f"{authority.kind} {authority.key!r} is cited by {used} records: edit those records, "
                f"or merge the authority into another, before deleting it"
            )
        with self.unit_of_work():
            children = list(Authority.objects.filter(parent_id=authority.pk).values_list("pk", flat=True))
            enqueue_linked_records(children)
            Authority.objects.filter(parent_id=authority.pk).update(parent_id=authority.parent_id)
            Authority.objects.filter(pk=authority.pk).delete()
            audit.log_event(
                "authority.delete", actor=actor, target=f"{authority.kind}/{authority.key}", detail={}
            )

    def merge_authorities(self, old: Authority, into: Authority, *, actor: Any = None) -> list[str]:
        """Fold a duplicate authority into the one that stays: every record citing `old` cites `into` instead
        (its document rewritten, a "merged" revision each), the authorities below `old` move under `into`,
        `old` goes, and its page (and any page that redirected to it) redirects to `into`'s for good.
        Returns the ids of the records rewritten (those citing `old` or an authority under it)."""
        if old.kind != into.kind:
            raise RecordError(
                "kind",
                f"a {old.kind} can only be merged into another {old.kind}, not into a {into.kind}",
                old.key,
            )
        if old.pk == into.pk:
            raise RecordError("key", "an authority cannot be merged into itself", old.key)
        change = Change(
            "merged", actor, f"{old.kind} {old.name!r} ({old.key}) was merged into {into.name!r} ({into.key})"
        )
        with self.unit_of_work():
            old = Authority.objects.select_for_update().get(pk=old.pk)
            into = Authority.objects.select_for_update().get(pk=into.pk)
            if into.pk in descendant_ids([old.pk]):
                # `into` is below `old`: lift it to old's place first, so that no authority becomes its own ancestor
                Authority.objects.filter(pk=into.pk).update(parent_id=old.parent_id)
            # Records citing `old`, and those citing an authority under it (their documents name it as parent).
            children = list(Authority.objects.filter(parent_id=old.pk).values_list("pk", flat=True))
            ids = list(
                RecordLink.objects.filter(authority_id__in=[old.pk, *children])
                .values_list("record_id", flat=True)
                .distinct()
            )
            docs = Record.objects.filter(pk__in=ids).order_by("pk").values_list("document", flat=True)
            rewritten = [_recite(normalize_record(doc), old, into) for doc in docs]
            writer = RecordWriter(change=change)
            writer._authorities[(into.kind, into.key)] = into.pk  # no new authority is made for `into`
            for result in writer.save_many(rewritten):
                if isinstance(result, RecordError):
                    raise result
            Authority.objects.filter(parent_id=old.pk).update(parent_id=into.pk)
            enqueue_linked_records([into.pk])
            AuthorityRedirect.objects.filter(authority_id=old.pk).update(authority_id=into.pk)
            AuthorityRedirect.objects.update_or_create(
                kind=old.kind, old_key=old.key, defaults={"authority_id": into.pk}
            )
            AuthorityRedirect.objects.filter(kind=into.kind, old_key=into.key).delete()  # it lives again
            Authority.objects.filter(pk=old.pk).delete()
            audit.log_event(
                "authority.merge",
                actor=actor,
                target=f"{old.kind}/{old.key}",
                detail={"into": into.key, "records": len(ids)},
            )
        return ids

    def set_authority_parents(self, parents: dict[int, tuple[int, dict[str, Any]]]) -> int:
        """Place authorities under others (pk -> (parent pk, new data)), e.g. FRUS persons under the person
        authority file's entries. Returns how many changed."""
        with self.unit_of_work():
            for pk, (parent_id, data) in parents.items():
                authority = Authority.objects.get(pk=pk)
                refuse_cycle(authority, parent_id)
                Authority.objects.filter(pk=pk).update(parent_id=parent_id, data=data)
            enqueue_linked_records(list(parents))
            if parents:
                audit.log_event("authority.update", detail={"placed under a parent": len(parents)})
        return len(parents)


_AUDIT_ACTION = {
    "created": "record.create",
    "updated": "record.update",
    "status": "record.status",
    "reverted": "record.revert",
    "merged": "record.merge",
}

NOTE_REQUIRED = (
    "say why you change this record: it is public (or was), and the note is shown to readers as a correction "
    "in the record's list of corrections"
)


def _require_note(change: Change, current: Record | None, new_status: str) -> None:
    """A person changing a record that is published, or that was published and is published again, says why
    (a first publication is no correction and needs no note)."""
    if change.actor is None or change.note.strip():
        return
    if current is not None and (
        current.status == PUBLISHED or (new_status == PUBLISHED and current.first_published is not None)
    ):
        raise RecordError("note", NOTE_REQUIRED, current.pk)


def _end_revisions(record_ids: list[str], change: Change) -> None:
    """The last revisions of records about to be deleted or merged away: each keeps the record's last
    document in the revision before it, and says who removed it and why (its own document is NULL). Those that
    were public once are remembered as deleted, for harvesters (DeletedRecord)."""
    records = list(Record.objects.filter(pk__in=record_ids).values_list("pk", "revision", "first_published"))
    keep_documents([rid for rid, _, _ in records])
    now = timezone.now()
    _insert_revisions(
        [(rid, number + 1, now, change, change.action or "deleted", "") for rid, number, _ in records]
    )
    once_public = [rid for rid, _, first_published in records if first_published is not None]
    if once_public:
        keys: dict[str, list[str]] = {rid: [] for rid in once_public}
        for rid, key in RecordLink.objects.filter(
            record_id__in=once_public, role="collection", authority__kind="collection"
        ).values_list("record_id", "authority__key"):
            keys[rid].append(key)
        for rid in once_public:
            DeletedRecord.objects.update_or_create(
                record_id=rid,
                defaults={"deleted": now, "collections": "".join(f"|{k}" for k in sorted(keys[rid])) + "|"},
            )


def _recite(doc: dict, old: Authority, into: Authority) -> dict:
    """The document with its references to `old` pointing at `into` (each keeps its role), once each."""

    def swap(ref: dict | None) -> dict | None:
        if not ref or ref.get("kind") != old.kind:
            return ref
        if ref.get("id") != old.key:
            return {**ref, "parent": into.key} if ref.get("parent") == old.key else ref
        new = {**ref, "id": into.key, "name": into.name}
        new.pop("parent", None)  # `into` stays where it is in its hierarchy
        if into.parent_id is not None:
            new["parent"] = Authority.objects.filter(pk=into.parent_id).values_list("key", flat=True).first()
        return new

    def swap_all(refs: list[dict]) -> list[dict]:
        out: list[dict] = []
        for ref in refs:
            new = swap(ref)
            if new not in out:
                out.append(new)  # type: ignore[arg-type]
        return out

    doc = {**doc}
    for field_name, _role in LINK_FIELDS:
        doc[field_name] = swap_all(doc[field_name])
    doc["texts"] = [{**t, "translator": swap(t["translator"])} for t in doc["texts"]]
    doc["repository"] = swap(doc["repository"])
    return doc


def _retarget(doc: dict, old_id: str, new_id: str) -> dict:
    relations = []
    for relation in doc["relations"]:
        if relation["target"] == old_id:
            relation = {**relation, "target": new_id}
        if relation["target"] != doc["id"] and relation not in relations:
            relations.append(relation)
    return {**doc, "relations": relations}
