"""What the public sees of a record's revisions: on its page "last revised" and the corrections made after it
was published (records/revisions.py), and for a withdrawn record that was public, its tombstone."""

from __future__ import annotations

from readingroom.records import revisions
from readingroom.records.models import Record
from readingroom.web import citations
from readingroom.web.links import record_url


def record_page_context(record: Record) -> dict:
    """The record page's corrections, newest first, and the time of the latest."""
    found = revisions.corrections(record)
    return {"corrections": found, "last_revised": found[0].time if found else None}


def tombstone_context(request, record: Record) -> dict:
    """Only what a tombstone shows: the title, why and when it was withdrawn, and how it was cited. Not its
    text, media, authorities or relations."""
    return {
        "record": record,
        "reason": record.withdrawn_reason,
        "withdrawn_at": record.withdrawn_at,
        "permalink": record_url(request, record.pk),
        "citations": citations.tombstone_citations(request, record),
    }
