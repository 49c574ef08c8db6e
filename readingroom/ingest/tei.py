"""TEI P5 documents: safe parsing, TEI to HTML, and the importer for standalone TEI documents.

Parsing goes through safe_xml.py, which refuses any DOCTYPE (hence any entity declaration) before lxml reads the
file; here the root must then be ``<TEI xmlns="http://www.tei-c.org/ns/1.0">``, and parse errors are worded for
the person who has to fix the file. Files are read with ``iterparse`` so large ones stream.

`Renderer` turns TEI markup into the sanitized HTML subset of records/texts.py: footnotes become record notes with
anchors, page breaks become ``<span class="pb">`` markers that never split a word, links resolve through a callback,
and elements it does not know keep their text and are reported once per name. FRUS volumes (frus.py) use the same
pieces; this module's importer reads one-document files such as the history.state.gov "frus-history" documents:
one record per file, several ``div type="document"`` becoming sections of it.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from readingroom.records import dates, texts

from . import safe_xml
from .base import AuthorityEntry, Entry, Importer, IngestError, Notice, RecordEntry, Source

TEI_NS = "http://www.tei-c.org/ns/1.0"
FRUS_NS = "http://history.state.gov/frus/ns/1.0"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

PB_TAG = "{http://www.tei-c.org/ns/1.0}pb"


def tei(name: str) -> str:
    return f"{{{TEI_NS}}}{name}"


_SPLIT: dict[
    str, tuple[str | None, str]
] = {}  # tag -> (namespace, local name): rendering asks millions of times


def split_tag(tag: Any) -> tuple[str | None, str]:
    """(namespace, local name) of an element tag; (None, "") for comments and processing instructions."""
    if not isinstance(tag, str):
        return None, ""
    found = _SPLIT.get(tag)
    if found is None:
        found = (tag[1:].split("}", 1)[0], tag.rsplit("}", 1)[-1]) if tag.startswith("{") else (None, tag)
        if len(_SPLIT) < 4096:  # a hostile file's thousands of invented names must not grow the cache forever
            _SPLIT[tag] = found
    return found


def local(tag: Any) -> str:
    """Local name of an element tag; "" for comments and processing instructions."""
    return split_tag(tag)[1]


def namespace(tag: Any) -> str | None:
    return split_tag(tag)[0]


def display_name(tag: str) -> str:
    ns, name = namespace(tag), local(tag)
    if ns in (None, TEI_NS):
        return name
    return f"frus:{name}" if ns == FRUS_NS else f"{{{ns}}}{name}"


def squash(text: str | None) -> str:
    """Whitespace runs (TEI sources are pretty-printed) become one space."""
    if not text:
        return ""
    if text.isspace():
        return " "
    if "\n" not in text and "\t" not in text and "  " not in text and "\r" not in text:
        return text
    return _WS.sub(" ", text)


_WS = re.compile(r"\s+")


def plain_text(el: etree._Element, skip: tuple[str, ...] = ("note",)) -> str:
    """The text of an element without its notes (titles are "the head without notes"), whitespace folded."""
    parts: list[str] = []

    def walk(e: etree._Element) -> None:
        if e.text:
            parts.append(e.text)
        for child in e:
            name = local(child.tag)
            if name == "lb":
                parts.append(" ")
            elif name and name not in skip:
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return " ".join("".join(parts).split())


# -- safe parsing ------------------------------------------------------------------------------------------------

SCHEMA = "TEI P5"  # for safe_xml's refusals: "TEI P5 needs none" (no DOCTYPE)


def _first_line_with_id(path: Path, ident: str, second: int) -> int | None:
    """The line of an id's first definition, read again on this error path only (libxml2 names the second's)."""
    pattern = re.compile(rb"xml:id\s*=\s*[\"']" + re.escape(ident.encode()) + rb"[\"']")
    number = 1
    with open(path, "rb") as f:
        for text in iter(lambda: f.readline(1 << 20), b""):  # pieces of at most 1 MiB, whatever the lines
            found = len(pattern.findall(text))
            if found and (number < second or found > 1):
                return number
            if number >= second:
                return None
            number += text.endswith(b"\n")
    return None


def _syntax_message(error: etree.XMLSyntaxError, path: Path) -> str:
    msg, (line, column) = error.msg or "", error.position
    if not line or msg.startswith("no element found"):
        # With entities unresolved, libxml2's exception can say a bare "no element found": its log says more.
        entries = [e for e in error.error_log if e.level_name in ("ERROR", "FATAL")]
        if entries:
            msg, line, column = entries[-1].message, entries[-1].line, entries[-1].column
    msg = msg or "unreadable XML"
    msg = re.sub(r", line \d+, column \d+$", "", msg.strip())
    if msg.startswith("Excessive depth"):
        return (
            f"the XML nests elements deeper than 256 levels (line {line}): that is not a real document, "
            "and deep nesting is a known way to exhaust parsers"
        )
    duplicate = re.match(r"ID (\S+) already defined", msg)
    if duplicate:
        ident = duplicate.group(1)
        first = _first_line_with_id(path, ident, line)
        lines = (
            f"twice on line {line}"
            if first == line
            else f"lines {first} and {line}"
            if first
            else f"line {line}"
        )
        return f"duplicate xml:id {ident!r} ({lines}): every xml:id must be unique in a file; rename the second one"
    if msg.startswith("Entity '") and "not defined" in msg:
        return (
            f"the XML uses an undefined entity at line {line}, column {column} ({msg}): write the character "
            "itself or a numeric reference such as &#160;"
        )
    with open(path, "rb") as f:
        f.seek(max(path.stat().st_size - 256, 0))
        ending = f.read().rstrip()
    if not ending.endswith(b">") or msg.startswith(("Premature end of data", "Couldn't find end of")):
        return (
            f"the XML ends too early (line {line}, column {column}: {msg}): the file looks truncated; "
            "copy it again in full"
        )
    return f"the XML is not well-formed at line {line}, column {column}: {msg}; fix the markup there"


def check_root(root: etree._Element) -> None:
    name, ns = local(root.tag), namespace(root.tag)
    if name == "TEI" and ns == TEI_NS:
        return
    if name == "TEI" and ns is None:
        raise IngestError(f'the root element <TEI> has no namespace: TEI P5 needs <TEI xmlns="{TEI_NS}">')
    if name == "TEI":
        raise IngestError(
            f"wrong namespace: the root element <TEI> is in {ns!r}, not TEI's {TEI_NS!r}; "
            f"fix the xmlns on the root element"
        )
    where = f" in the namespace {ns!r}" if ns else ""
    raise IngestError(
        f'not a TEI document: the root element is <{name}>{where}; expected <TEI xmlns="{TEI_NS}">'
    )


def iterparse(
    source: Source, *, events: tuple[str, ...] = ("start", "end"), tags: tuple[str, ...] | None = None
) -> Iterator[tuple[str, Any]]:
    """Stream (event, element) pairs from a TEI file, safely. Raises IngestError with a per-file message.

    `tags` limits the events to those elements (the tree is still built whole below them): far fewer events
    when a caller only needs divisions. The root element is checked in every case.
    """
    safe_xml.check_prolog(source.path, schema=SCHEMA)
    try:
        with open(source.path, "rb") as peek:  # the root element first, before reading the rest
            for _event, root in safe_xml.iterparse(peek, events=("start",), schema=SCHEMA):
                check_root(root)
                break
        stream = source.open()
        try:
            yield from safe_xml.iterparse(stream, events=events, tag=tags, schema=SCHEMA)
        finally:
            stream.close()
    except etree.XMLSyntaxError as e:
        raise IngestError(_syntax_message(e, source.path)) from None


def release(el: etree._Element) -> None:
    """Free a processed element and its already-processed siblings: memory stays flat on large files."""
    el.clear(keep_tail=True)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def looks_like_frus_volume(head: bytes) -> bool:
    return (
        b'xmlns:frus="http://history.state.gov/frus/ns/1.0"' in head
        or re.search(rb'<TEI\b[^>]*\bxml:id="frus', head) is not None
    )


def looks_like_tei(path: Path, head: bytes) -> bool:
    return (
        path.suffix.lower() in (".xml", ".tei") and re.search(rb"<(?:[\w.-]+:)?TEI[\s>/]", head) is not None
    )


# -- dates ------------------------------------------------------------------------------------------------------


def date_from_attributes(el: etree._Element) -> str | None:
    """EDTF from a TEI date's @when, @notBefore/@notAfter or @from/@to (time zones kept)."""
    when = el.get("when") or el.get("when-iso")
    if when:
        return when.strip()
    start = el.get("notBefore") or el.get("from")
    end = el.get("notAfter") or el.get("to")
    if start and end:
        return f"{start.strip()}/{end.strip()}" if start.strip() != end.strip() else start.strip()
    if start or end:
        return (start or end or "").strip()
    return None


LANGUAGES = {
    "en": "eng",
    "fr": "fre",
    "de": "ger",
    "es": "spa",
    "ru": "rus",
    "vi": "vie",
    "zh": "chi",
    "it": "ita",
    "pt": "por",
    "ja": "jpn",
    "ko": "kor",
    "ar": "ara",
    "tr": "tur",
    "pl": "pol",
}


def language_code(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().lower().split("-")[0]
    return LANGUAGES.get(value, value if re.fullmatch(r"[a-z]{3}", value) else None)


DOCUMENT_TYPES = (
    (r"Editorial Note", "Editorial Note"),
    (
        r"(?:(?:Transcript|Notes|Record|Summary|Memorandum) of (?:a )?)?Telephone Conversation",
        "Telephone Conversation",
    ),
    (r"Memorandum of (?:a )?Conversation", "Memorandum of Conversation"),
    (r"Memorandum for the Record", "Memorandum for the Record"),
    (r"(?:Action |Information |Intelligence |Briefing |Draft )?Memorandum", "Memorandum"),
    (
        r"(?P<kind>Notes|Minutes|Summary Record|Summary|Record|Transcript) of (?:an? |the )?(?:[\w-]+ ){0,3}?Meeting",
        "{kind} of Meeting",
    ),
    (r"(?:Circular |Backchannel )?Telegram", "Telegram"),
    (r"(?:Backchannel )?Message", "Message"),
    (r"Letter", "Letter"),
    (r"Airgram", "Airgram"),
    (r"Despatch|Dispatch", "Despatch"),
    (r"(?:Special )?National Intelligence Estimate", "National Intelligence Estimate"),
    (r"Intelligence (?:Note|Report|Information Cable)", "Intelligence Report"),
    (r"Paper", "Paper"),
    (r"Report", "Report"),
    (r"Study", "Study"),
    (r"Diary Entry", "Diary Entry"),
    (r"Transcript", "Transcript"),
    (r"Minutes", "Minutes"),
    (r"Statement", "Statement"),
    (r"Aide-M[ée]moire", "Aide-Mémoire"),
    (r"Note Verbale", "Note Verbale"),
    (r"Instruction", "Instruction"),
    (r"Note", "Note"),
)


def document_type(title: str) -> str | None:
    """The kind of document a heading names ("Telegram From ...", "Notes of Meeting"), if recognizable."""
    for pattern, label in DOCUMENT_TYPES:
        m = re.match(rf"(?:{pattern})\b", title)
        if m:
            return label.format(**{k: v for k, v in m.groupdict().items() if v})
    return None


# -- TEI to HTML ------------------------------------------------------------------------------------------------


@dataclass
class Link:
    """Where a TEI ref points: an href for the text, and the record relation it makes (if any)."""

    href: str | None
    relation: str | None = None  # target record id
    problem: str | None = None  # set when the target is not in the archive: the text stays plain


HI_TAGS = {
    "italic": "em",
    "i": "em",
    "bold": "strong",
    "strong": "strong",
    "b": "strong",
    "underline": "u",
    "superscript": "sup",
    "sup": "sup",
    "subscript": "sub",
    "sub": "sub",
    "strikethrough": "s",
}
HI_CLASSES = {"smallcaps": "smallcaps", "small-caps": "smallcaps", "sc": "smallcaps"}
# Elements whose text is kept as is: naming and phrase-level markup with no HTML counterpart.
TEXT_ONLY = {
    "seg",
    "name",
    "orgName",
    "rs",
    "abbr",
    "expan",
    "date",
    "time",
    "placeName",
    "geogName",
    "settlement",
    "country",
    "region",
    "bloc",
    "district",
    "num",
    "measure",
    "unclear",
    "sic",
    "corr",
    "reg",
    "orig",
    "idno",
    "term",
    "roleName",
    "addName",
    "forename",
    "surname",
    "genName",
    "nameLink",
    "bibl",
    "cit",
    "docAuthor",
    "docDate",
    "affiliation",
    "mentioned",
    "distinct",
    "c",
    "w",
    "pc",
    "s",
    "persName",
    "gloss",
    "supplied",
    "objectName",
    "span",
    "said",
    "foreign",
    "author",
    "editor",
    "publisher",
    "pubPlace",
    "biblScope",
    "docImprint",
    "titlePart",
    "docTitle",
    "figure",
    "figDesc",
    "desc",
    "listBibl",
    "imprint",
    "edition",
}
DROPPED = {"milestone", "anchor", "index", "fw", "cb", "graphic", "link", "linkGrp", "interp", "interpGrp"}
BLOCK_CLASS = {
    "dateline": "dateline",
    "salute": "salute",
    "signed": "signature",
    "byline": None,
    "trailer": None,
    "address": None,
    "ab": None,
    "p": None,
    "docEdition": None,
}
CONTAINERS = {
    "div",
    "body",
    "front",
    "back",
    "list",
    "table",
    "row",
    "closer",
    "opener",
    "lg",
    "postscript",
    "argument",
    "epigraph",
    "attachment",
    "group",
    "text",
    "listBibl",
    "figure",
}
BLOCK_LEVEL = {"list", "table", "lg", "p", "ab", "quote", "div", "closer", "opener", "postscript"}


def tidy(markup: str) -> str:
    """Spaces doubled where text nodes met ("September" + " 2, 1968") become one; blocks do not start or end
    with a space."""
    # Plain replacing and one literal-led pattern per side: a pattern with a top-level alternation is tried at
    # every character, and every rendered record is tidied.
    if "\t" in markup:
        markup = _SPACES.sub(" ", markup)
    else:
        while "  " in markup:
            markup = markup.replace("  ", " ")
    if "> " in markup:
        markup = _BLOCK_OPEN_SPACE.sub(r"\1", markup)
    if " </" in markup:
        markup = _SPACE_BLOCK_CLOSE.sub(r"\1", markup)
    return markup.strip()


_SPACES = re.compile(r"[ \t]{2,}")
_BLOCK_OPEN_SPACE = re.compile(r"(<(?:p|li|h3|h4|td|th)(?: [^>]*)?>) ")
_SPACE_BLOCK_CLOSE = re.compile(r" (</(?:p|li|h3|h4|td|th)>)")


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def attr(text: str) -> str:
    return html.escape(text, quote=True)


@dataclass
class Renderer:
    """Renders the TEI inside one record to HTML and gathers what it finds on the way.

    The callbacks answer for the source: `resolve_person(corresp)` gives a person reference or None,
    `resolve_term(target)` a (term, expansion) pair or None, `resolve_ref(target, label)` a Link or None (keep text).
    """

    record_id: str
    note_prefix: str = ""
    resolve_person: Callable[[str], dict | None] = lambda corresp: None
    resolve_term: Callable[[str], tuple[str, str] | None] = lambda target: None
    resolve_ref: Callable[[str, str], Link | None] = lambda target, label: None
    unknown: Counter = field(default_factory=Counter)  # shared across a file, reported once per element name
    unknown_lines: dict = field(default_factory=dict)
    notes: list[dict] = field(default_factory=list)
    persons: dict[str, dict] = field(default_factory=dict)
    terms: dict[str, str] = field(default_factory=dict)
    relations: list[dict] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    _in_p: int = 0

    # The entry points ------------------------------------------------------------------------------------------
    def blocks(self, elements: list[etree._Element]) -> str:
        """Several block-level elements (a div's children), one per line."""
        out = [self.render(el) for el in elements]
        return tidy("\n".join(s for s in out if s.strip()))

    def inner(self, el: etree._Element, *, container: bool | None = None) -> str:
        """An element's content: its text, its children rendered, and their tails."""
        container = local(el.tag) in CONTAINERS if container is None else container
        out: list[str] = []
        previous_text = el.text or ""
        out.append(self._text(el.text, container))
        pb = PB_TAG
        for child in el:
            if child.tag == pb:
                out.append(self._page_break(child, previous_text))
                previous_text = ""
                continue
            out.append(self.render(child))
            out.append(self._text(child.tail, container))
            previous_text = child.tail or ""
        return "".join(out)

    def _text(self, text: str | None, container: bool) -> str:
        if not text:
            return ""
        if container and not text.strip():
            return "\n"
        text = squash(text)
        if "&" in text or "<" in text or ">" in text:  # esc(), without the call where nothing needs escaping
            text = esc(text)
        return texts.mark_editorial(text) if "[" in text else text

    def _page_break(self, pb: etree._Element, before: str) -> str:
        """`[Page 211]` at the break, moved to the end of a word the break would split, spaced from the text."""
        n = (pb.get("n") or "").strip()
        tail = pb.tail or ""
        moved = ""
        if before and not before[-1].isspace() and tail and not tail[0].isspace():
            m = re.match(r"\S+", tail)
            assert m
            moved, tail = m.group(0), tail[m.end() :]
        marker = f'<span class="pb" data-page="{attr(n)}">[Page {esc(n)}]</span>' if n else ""
        if not marker:
            return esc(moved) + self._text(tail, False)
        lead = " " if (moved or (before and not before[-1].isspace())) else ""
        trail = " " if tail and not tail[0].isspace() else ""
        return esc(moved) + lead + marker + trail + self._text(tail, not tail.strip())

    # One element -----------------------------------------------------------------------------------------------
    def render(self, el: etree._Element) -> str:  # noqa: C901 - a dispatch table reads best as one function
        tag = el.tag
        if not isinstance(tag, str):
            return ""
        ns, name = split_tag(tag)
        if ns == FRUS_NS and name == "attachment":
            return self._section(el)
        if ns != TEI_NS:
            return self._unknown(el)
        if name in DROPPED:
            return ""
        if name == "note":
            return self.note(el)
        if name == "lb":
            return "<br>"
        if name == "pb":
            return self._page_break(el, "")
        if name in TEXT_ONLY:
            if name == "persName" and el.get("corresp"):
                ref = self.person(el.get("corresp", ""))
                if ref is not None:
                    # The name stays marked with the person it names (records/texts.py, PERSON_MARK), so the
                    # page can gloss it from the volume's persons list.
                    return f'<span class="person" data-person="{attr(ref["id"])}">{self.inner(el)}</span>'
            elif name == "gloss" and el.get("target"):
                self.term(el.get("target", ""))
            elif name == "supplied":
                return f'<span class="editorial">[{self.inner(el)}]</span>'
            return self.inner(el)
        if name in ("hi", "emph", "title", "q", "soCalled", "del", "add"):
            return self._phrase(el, name)
        if name in BLOCK_CLASS:
            return self._block(el, name)
        if name in ("ref", "ptr"):
            return self._ref(el)
        if name == "list":
            tag_name = "ol" if (el.get("rend") or el.get("type") or "") in ("numbered", "ordered") else "ul"
            if self._in_p:
                return f"<span>{self.inner(el)}</span>"
            return f"<{tag_name}>{self.inner(el).strip()}</{tag_name}>"
        if name == "item":
            return f"<li>{self._nested_p(el)}</li>" if not self._in_p else f"{self.inner(el)} "
        if name == "label":
            return f'<span class="label">{self.inner(el)}</span>'
        if name == "head":
            return f"<h4>{self.inner(el).strip()}</h4>" if not self._in_p else self.inner(el)
        if name in ("div", "div1", "div2", "div3", "div4"):
            return self._section(el)
        if name in ("closer", "opener", "postscript", "argument", "lg"):
            css = ' class="closer"' if name == "closer" else ""
            if self._in_p:
                return f"<span{css}>{self.inner(el)}</span>"
            return f"<div{css}>{self.inner(el).strip()}</div>"
        if name == "l":
            return f"{self.inner(el)}<br>"
        if name in ("quote", "epigraph"):
            blockish = (
                el.get("rend") == "blockquote"
                or name == "epigraph"
                or any(local(c.tag) in BLOCK_LEVEL for c in el)
            )
            if blockish and not self._in_p:
                return f"<blockquote>{self._nested_p(el)}</blockquote>"
            return f"<q>{self.inner(el)}</q>"
        if name == "table":
            return (
                f"<table>{self.inner(el, container=True).strip()}</table>"
                if not self._in_p
                else self.inner(el)
            )
        if name == "row":
            return f"<tr>{self.inner(el, container=True).strip()}</tr>" if not self._in_p else self.inner(el)
        if name == "cell":
            tag_name = "th" if el.get("role") == "label" else "td"
            span = "".join(
                f' {a}="{attr(el.get(k, ""))}"'
                for k, a in (("cols", "colspan"), ("rows", "rowspan"))
                if (el.get(k) or "").isdigit()
            )
            return (
                f"<{tag_name}{span}>{self.inner(el).strip()}</{tag_name}>"
                if not self._in_p
                else self.inner(el)
            )
        if name == "choice":
            for preferred in ("corr", "reg", "expan", "orig", "sic", "abbr"):
                child = el.find(tei(preferred))
                if child is not None:
                    return self.inner(child)
            return self.inner(el)
        if name == "gap":
            return '<span class="editorial">[…]</span>'
        if name == "space":
            return " "
        return self._unknown(el)

    def _unknown(self, el: etree._Element) -> str:
        name = display_name(el.tag)
        self.unknown[name] += 1
        self.unknown_lines.setdefault(name, el.sourceline)
        return self.inner(el)

    def _phrase(self, el: etree._Element, name: str) -> str:
        content = self.inner(el)
        if name in ("emph", "title"):
            return f"<em>{content}</em>"
        if name in ("q", "soCalled"):
            return f"<q>{content}</q>"
        if name == "del":
            return f"<s>{content}</s>"
        if name == "add":
            return content
        for rend in reversed((el.get("rend") or "").replace(",", " ").split()):
            rend = rend.lower()
            if rend in HI_TAGS:
                content = f"<{HI_TAGS[rend]}>{content}</{HI_TAGS[rend]}>"
            elif rend in HI_CLASSES:
                content = f'<span class="{HI_CLASSES[rend]}">{content}</span>'
        return content

    def _nested_p(self, el: etree._Element) -> str:
        return self.inner(el, container=any(local(c.tag) in BLOCK_LEVEL for c in el)).strip()

    def _block(self, el: etree._Element, name: str) -> str:
        css = BLOCK_CLASS[name]
        css_attr = f' class="{css}"' if css else ""
        if self._in_p:  # a block inside a paragraph: HTML cannot nest them, keep it inline
            return f"<span{css_attr}>{self.inner(el)}</span>"
        has_blocks = any(local(c.tag) in BLOCK_LEVEL for c in el)
        if has_blocks:  # TEI lets a paragraph hold a list or a table; HTML's <p> cannot
            return f"<div{css_attr}>{self.inner(el, container=True).strip()}</div>"
        self._in_p += 1
        try:
            content = self.inner(el).strip()
        finally:
            self._in_p -= 1
        return f"<p{css_attr}>{content}</p>" if content else ""

    def _section(self, el: etree._Element, head_text: str | None = None) -> str:
        """A nested division (or a FRUS attachment): <section> with its head as <h3 class="section-head">."""
        if self._in_p:
            return self.inner(el)
        head = el.find(tei("head"))
        parts = []
        ident = el.get(XML_ID)
        if head is not None or head_text:
            title = self.inner(head).strip() if head is not None else esc(head_text or "")
            parts.append(f'<h3 class="section-head">{title}</h3>')
        body = [c for c in el if c is not head]
        parts.append(self._children(el, body))
        id_attr = f' id="{attr(ident)}"' if ident else ""
        return (
            f'<section class="section"{id_attr}>\n'
            + "\n".join(p for p in parts if p.strip())
            + "\n</section>"
        )

    def _children(self, el: etree._Element, children: list[etree._Element]) -> str:
        """Block children (pb markers included), as `inner` does but for a chosen subset of children."""
        out: list[str] = []
        for child in children:
            if local(child.tag) == "pb":
                out.append(self._page_break(child, ""))
            else:
                out.append(self.render(child))
            if child.tail and child.tail.strip():
                out.append(self._text(child.tail, False))
        return "\n".join(s for s in out if s.strip())

    def document_body(self, el: etree._Element, skip: tuple[str, ...] = ("head",)) -> str:
        """A document division's content without its head: the record's text."""
        children = [c for c in el if local(c.tag) not in skip]
        if el.text and el.text.strip():
            return tidy(self._text(el.text, False) + "\n" + self._children(el, children))
        return tidy(self._children(el, children))

    # Things the text refers to ---------------------------------------------------------------------------------
    def note(self, el: etree._Element, *, anchor: bool = True) -> str:
        n = (el.get("n") or "").strip() or None
        base = el.get(XML_ID) or f"{self.note_prefix}fn{n or len(self.notes) + 1}"
        note_id, i = base, 1
        taken = {note["id"] for note in self.notes}
        while note_id in taken:  # note ids are unique per record, whatever the source did
            i += 1
            note_id = f"{base}-{i}"
        entry: dict[str, Any] = {"id": note_id, "n": n, "type": el.get("type"), "html": ""}
        self.notes.append(entry)  # appended before rendering, so notes keep their order of appearance
        saved, self._in_p = self._in_p, 0
        try:
            entry["html"] = tidy(self._nested_p(el))
        finally:
            self._in_p = saved
        if not anchor:
            return ""
        label = esc(n or str(len(self.notes)))
        return f'<sup class="fn"><a class="note-ref" href="#{attr(note_id)}">{label}</a></sup>'

    def person(self, corresp: str) -> dict | None:
        ref = self.resolve_person(corresp)
        if ref is not None:
            self.persons.setdefault(ref["id"], ref)
        return ref

    def term(self, target: str) -> None:
        found = self.resolve_term(target)
        if found:
            self.terms.setdefault(found[0], found[1])

    def _ref(self, el: etree._Element) -> str:
        content = self.inner(el)
        target = (el.get("target") or "").split()
        if not target:
            return content
        label = plain_text(el)
        link = self.resolve_ref(target[0], label)
        if link is None:
            return content
        if (
            link.relation
            and link.relation != self.record_id
            and not any(r["target"] == link.relation for r in self.relations)
        ):
            self.relations.append({"type": "cites", "target": link.relation, "label": label or None})
        if link.problem or not link.href:
            self.unresolved.append(target[0])
            self.notices.append(
                Notice(
                    link.problem or f"link target {target[0]!r} not found; kept as text",
                    self.record_id,
                    "texts",
                )
            )
            return f'<span class="unresolved">{content}</span>'
        if not content.strip():
            content = esc(target[0])
        return f'<a href="{attr(link.href)}">{content}</a>'


def unknown_notices(counter: Counter, lines: dict) -> Iterator[Notice]:
    for name, count in sorted(counter.items()):
        times = "once" if count == 1 else f"{count} times"
        yield Notice(
            f"unknown TEI element <{name}> ({times}, first on line {lines.get(name)}): its text was kept, "
            "its markup dropped"
        )


# -- the standalone document importer ----------------------------------------------------------------------------

HSG_STATIC = re.compile(
    r"^https?://static\.history\.state\.gov/(?P<collection>[\w.-]+)/(?P<path>[\w./-]+?)\.pdf$", re.I
)
COLLECTION_NAMES = {
    "frus-history": "Toward “Thorough, Accurate, and Reliable”: A History of the Foreign Relations of the United "
    "States Series — Documents",
}
HSG_PUBLISHER = "Office of the Historian, U.S. Department of State"


def _header_title(header: etree._Element) -> str | None:
    stmt = header.find(f"{tei('fileDesc')}/{tei('titleStmt')}")
    if stmt is None:
        return None
    for wanted in ("complete", None):
        for title in stmt.findall(tei("title")):
            if wanted is None or title.get("type") == wanted:
                text = plain_text(title)
                if text:
                    return text
    return None


class TeiDocumentImporter(Importer):
    name = "tei"
    priority = 80
    extensions = (".xml", ".tei")
    help = (
        "a standalone TEI P5 document (e.g. history.state.gov frus-history documents): one record per file, "
        "several div[@type='document'] become sections"
    )

    def detect(self, path: Path, head: bytes) -> bool:
        return looks_like_tei(path, head) and not looks_like_frus_volume(head)

    def read(self, source: Source) -> Iterator[Entry]:
        root = None
        header = None
        for event, el in iterparse(source, tags=(tei("TEI"), tei("teiHeader"))):
            if event == "start" and root is None:
                root = el
            elif event == "end" and el.tag == tei("teiHeader"):
                header = el
        # A standalone document is one record: it is small enough to hold (libxml2's limits still apply).
        assert root is not None
        if header is None:
            raise IngestError("the TEI document has no <teiHeader>: it needs one with a titleStmt title")
        body = root.find(f"{tei('text')}/{tei('body')}")
        if body is None:
            raise IngestError("the TEI document has no <text><body>: there is nothing to import")
        yield from build_document(source.path, root, header, body)


def _duplicate_ids(root: etree._Element) -> None:
    seen: dict[str, int | None] = {}
    for el in root.iter():
        ident = el.get(XML_ID) if isinstance(el.tag, str) else None
        if ident is None:
            continue
        if ident in seen:
            raise IngestError(
                f"duplicate xml:id {ident!r} (lines {seen[ident]} and {el.sourceline}): every xml:id "
                "must be unique in a file; rename the second one"
            )
        seen[ident] = el.sourceline


def build_document(
    path: Path, root: etree._Element, header: etree._Element, body: etree._Element
) -> Iterator[Entry]:
    """One standalone TEI document: its record, then its collection, then what the archivist should know."""
    _duplicate_ids(root)
    facts = _header_facts(header)
    place = _placement(path, root, facts.scan)
    renderer = Renderer(place.record_id, resolve_ref=_link_resolver(root, place.page_url))
    documents = [c for c in body if c.tag == tei("div") and c.get("type") == "document"]
    archival, apparatus = _apparatus(body, documents, renderer)  # before the text: notes are numbered as met
    text_html = _text_html(body, documents, renderer)
    language = language_code(root.get(XML_LANG) or body.get(XML_LANG)) or ("eng" if place.from_hsg else None)
    correction = _date_correction(facts, documents)
    if correction is not None:
        facts.date, corrected = correction
        notices = [Notice(corrected["reason"], place.record_id, "date")]
    else:
        corrected, notices = None, list(_dateline_notices(place.record_id, facts.date, documents))
    record = _record(place, facts, documents, renderer, text_html, language, archival, apparatus)
    if corrected is not None:
        record["extra"]["date_corrected"] = corrected
    yield RecordEntry(record)
    # The collection comes after its one record, so a file that fails leaves not even an empty collection.
    if place.collection:
        yield AuthorityEntry(
            "collection",
            place.collection,
            COLLECTION_NAMES.get(place.collection, place.collection),
            data={"source": f"https://history.state.gov/historicaldocuments/{place.collection}"},
        )
    yield from notices
    yield from renderer.notices
    yield from unknown_notices(renderer.unknown, renderer.unknown_lines)


@dataclass
class _HeaderFacts:
    title: str
    date: dates.DateInfo
    date_attribute: str | None  # the created date's @when (or bounds) as the source gives it
    posted: str | None  # when the publisher put it online
    scan: str | None  # the address of a PDF scan of the original
    source_description: str | None


def _header_facts(header: etree._Element) -> _HeaderFacts:
    """What the teiHeader says of the document; a missing title or a wrong date refuses the file."""
    title = _header_title(header)
    if not title:
        raise IngestError('the teiHeader has no title: add <titleStmt><title type="complete">…</title>')
    source_desc = header.find(f"{tei('fileDesc')}/{tei('sourceDesc')}")
    scan = _scan_link(source_desc) if source_desc is not None else None
    posted = next((d.get("when") for d in header.iter(tei("date")) if d.get("type") == "posted"), None)
    created = None
    for d in header.iter(tei("date")):
        if d.get("type") == "created":
            created = d  # the last one, as _created_date reads it
    return _HeaderFacts(
        title,
        _created_date(header),
        date_from_attributes(created) if created is not None else None,
        posted,
        scan,
        plain_text(source_desc) if source_desc is not None else None,
    )


def _scan_link(source_desc: etree._Element) -> str | None:
    for ref in source_desc.iter(tei("ref"), tei("ptr")):
        target = (ref.get("target") or "").strip()
        if target.lower().endswith(".pdf") and target.startswith(("http://", "https://")):
            return target
    return None


def _created_date(header: etree._Element) -> dates.DateInfo:
    """The record's date: the header's last date of type "created", from its attributes or else its text."""
    date_value = date_text = None
    for date in header.iter(tei("date")):
        if date.get("type") == "created":
            date_value, date_text = date_from_attributes(date), plain_text(date) or None
    try:
        if date_value:
            return dates.from_edtf(date_value, date_text)
        return dates.from_text(date_text) if date_text else dates.UNDATED
    except dates.DateError as e:
        raise IngestError(f"the teiHeader's created date is wrong: {e}") from None


@dataclass
class _Placement:
    """Where a document belongs: history.state.gov scans name the collection and the page the document has there."""

    record_id: str
    collection: str | None
    page_url: str | None

    @property
    def from_hsg(self) -> bool:
        return self.collection is not None


def _placement(path: Path, root: etree._Element, scan: str | None) -> _Placement:
    hsg = HSG_STATIC.match(scan or "")
    collection = hsg["collection"] if hsg else None
    stem = re.sub(r"[^A-Za-z0-9._:-]+", "-", path.stem).strip("-") or "document"
    record_id = root.get(XML_ID) or f"{collection or 'tei'}/{stem}"
    page_url = f"https://history.state.gov/historicaldocuments/{collection}/{hsg['path']}" if hsg else None
    return _Placement(record_id, collection, page_url)


def _link_resolver(root: etree._Element, page_url: str | None) -> Callable[[str, str], Link | None]:
    def resolve_ref(target: str, label: str) -> Link | None:
        if target.startswith(("http://", "https://", "mailto:")):
            return Link(target)
        if target.startswith("#"):
            if root.xpath("//*[@xml:id=$i]", i=target[1:]):
                return Link(target)
            return Link(None, problem=f"link target {target!r} is not in this document; kept as text")
        if page_url:  # relative links of history.state.gov pages resolve against the page's own address
            return Link(urljoin(page_url, target))
        return Link(None, problem=f"link target {target!r} is not in this archive; kept as text")

    return resolve_ref


def _apparatus(
    body: etree._Element, documents: list[etree._Element], renderer: Renderer
) -> tuple[dict[str, str], list[dict]]:
    """The archival reference and editorial notes: paragraphs around the document divisions are the publisher's
    apparatus (the "Source: ..." line, where the document is cited), kept apart from the document's own words."""
    archival: dict[str, str] = {}
    apparatus: list[dict] = []
    if not documents:
        return archival, apparatus
    for child in body:
        if child in documents or not isinstance(child.tag, str):
            continue
        text = plain_text(child)
        if not text:
            continue
        if re.match(r"^Source:\s*", text) and "text" not in archival:
            archival["text"] = re.sub(r"^Source:\s*", "", text)
        else:
            renderer_html = renderer.render(child)
            apparatus.append(
                {
                    "id": f"editorial-{len(apparatus) + 1}",
                    "n": None,
                    "type": "editorial",
                    "html": re.sub(r"^<p>(.*)</p>$", r"\1", renderer_html, flags=re.S),
                }
            )
    return archival, apparatus


def _text_html(body: etree._Element, documents: list[etree._Element], renderer: Renderer) -> str:
    """The record's text: one document with its head, several as sections, or the whole body when none is marked."""
    parts: list[str] = []
    if len(documents) == 1:
        head = documents[0].find(tei("head"))
        if head is not None:
            parts.append(f'<h3 class="section-head">{renderer.inner(head).strip()}</h3>')
        parts.append(renderer.document_body(documents[0]))
    elif documents:
        parts.extend(renderer._section(doc) for doc in documents)
    else:
        parts.append(renderer.document_body(body, skip=()))
    return "\n".join(p for p in parts if p.strip())


def _document_kind(documents: list[etree._Element], title: str) -> list[str]:
    """The kind the first document's head names, else the kind the title names."""
    heads = [plain_text(h) for d in documents for h in d.findall(tei("head"))]
    kinds = [k for k in (document_type(h) for h in [*heads[:1], title]) if k]
    return kinds[:1]


def _record(
    place: _Placement,
    facts: _HeaderFacts,
    documents: list[etree._Element],
    renderer: Renderer,
    text_html: str,
    language: str | None,
    archival: dict[str, str],
    apparatus: list[dict],
) -> dict:
    collection = place.collection
    return {
        "id": place.record_id,
        "title": facts.title,
        "document_types": _document_kind(documents, facts.title),
        "date": facts.date.date,
        "date_text": facts.date.date_text,
        "languages": [language] if language else [],
        "texts": [{"kind": "original", "language": language, "html": text_html}],
        "notes": apparatus + renderer.notes,
        "media": _scan_media(facts),
        "collections": [
            {"kind": "collection", "id": collection, "name": COLLECTION_NAMES.get(collection, collection)}
        ]
        if collection
        else [],
        "persons": list(renderer.persons.values()),
        "archival_reference": archival,
        "source_description": facts.source_description,
        "publisher": HSG_PUBLISHER if place.from_hsg else None,
        "original_uploaded": facts.posted,
        "relations": renderer.relations,
        "rights": {"statement": "Public domain (a work of the U.S. Government)"} if place.from_hsg else {},
        "source": {"format": "tei", "url": place.page_url},
        "extra": {"sections": len(documents)} if len(documents) > 1 else {},
    }


def _scan_media(facts: _HeaderFacts) -> list[dict]:
    if not facts.scan:
        return []
    size = re.search(r"\(PDF,\s*([^)]*)\)", facts.source_description or "")
    label = f"Scan of the original (PDF, {size.group(1)})" if size else "Scan of the original (PDF)"
    return [{"url": facts.scan, "mime_type": "application/pdf", "label": label}]


def _month_year(info: dates.DateInfo) -> str | None:
    """ "November 1959" for a date of that month, the way FRUS titles name a document's month."""
    import calendar

    day = (info.date_earliest or "")[:7]
    if not re.fullmatch(r"\d{4}-\d{2}", day):
        return None
    return f"{calendar.month_name[int(day[5:])]} {day[:4]}"


def _overlap(a: dates.DateInfo, b: dates.DateInfo) -> bool:
    if not (a.date_earliest and a.date_latest and b.date_earliest and b.date_latest):
        return True  # an open or undated side contradicts nothing
    return not (a.date_latest[:10] < b.date_earliest[:10] or a.date_earliest[:10] > b.date_latest[:10])


def _date_correction(
    facts: _HeaderFacts, documents: list[etree._Element]
) -> tuple[dates.DateInfo, dict] | None:
    """The date as written, when the header's machine-readable date contradicts it and the source is otherwise
    unanimous: the title names the written date's month and year, the document's own dateline (when it has one)
    agrees with it, and nothing supports the attribute. frus-history has two such slips (a @when copied from the
    year before, another from an earlier meeting); a reader would otherwise find the document under the wrong
    year. Anything less clear keeps the attribute, and _dateline_notices reports the disagreement."""
    info, written_text = facts.date, facts.date.date_text
    if not facts.date_attribute or not written_text:
        return None
    try:
        written = dates.from_text(written_text)
    except dates.DateError:
        return None
    if _overlap(info, written) or not written.date_earliest:
        return None
    written_month, attribute_month = _month_year(written), _month_year(info)
    if not written_month or written_month not in facts.title or (attribute_month or "") in facts.title:
        return None
    dateline = next(documents[0].iter(tei("dateline")), None) if len(documents) == 1 else None
    if dateline is not None:
        try:
            from_dateline = dates.from_text(plain_text(dateline))
        except dates.DateError:
            from_dateline = None
        if from_dateline is not None and from_dateline.date_earliest:
            if not _overlap(from_dateline, written) or _overlap(from_dateline, info):
                return None
    reason = (
        f"the teiHeader's created date when={facts.date_attribute!r} contradicts the date as written "
        f"({written_text!r}), the title ({written_month}) and the dateline; the date as written was kept"
    )
    return written, {"source_value": facts.date_attribute, "date_text": written_text, "reason": reason}


def _dateline_notices(
    record_id: str, info: dates.DateInfo, documents: list[etree._Element]
) -> Iterator[Notice]:
    """The header's date is what we keep; say so when a single document's own dateline disagrees with it."""
    dateline = next(documents[0].iter(tei("dateline")), None) if len(documents) == 1 else None
    if dateline is None or not info.date_earliest:
        return
    try:
        written = dates.from_text(plain_text(dateline))
    except dates.DateError:
        return
    if not written.date_earliest or not written.date_latest or not info.date_latest:
        return
    if written.date_latest < info.date_earliest[:10] or written.date_earliest > info.date_latest[:10]:
        yield Notice(
            f"the teiHeader's created date {info.date} does not match the document's dateline "
            f"{plain_text(dateline)!r}; the header's date was kept: check the source",
            record_id,
            "date",
        )
