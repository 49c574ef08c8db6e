"""`export --format jsonl`: every record, every field, one JSON object per line, in id order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

from readingroom.records.models import Record
from readingroom.records.services import export_document


def record_line(record: Record) -> str:
    """One record's line: its canonical document with the store's timestamps."""
    return json.dumps(export_document(record), ensure_ascii=False, separators=(",", ":")) + "\n"


def lines(queryset=None) -> Iterator[str]:
    qs = queryset if queryset is not None else Record.objects.all()
    for record in qs.order_by("id").iterator(chunk_size=2000):
        yield record_line(record)


def write(out: TextIO, queryset=None) -> int:
    n = 0
    for line in lines(queryset):
        out.write(line)
        n += 1
    return n


def authority_lines() -> Iterator[str]:
    """Every authority, parents before children, siblings in order: `export --authorities`."""
    from readingroom.records.models import Authority

    rows = list(Authority.objects.select_related("parent").order_by("kind", "key"))
    by_pk = {a.pk: a for a in rows}

    def depth(a) -> int:
        d, seen = 0, set()
        while a.parent_id and a.parent_id in by_pk and a.pk not in seen:
            seen.add(a.pk)
            a, d = by_pk[a.parent_id], d + 1
        return d

    for a in sorted(rows, key=lambda a: (depth(a), a.kind, a.key)):
        yield (
            json.dumps(
                {
                    "kind": a.kind,
                    "key": a.key,
                    "name": a.name,
                    "parent": a.parent.key if a.parent else None,
                    "position": a.position,
                    "data": a.data,
                },
                ensure_ascii=False,
                separators=(",", ":"),
                sort_keys=False,
            )
            + "\n"
        )
