"""Metadata formats: what a format writer is, and the registry of the formats a repository disseminates.

A format is a `MetadataFormat` subclass with a `prefix`, the `schema` and `namespace` ListMetadataFormats
announces, and `write(item, context)` returning the lxml element that goes inside `<metadata>`. The built-in
ones (oai_dc, mods) are registered exactly as a third party's are: by an entry in the `readingroom.oai_formats`
entry-point group of a package's metadata (Readingroom's own pyproject.toml lists its built-ins there), or by
`registry.register(fmt)` in code. A writer reads the item's canonical document (records/schema.py,
docs/record-schema.md) and makes absolute links with `context.links`; `text()` and `sub()` keep what it writes
valid XML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import entry_points

from lxml import etree

from .provider import Item, Links

ENTRY_POINT_GROUP = "readingroom.oai_formats"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

# "module:class"; also entry points in pyproject.toml, listed here so that a source tree run without
# installing has them (as ingest/registry.py does for importers). A test keeps the two lists equal.
BUILTINS = (
    "readingroom.oai.dc:DublinCore",
    "readingroom.oai.mods:Mods",
)


@dataclass(frozen=True)
class Context:
    """What a writer may need besides the item."""

    links: Links
    repository_name: str


class MetadataFormat:
    prefix: str = ""
    schema: str = ""
    namespace: str = ""

    def can_disseminate(self, item: Item) -> bool:
        """Whether this format can describe the item (a format for, say, records with media only)."""
        return True

    def write(self, item: Item, context: Context) -> etree._Element:
        raise NotImplementedError(f"{type(self).__name__} must implement write(item, context)")


def load(target: str) -> type[MetadataFormat]:
    module, _, name = target.partition(":")
    cls = getattr(import_module(module), name)
    if not (isinstance(cls, type) and issubclass(cls, MetadataFormat)):
        raise TypeError(f"{target} is not a MetadataFormat subclass")
    return cls


class FormatRegistry:
    def __init__(self, formats: Iterable[MetadataFormat] = ()):
        self._formats: dict[str, MetadataFormat] = {}
        for fmt in formats:
            self.register(fmt)

    @classmethod
    def default(cls) -> FormatRegistry:
        """The built-in formats and every format installed packages declare as entry points."""
        registry = cls(load(target)() for target in BUILTINS)
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.value.replace(" ", "") not in BUILTINS:
                registry.register(ep.load()())
        return registry

    def register(self, fmt: MetadataFormat) -> MetadataFormat:
        for attribute in ("prefix", "schema", "namespace"):
            if not getattr(fmt, attribute):
                raise ValueError(
                    f"{type(fmt).__name__} has no {attribute}: set the class attribute `{attribute}`"
                )
        if fmt.prefix in self._formats:
            raise ValueError(f"a metadata format with the prefix {fmt.prefix!r} is already registered")
        self._formats[fmt.prefix] = fmt
        return fmt

    def get(self, prefix: str) -> MetadataFormat | None:
        return self._formats.get(prefix)

    def formats(self) -> list[MetadataFormat]:
        return list(self._formats.values())


# -- writing XML ----------------------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry (control characters, lone surrogates): dropped, not escaped.
NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def text(value: object) -> str:
    return NOT_XML.sub("", str(value))


def sub(parent: etree._Element, tag: str, value: object = None, **attributes: str | None) -> etree._Element:
    """A child element with text (when given) and the attributes that have a value."""
    el = etree.SubElement(parent, tag, {k: text(v) for k, v in attributes.items() if v})
    if value is not None:
        el.text = text(value)
    return el


def schema_location(el: etree._Element, namespace: str, schema: str) -> None:
    el.set(f"{{{XSI}}}schemaLocation", f"{namespace} {schema}")
