"""The FRUS apparatus inside a record's text, set as the page is made: footnote popovers, the persons glossary
and cross-references. Everything works without JavaScript (records/texts.py keeps the marks; apparatus.css shows
a popover while its reference is hovered or focused; apparatus.js only adds Escape to close one).

- A footnote reference ``<sup class="fn"><a class="note-ref" href="#d74fn2">2</a></sup>`` stays the link to its
  note, and carries the note's text beside it (``span.fn-tip``, ``role="tooltip"``, named by the reference's
  ``aria-describedby``): hidden until the reference is hovered or focused.
- A marked name ``<span class="person" data-person="frus1964-68v07/p_CCM1">Clifford</span>`` becomes a link to
  the person's page with the glossary's identification beside it, shown the same way.
- A link to a record (``/records/<id>/``) stays a link only when the public may see that record
  (records/references.py); otherwise its words stay, unlinked, saying nothing of the record.
- An abbreviation the volume spells out for the document (FRUS's list of abbreviations and terms, kept by the
  import as the record's ``extra.terms``) becomes ``<abbr title="Demilitarized Zone">DMZ</abbr>`` wherever it
  stands as a word of the text (case as written), so hovering it spells it out.

The input is sanitized markup (the template's ``|sanitized``); what is added here is escaped here.
"""

from __future__ import annotations

import html
import re

from django.urls import reverse

from readingroom.records.references import References, person_key, spans
from readingroom.records.texts import sanitize
from readingroom.web.recordpage import Note

_ANCHOR = re.compile(r"(<a\s[^>]*>)(.*?)</a>", re.S)
_HREF = re.compile(r'\shref="([^"]*)"')
_RECORD_HREF = re.compile(r"^/records/([^#?]+?)/(#[^\"]*)?$")
_NOTE_REF = re.compile(r'<sup class="fn">(<a\s[^>]*\bclass="note-ref"[^>]*>)(.*?)</a></sup>', re.S)
_NOTE_HREF = re.compile(r'\shref="#([^"]+)"')
_SPAN_TAG = re.compile(r"<span\b[^>]*>|</span>")
_BLOCK_TAG = re.compile(
    r"<(/?)(?:p|blockquote|h3|h4|ul|ol|li|table|thead|tbody|tr|td|th|section|div)(?:\s[^>]*)?>"
)
_LINK_TAG = re.compile(r"</?a(?:\s[^>]*)?>")
_ID_ATTR = re.compile(r'\sid="[^"]*"')
_TAG = re.compile(r"<[^>]+>")
_ANY_TAG = re.compile(r"""<[a-zA-Z/!](?:[^"'>]|"[^"]*"|'[^']*')*>""")
_ABBR_TAG = re.compile(r"</?abbr\b", re.I)


class TextMarks:
    """One page's popovers: `apply()` each text and note of the page in turn (ids stay unique on the page).
    `references` None (a template given none) leaves persons as plain text and links as stored."""

    def __init__(self, notes: list[Note], references: References | None, terms: dict[str, str] | None = None):
        self.notes = {n.id: n for n in notes}
        self.references = references
        self.terms = terms or {}
        self._terms = _terms_pattern(self.terms)
        self._spelled = {
            html.escape(t, quote=False): e for t, e in self.terms.items()
        }  # as the markup holds them
        self._tips = 0

    def apply(self, markup: str) -> str:
        if self.references is not None:
            if 'href="/records/' in markup:
                markup = _ANCHOR.sub(self._record_link, markup)
            if 'class="person"' in markup:
                markup = self._persons(markup)
        if "note-ref" in markup and self.notes:
            markup = _NOTE_REF.sub(self._footnote, markup)
        if self._terms is not None:  # last: a popover's copy of a note spells them out too
            markup = self._abbreviations(markup)
        return markup

    def heading_tip(self, note: Note) -> tuple[str, str]:
        """The popover of the note hung on the heading (FRUS's source note): (its id, its markup)."""
        return self._tip_html(note)

    # Cross-references ------------------------------------------------------------------------------------------
    def _record_link(self, m: re.Match) -> str:
        tag, inner = m.group(1), m.group(2)
        href = _HREF.search(tag)
        target = _RECORD_HREF.match(html.unescape(href.group(1))) if href else None
        if target is None:
            return m.group(0)
        assert self.references is not None
        record_id, fragment = target.group(1), target.group(2) or ""
        if record_id not in self.references.records:
            return inner  # not public (or not in the archive): the words, never a link that 404s or leaks
        url = reverse("record", kwargs={"record_id": record_id}) + fragment
        return f'<a class="xref" href="{html.escape(url)}">{inner}</a>'

    # Abbreviations ---------------------------------------------------------------------------------------------
    def _abbreviations(self, markup: str) -> str:
        """Each abbreviation in the text between tags (never in a tag, an attribute or an <abbr> already) as
        <abbr title>."""
        assert self._terms is not None
        pattern, by_escaped = self._terms, self._spelled
        out: list[str] = []
        in_abbr = 0
        at = 0
        for t in _ANY_TAG.finditer(markup):
            out.append(
                self._abbr_text(markup[at : t.start()], pattern, by_escaped)
                if not in_abbr
                else markup[at : t.start()]
            )
            tag = t.group(0)
            if _ABBR_TAG.match(tag):
                in_abbr += -1 if tag.startswith("</") else 1
                in_abbr = max(in_abbr, 0)
            out.append(tag)
            at = t.end()
        rest = markup[at:]
        out.append(self._abbr_text(rest, pattern, by_escaped) if not in_abbr else rest)
        return "".join(out)

    @staticmethod
    def _abbr_text(text: str, pattern: re.Pattern, by_escaped: dict[str, str]) -> str:
        if not text:
            return text
        return pattern.sub(
            lambda m: f'<abbr title="{html.escape(by_escaped[m.group(0)])}">{m.group(0)}</abbr>', text
        )

    # Persons ---------------------------------------------------------------------------------------------------
    def _persons(self, markup: str) -> str:
        out: list[str] = []
        at = 0
        for m in spans(markup):
            key = person_key(m)
            if key is None or m.start() < at:  # not a name, or a name marked inside a name already set
                continue
            end, close = _span_end(markup, m.end())
            inner = markup[m.end() : end]
            out.append(markup[at : m.start()])
            out.append(self._gloss(key, inner) or markup[m.start() : close])
            at = close
        out.append(markup[at:])
        return "".join(out)

    def _gloss(self, key: str, inner: str) -> str | None:
        assert self.references is not None
        gloss = self.references.persons.get(key)
        if gloss is None or "<a" in inner:  # unknown (merged, deleted) or holding a link: left as it is
            return None
        tip = self._next_id("gloss")
        return (
            f'<span class="gloss"><a class="person" href="{html.escape(gloss.url)}" aria-describedby="{tip}">'
            f'{inner}</a><span class="gloss-tip" role="tooltip" id="{tip}">{html.escape(gloss.text)}</span></span>'
        )

    # Footnotes -------------------------------------------------------------------------------------------------
    def _footnote(self, m: re.Match) -> str:
        tag, label = m.group(1), m.group(2)
        href = _NOTE_HREF.search(tag)
        note = self.notes.get(html.unescape(href.group(1))) if href else None
        if note is None or "aria-describedby" in tag:
            return m.group(0)
        tip_id, tip = self._tip_html(note)
        return (
            f'<span class="fn-wrap"><sup class="fn">{tag[:-1]} aria-describedby="{tip_id}">{label}</a></sup>'
            f"{tip}</span>"
        )

    def _tip_html(self, note: Note) -> tuple[str, str]:
        tip_id = self._next_id("fn-tip")
        n = f'<span class="fn-tip-n">{html.escape(note.n)}</span> ' if note.n else ""
        return tip_id, f'<span class="fn-tip" role="tooltip" id="{tip_id}">{n}{phrasing(note.html)}</span>'

    def _next_id(self, prefix: str) -> str:
        self._tips += 1
        return f"{prefix}-{self._tips}"


def _terms_pattern(terms: dict[str, str]) -> re.Pattern | None:
    """A pattern of the terms as they stand in escaped text: whole words (not a piece of "USG" for "US", nor of an
    entity such as "&amp;"), the longest first."""
    escaped = sorted((html.escape(t, quote=False) for t in terms), key=len, reverse=True)
    if not escaped:
        return None
    return re.compile(r"(?<![\w&])(?:" + "|".join(map(re.escape, escaped)) + r")(?![\w])")


def _span_end(markup: str, start: int) -> tuple[int, int]:
    """Where the span opened just before `start` closes: (start of its </span>, the end of it)."""
    depth = 1
    for t in _SPAN_TAG.finditer(markup, start):
        depth += -1 if t.group(0) == "</span>" else 1
        if depth == 0:
            return t.start(), t.end()
    return len(markup), len(markup)


def phrasing(note_html: str) -> str:
    """A note's markup as a popover may hold it inside a paragraph: blocks become spans, links their words, and
    no id repeats one of the page."""
    markup = sanitize(note_html)
    markup = _BLOCK_TAG.sub(lambda m: "</span>" if m.group(1) else '<span class="fn-block">', markup)
    markup = _LINK_TAG.sub("", markup)
    return _TAG.sub(lambda m: _ID_ATTR.sub("", m.group(0)), markup)
