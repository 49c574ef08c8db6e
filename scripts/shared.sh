#!/usr/bin/env bash
# Where the project's shared corpora are: $READINGROOM_SHARED, else the folder shared beside the checkout.
# Prints the folder; when it has no corpus/ and seeds/, says so in one message and fails (`make test`,
# scripts/test.sh and .ci/run call this first; tests/conftest.py says the same to pytest run by hand).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
shared=${READINGROOM_SHARED:-$(dirname "$ROOT")/shared}
if [ -d "$shared" ]; then
  shared=$(cd "$shared" && pwd -P)
fi
if [ ! -d "$shared/corpus" ] || [ ! -d "$shared/seeds" ]; then
  echo "the tests need the project's shared corpora (corpus/ and seeds/) in $shared, and they are not there:" \
       "put the shared folder beside the checkout, or set READINGROOM_SHARED to the folder that holds them" >&2
  exit 1
fi
echo "$shared"
