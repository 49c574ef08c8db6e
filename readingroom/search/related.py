"""Documents whose words resemble a record's: the title's and summary's distinctive words, OR-ed, through the
same engine interface (so both engines answer it), most relevant first."""

from __future__ import annotations

import logging
import re
from dataclasses import replace

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


def distinctive_words(*texts: str) -> list[str]:
    words: list[str] = []
    for text in texts:
        for word in re.findall(r"[^\W\d_]{4,}", text or ""):
            w = word.lower()
            if w not in STOPWORDS and w not in words:
                words.append(w)
    return words[:MAX_WORDS]


def similar_ids(backend, record_id: str, title: str, summary: str = "", limit: int = 8) -> list[str]:
    """Ids of public documents most like this one by text; [] when the engine cannot answer."""
    words = distinctive_words(title, summary)
    if not words:
        return []
    request = replace(request_from_params({"q": [" OR ".join(words)]}), facets=(), page_size=limit + 1)
    try:
        result = backend.search(request)
    except Exception as e:  # a page must not fail because the engine is down; the search page reports that
        log.warning("related documents: search engine unavailable: %s", e)
        return []
    return [h.id for h in result.hits if h.id != record_id][:limit]
