"""Authorities as JSON Lines, the output of `readingroom export --authorities`: one authority per line,
{"kind", "key", "name", "parent", "position", "data"}, parents before their children."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from readingroom.records.vocabulary import AUTHORITY_KINDS

from .base import AuthorityEntry, Entry, Importer, Problem, Source
from .line_reader import json_lines

FIELDS = {"kind", "key", "name", "parent", "position", "data"}


class AuthoritiesImporter(Importer):
    name = "authorities"
    priority = 90
    max_bytes = None  # streams: memory stays flat whatever the size
    extensions = (".jsonl", ".ndjson")
    help = "authorities as JSON Lines, as written by `export --authorities`"

    def detect(self, path: Path, head: bytes) -> bool:
        if path.suffix.lower() not in self.extensions:
            return False
        try:
            first = json.loads(head.lstrip().split(b"\n", 1)[0])
        except (ValueError, RecursionError):
            return False
        return isinstance(first, dict) and {"kind", "key", "name"} <= set(first) and "title" not in first

    def read(self, source: Source) -> Iterator[Entry]:
        for item in json_lines(source):
            if isinstance(item, Problem):
                yield item
                continue
            lineno, obj = item
            unknown = set(obj) - FIELDS
            kind, key, name = obj.get("kind"), obj.get("key"), obj.get("name")
            if unknown:
                yield Problem(
                    f"line {lineno}: unknown field(s) {', '.join(sorted(unknown))}; an authority has "
                    f"{', '.join(sorted(FIELDS))}",
                    key,
                )
            elif kind not in AUTHORITY_KINDS:
                yield Problem(
                    f"line {lineno}: unknown kind {kind!r}: use one of {', '.join(AUTHORITY_KINDS)}",
                    key,
                    "kind",
                )
            elif not (isinstance(key, str) and key.strip() and isinstance(name, str) and name.strip()):
                yield Problem(f"line {lineno}: 'key' and 'name' must be non-empty text", key)
            elif not isinstance(obj.get("data", {}), dict):
                yield Problem(f"line {lineno}: 'data' must be an object", key, "data")
            else:
                position = obj.get("position")
                yield AuthorityEntry(
                    kind,
                    key,
                    name,
                    parent=obj.get("parent"),
                    position=position if isinstance(position, int) else 0,
                    data=obj.get("data") or {},
                )
