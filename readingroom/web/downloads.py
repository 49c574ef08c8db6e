"""A record to keep: /records/<id>/@record.pdf, @record.txt and @record.json, of public records only.

- record.json: the record as `readingroom export --public` writes it (its relations to records the public may
  not see left out: records/visibility.py).
- record.txt: what the page prints, as plain UTF-8 text: title, number and classification, the date as written
  (and normalized), the summary, each text with its label, the notes, the document's information, the rights,
  a citation (Chicago) and the permalink.
- record.pdf: the same, set on A4 pages by fpdf2 in DejaVu Serif (Debian's fonts-dejavu-core: every script the
  archive's documents are in, Latin, Cyrillic, Greek, Vietnamese), with the permalink and the page number in
  each footer. Made once per version of the record and kept in the cache.

Why fpdf2 and not an HTML-to-PDF engine (WeasyPrint): it is pure Python with one font file to find, and the
document's texts are plain paragraphs, notes and a list of facts; the page's HTML is for the screen.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.utils import timezone

from readingroom.records import services, visibility
from readingroom.records.errors import BadRequest
from readingroom.records.models import Record
from readingroom.records.texts import html_to_plain, replace_hidden_email
from readingroom.records.vocabulary import PEOPLE_ROLES, ROLE_LABELS
from readingroom.web import links
from readingroom.web.recordpage import record_page

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/local/share/fonts/dejavu"))
FONTS = {"": "DejaVuSerif.ttf", "B": "DejaVuSerif-Bold.ttf", "I": "DejaVuSerif-Italic.ttf"}
PDF_CACHE_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Download:
    name: str  # the sub-resource: /records/<id>/@<name>
    label: str
    media_type: str


DOWNLOADS = {
    d.name: d
    for d in (
        Download("record.pdf", "PDF", "application/pdf"),
        Download("record.txt", "Plain text", "text/plain; charset=utf-8"),
        Download("record.json", "JSON", "application/json"),
    )
}


def links_for(record_id: str) -> list[tuple[str, str, str]]:
    """(label, path, media type) of each file of a record, for its page."""
    return [(d.label, links.subresource_path(record_id, d.name), d.media_type) for d in DOWNLOADS.values()]


# -- what the files say -------------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """A record as a file sets it: a heading, lines of facts, and sections of paragraphs."""

    title: str
    subtitle: list[str]  # "Document 74", "Secret", the date
    sections: list[tuple[str, list[str]]]  # (heading, paragraphs); an empty heading for none
    footer: str  # the permalink


def _paragraphs(markup: str) -> list[str]:
    return [replace_hidden_email(p) for p in html_to_plain(markup).split("\n") if p.strip()]


def sheet(request, record: Record) -> Sheet:
    doc = record.document
    page = record_page(doc)
    found = services.record_links(record)
    subtitle = []
    if doc.get("number"):
        subtitle.append(f"Document {doc['number']}")
    subtitle += list(doc.get("classification") or [])
    date = doc.get("date_text") or doc.get("date") or ""
    if date:
        normalized = doc.get("date") if doc.get("date") and doc.get("date") != date else None
        subtitle.append(date + (f" ({normalized})" if normalized else ""))
    sections: list[tuple[str, list[str]]] = []
    if doc.get("summary"):
        sections.append(("Summary", [replace_hidden_email(doc["summary"])]))
    for text in page.texts:
        body = _paragraphs(text.html)
        if text.translator:
            body.append(f"Translated by {text.translator.get('name') or text.translator.get('id')}.")
        sections.append((text.label if len(page.texts) > 1 else "", body))
    tail = []
    if page.show_dateline_place:
        tail.append(doc["dateline_place"])
    if page.show_signature:
        tail.append(doc["signature"])
    if tail:
        sections.append(("", tail))
    if page.notes:
        sections.append(
            ("Notes", [f"{n.n or i}. " + " ".join(_paragraphs(n.html)) for i, n in enumerate(page.notes, 1)])
        )
    facts = []
    for role in PEOPLE_ROLES:
        for a in found.get(role, []):
            facts.append(f"{ROLE_LABELS.get(role, role.title())}: {a.name}")
    for label, role in (
        ("People", "person"),
        ("Places", "place"),
        ("Subjects", "subject"),
        ("Collections", "collection"),
        ("Archive", "repository"),
        ("Translator", "translator"),
        ("Funder", "funder"),
    ):
        names = [a.name for a in found.get(role, [])]
        if names:
            facts.append(f"{label}: {'; '.join(names)}")
    if doc.get("source_description"):
        facts.append(f"Source: {replace_hidden_email(doc['source_description'])}")
    reference = doc.get("archival_reference") or {}
    if reference:
        facts.append(
            "Archival reference: "
            + "; ".join(str(v) if k == "text" else f"{k.capitalize()}: {v}" for k, v in reference.items())
        )
    if page.translated_from:
        facts.append(f"Translated from {page.translated_from}")
    elif page.original_languages:
        facts.append(f"Language: {', '.join(page.original_languages)}")
    if doc.get("funder_credit"):
        facts.append(doc["funder_credit"])
    if facts:
        sections.append(("Document information", facts))
    rights = (doc.get("rights") or {}).get("statement")
    if rights:
        sections.append(("Rights", [replace_hidden_email(p) for p in rights.splitlines() if p.strip()]))
    from readingroom.web.citations import page_context

    chicago = next(
        (c.text for c in page_context(request, record)["citations"] if c.style.key == "chicago-bibliography"),
        None,
    )
    permalink = links.record_url(request, record.pk)
    today = timezone.now().date().isoformat()
    site = request.archive.settings.site_name
    sections.append(
        ("Cite as", ([chicago] if chicago else []) + [f"{permalink} (from {site}, downloaded {today})"])
    )
    return Sheet(replace_hidden_email(record.title), subtitle, sections, permalink)


def as_text(s: Sheet) -> str:
    out = [s.title, "=" * min(len(s.title), 78)]
    out += s.subtitle
    for heading, paragraphs in s.sections:
        out.append("")
        if heading:
            out += [heading, "-" * len(heading)]
        out += [p + "\n" if i < len(paragraphs) - 1 else p for i, p in enumerate(paragraphs)]
    return "\n".join(out).rstrip() + "\n"


def font_dir() -> Path | None:
    return next((d for d in FONT_DIRS if all((d / f).exists() for f in FONTS.values())), None)


def as_pdf(s: Sheet) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    fonts = font_dir()
    if fonts is None:
        raise BadRequest(
            "PDF downloads need the DejaVu fonts, which this server lacks: its administrator installs them "
            "(Debian: apt-get install fonts-dejavu-core)"
        )

    class Pdf(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("serif", "", 8)
            self.set_text_color(90)
            self.cell(0, 5, f"{s.footer}    page {self.page_no()} of {{nb}}", align="C")

    pdf = Pdf(format="A4")
    for style, file in FONTS.items():
        pdf.add_font("serif", style, str(fonts / file))
    pdf.set_title(s.title)
    pdf.set_creator("Readingroom")
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(True, margin=18)
    pdf.alias_nb_pages()

    def block(height: float, text: str) -> None:
        pdf.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.add_page()
    pdf.set_font("serif", "B", 16)
    block(7.5, s.title)
    pdf.ln(1)
    pdf.set_font("serif", "I", 10.5)
    for line in s.subtitle:
        block(5.5, line)
    for heading, paragraphs in s.sections:
        pdf.ln(3)
        if heading:
            pdf.set_font("serif", "B", 12)
            block(6.5, heading)
            pdf.ln(1)
        size = 9.5 if heading in ("Notes", "Document information", "Cite as", "Rights") else 11
        pdf.set_font("serif", "", size)
        for p in paragraphs:
            block(size * 0.5, p)
            pdf.ln(size * 0.22)
    return bytes(pdf.output())


# -- the view -------------------------------------------------------------------------------------------------------


def render(request, record: Record, name: str) -> bytes:
    if name == "record.json":
        doc = services.export_document(record)
        targets = visibility.public_targets(visibility.referenced_ids(doc))
        return (
            json.dumps(visibility.public_document(doc, targets), ensure_ascii=False, indent=1) + "\n"
        ).encode()
    if name == "record.txt":
        return as_text(sheet(request, record)).encode()
    # A PDF takes tens of milliseconds (a long transcript, a second): one per version of the record and
    # of the archive's name and address, kept.
    key = (
        "readingroom:pdf:"
        + hashlib.sha256(
            f"{record.content_hash}|{links.record_url(request, record.pk)}|{request.archive.settings.site_name}|"
            f"{timezone.now().date()}".encode()
        ).hexdigest()
    )
    found = cache.get(key)
    if found is None:
        found = as_pdf(sheet(request, record))
        cache.set(key, found, PDF_CACHE_SECONDS)
    return found


def download(request, record: Record, name: str) -> HttpResponse:
    """The file `name` (DOWNLOADS) of a public record: the caller has checked that it is public."""
    what = DOWNLOADS.get(name)
    if what is None:
        raise Http404(f"no {name!r} of a record")
    response = HttpResponse(render(request, record, name), content_type=what.media_type)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", record.pk).strip("-") or "record"
    response["Content-Disposition"] = f'attachment; filename="{stem}.{name.rsplit(".", 1)[1]}"'
    response["Link"] = f'<{links.record_url(request, record.pk)}>; rel="cite-as"'
    response["Cache-Control"] = "no-cache"  # visibility can change: always revalidate
    return response
