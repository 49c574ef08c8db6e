"""Shared test fixtures. Tests run on real SQLite by default and on PostgreSQL when READINGROOM_DATABASE_URL
points at a server (`make test` runs the suite both ways)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
SEED = SHARED / "seeds" / "000_352873f1f0834b10.txt"


# Settings read the home when Django starts, which pytest-django does right after loading this file:
# give the whole run a private archive folder, never ./archive.
if os.environ.get("READINGROOM_TEST_KEEP_HOME") != "1":
    os.environ["READINGROOM_HOME"] = tempfile.mkdtemp(prefix="readingroom-test-")
os.environ.setdefault("READINGROOM_SECRET_KEY", "test-secret-key")
os.environ["DJANGO_SETTINGS_MODULE"] = "readingroom.settings"
Path(os.environ["READINGROOM_HOME"]).mkdir(parents=True, exist_ok=True)
(Path(os.environ["READINGROOM_HOME"]) / "static").mkdir(exist_ok=True)

import django  # noqa: E402

django.setup()


@pytest.fixture
def writer(db):
    from readingroom.records.services import RecordWriter

    return RecordWriter()


@pytest.fixture
def import_files(db):
    """Import paths the way `readingroom import` does; returns the ImportReport."""
    from readingroom.ingest.run import import_paths

    def run(*paths, **kwargs):
        kwargs.setdefault("show_progress", False)
        return import_paths([str(p) for p in paths], **kwargs)

    return run


@pytest.fixture
def seed_record(import_files):
    from readingroom.records.models import Record

    report = import_files(SEED)
    assert report.files[0].error is None, report.files[0].error
    return Record.objects.get()
