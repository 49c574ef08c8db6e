"""A record's scans as IIIF images: static tiles and sizes (Image API 3.0, level 0), made once with Pillow.

A scan is a `media` entry with a `path` in the media folder whose type is an image (records/schema.py). Its
image id is a hash of that path: opaque, one URL segment, the same whichever record lists the file. Its tiles
live in READINGROOM_HOME/iiif/<image id>/:

    info.json                               the image information, without its "id" (the server adds it)
    source.json                             the media path, and the size and time of the file tiled
    full/<w>,<h>/0/default.jpg              the whole image at each size info.json lists (the last is "max")
    <x>,<y>,<w>,<h>/<w>,<h>/0/default.jpg   the tiles, at every scale factor

These are the canonical URLs of Image API 3.0, so that a viewer asks for exactly these files. They are made by
`readingroom iiif`, after `readingroom import`, and by `TileStore.for_records()` (the hook a store calls when
records are saved), and served only while a public record lists the file (`public_source`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from math import ceil
from pathlib import Path
from typing import Any

from readingroom.config import ArchiveSettings
from readingroom.records.errors import NotFound

TILE = 256  # pixels a side
JPEG_QUALITY = 85
LAYOUT = 1  # of the files above: tiles of another layout are made again
STALE_BUILD = 24 * 3600  # seconds after which a half-made folder (.<id>.<pid>.new) is taken as abandoned
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
}
IMAGE_ID = re.compile(r"^[0-9a-f]{32}$")
REGION = re.compile(r"^(full|\d+,\d+,\d+,\d+)$")
SIZE = re.compile(r"^\d+,\d+$")
CONTEXT = "http://iiif.io/api/image/3/context.json"


def image_id(path: str) -> str:
    return hashlib.sha256(path.encode()).hexdigest()[:32]


def image_type(path: str, mime_type: str | None) -> str | None:
    """The image's media type, or None when the file is not an image (by its stated type, else its name)."""
    mime = mime_type or IMAGE_TYPES.get(Path(path).suffix.lower())
    return mime if mime and mime.startswith("image/") else None


@dataclass(frozen=True)
class Scan:
    path: str  # in the media folder
    mime_type: str
    label: str | None = None

    @property
    def image_id(self) -> str:
        return image_id(self.path)


def scans(doc: dict) -> list[Scan]:
    """The record's images kept in the media folder, in document order."""
    out: dict[str, Scan] = {}
    for media in doc.get("media") or []:
        path = media.get("path")
        mime = image_type(path, media.get("mime_type")) if path else None
        if path and mime and path not in out:
            out[path] = Scan(path, mime, media.get("label"))
    return list(out.values())


# -- the tiles of one image: a plan, then the files ---------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    region: str  # "full" or "x,y,w,h" in full-size pixels
    size: tuple[int, int]  # of the tile's image
    box: tuple[int, int, int, int]  # the tile's pixels in the image reduced by `factor`
    factor: int


def scale_factors(width: int, height: int, tile: int = TILE) -> list[int]:
    """1, 2, 4... until the whole image fits one tile."""
    factors = [1]
    while ceil(width / factors[-1]) > tile or ceil(height / factors[-1]) > tile:
        factors.append(factors[-1] * 2)
    return factors


def tiles(width: int, height: int, tile: int = TILE) -> list[Tile]:
    """Every tile of a level 0 image service, as the Image API computes a tile's region and size."""
    out = []
    for factor in scale_factors(width, height, tile):
        step = tile * factor
        for y in range(0, height, step):
            for x in range(0, width, step):
                w, h = min(step, width - x), min(step, height - y)
                size = (ceil(w / factor), ceil(h / factor))
                region = "full" if (x, y, w, h) == (0, 0, width, height) else f"{x},{y},{w},{h}"
                box = (x // factor, y // factor, x // factor + size[0], y // factor + size[1])
                out.append(Tile(region, size, box, factor))
    return out


def info_json(width: int, height: int, tile: int = TILE) -> dict[str, Any]:
    """info.json of a level 0 service (without its "id")."""
    factors = scale_factors(width, height, tile)
    return {
        "@context": CONTEXT,
        "id": "",
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level0",
        "width": width,
        "height": height,
        "sizes": [{"width": ceil(width / f), "height": ceil(height / f)} for f in reversed(factors)],
        "tiles": [{"width": tile, "height": tile, "scaleFactors": factors}],
    }


def _for_jpeg(image):
    """The image in a mode JPEG can hold: grey stays grey, transparency goes onto white."""
    from PIL import Image

    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):  # 16-bit greys, as many scanners write
        return image.convert("I").point(lambda v: v / 256).convert("L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        white = Image.new("RGB", image.size, "white")
        white.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
        return white
    return image.convert("RGB")


def render(source: Path, target: Path, tile: int = TILE) -> dict[str, Any]:
    """Write the sizes, tiles and info.json of the image `source` into the new folder `target`."""
    from PIL import Image, ImageOps

    with Image.open(source) as opened:
        image = _for_jpeg(ImageOps.exif_transpose(opened))
        image.load()
    width, height = image.size
    info = info_json(width, height, tile)

    def save(picture, region: str, size: tuple[int, int]) -> None:
        folder = target / region / f"{size[0]},{size[1]}" / "0"
        folder.mkdir(parents=True, exist_ok=True)
        picture.save(folder / "default.jpg", "JPEG", quality=JPEG_QUALITY)

    plan = tiles(width, height, tile)
    level, level_factor = image, 1
    for factor in scale_factors(width, height, tile):
        # Each level halves the one before: a quarter of its cost, and the sizes ceil() gives.
        while level_factor < factor:
            level, level_factor = level.reduce(2), level_factor * 2
        save(level, "full", level.size)
        for t in plan:
            if t.factor == factor and t.region != "full":
                save(level.crop(t.box), t.region, t.size)
    (target / "info.json").write_text(json.dumps(info, indent=1))
    return info


# -- where an archive keeps them ------------------------------------------------------------------------------------


@dataclass
class TileReport:
    made: int = 0
    fresh: int = 0
    failed: list[str] = field(default_factory=list)  # "path: why"

    def line(self) -> str:
        failed = f", {len(self.failed)} failed" if self.failed else ""
        return f"iiif: tiles made for {self.made} images, {self.fresh} up to date{failed}"


@dataclass(frozen=True)
class TileStore:
    root: Path  # READINGROOM_HOME/iiif
    media_root: Path  # READINGROOM_HOME/media

    @classmethod
    def of(cls, settings: ArchiveSettings) -> TileStore:
        return cls(settings.iiif_path, settings.media_path)

    def folder(self, image: str) -> Path:
        if not IMAGE_ID.match(image):
            raise NotFound(f"no image {image!r}")
        return self.root / image

    def source_file(self, path: str) -> Path | None:
        """The media file at `path`, if it is there (and inside the media folder)."""
        root = self.media_root.resolve()
        location = (root / path).resolve()
        return location if location.is_relative_to(root) and location.is_file() else None

    def _stamp(self, path: str, location: Path) -> dict[str, Any]:
        st = location.stat()
        return {"path": path, "size": st.st_size, "mtime_ns": st.st_mtime_ns, "layout": LAYOUT}

    def info(self, path: str) -> dict[str, Any] | None:
        """info.json of the file at `path` when its tiles are up to date with it, else None."""
        location = self.source_file(path)
        if location is None:
            return None
        folder = self.root / image_id(path)
        try:
            stamp = json.loads((folder / "source.json").read_text())
            info = json.loads((folder / "info.json").read_text())
        except (OSError, ValueError):
            return None
        return info if stamp == self._stamp(path, location) else None

    def make(self, path: str) -> dict[str, Any]:
        """Make the tiles of the file at `path` (again), replacing any that are there."""
        location = self.source_file(path)
        if location is None:
            raise FileNotFoundError(f"{path} is not in the media folder {self.media_root}")
        self.root.mkdir(parents=True, exist_ok=True)
        image = image_id(path)
        building = self.root / f".{image}.{os.getpid()}.new"
        shutil.rmtree(building, ignore_errors=True)
        try:
            info = render(location, building)
            (building / "source.json").write_text(json.dumps(self._stamp(path, location)))
            final, old = self.root / image, self.root / f".{image}.{os.getpid()}.old"
            if final.exists():
                final.rename(old)
            building.rename(final)  # readers see the old tiles or the new ones, never half of them
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(building, ignore_errors=True)
        return info

    def stale(self, paths: Iterable[str]) -> list[str]:
        """Those of `paths` whose tiles are missing or older than their file."""
        return [path for path in dict.fromkeys(paths) if self.info(path) is None]

    def update(
        self, paths: Iterable[str], *, again: bool = False, on_image: Callable[[], object] | None = None
    ) -> TileReport:
        """Make the tiles that are missing or older than their file (`again`: all of them)."""
        report = TileReport()
        for path in dict.fromkeys(paths):
            if not again and self.info(path) is not None:
                report.fresh += 1
            else:
                try:
                    self.make(path)
                except Exception as e:  # a file Pillow cannot read is reported; the others go on
                    report.failed.append(f"{path}: {e}")
                else:
                    report.made += 1
            if on_image is not None:
                on_image()
        return report

    def for_records(self, record_ids: Iterable[str]) -> TileReport:
        """Tiles for the scans of these records (any status: ready when a record is published)."""
        from readingroom.records.models import MediaFile

        rows = MediaFile.objects.filter(record_id__in=list(record_ids)).values_list("path", "mime_type")
        return self.update(path for path, mime in rows if image_type(path, mime))

    def all_scans(self) -> list[str]:
        """The media path of every image any record lists."""
        from readingroom.records.models import MediaFile

        rows = MediaFile.objects.order_by("path").values_list("path", "mime_type").distinct()
        return list(
            dict.fromkeys(path for path, mime in rows.iterator(chunk_size=2000) if image_type(path, mime))
        )

    def prune(self) -> int:
        """Remove the tiles of files no record lists any more. Returns how many images went."""
        from readingroom.records.models import MediaFile

        removed = 0
        if not self.root.is_dir():
            return 0
        for folder in self.root.iterdir():
            if folder.name.startswith("."):
                with contextlib.suppress(OSError):  # another maker may rename it meanwhile
                    if time.time() - folder.stat().st_mtime > STALE_BUILD:  # left by a maker that was stopped
                        shutil.rmtree(folder, ignore_errors=True)
                continue
            try:
                path = json.loads((folder / "source.json").read_text())["path"]
            except (OSError, ValueError, KeyError):
                path = None
            if path is None or not MediaFile.objects.filter(path=path).exists():
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed

    # -- serving --------------------------------------------------------------------------------------------------
    def public_source(self, image: str) -> str:
        """The media path of a tiled image that a public record lists; NotFound otherwise."""
        from readingroom.records.models import MediaFile, Record

        try:
            path = json.loads((self.folder(image) / "source.json").read_text())["path"]
        except (OSError, ValueError, KeyError):
            raise NotFound(f"no image {image!r}") from None
        if not MediaFile.objects.filter(path=path, record__in=Record.objects.public()).exists():
            raise NotFound(f"no image {image!r}")
        return path

    def public_info(self, image: str) -> dict[str, Any]:
        self.public_source(image)
        try:
            return json.loads((self.folder(image) / "info.json").read_text())
        except (OSError, ValueError):
            raise NotFound(f"no image {image!r}") from None

    def public_file(self, image: str, region: str, size: str, rotation: str, quality: str, fmt: str) -> Path:
        """The file a level 0 image request names, if it was made and the image is public."""
        self.public_source(image)
        folder = self.folder(image)
        if rotation != "0" or quality != "default" or fmt != "jpg" or not REGION.match(region):
            raise NotFound(
                "a level 0 image: region and size as info.json lists them, rotation 0, default.jpg"
            )
        size = self._canonical_size(folder, region, size)
        location = folder / region / size / "0" / "default.jpg"
        if not location.is_file():
            raise NotFound(
                f"no {region}/{size} of image {image!r}: see its info.json for the sizes and tiles"
            )
        return location

    def _canonical_size(self, folder: Path, region: str, size: str) -> str:
        """'max' and 'w,' or ',h' as the 'w,h' of a file that was made, when one fits."""
        if size == "max":
            if region == "full":
                info = json.loads((folder / "info.json").read_text())
                return f"{info['width']},{info['height']}"
            return ",".join(region.split(",")[2:])  # at full scale a region's size is its own
        if SIZE.match(size):
            return size
        match = re.fullmatch(r"(\d+),|,(\d+)", size)
        if match and (folder / region).is_dir():
            for made in (folder / region).iterdir():
                w, _, h = made.name.partition(",")
                if (match[1] and w == match[1]) or (match[2] and h == match[2]):
                    return made.name
        raise NotFound(f"size {size!r} is not one of this image's: see its info.json")
