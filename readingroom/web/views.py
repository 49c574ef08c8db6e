"""Reading-room pages: thin views over services. Domain errors become responses in web/errors.py."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import render

from readingroom.records import services
from readingroom.records.models import Record
from readingroom.web import citations, contexts, mediatypes, pagecache


def home(request):
    return pagecache.page(
        request,
        ("home",),
        lambda: render(request, "readingroom/home.html", contexts.home_context(request.archive)),
    )


def record_list(request):
    page = Paginator(
        Record.objects.public().order_by("date_earliest", "id").only("id", "title", "date_text", "date_edtf"),
        50,
    ).get_page(request.GET.get("page"))
    return render(request, "readingroom/record_list.html", {"page": page})


def record(request, record_id: str):
    # The document (the largest column: a transcript's is hundreds of kilobytes) is read only when the page is made.
    rec = services.get_public_record(record_id.rstrip("/"), defer=("document",))

    def build():
        response = render(request, "readingroom/record.html", contexts.record_context(request, rec))
        response["Link"] = citations.signposting(request, rec)
        return response

    return pagecache.record_page(request, rec, build)


def authority_list(request, kind: str):
    return render(request, "readingroom/authority_list.html", contexts.authority_list_context(kind))


def authority(request, kind: str, key: str):
    ctx = contexts.authority_context(kind, key.rstrip("/"), request.GET.get("page"))
    return render(request, "readingroom/authority.html", ctx)


def years(request):
    return pagecache.page(
        request,
        ("years",),
        lambda: render(request, "readingroom/years.html", contexts.years_context(request.archive)),
    )


def year(request, year: int):
    return pagecache.page(
        request,
        ("year", year),
        lambda: render(
            request,
            "readingroom/year.html",
            contexts.year_context(year, request.GET.get("page"), request.archive),
        ),
    )


def on_this_day(request):
    return render(
        request, "readingroom/on_this_day.html", contexts.on_this_day_context(request.GET.get("date"))
    )


def media(request, path: str):
    """A record's file, only while the record is public; never run as a page (web/mediatypes.py)."""
    media_file, location = services.public_media_file(path)
    handle = open(location, "rb")
    served = mediatypes.served_as(location, handle.read(512))
    handle.seek(0)
    response = FileResponse(
        handle,
        content_type=served.content_type,
        as_attachment=not served.inline,
        filename=location.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = mediatypes.SANDBOX_CSP
    if media_file.sha256:
        response["Digest"] = f"sha-256={media_file.sha256}"
    response["Cache-Control"] = "no-cache"  # visibility can change: always revalidate
    return response
