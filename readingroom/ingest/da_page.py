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
from readingroom.records.languages import code_for_name
from readingroom.records.schema import slugify
from readingroom.records.texts import replace_hidden_email
from readingroom.records.vocabulary import TITLE_MARKINGS as CLASSIFICATIONS

from . import safe_xml
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
FUNDER = re.compile(r"^This document was made possible with support from (?P<funder>.+?)\.?$")
MAX_REPOSITORY = 500  # characters of the text before a translator credit taken as the repository's name
# Linear time: every repetition is bounded, so each "Translated" tries at most a few hundred characters (an
# unbounded lazy "for ..." group made a page with many "Translated for" and no "by" quadratic: 306 KB, 137 s).
TRANSLATOR = re.compile(
    r"\b(?:Translated|Translation)\s{1,20}(?:for\s{1,20}(?P<for>[\w&.'-](?:[\w\s&.'-]{0,200}?[\w&.'-])?)\s{1,20})?"
    r"by\s{1,20}(?P<name>[^.;\s][^.;]{0,300})",
    re.I,
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
    root = safe_xml.parse_html(data)
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
    blocks = [replace_hidden_email(b) for b in blocks if b not in SKIP]
    date_info, title, i = _date_and_title(blocks)
    doc: dict = {"title": title, "date_text": date_info.date_text, "date": date_info.date}
    classification = [c for c in CLASSIFICATIONS if re.match(rf"^{re.escape(c)}\b", title)]
    if classification:
        doc["classification"] = classification[:1]
    if i < len(blocks) and FUNDER.match(blocks[i]):
        doc["funder_credit"] = blocks[i]
        doc["funders"] = [{"name": FUNDER.match(blocks[i])["funder"]}]  # type: ignore[index]  # matched above
        i += 1
    first_heading = next((n for n in range(i, len(blocks)) if blocks[n] in HEADINGS), len(blocks))
    paragraphs = _text_and_summary(blocks[i:first_heading], doc)
    sections = _sections(blocks[first_heading:])
    problems = _places_and_subjects(sections, doc)
    translator = _document_information(sections.get("Document Information", []), doc)
    doc["texts"] = [
        {
            "kind": "translation" if translator else "transcription",
            "language": "eng",
            "body": "\n\n".join(paragraphs),
            **({"translator": {"name": translator}} if translator else {}),
        }
    ]
    # `languages` are the original's: English only when the text is not a translation. A translation's original
    # language is what the page's Languages section names; a capture that lost it does not say (and the
    # record page says so), rather than claiming English.
    named = [code_for_name(b) for b in sections.get("Languages", [])]
    doc["languages"] = [c for c in named if c] or ([] if translator else ["eng"])
    if translator and not doc["languages"]:
        problems.append(
            Notice("the page does not name the original's language (no Languages section)", field="languages")
        )
    problems += _uploaded_date(sections, doc)
    problems += _record_id(sections, doc, f"{date_info.date or 'undated'} {title}")
    doc["source"] = {"format": "da-page", "file": source_name}
    for p in problems:
        p.record = doc["id"]
    return doc, problems


def _date_and_title(blocks: list[str]) -> tuple[dates.DateInfo, str, int]:
    """The date line near the top and the title after it; and where the rest of the page starts."""
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
    if i >= len(blocks) or blocks[i] in HEADINGS or FUNDER.match(blocks[i]):
        raise IngestError("not a record page: no title after the date")
    return date_info, blocks[i], i + 1


def _text_and_summary(body: list[str], doc: dict) -> list[str]:
    """The text's paragraphs; the "[signed]" line and the summary after it (else the last paragraph) go to `doc`."""
    signature_at = next(
        (n for n in range(len(body) - 1, -1, -1) if body[n].lower().startswith("[signed]")), None
    )
    if signature_at is not None:
        doc["signature"] = body[signature_at]
        paragraphs, after = body[:signature_at], body[signature_at + 1 :]
        if after:
            doc["summary"] = " ".join(after)
    elif len(body) >= 2:
        paragraphs, doc["summary"] = body[:-1], body[-1]
    else:
        paragraphs = body
    if not paragraphs:
        raise IngestError("not a record page: no document text between the title and the first heading")
    return paragraphs


def _sections(blocks: list[str]) -> dict[str, list[str]]:
    """Each heading's blocks; a heading whose values the capture lost has none."""
    sections: dict[str, list[str]] = {}
    current = None
    for block in blocks:
        if block in HEADINGS:
            current = block
            sections.setdefault(current, [])
        elif current:
            sections[current].append(block)
    return sections


def _places_and_subjects(sections: dict[str, list[str]], doc: dict) -> list[Notice]:
    problems: list[Notice] = []
    places = sections.get("Associated Places", [])
    subjects = sections.get("Subjects Discussed", [])
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
    return problems


def _document_information(info: list[str], doc: dict) -> str | None:
    """The source archive, the translator and the rights statement that ends the section; the translator's name."""
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
            if repo_part and len(repo_part) <= MAX_REPOSITORY:  # longer is not an archive's name
                doc["repository"] = {"name": repo_part}
            doc["contributors"] = [
                {"name": translator, "role": "translator", **({"for": m["for"].strip()} if m["for"] else {})}
            ]
        elif n == 0:
            doc["source_description"] = block
            doc["repository"] = {"name": block.rstrip(".")}
    if rights:
        doc["rights"] = {"statement": "\n\n".join(rights)}
    return translator


def _uploaded_date(sections: dict[str, list[str]], doc: dict) -> list[Notice]:
    uploaded = [b for b in sections.get("Original Uploaded Date", []) if b not in HEADINGS]
    if uploaded:
        doc["original_uploaded"] = uploaded[0]
        return []
    return [Notice("the page gives no original uploaded date", field="original_uploaded")]


def _record_id(sections: dict[str, list[str]], doc: dict, local_name: str) -> list[Notice]:
    """The page's record ID; without one, a stable local id, so re-importing the same page updates the same record
    (no source id is invented)."""
    record_id = next(
        (b for b in sections.get("Record ID", []) if re.fullmatch(r"[A-Za-z0-9._:/-]+", b)), None
    )
    if record_id:
        doc["id"] = record_id
        doc["extra"] = {"source_record_id": record_id}
        return []
    doc["id"] = slugify(local_name)[:120]
    return [Notice(f"the page gives no record ID; stored under the local id {doc['id']!r}", field="id")]


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
