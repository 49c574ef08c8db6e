"""IIIF: a public record's Presentation 3 manifest (/records/<id>/@manifest.json) and its scans as level 0 image
services (/iiif/<image id>/info.json and the static files it lists). Nothing of a record that is not public:
each request asks the one visibility rule (records/visibility.py) again. Open to every origin (CORS), as IIIF
viewers run on other sites.
"""

from __future__ import annotations

from django.http import FileResponse, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.http import http_date
from django.views.static import was_modified_since

from readingroom.iiif.images import CONTEXT, TileStore
from readingroom.iiif.manifest import MEDIA_TYPE, ManifestLinks, canvases
from readingroom.iiif.manifest import manifest as build_manifest
from readingroom.records import services
from readingroom.records.errors import NotFound
from readingroom.web.links import absolute


def _open(response: HttpResponseBase) -> HttpResponseBase:
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "no-cache"  # visibility can change: always revalidate
    return response


def manifest_links(request, record_id: str) -> ManifestLinks:
    return ManifestLinks(
        manifest=absolute(request, reverse("iiif-manifest", kwargs={"record_id": record_id})),
        record=absolute(request, reverse("record", kwargs={"record_id": record_id})),
        image_service=lambda image: absolute(request, reverse("iiif-image-base", kwargs={"image": image})),
        media=lambda path: absolute(request, reverse("media", kwargs={"path": path})),
    )


def manifest(request, record_id: str):
    record = services.get_public_record(record_id)
    found = canvases(record, TileStore.of(request.archive.settings))
    if not found:
        raise NotFound(f"record {record_id!r} has no scans")
    body = build_manifest(record, found, manifest_links(request, record.pk))
    return _open(HttpResponse(body, content_type=MEDIA_TYPE))


def image_base(request, image: str):
    TileStore.of(request.archive.settings).public_source(image)
    return _open(HttpResponseRedirect(reverse("iiif-image-info", kwargs={"image": image})))


def image_info(request, image: str):
    info = TileStore.of(request.archive.settings).public_info(image)
    info["id"] = absolute(request, reverse("iiif-image-base", kwargs={"image": image}))
    if "application/ld+json" in request.headers.get("Accept", ""):
        content_type = f'application/ld+json;profile="{CONTEXT}"'
    else:
        content_type = "application/json"
    response = JsonResponse(info, content_type=content_type)
    response["Link"] = '<http://iiif.io/api/image/3/level0.json>;rel="profile"'
    return _open(response)


def image(request, image: str, region: str, size: str, rotation: str, quality: str, fmt: str):
    location = TileStore.of(request.archive.settings).public_file(image, region, size, rotation, quality, fmt)
    mtime = location.stat().st_mtime
    if not was_modified_since(request.headers.get("If-Modified-Since"), int(mtime)):
        return _open(HttpResponse(status=304))
    response = FileResponse(open(location, "rb"), content_type="image/jpeg")
    response["Last-Modified"] = http_date(mtime)
    return _open(response)
