"""The importer registry: built-ins registered as a third party's are, priorities decide detection."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from readingroom.ingest.base import Importer
from readingroom.ingest.registry import BUILTINS, ENTRY_POINT_GROUP, ImporterRegistry

ROOT = Path(__file__).resolve().parent.parent


def test_builtins_are_the_packages_entry_points():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    declared = project["project"]["entry-points"][ENTRY_POINT_GROUP]
    assert sorted(declared.values()) == sorted(BUILTINS)
    registry = ImporterRegistry.default()
    assert sorted(declared) == sorted(i.name for i in registry.importers())


class Csv2(Importer):
    name = "better_csv"
    extensions = (".csv",)
    help = "a third party's CSV"

    def detect(self, path, head):
        return path.suffix == ".csv"

    def read(self, source):
        return iter(())


def test_a_third_party_importer_with_a_higher_priority_wins_detection(tmp_path):
    path = tmp_path / "records.csv"
    path.write_text("id,title\na,A\n")
    registry = ImporterRegistry.default()
    assert registry.detect(path, path.read_bytes()).name == "csv_records"
    low = type("LowCsv", (Csv2,), {"name": "low_csv", "priority": 0})
    registry.register(low())
    assert registry.detect(path, path.read_bytes()).name == "csv_records", "built-ins first at equal footing"
    high = type("HighCsv", (Csv2,), {"priority": 1000})
    registry.register(high())
    assert registry.detect(path, path.read_bytes()).name == "better_csv"
    assert "better_csv" in registry.describe()
    with pytest.raises(ValueError, match="already registered"):
        registry.register(high())


def test_import_help_lists_every_registered_format(capsys):
    from readingroom.cli import build_parser

    registry = ImporterRegistry.default()
    registry.register(type("HighCsv", (Csv2,), {"priority": 1000})())
    parser = build_parser(registry)
    with pytest.raises(SystemExit):
        parser.parse_args(["import", "--help"])
    out = capsys.readouterr().out
    for importer in registry.importers():
        assert f"  {importer.name} " in out
    assert out.index("better_csv") < out.index("csv_records"), "listed in detection order"
