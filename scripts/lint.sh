#!/usr/bin/env bash
# `make lint`, and the first step of scripts/test.sh: ruff's lint rules, ruff's formatting, and mypy over the
# readingroom package (settings in pyproject.toml). Runs all three, then fails when any failed.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PYTHON=${READINGROOM_PYTHON:-$ROOT/.venv/bin/python}

failed=()
echo "--- ruff check"
"$PYTHON" -m ruff check . || failed+=("ruff check")
echo "--- ruff format --check"
"$PYTHON" -m ruff format --check --output-format concise . || failed+=("ruff format --check (run: ruff format .)")
echo "--- mypy"
"$PYTHON" -m mypy || failed+=("mypy")

if [ ${#failed[@]} -gt 0 ]; then
  echo "lint failed: $(IFS=,; echo "${failed[*]}" | sed 's/,/, /g')" >&2
  exit 1
fi
echo "lint passed"
