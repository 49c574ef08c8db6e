"""A record's IIIF Presentation 3 manifest, built with PyPI `iiif-prezi3`: one canvas per scan, at the scan's
size, painted by the image (its level 0 image service when its tiles are made, else the file itself).

The web gives the absolute URLs (web/links.py), so that no id names a host the server is not on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from readingroom.records.models import Record

from .images import Scan, TileStore, scans

PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
MEDIA_TYPE = f'application/ld+json;profile="{PRESENTATION_CONTEXT}"'
# `rights` takes only these (Presentation 3.0, 3.3.1); any other licence goes in the required statement.
RIGHTS_PREFIXES = (
    "http://creativecommons.org/",
    "https://creativecommons.org/",
    "http://rightsstatements.org/",
)
THUMBNAIL_WIDTH = 200


@dataclass(frozen=True)
class ManifestLinks:
    manifest: str  # the manifest's own URL
    record: str  # the record page
    image_service: Callable[[str], str]  # image id -> its image service (without /info.json)
    media: Callable[[str], str]  # media path -> the file's URL


@dataclass(frozen=True)
class ScanCanvas:
    scan: Scan
    width: int
    height: int
    info: dict[str, Any] | None  # info.json, when the tiles are made


def canvases(record: Record, tiles: TileStore) -> list[ScanCanvas]:
    """The record's scans that are in the media folder, with their sizes."""
    out = []
    for scan in scans(record.document):
        info = tiles.info(scan.path)
        if info is not None:
            out.append(ScanCanvas(scan, info["width"], info["height"], info))
            continue
        size = _image_size(tiles, scan.path)
        if size is not None:
            out.append(ScanCanvas(scan, size[0], size[1], None))
    return out


def _image_size(tiles: TileStore, path: str) -> tuple[int, int] | None:
    """Read from the file's header (Pillow opens lazily), turned upright as the tiles are (exif_transpose)."""
    from PIL import Image

    location = tiles.source_file(path)
    if location is None:
        return None
    try:
        with Image.open(location) as image:
            orientation = image.getexif().get(0x0112, 1)  # EXIF Orientation: 5 to 8 turn it a quarter
            width, height = image.size
    except Exception:  # not an image after all: no canvas
        return None
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def manifest(record: Record, canvases: list[ScanCanvas], links: ManifestLinks) -> str:
    """The manifest as JSON-LD text."""
    from iiif_prezi3 import (
        Annotation,
        AnnotationBody,
        AnnotationPage,
        Canvas,
        Homepage,
        KeyValueString,
        Manifest,
        ServiceV3,
    )

    doc = record.document
    extra: dict[str, Any] = {}
    if doc.get("summary"):
        extra["summary"] = {"none": [doc["summary"]]}
    rights = doc.get("rights") or {}
    uri = rights.get("uri") or ""
    if uri.startswith(RIGHTS_PREFIXES):
        extra["rights"] = uri
    statement = rights.get("statement") or (uri if uri and "rights" not in extra else "")
    if statement:
        extra["requiredStatement"] = KeyValueString(label={"en": ["Rights"]}, value={"none": [statement]})
    metadata = [KeyValueString(label={"en": [k]}, value={"none": [v]}) for k, v in _metadata(doc)]
    built = Manifest(
        id=links.manifest,
        label={"none": [doc["title"]]},
        metadata=metadata or None,
        homepage=[Homepage(id=links.record, type="Text", label={"none": [doc["title"]]}, format="text/html")],
        **extra,
    )
    items = []
    for n, canvas in enumerate(canvases, 1):
        canvas_id = f"{links.record}@canvas/{n}"
        if canvas.info is not None:
            service = links.image_service(canvas.scan.image_id)
            body = AnnotationBody(
                id=f"{service}/full/max/0/default.jpg",
                type="Image",
                format="image/jpeg",
                width=canvas.width,
                height=canvas.height,
                service=[ServiceV3(id=service, type="ImageService3", profile="level0")],
            )
        else:
            body = AnnotationBody(
                id=links.media(canvas.scan.path),
                type="Image",
                format=canvas.scan.mime_type,
                width=canvas.width,
                height=canvas.height,
            )
        annotation = Annotation(id=f"{canvas_id}/image", motivation="painting", body=body, target=canvas_id)
        items.append(
            Canvas(
                id=canvas_id,
                label={"none": [canvas.scan.label or f"Image {n}"]},
                width=canvas.width,
                height=canvas.height,
                items=[AnnotationPage(id=f"{canvas_id}/page", items=[annotation])],
            )
        )
    built.items = items
    thumbnail = _thumbnail(canvases, links)
    if thumbnail:
        built.thumbnail = [AnnotationBody(**thumbnail)]
    return built.jsonld()


def _metadata(doc: dict) -> list[tuple[str, str]]:
    pairs = [
        ("Date", doc.get("date_text") or doc.get("date")),
        ("Type", ", ".join(doc.get("document_types") or [])),
        ("Creator", "; ".join(c["name"] for c in doc.get("creators") or [])),
        ("Recipient", "; ".join(c["name"] for c in doc.get("recipients") or [])),
        ("Archive", (doc.get("repository") or {}).get("name")),
        ("Collection", "; ".join(c["name"] for c in doc.get("collections") or [] if not c.get("parent"))),
        ("Source", doc.get("source_description")),
    ]
    return [(k, v) for k, v in pairs if v]


def _thumbnail(canvases: list[ScanCanvas], links: ManifestLinks) -> dict[str, Any] | None:
    """The first scan's smallest listed size at least THUMBNAIL_WIDTH wide (or its largest)."""
    for canvas in canvases:
        if canvas.info is None:
            continue
        sizes = canvas.info["sizes"]
        size = next((s for s in sizes if s["width"] >= THUMBNAIL_WIDTH), sizes[-1])
        service = links.image_service(canvas.scan.image_id)
        return {
            "id": f"{service}/full/{size['width']},{size['height']}/0/default.jpg",
            "type": "Image",
            "format": "image/jpeg",
            "width": size["width"],
            "height": size["height"],
        }
    return None
