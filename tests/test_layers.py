"""Layers only point down: records <- ingest, search, exports, citations, iiif <- archive <- web, api, cli
(docs/architecture.md).

Read from the source with `ast`, so an import hidden inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "readingroom"

# What each part may import of the project, besides itself. Everything may import these foundations.
FOUNDATIONS = {
    "readingroom.config",
    "readingroom.locks",
    "readingroom.progress",
    "readingroom.storage",
    "readingroom.logs",
    "readingroom.heartbeat",
}
ALLOWED = {
    "records": {"records"},
    "ingest": {"records", "ingest"},
    "search": {"records", "search"},
    "exports": {"records", "exports", "citations"},  # RIS and BibTeX entries are the citations' own
    "citations": {"records", "citations"},
    "iiif": {"records", "iiif"},
    "archive": {"records", "ingest", "search", "exports", "archive"},
    "backup": {"records", "search", "archive", "backup"},  # a whole archive copied: over the archive object
    "oai": {"records", "oai"},  # the protocol over the records; the web serves it (web/oai.py)
    "metrics": {"records", "metrics"},  # the index's lag is read from the outbox; the web serves the text
    "logs": {"logs"},
    "worker": {
        "records",
        "search",
        "archive",
        "worker",
    },  # the chores no reader does: over the archive object
}
TOP = {"web", "api", "accounts", "cli", "server", "supervisor", "wsgi", "urls", "settings", "demo"}


def part_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def project_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), str(path))
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if path.name == "__init__.py":
        package = (
            package.rsplit(".", 1)[0] + "." + path.parent.name if False else package[: -len(".__init__")]
        )
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("readingroom")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + (1 if path.name == "__init__.py" else 0)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.startswith("readingroom"):
                found.append((node.lineno, name))
    return found


def test_no_module_imports_upward():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        part = part_of(module)
        if part in TOP or part not in ALLOWED:
            continue
        for line, name in project_imports(path):
            if name in FOUNDATIONS or name == "readingroom":
                continue
            if part_of(name) not in ALLOWED[part]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} ({part}) imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_an_upward_import(tmp_path):
    """The rule above can fail: a records module importing the search package is caught."""
    bad = PACKAGE / "records" / "_layer_probe.py"
    bad.write_text("from readingroom.search import indexing\n")
    try:
        try:
            test_no_module_imports_upward()
        except AssertionError as e:
            assert "records/_layer_probe.py:1 (records) imports readingroom.search" in str(e)
        else:
            raise AssertionError("the layer check missed an upward import")
    finally:
        bad.unlink()


def test_no_backend_private_methods_or_engine_names_outside_the_backends():
    """Generic code asks the backend interface; it never branches on an engine's name or calls its privates."""
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "backends" in path.parts or path.name == "config.py":
            continue
        text = path.read_text()
        for needle in (
            '.name == "tantivy"',
            '.name != "tantivy"',
            '.name == "typesense"',
            '.name != "typesense"',
            "backend._",
            "search._w(",
            "._w()",
        ):
            if needle in text:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}: {needle}")
    assert not wrong, "\n".join(wrong)
