"""The user's query string, understood: a small AST, and a sentence saying how it was read.

Grammar (forgiving: nothing here raises, whatever the input):
    query   := clause*                      clauses are ANDed
    clause  := operand ("OR" operand)*      OR binds tighter than the implicit AND
    operand := ["NOT" | "-"] [field ":"] (word | word* | "a phrase")
Fields: title text person place subject collection type lang id. A word that the analyzer splits into several
tokens ("four-party", "U.S.") is a phrase. Words are folded here (lowercase, no accents) with the same analyzer
the index uses; stemming is left to the backends, which match a word by its stem and rank exact forms first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import analysis

MAX_QUERY_CHARS = 1000
MAX_CLAUSES = 32
MIN_PREFIX_CHARS = 2
FIELDS = ("title", "text", "person", "place", "subject", "collection", "type", "lang", "id")
FIELD_ALIASES = {
    "language": "lang",
    "persons": "person",
    "places": "place",
    "subjects": "subject",
    "collections": "collection",
    "doctype": "type",
}


@dataclass(frozen=True)
class Match:
    """Words that must occur (one word, or a phrase when several), in `field` or in title, summary and text."""

    words: tuple[str, ...]
    field: str | None = None
    prefix: bool = False  # the last word is a prefix ("negot*")

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1

    def describe(self) -> str:
        body = " ".join(self.words) + ("*" if self.prefix else "")
        body = f"“{body}”" if self.is_phrase else body
        return f"{self.field}: {body}" if self.field else body


@dataclass(frozen=True)
class Not:
    child: Match


@dataclass(frozen=True)
class Or:
    children: tuple[Match, ...]


Clause = Match | Not | Or


@dataclass(frozen=True)
class ParsedQuery:
    clauses: tuple[Clause, ...] = ()
    notes: tuple[str, ...] = ()
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.clauses

    @property
    def positive(self) -> tuple[Match, ...]:
        """Every Match that can make a document match (for ranking and highlighting)."""
        out: list[Match] = []
        for c in self.clauses:
            if isinstance(c, Match):
                out.append(c)
            elif isinstance(c, Or):
                out.extend(c.children)
        return tuple(out)

    @property
    def understood(self) -> str:
        return describe(self)


# -- lexing ------------------------------------------------------------------------------------------------------


@dataclass
class _Token:
    kind: str  # "op" or "operand"
    value: str = ""
    field: str | None = None
    negated: bool = False
    quoted: bool = False


_FIELD = re.compile(r"([A-Za-z]+):")
_SEPARATORS = set(" \t\r\n\f\v()")


def _lex(text: str, notes: list[str]) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] in _SEPARATORS:
            i += 1
            continue
        negated = False
        if text[i] == "-" and i + 1 < n and text[i + 1] not in _SEPARATORS:
            negated, i = True, i + 1
        field_name = None
        m = _FIELD.match(text, i)
        if m and (m.group(1).lower() in FIELDS or m.group(1).lower() in FIELD_ALIASES):
            name = m.group(1).lower()
            field_name = FIELD_ALIASES.get(name, name)
            i = m.end()
            if i >= n or text[i] in _SEPARATORS:
                notes.append(f"the empty field “{m.group(0)}” was ignored")
                continue
        if i < n and text[i] in '"“”':
            end = i + 1
            while end < n and text[end] not in '"“”':
                end += 1
            if end >= n:
                notes.append("an unclosed quote was closed at the end of the query")
            tokens.append(_Token("operand", text[i + 1 : end], field_name, negated, quoted=True))
            i = end + 1
            continue
        end = i
        while end < n and text[end] not in _SEPARATORS and text[end] not in '"“”':
            end += 1
        word = text[i:end]
        i = end
        if word in ("OR", "AND", "NOT") and not negated and field_name is None:
            tokens.append(_Token("op", word))
        elif word in ("|", "||"):
            tokens.append(_Token("op", "OR"))
        elif word in ("&", "&&"):
            tokens.append(_Token("op", "AND"))
        else:
            tokens.append(_Token("operand", word, field_name, negated))
    return tokens


def _operand(tok: _Token, notes: list[str]) -> Match | None:
    value = tok.value.strip()
    if tok.field == "id":
        value = value.strip("*")
        return Match((value,), "id") if value else None
    prefix = False
    if not tok.quoted and value.endswith("*"):
        prefix = True
        value = value.rstrip("*")
    words = tuple(analysis.folded(value.replace("*", " ")))
    if not words:
        if value.strip("*") == "" and "*" in tok.value:
            notes.append("“*” on its own matches everything, so it was ignored")
        elif tok.quoted:
            notes.append("an empty phrase was ignored")
        elif value:
            shown = value if len(value) <= 30 else value[:30] + "…"
            notes.append(f"“{shown}” has no searchable letters or digits (or is too long) and was ignored")
        return None
    if prefix and len(words[-1]) < MIN_PREFIX_CHARS:
        notes.append(f"“{tok.value}” is too short to search as a beginning of words; searched as a word")
        prefix = False
    return Match(words, tok.field, prefix)


def parse(text: str | None) -> ParsedQuery:
    """Parse a query string. Never raises; what could not be used is said in `notes`."""
    notes: list[str] = []
    text = (text or "").replace("\x00", " ")
    if len(text) > MAX_QUERY_CHARS:
        notes.append(f"the query was shortened to its first {MAX_QUERY_CHARS:,} characters")
        text = text[:MAX_QUERY_CHARS]
    clauses: list[Clause] = []
    pending_not = pending_or = False
    tokens = _lex(text, notes)
    for idx, tok in enumerate(tokens):
        if tok.kind == "op":
            nxt = tokens[idx + 1] if idx + 1 < len(tokens) else None
            if tok.value == "NOT":
                if nxt is None or nxt.kind == "op":
                    notes.append("a NOT with nothing after it was ignored")
                else:
                    pending_not = True
            elif tok.value == "OR":
                if not clauses or nxt is None or nxt.kind == "op" or pending_or:
                    notes.append("an OR without a word on both sides was ignored")
                else:
                    pending_or = True
            continue
        node = _operand(tok, notes)
        negated = tok.negated or pending_not
        pending_not = False
        if node is None:
            pending_or = False
            continue
        if pending_or:
            pending_or = False
            prev = clauses[-1]
            if negated or isinstance(prev, Not):
                notes.append("NOT inside an OR is not supported; the two sides were both required")
                clauses.append(Not(node) if negated else node)
                continue
            children = prev.children if isinstance(prev, Or) else (prev,)
            clauses[-1] = Or(tuple(dict.fromkeys((*children, node))))
            continue
        clauses.append(Not(node) if negated else node)
    # Duplicates add nothing; a query of hundreds of words is noise, and each clause costs the engine time.
    unique = list(dict.fromkeys(clauses))
    if len(unique) > MAX_CLAUSES:
        notes.append(f"only the first {MAX_CLAUSES} words and phrases were used")
        unique = unique[:MAX_CLAUSES]
    return ParsedQuery(tuple(unique), tuple(dict.fromkeys(notes)), text)


def describe(q: ParsedQuery) -> str:
    """How the query was understood, in words: 'all of: negotiating, “tran buu kiem”; person: rusk'."""
    if q.is_empty:
        return "everything"
    plain = [c.describe() for c in q.clauses if isinstance(c, Match) and c.field is None]
    parts = []
    if plain:
        parts.append("all of: " + ", ".join(plain))
    for c in q.clauses:
        if isinstance(c, Match) and c.field is not None:
            parts.append(c.describe())
        elif isinstance(c, Or):
            parts.append("any of: " + ", ".join(m.describe() for m in c.children))
    nots = [c.child.describe() for c in q.clauses if isinstance(c, Not)]
    if nots:
        parts.append("none of: " + ", ".join(nots))
    return "; ".join(parts)
