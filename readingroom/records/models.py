"""The store: records, the authorities they point to, and the links between them.

`Record.document` holds the canonical record (see schema.py) and is the source of truth for export. The other
columns and the link tables are derived from it on save, for queries, facets and authority pages.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from .visibility import RecordQuerySet
from .vocabulary import AUTHORITY_KINDS, ID_MAX_LENGTH


class Authority(models.Model):
    """A person, organization, place, subject, collection, repository or funder. Hierarchical via `parent`."""

    KINDS = [(k, k) for k in AUTHORITY_KINDS]

    kind = models.CharField(max_length=20, choices=KINDS)
    key = models.CharField(max_length=250)
    name = models.CharField(max_length=1000)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    position = models.IntegerField(default=0)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="authority_kind_key")]
        ordering = ["kind", "position", "name"]
        verbose_name_plural = "authorities"

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    def get_absolute_url(self) -> str:
        return reverse("authority", kwargs={"kind": self.kind, "key": self.key})


class Record(models.Model):
    id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH)
    status = models.CharField(max_length=20, db_index=True)
    embargo_until = models.DateField(null=True, blank=True, db_index=True)
    title = models.TextField()
    summary = models.TextField(blank=True, default="")
    date_text = models.CharField(max_length=500, blank=True, default="")
    date_edtf = models.CharField(max_length=100, blank=True, default="")
    date_earliest = models.CharField(max_length=40, blank=True, default="", db_index=True)
    date_latest = models.CharField(max_length=40, blank=True, default="")
    date_precision = models.CharField(max_length=20, default="undated")
    date_certainty = models.CharField(max_length=20, default="stated")
    document = models.JSONField()
    content_hash = models.CharField(max_length=64)
    created = models.DateTimeField()
    updated = models.DateTimeField()
    first_published = models.DateTimeField(null=True, blank=True)
    # The number of the record's latest revision (models.Revision); an editor's save names the one it started
    # from, and the store refuses it when another save came between (records.errors.EditConflict).
    revision = models.IntegerField(default=0)
    # Why and when the record was withdrawn: its tombstone page says so (docs/revisions.md).
    withdrawn_reason = models.TextField(blank=True, default="")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        ordering = ["date_earliest", "id"]
        # OAI-PMH harvests in (updated, id) order from a cursor: a range scan of this index, as cheap deep in the
        # list as at its start (records/harvest.py).
        indexes = [
            models.Index(fields=["updated", "id"], name="record_updated_id"),
            # The public records by date, read from the index alone: a year's count and list, the nearest years
            # with documents, the public count, the years' counts (each a pass over the table's rows otherwise,
            # whose long documents make it 200 MB at 100,000 records: 200 ms a query, 10 ms with this).
            models.Index(
                fields=["status", "date_earliest", "date_latest", "embargo_until"], name="record_public_dates"
            ),
            # The latest published, newest first (the home page's), without sorting every public record.
            models.Index(fields=["status", "first_published"], name="record_status_published"),
        ]
        # The editorial roles (contributor, editor, administrator) are groups holding these and Django's own
        # add/change/delete permissions; a contributor may edit drafts, an editor may also publish.
        permissions = [
            ("publish_record", "Can publish, withdraw and embargo records"),
            ("view_unpublished", "Can see drafts, records in review, embargoed and withdrawn records"),
        ]

    def __str__(self) -> str:
        return f"{self.id}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("record", kwargs={"record_id": self.id})


class Revision(models.Model):
    """One change of a record, made through the store (records/store.py), read by records/revisions.py.

    `record_id` is plain text, not a foreign key: a record's revisions outlive its deletion and its merging.
    The latest revision's `document` is NULL, being the record's own document; when the next revision is made,
    this one gets the document it replaces. So an import stores each document once, as it did before revisions.
    """

    id = models.BigAutoField(primary_key=True)
    record_id = models.CharField(max_length=ID_MAX_LENGTH)
    number = models.IntegerField()
    time = models.DateTimeField()
    # Not indexed: nothing looks revisions up by account, and every imported record writes one.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # Kept as written when the revision was made: the account may be renamed or deleted later.
    actor_name = models.CharField(max_length=150, blank=True, default="")
    note = models.TextField(blank=True, default="")
    action = models.CharField(max_length=20)
    status = models.CharField(max_length=20, blank=True, default="")
    document = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["record_id", "number"], name="revision_record_number")]
        ordering = ["record_id", "number"]

    def __str__(self) -> str:
        return f"{self.record_id} revision {self.number} ({self.action})"


class AuthorityRedirect(models.Model):
    """An authority merged into another (Store.merge_authorities): its old page redirects to the one that stays."""

    kind = models.CharField(max_length=20)
    old_key = models.CharField(max_length=250)
    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="redirects")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "old_key"], name="authority_redirect_kind_key")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.old_key} -> {self.authority.key}"


class RecordLink(models.Model):
    """A record's link to an authority, with the role it plays (creator, recipient, translator, subject...)."""

    # No single-column indexes: the two below begin with each key, and every import keeps them up to date.
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="links", db_index=False)
    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="links", db_index=False)
    role = models.CharField(max_length=50)
    position = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["authority", "role"]), models.Index(fields=["record", "role"])]
        ordering = ["position"]


class RecordRelation(models.Model):
    """A typed link from one record to another; the target may not be in the archive (yet)."""

    source = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="relations")
    target_id = models.CharField(max_length=ID_MAX_LENGTH, db_index=True)
    type = models.CharField(max_length=30)
    label = models.CharField(max_length=500, blank=True, default="")
    position = models.IntegerField(default=0)

    class Meta:
        ordering = ["position"]


class MediaFile(models.Model):
    """A file of a record (scan, PDF) kept in READINGROOM_HOME/media/<path>, served only while the record is
    public. Derived from the record's `media` entries that have a `path`."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=500, db_index=True)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    mime_type = models.CharField(max_length=100, blank=True, default="")
    size = models.BigIntegerField(null=True, blank=True)


class Redirect(models.Model):
    """An old record id that now lives elsewhere (a merged record). Its URL redirects permanently."""

    old_id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH)
    new_id = models.CharField(max_length=ID_MAX_LENGTH)


class DeletedRecord(models.Model):
    """A record that was public once and is gone (deleted, or merged into another): OAI-PMH lists it as a
    deleted header for good (the repository declares deletedRecord "persistent"), in the sets it was in.
    Withdrawn records need no row: they are still records, harvested as deleted. Saving the id again removes it."""

    record_id = models.CharField(primary_key=True, max_length=ID_MAX_LENGTH)
    deleted = models.DateTimeField()
    # The keys of the collections it was in, as "|key|key|": a set's harvest finds it with one LIKE per key.
    collections = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["deleted", "record_id"], name="deletedrecord_deleted_id")]


class IndexOutbox(models.Model):
    """Record ids whose search index entry must be refreshed, written in the same transaction as the change.

    The indexer applies entries idempotently (it reads the record's current state) and deletes them after the
    index commit, so a crash between the two only means the work is done again.
    """

    id = models.BigAutoField(primary_key=True)
    record_id = models.CharField(max_length=ID_MAX_LENGTH)
    created = models.DateTimeField(auto_now_add=True)


class AuditEvent(models.Model):
    """One line of the audit log (records/audit.py writes it): every write, import, publication, login and failed
    login, with who did it and from where. Administrators read it; nothing public shows it."""

    id = models.BigAutoField(primary_key=True)
    time = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as written when the event happened: the account may be renamed or deleted later, the log stays.
    actor_name = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=40, db_index=True)
    target = models.CharField(max_length=1000, blank=True, default="")
    detail = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    # Whether the change may alter what pages other than the changed record's own show: lists, counts, titles
    # and links (a publication, a new title, an authority renamed, an import). A draft's save, a correction of a
    # published record's text and a login do not: the pages and counts kept for readers (web/pagecache.py) stay.
    changes_lists = models.BooleanField(default=True)

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["changes_lists", "id"], name="auditevent_lists_id")]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.actor_name or '-'} {self.action} {self.target}"
