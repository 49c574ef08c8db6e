"""setSpecs from collection keys, and back.

Sets are the archive's collections, as a flat list: one set per collection, its setSpec made from the
collection's key. Keys contain characters a setSpec cannot ("frus1964-68v07/ch1": setSpecs allow only
A-Z a-z 0-9 - _ . ! ~ * ' ( ) and ':' between the levels of a hierarchy), so:

- letters, digits, '-', '_' and '.' stay as they are;
- '/' becomes '~' (FRUS keys are volume/part: "frus1964-68v07~ch1");
- any other character becomes '!' and two hexadecimal digits for each byte of its UTF-8 form ('~' is "!7E",
  ':' is "!3A", a space "!20").

The encoding is reversible, so a `set` argument is decoded into a key and looked up. The list is flat rather than
`parent:child` because a key is the collection's one stable name: a setSpec built from the path of keys would
change whenever a collection moved in the hierarchy, and FRUS keys already name their volume. Membership still
follows the hierarchy: a set holds the records linked to its collection or to any collection below it.
"""

from __future__ import annotations

import re

KEEP = re.compile(r"[A-Za-z0-9\-_.]")
ESCAPE = re.compile(r"(?:![0-9A-F]{2})+|~|[A-Za-z0-9\-_.]+")


def from_key(key: str) -> str:
    out = []
    for char in key:
        if KEEP.fullmatch(char):
            out.append(char)
        elif char == "/":
            out.append("~")
        else:
            out.extend(f"!{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


def to_key(spec: str) -> str | None:
    """The key a setSpec was made from, or None if no key gives this setSpec."""
    out, position = [], 0
    for match in ESCAPE.finditer(spec):
        if match.start() != position:
            return None
        part = match.group()
        if part == "~":
            out.append("/")
        elif part.startswith("!"):
            try:
                out.append(bytes.fromhex(part.replace("!", "")).decode("utf-8"))
            except UnicodeDecodeError:
                return None
        else:
            out.append(part)
        position = match.end()
    if position != len(spec):
        return None
    key = "".join(out)
    return key if from_key(key) == spec else None  # one spelling per key: "!41" is not "A"
