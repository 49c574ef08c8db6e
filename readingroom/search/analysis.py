"""Text analysis shared by the index and the query side of every backend.

Both backends see the same tokens: tantivy through analyzers registered under these names, Typesense through
pre-analyzed strings made here with the very same tantivy analyzers. Folding (lowercase, accents off: "Hà Nội"
-> "ha noi", "Nguyễn" -> "nguyen") and English stemming ("negotiating", "negotiations" -> "negoti") are thus
identical everywhere, and a query means the same thing on both engines.
"""

from __future__ import annotations

import re
from functools import lru_cache

import tantivy

FOLDED = "rr_folded"
STEMMED = "rr_stemmed"
MAX_TOKEN_CHARS = 40  # longer "words" are OCR noise or base64: not worth indexing


def _builder(stem: bool) -> tantivy.TextAnalyzer:
    b = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN_CHARS))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
    )
    if stem:
        b = b.filter(tantivy.Filter.stemmer("english"))
    return b.build()


@lru_cache(maxsize=1)
def analyzers() -> dict[str, tantivy.TextAnalyzer]:
    return {FOLDED: _builder(False), STEMMED: _builder(True)}


def folded(text: str) -> list[str]:
    """Lowercased, accent-free tokens, split on anything that is not a letter or digit."""
    return analyzers()[FOLDED].analyze(text) if text else []


def stemmed(text: str) -> list[str]:
    return analyzers()[STEMMED].analyze(text) if text else []


@lru_cache(maxsize=4096)
def stem(token: str) -> str:
    """The stem of one folded token ("" for a token the analyzer drops)."""
    out = analyzers()[STEMMED].analyze(token)
    return out[0] if out else ""


_WORD = re.compile(r"\w+")


def fold_for_display(text: str) -> str:
    """One folded character per input character, so offsets into the result are offsets into `text`
    (used to find and mark query words in snippets)."""
    import unicodedata

    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch.lower())
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        base = {"đ": "d", "Đ": "d", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "ı": "i"}.get(ch, base)
        out.append(base[:1].lower() if base else ch.lower()[:1] or " ")
    return "".join(out)


def words_with_offsets(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WORD.finditer(text)]
