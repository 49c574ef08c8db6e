"""The export formats: one small class per format, registered in FORMATS. `readingroom export --format NAME`
and the web's /export/?format=NAME read this table, and nothing else, to know what they can write.

A format streams text: `header()`, then `item()` for each record, then `footer()` (or its own `stream()`, as
CSV does to learn its columns first). A folder format (BagIt) writes a folder instead, with `write_folder()`;
the web does not serve it.

    class Titles(ExportFormat):
        name, label, media_type, extension = "titles", "Titles", "text/plain", "txt"

        def item(self, record, context):
            return record.title + "\\n"

    FORMATS[Titles.name] = Titles()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

# No models in citations.formats: safe to import before Django is set up.
from readingroom.citations.formats import FORMATS as CITATION_FORMATS

from . import bags, csv_records

if TYPE_CHECKING:  # the command line reads this table before Django is set up: no models at import
    from readingroom.citations.csl import Volume
    from readingroom.records.models import Record

    from .selection import Selection


@dataclass(frozen=True)
class ExportContext:
    """What an export needs besides its records."""

    site_name: str
    base_url: str = ""  # the archive's public URL: RIS and BibTeX link each record when it is known
    media_root: Path | None = None  # the media folder, for formats that carry the files (BagIt)
    # The day of the export: every RIS and BibTeX entry's access date, read once rather than per record.
    accessed: dt.date = field(default_factory=dt.date.today)

    # Published volumes by the record's top-level collections: a FRUS volume's thousands of documents ask once.
    _volumes: dict[tuple[str, ...], Volume | None] = field(default_factory=dict, compare=False, repr=False)

    def record_url(self, record: Record) -> str | None:
        return self.base_url.rstrip("/") + record.get_absolute_url() if self.base_url else None

    def csl_item(self, record: Record) -> dict[str, Any]:
        """The record's CSL-JSON item, as its page cites it (readingroom/citations/csl.py)."""
        from readingroom.citations import csl  # reads the models: imported once Django is set up

        doc = record.document
        tops = tuple(c["id"] for c in doc.get("collections") or [] if not c.get("parent"))
        if tops not in self._volumes:
            self._volumes[tops] = csl.volume_of(doc)
        return csl.from_document(
            doc,
            url=self.record_url(record) or "",
            accessed=self.accessed,
            site_name=self.site_name,
            volume=self._volumes[tops],
        )


class ExportFormat:
    name: ClassVar[str]  # --format NAME, ?format=NAME
    label: ClassVar[str]
    media_type: ClassVar[str] = "application/octet-stream"
    extension: ClassVar[str] = ""  # of the file it writes
    folder: ClassVar[bool] = False  # writes a folder, not a stream

    def header(self, selection: Selection, context: ExportContext) -> str:
        return ""

    def item(self, record: Record, context: ExportContext) -> str:
        raise NotImplementedError(f"give {type(self).__name__} an item(record, context) method")

    def footer(self, context: ExportContext) -> str:
        return ""

    def stream(
        self, selection: Selection, records: Iterable[Record], context: ExportContext
    ) -> Iterator[str]:
        """The export as pieces of text. `records` are the selection's (the caller may count them as they go)."""
        head = self.header(selection, context)
        if head:
            yield head
        for record in records:
            yield self.item(record, context)
        foot = self.footer(context)
        if foot:
            yield foot

    def write_folder(
        self, folder: Path, selection: Selection, records: Iterable[Record], context: ExportContext
    ) -> str:
        """A folder format writes `folder` and returns a line saying what it wrote."""
        raise NotImplementedError(f"{self.name} is not a folder format")

    def filename(self, stem: str) -> str:
        return f"{stem}.{self.extension}" if self.extension else stem


class JsonLines(ExportFormat):
    """Every field of every record: what `readingroom import` reads back (docs/record-schema.md)."""

    name = "jsonl"
    label = "JSON Lines"
    media_type = "application/x-ndjson; charset=utf-8"
    extension = "jsonl"

    def item(self, record, context):
        from .jsonl import record_line

        return record_line(record)


class Csv(ExportFormat):
    """The CSV importer's columns (exports/csv_records.py): a spreadsheet, and an export that imports again."""

    name = "csv"
    label = "CSV"
    media_type = "text/csv; charset=utf-8"
    extension = "csv"

    def stream(self, selection, records, context):
        columns = [*csv_records.COLUMNS, *csv_records.extra_columns(selection.values("document__extra"))]
        yield csv_records.header(columns)
        for record in records:
            yield csv_records.row(record.document, columns)


class Ris(ExportFormat):
    """For reference managers (Zotero, EndNote): one entry a record, as the record page's @cite.ris."""

    name = "ris"
    label = "RIS"
    media_type = "application/x-research-info-systems; charset=utf-8"
    extension = "ris"

    def item(self, record, context):
        return CITATION_FORMATS["cite.ris"].render(context.csl_item(record))


class BibTeX(ExportFormat):
    """For LaTeX bibliographies: one @misc entry a record, as the record page's @cite.bib."""

    name = "bibtex"
    label = "BibTeX"
    media_type = "application/x-bibtex; charset=utf-8"
    extension = "bib"

    def item(self, record, context):
        return CITATION_FORMATS["cite.bib"].render(context.csl_item(record)) + "\n"


class BagIt(ExportFormat):
    """A BagIt bag: the records as JSON Lines and their media files, with checksums (exports/bags.py)."""

    name = "bagit"
    label = "BagIt bag"
    folder = True

    def write_folder(self, folder, selection, records, context):
        if context.media_root is None:
            raise ValueError("a BagIt export needs the archive's media folder: give the context a media_root")
        which = "public records" if selection.public else "records"
        report = bags.write_bag(
            folder,
            records,
            media_root=context.media_root,
            site_name=context.site_name,
            description=f"{which} of {context.site_name}, exported by Readingroom",
        )
        missing = f"; {len(report.missing)} files listed by records were not in the media folder" * bool(
            report.missing
        )
        return f"bag {folder}: {report.records} records, {report.files} media files{missing}"


FORMATS: dict[str, ExportFormat] = {f.name: f for f in (JsonLines(), Csv(), Ris(), BibTeX(), BagIt())}


class UnknownFormat(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def get(name: str, *, streamed: bool = False) -> ExportFormat:
    """The format called `name`; UnknownFormat names the ones there are. `streamed`: only formats that stream."""
    known = [n for n, f in FORMATS.items() if not (streamed and f.folder)]
    found = FORMATS.get(name)
    if found is None or name not in known:
        if found is not None:
            raise UnknownFormat(
                f"{name} writes a folder and cannot be downloaded: `readingroom export --format {name} -o DIR` "
                f"writes one; here use one of {', '.join(known)}"
            )
        raise UnknownFormat(f"unknown export format {name!r}: use one of {', '.join(known)}")
    return found
