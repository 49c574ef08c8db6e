"""Without the shared corpora, the tests stop at once with one message naming the folder and READINGROOM_SHARED:
from `make test` and scripts/test.sh (scripts/shared.sh) and from pytest run by hand (conftest.py), alike."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import ROOT, SHARED, missing_shared_message


def run(*args: str, shared: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "READINGROOM_SHARED": shared}
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_the_script_finds_the_corpora():
    result = run(str(ROOT / "scripts" / "shared.sh"), shared=str(SHARED))
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{SHARED}\n", "")


def test_the_script_and_pytest_say_the_same_one_message(tmp_path):
    nowhere = tmp_path / "nowhere"
    message = missing_shared_message(nowhere)
    assert str(nowhere) in message and "READINGROOM_SHARED" in message
    script = run(str(ROOT / "scripts" / "shared.sh"), shared=str(nowhere))
    assert (script.returncode, script.stdout, script.stderr) == (1, "", message + "\n")
    pytest_run = run(
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/test_dates.py", shared=str(nowhere)
    )
    assert pytest_run.returncode == 4
    assert (pytest_run.stdout + pytest_run.stderr).count(message) == 1
    assert "passed" not in pytest_run.stdout and "error" not in pytest_run.stdout.lower()
