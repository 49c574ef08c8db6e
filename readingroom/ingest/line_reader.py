"""Reading JSON Lines for every importer that takes them: line numbers, bounded lines, one message per bad line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

from .base import Problem, Source, bounded_lines

MAX_LINE = 16 << 20  # characters; a record with a long transcription is well under 1 MiB


def json_lines(
    source: Source, *, objects_only: bool = True, max_line: int = MAX_LINE, too_long: str = ""
) -> Iterator[tuple[int, Any] | Problem]:
    """(line number, value) for each non-blank line; a Problem for a line that is not JSON (or, with
    `objects_only`, not an object). A line over `max_line` characters aborts the file before it is read whole."""
    with source.open_text() as f:
        for lineno, line in enumerate(bounded_lines(f, max_line, too_long), 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line.rstrip("\r\n"))  # so that an error's column is on this line
            except json.JSONDecodeError as e:
                yield Problem(f"line {lineno} is not valid JSON: {e.msg} at column {e.colno}")
                continue
            except RecursionError:
                yield Problem(
                    f"line {lineno} is nested too deeply (objects or lists within each other, hundreds of "
                    "levels): no record is shaped like that"
                )
                continue
            except ValueError:  # the one other refusal: an integer longer than Python reads from text
                yield Problem(
                    f"line {lineno} has a number of more than {sys.get_int_max_str_digits():,} digits: "
                    "write it as a string"
                )
                continue
            if objects_only and not isinstance(value, dict):
                yield Problem(f"line {lineno} is not a JSON object")
                continue
            yield lineno, value
