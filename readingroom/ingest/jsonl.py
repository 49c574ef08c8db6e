"""JSON Lines records: one canonical record document per line, the same as `readingroom export --format jsonl`.

The schema is documented in docs/record-schema.md; the short form is in `readingroom import --help`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from .base import Entry, Importer, IngestError, Problem, RecordEntry, Source
from .registry import register

MAX_LINE = 64 << 20


class JsonLinesImporter(Importer):
    name = "jsonl"
    extensions = (".jsonl", ".ndjson")
    help = "JSON Lines: one record object per line, as written by `export --format jsonl`"

    def detect(self, path: Path, head: bytes) -> bool:
        # Ours by extension: the more specific JSON Lines importers (people, da_json) are asked first, and a file
        # that is none of theirs is best told what is wrong line by line ("line 1 is not a JSON object",
        # "field 'title': is required") rather than "unknown format".
        return path.suffix.lower() in self.extensions

    def read(self, source: Source) -> Iterator[Entry]:
        seen: set[str] = set()
        with source.open_text() as f:
            for lineno, line in enumerate(f, 1):
                if len(line) > MAX_LINE:
                    raise IngestError(f"line {lineno} is longer than {MAX_LINE >> 20} MiB")
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except ValueError as e:
                    yield Problem(f"line {lineno} is not valid JSON: {e.msg} at column {e.colno}")
                    continue
                if not isinstance(obj, dict):
                    yield Problem(f"line {lineno} is not a JSON object")
                    continue
                rid = obj.get("id")
                if isinstance(rid, str) and rid in seen:
                    yield Problem(f"line {lineno}: duplicate id in this file; the first one was kept", rid, "id")
                    continue
                if isinstance(rid, str):
                    seen.add(rid)
                yield RecordEntry(obj)


register(JsonLinesImporter())
