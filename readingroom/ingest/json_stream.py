"""The items of a JSON array read one at a time, so that a large `.json` file is never in memory whole.

json.loads of a whole file holds the file's bytes, its text and every object parsed from it at once: for records
of many small values (lists of subjects, ids) that was 11 to 27 times the file's size. Here the text is read in
chunks, each item is decoded with json's own decoder (`raw_decode`) as soon as it is complete, and only that
item (and the text not yet decoded) is held.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import IO, Any

from .base import IngestError

CHUNK = 1 << 20  # characters read at a time; an item larger than that is read in growing steps
_WHITESPACE = " \t\r\n"


class _Text:
    """A text stream read into a buffer that drops what was decoded; knows the line and column of a position."""

    def __init__(self, raw: IO[bytes]):
        self.stream = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.line, self.column = 1, 1  # of buf[0] in the file

    def more(self) -> bool:
        """Read more text (as much again as is held, at least CHUNK: an item is read in O(its size))."""
        if self.eof:
            return False
        chunk = self.stream.read(max(CHUNK, len(self.buf) - self.pos))
        if not chunk:
            self.eof = True
            return False
        self.drop()
        self.buf += chunk
        return True

    def drop(self) -> None:
        done = self.buf[: self.pos]
        newlines = done.count("\n")
        if newlines:
            self.line += newlines
            self.column = len(done) - done.rfind("\n")
        else:
            self.column += len(done)
        self.buf, self.pos = self.buf[self.pos :], 0

    def skip_space(self) -> str:
        """The next character that is not whitespace ('' at the end of the file), left unread."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def where(self, pos: int) -> str:
        before = self.buf[:pos]
        newlines = before.count("\n")
        if newlines:
            column = len(before) - before.rfind("\n")
            return f"line {self.line + newlines}, column {column}"
        return f"line {self.line}, column {self.column + len(before)}"


def array_items(raw: IO[bytes]) -> Iterator[Any]:
    """Each item of the JSON array that `raw` holds (a binary file whose first non-blank character is '[').
    IngestError, naming the line and column, when the file is not valid JSON."""
    text = _Text(raw)
    decoder = json.JSONDecoder()
    if text.skip_space() != "[":
        raise IngestError("is not valid JSON: expected '[' at the start")
    text.pos += 1
    first = True
    while True:
        c = text.skip_space()
        if c == "]" and first:
            text.pos += 1
            break
        if not first:
            if c == "]":
                text.pos += 1
                break
            if c != ",":
                raise IngestError(
                    f"is not valid JSON: expected ',' or ']' at {text.where(text.pos)}"
                    if c
                    else "is not valid JSON: the list is not closed with ']' (the file looks truncated)"
                )
            text.pos += 1
            text.skip_space()
        while True:
            try:
                item, end = decoder.raw_decode(text.buf, text.pos)
                break
            except json.JSONDecodeError as e:
                if text.more():  # perhaps only the end of the item was not read yet
                    continue
                raise IngestError(f"is not valid JSON: {e.msg} at {text.where(e.pos)}") from None
            except ValueError as e:  # an integer of more than 4,300 digits, which json refuses
                raise IngestError(f"is not valid JSON: {e}") from None
        if end == len(text.buf) and not text.eof and text.buf[text.pos] not in '[{"':
            # A number at the end of the buffer may go on in the next chunk: decode it again with more text.
            if text.more():
                item, end = decoder.raw_decode(text.buf, text.pos)
        text.pos = end
        first = False
        yield item
    if text.skip_space():
        raise IngestError(f"is not valid JSON: text after the closing ']' at {text.where(text.pos)}")
