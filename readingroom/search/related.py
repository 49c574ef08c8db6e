"""Documents whose words resemble a record's, through the SearchBackend interface (so both engines answer it):
the title's and summary's distinctive words OR-ed, without snippets; a hit counts only when its own title and
summary share enough of those words (LIKENESS_SHARE, at least MIN_SHARED), so that one common word does not make
two documents alike. Public documents only: the index holds nothing else (search/indexing.py).

The documents sharing people, places, subjects and cross-references come first (records/related.py)."""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, replace

from . import analysis
from .params import request_from_params

log = logging.getLogger(__name__)

STOPWORDS = frozenset(
    """
a about above after again against all also am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her here hers
him his how i if in into is it its itself just me more most my no nor not now of off on once only or other our out
over own same she should so some such than that the their them then there these they this those through to too
under until up very was we were what when where which while who whom why will with would you your document
documents memorandum telegram letter cable conversation minutes meeting message record no. re subject
""".split()
)
MAX_WORDS = 12
LIKENESS_SHARE = 0.5  # of the record's distinctive words a document's title and summary must share
MIN_SHARED = 3  # two words ("department", "state") are what half of FRUS shares
CANDIDATES = 3  # hits asked for per document wanted: some fall below the threshold


def distinctive_words(*texts: str) -> list[str]:
    words: list[str] = []
    for text in texts:
        for word in re.findall(r"[^\W\d_]{4,}", text or ""):
            w = word.lower()
            if w not in STOPWORDS and w not in words:
                words.append(w)
    return words[:MAX_WORDS]


@dataclass(frozen=True)
class Alike:
    """A document alike in words, and the record's words it shares (as the record spells them)."""

    id: str
    words: tuple[str, ...]


def similar_documents(
    backend, record_id: str, title: str, summary: str = "", limit: int = 8, exclude=()
) -> list[Alike]:
    """Public documents most like this one by text, above the likeness threshold, most relevant first; [] when
    the engine cannot answer. `exclude`: ids not to give (those already related otherwise)."""
    words = distinctive_words(title, summary)
    if not words:
        return []
    needed = max(MIN_SHARED, math.ceil(LIKENESS_SHARE * len(words)))
    if len(words) < needed:
        return []
    skip = {record_id, *exclude}
    request = replace(
        request_from_params({"q": [" OR ".join(words)]}),
        facets=(),
        page_size=CANDIDATES * limit + len(skip),
        snippets=False,
    )
    try:
        result = backend.search(request)
    except Exception as e:  # a page must not fail because the engine is down; the search page reports that
        log.warning("related documents: search engine unavailable: %s", e)
        return []
    stems = {w: analysis.stem(w) for w in words}
    found: list[Alike] = []
    for hit in result.hits:
        if hit.id in skip:
            continue
        theirs = set(analysis.stemmed(f"{hit.title} {hit.summary}"))
        shared = tuple(w for w in words if stems[w] and stems[w] in theirs)
        if len(shared) >= needed:
            found.append(Alike(hit.id, shared))
            if len(found) == limit:
                break
    return found


def similar_ids(backend, record_id: str, title: str, summary: str = "", limit: int = 8) -> list[str]:
    """The ids of similar_documents()."""
    return [a.id for a in similar_documents(backend, record_id, title, summary, limit)]
