"""JSON Lines records: one canonical record document per line, the same as `readingroom export --format jsonl`.

The schema is documented in docs/record-schema.md; the short form is in `readingroom import --help`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .base import Entry, Importer, Problem, RecordEntry, Source
from .line_reader import json_lines


class JsonLinesImporter(Importer):
    name = "jsonl"
    priority = 30
    max_bytes = None  # streams: memory stays flat whatever the size
    extensions = (".jsonl", ".ndjson")
    help = "JSON Lines: one record object per line, as written by `export --format jsonl`"

    def detect(self, path: Path, head: bytes) -> bool:
        # Ours by extension: the more specific JSON Lines importers (people, da_json) are asked first, and a file
        # that is none of theirs is best told what is wrong line by line ("line 1 is not a JSON object",
        # "field 'title': is required") rather than "unknown format".
        return path.suffix.lower() in self.extensions

    def read(self, source: Source) -> Iterator[Entry]:
        seen: set[str] = set()
        for item in json_lines(source):
            if isinstance(item, Problem):
                yield item
                continue
            lineno, obj = item
            rid = obj.get("id")
            if isinstance(rid, str) and rid in seen:
                yield Problem(f"line {lineno}: duplicate id in this file; the first one was kept", rid, "id")
                continue
            if isinstance(rid, str):
                seen.add(rid)
            yield RecordEntry(obj)
