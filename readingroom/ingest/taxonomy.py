"""A hierarchical vocabulary in the shape of the Office of the Historian Subject Taxonomy (`hsg/taxonomy.xml`).

    <taxonomy><title/><description/>
      <category><id>places</id><label>Places</label><definition/>?<usage-hint/>?
        <category|tag>...</category|tag>*
      </category>
    </taxonomy>

Every category and tag becomes an authority keyed by its `id`, with the enclosing category or tag as parent and
its order among its siblings as position; `definition` and `usage-hint` are kept in the authority's data.

Kinds: everything under the top-level `places` category becomes a *place*; everything else a *subject*. That
includes the `people` branch: its Presidents and Secretaries of State are topics ("use a person tag only if the
resource is relevant to their service as President or Secretary"), not identities. Persons come from the person
authority file, keyed by history.state.gov person ids, so keeping these as subjects avoids a second, competing
person authority for the same man.

XML is parsed without DTDs, entities or network: a DOCTYPE (and so any entity declaration, billion laughs or
external entity) is refused with a clear message, never expanded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from .base import AuthorityEntry, Entry, Importer, IngestError, Notice, Problem, Source

ITEMS = ("category", "tag")
FIELDS = ("id", "label", "definition", "usage-hint")
PLACES_ROOT = "places"
ROOT_TAG = re.compile(rb"<taxonomy[\s>/]")
KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-]*$")


def refuse_doctype(head: bytes) -> None:
    """A DOCTYPE can only sit in the prolog, before the root element: refuse it before the parser sees it."""
    root_at = re.search(rb"<[A-Za-z_]", head)
    prolog = head[: root_at.start()] if root_at else head
    if re.search(rb"<!DOCTYPE|<!ENTITY", prolog, re.I):
        raise IngestError(
            "has a DOCTYPE (entity declarations are how 'billion laughs' and external-entity attacks "
            "work): Readingroom does not read DTDs; remove the DOCTYPE and any entities, and import again"
        )


def safe_iterparse(stream: Any, events: tuple[str, ...]) -> etree.iterparse:
    """An XML event stream that never loads a DTD, never expands an entity and never touches the network."""
    return etree.iterparse(
        stream,
        events=events,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _text(el: etree._Element) -> tuple[str, list[str], list[str]]:
    """The element's text with whitespace folded; `<ptr target="x"/>` reads as x and is listed as a reference."""
    parts: list[str] = [el.text or ""]
    refs: list[str] = []
    links: list[str] = []
    for child in el:
        if child.tag == "ptr" and child.get("target"):
            refs.append(child.get("target"))
            parts.append(child.get("target"))
        else:
            if child.tag == "a" and child.get("href"):
                links.append(child.get("href"))
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split()), refs, links


@dataclass
class _Item:
    kind_tag: str  # category or tag
    line: int
    parent: _Item | None
    position: int
    attrs: dict[str, str]
    values: dict[str, str] = field(default_factory=dict)
    refs: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    children: int = 0
    emitted: bool = False
    key: str | None = None  # set once emitted under a valid id
    kind: str = "subject"

    def nearest_key(self) -> str | None:
        """The key of the closest ancestor that was stored: an item with a broken id does not orphan its children."""
        p = self.parent
        while p is not None and p.key is None:
            p = p.parent
        return p.key if p else None


class TaxonomyImporter(Importer):
    name = "taxonomy"
    priority = 40
    extensions = (".xml",)
    help = "a subject/place vocabulary: <taxonomy> of nested <category>/<tag> with id, label, definition"

    def detect(self, path: Path, head: bytes) -> bool:
        return (
            path.suffix.lower() in self.extensions
            and ROOT_TAG.search(head) is not None
            and b"http://www.tei-c.org/ns/1.0" not in head
        )

    def read(self, source: Source) -> Iterator[Entry]:
        with source.open() as f:
            refuse_doctype(f.peek(1 << 16)[: 1 << 16])
            etree.clear_error_log()  # the log is per thread: keep only this file's errors
            events = safe_iterparse(f, ("start", "end"))
            try:
                yield from self._walk(events)
            except etree.XMLSyntaxError as e:
                # With entities left unresolved lxml's own message can be vague; its error log names the fault.
                first = next(iter(e.error_log.filter_from_fatals()), None) or e.error_log.last_error
                msg, line = (first.message, first.line) if first is not None else (e.msg, e.lineno)
                raise IngestError(
                    f"is not well-formed XML: {msg} (line {line}); fix the file and import again"
                ) from None

    def _walk(self, events: etree.iterparse) -> Iterator[Entry]:
        stack: list[_Item] = []
        seen: dict[str, int] = {}
        top_positions = 0
        root_seen = False
        for event, el in events:
            if not root_seen:
                root_seen = True
                doctype = el.getroottree().docinfo.doctype
                if doctype:
                    raise IngestError(
                        "has a DOCTYPE: Readingroom does not read DTDs; remove it and import again"
                    )
                if el.tag != "taxonomy":
                    local = etree.QName(el).localname if isinstance(el.tag, str) else el.tag
                    if local == "taxonomy":
                        raise IngestError(
                            f"the <taxonomy> root is in the namespace {etree.QName(el).namespace!r}: "
                            "a taxonomy file has no namespace; remove the xmlns attribute"
                        )
                    raise IngestError(f"not a taxonomy: the root element is <{el.tag}>, expected <taxonomy>")
                continue
            if event == "start":
                if el.tag in ITEMS:
                    parent = stack[-1] if stack else None
                    if parent is not None:
                        yield from self._emit(parent, seen)  # a parent is stored before its children
                        position = parent.children
                        parent.children += 1
                    else:
                        position = top_positions
                        top_positions += 1
                    stack.append(_Item(el.tag, el.sourceline or 0, parent, position, dict(el.attrib)))
                continue
            # end
            if el.tag in ITEMS:
                item = stack.pop()
                yield from self._emit(item, seen)
                # Bounded memory: a finished item and the siblings before it are dropped from the tree.
                el.clear(keep_tail=True)
                while el.getprevious() is not None:
                    del el.getparent()[0]
            elif el.tag in FIELDS and stack and el.getparent() is not None and el.getparent().tag in ITEMS:
                item = stack[-1]
                text, refs, links = _text(el)
                if item.emitted and el.tag in ("definition", "usage-hint"):
                    item.emitted = False  # written after the children: store the item again, now complete
                if el.tag in item.values:
                    yield Notice(
                        f"line {el.sourceline}: a second <{el.tag}> in one {item.kind_tag}; the first "
                        "was kept",
                        item.values.get("id"),
                        el.tag,
                    )
                else:
                    item.values[el.tag] = text
                    item.refs += refs
                    item.links += links
            elif (
                stack
                and el.tag not in ("ptr", "a", "p", "title", "description")
                and isinstance(el.tag, str)
                and el.getparent() is not None
                and el.getparent().tag in ITEMS
            ):
                yield Notice(
                    f"line {el.sourceline}: unknown element <{el.tag}> in a {stack[-1].kind_tag} was "
                    "ignored (known: id, label, definition, usage-hint, category, tag)",
                    stack[-1].values.get("id"),
                    el.tag,
                )
        if not root_seen:
            raise IngestError("not a taxonomy: the file has no XML element")

    def _emit(self, item: _Item, seen: dict[str, int]) -> Iterator[Entry]:
        if item.emitted:
            return
        item.emitted = True
        key = item.values.get("id", "")
        label = item.values.get("label", "")
        if not key:
            yield Problem(
                f"line {item.line}: a {item.kind_tag} has no <id>; it was skipped (its children go "
                "under the nearest category above)",
                label or None,
                "id",
            )
            return
        if not KEY.match(key) or len(key) > 250:
            yield Problem(
                f"line {item.line}: {key!r} is not a valid id: use letters, digits, '.', '_', ':' and '-'",
                key,
                "id",
            )
            return
        if not label:
            yield Problem(
                f"line {item.line}: the {item.kind_tag} {key!r} has no <label>; it was skipped", key, "label"
            )
            return
        if item.key is None and key in seen:
            yield Problem(
                f"line {item.line}: duplicate id {key!r} (first at line {seen[key]}); the first was kept",
                key,
                "id",
            )
            return
        seen.setdefault(key, item.line)
        root = item
        while root.parent is not None:
            root = root.parent
        item.kind = "place" if root.values.get("id") == PLACES_ROOT else "subject"
        item.key = key
        data: dict[str, Any] = {"type": item.kind_tag, "vocabulary": "hsg-taxonomy"}
        if item.values.get("definition"):
            data["definition"] = item.values["definition"]
        if item.values.get("usage-hint"):
            data["usage_hint"] = item.values["usage-hint"]
        if item.refs:
            data["references"] = list(dict.fromkeys(item.refs))
        if item.links:
            data["links"] = list(dict.fromkeys(item.links))
        for attr, value in sorted(item.attrs.items()):
            data[attr.replace("-", "_")] = value
        yield AuthorityEntry(
            kind=item.kind, key=key, name=label, parent=item.nearest_key(), position=item.position, data=data
        )
