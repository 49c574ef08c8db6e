"""The addresses of both APIs; readingroom/urls.py mounts `v1` at /api/v1/ and `srv` at /srv/.

Record ids and authority keys may contain "/", so they are `path` segments; openapi.py turns these routes into
the document's paths, and a test checks that every route here is there.
"""

from django.urls import path, re_path

import readingroom.web.urls  # noqa: F401 - registers the "kind" converter (an authority kind's plural)

from . import da, da_resources, resources

DA_MODELS = "|".join(da.MODELS)

v1 = (
    [
        path("", resources.index, name="index"),
        path("openapi.json", resources.document, name="openapi"),
        path("search", resources.search, name="search"),
        path("records/<path:record_id>", resources.record, name="record"),
        path("<kind:kind>/", resources.authorities, name="authorities"),
        path("<kind:kind>/<path:key>", resources.authority, name="authority"),
    ],
    "api",
)

srv = (
    [
        path("record.json", da_resources.search, name="search"),
        path("record/date_range.json", da_resources.date_range, name="date_range"),
        re_path(r"^record/(?P<record_id>.+)/@text/(?P<number>[0-9]+)\.html$", da_resources.text, name="text"),
        re_path(r"^record/(?P<record_id>.+)\.json$", da_resources.record, name="record"),
        re_path(rf"^(?P<model>{DA_MODELS})\.json$", da_resources.authorities, name="authorities"),
        re_path(rf"^(?P<model>{DA_MODELS})/(?P<key>.+)\.json$", da_resources.authority, name="authority"),
    ],
    "da",
)
