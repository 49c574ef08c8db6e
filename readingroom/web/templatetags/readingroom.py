from django import template

from readingroom.records.languages import language_name

register = template.Library()


@register.filter
def language(code: str) -> str:
    """'vie' -> 'Vietnamese' (the code itself when unknown)."""
    return language_name(code) or code if code else ""
