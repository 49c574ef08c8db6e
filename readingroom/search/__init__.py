"""Full-text search with facets: one interface (backends/base.py), two engines (tantivy embedded by default,
Typesense for scale-out), fed by the index outbox (indexing.py) and queried through params.py and query.py.

    from readingroom.archive import Archive
    from readingroom.search import request_from_params
    result = Archive.from_environment().search.search(request_from_params({"q": ["negotiating"]}))
"""

from __future__ import annotations

from .backends.base import Hit, SearchBackend, SearchResult
from .params import SearchRequest, request_from_params

__all__ = ["Hit", "SearchBackend", "SearchRequest", "SearchResult", "request_from_params"]
