"""The JSON API (/api/v1/, described by /api/v1/openapi.json) and the Wilson Center Digital Archive compatible API
(/srv/): resources (HTTP, thin) over the reading services of records/services.py and the archive's search backend.

    resources.py   the views of /api/v1/, a few lines each
    serializers.py records, hits and authorities as JSON (one module for every shape /api/v1/ gives out)
    da.py          the same records in the Digital Archive's shapes, and its search parameters as a SearchRequest
    da_resources.py  the views of /srv/
    http.py        JSON responses: ETag and Last-Modified with conditional GET, Link headers, CORS, methods
    openapi.py     the OpenAPI 3 document, generated from the tables the API reads (search fields, sorts, kinds)
    urls.py        both URL sets, included from readingroom/urls.py
"""
