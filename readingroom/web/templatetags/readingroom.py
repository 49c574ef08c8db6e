import html

from django import template
from django.utils.safestring import SafeString, mark_safe

from readingroom.records.languages import bcp47 as bcp47_tag
from readingroom.records.languages import language_name
from readingroom.records.texts import HIDDEN_EMAIL, HIDDEN_EMAIL_ARTEFACT, sanitize
from readingroom.web import recordpage, textmarks

register = template.Library()


@register.filter
def language(code: str) -> str:
    """'vie' -> 'Vietnamese' (the code itself when unknown)."""
    return language_name(code) or code if code else ""


@register.filter
def bcp47(code: str) -> str:
    """'vie' -> 'vi': a stored language code as an HTML lang attribute wants it."""
    return bcp47_tag(code) if code else ""


@register.filter
def sanitized(markup) -> str:
    """Stored HTML cleaned again as it is shown, by the cleaner imports use: a row changed behind the importer's
    back (by hand, by a restore, by a bug) cannot put script on a page. Not cached: a hit would still hash the
    whole text, and the saving is small beside the rest of a record page (bench/sanitize.py)."""
    return mark_safe(sanitize(markup if isinstance(markup, str) else str(markup or "")))


@register.filter
def note_anchors(markup) -> str:
    """Sanitized text (after |sanitized) whose footnote references carry the ids their notes link back to.
    Anything not already safe is escaped first, never trusted."""
    if not isinstance(markup, SafeString):
        markup = html.escape(str(markup or ""), quote=False)
    return mark_safe(recordpage.with_reference_ids(markup))


_HIDDEN_EMAIL_HTML = (
    '<span class="editorial hidden-email" title="The web page this record was captured from hid an e-mail '
    'address behind a script, so the capture holds no address here">' + html.escape(HIDDEN_EMAIL) + "</span>"
)


@register.filter
def capture_artefacts(value) -> str:
    """The capture's "[email protected]" (Cloudflare's e-mail hiding) shown for what it is: an address the
    capture lost, set as an editorial note, never as the document's words. Plain text is escaped first; safe
    (sanitized) markup is kept as it is."""
    if value is None:
        return ""
    if not isinstance(value, SafeString):
        value = html.escape(str(value), quote=False).replace(HIDDEN_EMAIL, "[email protected]")
    if "protected]" not in value:
        return mark_safe(value)
    return mark_safe(HIDDEN_EMAIL_ARTEFACT.sub(_HIDDEN_EMAIL_HTML, value))


@register.simple_tag
def record_page(doc) -> recordpage.RecordPage:
    """The page's setting of a document (web/recordpage.py): `{% record_page doc as page %}`."""
    return recordpage.record_page(doc or {})


@register.simple_tag
def text_marks(page, references=None) -> textmarks.TextMarks:
    """The page's footnote popovers, persons glossary and cross-references (web/textmarks.py):
    `{% text_marks page references as marks %}`; `references` (records/references.py) is None in the preview."""
    return textmarks.TextMarks(page.notes, references or None, getattr(page, "terms", None))


@register.filter
def marked(markup, marks) -> str:
    """Sanitized text (after |sanitized|note_anchors) with the apparatus of `marks` (a TextMarks) set in it."""
    if not isinstance(markup, SafeString):
        markup = html.escape(str(markup or ""), quote=False)
    if not isinstance(marks, textmarks.TextMarks):
        return markup
    return mark_safe(marks.apply(str(markup)))


@register.simple_tag
def heading_tip(marks, note) -> tuple[str, str]:
    """(id, markup) of the popover of the note hung on the title: `{% heading_tip marks note as tip %}`."""
    if not isinstance(marks, textmarks.TextMarks) or note is None:
        return ("", "")
    tip_id, tip = marks.heading_tip(note)
    return (tip_id, mark_safe(tip))


@register.filter
def link_url(url) -> str:
    """A stored URL for an href when the archive's cleaner would keep it as a link (http, https, mailto or
    relative), else "": a media file's or rights statement's URL of "javascript:..." is shown, never linked."""
    if not isinstance(url, str) or not url:
        return ""
    return url if " href=" in sanitize(f'<a href="{html.escape(url)}">.</a>') else ""
