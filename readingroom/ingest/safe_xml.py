"""Every XML and HTML parse of an imported file goes through here, so the defences against hostile markup are
written once.

XML importers with entity expansion on were CVEs in other archives (DSpace, 2025). Two layers, so that one
mistake does not open the other:

- Before lxml sees a byte, the prolog is scanned and a DOCTYPE (hence every entity declaration: "billion laughs",
  external entities reading ``file:///etc/passwd``, parameter entities fetching a DTD) is refused with a message
  that names its line and says what to do. No real TEI or taxonomy file has one.
- The parser runs with entities unresolved, no DTD loading, no network and libxml2's size and depth limits
  (``huge_tree=False``); a DOCTYPE the scan missed (an unusual encoding, a prolog longer than the caller
  scanned) is refused from the parsed tree at the first element, before any content is read.

HTML record pages are the exception that proves the rule: every saved page starts with a DOCTYPE, and libxml2's
HTML parser neither loads a DTD nor expands declared entities. A DOCTYPE with an internal subset is still refused,
since no web page has one and the parser would show its declarations as page text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from lxml import etree

from .base import IngestError

if TYPE_CHECKING:
    from lxml import html as lhtml

PARSER_OPTIONS: dict[str, Any] = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)

PROLOG_LIMIT = 1 << 20  # a prolog (XML declaration, comments, PIs) longer than this is not a real document's


class XmlRefused(IngestError):
    """The markup declares a DOCTYPE or entities: refused, never parsed. `in_prolog` is False when the parsed
    tree, not the prolog scan, found it."""

    def __init__(self, message: str, *, in_prolog: bool = True):
        super().__init__(message)
        self.in_prolog = in_prolog


# -- the prolog scan ---------------------------------------------------------------------------------------------


def check_prolog(path: Path, *, schema: str | None = None) -> None:
    """Refuse a file whose prolog has a DOCTYPE, reading no more of it than a prolog can be."""
    with open(path, "rb") as f:
        refuse_doctype(f.read(PROLOG_LIMIT + 1), schema=schema)


def refuse_doctype(head: bytes, *, schema: str | None = None) -> None:
    """Refuse a DOCTYPE in the prolog of `head`, the first bytes of an XML document.

    `schema` names the format that needs no DOCTYPE ("TEI P5"), for the message. A prolog that does not end
    within `head` passes when `head` is no longer than PROLOG_LIMIT: the parser then refuses what the scan missed.
    """
    text, i = _prolog_text(head)
    found = _doctype_at(text, i)
    if found == _UNENDED and len(head) > PROLOG_LIMIT:
        raise IngestError(
            f"the XML prolog (declaration, comments) runs over {PROLOG_LIMIT >> 20} MiB "
            "before the root element: this is not a document to import"
        )
    if found >= 0:
        _refuse_declaration(text, found, "XML", schema)


def refuse_doctype_in_tree(element: etree._Element, *, schema: str | None = None) -> None:
    """The second layer: a DOCTYPE that reached the parser (its prolog was not scanned, or not all of it)."""
    docinfo = element.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise XmlRefused(
            "XML with a DOCTYPE is refused: a DOCTYPE can declare entities or load files from "
            f"elsewhere. {_remove('it', schema)}",
            in_prolog=False,
        )


_UNENDED = -2  # a comment or PI of the prolog does not end within the bytes scanned
_ROOT = -1  # the prolog ended at an element (or at junk the parser will name)


def _prolog_text(head: bytes) -> tuple[str, int]:
    """The head as text for scanning, and where the prolog starts (after a byte order mark)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="replace")
    else:
        text = head.decode(
            "latin-1"
        )  # only ASCII markup matters here; any ASCII-compatible encoding scans alike
    if text.startswith("\ufeff"):
        return text, 1
    return text, 3 if text.startswith("\xef\xbb\xbf") else 0


def _doctype_at(text: str, i: int) -> int:
    """Where the prolog's DOCTYPE starts, skipping the declaration, PIs and comments; _ROOT or _UNENDED if none."""
    n = len(text)
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if text.startswith("<?", i):
            end, step = text.find("?>", i), 2
        elif text.startswith("<!--", i):
            end, step = text.find("-->", i), 3
        elif text[i : i + 9].upper() == "<!DOCTYPE":
            return i
        else:
            return _ROOT
        if end < 0:
            return _UNENDED
        i = end + step


def _declaration(text: str, start: int) -> str:
    """The DOCTYPE declaration from `start`: to "]>" when it has an internal subset, else to the first ">"."""
    bracket, close = text.find("[", start), text.find(">", start)
    end = text.find("]>", start) if 0 <= bracket < close else close
    return text[start : end + 2 if end >= 0 else len(text)]


def _refuse_declaration(text: str, start: int, markup: str, schema: str | None) -> None:
    line = text.count("\n", 0, start) + 1
    decl = _declaration(text, start)
    external = re.search(r"<!ENTITY\s+(%\s*)?[\w.:-]+\s+(SYSTEM|PUBLIC)\b[^>]*>", decl)
    if external:
        raise XmlRefused(
            f"{markup} with an external entity is refused (line {line}: {_snippet(external.group(0))}): external "
            f"entities can read local files or the network. {_remove('the DOCTYPE', schema)}"
        )
    entity = re.search(r"<!ENTITY\s+(%\s*)?[^>]*>", decl)
    if entity:
        count = len(re.findall(r"<!ENTITY", decl))
        raise XmlRefused(
            f"{markup} with entity declarations is refused (line {line}: {count} declared, the first "
            f"{_snippet(entity.group(0))}): entities can expand to gigabytes ('billion laughs'). Remove the "
            "DOCTYPE and write the characters themselves"
        )
    if markup == "HTML":
        raise XmlRefused(
            f"HTML with a DOCTYPE that declares anything is refused (line {line}: {_snippet(decl)}): a page's "
            "DOCTYPE is just <!DOCTYPE html>; use that"
        )
    raise XmlRefused(
        f"XML with a DOCTYPE is refused (line {line}: {_snippet(decl)}): a DOCTYPE can declare entities or load "
        f"files from elsewhere. {_remove('it', schema)}"
    )


def _remove(what: str, schema: str | None) -> str:
    return f"Remove {what}; {schema} needs none" if schema else f"Remove {what}"


def _snippet(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- parsing -----------------------------------------------------------------------------------------------------


def iterparse(
    stream: BinaryIO,
    *,
    events: tuple[str, ...] = ("start", "end"),
    tag: Any = None,
    schema: str | None = None,
) -> Iterator[tuple[str, Any]]:
    """Stream (event, element) pairs with the safe options, refusing a DOCTYPE at the first element.

    Scan the prolog first (`check_prolog`, `refuse_doctype`): its refusal names the declaration and its line.
    Syntax errors propagate as lxml's XMLSyntaxError, for the caller to word for its format.
    """
    etree.clear_error_log()  # the log is per thread: earlier files' errors must not name this one's
    pairs = etree.iterparse(stream, events=events, tag=tag, **PARSER_OPTIONS)
    for first in pairs:
        refuse_doctype_in_tree(first[1], schema=schema)
        yield first
        break
    yield from pairs


def parse_bytes(data: bytes, *, schema: str | None = None) -> etree._Element:
    """A whole XML document held in memory, refused as `iterparse` refuses it; its root element."""
    refuse_doctype(data[: PROLOG_LIMIT + 1], schema=schema)
    etree.clear_error_log()
    root = etree.fromstring(data, etree.XMLParser(**PARSER_OPTIONS))
    refuse_doctype_in_tree(root, schema=schema)
    return root


def html_parser() -> lhtml.HTMLParser:
    """For record pages: no network, and comments and processing instructions dropped rather than read as text."""
    from lxml import html as lhtml  # only record pages need it: imports of other formats do without

    return lhtml.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)


def parse_html(data: bytes) -> lhtml.HtmlElement:
    """A saved HTML page's root element; a DOCTYPE with an internal subset (entity declarations) is refused."""
    text, i = _prolog_text(data[: PROLOG_LIMIT + 1])
    found = _doctype_at(text, i)
    if found >= 0 and "[" in _declaration(text, found):
        _refuse_declaration(text, found, "HTML", None)
    from lxml import html as lhtml

    return lhtml.document_fromstring(data, parser=html_parser())
