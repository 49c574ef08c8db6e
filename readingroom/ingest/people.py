"""Person authorities from a JSON Lines file in the shape of HistoryAtState/people (`hsg/people.jsonl`).

One person per line: {"id", "name", "alternates", "birth_year", "death_year", "viaf", "remarks", "sources"}.
Each becomes the person authority with key = the file's id (history.state.gov person ids are stable), so a
re-import updates the same authorities. The `sources` (URLs into FRUS persons lists) are kept: the FRUS importer
matches volume persons to these authorities by them.

The file is recognized by its content, not its name: the first line is an object with "name" and "alternates"
or "sources", and no "title" (a record would have one).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .base import AuthorityEntry, Entry, Importer, Problem, Source
from .line_reader import json_lines

MAX_LINE = 4 << 20  # a person is a few KB; a longer line is a broken file, not a person
YEAR = re.compile(r"^\d{1,4}$")
VIAF = re.compile(r"^\d{1,22}$")
LIST_FIELDS = ("alternates", "remarks", "sources")
KNOWN = {"id", "name", "birth_year", "death_year", "viaf", *LIST_FIELDS}


def looks_like_people(head: bytes) -> bool:
    """Whether the first line of `head` is a person object (and not a record)."""
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0]
    try:
        obj = json.loads(first)
    except (ValueError, RecursionError):
        return False
    return (
        isinstance(obj, dict)
        and "name" in obj
        and "title" not in obj
        and ("alternates" in obj or "sources" in obj)
    )


def _text_list(obj: dict, field: str, line: int, pid: str) -> list[str]:
    value = obj.get(field)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(field, f"line {line}: must be a list of text")
    out: list[str] = []
    for v in value:
        v = " ".join(v.split())
        if v and v not in out:
            out.append(v)
    return out


def person_entry(obj: dict[str, Any], line: int) -> AuthorityEntry:
    """The authority entry for one person object; ValueError(field, message) when it cannot be one."""
    pid = obj.get("id")
    if isinstance(pid, int) and not isinstance(pid, bool):
        pid = str(pid)
    if not isinstance(pid, str) or not pid.strip():
        raise ValueError("id", f"line {line}: a person needs an 'id' (text)")
    pid = pid.strip()
    if len(pid) > 250 or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._:\-]*", pid):
        raise ValueError(
            "id", f"line {line}: {pid!r} is not a valid id: use letters, digits, '.', '_', ':' and '-'"
        )
    name = obj.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("name", f"line {line}: a person needs a 'name' (text)")
    data: dict[str, Any] = {}
    data["alternates"] = _text_list(obj, "alternates", line, pid)
    for field in ("birth_year", "death_year"):
        value = obj.get(field)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if value is not None and (not isinstance(value, str) or not YEAR.match(value.strip())):
            raise ValueError(
                field, f"line {line}: impossible year {value!r}: write a year like '1909', or null"
            )
        data[field] = value.strip() if value else None
    viaf = obj.get("viaf")
    if isinstance(viaf, int) and not isinstance(viaf, bool):
        viaf = str(viaf)
    if viaf is not None and (not isinstance(viaf, str) or not VIAF.match(viaf.strip())):
        raise ValueError("viaf", f"line {line}: {viaf!r} is not a VIAF id (digits only, e.g. '75337374')")
    data["viaf"] = viaf.strip() if viaf else None
    data["remarks"] = _text_list(obj, "remarks", line, pid)
    data["sources"] = _text_list(obj, "sources", line, pid)
    if (data["birth_year"] and data["death_year"]) and int(data["death_year"]) < int(data["birth_year"]):
        raise ValueError(
            "death_year", f"line {line}: died ({data['death_year']}) before being born ({data['birth_year']})"
        )
    # Values the person file has beyond the known ones are kept, not dropped.
    for key in sorted(set(obj) - KNOWN):
        if obj[key] not in (None, "", [], {}):
            data[key] = obj[key]
    return AuthorityEntry(kind="person", key=pid, name=" ".join(name.split()), data=data)


class PeopleImporter(Importer):
    name = "people"
    priority = 50
    max_bytes = None  # streams: memory stays flat whatever the size
    extensions = (".jsonl", ".ndjson", ".json")
    help = (
        "person authorities, one JSON object a line: id, name, alternates, birth_year, death_year, viaf, ..."
    )

    def detect(self, path: Path, head: bytes) -> bool:
        return path.suffix.lower() in self.extensions and looks_like_people(head)

    def read(self, source: Source) -> Iterator[Entry]:
        seen: set[str] = set()
        for item in json_lines(source, max_line=MAX_LINE, too_long=": not a person file"):
            if isinstance(item, Problem):
                yield item
                continue
            lineno, obj = item
            try:
                entry = person_entry(obj, lineno)
            except ValueError as e:
                field, message = e.args
                rid = obj.get("id")
                yield Problem(message, str(rid) if rid is not None else None, field)
                continue
            if entry.key in seen:
                yield Problem(
                    f"line {lineno}: duplicate id in this file; the first one was kept", entry.key, "id"
                )
                continue
            seen.add(entry.key)
            yield entry
