"""Records from a CSV file: one record per row, columns named after record fields (docs/record-schema.md, "CSV").

The header row names the columns; `id` and `title` are required, the others optional and in any order:

    id, title, status, date, date_text, summary, number, document_types, classification, languages, text,
    text_kind, text_language, translator, dateline_place, places, subjects, persons, collections, repository,
    archival_reference, source_description, funders, funder_credit, rights, rights_uri, creators, recipients,
    contributors, publisher, signature, embargo_until, original_uploaded, and extra.<name> for your own values.

Multi-valued cells (document_types, classification, languages, places, subjects, persons, collections, funders,
creators, recipients, contributors) separate their values with ";" ("Secret; Immediate"); spaces around a value
do not count. A value that itself contains ";" cannot be written in CSV: use JSON Lines for it.

Spreadsheet formula injection: a cell whose first character is `=`, `+`, `-` or `@` would run as a formula when
the file is opened in a spreadsheet again. Such a cell is refused (the record is skipped and reported with its
field); if it is literal text, write it with a leading apostrophe ('=…, '-…), which is removed on import.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from readingroom.records.csv_columns import COLUMNS, MULTI
from readingroom.records.vocabulary import TEXT_KINDS

from .base import Entry, Importer, IngestError, Problem, RecordEntry, Source, bounded_lines

SEPARATOR = ";"
FORMULA_START = ("=", "+", "-", "@")
MAX_CELL = 16 << 20  # a document's full text fits; the csv module's default (128 KiB) does not

REQUIRED = ("id", "title")


class CellError(ValueError):
    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        super().__init__(message)


def unescape_cell(value: str, field: str) -> str:
    """The cell's value, refusing formulas. A leading apostrophe before a formula character marks literal text."""
    stripped = value.lstrip()
    if stripped.startswith("'") and stripped[1:2] in FORMULA_START:
        return stripped[1:]
    if stripped.startswith(FORMULA_START):
        raise CellError(
            field,
            f"the cell begins with {stripped[0]!r}, which a spreadsheet runs as a formula; "
            f"if it is literal text, prefix it with an apostrophe: '{stripped[:20]}",
        )
    return value


def split_cell(value: str, field: str) -> list[str]:
    out: list[str] = []
    for part in value.split(SEPARATOR):
        part = part.strip()
        if part:
            part = unescape_cell(part, field)
            if part not in out:
                out.append(part)
    return out


def row_to_document(row: dict[str, str]) -> dict[str, Any]:
    """A raw record document from one CSV row (cells already read as text). Raises CellError."""
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for column, cell in row.items():
        if cell is None or not cell.strip():
            continue
        if column in MULTI:
            values[column] = split_cell(cell, column)  # each value is checked on its own
        elif column.startswith("extra."):
            extra[column[len("extra.") :]] = unescape_cell(cell, column).strip()
        else:
            values[column] = unescape_cell(cell, column).strip()
    doc: dict[str, Any] = {
        k: values.pop(k)
        for k in (
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
        if k in values
    }
    for column in ("document_types", "classification", "languages", "persons"):
        if column in values:
            doc[column] = values.pop(column)
    for column in ("places", "subjects", "collections", "funders", "creators", "recipients"):
        if column in values:
            doc[column] = [{"name": name} for name in values.pop(column)]
    if "contributors" in values:
        doc["contributors"] = [{"name": name, "role": "contributor"} for name in values.pop("contributors")]
    if "repository" in values:
        doc["repository"] = {"name": values.pop("repository")}
    if "archival_reference" in values:
        doc["archival_reference"] = {"text": values.pop("archival_reference")}
    rights = {"statement": values.pop("rights", None), "uri": values.pop("rights_uri", None)}
    if any(rights.values()):
        doc["rights"] = rights
    text = values.pop("text", None)
    translator = values.pop("translator", None)
    kind = values.pop("text_kind", None) or ("translation" if translator else "transcription")
    language = values.pop("text_language", None)
    if kind not in TEXT_KINDS:
        raise CellError("text_kind", f"unknown text kind {kind!r}: use one of {', '.join(TEXT_KINDS)}")
    if text is not None:
        languages = doc.get("languages") or []
        entry: dict[str, Any] = {
            "kind": kind,
            "language": language or (languages[0] if languages else None),
            "body": text,
        }
        if translator:
            entry["translator"] = {"name": translator}
        doc["texts"] = [entry]
    elif translator or language:
        raise CellError(
            "translator" if translator else "text_language", "is given but the 'text' cell is empty"
        )
    values.pop("withheld", None)  # derived from the text by the schema: the export writes it, no one reads it
    if extra:
        doc["extra"] = extra
    return doc


def check_header(fieldnames: list[str] | None) -> list[str]:
    """The normalized column names; IngestError naming the fix when the header is not a record header."""
    if not fieldnames:
        raise IngestError(
            "has no header row: the first line must name the columns, at least id and title "
            "(docs/record-schema.md)"
        )
    names = [(name or "").strip().lower() for name in fieldnames]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise IngestError(
            f"missing required column {missing[0]!r}: the header must name at least "
            f"{' and '.join(REQUIRED)} (found: {', '.join(n for n in names if n)[:200]}); "
            "see docs/record-schema.md"
        )
    unknown = [n for n in names if n not in COLUMNS and not (n.startswith("extra.") and len(n) > 6)]
    if unknown:
        raise IngestError(
            f"unknown column {unknown[0]!r}: the columns are {', '.join(COLUMNS)} and "
            "extra.<name> for your own values (docs/record-schema.md)"
        )
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise IngestError(f"the column {n!r} appears twice in the header")
        seen.add(n)
    return names


class CsvRecordsImporter(Importer):
    name = "csv_records"
    priority = 20
    max_bytes = None  # streams: memory stays flat whatever the size
    extensions = (".csv",)
    help = "CSV, one record a row, columns named after record fields (docs/record-schema.md)"

    def detect(self, path: Path, head: bytes) -> bool:
        return path.suffix.lower() in self.extensions

    def read(self, source: Source) -> Iterator[Entry]:
        csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL))
        seen: dict[str, int] = {}
        with source.open_text() as f:
            reader = csv.reader(
                bounded_lines(f, MAX_CELL * 4), strict=True
            )  # a quote left open is an error, not a cell to the end
            try:
                header = next(reader, None)
                names = check_header(header)
                end = reader.line_num
                for cells in reader:
                    line, end = (
                        end + 1,
                        reader.line_num,
                    )  # a quoted cell may span lines: report where the row starts
                    if not any(c.strip() for c in cells):
                        continue
                    if len(cells) != len(names):
                        yield Problem(
                            f"line {line} has {len(cells)} cells, the header has {len(names)}: quote "
                            "cells that contain commas",
                            cells[0] if cells else None,
                        )
                        continue
                    row = dict(zip(names, cells, strict=True))
                    rid = row["id"].strip()
                    try:
                        doc = row_to_document(row)
                    except CellError as e:
                        yield Problem(f"line {line}: {e.message}", rid or None, e.field)
                        continue
                    if rid and rid in seen:
                        yield Problem(
                            f"line {line}: duplicate id in this file (first on line {seen[rid]}); the "
                            "first one was kept",
                            rid,
                            "id",
                        )
                        continue
                    if rid:
                        seen[rid] = line
                    yield RecordEntry(doc)
            except csv.Error as e:
                raise IngestError(f"is not readable CSV at line {reader.line_num}: {e}") from None
