"""`export --format jsonl`: every record, every field, one JSON object per line, in id order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

from readingroom.records.models import Record
from readingroom.records.services import export_document


def lines(queryset=None) -> Iterator[str]:
    qs = queryset if queryset is not None else Record.objects.all()
    for record in qs.order_by("id").iterator(chunk_size=2000):
        yield json.dumps(export_document(record), ensure_ascii=False, separators=(",", ":")) + "\n"


def write(out: TextIO, queryset=None) -> int:
    n = 0
    for line in lines(queryset):
        out.write(line)
        n += 1
    return n
