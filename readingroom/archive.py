"""The archive home: creating it, and checking that store, index and media agree."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management import call_command
from django.db import connection

from readingroom import config


def home() -> Path:
    return config.home()


def init(verbose: bool = False) -> Path:
    """Create the data folder and bring the database schema up to date. Safe to run again."""
    path = home()
    path.mkdir(parents=True, exist_ok=True)
    (path / "media").mkdir(exist_ok=True)
    (path / "static").mkdir(exist_ok=True)  # whitenoise serves from the package; it expects the folder
    out = io.StringIO()
    call_command("migrate", interactive=False, verbosity=1 if verbose else 0, stdout=out)
    if verbose and "No migrations to apply" not in out.getvalue():
        print(out.getvalue().strip())
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
    from readingroom.search import indexing

    indexing.upgrade()  # an index an earlier version built: rebuilt from the store, with progress
    return path


def not_ready_reason() -> str | None:
    default_file = home() / "readingroom.sqlite3"
    if connection.vendor == "sqlite" and str(connection.settings_dict["NAME"]) == str(default_file) \
            and not default_file.exists():
        # Checked before connecting: connecting would create an empty database file.
        return f"no archive in {home()}: run `readingroom init` (or pass --home DIR)"
    if "records_record" not in connection.introspection.table_names():
        return f"the archive database in {home()} is not set up: run `readingroom init`"
    return None


@dataclass
class CheckReport:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check() -> CheckReport:
    """Counts, and integrity: every stored document matches its columns and hash; links point somewhere."""
    from readingroom.records.models import Authority, IndexOutbox, Record, RecordLink, RecordRelation
    from readingroom.records.schema import content_hash

    report = CheckReport()
    report.lines.append(f"archive: {home()} ({connection.vendor})")
    total = Record.objects.count()
    public = Record.objects.public().count()
    by_status = {s: Record.objects.filter(status=s).count() for s in ("draft", "in-review", "published", "withdrawn")}
    report.lines.append(f"records: {total} ({public} public; " + ", ".join(f"{k} {v}" for k, v in by_status.items()) + ")")
    kinds = {k: Authority.objects.filter(kind=k).count() for k, _ in Authority.KINDS}
    report.lines.append("authorities: " + ", ".join(f"{k} {v}" for k, v in kinds.items()))
    report.lines.append(f"links: {RecordLink.objects.count()}, relations: {RecordRelation.objects.count()}")
    dangling = RecordRelation.objects.exclude(target_id__in=Record.objects.values("id")).count()
    if dangling:
        report.lines.append(f"relations to records not in the archive: {dangling}")
    bad = 0
    for rec in Record.objects.only("id", "document", "content_hash", "title", "status").iterator(chunk_size=2000):
        if content_hash(rec.document) != rec.content_hash or rec.document.get("id") != rec.id \
                or rec.document.get("title") != rec.title or rec.document.get("status") != rec.status:
            bad += 1
            if bad <= 10:
                report.problems.append(f"record {rec.id!r}: stored document and columns disagree")
    pending = IndexOutbox.objects.count()
    report.lines.append(f"search index updates pending: {pending}")
    try:
        from readingroom.search import indexing

        drift = getattr(indexing, "check_drift", None)
        if drift:
            for line in drift():
                report.problems.append(line)
    except ImportError:
        pass
    report.lines.extend(f"PROBLEM: {p}" for p in report.problems)
    report.lines.append("ok" if report.ok else f"{len(report.problems)} problems")
    return report
