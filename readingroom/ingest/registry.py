"""The importers an archive knows, with their detection priorities.

An archive owns one `ImporterRegistry` (readingroom/archive.py). The built-in importers are registered exactly
as a third party's are: by an entry in the `readingroom.importers` entry-point group of a package's metadata
(Readingroom's own pyproject.toml lists its built-ins there), or by `registry.register(importer)` in code.
Detection asks importers in order of `priority`, highest first (ties: the order they were registered), so a
third-party importer with a higher priority than a built-in one wins the files both could read.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path

from .base import Importer

ENTRY_POINT_GROUP = "readingroom.importers"

# The built-in importers, "module:class". Also declared as entry points in pyproject.toml; listed here too so
# that a checkout run without installing (python -m readingroom.cli from a source tree) has them. A test keeps
# the two lists equal.
BUILTINS = (
    "readingroom.ingest.sotu:SotuImporter",
    "readingroom.ingest.authorities:AuthoritiesImporter",
    "readingroom.ingest.tei:TeiDocumentImporter",
    "readingroom.ingest.frus:FrusVolumeImporter",
    "readingroom.ingest.da_json:DigitalArchiveJsonImporter",
    "readingroom.ingest.people:PeopleImporter",
    "readingroom.ingest.taxonomy:TaxonomyImporter",
    "readingroom.ingest.record_lines:JsonLinesImporter",
    "readingroom.ingest.csv_records:CsvRecordsImporter",
    "readingroom.ingest.da_page:RecordPageImporter",
)


def load(target: str) -> type[Importer]:
    module, _, name = target.partition(":")
    cls = getattr(import_module(module), name)
    if not (isinstance(cls, type) and issubclass(cls, Importer)):
        raise TypeError(f"{target} is not an Importer subclass")
    return cls


class ImporterRegistry:
    def __init__(self, importers: Iterable[Importer] = ()):
        self._importers: list[Importer] = []
        for importer in importers:
            self.register(importer)

    @classmethod
    def default(cls) -> ImporterRegistry:
        """The built-in importers and every importer installed packages declare as entry points."""
        registry = cls(load(target)() for target in BUILTINS)
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.value.replace(" ", "") in BUILTINS:
                continue
            registry.register(ep.load()())
        return registry

    def register(self, importer: Importer) -> Importer:
        if not importer.name:
            raise ValueError(f"{type(importer).__name__} has no name: set the class attribute `name`")
        if any(i.name == importer.name for i in self._importers):
            raise ValueError(f"an importer named {importer.name!r} is already registered")
        self._importers.append(importer)
        return importer

    def importers(self) -> list[Importer]:
        """In detection order: highest priority first; equal priorities in the order they were registered."""
        order = {id(i): n for n, i in enumerate(self._importers)}
        return sorted(self._importers, key=lambda i: (-i.priority, order[id(i)]))

    def get(self, name: str) -> Importer:
        for importer in self._importers:
            if importer.name == name:
                return importer
        known = ", ".join(i.name for i in self.importers())
        raise KeyError(f"no importer named {name!r}; known formats: {known}")

    def detect(self, path: Path, head: bytes) -> Importer | None:
        for importer in self.importers():
            try:
                ours = importer.detect(path, head)
            except RecursionError:  # a first line nested too deep to parse: the importer reading it says so
                ours = False
            if ours:
                return importer
        return None

    def extensions(self) -> list[str]:
        return sorted({ext for i in self._importers for ext in i.extensions})

    def describe(self) -> str:
        """The formats, one per line, for `readingroom formats` and `import --help`."""
        lines = []
        for importer in self.importers():
            exts = ", ".join(importer.extensions) or "-"
            lines.append(f"  {importer.name:12} {exts:16} {importer.help}")
        return "\n".join(lines)
