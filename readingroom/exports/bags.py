"""`export --format bagit -o DIR`: a BagIt bag (RFC 8493) made by PyPI `bagit`.

    DIR/bagit.txt, bag-info.txt, manifest-sha256.txt, manifest-sha512.txt, tagmanifest-*.txt
    DIR/data/records.jsonl        the records, as `export --format jsonl` writes them
    DIR/data/media/<path>         the records' files kept in the media folder (records/models.py MediaFile)

bag-info.txt names the archive (Source-Organization) and the day (Bagging-Date). The bag is built in DIR.part
and renamed to DIR when it is whole. Records are written one at a time and each record's files copied as it
goes, so memory does not grow with the number of records (bagit keeps one manifest line per file).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from readingroom.records.models import Record


@dataclass
class BagReport:
    records: int = 0
    files: int = 0
    missing: list[str] = field(default_factory=list)  # media paths listed by a record but not in the folder


class BagError(Exception):
    pass


def write_bag(
    folder: Path, records: Iterable[Record], *, media_root: Path, site_name: str, description: str
) -> BagReport:
    import bagit

    from .jsonl import record_line

    folder = Path(folder)
    if folder.exists():
        raise BagError(
            f"{folder} exists already: a bag is written into a new folder; name one that is not there"
        )
    part = folder.with_name(folder.name + ".part")
    if part.exists():
        shutil.rmtree(part)
    part.mkdir(parents=True)
    report = BagReport()
    root = media_root.resolve()
    copied: set[str] = set()
    try:
        with open(part / "records.jsonl", "w", encoding="utf-8") as out:
            for record in records:
                out.write(record_line(record))
                doc = record.document
                report.records += 1
                for media in doc.get("media") or []:
                    path = media.get("path")
                    if not path or path in copied:
                        continue
                    source = (root / path).resolve()
                    if not source.is_relative_to(root) or not source.is_file():
                        report.missing.append(path)
                        continue
                    target = part / "media" / path
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(source, target)
                    copied.add(path)
                    report.files += 1
        bagit.make_bag(
            str(part),
            {"Source-Organization": site_name, "External-Description": description},
            checksums=["sha256", "sha512"],
        )
    except BaseException:
        shutil.rmtree(part, ignore_errors=True)
        raise
    part.rename(folder)
    return report
