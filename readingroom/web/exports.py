"""/export/?format=csv&q=...: the public records a search finds (the search page's parameters), as a download
streamed in constant memory. The formats are the export table's (exports/formats.py), except folder formats.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

from readingroom.exports import formats
from readingroom.exports.selection import Selection
from readingroom.search.params import MAX_RESULTS, request_from_params
from readingroom.web.errors import error_response
from readingroom.web.links import base_url

BUFFER = 64 * 1024  # characters sent at a time: one write per record would cost a system call each


def export(request):
    try:
        fmt = formats.get(request.GET.get("format", ""), streamed=True)
    except formats.UnknownFormat as e:
        return error_response(request, 400, "Bad request", str(e))
    search = request_from_params(request.GET)
    selection = Selection.of_search(request.archive.search, search, limit=MAX_RESULTS)
    context = formats.ExportContext(site_name=request.archive.settings.site_name, base_url=base_url(request))
    response = StreamingHttpResponse(
        buffered(fmt.stream(selection, selection.records(), context)), content_type=fmt.media_type
    )
    response["Content-Disposition"] = f'attachment; filename="{fmt.filename(f"records-{dt.date.today()}")}"'
    response["Cache-Control"] = "no-cache"  # visibility can change
    if selection.truncated:
        response["Readingroom-Export-Note"] = (
            f"the search found {selection.found} records; the first {MAX_RESULTS} are exported"
        )
    return response


def buffered(pieces: Iterable[str], size: int = BUFFER) -> Iterator[str]:
    buffer: list[str] = []
    held = 0
    for piece in pieces:
        buffer.append(piece)
        held += len(piece)
        if held >= size:
            yield "".join(buffer)
            buffer, held = [], 0
    if buffer:
        yield "".join(buffer)
