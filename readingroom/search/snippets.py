"""Highlighted snippets, made the same way for every backend: a short window of the record's plain text where
the query's words are densest, HTML-escaped, with the matching words in <mark>.

Words match as the engines match them: folded ("nguyen" marks "Nguyễn") and by stem ("negotiating" marks
"negotiations"); prefixes mark every word they begin.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from . import analysis
from .query import Match

WINDOW = 240
MAX_SCAN = 300_000  # characters of a very long text searched for a snippet

_fold_table: dict[int, str] = {i: chr(i).lower() for i in range(128)}


def _fold_char(ch: str) -> str:
    special = {
        "đ": "d",
        "Đ": "d",
        "ø": "o",
        "Ø": "o",
        "ł": "l",
        "Ł": "l",
        "ı": "i",
        "ß": "s",
        "æ": "a",
        "œ": "o",
    }
    if ch in special:
        return special[ch]
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    base = base.lower()[:1]
    return base if base else ch


def fold(text: str) -> str:
    """Lowercase, accents off, one character out for one character in (offsets stay valid)."""
    for ch in set(text):
        if ord(ch) not in _fold_table:
            _fold_table[ord(ch)] = _fold_char(ch)
    return text.translate(_fold_table)


@lru_cache(maxsize=2048)
def _pattern(word: str, prefix: bool) -> re.Pattern:
    if prefix:
        return re.compile(r"\b" + re.escape(word) + r"\w*")
    s = analysis.stem(word) or word
    # Stems are not always prefixes of every form ("parti" for "party"): find candidates by the stem minus its
    # last letter, then keep those whose own stem is the query word's.
    head = s[:-1] if len(s) > 3 else s
    return re.compile(r"\b" + re.escape(head) + r"\w*")


def _accept(word: str, prefix: bool, token: str) -> bool:
    if prefix or token == word:
        return True
    return analysis.stem(token) == (analysis.stem(word) or word)


def match_spans(text: str, matches: tuple[Match, ...]) -> list[tuple[int, int, str]]:
    """(start, end, query word) of every word in `text` that a query word matches."""
    folded = fold(text[:MAX_SCAN])
    spans: list[tuple[int, int, str]] = []
    for m in matches:
        if m.field not in (None, "title", "text"):
            continue
        found_words = []
        for i, word in enumerate(m.words):
            prefix = m.prefix and i == len(m.words) - 1
            found_words.append(
                {
                    found.start(): found.end()
                    for found in _pattern(word, prefix).finditer(folded)
                    if _accept(word, prefix, found.group(0))
                }
            )
        if not m.is_phrase:
            spans.extend((start, end, m.words[0]) for start, end in found_words[0].items())
            continue
        # A phrase marks its words only where they stand in order, with nothing but spaces and punctuation
        # between them ("[Tran Buu] Kiem"), not each of its words wherever it occurs.
        for start, end in found_words[0].items():
            chain = [(start, end, m.words[0])]
            for word, starts in zip(m.words[1:], found_words[1:], strict=True):
                gap = _GAP.match(folded, chain[-1][1])
                following = gap.end() if gap else chain[-1][1]
                if following not in starts:
                    break
                chain.append((following, starts[following], word))
            else:
                spans.extend(chain)
    spans.sort()
    return spans


_GAP = re.compile(r"[^\w]{0,10}")  # what may stand between the words of a phrase


def _best_window(spans: list[tuple[int, int, str]]) -> int:
    """Start of the window holding the most distinct query words (earliest on ties)."""
    best_start, best_score, j = spans[0][0], 0, 0
    for i, (start, _end, _w) in enumerate(spans):
        while spans[j][0] < start:
            j += 1
        k, words = i, set()
        while k < len(spans) and spans[k][1] <= start + WINDOW:
            words.add(spans[k][2])
            k += 1
        score = len(words) * 1000 + (k - i)
        if score > best_score:
            best_start, best_score = start, score
    return best_start


def snippet_html(text: str, matches: tuple[Match, ...], fallback: str = "") -> str:
    """Escaped HTML: a window of `text` around the query's words, marked; else the start of `fallback` or text."""
    spans = match_spans(text, matches) if text and matches else []
    if not spans:
        plain = " ".join((fallback or text or "").split())
        cut = plain[:WINDOW]
        if len(plain) > WINDOW:
            cut = cut.rsplit(" ", 1)[0] + " …"
        return html.escape(cut)
    first = _best_window(spans)
    start = max(0, first - WINDOW // 4)
    if start:
        space = text.find(" ", start, first)
        start = space + 1 if space != -1 else start
    end = min(len(text), start + WINDOW)
    if end < len(text):
        space = text.rfind(" ", max(first, end - 40), end)
        end = space if space > first else end
    out, pos = [], start
    for s, e, _w in spans:
        if s < pos or e > end:
            continue
        out.append(html.escape(text[pos:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    body = " ".join("".join(out).split())
    return ("… " if start else "") + body + (" …" if end < len(text) else "")
