import html

from django import template
from django.utils.safestring import mark_safe

from readingroom.records.languages import language_name
from readingroom.records.texts import sanitize

register = template.Library()


@register.filter
def language(code: str) -> str:
    """'vie' -> 'Vietnamese' (the code itself when unknown)."""
    return language_name(code) or code if code else ""


@register.filter
def sanitized(markup) -> str:
    """Stored HTML cleaned again as it is shown, by the cleaner imports use: a row changed behind the importer's
    back (by hand, by a restore, by a bug) cannot put script on a page. Not cached: a hit would still hash the
    whole text, and the saving is small beside the rest of a record page (bench/sanitize.py)."""
    return mark_safe(sanitize(markup if isinstance(markup, str) else str(markup or "")))


@register.filter
def link_url(url) -> str:
    """A stored URL for an href when the archive's cleaner would keep it as a link (http, https, mailto or
    relative), else "": a media file's or rights statement's URL of "javascript:..." is shown, never linked."""
    if not isinstance(url, str) or not url:
        return ""
    return url if " href=" in sanitize(f'<a href="{html.escape(url)}">.</a>') else ""
