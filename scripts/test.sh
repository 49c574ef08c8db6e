#!/usr/bin/env bash
# The lint checks (scripts/lint.sh, as `make lint`), then the whole test suite twice: on SQLite, then on
# PostgreSQL (READINGROOM_TEST_DATABASE_URL, from scripts/services.sh). Fails when the lint checks fail or either
# run fails or collects no test; prints the three summaries at the end. Stops at once, with one message, when the
# shared corpora are missing (scripts/shared.sh). Extra arguments go to pytest on both runs (scripts/test.sh -x -k seed).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
scripts/shared.sh >/dev/null || exit 1
# The suite makes thousands of index commits and archive files that no crash will ever need: under Debian's
# eatmydata (when installed; .ci/run installs it) their fsync calls return at once (a tantivy commit: 18 ms -> 7 ms).
# The crash tests kill processes, never the machine, so nothing they check depends on fsync.
EATMYDATA=()
if command -v eatmydata >/dev/null; then
  EATMYDATA=(eatmydata)
fi
PYTEST=("${EATMYDATA[@]}" "${READINGROOM_PYTHON:-$ROOT/.venv/bin/python}" -m pytest --durations=10 "$@")
# Each run gets a hard ceiling so a hung test cannot eat the CI budget (90 minutes for everything): the
# whole suite takes 15-18 minutes a run on 2 cores, and up to twice that on a loaded machine.
RUN_TIMEOUT=${READINGROOM_TEST_RUN_TIMEOUT:-50m}
mkdir -p .tmp

eval "$(scripts/services.sh env)"

summaries=()
status=0

echo "=== lint ==="
started=$SECONDS
if scripts/lint.sh; then
  summaries+=("lint: passed [$((SECONDS - started)) s]")
else
  summaries+=("lint: FAILED (scripts/lint.sh says which check) [$((SECONDS - started)) s]")
  status=1
fi

# run LABEL [VAR=VALUE...]: one pytest run with those variables set, its output also in .tmp/pytest-LABEL.log.
run() {
  local label=$1; shift
  local log=".tmp/pytest-$label.log"
  echo "=== pytest on $label ==="
  local started=$SECONDS
  env "$@" timeout "$RUN_TIMEOUT" "${PYTEST[@]}" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line
  line=$(grep -E '^(=+ )?([0-9]+ (passed|failed|error|skipped|deselected)|no tests ran)' "$log" | tail -n 1 \
         | sed -E 's/^=+ //; s/ =+$//')
  case $rc in
    0) ;;
    5) line="no tests collected (pytest exit 5) ${line}" ;;
    124) line="timed out after $RUN_TIMEOUT ${line}" ;;
  esac
  summaries+=("$label: ${line:-pytest exit $rc, no summary line} [exit $rc, $((SECONDS - started)) s]")
  [ "$rc" -eq 0 ] || status=1
}

run sqlite -u READINGROOM_DATABASE_URL

if [ -n "${READINGROOM_TEST_DATABASE_URL:-}" ]; then
  run postgresql READINGROOM_DATABASE_URL="$READINGROOM_TEST_DATABASE_URL"
else
  summaries+=("postgresql: NOT RUN: no PostgreSQL (scripts/services.sh up prints why)")
  status=1
fi

echo
echo "=== summary ==="
printf '%s\n' "${summaries[@]}"
exit $status
