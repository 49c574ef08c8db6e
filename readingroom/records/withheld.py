"""Passages withheld at declassification, as data.

FRUS and the other publications of the Office of the Historian print a marker where a passage was not
declassified: "[Name not declassified]", "[Text not declassified.]", "[1 paragraph (3 lines) not declassified]",
"[1½ lines not declassified]", "[4 names not declassified]". The text keeps the marker verbatim; `find` reads
the markers out of a text, so that a record carries them as its field `withheld` (computed by the schema on every
save: records/schema.py) and the search engines can count them (the facet `withheld`).

Only a bracketed marker counts: prose that mentions declassification ("documents that were not declassified
for ...") is not a withheld passage. docs/withheld.md describes the field for users.
"""

from __future__ import annotations

import bisect
import html
import re
from collections import Counter
from typing import Any

from .texts import html_to_plain
from .vocabulary import DEFAULT_TEXT_KIND, WITHHELD_KIND

# A whole bracket that ends with "not declassified" (a period may follow, inside the bracket): what is inside is
# the marker. Brackets hold no brackets; 120 characters is far above the longest marker FRUS prints ("1
# paragraph (14½ lines) of source text not declassified").
MARKER = re.compile(r"\[\s*([^\[\]]{0,120}?\bnot\s+declassified)\s*(\.?)\s*\]", re.IGNORECASE)

# What the marker says is missing, and how much: "less than 1 line", "4 names", "1½ lines", "2-3 lines".
_AMOUNT = re.compile(
    r"^(?:(?P<less>less\s+than|under|approximately|about|some)\s+)?"
    r"(?P<count>\d+(?:[.,]\d+)?\s*[½¼¾⅓⅔]?|[½¼¾⅓⅔]|(?:one|two|three|four|five|six|seven|eight|nine|ten|an?)\b)?"
    r"\s*(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_FRACTIONS = {"½": 0.5, "¼": 0.25, "¾": 0.75, "⅓": 1 / 3, "⅔": 2 / 3}
_WORD = re.compile(r"[a-z]+")
_KIND_OF_WORD = {
    form: kind.name
    for kind in WITHHELD_KIND.values()
    for word in kind.words
    for form in (word, word + "s", word + "es")
}


def _count(written: str) -> int | float | None:
    written = written.replace(" ", "").replace(",", ".").lower()
    if written in _NUMBER_WORDS:
        return _NUMBER_WORDS[written]
    whole = written.rstrip("".join(_FRACTIONS))
    fraction = _FRACTIONS.get(written[len(whole) :], 0) if len(whole) < len(written) else 0
    value = (float(whole) if "." in whole else int(whole)) if whole else 0
    total = value + fraction
    return round(total, 2) if isinstance(total, float) else total


def _kind(words: str) -> str:
    """The first word of the marker that names a kind ("Remainder of paragraph" -> paragraph, "dollar amount"
    -> amount, "1 line of source text" -> line); "other" when none does."""
    for word in _WORD.findall(words.lower()):
        if word in _KIND_OF_WORD:
            return _KIND_OF_WORD[word]
    return "other"


def parse(marker: str) -> dict[str, Any]:
    """One marker (the bracket's content, "1½ lines not declassified") as a `withheld` entry: the marker as
    written, its kind, and the count it states ("4 names": 4; "1½ lines": 1.5), if it states one."""
    marker = " ".join(marker.split())
    what = re.sub(r"\s*not\s+declassified\.?$", "", marker, flags=re.IGNORECASE)
    m = _AMOUNT.match(what)
    assert m is not None  # every group is optional
    entry: dict[str, Any] = {"marker": marker, "kind": _kind(m.group("rest") or what)}
    written = (m.group("count") or "").strip()
    if written and m.group("rest"):  # a number alone ("[1945 not declassified]") is what is withheld
        count = _count(written)
        if count:
            # "less than 1 line": no count, its bound
            entry["less_than" if m.group("less") else "count"] = count
    return entry


def find(text: str) -> list[dict[str, Any]]:
    """The withheld-passage markers of a plain text, in order (see `parse` for each entry)."""
    if "declassified" not in text.lower():
        return []
    return [parse(m.group(1) + m.group(2)) for m in MARKER.finditer(text)]


def in_html(markup: str) -> list[dict[str, Any]]:
    """The markers of a stored (sanitized HTML) text: read as the reader sees it, so that a marker set in italics
    ("[<em>Name not declassified</em>]") or with its period after the italics counts the same."""
    if "declassified" not in markup.lower():
        return []
    return find(html_to_plain(markup))


def _in_texts(texts: list) -> list[dict[str, Any]]:
    """The markers of a record's texts, each passage once. A record's texts are versions of one document (the
    original, a transcription, a translation), and a passage withheld from the document is marked in each
    version: the markers are those of the version, the texts of one kind, that holds the most of them (the
    texts of one kind, a translation in two parts, count together; on a tie, the kind that comes first)."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for part in texts:
        if isinstance(part, dict) and isinstance(part.get("html"), str):
            kind = part.get("kind") or DEFAULT_TEXT_KIND
            by_kind.setdefault(kind if isinstance(kind, str) else DEFAULT_TEXT_KIND, []).extend(
                in_html(part["html"])
            )
    return max(by_kind.values(), key=len, default=[])  # the first of the fullest


def in_document(doc: dict) -> list[dict[str, Any]]:
    """Every marker of a record's texts, notes, source note and archival reference, in that order: the record's
    field `withheld`. The texts count once however many versions of the document the record holds (`_in_texts`).
    (A FRUS source note withholds too: "A copy was also sent to [name not declassified].")"""
    found = _in_texts(doc.get("texts") or [])
    for part in doc.get("notes") or []:
        if isinstance(part, dict) and isinstance(part.get("html"), str):
            found.extend(in_html(part["html"]))
    if isinstance(doc.get("source_description"), str):
        found.extend(find(doc["source_description"]))
    reference = doc.get("archival_reference")
    if isinstance(reference, dict):  # where the TEI importer keeps a document's source note
        found.extend(e for value in reference.values() if isinstance(value, str) for e in find(value))
    return found


def of_document(doc: dict) -> list[dict[str, Any]]:
    """A stored record's `withheld`: the field as saved, or, for a document stored before the field existed,
    what its texts hold."""
    stored = doc.get("withheld")
    return stored if isinstance(stored, list) else in_document(doc)


def kinds(entries: list[dict[str, Any]]) -> list[str]:
    """The distinct kinds of a record's withheld passages, in vocabulary order."""
    present = {e.get("kind") for e in entries}
    return [k for k in WITHHELD_KIND if k in present]


def counts(entries: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(kind, number of markers of it), in vocabulary order: "2 names, 1 paragraph"."""
    n = Counter(e.get("kind") for e in entries)
    return [(k, n[k]) for k in WITHHELD_KIND if n[k]]


def summary(entries: list[dict[str, Any]]) -> str:
    """'3 withheld passages: 2 names, 1 paragraph'."""
    if not entries:
        return ""
    total = len(entries)
    parts = [
        f"{n} {WITHHELD_KIND[k].label if n == 1 else WITHHELD_KIND[k].label_plural}"
        for k, n in counts(entries)
    ]
    return f"{total} withheld passage{'' if total == 1 else 's'}: {', '.join(parts)}"


# -- marking in the rendered text ----------------------------------------------------------------------------------

# A marker in sanitized HTML: the bracket, then text and inline tags, ending in "not declassified", a period and
# closing tags (in either order), and the closing bracket.
_IN_MARKUP = re.compile(
    r"\[((?:<[^<>]{0,300}>|[^\[\]<>]){0,400}?not(?:\s|&nbsp;|&#160;)+declassified(?:<[^<>]{0,300}>|[\s.]){0,20})\]",
    re.IGNORECASE,
)
_TAG = re.compile(r"<(/?)([a-zA-Z0-9]+)[^<>]*?(/?)>")
_WHOLE_TAG = re.compile(r"""<[a-zA-Z/!](?:[^"'>]|"[^"]*"|'[^']*')*>""")
VOID = {"br", "img", "wbr", "hr"}
TOOLTIP = "Withheld at declassification"


def _balanced(inner: str) -> bool:
    depth: list[str] = []
    for m in _TAG.finditer(inner):
        closing, name, self_closing = m.group(1), m.group(2).lower(), m.group(3)
        if name in VOID or self_closing:
            continue
        if not closing:
            depth.append(name)
        elif not depth or depth.pop() != name:
            return False
    return not depth


def mark(markup: str) -> str:
    """Sanitized HTML with each withheld-passage marker wrapped in <span class="withheld">, whose title says
    what it is. The markup is not otherwise changed; a marker whose tags would not nest inside the span (a
    bracket opened in one element and closed in another) is left as it is."""
    if "declassified" not in markup.lower():
        return markup
    # Where the tags are (quoted attribute values may hold ">"): a bracket inside a tag, in an attribute's value
    # (a title, a popover's copy of a note), is not text and is left alone.
    tags = [(t.start(), t.end()) for t in _WHOLE_TAG.finditer(markup)]
    starts = [a for a, _b in tags]

    def in_tag(pos: int) -> bool:
        i = bisect.bisect_right(starts, pos) - 1
        return i >= 0 and tags[i][0] <= pos < tags[i][1]

    def wrap(m: re.Match) -> str:
        inner = m.group(1)
        plain = html.unescape(_TAG.sub("", inner))
        if in_tag(m.start()) or in_tag(m.end() - 1):
            return m.group(0)
        if not _balanced(inner) or not MARKER.fullmatch(f"[{plain}]"):
            return m.group(0)
        entry = parse(" ".join(plain.split()))
        return (
            f'<span class="withheld withheld-{entry["kind"]}" title="{TOOLTIP}: {html.escape(entry["kind"])}">'
            f"{m.group(0)}</span>"
        )

    return _IN_MARKUP.sub(wrap, markup)
