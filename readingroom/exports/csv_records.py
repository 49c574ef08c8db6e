"""`export --format csv`: one record a row, in the columns the CSV importer reads (ingest/csv_records.py), so that
a CSV export imports again as it is (docs/record-schema.md, "CSV").

CSV holds what its columns can: one text (the first, as plain text), authorities by name, text values of
`extra`. What it cannot hold (a second text, notes, media, relations, authority ids and roles, nested `extra`
values) is left out: JSON Lines has every field.

A cell that begins with = + - @, a tab or a carriage return would run as a formula when the file is opened in a
spreadsheet ("CSV injection"): it is written with a leading apostrophe, which the importer removes again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from readingroom.records.csv_columns import COLUMNS as COLUMNS  # the columns this export writes
from readingroom.records.texts import html_to_plain

SEPARATOR = "; "
FORMULA_START = ("=", "+", "-", "@")
CONTROL_START = ("\t", "\r")
# A byte-order mark, so that spreadsheets read the file as UTF-8; the importer takes it as it is.
BOM = "\ufeff"

# Document fields written as they are.
PLAIN_FIELDS = (
    "id",
    "title",
    "status",
    "date",
    "date_text",
    "summary",
    "number",
    "dateline_place",
    "source_description",
    "funder_credit",
    "publisher",
    "signature",
    "embargo_until",
    "original_uploaded",
)
TEXT_LISTS = ("document_types", "classification", "languages")
AUTHORITY_LISTS = ("persons", "places", "subjects", "collections", "funders", "creators", "recipients")


def escape_cell(value: str) -> str:
    """The value as a spreadsheet may open it: a formula's first character is preceded by an apostrophe."""
    if value.startswith(CONTROL_START):
        return "'" + value
    stripped = value.lstrip()
    if stripped.startswith(FORMULA_START):
        return "'" + stripped  # the importer strips surrounding spaces anyway
    return value


def is_text_value(value: object) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def extra_columns(extras: Iterable[object]) -> list[str]:
    """`extra.<name>` columns for the text values found in these records' `extra` objects, sorted."""
    names: set[str] = set()
    for extra in extras:
        if isinstance(extra, dict):
            names.update(k for k, v in extra.items() if is_text_value(v))
    return [f"extra.{name}" for name in sorted(names)]


def header(columns: list[str]) -> str:
    return BOM + _line(columns)


def row(doc: dict, columns: list[str]) -> str:
    cells = cells_of(doc)
    return _line([cells.get(c, "") for c in columns])


def cells_of(doc: dict) -> dict[str, str]:
    """The cells of one canonical record document (records/schema.py), by column, escaped."""
    cells: dict[str, str] = {}
    for name in PLAIN_FIELDS:
        if doc.get(name):
            cells[name] = escape_cell(str(doc[name]))
    for name in TEXT_LISTS:
        cells[name] = _joined(doc.get(name) or [])
    for name in AUTHORITY_LISTS:
        cells[name] = _joined(ref["name"] for ref in doc.get(name) or [])
    cells["contributors"] = _joined(ref["name"] for ref in doc.get("contributors") or [])
    if doc.get("repository"):
        cells["repository"] = escape_cell(doc["repository"]["name"])
    reference = doc.get("archival_reference") or {}
    if reference:
        text = reference.get("text") if set(reference) == {"text"} else None
        text = text or "; ".join(f"{k}: {v}" for k, v in reference.items())
        cells["archival_reference"] = escape_cell(str(text))
    rights = doc.get("rights") or {}
    if rights.get("statement"):
        cells["rights"] = escape_cell(str(rights["statement"]))
    if rights.get("uri"):
        cells["rights_uri"] = escape_cell(str(rights["uri"]))
    texts = doc.get("texts") or []
    if texts:
        first = texts[0]
        body = "\n\n".join(html_to_plain(first["html"]).split("\n"))
        if body:
            cells["text"] = escape_cell(body)
            cells["text_kind"] = first["kind"]
            if first.get("language"):
                cells["text_language"] = first["language"]
            if first.get("translator"):
                cells["translator"] = escape_cell(first["translator"]["name"])
    cells["withheld"] = _joined(w["marker"] for w in doc.get("withheld") or [])
    for name, value in (doc.get("extra") or {}).items():
        if is_text_value(value):
            cells[f"extra.{name}"] = escape_cell(str(value))
    return {k: v for k, v in cells.items() if v}


def _joined(values: Iterable[str]) -> str:
    return SEPARATOR.join(escape_cell(v) for v in values)


def _line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()
