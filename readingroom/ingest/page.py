"""Record pages of the Wilson Center Digital Archive kind, captured as plain text or saved as HTML.

The page reads top to bottom: date, title, funder credit, the text (ending with a "[signed]" line), the summary,
then headed sections: Associated Places, Subjects Discussed, Document Information (source archive and
translator), rights, Original Uploaded Date, Record ID. Headings whose values are missing in the capture are
reported as missing, never invented.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from readingroom.records import dates
from readingroom.records.schema import slugify

from .base import Entry, Importer, IngestError, Notice, RecordEntry, Source

HEADINGS = (
    "Associated Places",
    "Subjects Discussed",
    "Associated People & Organizations",
    "Associated People",
    "Document Information",
    "Original Uploaded Date",
    "Record ID",
    "Original Archive",
    "Rights",
    "Source",
    "Languages",
    "Collection",
    "Collections",
    "Type",
    "Document Type",
)
SKIP = {"Skip to content", "Download", "Print", "Share", "Cite", "Original Language", "English", "PDF"}
CLASSIFICATIONS = (
    "Top Secret",
    "Secret",
    "Confidential",
    "Restricted",
    "Strictly Confidential",
    "Very Urgent",
    "Urgent",
    "Eyes Only",
)
FUNDER = re.compile(r"^This document was made possible with support from (?P<funder>.+?)\.?$")
TRANSLATOR = re.compile(
    r"\b(?:Translated|Translation)\s+(?:for\s+(?P<for>[\w\s&.'-]+?)\s+)?by\s+(?P<name>[^.;]+)", re.I
)
RIGHTS_START = re.compile(
    r"^(The History and Public Policy Program|To enquire about|Rights|This document)", re.I
)
DATE_LINE = re.compile(
    r"^(?:c(?:a|irca)?\.?\s+)?\[?[A-Z][a-z]+\.?\s+(?:\d{1,2}(?:\s*[-–]\s*\d{1,2})?,?\s+)?\d{3,5}\]?\.?$"
    r"|^\d{1,2}\s+[A-Z][a-z]+\s+\d{3,5}$|^\[?\d{4}\]?$|^\d{4}-\d{2}(-\d{2})?$"
)


def _blocks_from_text(text: str) -> list[str]:
    """Non-empty lines, whitespace folded. Each paragraph in a text capture is one line."""
    return [" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def _blocks_from_html(data: bytes) -> list[str]:
    from lxml import html as lhtml

    parser = lhtml.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    root = lhtml.document_fromstring(data, parser=parser)
    for bad in root.xpath("//script|//style|//noscript|//nav|//footer|//header//form"):
        bad.drop_tree()
    blocks = []
    for el in root.iter("h1", "h2", "h3", "h4", "h5", "p", "li", "dt", "dd", "time", "td", "th"):
        if el.xpath("ancestor::p|ancestor::li|ancestor::dd|ancestor::td"):
            continue
        text = " ".join(el.text_content().split())
        if text:
            blocks.append(text)
    return blocks


def parse_blocks(blocks: list[str], source_name: str) -> tuple[dict, list[Notice]]:
    """Turn a page's blocks into a record document, and report what the page lacks."""
    problems: list[Notice] = []
    blocks = [b for b in blocks if b not in SKIP]
    i = 0
    date_info = None
    while i < len(blocks) and date_info is None and i < 5:
        if DATE_LINE.match(blocks[i]):
            try:
                date_info = dates.from_text(blocks[i])
            except dates.DateError as e:
                raise IngestError(f"the page's date is wrong: {e}") from None
        i += 1
    if date_info is None:
        raise IngestError(
            "not a record page: no date found near the top (expected a line like 'October 15, 1968')"
        )
    if i >= len(blocks):
        raise IngestError("not a record page: no title after the date")
    title = blocks[i]
    if title in HEADINGS or FUNDER.match(title):
        raise IngestError("not a record page: no title after the date")
    i += 1
    doc: dict = {"title": title, "date_text": date_info.date_text, "date": date_info.date}
    classification = [c for c in CLASSIFICATIONS if re.match(rf"^{re.escape(c)}\b", title)]
    if classification:
        doc["classification"] = classification[:1]
    if i < len(blocks) and FUNDER.match(blocks[i]):
        doc["funder_credit"] = blocks[i]
        doc["funders"] = [{"name": FUNDER.match(blocks[i])["funder"]}]
        i += 1
    # The body runs to the first heading; its last paragraph after the signature is the summary.
    body: list[str] = []
    while i < len(blocks) and blocks[i] not in HEADINGS:
        body.append(blocks[i])
        i += 1
    signature_at = next(
        (n for n in range(len(body) - 1, -1, -1) if body[n].lower().startswith("[signed]")), None
    )
    if signature_at is not None:
        doc["signature"] = body[signature_at]
        text_paragraphs, after = body[:signature_at], body[signature_at + 1 :]
        if after:
            doc["summary"] = " ".join(after)
    elif len(body) >= 2:
        text_paragraphs, doc["summary"] = body[:-1], body[-1]
    else:
        text_paragraphs = body
    if not text_paragraphs:
        raise IngestError("not a record page: no document text between the title and the first heading")
    sections: dict[str, list[str]] = {}
    current = None
    for block in blocks[i:]:
        if block in HEADINGS:
            current = block
            sections.setdefault(current, [])
        elif current:
            sections[current].append(block)
    places = sections.get("Associated Places", [])
    subjects = sections.get("Subjects Discussed", [])
    info = sections.get("Document Information", [])
    if places:
        doc["places"] = [{"name": p} for p in places]
    else:
        problems.append(
            Notice("the page gives no associated places (section empty or missing)", field="places")
        )
    if subjects:
        doc["subjects"] = [{"name": s} for s in subjects]
    else:
        problems.append(Notice("the page gives no subjects (section empty or missing)", field="subjects"))
    rights: list[str] = []
    translator = None
    for n, block in enumerate(info):
        if RIGHTS_START.match(block) or rights:
            rights.append(block)
            continue
        m = TRANSLATOR.search(block)
        if m:
            translator = m["name"].strip()
            repo_part = block[: m.start()].strip().rstrip(".")
            doc["source_description"] = block
            if repo_part:
                doc["repository"] = {"name": repo_part}
            doc["contributors"] = [
                {"name": translator, "role": "translator", **({"for": m["for"].strip()} if m["for"] else {})}
            ]
        elif n == 0:
            doc["source_description"] = block
            doc["repository"] = {"name": block.rstrip(".")}
    if rights:
        doc["rights"] = {"statement": "\n\n".join(rights)}
    doc["texts"] = [
        {
            "kind": "translation" if translator else "transcription",
            "language": "eng",
            "body": "\n\n".join(text_paragraphs),
            **({"translator": {"name": translator}} if translator else {}),
        }
    ]
    doc["languages"] = ["eng"]
    uploaded = [b for b in sections.get("Original Uploaded Date", []) if b not in HEADINGS]
    if uploaded:
        doc["original_uploaded"] = uploaded[0]
    else:
        problems.append(Notice("the page gives no original uploaded date", field="original_uploaded"))
    record_id = next(
        (b for b in sections.get("Record ID", []) if re.fullmatch(r"[A-Za-z0-9._:/-]+", b)), None
    )
    if record_id:
        doc["id"] = record_id
        doc["extra"] = {"source_record_id": record_id}
    else:
        # A stable local id, so re-importing the same page updates the same record; no source id is invented.
        doc["id"] = slugify(f"{date_info.date or 'undated'} {title}")[:120]
        problems.append(
            Notice(f"the page gives no record ID; stored under the local id {doc['id']!r}", field="id")
        )
    doc["source"] = {"format": "da-page", "file": source_name}
    for p in problems:
        p.record = doc["id"]
    return doc, problems


class RecordPageImporter(Importer):
    name = "page"
    priority = 10
    extensions = (".txt", ".html", ".htm")
    help = "A Digital Archive record page, as a text capture or saved HTML"

    def detect(self, path: Path, head: bytes) -> bool:
        return path.suffix.lower() in self.extensions

    def read(self, source: Source) -> Iterator[Entry]:
        with source.open() as f:
            data = f.read(64 << 20)
        data.decode("utf-8")  # raises UnicodeDecodeError, reported by the runner with the offset
        is_html = source.path.suffix.lower() in (".html", ".htm") or data.lstrip()[:15].lower().startswith(
            (b"<!doctype html", b"<html")
        )
        blocks = _blocks_from_html(data) if is_html else _blocks_from_text(data.decode("utf-8-sig"))
        if not blocks:
            raise IngestError("not a record page: the file has no text")
        doc, problems = parse_blocks(blocks, source.path.name)
        yield RecordEntry(doc)
        yield from problems
