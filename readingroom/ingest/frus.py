"""Volumes of *Foreign Relations of the United States* (FRUS) in the TEI P5 of HistoryAtState/frus.

A volume becomes a collection and its compilations and chapters ordered sub-collections; each
``div[@type='document']`` becomes a record ``<volume>/<xml:id>`` (``frus1964-68v07/d74``). The volume's lists of
persons and of abbreviations become person authorities and term expansions, so that ``persName/@corresp`` and
``gloss/@target`` resolve; a FRUS person also in the history.state.gov person authority file (people.jsonl, matched
by its source URL, else by name) is placed under that person, whose page then gathers every volume's documents.

The file is read twice, both times streaming (memory stays flat in the volume's size): a first pass checks that
every xml:id is unique and gathers the header, persons, terms and the ids of the documents, so links to documents
later in the volume resolve; the second pass renders each document and forgets it.

Dates come from both generations of FRUS markup: ``frus:doc-dateTime-min/max`` on the document division, and
``date/@when``, ``@notBefore``/``@notAfter``, ``@from``/``@to`` in the dateline (time zones kept, a ``time``
element refining a day). The date as written is the dateline's text after its place.

Classification and handling markings are read from the source note's sentence that lists them ("Secret;
Immediate; Nodis/Harvan/Double Plus") against MARKINGS below: the leading run of known markings, in the note's
order. A sentence such as "No classification marking." gives none.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from readingroom.records import dates
from readingroom.records.schema import ID_PATTERN

from .base import AuthorityEntry, Entry, Importer, IngestError, Notice, Problem, RecordEntry, Source
from .tei import (
    FRUS_NS,
    HSG_PUBLISHER,
    XML_ID,
    Link,
    Renderer,
    _header_title,
    date_from_attributes,
    document_type,
    iterparse,
    local,
    looks_like_frus_volume,
    looks_like_tei,
    plain_text,
    release,
    tei,
    unknown_notices,
)

HSG = "https://history.state.gov/historicaldocuments"
DIV, BODY, HEAD, PB, NOTE, ITEM, HEADER = (
    tei(n) for n in ("div", "body", "head", "pb", "note", "item", "teiHeader")
)
STRUCTURE_TYPES = {"compilation", "chapter", "subchapter", "part", "section"}

# Security classifications, then precedence (how fast a telegram travels), then handling and distribution
# caveats and FRUS-era channel names. Matching ignores case; the canonical spelling below is kept.
MARKINGS = (
    "Top Secret",
    "Secret",
    "Confidential",
    "Restricted",
    "Limited Official Use",
    "Official Use Only",
    "For Official Use Only",
    "Unclassified",
    "Flash",
    "Immediate",
    "Operational Immediate",
    "Priority",
    "Routine",
    "Niact",
    "Emergency",
    "Nodis",
    "Exdis",
    "Limdis",
    "Stadis",
    "Noforn",
    "Nocontract",
    "Orcon",
    "Specat",
    "Eyes Only",
    "Literally Eyes Only",
    "Exclusively Eyes Only",
    "Eyes Only for the Secretary",
    "Personal",
    "Personal and Confidential",
    "Sensitive",
    "Administratively Confidential",
    "Harvan",
    "Double Plus",
    "Plus",
    "Cherokee",
    "Via Cherokee Channels",
    "Roger Channel",
    "Codeword",
    "Umbra",
    "No Distribution",
    "Exclusive Distribution",
    "Limited Distribution",
)
_MARKING = {m.lower(): m for m in MARKINGS}


def classification_markings(source_note: str) -> list[str]:
    """The classification and handling markings a FRUS source note lists ("Secret; Immediate; Nodis")."""
    for sentence in re.split(r"\.(?:\s+|$)", source_note):
        tokens = [t.strip() for t in re.split(r"\s*[;/,]\s*", sentence.strip())]
        found: list[str] = []
        for token in tokens:
            canonical = _MARKING.get(" ".join(token.split()).lower())
            if canonical is None:
                break
            if canonical not in found:
                found.append(canonical)
        if found:
            return found
    return []


# -- the first pass: what the whole volume knows ----------------------------------------------------------------


@dataclass
class Person:
    name: str
    description: str | None


@dataclass
class VolumeIndex:
    id: str = ""
    title: str = ""
    publisher: str | None = None
    published: str | None = None
    editors: list[str] = field(default_factory=list)
    persons: dict[str, Person] = field(default_factory=dict)
    terms: dict[str, tuple[str, str]] = field(default_factory=dict)
    documents: dict[str, int] = field(default_factory=dict)  # document id -> line
    # An xml:id inside a document -> the document's id, for the ids FRUS's naming does not tell (page breaks,
    # anchors): _conventional_owner() tells the others.
    owner: dict[str, str] = field(default_factory=dict)


def _entry_text(item: etree._Element, name_el: etree._Element) -> tuple[str, str | None]:
    """A list entry "<name>, <description>": the name and what follows it."""
    name = plain_text(name_el)
    text = plain_text(item)
    at = text.find(name)
    rest = (text[:at] + text[at + len(name) :]) if at >= 0 else text
    return name, rest.strip(" ,;:—–-") or None


_CONVENTIONAL = re.compile(r"^(d\d+[a-z]?)(?:fn\d+\w*|ln\d+\w*)?$")


def _conventional_owner(ident: str) -> str | None:
    """The document an id belongs to by FRUS's naming: "d74" and its notes "d74fn1", "d74ln2" belong to d74."""
    m = _CONVENTIONAL.match(ident)
    return m.group(1) if m else None


def scan_volume(source: Source) -> VolumeIndex:
    index = VolumeIndex()
    current_doc: str | None = None
    keep = 0  # inside an item or the teiHeader: kept whole until its end, then read
    root_seen = False
    # Events for the elements this pass reads only; libxml2 itself refuses a repeated xml:id anywhere else.
    for event, el in iterparse(source, tags=(DIV, NOTE, PB, ITEM, HEADER, tei("TEI"))):
        tag = el.tag
        if event == "start":
            if not root_seen:
                root_seen = True
                index.id = el.get(XML_ID) or ""
            # A repeated xml:id is refused by libxml2 itself (tei.iterparse words the message): no set of every
            # id here, which for a volume of 100,000 documents held half a million of them.
            ident = el.get(XML_ID)
            if tag == DIV and el.get("type") == "document":
                doc_id = ident or (f"d{el.get('n')}" if (el.get("n") or "").isdigit() else None)
                if not doc_id:
                    raise IngestError(
                        f"the document division on line {el.sourceline} has neither an xml:id nor a "
                        'number (@n): give it xml:id="d…"'
                    )
                if doc_id in index.documents:
                    raise IngestError(
                        f"two documents are both {doc_id!r} (lines {index.documents[doc_id]} and "
                        f"{el.sourceline}): number them uniquely"
                    )
                index.documents[doc_id] = el.sourceline or 0
                current_doc = doc_id
            elif ident and current_doc and _conventional_owner(ident) != current_doc:
                index.owner[ident] = current_doc  # a footnote "d74fn1" is found by its name, not kept here
            if tag in (ITEM, HEADER):
                keep += 1
            continue
        if tag == DIV and el.get("type") == "document":
            current_doc = None
        elif tag == HEADER:
            keep -= 1
            _read_header(el, index)
        elif tag == ITEM:
            keep -= 1
            if keep == 0 and current_doc is None:
                _read_list_item(el, index)
        if keep == 0:
            release(el)
    if not index.id:
        raise IngestError(
            "cannot tell the volume's id: give the root element an xml:id such as "
            'xml:id="frus1964-68v07" (or an <idno type="frus"> in the publicationStmt)'
        )
    if not ID_PATTERN.match(index.id) or "/" in index.id:
        raise IngestError(
            f"the volume id {index.id!r} cannot be used in record ids: use letters, digits, '.', "
            "'_', ':' and '-'"
        )
    if not index.title:
        index.title = index.id
    return index


def _read_header(header: etree._Element, index: VolumeIndex) -> None:
    index.title = _header_title(header) or ""
    for idno in header.iter(tei("idno")):
        if idno.get("type") == "frus" and not index.id:
            index.id = plain_text(idno)
    pub = header.find(f"{tei('fileDesc')}/{tei('publicationStmt')}")
    if pub is not None:
        publisher, date = pub.find(tei("publisher")), pub.find(tei("date"))
        index.publisher = plain_text(publisher) if publisher is not None else None
        index.published = (date.get("when") or plain_text(date)) if date is not None else None
    index.editors = [plain_text(e) for e in header.iter(tei("editor")) if plain_text(e)]


def _read_list_item(item: etree._Element, index: VolumeIndex) -> None:
    for pn in item.iter(tei("persName")):
        if pn.get(XML_ID):
            name, description = _entry_text(item, pn)
            if name:
                index.persons[pn.get(XML_ID, "")] = Person(name, description)
            return
    for term in item.iter(tei("term")):
        if term.get(XML_ID):
            name, expansion = _entry_text(item, term)
            if name and expansion:
                index.terms[term.get(XML_ID, "")] = (name, expansion)
            return


# -- linking FRUS persons to the person authority file ---------------------------------------------------------


def person_source_url(volume: str, person_id: str) -> str:
    return f"{HSG}/{volume}/persons#{person_id}"


def hsg_person_links(volume: str, persons: dict[str, Person]) -> dict[str, str]:
    """Which of a volume's persons the person authority file (people.jsonl) knows: FRUS id -> authority key.

    Matched by the source URL the authority file lists for each person, else by an identical name.
    """
    from readingroom.records.models import Authority

    prefix = f"{HSG}/{volume}/persons#"
    links: dict[str, str] = {}
    rows = Authority.objects.filter(kind="person", data__sources__icontains=f"/{volume}/persons#")
    for key, data in rows.values_list("key", "data"):
        for url in (data or {}).get("sources") or []:
            if isinstance(url, str) and url.startswith(prefix):
                links.setdefault(url[len(prefix) :], key)
    missing = {pid: p.name for pid, p in persons.items() if pid not in links}
    if missing:
        by_name: dict[str, list[str]] = defaultdict(list)
        named = Authority.objects.filter(
            kind="person", name__in=set(missing.values()), data__has_key="sources"
        )
        for name, key in named.values_list("name", "key"):
            by_name[name].append(key)
        for pid, name in missing.items():
            if len(by_name.get(name, [])) == 1:
                links[pid] = by_name[name][0]
    return {pid: key for pid, key in links.items() if pid in persons}


def link_persons_to_authorities(store) -> int:
    """Place FRUS persons under the person authority file's entries, for volumes imported before that file.

    Run it after importing people.jsonl (volumes imported afterwards link themselves). Returns how many
    FRUS persons were linked.
    """
    from readingroom.records.models import Authority

    by_url: dict[str, int] = {}
    keys: dict[int, str] = {}
    for pk, key, data in Authority.objects.filter(kind="person", data__has_key="sources").values_list(
        "pk", "key", "data"
    ):
        keys[pk] = key
        for url in (data or {}).get("sources") or []:
            if isinstance(url, str):
                by_url.setdefault(url, pk)
    parents: dict[int, tuple[int, dict]] = {}
    for person in Authority.objects.filter(kind="person", data__has_key="frus_id", parent__isnull=True):
        pk = by_url.get(person.data.get("source"))
        if pk is None or pk == person.pk:
            continue
        parents[person.pk] = (pk, {**person.data, "hsg_id": keys[pk]})
    return store.set_authority_parents(parents) if parents else 0


# -- dates -----------------------------------------------------------------------------------------------------

_DT = re.compile(r"^(?P<d>\d{4,}-\d\d-\d\d)T(?P<t>\d\d:\d\d:\d\d)(?P<tz>Z|[+-]\d\d:\d\d)?$")


def edtf_from_bounds(earliest: str, latest: str | None) -> str:
    """EDTF for FRUS's doc-dateTime-min/max: a minute, a day, a month or a year when the bounds span exactly
    that, else a range."""
    if not latest or latest == earliest:
        return earliest
    a, b = _DT.match(earliest), _DT.match(latest)
    if not a or not b or a["tz"] != b["tz"]:
        return f"{earliest}/{latest}"
    if a["d"] == b["d"] and a["t"][:5] == b["t"][:5] and a["t"].endswith(":00") and b["t"].endswith(":59"):
        return earliest
    if a["t"] == "00:00:00" and b["t"] == "23:59:59":
        y1, m1, d1 = a["d"].split("-")
        y2, m2, d2 = b["d"].split("-")
        if a["d"] == b["d"]:
            return a["d"]
        if y1 == y2 and m1 == m2 and d1 == "01" and int(d2) == calendar.monthrange(int(y2), int(m2))[1]:
            return f"{y1}-{m1}"
        if y1 == y2 and (m1, d1, m2, d2) == ("01", "01", "12", "31"):
            return y1
    return f"{earliest}/{latest}"


@dataclass
class DocumentDate:
    edtf: str | None = None
    text: str | None = None
    place: str | None = None
    where: str = ""  # which markup gave the date, for messages


def document_date(div: etree._Element) -> DocumentDate:
    out = DocumentDate()
    dateline = div.find(tei("dateline"))
    if dateline is None:
        dateline = next(
            (
                d
                for d in div.iterdescendants(tei("dateline"))
                if not any(local(a.tag) in ("note", "attachment") for a in d.iterancestors())
            ),
            None,
        )
    if dateline is not None:
        place_el = next(dateline.iter(tei("placeName")), None)
        place = plain_text(place_el) if place_el is not None else None
        full = plain_text(dateline)
        if place and place.lower().rstrip(".") in dates.MONTHS:
            place = None  # a month marked as a place (FRUS 1964-68 v07 d1): it is part of the date
        rest = full
        if place and full.startswith(place):
            rest = full[len(place) :]
        rest = rest.strip(" ,;:")
        stamps = [e for e in dateline.iter(tei("date"), tei("time"))]
        if stamps:
            tail = (stamps[-1].tail or "").strip()
            if tail and rest.endswith(tail):
                rest = rest[: -len(tail)].rstrip(" ,;:")
        elif rest.endswith(".") and not re.search(r"\b[ap]\.m\.$", rest):
            rest = rest[:-1]
        out.place, out.text = place, rest or None
        date_el = next(dateline.iter(tei("date")), None)
        if date_el is not None:
            out.edtf = date_from_attributes(date_el)
            out.where = f"the dateline's date on line {date_el.sourceline}"
            time_el = next(dateline.iter(tei("time")), None)
            if out.edtf and len(out.edtf) == 10 and time_el is not None:
                start = time_el.get("from") or time_el.get("when")
                end = time_el.get("to")
                if start and end:
                    out.edtf = f"{out.edtf}T{start}/{out.edtf}T{end}"
                elif start:
                    out.edtf = f"{out.edtf}T{start}"
    if not out.edtf:
        low, high = div.get(f"{{{FRUS_NS}}}doc-dateTime-min"), div.get(f"{{{FRUS_NS}}}doc-dateTime-max")
        if low or high:
            for bound in (low, high):  # each bound on its own, so a message names the impossible one
                if bound:
                    dates.from_edtf(bound.strip())
            out.edtf = edtf_from_bounds((low or high or "").strip(), (high or "").strip() or None)
            out.where = f"frus:doc-dateTime-min/max on line {div.sourceline}"
    return out


# -- the importer ------------------------------------------------------------------------------------------------


@dataclass
class _Structure:
    key: str
    parent: str
    position: int
    kind: str
    element: Any
    name: str | None = None
    emitted: bool = False

    @property
    def display_name(self) -> str:
        return self.name or f"{self.kind.capitalize()} {self.position}"


class FrusVolumeImporter(Importer):
    name = "frus"
    priority = 70
    max_bytes = None  # streams: memory stays flat whatever the size
    extensions = (".xml",)
    help = (
        "a Foreign Relations of the United States volume (TEI P5, HistoryAtState/frus): one record per "
        "document, the volume and its chapters as collections, its persons as authorities"
    )

    def detect(self, path: Path, head: bytes) -> bool:
        return looks_like_tei(path, head) and looks_like_frus_volume(head)

    def after_import(self, files: list, store) -> None:
        # A person file imported after the volumes: place the volumes' persons under its entries now.
        if any(f.importer == "people" and f.authorities and not f.error for f in files):
            link_persons_to_authorities(store)

    def read(self, source: Source) -> Iterator[Entry]:
        index = scan_volume(source)
        yield from _VolumeReader(index, source).entries()


class _VolumeReader:
    def __init__(self, index: VolumeIndex, source: Source):
        self.index = index
        self.source = source
        self.vol = index.id
        self.hsg = hsg_person_links(self.vol, index.persons)
        self.unknown: Counter = Counter()
        self.unknown_lines: dict = {}
        self.reported: set[str] = set()
        self.in_archive: dict[str, bool] = {}
        self.pending: list[
            Entry
        ] = []  # authorities wait for the first good record: a failed file leaves nothing
        self.started = False
        self._late: list[Entry] = []  # notices found while resolving, yielded after the record they concern

    # Authorities -----------------------------------------------------------------------------------------------
    def _authorities(self) -> list[Entry]:
        vol, index = self.vol, self.index
        entries: list[Entry] = [
            AuthorityEntry(
                "collection",
                vol,
                index.title,
                data={
                    k: v
                    for k, v in {
                        "source": f"{HSG}/{vol}",
                        "publisher": index.publisher,
                        "published": index.published,
                        "editors": index.editors,
                    }.items()
                    if v
                },
            )
        ]
        for pid, person in index.persons.items():
            data = {"frus_id": pid, "source": person_source_url(vol, pid), "volume": vol}
            if person.description:
                data["description"] = person.description
            hsg = self.hsg.get(pid)
            if hsg:
                data["hsg_id"] = hsg
            entries.append(AuthorityEntry("person", f"{vol}/{pid}", person.name, parent=hsg, data=data))
        return entries

    def _emit(self, entry: Entry) -> Iterator[Entry]:
        if self.started:
            yield entry
        else:
            self.pending.append(entry)

    # Resolution ------------------------------------------------------------------------------------------------
    def _notice_once(self, key: str, message: str, record: str | None = None) -> Iterator[Entry]:
        if key not in self.reported:
            self.reported.add(key)
            yield Notice(message, record, None)

    def person_ref(self, corresp: str) -> dict | None:
        for target in corresp.split():
            pid = target.lstrip("#")
            person = self.index.persons.get(pid)
            if person is not None:
                return {"kind": "person", "id": f"{self.vol}/{pid}", "name": person.name}
        self._late.extend(
            self._notice_once(
                f"p:{corresp}",
                f"persName corresp {corresp!r} is not in the volume's list of persons; kept as text",
            )
        )
        return None

    def term(self, target: str) -> tuple[str, str] | None:
        found = self.index.terms.get(target.split()[0].lstrip("#")) if target.split() else None
        if found is None:
            self._late.extend(
                self._notice_once(
                    f"t:{target}",
                    f"gloss target {target!r} is not in the volume's list of abbreviations and terms; "
                    "kept as text",
                )
            )
        return found

    def archive_has(self, record_id: str) -> bool:
        if record_id not in self.in_archive:
            from readingroom.records.models import Record

            self.in_archive[record_id] = Record.objects.filter(pk=record_id).exists()
        return self.in_archive[record_id]

    def link(self, target: str, label: str, record_id: str) -> Link | None:
        if target.startswith(("http://", "https://", "mailto:")):
            return Link(target)
        m = re.match(r"^(?P<vol>frus[\w.-]*?)?(?:#(?P<frag>[\w.:-]+))?$", target)
        if not m or not m["frag"]:
            return Link(
                None, problem=f"link target {target!r} is not a document of this archive; kept as text"
            )
        vol, frag = m["vol"] or self.vol, m["frag"]
        doc = None
        if vol == self.vol:
            doc = frag if frag in self.index.documents else self.index.owner.get(frag)
        if doc is None:  # a document of another volume, one this file leaves out, or a footnote of one
            doc = _conventional_owner(frag)
        if doc is None:
            return Link(None, problem=f"link target {target!r} does not point into a document; kept as text")
        rid = f"{vol}/{doc}"
        if rid == record_id:
            return Link(f"#{frag}")
        href = f"/records/{rid}/" + (f"#{frag}" if frag != doc else "")
        if (vol == self.vol and doc in self.index.documents) or self.archive_has(rid):
            return Link(href, rid)
        return Link(
            None,
            rid,
            problem=f"link target {target!r} ({rid}) is neither in this file nor in the archive: "
            "kept as text; import that document, then this file again, to link it",
        )

    # The two passes' second half -------------------------------------------------------------------------------
    def entries(self) -> Iterator[Entry]:
        self.pending = self._authorities()
        stack: list[_Structure] = []
        positions: Counter = Counter()
        in_body = False
        depth_doc = 0
        page: str | None = None
        for event, el in iterparse(self.source, tags=(DIV, BODY, HEAD, PB)):
            tag = el.tag
            if event == "start":
                if tag == BODY:
                    in_body = True
                elif tag == DIV and not depth_doc:
                    kind = el.get("type")
                    if kind == "document":
                        depth_doc += 1
                        for s in stack:
                            yield from self._structure_entry(s)
                        el.set("_first_page", page or "")
                    elif in_body and kind in STRUCTURE_TYPES:
                        parent = stack[-1].key if stack else self.vol
                        positions[parent] += 1
                        ident = el.get(XML_ID)
                        key = f"{self.vol}/{ident}" if ident else f"{parent}/{kind}{positions[parent]}"
                        stack.append(_Structure(key, parent, positions[parent], kind, el))
                elif depth_doc and tag == DIV:
                    depth_doc += 1
                continue
            if depth_doc:
                if tag == DIV:
                    depth_doc -= 1
                    if depth_doc == 0:
                        pages = [p.get("n") for p in el.iter(PB) if p.get("n")]
                        first = el.get("_first_page") or (pages[0] if pages else None)
                        yield from self._document(el, first, pages[-1] if pages else first, stack)
                        page = pages[-1] if pages else page
                        release(el)
                continue
            if tag == HEAD and stack and el.getparent() is stack[-1].element and stack[-1].name is None:
                stack[-1].name = plain_text(el)
            elif tag == PB:
                page = el.get("n") or page
            elif stack and el is stack[-1].element:
                yield from self._structure_entry(stack.pop())
            release(el)
        yield from self._late
        yield from unknown_notices(self.unknown, self.unknown_lines)

    def _structure_entry(self, s: _Structure) -> Iterator[Entry]:
        if s.emitted:
            return
        s.emitted = True
        yield from self._emit(
            AuthorityEntry(
                "collection",
                s.key,
                s.display_name,
                parent=s.parent,
                position=s.position,
                data={"type": s.kind},
            )
        )

    def _document(
        self, div: etree._Element, first_page: str | None, last_page: str | None, stack: list[_Structure]
    ) -> Iterator[Entry]:
        vol = self.vol
        n = (div.get("n") or "").strip() or None
        local_id = div.get(XML_ID) or f"d{n}"
        rid = f"{vol}/{local_id}"
        renderer = Renderer(
            rid,
            note_prefix=local_id,
            resolve_person=self.person_ref,
            resolve_term=self.term,
            resolve_ref=lambda target, label: self.link(target, label, rid),
            unknown=self.unknown,
            unknown_lines=self.unknown_lines,
        )
        head = div.find(HEAD)
        title = plain_text(head) if head is not None else ""
        if n and title.startswith(n + "."):  # "74. Telegram From..." (no pattern per number: compiling costs)
            title = title[len(n) + 1 :].lstrip()
        if not title:
            yield Problem(
                f"the document on line {div.sourceline} has no head: it needs a title", rid, "title"
            )
            return
        creators, recipients = [], []
        archival: dict[str, str] = {}
        markings: list[str] = []
        if head is not None:
            renderer.inner(head)  # gathers the head's notes (the source note first), persons and terms
            for el in head.iter(tei("gloss"), tei("persName")):
                role = el.get("type")
                if role not in ("from", "to"):
                    continue
                ref = self.person_ref(el.get("corresp", "")) if el.get("corresp") else None
                if ref is None:
                    ref = {
                        "kind": "organization" if local(el.tag) == "gloss" else "person",
                        "name": plain_text(el),
                    }
                if not ref.get("name"):
                    continue
                if role == "from":
                    creators.append({**ref, "role": "sender"})
                else:
                    recipients.append({**ref, "role": "recipient"})
            for note in head.iter(tei("note")):
                if note.get("type") == "source":
                    text = re.sub(r"^Source:\s*", "", plain_text(note, skip=()))
                    archival.setdefault("text", text)
                    markings = markings or classification_markings(text)
        when: DocumentDate | None = None
        try:
            when = document_date(div)
            if when.edtf:
                info = dates.from_edtf(when.edtf, when.text)
            elif when.text:
                info = dates.from_text(when.text)
            else:
                info = dates.UNDATED
        except dates.DateError as e:
            if when is None or when.edtf:
                where = when.where if when else f"frus:doc-dateTime-min/max on line {div.sourceline}"
                yield Problem(f"{e} (in {where}); the document was not imported", rid, "date")
                return
            info = dates.UNDATED
            yield Notice(
                f"the dateline's date {when.text!r} could not be read ({e}); the record is undated",
                rid,
                "date",
            )
        html = renderer.document_body(div)
        signatures = []
        for signed in div.iter(tei("signed")):
            if not any(local(a.tag) == "note" for a in signed.iterancestors()):
                text = plain_text(signed)
                if text and text not in signatures:
                    signatures.append(text)
        subtype = div.get("subtype")
        kind = "Editorial Note" if subtype == "editorial-note" else document_type(title)
        extra: dict[str, Any] = {}
        if renderer.terms:
            extra["terms"] = dict(sorted(renderer.terms.items()))
        if first_page:
            extra["pages"] = (
                first_page if first_page == last_page or not last_page else f"{first_page}–{last_page}"
            )
        if renderer.unresolved:
            extra["unresolved_links"] = renderer.unresolved
        collections: list[dict] = [{"kind": "collection", "id": vol, "name": self.index.title}]
        for s in stack:
            collections.append(
                {"kind": "collection", "id": s.key, "name": s.display_name, "parent": s.parent}
            )
        place = [{"kind": "place", "name": when.place}] if when.place else []
        record = {
            "id": rid,
            "title": title,
            "number": n,
            "document_types": [kind] if kind else [],
            "classification": markings,
            "date": info.date,
            "date_text": info.date_text,
            "dateline_place": when.place,
            "languages": ["eng"],
            "texts": [{"kind": "original", "language": "eng", "html": html}],
            "notes": renderer.notes,
            "signature": "; ".join(signatures) or None,
            "creators": creators,
            "recipients": recipients,
            "persons": list(renderer.persons.values()),
            "places": place,
            "collections": collections,
            "archival_reference": archival,
            "publisher": HSG_PUBLISHER,
            "relations": renderer.relations,
            "rights": {"statement": "Public domain (a work of the U.S. Government)"},
            "source": {"format": "frus-tei", "url": f"{HSG}/{vol}/{local_id}"},
            "extra": extra,
        }
        if not self.started:
            self.started = True
            yield from self.pending
            self.pending = []
        yield RecordEntry(record)
        yield from renderer.notices
        yield from self._late
        self._late = []
