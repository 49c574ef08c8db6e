"""The one place that decides what the public may see.

A record is public when it is published and not under embargo. Every public surface (pages, search, facets,
APIs, OAI-PMH, sitemaps, exports, media) gets its records through `RecordQuerySet.public()` or `is_public()`;
an import indexing the records it has just written asks `document_is_public()` of their documents.
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
