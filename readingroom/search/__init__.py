"""Full-text search with facets: one interface (backends/base.py), two engines (tantivy embedded by default,
Typesense for scale-out), fed by the index outbox (indexing.py) and queried through params.py and query.py.

    from readingroom.search import get_backend, search
    result = search({"q": ["negotiating"], "subject": ["Vietnam War"]})
"""

from __future__ import annotations

from collections.abc import Mapping

from .backends import get_backend
from .backends.base import Hit, SearchResult
from .params import SearchRequest, request_from_params


def search(params: Mapping, backend_name: str | None = None) -> SearchResult:
    """Run a search from GET-style parameters ({"q": [...], "from": [...], ...} or a QueryDict)."""
    return get_backend(backend_name).search(request_from_params(params))


__all__ = ["Hit", "SearchRequest", "SearchResult", "get_backend", "request_from_params", "search"]
