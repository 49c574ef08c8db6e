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
