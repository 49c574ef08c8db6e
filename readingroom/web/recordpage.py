"""How a record page sets its document: what is printed once and where (the FRUS page as the model).

Everything here is read from the document alone, so the editor's preview (records/preview.py) sets a page the
same way: the template asks for it with `{% record_page doc as page %}` (templatetags/readingroom.py). What needs
the archive (the scans' tiles, the volume's previous and next documents) is in web/contexts.py.

- Notes: printed with their own mark (n) once; a reference in the text and its note link to each other
  (`#d74fn2` and back to `#d74fn2-ref`, plain anchors: no script needed). A source note that no text refers to
  (FRUS hangs it on the document's heading) is referred to from the title.
- The signature and the dateline place are printed where the text has them; the document's own fields
  (`signature`, `dateline_place`) only when the text lacks them.
- Languages: the original's (`languages`) and each text's, and "Translated from ..." for a translation.
- Abbreviations: those the volume spells out for this document (`extra.terms`), for web/textmarks.py.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from readingroom.records.languages import bcp47, language_name

# A footnote reference as records/texts.py keeps it (attributes in any order; sanitized markup is well formed).
_ANCHOR = re.compile(r"<a\s[^>]*>")
_NOTE_REF_CLASS = re.compile(r'\sclass="(?:[^"]*\s)?note-ref(?:\s[^"]*)?"')
_HREF = re.compile(r'\shref="#([^"]+)"')
_ID = re.compile(r'\sid="([^"]*)"')


def ref_id(note_id: str) -> str:
    return f"{note_id}-ref"


def note_references(markup: str) -> dict[str, str]:
    """{note id: the id of its first reference} for the footnote references in sanitized text."""
    refs: dict[str, str] = {}
    for m in _ANCHOR.finditer(markup):
        tag = m.group(0)
        href = _HREF.search(tag)
        target = html.unescape(href.group(1)) if href else ""
        if target and _NOTE_REF_CLASS.search(tag) and target not in refs:
            own = _ID.search(tag)
            refs[target] = html.unescape(own.group(1)) if own else ref_id(target)
    return refs


def with_reference_ids(markup: str) -> str:
    """Sanitized text whose first reference to each note carries the id its note's back-link points to. Only an
    id derived from the reference's own (already sanitized) href is added."""
    seen: set[str] = set()

    def add_id(m: re.Match) -> str:
        tag = m.group(0)
        href = _HREF.search(tag)
        if not href or not _NOTE_REF_CLASS.search(tag) or _ID.search(tag) or href.group(1) in seen:
            return tag
        seen.add(href.group(1))
        return f'{tag[:-1]} id="{href.group(1)}-ref">'

    return _ANCHOR.sub(add_id, markup) if "note-ref" in markup else markup


@dataclass(frozen=True)
class Note:
    id: str
    n: str | None
    type: str | None
    html: str  # stored markup: the template sanitizes it again
    back: str | None  # the id of its reference, when the page has one


@dataclass(frozen=True)
class Text:
    kind: str
    label: str  # "Translation (English)", "Original (Vietnamese)"
    language: str | None  # ISO 639-2/B, as stored
    lang: str | None  # the HTML lang attribute (BCP 47)
    html: str
    translator: dict | None


@dataclass
class RecordPage:
    notes: list[Note] = field(default_factory=list)
    heading_note: Note | None = None  # the source note, referred to from the title
    texts: list[Text] = field(default_factory=list)
    parallel: bool = False  # an original and its translation, side by side on wide screens
    original_languages: list[str] = field(default_factory=list)  # names
    translated_from: str | None = None  # "Vietnamese", or "" when the original's language is not known
    show_signature: bool = False
    show_dateline_place: bool = False
    date_corrected: dict | None = None
    # The abbreviations the document uses, spelled out from its volume's list of abbreviations and terms (the
    # FRUS import keeps them as extra.terms: {"DMZ": "Demilitarized Zone"}); web/textmarks.py sets them as <abbr>.
    terms: dict[str, str] = field(default_factory=dict)


def _label(kind: str, language: str | None, own: str | None) -> str:
    name = language_name(language) if language else None
    base = own or {
        "original": "Original",
        "transcription": "Transcription",
        "translation": "Translation",
    }.get(kind, kind.capitalize())
    return f"{base} ({name})" if name and name not in base else base


def record_page(doc: dict) -> RecordPage:
    page = RecordPage()
    texts = doc.get("texts") or []
    markup = "\n".join(t.get("html") or "" for t in texts)
    refs = note_references(markup)
    for note in doc.get("notes") or []:
        page.notes.append(
            Note(note["id"], note.get("n"), note.get("type"), note.get("html") or "", refs.get(note["id"]))
        )
    source = next((n for n in page.notes if n.type == "source" and n.back is None), None)
    if source is not None:
        page.heading_note = Note(source.id, source.n, source.type, source.html, ref_id(source.id))
        page.notes = [page.heading_note if n is source else n for n in page.notes]
    originals = [c for c in doc.get("languages") or [] if c]
    page.original_languages = [language_name(c) or c for c in originals]
    for t in texts:
        code = t.get("language")
        page.texts.append(
            Text(
                t.get("kind") or "translation",
                _label(t.get("kind") or "translation", code, t.get("label")),
                code,
                bcp47(code) if code else None,
                t.get("html") or "",
                t.get("translator"),
            )
        )
    translations = [t for t in page.texts if t.kind == "translation"]
    if translations:
        from_languages = [c for c in originals if c not in {t.language for t in translations}]
        page.translated_from = ", ".join(language_name(c) or c for c in from_languages)
    kinds = {t.kind for t in page.texts}
    page.parallel = len(page.texts) == 2 and "translation" in kinds and len(kinds) == 2
    signature = doc.get("signature") or ""
    page.show_signature = bool(signature) and not (
        'class="signature"' in markup or html.escape(signature, quote=False) in markup
    )
    page.show_dateline_place = bool(doc.get("dateline_place")) and 'class="dateline"' not in markup
    extra = doc.get("extra") or {}
    page.date_corrected = extra.get("date_corrected")
    terms = extra.get("terms")
    if isinstance(terms, dict):
        page.terms = {
            k: v
            for k, v in terms.items()
            if isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip()
        }
    return page
