"""Document texts: a small, safe HTML subset, built from plain text or from importers' markup.

Texts are stored as sanitized HTML so footnote anchors, page breaks, links and editorial brackets survive import,
and the record page can show them without ever trusting the source (sanitizing is done by nh3, the ammonia
binding, not by hand). Editorial brackets ("[private]", "[…]", "[Tran Buu] Kiem") are kept verbatim inside
``<span class="editorial">`` so that readers can tell the editor's words from the document's. A name the source
ties to a person authority (FRUS's ``<persName corresp="#p_KHA1">``) is kept as
``<span class="person" data-person="<authority key>">Kissinger</span>``: the record page glosses it from the
authority (web/textmarks.py). Links to other records stay ``<a href="/records/<id>/">``; the page links them only
while the target is public.
"""

from __future__ import annotations

import html
import re

import nh3

TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "i",
    "b",
    "u",
    "sup",
    "sub",
    "span",
    "a",
    "blockquote",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "td",
    "th",
    "q",
    "section",
    "div",
    "small",
    "s",
}
ATTRIBUTES = {
    "*": {"id", "class", "lang"},
    "a": {"href", "title"},
    "span": {"data-page", "data-person"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
CLASSES = {
    "editorial",
    "pb",
    "fn",
    "note-ref",
    "signature",
    "section",
    "section-head",
    "italic",
    "bold",
    "underline",
    "smallcaps",
    "salute",
    "closer",
    "dateline",
    "unresolved",
    "list",
    "label",
    "person",
}

# A link to a record of this archive as stored (importers write them so; sanitized markup quotes attributes).
_RECORD_LINK = re.compile(r'(<a\s(?:[^>]*\s)?href="/records/([^"#?]+?)/(?:#[^"]*)?"[^>]*>)(.*?)</a>', re.S)


def linked_record_ids(markup: str) -> list[str]:
    """The ids of the records stored markup links to (``<a href="/records/<id>/...">``), each once."""
    if 'href="/records/' not in markup:
        return []
    return list(dict.fromkeys(html.unescape(m.group(2)) for m in _RECORD_LINK.finditer(markup)))


def unlink_records(markup: str, keep) -> str:
    """Stored markup whose links to records not in `keep` (the public ones: records/visibility.py) are their
    words alone: no href names a record the public may not see."""
    if 'href="/records/' not in markup:
        return markup
    return _RECORD_LINK.sub(lambda m: m.group(0) if html.unescape(m.group(2)) in keep else m.group(3), markup)


_BRACKET = re.compile(r"\[[^\[\]\n]{1,200}\]")


# Built once: nh3.clean() converts its allowed sets for every call. Classes are filtered by ammonia itself (its
# allowed_classes; so "class" is not among the attributes), which halved the cost of sanitizing a record's text.
_CLEANER = nh3.Cleaner(
    tags=TAGS,
    attributes={tag: names - {"class"} for tag, names in ATTRIBUTES.items()},
    allowed_classes={tag: CLASSES for tag in TAGS},
    url_schemes={"http", "https", "mailto"},
    link_rel=None,
    strip_comments=True,
)


def sanitize(markup: str) -> str:
    return _CLEANER.clean(markup).replace(' class=""', "").strip()


def mark_editorial(escaped: str) -> str:
    """Wrap editorial brackets in already-escaped text."""
    return _BRACKET.sub(lambda m: f'<span class="editorial">{m.group(0)}</span>', escaped)


def plain_to_html(text: str) -> str:
    """Paragraphs separated by blank lines (or single newlines) become <p>; brackets are marked editorial."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    if len(paragraphs) == 1 and "\n" in paragraphs[0]:
        paragraphs = [p.strip() for p in paragraphs[0].split("\n") if p.strip()]
    out = []
    for p in paragraphs:
        body = mark_editorial(html.escape(" ".join(p.split()), quote=False))
        out.append(f"<p>{body}</p>")
    return sanitize("\n".join(out))


_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|h3|h4|li|blockquote|tr|div|section)>|<br\s*/?>", re.I)


def _plain_line(line: str) -> str:
    # Most lines hold single spaces only (str.isprintable is False for any other whitespace): strip them, and
    # split and join only the rest, which is what costs when a text has tens of thousands of words.
    return " ".join(line.split()) if ("  " in line or not line.isprintable()) else line.strip()


def html_to_plain(markup: str) -> str:
    """The text a reader sees, for search indexing and snippets: one line per block, whitespace collapsed."""
    text = _TAG.sub("", _BLOCK_END.sub("\n", markup))
    if "&" in text:
        text = html.unescape(text)
    return "\n".join(line for line in map(_plain_line, text.split("\n")) if line)


# Cloudflare's e-mail obfuscation replaces every address of a page with "[email protected]" (a no-break space
# between the words; "&#160;" in saved HTML) and decodes it with a script, so a capture of the page keeps only
# that text. It is not the document's: the address is lost, and saying so is the honest rendering.
HIDDEN_EMAIL = "[e-mail address hidden in the source capture]"
HIDDEN_EMAIL_ARTEFACT = re.compile(r"\[email(?:\s|\u00a0|&#160;|&nbsp;|&#xa0;)+protected\]", re.I)


def replace_hidden_email(text: str) -> str:
    """The capture's "[email protected]" said for what it is (HIDDEN_EMAIL); other text unchanged."""
    if "protected]" not in text:
        return text
    return HIDDEN_EMAIL_ARTEFACT.sub(HIDDEN_EMAIL, text)
