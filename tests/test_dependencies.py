"""The declared dependencies are the ones the package uses: every third-party import of readingroom/ is declared
in pyproject.toml, and every declared dependency is used. The PostgreSQL and Typesense clients are extras, and an
archive configured for one without it installed says which extra to install."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "readingroom"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# Used by name, not imported: Django loads them from a setting.
USED_BY_NAME = {
    "whitenoise": "settings.MIDDLEWARE",
    "psycopg": "Django's postgresql backend (DATABASES)",
    "argon2-cffi": "settings.PASSWORD_HASHERS (Django's Argon2PasswordHasher)",
}


def normalized(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def imported_distributions() -> dict[str, str]:
    """{distribution: a file importing it} for the package's imports outside the standard library."""
    by_module = packages_distributions()
    found: dict[str, str] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top == "readingroom":
                    continue
                assert top in by_module, f"{path}: imports {top!r}, which no installed distribution provides"
                for dist in by_module[top]:
                    found.setdefault(normalized(dist), str(path.relative_to(ROOT)))
    return found


def test_imports_are_declared_and_declared_are_imported():
    runtime = {normalized(r) for r in PYPROJECT["project"]["dependencies"]}
    extras = PYPROJECT["project"]["optional-dependencies"]
    optional = {normalized(r) for name in ("postgresql", "typesense") for r in extras[name]}
    imported = imported_distributions()
    undeclared = {d: f for d, f in imported.items() if d not in runtime | optional}
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"
    unused = (runtime | optional) - set(imported) - set(USED_BY_NAME)
    assert not unused, f"declared in pyproject.toml but never imported by readingroom/: {sorted(unused)}"


def test_clients_of_the_servers_are_extras():
    runtime = {normalized(r) for r in PYPROJECT["project"]["dependencies"]}
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert {normalized(r) for r in extras["postgresql"]} == {"psycopg"}
    assert {normalized(r) for r in extras["typesense"]} == {"typesense"}
    assert not {"psycopg", "typesense"} & runtime
    assert "readingroom[postgresql,typesense]" in extras["test"], "the test extra pulls both"


def test_typesense_without_its_client_names_the_extra(monkeypatch):
    import importlib

    monkeypatch.setitem(sys.modules, "typesense", None)  # `import typesense` now fails as if not installed
    monkeypatch.delitem(sys.modules, "readingroom.search.backends.typesense", raising=False)
    with pytest.raises(
        ImportError,
        match=re.escape(
            "READINGROOM_SEARCH_BACKEND=typesense needs the Typesense client: pip install 'readingroom[typesense]'"
        ),
    ):
        importlib.import_module("readingroom.search.backends.typesense")


def test_postgresql_without_its_client_names_the_extra(tmp_path):
    # In a fresh process: settings are read once. find_spec is what settings asks; it answers "not installed".
    code = (
        "import importlib.util as u; real = u.find_spec\n"
        "u.find_spec = lambda name, *a: None if name.startswith('psycopg') else real(name, *a)\n"
        "import readingroom.settings\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "READINGROOM_HOME": str(tmp_path),
        "READINGROOM_DATABASE_URL": "postgresql://someone:secret@127.0.0.1:5432/archive",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert (
        "READINGROOM_DATABASE_URL=postgresql://... needs the PostgreSQL client: "
        "pip install 'readingroom[postgresql]'"
    ) in result.stderr
