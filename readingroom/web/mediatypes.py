"""What a media file is served as. A file in the media folder came from an import or an editor: it may be an SVG
or HTML page with script, or script under a harmless name. Served from the site's own origin, next to /admin/,
it must never run. So:

- the Content-Type comes from an allow-list by extension, checked against the file's first bytes; a record's
  declared mime_type is not trusted;
- anything that could run (SVG, HTML, XML, unknown types, and a file whose bytes disagree with its extension) is
  served as application/octet-stream with Content-Disposition: attachment;
- every media response says nosniff and carries a sandboxing CSP (web/views.py `media`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SANDBOX_CSP = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'"
DOWNLOAD_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class Served:
    content_type: str
    inline: bool


def _starts(*magic: bytes):
    return lambda head: any(head.startswith(m) for m in magic)


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = head[:-3].decode("utf-8")  # a character cut at the end of the sample
        except UnicodeDecodeError:
            return False
    lowered = text.lstrip().lower()
    # Markup a browser might render if it ever ignored nosniff: refused as text.
    return not lowered.startswith(("<", "\ufeff<")) and "<script" not in lowered and "\x00" not in text


# extension -> (type, check of the first bytes). Types a browser shows without running anything.
INLINE_TYPES: dict[str, tuple[str, object]] = {
    ".jpg": ("image/jpeg", _starts(b"\xff\xd8\xff")),
    ".jpeg": ("image/jpeg", _starts(b"\xff\xd8\xff")),
    ".png": ("image/png", _starts(b"\x89PNG\r\n\x1a\n")),
    ".gif": ("image/gif", _starts(b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", lambda h: h[:4] == b"RIFF" and h[8:12] == b"WEBP"),
    ".tif": ("image/tiff", _starts(b"II*\x00", b"MM\x00*")),
    ".tiff": ("image/tiff", _starts(b"II*\x00", b"MM\x00*")),
    ".jp2": ("image/jp2", _starts(b"\x00\x00\x00\x0cjP  \r\n\x87\n")),
    ".pdf": ("application/pdf", _starts(b"%PDF-")),
    ".mp3": ("audio/mpeg", _starts(b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    ".wav": ("audio/wav", lambda h: h[:4] == b"RIFF" and h[8:12] == b"WAVE"),
    ".ogg": ("audio/ogg", _starts(b"OggS")),
    ".mp4": ("video/mp4", lambda h: h[4:8] == b"ftyp"),
    ".txt": ("text/plain; charset=utf-8", _looks_like_text),
}


def served_as(path: str | Path, head: bytes) -> Served:
    """How to serve a file, from its name and its first bytes (512 are plenty)."""
    known = INLINE_TYPES.get(Path(path).suffix.lower())
    if known is not None:
        content_type, matches = known
        if matches(head):  # type: ignore[operator]
            return Served(content_type, inline=True)
    return Served(DOWNLOAD_TYPE, inline=False)
